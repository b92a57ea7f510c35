"""Shape manipulation, joining and splitting on TensorFlow."""

__all__ = []
