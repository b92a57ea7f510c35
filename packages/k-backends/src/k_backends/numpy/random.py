"""Random draws on NumPy from a seed pair (see k_backends.seed)."""

import numpy as np

from k_backends.numpy.core import to_numpy_dtype


def _generator(seed):
    return np.random.default_rng([int(s) for s in np.asarray(seed).reshape(-1)])


def normal(shape, mean, stddev, dtype, seed):
    draws = _generator(seed).normal(size=tuple(shape))
    return (draws * stddev + mean).astype(to_numpy_dtype(dtype))


def uniform(shape, minval, maxval, dtype, seed):
    draws = _generator(seed).uniform(size=tuple(shape))
    return (minval + draws * (maxval - minval)).astype(to_numpy_dtype(dtype))


def randint(shape, minval, maxval, dtype, seed):
    return _generator(seed).integers(minval, maxval, size=tuple(shape)).astype(to_numpy_dtype(dtype))


def truncated_normal(shape, mean, stddev, dtype, seed):
    # Resample the draws outside two standard deviations, as the other backends do.
    generator = _generator(seed)
    draws = generator.normal(size=tuple(shape))
    outside = np.abs(draws) > 2.0
    while outside.any():
        draws[outside] = generator.normal(size=int(outside.sum()))
        outside = np.abs(draws) > 2.0
    return (draws * stddev + mean).astype(to_numpy_dtype(dtype))


def categorical(logits, num_samples, dtype, seed):
    # Gumbel-max: the argmax of logits plus Gumbel noise is a draw from softmax(logits).
    logits = np.asarray(logits, dtype="float64")
    noise = _generator(seed).gumbel(size=(logits.shape[0], num_samples, logits.shape[1]))
    return np.argmax(logits[:, None, :] + noise, axis=-1).astype(to_numpy_dtype(dtype))


def dropout(inputs, rate, noise_shape, seed):
    keep = _generator(seed).uniform(size=tuple(noise_shape)) >= rate
    scaled = inputs / np.asarray(1.0 - rate, dtype=inputs.dtype)
    return np.where(keep, scaled, np.zeros((), dtype=inputs.dtype))


def shuffle(x, axis, seed):
    return _generator(seed).permutation(x, axis=axis)


def gamma(shape, alpha, dtype, seed):
    return _generator(seed).standard_gamma(alpha, size=tuple(shape)).astype(to_numpy_dtype(dtype))


def binomial(shape, counts, probabilities, dtype, seed):
    counts = np.asarray(counts).astype("int64")
    draws = _generator(seed).binomial(counts, probabilities, size=tuple(shape))
    return draws.astype(to_numpy_dtype(dtype))


def beta(shape, alpha, beta, dtype, seed):
    return _generator(seed).beta(alpha, beta, size=tuple(shape)).astype(to_numpy_dtype(dtype))
