"""Products, contractions and other linear-algebra-like numpy ops on PyTorch.

torch (2.13) has no bool kernels for its contractions (mm, bmm), so bool
products count true pairs in float32 and test the count for nonzero; unsigned
types other than uint8 compute in the signed type of `COMPUTE_DTYPES`. On
CUDA, torch has no integer matmul kernels at all, so integer contractions
(dot, tensordot, inner, vdot, einsum) work on the CPU only.
"""

import torch

from k_backends.inference import promoted
from k_backends.rules import linear as rules
from k_backends.torch.core import COMPUTE_DTYPES, convert_to_tensor, to_torch_dtype

__all__ = [
    "dot", "tensordot", "einsum", "inner", "outer", "vdot", "kron", "cross", "diff", "correlate",
    "slogdet", "vectorize",
]

# Low-precision floats that torch's LAPACK and its CPU convolution lack.
_FLOAT32_FOR = {torch.float16: torch.float32, torch.bfloat16: torch.float32}


def _cast(dtype, xs, contraction=True):
    """`xs` as tensors of the dtype to compute `dtype`'s result in."""
    torch_dtype = to_torch_dtype(dtype)
    if contraction and torch_dtype == torch.bool:
        compute = torch.float32
    else:
        compute = COMPUTE_DTYPES.get(torch_dtype, torch_dtype)
    return [convert_to_tensor(x, compute) for x in xs], torch_dtype


def _back(result, dtype):
    return result if result.dtype == dtype else result.to(dtype)


def dot(x1, x2):
    (a, b), dtype = _cast(promoted(x1, x2), (x1, x2))
    if a.ndim == 0 or b.ndim == 0:
        return _back(a * b, dtype)
    return _back(torch.tensordot(a, b, dims=([a.ndim - 1], [max(b.ndim - 2, 0)])), dtype)


def tensordot(x1, x2, axes=2):
    (a, b), dtype = _cast(promoted(x1, x2), (x1, x2))
    first, second = rules.tensordot_axes(axes, tuple(a.shape), tuple(b.shape))
    return _back(torch.tensordot(a, b, dims=(first, second)), dtype)


def einsum(subscripts, *operands, **kwargs):
    kwargs.pop("optimize", None)  # torch picks its own contraction order (opt_einsum when installed)
    (*xs,), dtype = _cast(rules.einsum_dtype(*operands), operands)
    explicit, _, _ = rules.einsum_plan(subscripts, tuple(tuple(x.shape) for x in xs))
    return _back(torch.einsum(explicit, *xs), dtype)


def inner(x1, x2):
    (a, b), dtype = _cast(promoted(x1, x2), (x1, x2))
    return _back(torch.inner(a, b), dtype)


def outer(x1, x2):
    (a, b), dtype = _cast(promoted(x1, x2), (x1, x2), contraction=False)
    return _back(torch.outer(a.reshape(-1), b.reshape(-1)), dtype)


def vdot(x1, x2):
    (a, b), dtype = _cast(promoted(x1, x2), (x1, x2))
    rules.check_vdot_sizes(tuple(a.shape), tuple(b.shape))
    return _back(torch.tensordot(a.conj().reshape(-1), b.reshape(-1), dims=1), dtype)


def kron(x1, x2):
    (a, b), dtype = _cast(promoted(x1, x2), (x1, x2), contraction=False)
    return _back(torch.kron(a, b), dtype)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    (a, b), dtype = _cast(rules.cross_dtype(x1, x2), (x1, x2), contraction=False)
    axisa, axisb, axisc, _ = rules.cross_axes(tuple(a.shape), tuple(b.shape), axisa, axisb, axisc, axis)
    a, b = torch.movedim(a, axisa, -1), torch.movedim(b, axisb, -1)
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return _back(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0], dtype)
    a0, a1, a2 = _components(a)
    b0, b1, b2 = _components(b)
    out = torch.stack(torch.broadcast_tensors(a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0), -1)
    return _back(torch.movedim(out, -1, axisc), dtype)


def _components(v):
    """The x, y, z components of vectors on the last axis (z is 0 for 2-D vectors)."""
    return v[..., 0], v[..., 1], (v[..., 2] if v.shape[-1] == 3 else torch.zeros_like(v[..., 0]))


def diff(a, n=1, axis=-1):
    x = convert_to_tensor(a)
    if x.ndim == 0:
        raise ValueError("diff needs an input of rank 1 or more; got a scalar.")
    dtype = x.dtype
    x = x.to(COMPUTE_DTYPES.get(dtype, dtype))
    axis = axis % x.ndim if -x.ndim <= axis < x.ndim else axis  # torch.diff names the bad axis itself
    if n > x.shape[axis]:
        n = x.shape[axis]  # NumPy gives an empty result; torch would raise
    return _back(torch.diff(x, n=n, dim=axis) if n else x, dtype)


def correlate(x1, x2, mode="valid"):
    dtype = to_torch_dtype(rules.correlate_dtype(x1, x2))
    compute = _FLOAT32_FOR.get(dtype, dtype)
    a, b = convert_to_tensor(x1, compute), convert_to_tensor(x2, compute)
    rules.check_correlate_shapes(tuple(a.shape), tuple(b.shape))
    m, n = a.shape[0], b.shape[0]
    length, start = rules.correlate_length(m, n, mode)
    # conv1d cross-correlates: padding x1 by n - 1 zeros on both sides gives every lag ("full");
    # padding only what the mode's slice of it needs gives that slice directly.
    left = n - 1 - start
    right = length - m + start
    padded = torch.nn.functional.pad(a, (left, right))
    out = torch.nn.functional.conv1d(padded[None, None], b[None, None])[0, 0]
    return _back(out, dtype)


def slogdet(x):
    dtype = to_torch_dtype(rules.slogdet_dtype(x))
    m = convert_to_tensor(x, _FLOAT32_FOR.get(dtype, dtype))
    rules.check_square(tuple(m.shape))
    sign, logabsdet = torch.linalg.slogdet(m)
    return _back(sign, dtype), _back(logabsdet, dtype)


def _vmap(f, flat):
    return torch.vmap(f)(*flat)


def vectorize(pyfunc, excluded=frozenset(), signature=None):
    return rules.vectorized(pyfunc, excluded, signature, convert=convert_to_tensor,
                            broadcast_to=torch.broadcast_to, reshape=torch.reshape, map_leading=_vmap)
