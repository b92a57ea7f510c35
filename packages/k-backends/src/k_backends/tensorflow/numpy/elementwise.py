"""Elementwise unary math, trigonometry, rounding and predicates on TensorFlow."""

import tensorflow as tf

from k_backends.tensorflow.core import COMPUTE_DTYPES, convert_to_tensor

__all__ = ["negative", "absolute", "bitwise_invert"]


def negative(x):
    x = convert_to_tensor(x)
    if x.dtype.is_unsigned:
        # NumPy wraps around (-1 is 255 in uint8); TF has no unsigned kernel.
        return tf.cast(tf.math.negative(tf.cast(x, COMPUTE_DTYPES[x.dtype.name])), x.dtype)
    return tf.math.negative(x)


def absolute(x):
    x = convert_to_tensor(x)
    if x.dtype == tf.bool or x.dtype.is_unsigned:
        return x  # the identity; TF has no kernel for these dtypes
    return tf.math.abs(x)


def bitwise_invert(x):
    x = convert_to_tensor(x)
    return tf.math.logical_not(x) if x.dtype == tf.bool else tf.bitwise.invert(x)
