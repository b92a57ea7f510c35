"""Indexing, sorting, searching and counting on TensorFlow.

TF has no NumPy-style advanced indexing, no `unique` along an axis and no
sorted `unique`; they are built here from gathers, sorts and segment sums.
Ops whose output length depends on the values (bincount, unique, nonzero,
boolean masks) read it eagerly where needed.
"""

import functools

import tensorflow as tf

from k_backends import dtypes
from k_backends.inference import dtype_of, float_dtype, promoted
from k_backends.rules import indexing as rules
from k_backends.tensorflow.core import COMPUTE_DTYPES, convert_to_tensor
from k_backends.variables import Variable

__all__ = [
    "argpartition", "argsort", "bincount", "digitize", "get_item", "histogram", "isin", "nonzero",
    "searchsorted", "select", "sort", "take", "take_along_axis", "unique", "where", "diagonal",
    "trace",
]

_INDEX = tf.int32


def _name(x):
    return dtypes.standardize_dtype(x.dtype)


def _computable(x):
    """`x` in a dtype TF sorts, searches and sums correctly (bools and small ints widen)."""
    wide = COMPUTE_DTYPES.get(_name(x))
    return x if wide is None else tf.cast(x, wide)


def _flat_or(x, axis):
    return (tf.reshape(x, [-1]), 0) if axis is None else (x, axis)


def argsort(x, axis=-1):
    x, axis = _flat_or(convert_to_tensor(x), axis)
    if x.shape.rank == 0:
        return tf.zeros([], _INDEX)
    return tf.argsort(_computable(x), axis=axis, stable=True)


def sort(x, axis=-1):
    x, axis = _flat_or(convert_to_tensor(x), axis)
    if x.shape.rank == 0:
        return x
    return tf.cast(tf.sort(_computable(x), axis=axis), x.dtype)


def argpartition(x, kth, axis=-1):
    x = convert_to_tensor(x)
    size = x.shape[axis]
    if not -size <= kth < size:
        raise ValueError(f"kth={kth} is out of range for axis {axis} of size {size}.")
    # TF has no partial sort; a full (stable) sort is a valid partition.
    return argsort(x, axis=axis)


def searchsorted(sorted_sequence, values, side="left"):
    rules.check_side(side)
    dtype = promoted(sorted_sequence, values)
    a, v = convert_to_tensor(sorted_sequence, dtype), convert_to_tensor(values, dtype)
    if a.shape.rank != 1:
        raise ValueError(f"sorted_sequence must be 1-D; got shape {tuple(a.shape)}.")
    # tf.searchsorted searches rows of equal leading shape: one row of values here.
    found = tf.searchsorted(_computable(a)[None], tf.reshape(_computable(v), [1, -1]), side=side,
                            out_type=_INDEX)
    return tf.reshape(found, tf.shape(v))


def digitize(x, bins):
    return searchsorted(bins, x, side="right")


def isin(x1, x2, assume_unique=False, invert=False):
    dtype = promoted(x1, x2)
    a = _computable(convert_to_tensor(x1, dtype))
    b = tf.sort(tf.reshape(_computable(convert_to_tensor(x2, dtype)), [-1]))
    flat = tf.reshape(a, [-1])
    n = tf.size(b)
    # The first element of the sorted x2 not below each value: found when it equals the value.
    position = tf.minimum(tf.searchsorted(b, flat), tf.maximum(n - 1, 0))
    found = tf.logical_and(n > 0, tf.equal(tf.gather(b, position) if b.shape[0] != 0 else flat, flat))
    found = tf.reshape(found, tf.shape(a))
    return tf.logical_not(found) if invert else found


def nonzero(x):
    x = convert_to_tensor(x)
    if x.shape.rank == 0:
        raise ValueError("nonzero of a scalar is not defined; reshape it to 1-D first.")
    positions = tf.cast(tf.where(tf.cast(x, tf.bool)), _INDEX)
    return tuple(tf.unstack(positions, num=x.shape.rank, axis=1))


