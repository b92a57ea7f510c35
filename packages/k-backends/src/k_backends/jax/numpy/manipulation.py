"""Shape manipulation, joining and splitting on JAX."""

__all__ = []
