"""Indexing, sorting, searching and counting."""

from k_backends.inference import dtype_of, float_dtype, promoted
from k_backends.rules import indexing as rules
from k_backends.selection import current
from k_ops import shapes
from k_ops.dispatch import symbolic
from k_ops.symbolic import KerasTensor

__all__ = [
    "argpartition", "argsort", "bincount", "digitize", "get_item", "histogram", "isin", "nonzero",
    "searchsorted", "select", "sort", "take", "take_along_axis", "unique", "where", "diagonal",
    "trace",
]

_INDEX = rules.INDEX_DTYPE


def _check_int(name, value):
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"expected an int {name}; got {name}={value!r}.")


def _check_axis(axis, ndim):
    if axis is not None:
        shapes.canonicalize_axis(axis, max(ndim, 1))


def _sorted_shape(x, axis):
    shape = shapes.shape_of(x)
    if axis is None:
        return (_product(shape),)
    _check_axis(axis, len(shape))
    return shape


def _product(dims):
    total = 1
    for d in dims:
        if d is None:
            return None
        total *= d
    return total


def _check_int_dtype(name, x):
    dtype = shapes.standard_dtype(x)
    if not (dtype.startswith("int") or dtype.startswith("uint")):
        raise TypeError(f"{name} must hold integers; got dtype {dtype}.")


# -- sorting ----------------------------------------------------------------
def _argsort_spec(x, axis=-1):
    return KerasTensor(_sorted_shape(x, axis), _INDEX)


@symbolic(_argsort_spec)
def argsort(x, axis=-1):
    """Indices that sort `x` along `axis` (stably); `axis=None` sorts the flattened tensor.

    Example:
    >>> kappa.ops.argsort([3, 1, 2])  # [1, 2, 0], int32
    """
    return current().numpy.argsort(x, axis=axis)


def _sort_spec(x, axis=-1):
    return KerasTensor(_sorted_shape(x, axis), shapes.standard_dtype(x))


@symbolic(_sort_spec)
def sort(x, axis=-1):
    """`x` sorted in ascending order along `axis`; `axis=None` sorts the flattened tensor.

    Example:
    >>> kappa.ops.sort([[3, 1], [0, 2]])  # [[1, 3], [0, 2]]
    """
    return current().numpy.sort(x, axis=axis)


def _argpartition_spec(x, kth, axis=-1):
    shape = shapes.shape_of(x)
    if not shape:
        raise ValueError("argpartition needs a tensor of rank at least 1; got a scalar.")
    axis = shapes.canonicalize_axis(axis, len(shape))
    size = shape[axis]
    if size is not None and not -size <= kth < size:
        raise ValueError(f"kth={kth} is out of range for axis {axis} of size {size}.")
    return KerasTensor(shape, _INDEX)


@symbolic(_argpartition_spec)
def argpartition(x, kth, axis=-1):
    """Indices that partition `x` along `axis` around its `kth` smallest element.

    The element at position `kth` is the one a full sort would put there;
    smaller or equal elements come before it and larger or equal ones after,
    in no particular order.

    Example:
    >>> kappa.ops.argpartition([3, 4, 2, 1], 2)  # e.g. [3, 2, 0, 1]: x[0] == 3 is third
    """
    _check_int("kth", kth)
    return current().numpy.argpartition(x, int(kth), axis=axis)


# -- searching ----------------------------------------------------------------
def _searchsorted_spec(sorted_sequence, values, side="left"):
    rules.check_side(side)
    if len(shapes.shape_of(sorted_sequence)) != 1:
        raise ValueError(f"sorted_sequence must be 1-D; got shape {shapes.shape_of(sorted_sequence)}.")
    return KerasTensor(shapes.shape_of(values), _INDEX)


@symbolic(_searchsorted_spec)
def searchsorted(sorted_sequence, values, side="left"):
    """Where to insert `values` in the 1-D ascending `sorted_sequence` to keep it sorted.

    Args:
        sorted_sequence: 1-D tensor in ascending order.
        values: values to place; any shape.
        side: "left" gives the first suitable position, "right" the last.

    Example:
    >>> kappa.ops.searchsorted([1, 3, 5], [0, 3, 6])  # [0, 1, 3], int32
    """
    rules.check_side(side)
    return current().numpy.searchsorted(sorted_sequence, values, side=side)


def _digitize_spec(x, bins):
    if len(shapes.shape_of(bins)) != 1:
        raise ValueError(f"bins must be 1-D; got shape {shapes.shape_of(bins)}.")
    return KerasTensor(shapes.shape_of(x), _INDEX)


