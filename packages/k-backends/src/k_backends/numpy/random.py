"""Random draws on NumPy from a seed pair (see k_backends.seed)."""

import numpy as np

from k_backends.numpy.core import _np_dtype


def _generator(seed):
    return np.random.default_rng([int(s) for s in np.asarray(seed).reshape(-1)])


def normal(shape, mean, stddev, dtype, seed):
    draws = _generator(seed).normal(size=tuple(shape))
    return (draws * stddev + mean).astype(_np_dtype(dtype))


def uniform(shape, minval, maxval, dtype, seed):
    draws = _generator(seed).uniform(size=tuple(shape))
    return (minval + draws * (maxval - minval)).astype(_np_dtype(dtype))


def randint(shape, minval, maxval, dtype, seed):
    return _generator(seed).integers(minval, maxval, size=tuple(shape)).astype(_np_dtype(dtype))


def truncated_normal(shape, mean, stddev, dtype, seed):
    # Resample the draws outside two standard deviations, as the other backends do.
    generator = _generator(seed)
    draws = generator.normal(size=tuple(shape))
    outside = np.abs(draws) > 2.0
    while outside.any():
        draws[outside] = generator.normal(size=int(outside.sum()))
        outside = np.abs(draws) > 2.0
    return (draws * stddev + mean).astype(_np_dtype(dtype))
