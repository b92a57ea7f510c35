"""Tensor creation and window functions on NumPy."""

__all__ = []
