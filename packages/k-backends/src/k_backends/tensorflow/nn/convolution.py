"""Convolutions on TensorFlow (tf.nn.convolution, channels last)."""

import tensorflow as tf

from k_backends.rules import convolution as rules
from k_backends.tensorflow.core import convert_to_tensor

__all__ = ["conv", "conv_transpose"]

# TF's CPU convolutions have no integer or half kernels: those compute in a wider float and are
# cast back (exact for integers below 2**53).
_COMPUTE = {"float16": tf.float32, "bfloat16": tf.float32, "uint8": tf.float64, "int8": tf.float64,
            "int16": tf.float64, "int32": tf.float64, "int64": tf.float64}


def _depthwise(x, kernel, strides, padding, dilation_rate, groups):
    """A conv with one input channel per group as tf.nn.depthwise_conv2d (1-D as a 2-D of height 1)."""
    n = x.shape.rank - 2
    kernel = tf.reshape(kernel, (*kernel.shape[:-2], groups, kernel.shape[-1] // groups))
    if n == 1:
        x, kernel = x[:, None], kernel[None]
        strides, dilation_rate = strides * 2, dilation_rate * 2
    y = tf.nn.depthwise_conv2d(x, kernel, (1, *strides, 1), padding, dilations=dilation_rate)
    return y[:, 0] if n == 1 else y


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    dtype = rules.conv_dtype(inputs, kernel)
    x, kernel = convert_to_tensor(inputs, dtype), convert_to_tensor(kernel, dtype)
    strides, padding, data_format, dilation_rate = rules.conv_arguments(
        tuple(x.shape), strides, padding, data_format, dilation_rate)
    groups = rules.groups_of(tuple(x.shape), tuple(kernel.shape), data_format)
    n = x.shape.rank - 2
    compute = _COMPUTE.get(dtype)
    if compute is not None:
        x, kernel = tf.cast(x, compute), tf.cast(kernel, compute)
    if data_format == "channels_first":  # TF's CPU convolutions are channels-last only
        x = tf.transpose(x, rules.to_channels_last(n + 2))
    if groups == 1:
        y = tf.nn.convolution(x, kernel, strides, padding.upper(), dilations=dilation_rate)
    elif kernel.shape[-2] == 1 and n <= 2 and len(set(strides)) == 1:
        y = _depthwise(x, kernel, strides, padding.upper(), dilation_rate, groups)
    else:
        # TF's CPU convolutions are not grouped: convolve each group on its own.
        y = tf.concat([tf.nn.convolution(part, filters, strides, padding.upper(), dilations=dilation_rate)
                       for part, filters in zip(tf.split(x, groups, axis=-1),
                                                tf.split(kernel, groups, axis=-1), strict=True)], axis=-1)
    if data_format == "channels_first":
        y = tf.transpose(y, rules.to_channels_first(n + 2))
    return tf.cast(y, dtype) if compute is not None else y


def _spread(x, strides):
    """Channels-last `x` with `stride - 1` zeros between neighbours along each spatial axis."""
    for axis, stride in enumerate(strides, start=1):
        if stride == 1:
            continue
        length = x.shape[axis] if x.shape[axis] is not None else tf.shape(x)[axis]
        x = tf.expand_dims(x, axis + 1)
        x = tf.pad(x, [(0, 0)] * (axis + 1) + [(0, stride - 1)] + [(0, 0)] * (x.shape.rank - axis - 2))
        shape = tf.concat([tf.shape(x)[:axis], [length * stride], tf.shape(x)[axis + 2:]], 0)
        x = tf.reshape(x, shape)
        x = x[(slice(None),) * axis + (slice(0, (length - 1) * stride + 1),)]
    return x


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    dtype = rules.conv_dtype(inputs, kernel)
    x, kernel = convert_to_tensor(inputs, dtype), convert_to_tensor(kernel, dtype)
    strides, padding, output_padding, data_format, dilation_rate = rules.conv_transpose_arguments(
        tuple(x.shape), strides, padding, output_padding, data_format, dilation_rate)
    rules.conv_transpose_shape(tuple(x.shape), tuple(kernel.shape), strides, padding, output_padding,
                               data_format, dilation_rate)
    n = x.shape.rank - 2
    compute = _COMPUTE.get(dtype)
    if compute is not None:
        x, kernel = tf.cast(x, compute), tf.cast(kernel, compute)
    if data_format == "channels_first":
        x = tf.transpose(x, rules.to_channels_last(n + 2))
    # A stride-1 convolution of the input spread `strides` apart, padded, with the kernel flipped and
    # its channel axes swapped: unlike tf.nn.conv_transpose this takes any padding and dilation on CPU.
    pads = [rules.conv_transpose_padding(k, s, d, padding, p) for k, s, d, p in zip(
        kernel.shape[:-2], strides, dilation_rate, output_padding or (None,) * n, strict=True)]
    x = tf.pad(_spread(x, strides), [(0, 0), *pads, (0, 0)])
    flipped = tf.transpose(tf.reverse(kernel, list(range(n))), (*range(n), n + 1, n))
    y = tf.nn.convolution(x, flipped, 1, "VALID", dilations=dilation_rate)
    if data_format == "channels_first":
        y = tf.transpose(y, rules.to_channels_first(n + 2))
    return tf.cast(y, dtype) if compute is not None else y
