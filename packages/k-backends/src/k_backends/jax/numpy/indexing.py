"""Indexing, sorting, searching and counting on JAX."""

import jax
import jax.numpy as jnp
import numpy as np

from k_backends import dtypes
from k_backends.inference import dtype_of, float_dtype, promoted
from k_backends.jax.core import convert_to_tensor
from k_backends.rules import indexing as rules
from k_backends.variables import Variable

__all__ = [
    "argpartition", "argsort", "bincount", "digitize", "get_item", "histogram", "isin", "nonzero",
    "searchsorted", "select", "sort", "take", "take_along_axis", "unique", "where", "diagonal",
    "trace",
]

_INDEX = rules.INDEX_DTYPE
_BOOL = jnp.dtype(bool)


def argsort(x, axis=-1):
    return jnp.argsort(convert_to_tensor(x), axis=axis, stable=True).astype(_INDEX)


def sort(x, axis=-1):
    return jnp.sort(convert_to_tensor(x), axis=axis)


def argpartition(x, kth, axis=-1):
    x = convert_to_tensor(x)
    if x.dtype == jnp.bool_:
        x = x.astype(jnp.uint8)  # jnp.argpartition negates its input, which bools refuse
    return jnp.argpartition(x, kth % x.shape[axis], axis=axis).astype(_INDEX)


def searchsorted(sorted_sequence, values, side="left"):
    rules.check_side(side)
    dtype = promoted(sorted_sequence, values)
    a, v = convert_to_tensor(sorted_sequence, dtype), convert_to_tensor(values, dtype)
    if a.ndim != 1:
        raise ValueError(f"sorted_sequence must be 1-D; got shape {a.shape}.")
    return jnp.searchsorted(a, v, side=side).astype(_INDEX)


def digitize(x, bins):
    return searchsorted(bins, x, side="right")


def isin(x1, x2, assume_unique=False, invert=False):
    dtype = promoted(x1, x2)
    a, b = convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)
    return jnp.isin(a, b, assume_unique=assume_unique, invert=invert)


def nonzero(x):
    return tuple(i.astype(_INDEX) for i in jnp.nonzero(convert_to_tensor(x)))


def where(condition, x1=None, x2=None):
    # Fast path: a bool array choosing between arrays of one dtype needs no promotion.
    if (isinstance(condition, jax.Array) and isinstance(x1, jax.Array) and isinstance(x2, jax.Array)
            and condition.dtype == _BOOL and x1.dtype == x2.dtype):
        return jnp.where(condition, x1, x2)
    if x1 is None and x2 is None:
        return nonzero(condition)
    dtype = promoted(x1, x2)
    condition = convert_to_tensor(condition).astype(bool)
    return jnp.where(condition, convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype))


def select(condlist, choicelist, default=0):
    dtype = promoted(*choicelist, default)
    conditions = [convert_to_tensor(c).astype(bool) for c in condlist]
    choices = [convert_to_tensor(c, dtype) for c in choicelist]
    shape = jnp.broadcast_shapes(*(c.shape for c in conditions + choices))
    # jnp.select wants conditions and choices of one shape.
    return jnp.select([jnp.broadcast_to(c, shape) for c in conditions],
                      [jnp.broadcast_to(c, shape) for c in choices], convert_to_tensor(default, dtype))


def _indices(indices, size):
    """Integer `indices` with negative ones counted from the end of a dimension of `size`."""
    indices = convert_to_tensor(indices)
    if not dtypes.is_int_dtype(indices.dtype):
        raise TypeError(f"indices must be integers; got dtype {indices.dtype}.")
    # A wide signed type, so adding `size` cannot overflow.
    indices = indices.astype(jnp.int64 if indices.dtype.itemsize >= 4 else jnp.int32)
    return jnp.where(indices < 0, indices + size, indices)


def take(x, indices, axis=None):
    x = convert_to_tensor(x)
    size = x.size if axis is None else x.shape[axis]
    return jnp.take(x, _indices(indices, size), axis=axis)


def take_along_axis(x, indices, axis=None):
    x = convert_to_tensor(x)
    if axis is None:
        return jnp.take_along_axis(x.reshape(-1), _indices(indices, x.size), axis=0)
    return jnp.take_along_axis(x, _indices(indices, x.shape[axis]), axis=axis)


def get_item(x, key):
    key = tuple(_index(k) for k in key) if isinstance(key, tuple) else _index(key)
    return convert_to_tensor(x)[key]


def _index(k):
    if isinstance(k, bool):
        rules.parse_key(k, 1)  # raises the same error as every backend
    if isinstance(k, Variable):
        return k.value
    if isinstance(k, list):  # JAX reads lists as tuples; NumPy reads them as arrays
        return np.asarray(k, dtype=None if k else np.int32)
    return k


