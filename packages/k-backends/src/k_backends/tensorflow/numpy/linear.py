"""Products, contractions and other linear-algebra-like numpy ops on TensorFlow."""

__all__ = []
