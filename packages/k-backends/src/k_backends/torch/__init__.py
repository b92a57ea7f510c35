"""The PyTorch backend: training and inference, on CPU, CUDA or MPS."""

from k_backends.torch import core, linalg, numpy, random

__all__ = ["core", "linalg", "numpy", "random"]
NAME = "torch"
SUPPORTS_TRAINING = True
