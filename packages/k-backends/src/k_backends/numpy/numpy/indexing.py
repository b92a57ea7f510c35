"""Indexing, sorting, searching and counting on NumPy."""

import numpy as np

from k_backends import dtypes
from k_backends.inference import dtype_of, float_dtype, promoted
from k_backends.numpy.core import convert_to_tensor
from k_backends.rules import indexing as rules
from k_backends.variables import Variable

__all__ = [
    "argpartition", "argsort", "bincount", "digitize", "get_item", "histogram", "isin", "nonzero",
    "searchsorted", "select", "sort", "take", "take_along_axis", "unique", "where", "diagonal",
    "trace",
]

_INDEX = rules.INDEX_DTYPE
_BOOL = np.dtype(bool)


def argsort(x, axis=-1):
    return np.argsort(convert_to_tensor(x), axis=axis, kind="stable").astype(_INDEX)


def sort(x, axis=-1):
    return np.sort(convert_to_tensor(x), axis=axis)


def argpartition(x, kth, axis=-1):
    return np.argpartition(convert_to_tensor(x), kth, axis=axis).astype(_INDEX)


def searchsorted(sorted_sequence, values, side="left"):
    rules.check_side(side)
    dtype = promoted(sorted_sequence, values)
    a, v = convert_to_tensor(sorted_sequence, dtype), convert_to_tensor(values, dtype)
    if a.ndim != 1:
        raise ValueError(f"sorted_sequence must be 1-D; got shape {a.shape}.")
    return np.asarray(np.searchsorted(a, v, side=side), dtype=_INDEX)


def digitize(x, bins):
    return searchsorted(bins, x, side="right")


def isin(x1, x2, assume_unique=False, invert=False):
    dtype = promoted(x1, x2)
    a, b = convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)
    return np.asarray(np.isin(a, b, assume_unique=assume_unique, invert=invert))


def nonzero(x):
    return tuple(i.astype(_INDEX) for i in np.nonzero(convert_to_tensor(x)))


def where(condition, x1=None, x2=None):
    # Fast path: a bool array choosing between arrays of one dtype needs no promotion.
    if (type(condition) is np.ndarray and type(x1) is np.ndarray and type(x2) is np.ndarray
            and condition.dtype is _BOOL and x1.dtype is x2.dtype):
        return np.where(condition, x1, x2)
    if x1 is None and x2 is None:
        return nonzero(condition)
    dtype = promoted(x1, x2)
    condition = convert_to_tensor(condition).astype(bool)
    return np.asarray(np.where(condition, convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)))


def select(condlist, choicelist, default=0):
    dtype = promoted(*choicelist, default)
    conditions = [convert_to_tensor(c).astype(bool) for c in condlist]
    choices = [convert_to_tensor(c, dtype) for c in choicelist]
    return np.asarray(np.select(conditions, choices, convert_to_tensor(default, dtype)), dtype=dtype)


def take(x, indices, axis=None):
    return np.asarray(np.take(convert_to_tensor(x), _indices(indices), axis=axis))


def take_along_axis(x, indices, axis=None):
    x, indices = convert_to_tensor(x), _indices(indices)
    if axis is None:
        return np.take_along_axis(x.reshape(-1), indices, axis=0)
    return np.take_along_axis(x, indices, axis=axis)


def _indices(indices):
    indices = convert_to_tensor(indices)
    if not dtypes.is_int_dtype(indices.dtype):
        raise TypeError(f"indices must be integers; got dtype {indices.dtype}.")
    return indices


def get_item(x, key):
    key = tuple(_index(k) for k in key) if isinstance(key, tuple) else _index(key)
    return np.asarray(convert_to_tensor(x)[key])


def _index(k):
    if isinstance(k, bool):
        rules.parse_key(k, 1)  # raises the same error as every backend
    return k.numpy() if isinstance(k, Variable) else k


