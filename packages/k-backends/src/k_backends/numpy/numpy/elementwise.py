"""Elementwise unary math, trigonometry, rounding and predicates on NumPy."""

import numpy as np

from k_backends.numpy.core import convert_to_tensor

__all__ = ["negative", "absolute", "bitwise_invert"]


def negative(x):
    return np.negative(convert_to_tensor(x))


def absolute(x):
    return np.absolute(convert_to_tensor(x))


def bitwise_invert(x):
    return np.invert(convert_to_tensor(x))
