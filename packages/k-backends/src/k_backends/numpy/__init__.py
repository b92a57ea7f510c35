"""The NumPy backend: inference only (evaluate, predict), no gradients."""

from k_backends.numpy import core, numpy, random

__all__ = ["core", "numpy", "random"]
NAME = "numpy"
SUPPORTS_TRAINING = False
