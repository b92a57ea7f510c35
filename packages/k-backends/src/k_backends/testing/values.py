"""Helpers for tests that compare kappa's results with NumPy."""

import numpy as np

import k_backends


def to_numpy(x):
    """Any tensor of the selected backend (or array-like) as a NumPy array."""
    return np.asarray(k_backends.current().core.convert_to_numpy(x))
