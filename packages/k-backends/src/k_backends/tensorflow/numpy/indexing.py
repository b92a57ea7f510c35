"""Indexing, sorting, searching and counting on TensorFlow."""

__all__ = []
