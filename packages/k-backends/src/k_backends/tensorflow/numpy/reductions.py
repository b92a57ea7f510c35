"""Reductions, cumulative, nan-aware and statistical ops on TensorFlow.

Output dtypes are kappa's (`k_backends.rules.reductions`). TF 2.21 has no
sum, product, max or cumulative kernels for bool, so bools compute as int32
(their max and min are `any` and `all`); float16 and bfloat16 statistics
accumulate in float32. Ops with no value on an empty slice check the static
shape, since TF itself returns the dtype's lowest value there.
"""

import tensorflow as tf

from k_backends import config
from k_backends.dtypes import standardize_dtype
from k_backends.inference import promoted
from k_backends.rules import reductions as rules
from k_backends.tensorflow.core import convert_to_tensor

__all__ = [
    "sum", "prod", "mean", "max", "min", "all", "any", "argmax", "argmin", "count_nonzero", "ptp",
    "std", "var", "median", "quantile", "percentile", "average", "corrcoef", "trapezoid",
    "cumsum", "cumprod", "nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmax", "nanmin",
    "nanargmax", "nanargmin", "nanmedian", "nanquantile", "nanpercentile", "nancumsum", "nancumprod",
]

_HALF = ("float16", "bfloat16")
_STATISTIC_DTYPES = {}


def _name(x):
    return x.dtype.name


def _compute_dtype(out):
    return "float32" if out in _HALF else out


def _statistic_dtypes(x):
    """(compute dtype, output dtype) of a statistic of x: float32 at least, float64 kept."""
    key = (x.dtype, config.floatx())
    found = _STATISTIC_DTYPES.get(key)
    if found is None:
        out = rules.statistic_dtype(_name(x))
        found = _STATISTIC_DTYPES[key] = (rules.accumulation_dtype(out), out)
    return found


def _cast(x, dtype):
    # Skipped when x already has it: tf.cast costs microseconds even then.
    return x if x.dtype.name == dtype else tf.cast(x, dtype)


def _is_float(x):
    return x.dtype.is_floating


def _has_no_elements(x):
    return x.shape.num_elements() == 0


def _axis(axis):
    return list(axis) if type(axis) is tuple else axis


# -- reductions -------------------------------------------------------------
def _summation(tf_func):
    def op(x, axis=None, keepdims=False, out=None):
        x = convert_to_tensor(x)
        out = rules.sum_dtype(_name(x)) if out is None else out
        compute = _compute_dtype(out)
        return _cast(tf_func(_cast(x, compute), axis=_axis(axis), keepdims=keepdims), out)
    op.__name__ = tf_func.__name__
    return op


_sum = _summation(tf.reduce_sum)
_prod = _summation(tf.reduce_prod)


def sum(x, axis=None, keepdims=False):
    return _sum(x, axis, keepdims)


def prod(x, axis=None, keepdims=False, dtype=None):
    return _prod(x, axis, keepdims, None if dtype is None else standardize_dtype(dtype))


