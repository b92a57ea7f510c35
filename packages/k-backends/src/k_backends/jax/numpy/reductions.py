"""Reductions, cumulative, nan-aware and statistical ops on JAX.

Each op passes the dtype kappa's rules give (`k_backends.rules.reductions`):
JAX, like NumPy, would otherwise sum int32 into int64 when x64 is on. float16
and bfloat16 accumulate in float32 and are cast back, which XLA fuses into the
reduction.
"""

import functools

import jax
import jax.numpy as jnp

from k_backends import config
from k_backends.dtypes import standardize_dtype
from k_backends.inference import promoted
from k_backends.jax.core import convert_to_tensor
from k_backends.rules import reductions as rules

__all__ = [
    "sum", "prod", "mean", "max", "min", "all", "any", "argmax", "argmin", "count_nonzero", "ptp",
    "std", "var", "median", "quantile", "percentile", "average", "corrcoef", "trapezoid",
    "cumsum", "cumprod", "nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmax", "nanmin",
    "nanargmax", "nanargmin", "nanmedian", "nanquantile", "nanpercentile", "nancumsum", "nancumprod",
]

_HALF = ("float16", "bfloat16")
_STATISTIC_DTYPES = {}


def _jit(*static):
    return functools.partial(jax.jit, static_argnames=static)


def _axis(axis):
    return tuple(axis) if type(axis) is list else axis


def _name(x):
    # standardize_dtype is a cached lookup; NumPy computes `dtype.name` in Python (microseconds).
    return standardize_dtype(x.dtype)


def _with_compute(out):
    """(compute dtype, output dtype) for an `out` dtype name: halves accumulate in float32."""
    return ("float32" if out in _HALF else out), out


# (compute, output) dtypes of sums and products, keyed by the input's dtype. Always explicit:
# JAX, like NumPy, sums int32 into int64 when x64 is on.
_SUM_DTYPES = {jnp.dtype(name): _with_compute(rules.sum_dtype(name)) for name in (
    "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128")}


def _statistic_dtypes(x):
    """(compute dtype, output dtype) of a statistic of x: float32 at least, float64 kept."""
    key = (x.dtype, config.floatx())
    found = _STATISTIC_DTYPES.get(key)
    if found is None:
        out = rules.statistic_dtype(_name(x))
        found = _STATISTIC_DTYPES[key] = (rules.accumulation_dtype(out), out)
    return found


def _cast(x, dtype):
    # Skipped when x already has it: even a no-op astype dispatches.
    return x if x.dtype == dtype else x.astype(dtype)


# -- reductions -------------------------------------------------------------
def _summation(jnp_func, x, axis, keepdims, dtypes):
    compute, out = dtypes
    return _cast(jnp_func(x, axis=_axis(axis), keepdims=keepdims, dtype=compute), out)


