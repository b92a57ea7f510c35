"""Pooling on NumPy, over strided windows (sliding_window_view)."""

import numpy as np

from k_backends.numpy.core import convert_to_tensor, to_numpy_dtype
from k_backends.numpy.nn.convolution import windows
from k_backends.rules import convolution as rules

__all__ = ["max_pool", "average_pool"]


def _lowest(dtype):
    if dtype == np.bool_:
        return False
    if np.issubdtype(dtype, np.integer):
        return np.iinfo(dtype).min
    return -np.inf


def _pool(inputs, pool_size, strides, padding, data_format, dtype, reduce):
    x = convert_to_tensor(inputs)
    pool_size, strides, padding, data_format = rules.pool_arguments(
        x.shape, pool_size, strides, padding, data_format)
    if data_format == "channels_first":
        x = x.transpose(rules.to_channels_last(x.ndim))
    y = reduce(x, pool_size, strides, padding).astype(to_numpy_dtype(dtype), copy=False)
    if data_format == "channels_first":
        y = y.transpose(rules.to_channels_first(y.ndim))
    return y


def _max(x, pool_size, strides, padding):
    n = len(pool_size)
    patches = windows(x, pool_size, strides, (1,) * n, padding, _lowest(x.dtype))
    return patches.max(axis=tuple(range(-n, 0)))


def _mean(x, pool_size, strides, padding):
    n = len(pool_size)
    axes = tuple(range(-n, 0))
    total = windows(x.astype(np.float64 if x.dtype == np.float64 else np.float32), pool_size, strides,
                    (1,) * n, padding).sum(axis=axes)
    if padding == "valid":
        return total / np.prod(pool_size)
    # Only the unpadded values count towards a window's mean.
    ones = np.ones((1, *x.shape[1:-1], 1), np.float32)
    return total / windows(ones, pool_size, strides, (1,) * n, padding).sum(axis=axes)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(inputs, pool_size, strides, padding, data_format, rules.max_pool_dtype(inputs), _max)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(inputs, pool_size, strides, padding, data_format, rules.average_pool_dtype(inputs), _mean)
