"""Reductions, cumulative, nan-aware and statistical ops.

`axis` is None (every axis), an int or a tuple of ints, negative counting from
the end; `keepdims=True` keeps reduced axes with length 1. Output dtypes are
in `k_backends.rules.reductions`: sums widen small ints, statistics of ints are
`floatx()`, indices are int32. Ops with no value on an empty slice (max,
argmax, ptp, quantiles) raise a ValueError there rather than inventing one.
"""

import numpy as np

from k_backends.inference import promoted
from k_backends.rules import reductions as rules
from k_backends.selection import current
from k_ops import shapes
from k_ops.dispatch import symbolic
from k_ops.symbolic import KerasTensor

__all__ = [
    "all", "any", "amax", "amin", "argmax", "argmin", "average", "corrcoef", "count_nonzero",
    "cumprod", "cumsum", "max", "mean", "median", "min", "nanargmax", "nanargmin", "nancumprod",
    "nancumsum", "nanmax", "nanmean", "nanmedian", "nanmin", "nanpercentile", "nanprod",
    "nanquantile", "nanstd", "nansum", "nanvar", "percentile", "prod", "ptp", "quantile", "std",
    "sum", "trapezoid", "var",
]


# -- specs ------------------------------------------------------------------
def _reduction_spec(dtype_rule):
    def spec(x, axis=None, keepdims=False, *args, **kwargs):
        dtype = dtype_rule(shapes.standard_dtype(x))
        return KerasTensor(shapes.reduced_shape(shapes.shape_of(x), axis, keepdims), dtype)
    return spec


def _keep_dtype(dtype):
    return dtype


def _to_bool(dtype):
    return "bool"


_same_dtype_spec = _reduction_spec(_keep_dtype)
_bool_spec = _reduction_spec(_to_bool)
_sum_spec = _reduction_spec(rules.sum_dtype)
_statistic_spec = _reduction_spec(rules.statistic_dtype)


def _ptp_spec(x, axis=None, keepdims=False):
    rules.check_subtractable("ptp", shapes.standard_dtype(x))
    return _same_dtype_spec(x, axis, keepdims)


def _prod_spec(x, axis=None, keepdims=False, dtype=None):
    out = _sum_spec(x, axis, keepdims)
    return out if dtype is None else KerasTensor(out.shape, dtype)


def _arg_spec(x, axis=None, keepdims=False):
    shape = shapes.shape_of(x)
    if axis is None:
        out = (1,) * len(shape) if keepdims else ()
    else:
        out = shapes.reduced_shape(shape, rules.single_axis(axis, len(shape)), keepdims)
    return KerasTensor(out, rules.INDEX_DTYPE)


def _count_nonzero_spec(x, axis=None):
    return KerasTensor(shapes.reduced_shape(shapes.shape_of(x), axis, False), rules.INDEX_DTYPE)


def _cumulative_spec(x, axis=None, dtype=None):
    shape = shapes.shape_of(x)
    if axis is None:
        shape = (None,) if None in shape else (int(np.prod(shape)),)
    else:
        rules.single_axis(axis, len(shape))
    return KerasTensor(shape, rules.cumulative_dtype(shapes.standard_dtype(x)) if dtype is None else dtype)


def _quantile_spec(x, q, axis=None, method="linear", keepdims=False):
    rules.check_quantile_method(method)
    reduced = shapes.reduced_shape(shapes.shape_of(x), axis, keepdims)
    return KerasTensor(shapes.shape_of(q) + reduced, rules.statistic_dtype(shapes.standard_dtype(x)))


def _average_spec(x, axis=None, weights=None):
    shape = shapes.shape_of(x)
    if weights is None:
        return _statistic_spec(x, axis)
    rules.check_average_weights(shape, shapes.shape_of(weights), axis)
    return KerasTensor(shapes.reduced_shape(shape, axis, False), promoted(x, weights, float))


def _corrcoef_spec(x):
    shape = shapes.shape_of(x)
    rules.check_corrcoef_rank(shape)
    out = () if len(shape) == 1 else (shape[0], shape[0])
    return KerasTensor(out, rules.corrcoef_dtype(shapes.standard_dtype(x)))


