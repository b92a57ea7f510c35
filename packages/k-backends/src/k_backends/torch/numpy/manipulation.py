"""Shape manipulation, joining and splitting on PyTorch."""

__all__ = []
