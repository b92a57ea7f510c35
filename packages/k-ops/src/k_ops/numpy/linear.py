"""Products, contractions and other linear-algebra-like NumPy ops."""

__all__ = []