def _trapezoid_spec(y, x=None, dx=1.0, axis=-1):
    shape = shapes.shape_of(y)
    axis = shapes.canonicalize_axis(axis, len(shape))
    if x is not None:
        x_shape = shapes.shape_of(x)
        if len(x_shape) == 1:
            if x_shape[0] is not None and shape[axis] is not None and x_shape[0] != shape[axis]:
                raise ValueError(f"a 1-D x must have y.shape[axis] = {shape[axis]} points; got x of "
                                 f"shape {x_shape} for y of shape {shape} and axis={axis}.")
        else:
            shape = shapes.broadcast_shapes(shape, x_shape)
    dtype = promoted(*[v for v in (y, x, dx) if v is not None], float)
    return KerasTensor(shape[:axis] + shape[axis + 1:], dtype)


# -- argument checks ----------------------------------------------------------
def _check_q(q, high):
    """q's values must lie in [0, high]; checked where q holds plain numbers (no device sync)."""
    if isinstance(q, (int, float, list, tuple, np.ndarray, np.generic)):
        values = np.asarray(q, dtype="float64")
        if values.size and not ((values >= 0).all() and (values <= high).all()):
            raise ValueError(f"q must lie in [0, {high}]; got q={q!r}.")


# -- reductions -------------------------------------------------------------
@symbolic(_sum_spec)
def sum(x, axis=None, keepdims=False):
    """Sum of `x` over `axis`; bool, int8 and int16 sum to int32, uint8 and uint16 to uint32.

    Example:
    >>> kappa.ops.sum([[1, 2], [3, 4]], axis=0)  # [4, 6], int32
    """
    return current().numpy.sum(x, axis, keepdims)


@symbolic(_prod_spec)
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of `x` over `axis`, in `dtype` when given (small ints widen as in `sum`).

    Example:
    >>> kappa.ops.prod([[1, 2], [3, 4]], axis=1)  # [2, 12], int32
    """
    return current().numpy.prod(x, axis, keepdims, dtype)


@symbolic(_statistic_spec)
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean of `x` over `axis`; ints and bools give `floatx()`.

    Example:
    >>> kappa.ops.mean([[1, 2], [3, 4]], axis=1)  # [1.5, 3.5], float32
    """
    return current().numpy.mean(x, axis, keepdims)


@symbolic(_same_dtype_spec)
def max(x, axis=None, keepdims=False, initial=None):
    """Largest value of `x` over `axis`; `initial` (cast to x's dtype) joins every slice.

    Reducing a zero-length axis raises a ValueError unless `initial` is given.

    Example:
    >>> kappa.ops.max([[1, 5], [3, 4]], axis=0)  # [3, 5]
    """
    return current().numpy.max(x, axis, keepdims, initial)


@symbolic(_same_dtype_spec)
def min(x, axis=None, keepdims=False, initial=None):
    """Smallest value of `x` over `axis`; `initial` (cast to x's dtype) joins every slice.

    Example:
    >>> kappa.ops.min([[1, 5], [3, 4]], axis=1)  # [1, 3]
    """
    return current().numpy.min(x, axis, keepdims, initial)


@symbolic(_same_dtype_spec)
def amax(x, axis=None, keepdims=False):
    """Largest value of `x` over `axis` (`max` without `initial`)."""
    return current().numpy.max(x, axis, keepdims, None)


@symbolic(_same_dtype_spec)
def amin(x, axis=None, keepdims=False):
    """Smallest value of `x` over `axis` (`min` without `initial`)."""
    return current().numpy.min(x, axis, keepdims, None)


@symbolic(_bool_spec)
def all(x, axis=None, keepdims=False):
    """Whether every element of `x` over `axis` is nonzero.

    Example:
    >>> kappa.ops.all([[True, False], [True, True]], axis=1)  # [False, True]
    """
    return current().numpy.all(x, axis, keepdims)


@symbolic(_bool_spec)
def any(x, axis=None, keepdims=False):
    """Whether some element of `x` over `axis` is nonzero.

    Example:
    >>> kappa.ops.any([[0, 0], [0, 3]], axis=1)  # [False, True]
    """
    return current().numpy.any(x, axis, keepdims)


@symbolic(_arg_spec)
def argmax(x, axis=None, keepdims=False):
    """Index (int32) of the largest value along the int `axis`; of the flattened `x` when None.

    The first index wins ties. With `axis=None` and `keepdims=True` the result has
    x's rank with every dimension 1.

    Example:
    >>> kappa.ops.argmax([[1, 5], [3, 4]], axis=1)  # [1, 1], int32
    """
    return current().numpy.argmax(x, axis, keepdims)


