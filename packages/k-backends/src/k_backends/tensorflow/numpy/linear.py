"""Products, contractions and other linear-algebra-like numpy ops on TensorFlow.

TF (2.21) has no matmul or einsum kernels for bool, 8- and 16-bit integers or
unsigned types: those compute in the wider type of `COMPUTE_DTYPES` and the
result is cast back (integer products wrap around exactly as in the narrow type;
bools become "any pair true").
"""

import tensorflow as tf

from k_backends.inference import promoted
from k_backends.rules import linear as rules
from k_backends.tensorflow.core import COMPUTE_DTYPES, convert_to_tensor

__all__ = [
    "dot", "tensordot", "einsum", "inner", "outer", "vdot", "kron", "cross", "diff", "correlate",
    "slogdet", "vectorize",
]

# Low-precision floats that TF's CPU determinant and convolution kernels lack.
_FLOAT32_FOR = {"float16": "float32", "bfloat16": "float32"}


def _cast(dtype, xs):
    compute = COMPUTE_DTYPES.get(dtype, dtype)
    return [convert_to_tensor(x, compute) for x in xs]


def _back(result, dtype):
    return result if result.dtype == dtype else tf.cast(result, dtype)


def dot(x1, x2):
    dtype = promoted(x1, x2)
    a, b = _cast(dtype, (x1, x2))
    if a.shape.rank == 0 or b.shape.rank == 0:
        return _back(a * b, dtype)
    return _back(tf.tensordot(a, b, [[a.shape.rank - 1], [max(b.shape.rank - 2, 0)]]), dtype)


def tensordot(x1, x2, axes=2):
    dtype = promoted(x1, x2)
    a, b = _cast(dtype, (x1, x2))
    first, second = rules.tensordot_axes(axes, tuple(a.shape), tuple(b.shape))
    return _back(tf.tensordot(a, b, [first, second]), dtype)


def einsum(subscripts, *operands, **kwargs):
    kwargs.pop("optimize", None)  # TF picks its own contraction order
    dtype = rules.einsum_dtype(*operands)
    xs = _cast(dtype, operands)
    explicit, _, broadcast = rules.einsum_plan(subscripts, tuple(tuple(x.shape) for x in xs))
    # NumPy lets a label of size 1 meet a larger one; tf.einsum wants equal sizes.
    xs = [x if target is None else tf.broadcast_to(x, target)
          for x, target in zip(xs, broadcast, strict=True)]
    return _back(tf.einsum(explicit, *xs), dtype)


def inner(x1, x2):
    dtype = promoted(x1, x2)
    a, b = _cast(dtype, (x1, x2))
    if a.shape.rank == 0 or b.shape.rank == 0:
        return _back(a * b, dtype)
    return _back(tf.tensordot(a, b, [[a.shape.rank - 1], [b.shape.rank - 1]]), dtype)


def outer(x1, x2):
    dtype = promoted(x1, x2)
    a, b = _cast(dtype, (x1, x2))
    return _back(tf.reshape(a, (-1, 1)) * tf.reshape(b, (1, -1)), dtype)


def vdot(x1, x2):
    dtype = promoted(x1, x2)
    a, b = _cast(dtype, (x1, x2))
    rules.check_vdot_sizes(tuple(a.shape), tuple(b.shape))
    a, b = tf.reshape(a, (-1,)), tf.reshape(b, (-1,))
    if a.dtype.is_complex:
        a = tf.math.conj(a)
    return _back(tf.tensordot(a, b, 1), dtype)