def diagonal(x, offset=0, axis1=0, axis2=1):
    x = convert_to_tensor(x)
    rules.diagonal_axes(x.ndim, offset, axis1, axis2)
    return np.diagonal(x, offset=offset, axis1=axis1, axis2=axis2)


def trace(x, offset=0, axis1=0, axis2=1):
    x = convert_to_tensor(x)
    rules.diagonal_axes(x.ndim, offset, axis1, axis2)
    dtype = rules.trace_dtype(x.dtype)
    # Summing 16-bit floats in float32 loses less; the result goes back to their dtype.
    compute = "float32" if dtype in ("float16", "bfloat16") else dtype
    return np.asarray(np.trace(x, offset, axis1, axis2, dtype=compute)).astype(dtype)


def bincount(x, weights=None, minlength=0, sparse=False):
    if sparse:
        raise ValueError("The numpy backend has no sparse tensors; got sparse=True.")
    x = convert_to_tensor(x)
    if not dtypes.is_int_dtype(x.dtype) or x.ndim not in (1, 2):
        raise ValueError(f"bincount takes 1-D or 2-D integers; got shape {x.shape}, dtype {x.dtype}.")
    if x.size and x.min() < 0:
        raise ValueError(f"bincount takes non-negative integers; got a minimum of {x.min()}.")
    length = max(minlength, int(x.max()) + 1 if x.size else 0)
    rows = x.shape[0] if x.ndim == 2 else 1
    # A 2-D batch counts into one long vector: row r's values are shifted by r * length.
    flat = (x.astype("int64") + np.arange(rows)[:, None] * length if x.ndim == 2 else x).reshape(-1)
    if weights is None:
        counts = np.bincount(flat, minlength=rows * length).astype("int32")
    else:
        dtype = rules.bincount_dtype(x.dtype, dtype_of(weights))
        counts = np.zeros(rows * length, dtype)
        np.add.at(counts, flat, convert_to_tensor(weights, dtype).reshape(-1))
    return counts.reshape(x.shape[:-1] + (length,))


def histogram(x, bins=10, range=None):
    x = convert_to_tensor(x)
    dtype = float_dtype(dtypes.standardize_dtype(x.dtype))  # a NumPy dtype compares equal to float
    values = x.reshape(-1).astype("float64")
    if range is None:
        range = (values.min(), values.max()) if values.size else (0.0, 1.0)
    low, high = float(range[0]), float(range[1])
    if low == high:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, bins + 1)
    counts, _ = np.histogram(values, bins=edges)
    return counts.astype(dtype), edges.astype(dtype)


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    rules.check_unique_args(size, fill_value)
    x = convert_to_tensor(x)
    if axis is not None:
        axis = axis % max(x.ndim, 1)
    values, index, inverse, counts = np.unique(
        x, return_index=True, return_inverse=True, return_counts=True, axis=axis)
    inverse = inverse.reshape(x.shape if axis is None else (-1,))
    if not sorted:
        order = np.argsort(index, kind="stable")
        values, index, counts = np.take(values, order, axis=axis or 0), index[order], counts[order]
        inverse = np.argsort(order)[inverse]
    if size is not None:
        values, index, counts = _fit_size(values, index, counts, size, axis or 0, fill_value)
    outputs = [values] + [a.astype(_INDEX) for a, wanted in
                          ((index, return_index), (inverse, return_inverse), (counts, return_counts))
                          if wanted]
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _fit_size(values, index, counts, size, axis, fill_value):
    """Cut or pad the unique results to `size`: values with `fill_value`, index with its first."""
    n = index.shape[0]
    if n >= size:
        return np.take(values, np.arange(size), axis=axis), index[:size], counts[:size]
    pad_shape = list(values.shape)
    pad_shape[axis] = size - n
    pad = np.full(pad_shape, 0 if fill_value is None else fill_value, values.dtype)
    first = index[:1] if n else np.zeros(1, index.dtype)
    return (np.concatenate([values, pad], axis=axis),
            np.concatenate([index, np.repeat(first, size - n)]),
            np.concatenate([counts, np.zeros(size - n, counts.dtype)]))