def where(condition, x1=None, x2=None):
    # Fast path: a bool tensor choosing between tensors of one dtype needs no promotion.
    if (isinstance(condition, tf.Tensor) and isinstance(x1, tf.Tensor) and isinstance(x2, tf.Tensor)
            and condition.dtype == tf.bool and x1.dtype == x2.dtype):
        return tf.raw_ops.SelectV2(condition=condition, t=x1, e=x2)
    if x1 is None and x2 is None:
        return nonzero(condition)
    dtype = promoted(x1, x2)
    condition = tf.cast(convert_to_tensor(condition), tf.bool)
    return tf.where(condition, convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype))


def select(condlist, choicelist, default=0):
    dtype = promoted(*choicelist, default)
    result = convert_to_tensor(default, dtype)
    # The first true condition wins, so the last one is applied first.
    for condition, choice in zip(reversed(condlist), reversed(choicelist), strict=True):
        result = tf.where(tf.cast(convert_to_tensor(condition), tf.bool), convert_to_tensor(choice, dtype),
                          result)
    return result


def _indices(indices, size):
    """`indices` as int64 with negative ones counted from the end of a dimension of `size`."""
    indices = convert_to_tensor(indices)
    if not dtypes.is_int_dtype(indices.dtype):
        raise TypeError(f"indices must be integers; got dtype {_name(indices)}.")
    indices = tf.cast(indices, tf.int64)
    return tf.where(indices < 0, indices + tf.cast(size, tf.int64), indices)


def take(x, indices, axis=None):
    x, axis = _flat_or(convert_to_tensor(x), axis)
    return tf.gather(x, _indices(indices, tf.shape(x)[axis]), axis=axis)


def take_along_axis(x, indices, axis=None):
    x, axis = _flat_or(convert_to_tensor(x), axis)
    rank = x.shape.rank
    axis = axis % rank
    indices = _indices(indices, tf.shape(x)[axis])
    # Move `axis` last, broadcast the other dimensions, and gather row by row.
    perm = [d for d in range(rank) if d != axis] + [axis]
    x_t, i_t = tf.transpose(x, perm), tf.transpose(indices, perm)
    rest = tf.broadcast_dynamic_shape(tf.shape(x_t)[:-1], tf.shape(i_t)[:-1])
    x_t = tf.broadcast_to(x_t, tf.concat([rest, tf.shape(x_t)[-1:]], 0))
    i_t = tf.broadcast_to(i_t, tf.concat([rest, tf.shape(i_t)[-1:]], 0))
    taken = tf.gather(x_t, i_t, axis=rank - 1, batch_dims=rank - 1)
    return tf.transpose(taken, tf.math.invert_permutation(perm))


# -- NumPy indexing ------------------------------------------------------------
def get_item(x, key):
    x = convert_to_tensor(x)
    entries = rules.parse_key(key, x.shape.rank)
    if not rules.has_arrays(entries):
        return x[tuple(_basic_index(e) for e in entries)]
    # Advanced indexing: each mask becomes one integer array per dimension it covers, and an int
    # joins the arrays as a 0-d one. First apply the slices and newaxes, keeping one dimension
    # per entry; then gather the advanced dimensions with their broadcast index arrays.
    parts = []
    for e in entries:
        if e.kind == rules.MASK:
            positions = tf.where(convert_to_tensor(_unwrap(e.value), "bool"))
            parts.extend(positions[:, i] for i in range(e.ndim))
        elif e.kind in (rules.INT, rules.ARRAY):
            parts.append(_index_array(e.value))
        else:
            parts.append(e)
    y = x[tuple(_basic_index(p) if isinstance(p, rules.Entry) else slice(None) for p in parts)]
    advanced = [i for i, p in enumerate(parts) if not isinstance(p, rules.Entry)]
    others = [i for i in range(len(parts)) if i not in advanced]
    y_shape = tf.shape(y)
    arrays = [tf.where(parts[i] < 0, parts[i] + tf.cast(y_shape[i], tf.int64), parts[i]) for i in advanced]
    shape = functools.reduce(tf.broadcast_dynamic_shape, [tf.shape(a) for a in arrays])
    stacked = tf.stack([tf.broadcast_to(a, shape) for a in arrays], axis=-1)
    gathered = tf.gather_nd(tf.transpose(y, advanced + others), stacked)
    if advanced != list(range(advanced[0], advanced[0] + len(advanced))):
        return gathered  # NumPy puts the broadcast dimensions first when the arrays are apart
    # Contiguous arrays: their broadcast dimensions go where the arrays stood.
    n_broadcast, first = gathered.shape.rank - len(others), advanced[0]
    perm = (list(range(n_broadcast, n_broadcast + first)) + list(range(n_broadcast))
            + list(range(n_broadcast + first, gathered.shape.rank)))
    return tf.transpose(gathered, perm)


