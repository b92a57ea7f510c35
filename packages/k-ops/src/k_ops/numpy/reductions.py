"""Reductions, cumulative, nan-aware and statistical ops."""

__all__ = []
