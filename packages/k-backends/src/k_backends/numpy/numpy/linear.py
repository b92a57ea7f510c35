"""Products, contractions and other linear-algebra-like numpy ops on NumPy."""

import numpy as np

from k_backends.inference import promoted
from k_backends.numpy.core import convert_to_tensor
from k_backends.rules import linear as rules

__all__ = [
    "dot", "tensordot", "einsum", "inner", "outer", "vdot", "kron", "cross", "diff", "correlate",
    "slogdet", "vectorize",
]

# NumPy has no BLAS for half floats (and einsum refuses ml_dtypes' bfloat16): products in float32.
_COMPUTE = {"float16": "float32", "bfloat16": "float32"}


def _result(value, dtype):
    return convert_to_tensor(np.asarray(value), dtype)


def _operands(dtype, *xs):
    compute = _COMPUTE.get(dtype, dtype)
    return [convert_to_tensor(x, compute) for x in xs]


def _product(np_func):
    def op(x1, x2):
        dtype = promoted(x1, x2)
        return _result(np_func(*_operands(dtype, x1, x2)), dtype)
    op.__name__ = np_func.__name__
    return op


dot = _product(np.dot)
inner = _product(np.inner)
outer = _product(np.outer)
kron = _product(np.kron)


def vdot(x1, x2):
    dtype = promoted(x1, x2)
    a, b = _operands(dtype, x1, x2)
    rules.check_vdot_sizes(a.shape, b.shape)
    return _result(np.vdot(a, b), dtype)


def tensordot(x1, x2, axes=2):
    dtype = promoted(x1, x2)
    a, b = _operands(dtype, x1, x2)
    axes = rules.tensordot_axes(axes, a.shape, b.shape)
    return _result(np.tensordot(a, b, axes), dtype)


def einsum(subscripts, *operands, **kwargs):
    dtype = rules.einsum_dtype(*operands)
    xs = _operands(dtype, *operands)
    explicit, _, _ = rules.einsum_plan(subscripts, tuple(x.shape for x in xs))
    return _result(np.einsum(explicit, *xs, **kwargs), dtype)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    dtype = rules.cross_dtype(x1, x2)
    a, b = _operands(dtype, x1, x2)
    axisa, axisb, axisc, _ = rules.cross_axes(a.shape, b.shape, axisa, axisb, axisc, axis)
    a, b = np.moveaxis(a, axisa, -1), np.moveaxis(b, axisb, -1)
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return _result(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0], dtype)
    a0, a1, a2 = _components(a)
    b0, b1, b2 = _components(b)
    out = np.stack(np.broadcast_arrays(a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0), axis=-1)
    return _result(np.moveaxis(out, -1, axisc), dtype)


def _components(v):
    """The x, y, z components of vectors on the last axis (z is 0 for 2-D vectors)."""
    return v[..., 0], v[..., 1], (v[..., 2] if v.shape[-1] == 3 else np.zeros_like(v[..., 0]))


def diff(a, n=1, axis=-1):
    x = convert_to_tensor(a)
    if x.ndim == 0:
        raise ValueError("diff needs an input of rank 1 or more; got a scalar.")
    return np.diff(x, n=n, axis=axis)


def correlate(x1, x2, mode="valid"):
    dtype = rules.correlate_dtype(x1, x2)
    a, b = _operands(dtype, x1, x2)
    rules.check_correlate_shapes(a.shape, b.shape)
    return _result(np.correlate(a, b, mode=mode), dtype)


def slogdet(x):
    dtype = rules.slogdet_dtype(x)
    (m,) = _operands(dtype, x)
    rules.check_square(m.shape)
    sign, logabsdet = np.linalg.slogdet(m)
    return _result(sign, dtype), _result(logabsdet, dtype)


def _map_loop(f, flat):
    outputs = [f(*items) for items in zip(*flat, strict=True)]
    if isinstance(outputs[0], tuple):
        return tuple(np.stack([convert_to_tensor(o[i]) for o in outputs]) for i in range(len(outputs[0])))
    return np.stack([convert_to_tensor(o) for o in outputs])


def vectorize(pyfunc, excluded=frozenset(), signature=None):
    return rules.vectorized(pyfunc, excluded, signature, convert=convert_to_tensor,
                            broadcast_to=np.broadcast_to, reshape=np.reshape, map_leading=_map_loop)
