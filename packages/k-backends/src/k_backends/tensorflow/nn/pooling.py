"""Pooling on TensorFlow (tf.nn.max_pool / avg_pool, channels last)."""

import tensorflow as tf

from k_backends.rules import convolution as rules
from k_backends.tensorflow.core import convert_to_tensor

__all__ = ["max_pool", "average_pool"]

# TF's CPU pooling kernels are float32/float64 (max pooling also half ones on some builds): other
# dtypes compute in a float wide enough and are cast back (exact for integers below 2**53).
_COMPUTE = {"float16": tf.float32, "bfloat16": tf.float32, "bool": tf.float32, "uint8": tf.float32,
            "int8": tf.float32, "int16": tf.float32, "int32": tf.float64, "int64": tf.float64}


def _pool(pool, inputs, pool_size, strides, padding, data_format, dtype):
    x = convert_to_tensor(inputs)
    pool_size, strides, padding, data_format = rules.pool_arguments(
        tuple(x.shape), pool_size, strides, padding, data_format)
    compute = _COMPUTE.get(dtype, _COMPUTE.get(x.dtype.name))
    if compute is not None:
        x = tf.cast(x, compute)
    rank = x.shape.rank
    if data_format == "channels_first":  # TF's CPU pooling is channels-last only
        x = tf.transpose(x, rules.to_channels_last(rank))
    y = pool(x, pool_size, strides, padding.upper())
    if data_format == "channels_first":
        y = tf.transpose(y, rules.to_channels_first(rank))
    return tf.cast(y, dtype)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(tf.nn.max_pool, inputs, pool_size, strides, padding, data_format,
                 rules.max_pool_dtype(inputs))


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(tf.nn.avg_pool, inputs, pool_size, strides, padding, data_format,
                 rules.average_pool_dtype(inputs))