def sum(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    return _summation(jnp.sum, x, axis, keepdims, _SUM_DTYPES[x.dtype])


def nansum(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    return _summation(jnp.nansum, x, axis, keepdims, _SUM_DTYPES[x.dtype])


def nanprod(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    return _summation(jnp.nanprod, x, axis, keepdims, _SUM_DTYPES[x.dtype])


def prod(x, axis=None, keepdims=False, dtype=None):
    x = convert_to_tensor(x)
    dtypes = _SUM_DTYPES[x.dtype] if dtype is None else _with_compute(standardize_dtype(dtype))
    return _summation(jnp.prod, x, axis, keepdims, dtypes)


def _statistic(jnp_func, x, axis, keepdims):
    compute, out = _statistic_dtypes(x)
    return _cast(jnp_func(_cast(x, compute), axis=_axis(axis), keepdims=keepdims), out)


def mean(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    compute, out = _statistic_dtypes(x)
    # jnp.mean's dtype= sums in float32 without materializing a float32 copy of x.
    return _cast(jnp.mean(x, axis=_axis(axis), keepdims=keepdims, dtype=compute), out)


def std(x, axis=None, keepdims=False):
    return _statistic(jnp.std, convert_to_tensor(x), axis, keepdims)


def var(x, axis=None, keepdims=False):
    return _statistic(jnp.var, convert_to_tensor(x), axis, keepdims)


def nanmean(x, axis=None, keepdims=False):
    return _statistic(jnp.nanmean, convert_to_tensor(x), axis, keepdims)


def nanstd(x, axis=None, keepdims=False):
    return _statistic(jnp.nanstd, convert_to_tensor(x), axis, keepdims)


def nanvar(x, axis=None, keepdims=False):
    return _statistic(jnp.nanvar, convert_to_tensor(x), axis, keepdims)


def _extreme(jnp_func, name):
    def op(x, axis=None, keepdims=False, initial=None):
        x = convert_to_tensor(x)
        if initial is None:
            if x.size == 0:
                rules.check_nonempty(name, x.shape, axis)
            return jnp_func(x, axis=_axis(axis), keepdims=keepdims)
        return jnp_func(x, axis=_axis(axis), keepdims=keepdims, initial=jnp.asarray(initial, x.dtype))
    op.__name__ = name
    return op


max = _extreme(jnp.max, "max")
min = _extreme(jnp.min, "min")


def _nan_extreme(jnp_func, name):
    def op(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        if x.size == 0:
            rules.check_nonempty(name, x.shape, axis)
        return jnp_func(x, axis=_axis(axis), keepdims=keepdims)
    op.__name__ = name
    return op


nanmax = _nan_extreme(jnp.nanmax, "nanmax")
nanmin = _nan_extreme(jnp.nanmin, "nanmin")


def all(x, axis=None, keepdims=False):
    return jnp.all(convert_to_tensor(x), axis=_axis(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    return jnp.any(convert_to_tensor(x), axis=_axis(axis), keepdims=keepdims)


def ptp(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    rules.check_subtractable("ptp", _name(x))
    if x.size == 0:
        rules.check_nonempty("ptp", x.shape, axis)
    return jnp.ptp(x, axis=_axis(axis), keepdims=keepdims)


def _index(x, jnp_func, axis, keepdims):
    return jnp_func(x, axis=axis, keepdims=keepdims).astype(jnp.int32)


def _index_op(jnp_func, name):
    def op(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        axis = rules.single_axis(axis, x.ndim)
        if x.size == 0:
            rules.check_nonempty(name, x.shape, axis)
        return _index(x, jnp_func, axis, keepdims)
    op.__name__ = name
    return op


argmax = _index_op(jnp.argmax, "argmax")
argmin = _index_op(jnp.argmin, "argmin")
# JAX gives -1 for all-NaN slices, which is kappa's contract.
nanargmax = _index_op(jnp.nanargmax, "nanargmax")
nanargmin = _index_op(jnp.nanargmin, "nanargmin")


def _count_nonzero(x, axis):
    return jnp.count_nonzero(x, axis=axis).astype(jnp.int32)


def count_nonzero(x, axis=None):
    return _count_nonzero(convert_to_tensor(x), _axis(axis))


# -- quantiles --------------------------------------------------------------
def _quantile(name, x, q, axis, method, keepdims, skip_nan=False, scale=1):
    x = convert_to_tensor(x)
    if x.size == 0:
        rules.check_nonempty(name, x.shape, axis)
    compute, out = _statistic_dtypes(x)
    # Positions are computed in float64 as NumPy does: 50 / 100 * 59 must round to 30, not 29.
    q = convert_to_tensor(q, "float64")
    if scale != 1:
        q = q / scale
    return _sorted_quantile(x.astype(compute), q, rules.reduction_axes(axis, x.ndim), method,
                            keepdims, skip_nan).astype(out)


@_jit("axes", "method", "keepdims", "skip_nan")
def _sorted_quantile(x, q, axes, method, keepdims, skip_nan):
    """Quantiles of x over `axes` by sorting, as NumPy defines them (q's shape leads the result).

    Written out rather than jnp.quantile, whose "nearest" differs from NumPy on NaN-skipping slices.
    Jitted whole: eagerly, one compilation per signature costs less than one per primitive.
    """
    kept = [a for a in range(x.ndim) if a not in axes]
    kept_shape = tuple(x.shape[a] for a in kept)
    length = 1
    for a in axes:
        length *= x.shape[a]
    rows = jnp.transpose(x, kept + list(axes)).reshape(kept_shape + (length,))
    is_nan = jnp.isnan(rows)
    if skip_nan:
        # NaNs sort last as +inf; each slice's quantiles come from its own count of numbers.
        count = jnp.sum(~is_nan, axis=-1, keepdims=True)
        rows = jnp.where(is_nan, jnp.inf, rows)
    else:
        count = length
    rows = jnp.sort(rows, axis=-1)
    position = q.reshape(-1) * (count - 1)
    position = jnp.broadcast_to(position, kept_shape + position.shape[-1:])

    def take(index):
        return jnp.take_along_axis(rows, jnp.clip(index, 0, length - 1).astype(jnp.int32), axis=-1)

    if method == "nearest":
        value = take(jnp.round(position))  # half to even, as NumPy
    else:
        below, above = take(jnp.floor(position)), take(jnp.ceil(position))
        if method == "lower":
            value = below
        elif method == "higher":
            value = above
        elif method == "midpoint":
            value = (below + above) / 2
        else:
            value = below + (above - below) * (position - jnp.floor(position)).astype(x.dtype)
    empty = count == 0 if skip_nan else jnp.any(is_nan, axis=-1, keepdims=True)
    value = jnp.moveaxis(jnp.where(empty, jnp.nan, value), -1, 0)
    if keepdims:
        return value.reshape(q.shape + tuple(1 if a in axes else d for a, d in enumerate(x.shape)))
    return value.reshape(q.shape + kept_shape)


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


# -- average, corrcoef, trapezoid --------------------------------------------
def average(x, axis=None, weights=None):
    x = convert_to_tensor(x)
    if weights is None:
        return mean(x, axis)
    weights = convert_to_tensor(weights)
    rules.check_average_weights(x.shape, weights.shape, axis)
    if weights.shape != x.shape:
        axis = rules.single_axis(axis, x.ndim)
    return _weighted_average(x, weights, _axis(axis), promoted(x, weights, float))


def _weighted_average(x, weights, axis, out):
    compute = rules.accumulation_dtype(out)
    x, weights = x.astype(compute), weights.astype(compute)
    if weights.shape != x.shape:
        weights = weights.reshape((-1,) + (1,) * (x.ndim - 1 - axis))
    total = jnp.sum(x * weights, axis=axis)
    return (total / jnp.sum(jnp.broadcast_to(weights, x.shape), axis=axis)).astype(out)


def corrcoef(x):
    x = convert_to_tensor(x)
    rules.check_corrcoef_rank(x.shape)
    out = rules.corrcoef_dtype(_name(x))
    return jnp.corrcoef(x.astype(rules.accumulation_dtype(out))).astype(out)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = convert_to_tensor(y)
    out = promoted(*[v for v in (y, x, dx) if v is not None], float)
    if x is not None:
        x = convert_to_tensor(x)
    return _trapezoid(y, x, convert_to_tensor(dx, out), axis, out)


def _trapezoid(y, x, dx, axis, out):
    compute = rules.accumulation_dtype(out)
    x = None if x is None else x.astype(compute)
    return jnp.trapezoid(y.astype(compute), x=x, dx=dx.astype(compute), axis=axis).astype(out)


# -- cumulative ops ---------------------------------------------------------
def _cumulative(x, jnp_func, axis, out):
    if axis is None:
        x, axis = x.reshape(-1), 0
    compute, out = _with_compute(out)
    return _cast(jnp_func(x, axis=axis, dtype=compute), out)


def _cumulative_op(jnp_func):
    def op(x, axis=None, dtype=None):
        x = convert_to_tensor(x)
        out = rules.cumulative_dtype(_name(x)) if dtype is None else standardize_dtype(dtype)
        return _cumulative(x, jnp_func, rules.single_axis(axis, x.ndim), out)
    op.__name__ = jnp_func.__name__
    return op


cumsum = _cumulative_op(jnp.cumsum)
cumprod = _cumulative_op(jnp.cumprod)
nancumsum = _cumulative_op(jnp.nancumsum)
nancumprod = _cumulative_op(jnp.nancumprod)
