"""Tensor creation and window functions on PyTorch.

Every new tensor is made on `current_device()` (the innermost `device_scope`).
Where torch has no kernel for a dtype (unsigned ints above uint8), values are
computed in the wider type of `COMPUTE_DTYPES` and cast back.
"""

import math

import numpy as np
import torch

from k_backends import config
from k_backends.rules import creation as rules
from k_backends.torch.core import COMPUTE_DTYPES, convert_to_tensor, current_device, to_torch_dtype
from k_backends.variables import Variable

__all__ = [
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
    "array", "copy", "arange", "linspace", "logspace", "geomspace", "eye", "tri", "tril", "triu",
    "diag", "diagflat", "meshgrid", "vander", "bartlett", "blackman", "hamming", "hanning", "kaiser",
]

_PY_VALUES = (list, tuple, bool, int, float, complex)


def _dtype(dtype):
    return to_torch_dtype(rules.creation_dtype(dtype))


def zeros(shape, dtype=None):
    return torch.zeros(shape, dtype=_dtype(dtype), device=current_device())


def ones(shape, dtype=None):
    return torch.ones(shape, dtype=_dtype(dtype), device=current_device())


def empty(shape, dtype=None):
    return torch.empty(shape, dtype=_dtype(dtype), device=current_device())


def full(shape, fill_value, dtype=None):
    dtype = rules.creation_dtype(dtype)
    if type(fill_value) in (int, float, bool):
        return torch.full(shape, fill_value, dtype=to_torch_dtype(dtype), device=current_device())
    fill = convert_to_tensor(fill_value, dtype)
    # copy_ broadcasts `fill` to the new tensor's shape in one kernel.
    return torch.empty(shape, dtype=fill.dtype, device=fill.device).copy_(fill)


def _like(x, dtype):
    """`x`'s shape and the output torch dtype (Python values get kappa's default dtypes)."""
    if not (hasattr(x, "shape") and hasattr(x, "dtype")):
        x = convert_to_tensor(x)
    return tuple(x.shape), to_torch_dtype(rules.like_dtype(x, dtype))


def zeros_like(x, dtype=None):
    shape, dtype = _like(x, dtype)
    return torch.zeros(shape, dtype=dtype, device=current_device())


def ones_like(x, dtype=None):
    shape, dtype = _like(x, dtype)
    return torch.ones(shape, dtype=dtype, device=current_device())


def empty_like(x, dtype=None):
    shape, dtype = _like(x, dtype)
    return torch.empty(shape, dtype=dtype, device=current_device())


def full_like(x, fill_value, dtype=None):
    shape, dtype = _like(x, dtype)
    return full(shape, fill_value, dtype)


def array(x, dtype=None):
    out = convert_to_tensor(x, None if dtype is None else rules.creation_dtype(dtype))
    if isinstance(x, _PY_VALUES) or not _shares_memory(out, x):
        return out
    return out.clone(memory_format=torch.contiguous_format)


def _shares_memory(out, x):
    """Whether conversion handed back `x`'s own memory (a tensor, a Variable or a CPU NumPy array)."""
    if isinstance(x, Variable):
        x = x.value
    if isinstance(x, torch.Tensor):
        return out.data_ptr() == x.data_ptr()
    if isinstance(x, np.ndarray):
        return out.device.type == "cpu" and out.data_ptr() == x.__array_interface__["data"][0]
    return True  # unknown array-likes: copy to be safe


def copy(x):
    return array(x)


def arange(start, stop=None, step=None, dtype=None):
    start, step, length, dtype = rules.arange_plan(start, stop, step, dtype)
    target = to_torch_dtype(dtype)
    device = current_device()
    if isinstance(start, int) and isinstance(step, int) and dtype.startswith(("int", "uint")):
        compute = COMPUTE_DTYPES.get(target, target)
        return torch.arange(start, start + step * length, step, dtype=compute, device=device).to(target)
    compute = torch.float64 if dtype == "float64" or not target.is_floating_point else torch.float32
    return (torch.arange(length, dtype=compute, device=device) * step + start).to(target)


def _spaced(start, stop, num, endpoint, compute):
    """NumPy's linspace with the samples along a new first axis: `(samples, step)`."""
    start, stop = torch.broadcast_tensors(convert_to_tensor(start, compute), convert_to_tensor(stop, compute))
    div = num - 1 if endpoint else num
    delta = stop - start
    positions = torch.arange(num, dtype=start.dtype, device=start.device).reshape((-1,) + (1,) * start.ndim)
    if div > 0:
        step = delta / div
        samples = positions * step + start
    else:
        step = torch.full_like(delta, math.nan)
        samples = positions * delta + start
    if endpoint and num > 1:
        samples[-1] = stop
    return samples, step


