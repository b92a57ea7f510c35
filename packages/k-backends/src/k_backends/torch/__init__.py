"""The PyTorch backend: training and inference, on CPU, CUDA or MPS."""

from k_backends.torch import core, numpy, random

__all__ = ["core", "numpy", "random"]
NAME = "torch"
SUPPORTS_TRAINING = True