@symbolic(_digitize_spec)
def digitize(x, bins):
    """The index of the bin each value of `x` falls in: `i` such that `bins[i-1] <= x < bins[i]`.

    `bins` is 1-D and increasing; values below `bins[0]` give 0 and values
    at or above `bins[-1]` give `len(bins)`.

    Example:
    >>> kappa.ops.digitize([0.5, 1.0, 7.0], [1.0, 2.0])  # [0, 1, 2], int32
    """
    return current().numpy.digitize(x, bins)


def _isin_spec(x1, x2, assume_unique=False, invert=False):
    return KerasTensor(shapes.shape_of(x1), "bool")


@symbolic(_isin_spec)
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of `x1` occurs anywhere in `x2` (its negation with `invert=True`).

    Example:
    >>> kappa.ops.isin([1, 2, 3], [3, 1])  # [True, False, True]
    """
    return current().numpy.isin(x1, x2, assume_unique=assume_unique, invert=invert)


def _nonzero_spec(x):
    ndim = len(shapes.shape_of(x))
    if ndim == 0:
        raise ValueError("nonzero of a scalar is not defined; reshape it to 1-D first.")
    return tuple(KerasTensor((None,), _INDEX) for _ in range(ndim))


@symbolic(_nonzero_spec)
def nonzero(x):
    """The indices of the non-zero elements of `x`: a tuple of one int32 tensor per dimension.

    Example:
    >>> kappa.ops.nonzero([[0, 1], [2, 0]])  # ([0, 1], [1, 0])
    """
    return current().numpy.nonzero(x)


def _where_spec(condition, x1=None, x2=None):
    if x1 is None and x2 is None:
        return _nonzero_spec(condition)
    _check_where_pair(x1, x2)
    shape = shapes.broadcast_shapes(shapes.shape_of(condition), shapes.shape_of(x1), shapes.shape_of(x2))
    return KerasTensor(shape, promoted(x1, x2))


def _check_where_pair(x1, x2):
    if (x1 is None) != (x2 is None):
        raise ValueError("where takes either both x1 and x2 or neither; got only "
                         f"{'x1' if x2 is None else 'x2'}.")


@symbolic(_where_spec)
def where(condition, x1=None, x2=None):
    """`x1` where `condition` is true, else `x2`, broadcast together.

    With only `condition`, the indices of its true elements, as `nonzero`.

    Example:
    >>> kappa.ops.where([True, False], [1, 2], [10, 20])  # [1, 20]
    """
    if x1 is None and x2 is None:
        return current().numpy.nonzero(condition)
    _check_where_pair(x1, x2)
    return current().numpy.where(condition, x1, x2)


def _select_spec(condlist, choicelist, default=0):
    _check_select_lists(condlist, choicelist)
    shape = shapes.broadcast_shapes(*(shapes.shape_of(c) for c in list(condlist) + list(choicelist)),
                                    shapes.shape_of(default))
    return KerasTensor(shape, promoted(*choicelist, default))


def _check_select_lists(condlist, choicelist):
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise TypeError("select expects condlist and choicelist to be lists of tensors; got "
                        f"{type(condlist).__name__} and {type(choicelist).__name__}.")
    if len(condlist) != len(choicelist) or not condlist:
        raise ValueError("select expects condlist and choicelist of the same, non-zero length; got "
                         f"{len(condlist)} conditions and {len(choicelist)} choices.")


@symbolic(_select_spec)
def select(condlist, choicelist, default=0):
    """Elementwise, the choice of the first true condition, or `default` where none is true.

    Args:
        condlist: list of boolean tensors.
        choicelist: list of tensors, one per condition; all broadcast together.
        default: the value where every condition is false.

    Example:
    >>> x = kappa.ops.convert_to_tensor([-1, 0, 5])
    >>> kappa.ops.select([x < 0, x > 0], [-x, x], default=100)  # [1, 100, 5]
    """
    _check_select_lists(condlist, choicelist)
    return current().numpy.select(condlist, choicelist, default)


# -- taking and indexing -----------------------------------------------------
def _take_spec(x, indices, axis=None):
    shape = shapes.shape_of(x)
    _check_int_dtype("take's indices", indices)
    if axis is None:
        return KerasTensor(shapes.shape_of(indices), shapes.standard_dtype(x))
    axis = shapes.canonicalize_axis(axis, len(shape))
    return KerasTensor(shape[:axis] + shapes.shape_of(indices) + shape[axis + 1:], shapes.standard_dtype(x))


@symbolic(_take_spec)
def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (of the flattened `x` when `axis=None`).

    Negative indices count from the end. The result's shape is `x.shape`
    with the `axis` dimension replaced by `indices.shape`.

    Example:
    >>> kappa.ops.take([[1, 2], [3, 4]], [1, -1], axis=1)  # [[2, 2], [4, 4]]
    """
    return current().numpy.take(x, indices, axis=axis)


