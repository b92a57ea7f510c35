"""Reductions, cumulative, nan-aware and statistical ops on PyTorch."""

__all__ = []
