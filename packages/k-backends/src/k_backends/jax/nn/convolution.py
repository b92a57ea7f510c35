"""Convolutions on JAX (lax.conv_general_dilated)."""

import jax

from k_backends.jax.core import convert_to_tensor
from k_backends.rules import convolution as rules

__all__ = ["conv", "conv_transpose"]

_SPATIAL = "DHW"


def dimension_numbers(n, data_format):
    space = _SPATIAL[-n:]
    layout = f"N{space}C" if data_format == "channels_last" else f"NC{space}"
    return layout, f"{space}IO", layout


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    dtype = rules.conv_dtype(inputs, kernel)
    x, kernel = convert_to_tensor(inputs, dtype), convert_to_tensor(kernel, dtype)
    strides, padding, data_format, dilation_rate = rules.conv_arguments(
        x.shape, strides, padding, data_format, dilation_rate)
    groups = rules.groups_of(x.shape, kernel.shape, data_format)
    return jax.lax.conv_general_dilated(
        x, kernel, strides, padding.upper(), rhs_dilation=dilation_rate,
        dimension_numbers=dimension_numbers(x.ndim - 2, data_format), feature_group_count=groups)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    dtype = rules.conv_dtype(inputs, kernel)
    x, kernel = convert_to_tensor(inputs, dtype), convert_to_tensor(kernel, dtype)
    strides, padding, output_padding, data_format, dilation_rate = rules.conv_transpose_arguments(
        x.shape, strides, padding, output_padding, data_format, dilation_rate)
    rules.conv_transpose_shape(x.shape, kernel.shape, strides, padding, output_padding, data_format,
                               dilation_rate)
    n = x.ndim - 2
    pads = [rules.conv_transpose_padding(k, s, d, padding, p) for k, s, d, p in zip(
        kernel.shape[:-2], strides, dilation_rate, output_padding or (None,) * n, strict=True)]
    # The stride-1 convolution of the input spread `strides` apart, with the kernel flipped; its
    # channel axes read as (out, in), hence the "OI" layout.
    flipped = jax.numpy.flip(kernel, tuple(range(n)))
    layout, _, _ = dimension_numbers(n, data_format)
    return jax.lax.conv_general_dilated(
        x, flipped, (1,) * n, pads, lhs_dilation=strides, rhs_dilation=dilation_rate,
        dimension_numbers=(layout, f"{_SPATIAL[-n:]}OI", layout))