def _take_along_axis_spec(x, indices, axis=None):
    shape, index_shape = shapes.shape_of(x), shapes.shape_of(indices)
    _check_int_dtype("take_along_axis's indices", indices)
    if axis is None:
        if len(index_shape) != 1:
            raise ValueError(f"take_along_axis with axis=None needs 1-D indices; got shape {index_shape}.")
        return KerasTensor(index_shape, shapes.standard_dtype(x))
    if len(index_shape) != len(shape):
        raise ValueError(f"take_along_axis needs indices of the same rank as x; got x of shape "
                         f"{shape} and indices of shape {index_shape}.")
    axis = shapes.canonicalize_axis(axis, len(shape))
    rest = shapes.broadcast_shapes(shape[:axis] + shape[axis + 1:],
                                   index_shape[:axis] + index_shape[axis + 1:])
    return KerasTensor(rest[:axis] + (index_shape[axis],) + rest[axis:], shapes.standard_dtype(x))


@symbolic(_take_along_axis_spec)
def take_along_axis(x, indices, axis=None):
    """Pick values of `x` along `axis` at the matching `indices` (as from `argsort`).

    `indices` has `x`'s rank; other dimensions broadcast. With `axis=None`,
    `x` is flattened and `indices` is 1-D.

    Example:
    >>> x = kappa.ops.convert_to_tensor([[3, 1], [0, 2]])
    >>> kappa.ops.take_along_axis(x, kappa.ops.argsort(x), axis=1)  # [[1, 3], [0, 2]]
    """
    return current().numpy.take_along_axis(x, indices, axis=axis)


def _get_item_spec(x, key):
    shape = rules.indexed_shape(shapes.shape_of(x), key, shapes.broadcast_shapes)
    return KerasTensor(shape, shapes.standard_dtype(x))


@symbolic(_get_item_spec)
def get_item(x, key):
    """`x[key]` with NumPy's indexing on every backend.

    `key` may hold ints, slices (any step), None, Ellipsis, boolean masks and
    integer arrays (broadcast together; negative entries count from the end).
    A tuple is several indices; a list is one integer or boolean array.

    Example:
    >>> x = kappa.ops.reshape(kappa.ops.arange(6), (2, 3))
    >>> kappa.ops.get_item(x, (slice(None), [2, 0]))  # [[2, 0], [5, 3]]
    >>> kappa.ops.get_item(x, x > 3)  # [4, 5]
    """
    return current().numpy.get_item(x, key)


def _diagonal_spec(x, offset=0, axis1=0, axis2=1):
    return KerasTensor(rules.diagonal_shape(shapes.shape_of(x), offset, axis1, axis2),
                       shapes.standard_dtype(x))


@symbolic(_diagonal_spec)
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The `offset` diagonal of the matrices spanned by `axis1` and `axis2`, as a last dimension.

    Example:
    >>> kappa.ops.diagonal([[1, 2], [3, 4]])  # [1, 4]
    """
    return current().numpy.diagonal(x, offset=offset, axis1=axis1, axis2=axis2)


def _trace_spec(x, offset=0, axis1=0, axis2=1):
    shape = rules.diagonal_shape(shapes.shape_of(x), offset, axis1, axis2)[:-1]
    return KerasTensor(shape, rules.trace_dtype(shapes.standard_dtype(x)))


@symbolic(_trace_spec)
def trace(x, offset=0, axis1=0, axis2=1):
    """The sum of the `offset` diagonal over `axis1` and `axis2`.

    bool, int8 and int16 sum into int32, uint8 and uint16 into uint32.

    Example:
    >>> kappa.ops.trace([[1, 2], [3, 4]])  # 5, int32
    """
    return current().numpy.trace(x, offset=offset, axis1=axis1, axis2=axis2)


# -- counting ------------------------------------------------------------------
def _bincount_spec(x, weights=None, minlength=0, sparse=False):
    shape = shapes.shape_of(x)
    _check_int_dtype("bincount's x", x)
    _check_minlength(minlength)
    if len(shape) not in (1, 2):
        raise ValueError(f"bincount takes a 1-D tensor (or a 2-D batch of them); got shape {shape}.")
    if weights is not None and shapes.shape_of(weights) != shape:
        raise ValueError(f"bincount needs weights of x's shape {shape}; got {shapes.shape_of(weights)}.")
    dtype = rules.bincount_dtype(shapes.standard_dtype(x), None if weights is None else dtype_of(weights))
    return KerasTensor(shape[:-1] + (None,), dtype, sparse=sparse)


def _check_minlength(minlength):
    _check_int("minlength", minlength)
    if minlength < 0:
        raise ValueError(f"minlength must be non-negative; got minlength={minlength}.")


@symbolic(_bincount_spec)
def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each non-negative integer occurs in `x` (or the sum of its `weights`).

    Args:
        x: non-negative ints, 1-D; a 2-D tensor counts each row separately.
        weights: optional, `x`'s shape; the result sums them instead of counting.
        minlength: the least length of the result, which is otherwise `max(x) + 1`.
        sparse: return a sparse tensor (TensorFlow backend only).

    Counts are int32; weighted sums have the promoted dtype of `x` and `weights`.

    Example:
    >>> kappa.ops.bincount([1, 1, 3])  # [0, 2, 0, 1], int32
    """
    _check_minlength(minlength)
    return current().numpy.bincount(x, weights=weights, minlength=int(minlength), sparse=sparse)


