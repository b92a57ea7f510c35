"""The NumPy backend: inference only (evaluate, predict), no gradients."""

from k_backends.numpy import core, linalg, math, nn, numpy, random

__all__ = ["core", "linalg", "math", "nn", "numpy", "random"]
NAME = "numpy"
SUPPORTS_TRAINING = False
