"""Math ops beyond NumPy on PyTorch: FFTs, segment reductions, top-k, special functions."""

import torch

from k_backends import dtypes
from k_backends.inference import float_dtype, promoted
from k_backends.rules import math as rules
from k_backends.torch.core import convert_to_tensor, to_torch_dtype

__all__ = [
    "logsumexp", "erf", "erfc", "erfinv", "rsqrt", "top_k",
    "segment_sum", "segment_max", "segment_min", "segment_prod",
    "fft", "fft2", "ifft2", "rfft", "irfft", "view_as_complex", "view_as_real",
]

_HALF = (torch.float16, torch.bfloat16)


def _float_unary(torch_func):
    """An op on floats: ints and bools become floatx; float16/bfloat16 compute in float32
    (torch's CPU build lacks half kernels for some of these, e.g. erfinv)."""
    def op(x):
        x = convert_to_tensor(x)
        dtype = to_torch_dtype(float_dtype(str(x.dtype)[len("torch."):]))
        if dtype in _HALF:
            return torch_func(x.to(torch.float32)).to(dtype)
        return torch_func(x.to(dtype))
    op.__name__ = torch_func.__name__
    return op


erf = _float_unary(torch.erf)
erfc = _float_unary(torch.erfc)
erfinv = _float_unary(torch.erfinv)
rsqrt = _float_unary(torch.rsqrt)


def top_k(x, k, sorted=True):
    x = convert_to_tensor(x)
    k = rules.check_top_k(tuple(x.shape), k)
    # torch.topk orders ties arbitrarily; a stable descending sort keeps the lower index first,
    # as the other backends do. bool has no sort kernel; uint8 orders it the same way.
    keys = x.to(torch.uint8) if x.dtype == torch.bool else x
    values, indices = torch.sort(keys, dim=-1, descending=True, stable=True)
    return values[..., :k].to(x.dtype), indices[..., :k].to(torch.int32)


def _lowest(dtype):
    if dtype == torch.bool:
        return False
    return -float("inf") if dtype.is_floating_point else torch.iinfo(dtype).min


def _highest(dtype):
    if dtype == torch.bool:
        return True
    return float("inf") if dtype.is_floating_point else torch.iinfo(dtype).max


def _segment_reduce(reduce, identity):
    def op(data, segment_ids, num_segments=None, sorted=False):
        data = convert_to_tensor(data)
        ids = convert_to_tensor(segment_ids).to(device=data.device, dtype=torch.int64)
        rules.check_segment_ids(tuple(data.shape), tuple(ids.shape), num_segments)
        count = rules.segment_count(num_segments, ids.max() if ids.numel() else -1)
        out = torch.full((count,) + tuple(data.shape[1:]), identity(data.dtype), dtype=data.dtype,
                         device=data.device)
        kept = (ids >= 0) & (ids < count)
        rows, ids = data[kept], ids[kept]
        index = ids.reshape((-1,) + (1,) * (data.ndim - 1)).expand(rows.shape)
        # include_self with the identity as the initial value leaves empty segments at the identity.
        return out.scatter_reduce(0, index, rows, reduce=reduce, include_self=True)
    return op


segment_sum = _segment_reduce("sum", lambda dtype: 0)
segment_max = _segment_reduce("amax", _lowest)
segment_min = _segment_reduce("amin", _highest)
segment_prod = _segment_reduce("prod", lambda dtype: 1)


def _complex(x, rank, op):
    """The (real, imag) pair `x` as one complex tensor, and the float dtype of the result."""
    rules.check_complex_pair(x, op)
    real, imag = convert_to_tensor(x[0]), convert_to_tensor(x[1])
    rules.check_pair_shapes(real.shape, imag.shape, rank, op)
    dtype = to_torch_dtype(float_dtype(promoted(real, imag)))
    compute = torch.float64 if dtype == torch.float64 else torch.float32  # CPU has no complex32 FFT
    return torch.complex(real.to(compute), imag.to(compute)), dtype


def _pair(c, dtype):
    return c.real.to(dtype), c.imag.to(dtype)


def fft(x):
    c, dtype = _complex(x, 1, "fft")
    return _pair(torch.fft.fft(c), dtype)


def fft2(x):
    c, dtype = _complex(x, 2, "fft2")
    return _pair(torch.fft.fft2(c), dtype)


def ifft2(x):
    c, dtype = _complex(x, 2, "ifft2")
    return _pair(torch.fft.ifft2(c), dtype)


def rfft(x, fft_length=None):
    x = convert_to_tensor(x)
    dtype = to_torch_dtype(float_dtype(str(x.dtype)[len("torch."):]))
    x = x.to(torch.float64 if dtype == torch.float64 else torch.float32)
    return _pair(torch.fft.rfft(x, n=rules.rfft_length(x.shape[-1], fft_length)), dtype)


def irfft(x, fft_length=None):
    c, dtype = _complex(x, 1, "irfft")
    return torch.fft.irfft(c, n=rules.irfft_length(c.shape[-1], fft_length)).to(dtype)


def view_as_complex(x):
    x = convert_to_tensor(x)
    rules.check_last_dimension_is_two(tuple(x.shape))
    dtype = rules.complex_dtype_of(dtypes.standardize_dtype(x.dtype))
    parts = x.to(torch.float64 if dtype == "complex128" else torch.float32)
    return torch.complex(parts[..., 0], parts[..., 1])


def view_as_real(x):
    x = convert_to_tensor(x)
    rules.real_dtype_of(dtypes.standardize_dtype(x.dtype))
    # A copy, not torch.view_as_real's view: writing to the result must not change `x`.
    return torch.stack([x.real, x.imag], dim=-1)


def logsumexp(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    dtype = to_torch_dtype(float_dtype(str(x.dtype)[len("torch."):]))
    dims = tuple(range(x.ndim)) if axis is None else axis
    if dtype in _HALF:
        return torch.logsumexp(x.to(torch.float32), dim=dims, keepdim=keepdims).to(dtype)
    return torch.logsumexp(x.to(dtype), dim=dims, keepdim=keepdims)
