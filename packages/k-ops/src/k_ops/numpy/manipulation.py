"""Shape manipulation, joining and splitting."""

__all__ = []
