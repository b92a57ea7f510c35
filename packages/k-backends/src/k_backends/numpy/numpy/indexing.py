"""Indexing, sorting, searching and counting on NumPy."""

__all__ = []