def _spaced_args(start, stop, num, dtype, axis, op):
    dtype = rules.spaced_dtype(start, stop, dtype)
    num = rules.num_arg(num, op)
    ndim = max(np.ndim(start), np.ndim(stop))
    axis = rules.spaced_axis(axis, ndim, op)
    return dtype, num, axis, to_torch_dtype(rules.spaced_compute_dtype(start, stop, dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    dtype, num, axis, compute = _spaced_args(start, stop, num, dtype, axis, "linspace")
    samples, step = _spaced(start, stop, num, endpoint, compute)
    samples = torch.movedim(samples, 0, axis)
    target = to_torch_dtype(dtype)
    if not (target.is_floating_point or target.is_complex):
        samples = torch.floor(samples)
    if retstep:
        return samples.to(target), step.to(to_torch_dtype(rules.step_dtype(dtype)))
    return samples.to(target)


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    dtype, num, axis, compute = _spaced_args(start, stop, num, dtype, axis, "logspace")
    samples, _ = _spaced(start, stop, num, endpoint, compute)
    out = torch.pow(convert_to_tensor(base, compute), samples)
    return torch.movedim(out, 0, axis).to(to_torch_dtype(dtype))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    rules.check_geomspace_ends(start, stop)
    dtype, num, axis, compute = _spaced_args(start, stop, num, dtype, axis, "geomspace")
    start, stop = torch.broadcast_tensors(convert_to_tensor(start, compute), convert_to_tensor(stop, compute))
    # As NumPy: run the sequence between |start| and stop * sign(start) on a log scale, pin the
    # ends to the exact values, and give the sign back.
    sign = torch.sign(start)
    start, stop = start * sign, stop * sign
    out, _ = _spaced(torch.log10(start), torch.log10(stop), num, endpoint, compute)
    out = torch.pow(10.0, out)
    if num > 0:
        out[0] = start
        if endpoint and num > 1:
            out[-1] = stop
    return torch.movedim(out * sign, 0, axis).to(to_torch_dtype(dtype))


def _offsets(N, M):
    """The column minus row index of every position of an N x M matrix."""
    device = current_device()
    return torch.arange(M, device=device)[None, :] - torch.arange(N, device=device)[:, None]


def eye(N, M=None, k=0, dtype=None):
    N, M, k = rules.eye_args(N, M, k, "eye")
    dtype = _dtype(dtype)
    if k == 0 and dtype not in COMPUTE_DTYPES:  # torch.eye has no offset and no uint16+ kernel
        return torch.eye(N, M, dtype=dtype, device=current_device())
    return (_offsets(N, M) == k).to(dtype)


def tri(N, M=None, k=0, dtype=None):
    N, M, k = rules.eye_args(N, M, k, "tri")
    return torch.ones(N, M, dtype=torch.bool, device=current_device()).tril_(k).to(_dtype(dtype))


def _wide(torch_func, x, *args):
    """`torch_func(x, *args)`, run in a wider dtype where torch lacks the kernel."""
    compute = COMPUTE_DTYPES.get(x.dtype)
    if compute is None:
        return torch_func(x, *args)
    return torch_func(x.to(compute), *args).to(x.dtype)


def tril(x, k=0):
    x = convert_to_tensor(x)
    rules.check_triangular(x.shape, k, "tril")
    return _wide(torch.tril, x, k)


def triu(x, k=0):
    x = convert_to_tensor(x)
    rules.check_triangular(x.shape, k, "triu")
    return _wide(torch.triu, x, k)


def diag(x, k=0):
    x = convert_to_tensor(x)
    rules.diag_shape(x.shape, k, "diag")
    return _wide(torch.diag, x, k)


def diagflat(x, k=0):
    return _wide(torch.diagflat, convert_to_tensor(x), rules.int_arg(k, "k", "diagflat"))


def meshgrid(*x, indexing="xy"):
    indexing = rules.meshgrid_indexing(indexing, "meshgrid")
    vectors = [convert_to_tensor(v).reshape(-1) for v in x]
    shape = rules.meshgrid_shape([v.shape[0] for v in vectors], indexing)
    axes = list(range(len(vectors)))
    if indexing == "xy" and len(axes) > 1:
        axes[0], axes[1] = 1, 0
    grids = []
    for v, axis in zip(vectors, axes, strict=True):
        view = [1] * len(vectors)
        view[axis] = -1
        # expand makes a view, as torch.meshgrid does; torch.meshgrid itself needs one dtype.
        grids.append(v.reshape(view).expand(shape))
    return grids


def vander(x, N=None, increasing=False):
    x = convert_to_tensor(x)
    _, N = rules.vander_shape(x.shape, N, "vander")
    powers = torch.arange(N, device=x.device)
    if not increasing:
        powers = powers.flip(0)
    if x.dtype == torch.bool:
        return torch.pow(x[:, None].to(torch.int32), powers).to(torch.bool)
    compute = COMPUTE_DTYPES.get(x.dtype, x.dtype)
    return torch.pow(x[:, None].to(compute), powers.to(compute)).to(x.dtype)


def _window(torch_window, op):
    def window(x, **kwargs):
        M = rules.window_length(x, op)
        out = torch_window(M, sym=True, dtype=torch.float64, device=current_device(), **kwargs)
        return out.to(to_torch_dtype(config.floatx()))
    window.__name__ = op
    return window


bartlett = _window(torch.signal.windows.bartlett, "bartlett")
blackman = _window(torch.signal.windows.blackman, "blackman")
hamming = _window(torch.signal.windows.hamming, "hamming")
hanning = _window(torch.signal.windows.hann, "hanning")
_kaiser = _window(torch.signal.windows.kaiser, "kaiser")


def kaiser(x, beta):
    return _kaiser(x, beta=float(beta))
