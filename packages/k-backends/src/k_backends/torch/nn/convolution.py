"""Convolutions on torch (torch.nn.functional.conv1d/2d/3d, channels first)."""

import torch
import torch.nn.functional as F

from k_backends.rules import convolution as rules
from k_backends.torch.core import convert_to_tensor, to_torch_dtype

__all__ = ["conv", "conv_transpose"]

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
# torch's CPU convolutions have no integer kernels, nor (before 2.x on every build) half ones:
# those compute in a wider float and are cast back (exact for integers below 2**53).
_COMPUTE = {"float16": torch.float32, "bfloat16": torch.float32, "uint8": torch.float64,
            "int8": torch.float64, "int16": torch.float64, "int32": torch.float64, "int64": torch.float64}


def pad_channels_first(x, pads, value=0.0):
    """`x` (batch, channels, spatial...) padded by per-spatial-dim (before, after) pairs."""
    if all(p == (0, 0) for p in pads):
        return x
    flat = [amount for pair in reversed(pads) for amount in pair]  # F.pad lists the last dim first
    return F.pad(x, flat, value=value)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    dtype = rules.conv_dtype(inputs, kernel)
    x, kernel = convert_to_tensor(inputs, dtype), convert_to_tensor(kernel, dtype)
    strides, padding, data_format, dilation_rate = rules.conv_arguments(
        x.shape, strides, padding, data_format, dilation_rate)
    groups = rules.groups_of(tuple(x.shape), tuple(kernel.shape), data_format)
    n = x.ndim - 2
    compute = None if dtype in ("float16", "bfloat16") and x.device.type != "cpu" else _COMPUTE.get(dtype)
    if compute is not None:
        x, kernel = x.to(compute), kernel.to(compute)
    if data_format == "channels_last":
        x = x.permute(rules.to_channels_first(x.ndim))
    x = pad_channels_first(x, rules.explicit_padding(
        tuple(x.shape[2:]), tuple(kernel.shape[:-2]), strides, padding, dilation_rate))
    weight = kernel.permute(n + 1, n, *range(n))  # (out, in / groups, spatial...)
    y = _CONV[n](x, weight, stride=strides, dilation=dilation_rate, groups=groups)
    if data_format == "channels_last":
        y = y.permute(rules.to_channels_last(y.ndim))
    return y.to(to_torch_dtype(dtype)) if compute is not None else y


_CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    dtype = rules.conv_dtype(inputs, kernel)
    x, kernel = convert_to_tensor(inputs, dtype), convert_to_tensor(kernel, dtype)
    strides, padding, output_padding, data_format, dilation_rate = rules.conv_transpose_arguments(
        tuple(x.shape), strides, padding, output_padding, data_format, dilation_rate)
    rules.conv_transpose_shape(tuple(x.shape), tuple(kernel.shape), strides, padding, output_padding,
                               data_format, dilation_rate)
    n = x.ndim - 2
    compute = None if dtype in ("float16", "bfloat16") and x.device.type != "cpu" else _COMPUTE.get(dtype)
    if compute is not None:
        x, kernel = x.to(compute), kernel.to(compute)
    if data_format == "channels_last":
        x = x.permute(rules.to_channels_first(x.ndim))
    # torch pads symmetrically; Keras's "same" may not: take the full transposed convolution
    # and cut (or zero-extend at the end) each spatial dimension to Keras's window.
    weight = kernel.permute(n + 1, n, *range(n))  # (in, out, spatial...)
    y = _CONV_TRANSPOSE[n](x, weight, stride=strides, dilation=dilation_rate)
    crops = []
    for k, s, d, p in zip(kernel.shape[:-2], strides, dilation_rate, output_padding or (None,) * n,
                          strict=True):
        before, after = rules.conv_transpose_padding(k, s, d, padding, p)
        crops.append(((k - 1) * d - before, after - (k - 1) * d))  # cut before, extend (+) after
    y = pad_channels_first(y, [(-cut, extend) for cut, extend in crops])
    if data_format == "channels_last":
        y = y.permute(rules.to_channels_last(y.ndim))
    return y.to(to_torch_dtype(dtype)) if compute is not None else y