def _unwrap(value):
    return value.value if isinstance(value, Variable) else value


def _basic_index(e):
    if e.kind == rules.NEWAXIS:
        return tf.newaxis
    if e.kind == rules.INT and not isinstance(e.value, int):
        return tf.cast(convert_to_tensor(_unwrap(e.value)), tf.int32)
    return e.value


def _index_array(value):
    value = _unwrap(value)
    if isinstance(value, list) and not value:
        return tf.zeros([0], tf.int64)
    return tf.cast(convert_to_tensor(value), tf.int64)


# -- diagonal, trace ---------------------------------------------------------
def diagonal(x, offset=0, axis1=0, axis2=1):
    x = convert_to_tensor(x)
    rank = x.shape.rank
    axis1, axis2 = rules.diagonal_axes(rank, offset, axis1, axis2)
    rest = [d for d in range(rank) if d not in (axis1, axis2)]
    d1, d2 = x.shape[axis1], x.shape[axis2]
    length = rules.diagonal_length(d1, d2, offset)
    start = tf.constant([0, offset] if offset >= 0 else [-offset, 0], tf.int64)
    positions = tf.range(length, dtype=tf.int64)[:, None] + start
    # Gather (row, column) pairs from the matrices moved to the front, then move the diagonal last.
    gathered = tf.gather_nd(tf.transpose(x, [axis1, axis2] + rest), positions)
    return tf.transpose(gathered, list(range(1, rank - 1)) + [0])


_SUM_DTYPES = {"uint32": "int64", "float16": "float32", "bfloat16": "float32"}


def trace(x, offset=0, axis1=0, axis2=1):
    x = convert_to_tensor(x)
    dtype = rules.trace_dtype(_name(x))
    diag = diagonal(x, offset=offset, axis1=axis1, axis2=axis2)
    total = tf.reduce_sum(tf.cast(diag, _SUM_DTYPES.get(dtype, dtype)), axis=-1)
    return tf.cast(total, dtype)


# -- counting ------------------------------------------------------------------
def bincount(x, weights=None, minlength=0, sparse=False):
    x = convert_to_tensor(x)
    if not dtypes.is_int_dtype(x.dtype) or x.shape.rank not in (1, 2):
        raise ValueError(f"bincount takes 1-D or 2-D integers; got shape {tuple(x.shape)}, "
                         f"dtype {_name(x)}.")
    flat = tf.cast(x, tf.int64)
    size = int(tf.size(flat))
    lowest = int(tf.reduce_min(flat)) if size else 0
    if lowest < 0:
        raise ValueError(f"bincount takes non-negative integers; got a minimum of {lowest}.")
    length = max(minlength, int(tf.reduce_max(flat)) + 1 if size else 0)
    rows = x.shape[0] if x.shape.rank == 2 else 1
    if x.shape.rank == 2:  # each row counts into its own stretch of one long vector
        flat = flat + tf.range(rows, dtype=tf.int64)[:, None] * length
    flat = tf.reshape(flat, [-1])
    if weights is None:
        dtype, values = "int32", tf.ones_like(flat, tf.int32)
    else:
        dtype = rules.bincount_dtype(_name(x), dtype_of(weights))
        values = _computable(tf.reshape(convert_to_tensor(weights, dtype), [-1]))
    counts = tf.math.unsorted_segment_sum(values, flat, rows * length)
    counts = tf.reshape(tf.cast(counts, dtype), list(x.shape[:-1]) + [length])
    return tf.sparse.from_dense(counts) if sparse else counts


