"""Products, contractions and other linear-algebra-like numpy ops on PyTorch."""

__all__ = []
