"""Indexing, sorting, searching and counting on JAX."""

__all__ = []
