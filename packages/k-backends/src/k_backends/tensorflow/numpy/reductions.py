"""Reductions, cumulative, nan-aware and statistical ops on TensorFlow."""

__all__ = []
