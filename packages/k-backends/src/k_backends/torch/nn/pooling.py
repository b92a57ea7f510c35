"""Pooling on torch (torch.nn.functional max/avg pooling, channels first)."""

import torch
import torch.nn.functional as F

from k_backends.rules import convolution as rules
from k_backends.torch.core import convert_to_tensor, to_torch_dtype
from k_backends.torch.nn.convolution import pad_channels_first

__all__ = ["max_pool", "average_pool"]

_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def _channels_first(inputs, pool_size, strides, padding, data_format):
    x = convert_to_tensor(inputs)
    pool_size, strides, padding, data_format = rules.pool_arguments(
        tuple(x.shape), pool_size, strides, padding, data_format)
    if data_format == "channels_last":
        x = x.permute(rules.to_channels_first(x.ndim))
    pads = rules.explicit_padding(tuple(x.shape[2:]), pool_size, strides, padding)
    return x, pool_size, strides, pads, data_format


def _restore(y, data_format):
    return y.permute(rules.to_channels_last(y.ndim)) if data_format == "channels_last" else y


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    x, pool_size, strides, pads, data_format = _channels_first(
        inputs, pool_size, strides, padding, data_format)
    n = x.ndim - 2
    half = x.dtype in (torch.float16, torch.bfloat16)
    if x.dtype.is_floating_point and not (half and x.device.type == "cpu"):
        y = _MAX_POOL[n](pad_channels_first(x, pads, float("-inf")), pool_size, strides)
    else:
        # torch's max pooling has no integer or bool kernels (nor half ones on CPU): take the
        # maximum over unfolded windows instead.
        dtype = x.dtype
        if dtype == torch.bool:
            x = x.to(torch.uint8)
        lowest = float("-inf") if x.dtype.is_floating_point else torch.iinfo(x.dtype).min
        y = pad_channels_first(x, pads, lowest)
        for axis, (size, step) in enumerate(zip(pool_size, strides, strict=True)):
            y = y.unfold(2 + axis, size, step)
        y = y.amax(dim=tuple(range(-n, 0))).to(dtype)
    return _restore(y, data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    dtype = to_torch_dtype(rules.average_pool_dtype(inputs))
    x, pool_size, strides, pads, data_format = _channels_first(
        inputs, pool_size, strides, padding, data_format)
    n = x.ndim - 2
    compute = torch.float32 if dtype in (torch.float16, torch.bfloat16) and x.device.type == "cpu" else dtype
    x = x.to(compute)
    y = _AVG_POOL[n](pad_channels_first(x, pads), pool_size, strides)
    if any(p != (0, 0) for p in pads):
        # Only the unpadded values count towards a window's mean.
        ones = torch.ones((1, 1, *x.shape[2:]), dtype=compute, device=x.device)
        y = y / _AVG_POOL[n](pad_channels_first(ones, pads), pool_size, strides)
    return _restore(y.to(dtype), data_format)
