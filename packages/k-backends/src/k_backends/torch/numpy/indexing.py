"""Indexing, sorting, searching and counting on PyTorch."""

__all__ = []