def mean(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    compute, out = _statistic_dtypes(x)
    return _cast(tf.reduce_mean(_cast(x, compute), axis=_axis(axis), keepdims=keepdims), out)


def _extreme(tf_func, bool_func, pair, bool_pair, name):
    def op(x, axis=None, keepdims=False, initial=None):
        x = convert_to_tensor(x)
        is_bool = _name(x) == "bool"
        if initial is None:
            if _has_no_elements(x):
                rules.check_nonempty(name, x.shape, axis)
            return (bool_func if is_bool else tf_func)(x, axis=_axis(axis), keepdims=keepdims)
        initial = convert_to_tensor(initial, _name(x))
        if _has_no_elements(x):
            # TF's identity (the lowest value for max) would hide `initial`; every slice is just it.
            reduced = tf.reduce_sum(tf.zeros_like(x, "int32"), axis=_axis(axis), keepdims=keepdims)
            return tf.fill(tf.shape(reduced), initial)
        result = (bool_func if is_bool else tf_func)(x, axis=_axis(axis), keepdims=keepdims)
        return (bool_pair if is_bool else pair)(result, initial)
    op.__name__ = name
    return op


max = _extreme(tf.reduce_max, tf.reduce_any, tf.maximum, tf.logical_or, "max")
min = _extreme(tf.reduce_min, tf.reduce_all, tf.minimum, tf.logical_and, "min")


def all(x, axis=None, keepdims=False):
    return tf.reduce_all(convert_to_tensor(x, "bool"), axis=_axis(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    return tf.reduce_any(convert_to_tensor(x, "bool"), axis=_axis(axis), keepdims=keepdims)


def _arg(tf_func, x, axis, keepdims):
    if axis is None:
        result = tf_func(tf.reshape(x, [-1]), axis=0, output_type=tf.int32)
        return tf.reshape(result, [1] * x.shape.rank) if keepdims else result
    result = tf_func(x, axis=axis, output_type=tf.int32)
    return tf.expand_dims(result, axis) if keepdims else result


def _index_op(tf_func, name, fill=None):
    """argmax/argmin; with `fill`, NaNs are replaced by it and all-NaN slices give -1."""
    def op(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        axis = rules.single_axis(axis, x.shape.rank)
        if _has_no_elements(x):
            rules.check_nonempty(name, x.shape, axis)
        if fill is None or not _is_float(x):
            return _arg(tf_func, x, axis, keepdims)
        is_nan = tf.math.is_nan(x)
        index = _arg(tf_func, tf.where(is_nan, tf.cast(fill, x.dtype), x), axis, keepdims)
        all_nan = tf.reduce_all(is_nan, axis=axis, keepdims=keepdims)
        return tf.where(all_nan, -1, index)
    op.__name__ = name
    return op


argmax = _index_op(tf.math.argmax, "argmax")
argmin = _index_op(tf.math.argmin, "argmin")
nanargmax = _index_op(tf.math.argmax, "nanargmax", fill=-float("inf"))
nanargmin = _index_op(tf.math.argmin, "nanargmin", fill=float("inf"))


def count_nonzero(x, axis=None):
    x = convert_to_tensor(x)
    return tf.math.count_nonzero(x, axis=_axis(axis), dtype=tf.int32)


def ptp(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    rules.check_subtractable("ptp", _name(x))
    if _has_no_elements(x):
        rules.check_nonempty("ptp", x.shape, axis)
    return max(x, axis, keepdims) - min(x, axis, keepdims)


# -- statistics -------------------------------------------------------------
def _moments(x, axis, keepdims, skip_nan, want):
    """mean, var or std of x over axis, computed in float32 at least; NaNs skipped when asked."""
    compute, out = _statistic_dtypes(x)
    x = tf.cast(x, compute)
    axis = _axis(axis)
    if not skip_nan:
        tf_func = {"mean": tf.reduce_mean, "var": tf.math.reduce_variance, "std": tf.math.reduce_std}[want]
        return tf.cast(tf_func(x, axis=axis, keepdims=keepdims), out)
    is_nan = tf.math.is_nan(x)
    count = tf.reduce_sum(tf.cast(~is_nan, compute), axis=axis, keepdims=True)
    zeroed = tf.where(is_nan, tf.zeros_like(x), x)
    result = tf.reduce_sum(zeroed, axis=axis, keepdims=True) / count
    if want != "mean":
        deviation = tf.where(is_nan, tf.zeros_like(x), tf.square(x - result))
        result = tf.reduce_sum(deviation, axis=axis, keepdims=True) / count
        if want == "std":
            result = tf.sqrt(result)
    axes = rules.reduction_axes(axis, x.shape.rank)
    if not keepdims and axes:  # tf.squeeze with no axes would squeeze every length-1 dim
        result = tf.squeeze(result, axis=axes)
    return tf.cast(result, out)


def std(x, axis=None, keepdims=False):
    return _moments(convert_to_tensor(x), axis, keepdims, False, "std")


def var(x, axis=None, keepdims=False):
    return _moments(convert_to_tensor(x), axis, keepdims, False, "var")


def nanmean(x, axis=None, keepdims=False):
    return _moments(convert_to_tensor(x), axis, keepdims, True, "mean")


def nanstd(x, axis=None, keepdims=False):
    return _moments(convert_to_tensor(x), axis, keepdims, True, "std")


def nanvar(x, axis=None, keepdims=False):
    return _moments(convert_to_tensor(x), axis, keepdims, True, "var")


def _quantile(name, x, q, axis, method, keepdims, skip_nan=False, scale=1):
    x = convert_to_tensor(x)
    if _has_no_elements(x):
        rules.check_nonempty(name, x.shape, axis)
    compute, out = _statistic_dtypes(x)
    # Positions are computed in float64 as NumPy does: 50 / 100 * 59 must round to 30, not 29.
    q = convert_to_tensor(q, "float64")
    if scale != 1:
        q = q / scale
    axes = rules.reduction_axes(axis, x.shape.rank)
    return tf.cast(_sorted_quantile(tf.cast(x, compute), q, axes, method, keepdims, skip_nan), out)


def _sorted_quantile(x, q, axes, method, keepdims, skip_nan):
    """Quantiles of x over `axes` by sorting, as NumPy defines them (q's shape leads the result).

    Shapes are read with tf.shape, so unknown dimensions (a traced batch) work.
    """
    rank = x.shape.rank
    kept = [a for a in range(rank) if a not in axes]
    shape = tf.shape(x)
    kept_shape = tf.gather(shape, tf.constant(kept, "int32"))
    length = tf.reduce_prod(tf.gather(shape, tf.constant(axes, "int32")))
    rows = tf.reshape(tf.transpose(x, kept + list(axes)), tf.concat([kept_shape, [length]], 0))
    is_nan = tf.math.is_nan(rows)
    if skip_nan:
        # NaNs sort last as +inf; each slice's quantiles come from its own count of numbers.
        count = tf.reduce_sum(tf.cast(~is_nan, "float64"), axis=-1, keepdims=True)
        rows = tf.where(is_nan, tf.cast(float("inf"), rows.dtype), rows)
    else:
        count = tf.cast(length, "float64")
    rows = tf.sort(rows, axis=-1)
    q_flat = tf.reshape(q, [-1])
    position = tf.broadcast_to(q_flat * (count - 1), tf.concat([kept_shape, tf.shape(q_flat)], 0))

    def take(index):
        index = tf.clip_by_value(tf.cast(index, "int32"), 0, tf.cast(length, "int32") - 1)
        return tf.gather(rows, index, axis=-1, batch_dims=len(kept))

    if method == "nearest":
        value = take(tf.round(position))  # half to even, as NumPy
    else:
        below, above = take(tf.floor(position)), take(tf.math.ceil(position))
        if method == "lower":
            value = below
        elif method == "higher":
            value = above
        elif method == "midpoint":
            value = (below + above) / 2
        else:
            value = below + (above - below) * tf.cast(position - tf.floor(position), rows.dtype)
    empty = tf.equal(count, 0) if skip_nan else tf.reduce_any(is_nan, axis=-1, keepdims=True)
    value = tf.where(empty, tf.cast(float("nan"), rows.dtype), value)
    value = tf.transpose(value, [len(kept)] + list(range(len(kept))))
    if keepdims:
        kept_shape = tf.where([a in axes for a in range(rank)], tf.ones_like(shape), shape)
    return tf.reshape(value, tf.concat([tf.shape(q), kept_shape], 0))


def quantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile("quantile", x, q, axis, method, keepdims)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile("percentile", x, q, axis, method, keepdims, scale=100)


def median(x, axis=None, keepdims=False):
    return _quantile("median", x, 0.5, axis, "linear", keepdims)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile("nanquantile", x, q, axis, method, keepdims, skip_nan=True)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile("nanpercentile", x, q, axis, method, keepdims, skip_nan=True, scale=100)


def nanmedian(x, axis=None, keepdims=False):
    return _quantile("nanmedian", x, 0.5, axis, "linear", keepdims, skip_nan=True)


def average(x, axis=None, weights=None):
    x = convert_to_tensor(x)
    if weights is None:
        return mean(x, axis)
    weights = convert_to_tensor(weights)
    rules.check_average_weights(x.shape.as_list(), weights.shape.as_list(), axis)
    out = promoted(x, weights, float)
    compute = rules.accumulation_dtype(out)
    x, weights = tf.cast(x, compute), tf.cast(weights, compute)
    if weights.shape != x.shape:
        axis = rules.single_axis(axis, x.shape.rank)
        weights = tf.reshape(weights, [-1] + [1] * (x.shape.rank - 1 - axis))
    total = tf.reduce_sum(x * weights, axis=_axis(axis))
    return tf.cast(total / tf.reduce_sum(tf.broadcast_to(weights, tf.shape(x)), axis=_axis(axis)), out)


def corrcoef(x):
    x = convert_to_tensor(x)
    rules.check_corrcoef_rank(x.shape.as_list())
    out = rules.corrcoef_dtype(_name(x))
    rows = tf.cast(x if x.shape.rank == 2 else x[None], rules.accumulation_dtype(out))
    centered = rows - tf.reduce_mean(rows, axis=1, keepdims=True)
    covariance = tf.matmul(centered, centered, transpose_b=True)
    scale = tf.sqrt(tf.linalg.diag_part(covariance))
    result = covariance / scale[:, None] / scale[None, :]
    # Rounding can push |r| a hair past 1; NumPy clips too.
    result = tf.clip_by_value(result, -1, 1)
    return tf.cast(result if x.shape.rank == 2 else result[0, 0], out)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = convert_to_tensor(y)
    out = promoted(*[v for v in (y, x, dx) if v is not None], float)
    compute = rules.accumulation_dtype(out)
    y = tf.cast(y, compute)
    rank = y.shape.rank
    axis = rules.single_axis(axis, rank)
    perm = [a for a in range(rank) if a != axis] + [axis]
    y = tf.transpose(y, perm)
    if x is None:
        spacing = tf.cast(dx, compute)
    else:
        x = convert_to_tensor(x, compute)
        if x.shape.rank != 1:
            x = tf.transpose(tf.broadcast_to(x, tf.shape(tf.transpose(y, _inverse(perm)))), perm)
        spacing = x[..., 1:] - x[..., :-1]
    return tf.cast(tf.reduce_sum(spacing * (y[..., 1:] + y[..., :-1]) / 2, axis=-1), out)


def _inverse(perm):
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p] = i
    return inverse


# -- cumulative ops ---------------------------------------------------------
def _cumulative(tf_func, nan_fill=None):
    def op(x, axis=None, dtype=None):
        x = convert_to_tensor(x)
        out = rules.cumulative_dtype(_name(x)) if dtype is None else standardize_dtype(dtype)
        if axis is None:
            x, axis = tf.reshape(x, [-1]), 0
        else:
            axis = rules.single_axis(axis, x.shape.rank)
        if nan_fill is not None and _is_float(x):
            x = tf.where(tf.math.is_nan(x), tf.cast(nan_fill, x.dtype), x)
        compute = _compute_dtype(out)
        if compute == "bool":
            compute = "int32"  # no bool kernels; a running sum or product of bools is cast back
        return tf.cast(tf_func(tf.cast(x, compute), axis=axis), out)
    op.__name__ = tf_func.__name__
    return op


cumsum = _cumulative(tf.math.cumsum)
cumprod = _cumulative(tf.math.cumprod)
nancumsum = _cumulative(tf.math.cumsum, nan_fill=0.0)
nancumprod = _cumulative(tf.math.cumprod, nan_fill=1.0)


# -- nan-aware sums and extremes ------------------------------------------------
def nansum(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    if _is_float(x):
        x = tf.where(tf.math.is_nan(x), tf.zeros_like(x), x)
    return _sum(x, axis, keepdims)


def nanprod(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    if _is_float(x):
        x = tf.where(tf.math.is_nan(x), tf.ones_like(x), x)
    return _prod(x, axis, keepdims)


def _nan_extreme(plain, fill, name):
    def op(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        if _has_no_elements(x):
            rules.check_nonempty(name, x.shape, axis)
        if not _is_float(x):
            return plain(x, axis, keepdims)
        is_nan = tf.math.is_nan(x)
        result = plain(tf.where(is_nan, tf.cast(fill, x.dtype), x), axis, keepdims)
        all_nan = tf.reduce_all(is_nan, axis=_axis(axis), keepdims=keepdims)
        return tf.where(all_nan, tf.cast(float("nan"), x.dtype), result)
    op.__name__ = name
    return op


nanmax = _nan_extreme(max, -float("inf"), "nanmax")
nanmin = _nan_extreme(min, float("inf"), "nanmin")
