"""Shape manipulation, joining and splitting on NumPy."""

__all__ = []
