"""Products, contractions and other linear-algebra-like numpy ops on NumPy."""

__all__ = []
