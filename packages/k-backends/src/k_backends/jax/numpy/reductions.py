"""Reductions, cumulative, nan-aware and statistical ops on JAX."""

__all__ = []