@symbolic(_arg_spec)
def argmin(x, axis=None, keepdims=False):
    """Index (int32) of the smallest value along the int `axis`; of the flattened `x` when None.

    Example:
    >>> kappa.ops.argmin([[1, 5], [3, 4]], axis=0)  # [0, 1], int32
    """
    return current().numpy.argmin(x, axis, keepdims)


@symbolic(_count_nonzero_spec)
def count_nonzero(x, axis=None):
    """Number (int32) of nonzero elements of `x` over `axis`.

    Example:
    >>> kappa.ops.count_nonzero([[0, 1], [2, 3]], axis=1)  # [1, 2], int32
    """
    return current().numpy.count_nonzero(x, axis)


@symbolic(_ptp_spec)
def ptp(x, axis=None, keepdims=False):
    """Range of `x` over `axis`: `max - min`, in x's dtype (integers wrap as in NumPy).

    Example:
    >>> kappa.ops.ptp([[1, 5], [3, 4]], axis=1)  # [4, 1]
    """
    return current().numpy.ptp(x, axis, keepdims)


# -- statistics -------------------------------------------------------------
@symbolic(_statistic_spec)
def std(x, axis=None, keepdims=False):
    """Population standard deviation (divisor N) of `x` over `axis`.

    Example:
    >>> kappa.ops.std([1.0, 2.0, 3.0, 4.0])  # 1.118034
    """
    return current().numpy.std(x, axis, keepdims)


@symbolic(_statistic_spec)
def var(x, axis=None, keepdims=False):
    """Population variance (divisor N) of `x` over `axis`.

    Example:
    >>> kappa.ops.var([1.0, 2.0, 3.0, 4.0])  # 1.25
    """
    return current().numpy.var(x, axis, keepdims)


@symbolic(_statistic_spec)
def median(x, axis=None, keepdims=False):
    """Median of `x` over `axis` (the mean of the two middle values for even counts).

    Example:
    >>> kappa.ops.median([[1, 5, 2], [3, 4, 9]], axis=1)  # [2.0, 4.0]
    """
    return current().numpy.median(x, axis, keepdims)