def kron(x1, x2):
    dtype = promoted(x1, x2)
    a, b = _cast(dtype, (x1, x2))
    ndim = max(a.shape.rank, b.shape.rank)
    a = tf.reshape(a, (1,) * (ndim - a.shape.rank) + tuple(a.shape))
    b = tf.reshape(b, (1,) * (ndim - b.shape.rank) + tuple(b.shape))
    # Interleave the axes: a as (a0, 1, a1, 1, ...), b as (1, b0, 1, b1, ...); their product's
    # pairs of axes then merge into a0 * b0, a1 * b1, ...
    a_shape = [d for n in a.shape for d in (n, 1)]
    b_shape = [d for n in b.shape for d in (1, n)]
    out = tf.reshape(a, a_shape) * tf.reshape(b, b_shape)
    return _back(tf.reshape(out, [m * n for m, n in zip(a.shape, b.shape, strict=True)]), dtype)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    dtype = rules.cross_dtype(x1, x2)
    a, b = _cast(dtype, (x1, x2))
    axisa, axisb, axisc, _ = rules.cross_axes(tuple(a.shape), tuple(b.shape), axisa, axisb, axisc, axis)
    a, b = _move_to_last(a, axisa), _move_to_last(b, axisb)
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return _back(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0], dtype)
    a0, a1, a2 = _components(a)
    b0, b1, b2 = _components(b)
    parts = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]
    shape = tf.broadcast_static_shape(tf.broadcast_static_shape(parts[0].shape, parts[1].shape),
                                      parts[2].shape)
    out = tf.stack([tf.broadcast_to(p, shape) for p in parts], axis=axisc)
    return _back(out, dtype)


def _move_to_last(x, axis):
    rank = x.shape.rank
    return x if axis == rank - 1 else tf.transpose(x, [i for i in range(rank) if i != axis] + [axis])


def _components(v):
    """The x, y, z components of vectors on the last axis (z is 0 for 2-D vectors)."""
    return v[..., 0], v[..., 1], (v[..., 2] if v.shape[-1] == 3 else tf.zeros_like(v[..., 0]))


def diff(a, n=1, axis=-1):
    x = convert_to_tensor(a)
    rank = x.shape.rank
    if rank == 0:
        raise ValueError("diff needs an input of rank 1 or more; got a scalar.")
    if not -rank <= axis < rank:
        raise ValueError(f"diff: axis={axis} is out of range for a tensor of rank {rank}.")
    head = (slice(None),) * (axis % rank)
    for _ in range(n):
        later, earlier = x[head + (slice(1, None),)], x[head + (slice(None, -1),)]
        x = tf.math.not_equal(later, earlier) if x.dtype == tf.bool else later - earlier
    return x


def correlate(x1, x2, mode="valid"):
    dtype = rules.correlate_dtype(x1, x2)
    compute = _FLOAT32_FOR.get(dtype, dtype)
    a, b = convert_to_tensor(x1, compute), convert_to_tensor(x2, compute)
    rules.check_correlate_shapes(tuple(a.shape), tuple(b.shape))
    m, n = a.shape[0], b.shape[0]
    length, start = rules.correlate_length(m, n, mode)
    # conv1d cross-correlates: padding x1 by n - 1 zeros on both sides gives every lag ("full");
    # padding only what the mode's slice of it needs gives that slice directly.
    padded = tf.pad(a, [[n - 1 - start, length - m + start]])
    out = tf.nn.conv1d(padded[None, :, None], b[:, None, None], stride=1, padding="VALID")
    return _back(out[0, :, 0], dtype)


def slogdet(x):
    dtype = rules.slogdet_dtype(x)
    m = convert_to_tensor(x, _FLOAT32_FOR.get(dtype, dtype))
    rules.check_square(tuple(m.shape))
    sign, logabsdet = tf.linalg.slogdet(m)
    return _back(sign, dtype), _back(logabsdet, dtype)


def _map_loop(f, flat):
    # A loop rather than tf.vectorized_map: pyfunc may use eager-only Python, as in NumPy.
    outputs = [f(*(v[i] for v in flat)) for i in range(flat[0].shape[0])]
    if isinstance(outputs[0], tuple):
        return tuple(tf.stack([convert_to_tensor(o[i]) for o in outputs]) for i in range(len(outputs[0])))
    return tf.stack([convert_to_tensor(o) for o in outputs])


def vectorize(pyfunc, excluded=frozenset(), signature=None):
    return rules.vectorized(pyfunc, excluded, signature, convert=convert_to_tensor,
                            broadcast_to=tf.broadcast_to, reshape=tf.reshape, map_leading=_map_loop)
