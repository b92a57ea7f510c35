"""Tensor creation and window functions on PyTorch."""

__all__ = []
