"""Tensor creation and window functions on TensorFlow."""

__all__ = []