def diagonal(x, offset=0, axis1=0, axis2=1):
    x = convert_to_tensor(x)
    rules.diagonal_axes(x.ndim, offset, axis1, axis2)
    return jnp.diagonal(x, offset=offset, axis1=axis1, axis2=axis2)


def trace(x, offset=0, axis1=0, axis2=1):
    x = convert_to_tensor(x)
    rules.diagonal_axes(x.ndim, offset, axis1, axis2)
    dtype = rules.trace_dtype(x.dtype)
    compute = "float32" if dtype in ("float16", "bfloat16") else dtype
    return jnp.trace(x, offset, axis1, axis2, dtype=compute).astype(dtype)


def bincount(x, weights=None, minlength=0, sparse=False):
    if sparse:
        raise ValueError("The jax backend does not support sparse tensors yet; got sparse=True.")
    x = convert_to_tensor(x)
    if not dtypes.is_int_dtype(x.dtype) or x.ndim not in (1, 2):
        raise ValueError(f"bincount takes 1-D or 2-D integers; got shape {x.shape}, dtype {x.dtype}.")
    # The result's length depends on the values, so they must be concrete (not under jit).
    if x.size and int(x.min()) < 0:
        raise ValueError(f"bincount takes non-negative integers; got a minimum of {int(x.min())}.")
    length = max(minlength, int(x.max()) + 1 if x.size else 0)
    rows = x.shape[0] if x.ndim == 2 else 1
    flat = x.astype(jnp.int64)
    if x.ndim == 2:  # each row counts into its own stretch of one long vector
        flat = flat + jnp.arange(rows)[:, None] * length
    if weights is None:
        dtype, values = _INDEX, 1
    else:
        dtype = rules.bincount_dtype(x.dtype, dtype_of(weights))
        values = convert_to_tensor(weights, dtype).reshape(-1)
    counts = jnp.zeros(rows * length, dtype).at[flat.reshape(-1)].add(values)
    return counts.reshape(x.shape[:-1] + (length,))


def histogram(x, bins=10, range=None):
    x = convert_to_tensor(x)
    dtype = float_dtype(dtypes.standardize_dtype(x.dtype))
    values = x.reshape(-1).astype(jnp.float64)
    if range is not None:
        low, high = jnp.float64(range[0]), jnp.float64(range[1])
    elif values.size:
        low, high = values.min(), values.max()
    else:
        low, high = jnp.float64(0.0), jnp.float64(1.0)
    same = low == high
    low, high = jnp.where(same, low - 0.5, low), jnp.where(same, high + 0.5, high)
    edges = jnp.linspace(low, high, bins + 1)
    # Bin i holds edges[i] <= v < edges[i + 1]; the last bin also holds its right edge.
    index = jnp.clip(jnp.searchsorted(edges, values, side="right") - 1, 0, bins - 1)
    inside = (values >= low) & (values <= high)
    counts = jnp.zeros(bins, jnp.float64).at[index].add(inside.astype(jnp.float64))
    return counts.astype(dtype), edges.astype(dtype)


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    rules.check_unique_args(size, fill_value)
    x = convert_to_tensor(x)
    if axis is not None:
        axis = axis % max(x.ndim, 1)
    length = x.size if axis is None else x.shape[axis]
    fill = 0 if fill_value is None else fill_value
    if sorted or size is None:
        values, index, inverse, counts = jnp.unique(
            x, return_index=True, return_inverse=True, return_counts=True, axis=axis, size=size,
            fill_value=None if size is None else fill)
    else:
        # Every distinct element first (at most `length` of them), reordered, then cut to size.
        values, index, inverse, counts = jnp.unique(
            x, return_index=True, return_inverse=True, return_counts=True, axis=axis,
            size=max(size, length), fill_value=fill)
    inverse = inverse.reshape(x.shape if axis is None else (-1,))
    if not sorted:
        values, index, inverse, counts = _first_occurrence_order(values, index, inverse, counts, axis or 0)
        if size is not None:
            values = jnp.take(values, jnp.arange(size), axis=axis or 0)
            index, counts = index[:size], counts[:size]
    outputs = [values] + [a.astype(_INDEX) for a, wanted in
                          ((index, return_index), (inverse, return_inverse), (counts, return_counts))
                          if wanted]
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _first_occurrence_order(values, index, inverse, counts, axis):
    """Reorder sorted unique results by first occurrence; padding (count 0) stays last."""
    is_real = counts > 0
    order = jnp.argsort(jnp.where(is_real, index, jnp.iinfo(jnp.int64).max), stable=True)
    values, index, counts = jnp.take(values, order, axis=axis), index[order], counts[order]
    index = jnp.where(counts > 0, index, index[:1])
    return values, index, jnp.argsort(order)[inverse], counts
