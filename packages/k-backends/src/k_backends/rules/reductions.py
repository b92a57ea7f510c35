"""Dtype and argument rules of the reductions, applied by every backend and by the specs.

Output dtypes follow Keras 3 without its 64-bit narrowing:

- `sum`, `prod`, `nansum`, `nanprod` widen small integers as NumPy does:
  bool, int8 and int16 sum to int32; uint8 and uint16 to uint32.
- cumulative ops (`cumsum`, `cumprod` and the nan variants) turn bool into
  int32 and keep other dtypes.
- statistics (`mean`, `std`, `var`, `median`, quantiles, `average`,
  `trapezoid`) keep float dtypes and give `floatx()` for ints and bools.
- `corrcoef` is a statistic too, except that 64-bit integers give float64.
- `argmax`, `argmin` and their nan variants, and `count_nonzero`, give int32.
"""

from k_backends.inference import float_dtype

QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")

_SUM_DTYPES = {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "uint32", "uint16": "uint32"}
INDEX_DTYPE = "int32"


def sum_dtype(dtype):
    """The dtype of a sum or product of `dtype` values (a kappa dtype name)."""
    return _SUM_DTYPES.get(dtype, dtype)


def cumulative_dtype(dtype):
    """The dtype of a running sum or product of `dtype` values."""
    return "int32" if dtype == "bool" else dtype


def statistic_dtype(dtype):
    """The dtype of a mean, spread or quantile of `dtype` values: floats keep theirs, others floatx."""
    return float_dtype(dtype)


def corrcoef_dtype(dtype):
    """The dtype of correlation coefficients of `dtype` values."""
    if dtype in ("int64", "uint64"):
        return "float64"
    return float_dtype(dtype)


def accumulation_dtype(dtype):
    """The float dtype to accumulate `dtype` values in: float32 at least, float64 kept."""
    return "float64" if dtype == "float64" else "float32"


def reduction_axes(axis, ndim):
    """`axis` (None, an int or a sequence of ints, negative allowed) as a sorted tuple of axes.

    Raises a clear error for a non-int axis, an axis out of range or a repeated axis.
    """
    if axis is None:
        return tuple(range(ndim))
    items = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    out = []
    for a in items:
        if isinstance(a, bool) or not hasattr(a, "__index__"):
            raise TypeError(f"axis must be None, an int or a tuple of ints; got axis={axis!r}.")
        a = int(a)
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for a tensor of rank {ndim} (axis={axis!r}).")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"axis={axis!r} repeats an axis.")
    return tuple(sorted(out))


def single_axis(axis, ndim):
    """`axis` as one non-negative axis of a rank-`ndim` tensor, or None; a clear error otherwise."""
    if axis is None:
        return None
    if isinstance(axis, bool) or not hasattr(axis, "__index__"):
        raise TypeError(f"axis must be None or an int; got axis={axis!r}.")
    a = int(axis)
    if not -ndim <= a < ndim:
        raise ValueError(f"axis {a} is out of range for a tensor of rank {ndim}.")
    return a % ndim


def check_nonempty(name, shape, axis):
    """Raise a clear ValueError when reducing `shape` over `axis` would reduce a zero-length axis.

    For ops with no identity value (max, argmax, quantiles, ...). Backends call it only
    for tensors with no elements, so the common case pays one size check.
    """
    axes = reduction_axes(axis, len(shape))
    if any(shape[a] == 0 for a in axes):
        raise ValueError(f"{name} of an empty slice: x has shape {tuple(shape)} and axis={axis!r} "
                         f"reduces a zero-length axis, where {name} has no value.")


def check_quantile_method(method):
    if method not in QUANTILE_METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, QUANTILE_METHODS))}; "
                         f"got method={method!r}.")


def check_subtractable(name, dtype):
    if dtype == "bool":
        raise TypeError(f"{name} is not defined for bool tensors (it subtracts values); "
                        "cast x to an integer dtype first.")


def check_average_weights(shape, weights_shape, axis):
    """`weights` of `average` must have x's shape, or be 1-D with x.shape[axis] entries."""
    if tuple(weights_shape) == tuple(shape):
        return
    if axis is None or isinstance(axis, (list, tuple)) or len(weights_shape) != 1:
        raise ValueError(f"weights must have x's shape {tuple(shape)}, or be 1-D along an int axis; "
                         f"got weights of shape {tuple(weights_shape)} with axis={axis!r}.")
    length = shape[single_axis(axis, len(shape))]
    if None not in (length, weights_shape[0]) and weights_shape[0] != length:
        raise ValueError(f"1-D weights must have x.shape[axis] = {length} entries; got weights of "
                         f"shape {tuple(weights_shape)} for x of shape {tuple(shape)} and axis={axis}.")


def check_corrcoef_rank(shape):
    if len(shape) not in (1, 2):
        raise ValueError(f"corrcoef expects a 1-D or 2-D x (variables in rows, observations in "
                         f"columns); got x of shape {tuple(shape)}.")
