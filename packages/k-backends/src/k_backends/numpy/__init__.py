"""The NumPy backend: inference only (evaluate, predict), no gradients."""

from k_backends.numpy import core, linalg, numpy, random

__all__ = ["core", "linalg", "numpy", "random"]
NAME = "numpy"
SUPPORTS_TRAINING = False
