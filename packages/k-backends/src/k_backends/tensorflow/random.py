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


def categorical(logits, num_samples, dtype, seed):
    logits = convert_to_tensor(logits)
    if logits.dtype not in (tf.float32, tf.float64):
        logits = tf.cast(logits, tf.float32)
    draws = tf.random.stateless_categorical(logits, num_samples, seed, dtype=tf.int64)
    return tf.cast(draws, dtypes.standardize_dtype(dtype))


def dropout(inputs, rate, noise_shape, seed):
    inputs = convert_to_tensor(inputs)
    if None in noise_shape:
        # Inside a tf.function a dim may be known only when it runs: read it from the inputs.
        sizes = tf.shape(inputs)[inputs.shape.rank - len(noise_shape):]
        noise_shape = tf.stack([sizes[i] if d is None else d for i, d in enumerate(noise_shape)])
    keep = tf.random.stateless_uniform(noise_shape, seed) >= rate
    keep = tf.broadcast_to(keep, tf.shape(inputs))
    return tf.where(keep, inputs / tf.cast(1.0 - rate, inputs.dtype), tf.zeros((), inputs.dtype))


def shuffle(x, axis, seed):
    # TF's own shuffle is stateful; sorting stateless uniform keys gives a seeded permutation.
    x = convert_to_tensor(x)
    permutation = tf.argsort(tf.random.stateless_uniform(tf.shape(x)[axis:axis + 1], seed))
    return tf.gather(x, permutation, axis=axis)


def gamma(shape, alpha, dtype, seed):
    dtype = dtypes.standardize_dtype(dtype)
    draw = _float_draws(dtype)
    draws = tf.random.stateless_gamma(shape, seed, alpha=convert_to_tensor(alpha, draw), dtype=draw)
    return tf.cast(draws, dtype)


def binomial(shape, counts, probabilities, dtype, seed):
    dtype = dtypes.standardize_dtype(dtype)
    draw = _float_draws(dtype)
    draws = tf.random.stateless_binomial(shape, seed, counts=convert_to_tensor(counts, draw),
                                         probs=convert_to_tensor(probabilities, draw), output_dtype=draw)
    return tf.cast(draws, dtype)


def beta(shape, alpha, beta, dtype, seed):
    # X / (X + Y) with X ~ Gamma(alpha), Y ~ Gamma(beta) drawn from two seeds split off this one.
    dtype = dtypes.standardize_dtype(dtype)
    draw = _float_draws(dtype)
    seed_x, seed_y = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    x = tf.random.stateless_gamma(shape, seed_x, alpha=convert_to_tensor(alpha, draw), dtype=draw)
    y = tf.random.stateless_gamma(shape, seed_y, alpha=convert_to_tensor(beta, draw), dtype=draw)
    return tf.cast(x / (x + y), dtype)