def histogram(x, bins=10, range=None):
    x = convert_to_tensor(x)
    dtype = float_dtype(_name(x))
    values = tf.reshape(tf.cast(x, tf.float64), [-1])
    if range is not None:
        low, high = tf.constant(range[0], tf.float64), tf.constant(range[1], tf.float64)
    elif values.shape[0] == 0:
        low, high = tf.constant(0.0, tf.float64), tf.constant(1.0, tf.float64)
    else:
        low, high = tf.reduce_min(values), tf.reduce_max(values)
    same = tf.equal(low, high)
    low, high = tf.where(same, low - 0.5, low), tf.where(same, high + 0.5, high)
    edges = tf.linspace(low, high, bins + 1)
    # Bin i holds edges[i] <= v < edges[i + 1]; the last bin also holds its right edge.
    index = tf.searchsorted(edges[None], values[None], side="right")[0] - 1
    index = tf.clip_by_value(index, 0, bins - 1)
    inside = tf.cast((values >= low) & (values <= high), tf.float64)
    counts = tf.math.unsorted_segment_sum(inside, index, bins)
    return tf.cast(counts, dtype), tf.cast(edges, dtype)


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    rules.check_unique_args(size, fill_value)
    x = convert_to_tensor(x)
    if axis is None:
        moved = tf.reshape(x, [-1])
    else:
        axis = axis % max(x.shape.rank, 1)
        moved = tf.experimental.numpy.moveaxis(x, axis, 0)
    n = moved.shape[0]
    rows = _computable(tf.reshape(moved, [n, -1]))
    # Sort the rows lexicographically: stable sorts by each column, the first column last.
    order = tf.range(n, dtype=tf.int64)
    for column in reversed(range(rows.shape[1])):
        keys = tf.gather(rows[:, column], order)
        order = tf.gather(order, tf.argsort(keys, stable=True))
    sorted_rows = tf.gather(rows, order)
    is_new = tf.concat([tf.ones([min(n, 1)], tf.bool),
                        tf.reduce_any(tf.not_equal(sorted_rows[1:], sorted_rows[:-1]), axis=1)], 0)
    group = tf.cumsum(tf.cast(is_new, tf.int64)) - 1
    count = int(tf.reduce_sum(tf.cast(is_new, tf.int32)))
    index = tf.math.unsorted_segment_min(order, group, count)
    counts = tf.math.unsorted_segment_sum(tf.ones_like(group), group, count)
    inverse = tf.scatter_nd(order[:, None], group, [n])
    if not sorted:
        reorder = tf.argsort(index, stable=True)
        index, counts = tf.gather(index, reorder), tf.gather(counts, reorder)
        inverse = tf.gather(tf.math.invert_permutation(reorder), inverse)
    values = tf.gather(moved, index)
    if size is not None:
        values, index, counts = _fit_size(values, index, counts, size, fill_value)
    if axis is not None:
        values = tf.experimental.numpy.moveaxis(values, 0, axis)
    inverse = tf.reshape(inverse, tf.shape(x) if axis is None else [-1])
    outputs = [values] + [tf.cast(a, _INDEX) for a, wanted in
                          ((index, return_index), (inverse, return_inverse), (counts, return_counts))
                          if wanted]
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _fit_size(values, index, counts, size, fill_value):
    """Cut or pad the unique results (along axis 0) to `size`: values with `fill_value`,
    index with its first entry, counts with 0."""
    n = index.shape[0]
    if n >= size:
        return values[:size], index[:size], counts[:size]
    fill = tf.cast(tf.constant(0 if fill_value is None else fill_value), values.dtype)
    pad = tf.fill([size - n] + values.shape[1:].as_list(), fill)
    first = index[:1] if n else tf.zeros([1], index.dtype)
    return (tf.concat([values, pad], 0), tf.concat([index, tf.repeat(first, size - n)], 0),
            tf.concat([counts, tf.zeros([size - n], counts.dtype)], 0))
