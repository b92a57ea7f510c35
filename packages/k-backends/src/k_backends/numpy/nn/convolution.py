"""Convolutions on NumPy: strided windows (sliding_window_view) contracted with the kernel by einsum."""

import string

import numpy as np

from k_backends.numpy.core import convert_to_tensor, to_numpy_dtype
from k_backends.rules import convolution as rules

__all__ = ["conv", "conv_transpose"]

_HALF = ("float16", "bfloat16")


def windows(x, extents, strides, dilation_rate, padding, pad_value=0):
    """Channels-last `x` (batch, spatial..., channels) as (batch, out..., channels, window...)."""
    n = x.ndim - 2
    pads = rules.explicit_padding(x.shape[1:-1], extents, strides, padding, dilation_rate)
    if any(p != (0, 0) for p in pads):
        x = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=pad_value)
    spans = [(k - 1) * d + 1 for k, d in zip(extents, dilation_rate, strict=True)]
    view = np.lib.stride_tricks.sliding_window_view(x, spans, axis=tuple(range(1, n + 1)))
    index = (slice(None), *(slice(None, None, s) for s in strides), slice(None),
             *(slice(None, None, d) for d in dilation_rate))
    return view[index]


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    dtype = rules.conv_dtype(inputs, kernel)
    x, kernel = convert_to_tensor(inputs, dtype), convert_to_tensor(kernel, dtype)
    strides, padding, data_format, dilation_rate = rules.conv_arguments(
        x.shape, strides, padding, data_format, dilation_rate)
    groups = rules.groups_of(x.shape, kernel.shape, data_format)
    if dtype in _HALF:  # NumPy has no fast half-precision products
        x, kernel = x.astype(np.float32), kernel.astype(np.float32)
    if data_format == "channels_first":
        x = x.transpose(rules.to_channels_last(x.ndim))
    n = x.ndim - 2
    patches = windows(x, kernel.shape[:-2], strides, dilation_rate, padding)
    batch, out = patches.shape[0], patches.shape[1:n + 1]
    in_per_group, out_channels = kernel.shape[-2], kernel.shape[-1]
    patches = patches.reshape(batch, *out, groups, in_per_group, *kernel.shape[:-2])
    kernel = kernel.reshape(*kernel.shape[:-2], in_per_group, groups, out_channels // groups)
    space, taps = string.ascii_letters[:n], string.ascii_letters[n:2 * n]
    y = np.einsum(f"Z{space}GC{taps},{taps}CGO->Z{space}GO", patches, kernel, optimize=True)
    y = y.reshape(batch, *out, out_channels).astype(to_numpy_dtype(dtype), copy=False)
    if data_format == "channels_first":
        y = y.transpose(rules.to_channels_first(y.ndim))
    return y


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    dtype = rules.conv_dtype(inputs, kernel)
    x, kernel = convert_to_tensor(inputs, dtype), convert_to_tensor(kernel, dtype)
    strides, padding, output_padding, data_format, dilation_rate = rules.conv_transpose_arguments(
        x.shape, strides, padding, output_padding, data_format, dilation_rate)
    rules.conv_transpose_shape(x.shape, kernel.shape, strides, padding, output_padding, data_format,
                               dilation_rate)
    if data_format == "channels_first":
        x = x.transpose(rules.to_channels_last(x.ndim))
    n = x.ndim - 2
    # A transposed convolution is a stride-1 convolution of the input spread `strides` apart (zeros
    # between), padded, with the kernel flipped and its channel axes swapped.
    spread = np.zeros((x.shape[0], *((d - 1) * s + 1 for d, s in zip(x.shape[1:-1], strides, strict=True)),
                       x.shape[-1]), x.dtype)
    spread[(slice(None), *(slice(None, None, s) for s in strides))] = x
    pads = [rules.conv_transpose_padding(k, s, d, padding, p) for k, s, d, p in zip(
        kernel.shape[:-2], strides, dilation_rate, output_padding or (None,) * n, strict=True)]
    spread = np.pad(spread, [(0, 0), *pads, (0, 0)])
    flipped = np.swapaxes(np.flip(kernel, tuple(range(n))), -1, -2)
    y = conv(spread, flipped, 1, "valid", "channels_last", dilation_rate)
    if data_format == "channels_first":
        y = y.transpose(rules.to_channels_first(y.ndim))
    return y
