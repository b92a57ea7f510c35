"""Tensor creation and window functions on JAX."""

__all__ = []