def _histogram_spec(x, bins=10, range=None):
    _check_bins(bins)
    dtype = float_dtype(dtype_of(x))
    return KerasTensor((bins,), dtype), KerasTensor((bins + 1,), dtype)


def _check_bins(bins):
    _check_int("bins", bins)
    if bins < 1:
        raise ValueError(f"histogram needs at least one bin; got bins={bins}.")


def _check_range(range):
    if range is None:
        return None
    if not isinstance(range, (list, tuple)) or len(range) != 2 or not range[0] <= range[1]:
        raise ValueError(f"histogram expected range=(min, max) with min <= max; got range={range!r}.")
    return float(range[0]), float(range[1])


@symbolic(_histogram_spec)
def histogram(x, bins=10, range=None):
    """Counts of the (flattened) values of `x` in `bins` equal-width bins, and the bin edges.

    Args:
        x: values; any shape, flattened.
        bins: the number of bins.
        range: `(min, max)` of the bins; `x`'s own minimum and maximum when omitted.
            Values outside it are not counted; the last bin includes its right edge.

    Returns `(counts, edges)`, both in `x`'s float dtype (floatx for ints and bools),
    of lengths `bins` and `bins + 1`.

    Example:
    >>> kappa.ops.histogram([0.0, 0.2, 1.0], bins=2)  # ([2., 1.], [0., 0.5, 1.])
    """
    _check_bins(bins)
    return current().numpy.histogram(x, bins=int(bins), range=_check_range(range))


def _unique_spec(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
                 axis=None, size=None, fill_value=None):
    rules.check_unique_args(size, fill_value)
    shape = shapes.shape_of(x)
    dtype = shapes.standard_dtype(x)
    if axis is None:
        values = KerasTensor((size,), dtype)
        inverse_shape = shape
    else:
        axis = shapes.canonicalize_axis(axis, len(shape))
        values = KerasTensor(shape[:axis] + (size,) + shape[axis + 1:], dtype)
        inverse_shape = (shape[axis],)
    outputs = [values]
    if return_index:
        outputs.append(KerasTensor((size,), _INDEX))
    if return_inverse:
        outputs.append(KerasTensor(inverse_shape, _INDEX))
    if return_counts:
        outputs.append(KerasTensor((size,), _INDEX))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


@symbolic(_unique_spec)
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    """The distinct elements of `x` (or distinct slices along `axis`), in ascending order.

    Args:
        x: input tensor; flattened when `axis` is None.
        sorted: True sorts the result; False keeps the order of first occurrence.
        return_index: also return where each distinct element first occurs in `x`.
        return_inverse: also return, for each element of `x`, the index of its
            distinct element (`x`'s shape when `axis` is None, else `(x.shape[axis],)`).
        return_counts: also return how often each distinct element occurs.
        axis: the axis whose slices are compared; None compares single elements.
        size: a fixed number of results, needed under jit: extra ones are
            dropped, missing ones are padded (values with `fill_value`, 0 by
            default; indices with the first one's; counts with 0).
        fill_value: the padding of the values when `size` is given.

    Returns the values alone, or a tuple `(values, index, inverse, counts)` of
    those asked for; the indices and counts are int32.

    Example:
    >>> kappa.ops.unique([3, 1, 3])  # [1, 3]
    >>> kappa.ops.unique([3, 1, 3], return_counts=True)  # ([1, 3], [1, 2])
    """
    rules.check_unique_args(size, fill_value)
    return current().numpy.unique(x, sorted=sorted, return_index=return_index,
                                  return_inverse=return_inverse, return_counts=return_counts,
                                  axis=axis, size=None if size is None else int(size),
                                  fill_value=fill_value)