@symbolic(_quantile_spec)
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantiles (q in [0, 1]) of `x` over `axis`.

    Args:
        x: input tensor.
        q: a quantile or a tensor of them; the result's leading dimensions are q's shape.
        axis: axes to take quantiles over; None for all.
        method: between two data points i < j: "linear" (NumPy's default), "lower" (i),
            "higher" (j), "midpoint" ((i + j) / 2) or "nearest" (ties to the even index).
        keepdims: keep reduced axes with length 1.

    Example:
    >>> kappa.ops.quantile([1.0, 2.0, 3.0, 4.0], [0.25, 0.5])  # [1.75, 2.5]
    """
    rules.check_quantile_method(method)
    _check_q(q, 1)
    return current().numpy.quantile(x, q, axis, method, keepdims)


@symbolic(_quantile_spec)
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentiles (q in [0, 100]) of `x` over `axis`; see `quantile`.

    Example:
    >>> kappa.ops.percentile([1.0, 2.0, 3.0, 4.0], 50)  # 2.5
    """
    rules.check_quantile_method(method)
    _check_q(q, 100)
    return current().numpy.percentile(x, q, axis, method, keepdims)


@symbolic(_average_spec)
def average(x, axis=None, weights=None):
    """Weighted mean of `x` over `axis`: `sum(x * weights) / sum(weights)`.

    Args:
        x: input tensor.
        axis: axes to average over; None for all.
        weights: None (equal weights), a tensor of x's shape, or a 1-D tensor of
            `x.shape[axis]` weights along an int `axis`.

    Example:
    >>> kappa.ops.average([1.0, 2.0, 4.0], weights=[1.0, 1.0, 2.0])  # 2.75
    """
    return current().numpy.average(x, axis, weights)


@symbolic(_corrcoef_spec)
def corrcoef(x):
    """Pearson correlation coefficients of the rows of `x` (variables in rows, observations in columns).

    A 2-D `x` of shape (n, m) gives an (n, n) matrix; a 1-D `x` gives 1.

    Example:
    >>> kappa.ops.corrcoef([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])  # [[1, -1], [-1, 1]]
    """
    return current().numpy.corrcoef(x)


@symbolic(_trapezoid_spec)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of `y` along `axis` by the trapezoidal rule.

    Args:
        y: values to integrate.
        x: sample points, 1-D along `axis` or broadcastable to `y`; None for points `dx` apart.
        dx: spacing of the points when `x` is None.
        axis: the axis to integrate along.

    Example:
    >>> kappa.ops.trapezoid([1.0, 2.0, 3.0])  # 4.0
    """
    return current().numpy.trapezoid(y, x, dx, axis)


# -- cumulative ops -----------------------------------------------------------
@symbolic(_cumulative_spec)
def cumsum(x, axis=None, dtype=None):
    """Running sum of `x` along the int `axis`; of the flattened `x` when None.

    Bools sum in int32; `dtype` picks the dtype to sum in and return.

    Example:
    >>> kappa.ops.cumsum([[1, 2], [3, 4]])  # [1, 3, 6, 10]
    """
    return current().numpy.cumsum(x, axis, dtype)


@symbolic(_cumulative_spec)
def cumprod(x, axis=None, dtype=None):
    """Running product of `x` along the int `axis`; of the flattened `x` when None.

    Example:
    >>> kappa.ops.cumprod([[1, 2], [3, 4]], axis=1)  # [[1, 2], [3, 12]]
    """
    return current().numpy.cumprod(x, axis, dtype)


# -- nan-aware ops (NaNs are skipped; integers behave as in the plain op) ------
@symbolic(_sum_spec)
def nansum(x, axis=None, keepdims=False):
    """`sum` treating NaNs as zero."""
    return current().numpy.nansum(x, axis, keepdims)


@symbolic(_sum_spec)
def nanprod(x, axis=None, keepdims=False):
    """`prod` treating NaNs as one."""
    return current().numpy.nanprod(x, axis, keepdims)


@symbolic(_statistic_spec)
def nanmean(x, axis=None, keepdims=False):
    """`mean` of the non-NaN values; NaN for a slice with none.

    Example:
    >>> kappa.ops.nanmean([1.0, float("nan"), 3.0])  # 2.0
    """
    return current().numpy.nanmean(x, axis, keepdims)


@symbolic(_statistic_spec)
def nanstd(x, axis=None, keepdims=False):
    """`std` of the non-NaN values."""
    return current().numpy.nanstd(x, axis, keepdims)


@symbolic(_statistic_spec)
def nanvar(x, axis=None, keepdims=False):
    """`var` of the non-NaN values."""
    return current().numpy.nanvar(x, axis, keepdims)


@symbolic(_same_dtype_spec)
def nanmax(x, axis=None, keepdims=False):
    """`max` of the non-NaN values; NaN for a slice with none."""
    return current().numpy.nanmax(x, axis, keepdims)


@symbolic(_same_dtype_spec)
def nanmin(x, axis=None, keepdims=False):
    """`min` of the non-NaN values; NaN for a slice with none."""
    return current().numpy.nanmin(x, axis, keepdims)


@symbolic(_arg_spec)
def nanargmax(x, axis=None, keepdims=False):
    """`argmax` ignoring NaNs; -1 for a slice of NaNs only."""
    return current().numpy.nanargmax(x, axis, keepdims)


@symbolic(_arg_spec)
def nanargmin(x, axis=None, keepdims=False):
    """`argmin` ignoring NaNs; -1 for a slice of NaNs only."""
    return current().numpy.nanargmin(x, axis, keepdims)


@symbolic(_statistic_spec)
def nanmedian(x, axis=None, keepdims=False):
    """`median` of the non-NaN values; NaN for a slice with none."""
    return current().numpy.nanmedian(x, axis, keepdims)


@symbolic(_quantile_spec)
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """`quantile` of the non-NaN values; NaN for a slice with none."""
    rules.check_quantile_method(method)
    _check_q(q, 1)
    return current().numpy.nanquantile(x, q, axis, method, keepdims)


@symbolic(_quantile_spec)
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """`percentile` of the non-NaN values; NaN for a slice with none."""
    rules.check_quantile_method(method)
    _check_q(q, 100)
    return current().numpy.nanpercentile(x, q, axis, method, keepdims)


@symbolic(_cumulative_spec)
def nancumsum(x, axis=None, dtype=None):
    """`cumsum` treating NaNs as zero."""
    return current().numpy.nancumsum(x, axis, dtype)


@symbolic(_cumulative_spec)
def nancumprod(x, axis=None, dtype=None):
    """`cumprod` treating NaNs as one."""
    return current().numpy.nancumprod(x, axis, dtype)

