"""Tensor creation and window functions."""

__all__ = []
