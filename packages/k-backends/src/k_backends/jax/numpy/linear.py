"""Products, contractions and other linear-algebra-like numpy ops on JAX."""

__all__ = []
