"""Indexing, sorting, searching and counting."""

__all__ = []
