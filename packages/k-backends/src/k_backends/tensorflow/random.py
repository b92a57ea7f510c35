"""Random draws on TensorFlow from a seed pair (see k_backends.seed).

Draws come from TF's stateless ops, so a seed tensor gives the same values
every time, inside tf.function too. Floats are drawn in float32 (float64
when asked) and scaled there before the cast to the requested dtype.
"""

import tensorflow as tf

from k_backends import dtypes
from k_backends.tensorflow.core import convert_to_tensor


def _float_draws(dtype):
    return tf.float64 if dtype == "float64" else tf.float32


def normal(shape, mean, stddev, dtype, seed):
    dtype = dtypes.standardize_dtype(dtype)
    draw = _float_draws(dtype)
    draws = tf.random.stateless_normal(shape, seed, mean=convert_to_tensor(mean, draw),
                                       stddev=convert_to_tensor(stddev, draw), dtype=draw)
    return tf.cast(draws, dtype)


def uniform(shape, minval, maxval, dtype, seed):
    dtype = dtypes.standardize_dtype(dtype)
    draw = _float_draws(dtype)
    draws = tf.random.stateless_uniform(shape, seed, minval=convert_to_tensor(minval, draw),
                                        maxval=convert_to_tensor(maxval, draw), dtype=draw)
    return tf.cast(draws, dtype)


def randint(shape, minval, maxval, dtype, seed):
    dtype = dtypes.standardize_dtype(dtype)
    draw = tf.int64 if dtype in ("int64", "uint32", "uint64") else tf.int32
    draws = tf.random.stateless_uniform(shape, seed, minval=convert_to_tensor(minval, draw),
                                        maxval=convert_to_tensor(maxval, draw), dtype=draw)
    return tf.cast(draws, dtype)


def truncated_normal(shape, mean, stddev, dtype, seed):
    # TF redraws values beyond two standard deviations, like the other backends.
    dtype = dtypes.standardize_dtype(dtype)
    draw = _float_draws(dtype)
    draws = tf.random.stateless_truncated_normal(
        shape, seed, mean=convert_to_tensor(mean, draw), stddev=convert_to_tensor(stddev, draw),
        dtype=draw)
    return tf.cast(draws, dtype)


def set_framework_seed(seed):
    """Seed TF's global generator (used by TF ops called outside kappa)."""
    tf.random.set_seed(seed)
