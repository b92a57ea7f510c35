"""The PyTorch backend: training and inference, on CPU, CUDA or MPS."""

from k_backends.torch import core, linalg, math, nn, numpy, random

__all__ = ["core", "linalg", "math", "nn", "numpy", "random"]
NAME = "torch"
SUPPORTS_TRAINING = True
