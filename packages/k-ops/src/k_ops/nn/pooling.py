"""Pooling over 1 to 3 spatial dimensions.

The adaptive pools are written here from public ops: their bins (PyTorch's: bin i of n over a
length L spans [floor(i L / n), ceil((i + 1) L / n))) are products of per-axis intervals, so both
reduce one spatial axis at a time: a gather and a maximum, or a product with an averaging matrix.
"""

import numpy as np

from k_backends.rules import convolution as rules
from k_backends.selection import current
from k_ops import shapes
from k_ops.core import cast, convert_to_tensor
from k_ops.dispatch import symbolic
from k_ops.numpy.indexing import take
from k_ops.numpy.linear import tensordot
from k_ops.numpy.manipulation import moveaxis
from k_ops.numpy.reductions import max as reduce_max
from k_ops.symbolic import KerasTensor

__all__ = ["max_pool", "average_pool", "adaptive_max_pool", "adaptive_average_pool"]


def _pool_spec(dtype_rule):
    def spec(inputs, pool_size, strides=None, padding="valid", data_format=None):
        input_shape = shapes.shape_of(inputs)
        arguments = rules.pool_arguments(input_shape, pool_size, strides, padding, data_format)
        return KerasTensor(rules.pool_shape(input_shape, *arguments), dtype_rule(inputs))
    return spec


@symbolic(_pool_spec(rules.max_pool_dtype))
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The maximum of each window of `pool_size` (strides default to `pool_size`).

    Args:
        inputs: a tensor of rank 3 to 5, (batch, spatial..., channels) for "channels_last".
        pool_size: an int or one int per spatial dimension.
        strides: an int, one int per spatial dimension, or None for `pool_size`.
        padding: "valid" or "same" (padded positions never win the maximum).
        data_format: "channels_last" or "channels_first"; None reads `image_data_format()`.

    Example:
        >>> max_pool(np.arange(16.0).reshape(1, 4, 4, 1), 2)[0, ..., 0]
        array([[ 5.,  7.], [13., 15.]])
    """
    return current().nn.max_pool(inputs, pool_size, strides, padding, data_format)


@symbolic(_pool_spec(rules.average_pool_dtype))
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The mean of each window of `pool_size`; with "same" padding, the mean of its unpadded values.

    Arguments as for `max_pool`. Integer inputs average to floatx (float64 for 64-bit ints).

    Example:
        >>> average_pool(np.arange(16.0).reshape(1, 4, 4, 1), 2)[0, ..., 0]
        array([[ 2.5,  4.5], [10.5, 12.5]])
    """
    return current().nn.average_pool(inputs, pool_size, strides, padding, data_format)


def _adaptive_arguments(shape, output_size, data_format):
    n = rules.spatial_rank(shape)
    return rules.int_tuple(output_size, n, "output_size"), rules.data_format_of(data_format)


def _adaptive_spec(dtype_rule):
    def spec(inputs, output_size, data_format=None):
        input_shape = shapes.shape_of(inputs)
        output_size, data_format = _adaptive_arguments(input_shape, output_size, data_format)
        batch, _, channels = rules.split_shape(input_shape, data_format)
        return KerasTensor(rules.join_shape(batch, output_size, channels, data_format), dtype_rule(inputs))
    return spec


def _bins(length, size):
    return [((i * length) // size, -(-(i + 1) * length // size)) for i in range(size)]


def _spatial_axes(ndim, data_format):
    return range(1, ndim - 1) if data_format == "channels_last" else range(2, ndim)


@symbolic(_adaptive_spec(rules.max_pool_dtype))
def adaptive_max_pool(inputs, output_size, data_format=None):
    """The maximum over each of `output_size` bins splitting the spatial dimensions (PyTorch's bins).

    Args:
        inputs: a tensor of rank 3 to 5, (batch, spatial..., channels) for "channels_last".
        output_size: an int or one int per spatial dimension: the output's spatial shape.
        data_format: "channels_last" or "channels_first"; None reads `image_data_format()`.

    Example:
        >>> adaptive_max_pool(np.arange(5.0).reshape(1, 5, 1), 2)[0, :, 0]
        array([2., 4.])
    """
    x = convert_to_tensor(inputs)
    output_size, data_format = _adaptive_arguments(tuple(x.shape), output_size, data_format)
    for axis, size in zip(_spatial_axes(len(x.shape), data_format), output_size, strict=True):
        bins = _bins(x.shape[axis], size)
        width = max(end - start for start, end in bins)
        # Narrower bins repeat their last index, which leaves their maximum unchanged.
        index = np.array([[min(start + j, end - 1) for j in range(width)] for start, end in bins], "int32")
        x = reduce_max(take(x, index, axis=axis), axis=axis + 1)
    return x


@symbolic(_adaptive_spec(rules.average_pool_dtype))
def adaptive_average_pool(inputs, output_size, data_format=None):
    """The mean over each of `output_size` bins splitting the spatial dimensions (PyTorch's bins).

    Arguments as for `adaptive_max_pool`; integer inputs average to floatx (float64 for 64-bit ints).

    Example:
        >>> adaptive_average_pool(np.arange(5.0).reshape(1, 5, 1), 2)[0, :, 0]
        array([1., 3.])
    """
    dtype = rules.average_pool_dtype(inputs)
    x = cast(convert_to_tensor(inputs), dtype)
    output_size, data_format = _adaptive_arguments(tuple(x.shape), output_size, data_format)
    for axis, size in zip(_spatial_axes(len(x.shape), data_format), output_size, strict=True):
        weights = np.zeros((x.shape[axis], size), "float64")
        for i, (start, end) in enumerate(_bins(x.shape[axis], size)):
            weights[start:end, i] = 1.0 / (end - start)
        x = moveaxis(tensordot(x, cast(weights, dtype), axes=[[axis], [0]]), -1, axis)
    return x
