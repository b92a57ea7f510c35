"""Reductions, cumulative, nan-aware and statistical ops on NumPy."""

__all__ = []
