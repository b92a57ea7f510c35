"""Reductions, cumulative, nan-aware and statistical ops on NumPy.

NumPy widens integer sums to int64 and float16 means to float32 on its own
terms; every op here passes the dtype kappa's rules give
(`k_backends.rules.reductions`). float16 and bfloat16 accumulate in float32
and are cast back, so their sums agree with the other backends.
"""

import warnings

import numpy as np

from k_backends import config
from k_backends.dtypes import standardize_dtype
from k_backends.inference import promoted
from k_backends.numpy.core import NUMPY_DTYPES, convert_to_tensor, to_numpy_dtype
from k_backends.rules import reductions as rules

__all__ = [
    "sum", "prod", "mean", "max", "min", "all", "any", "argmax", "argmin", "count_nonzero", "ptp",
    "std", "var", "median", "quantile", "percentile", "average", "corrcoef", "trapezoid",
    "cumsum", "cumprod", "nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmax", "nanmin",
    "nanargmax", "nanargmin", "nanmedian", "nanquantile", "nanpercentile", "nancumsum", "nancumprod",
]

_FLOAT32 = np.dtype("float32")
_HALF = ("float16", "bfloat16")


def _dtype(dtype):
    return np.dtype(to_numpy_dtype(dtype))


def _name(x):
    # standardize_dtype is a cached lookup; NumPy computes `dtype.name` in Python (microseconds).
    return standardize_dtype(x.dtype)


def _with_compute(out):
    """(compute dtype, output dtype) for an `out` dtype name: halves accumulate in float32."""
    return _FLOAT32 if out in _HALF else _dtype(out), _dtype(out)


# (compute, output) dtypes of sums and products, keyed by the input's NumPy dtype.
_SUM_DTYPES = {_dtype(name): _with_compute(rules.sum_dtype(name)) for name in (
    "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128") if name in NUMPY_DTYPES}
_STATISTIC_DTYPES = {}


def _axis(axis):
    return tuple(axis) if type(axis) is list else axis


def _result(value, dtype=None):
    # NumPy reductions return NumPy scalars for 0-d results; kappa's tensors are arrays.
    value = np.asarray(value)
    return value if dtype is None or value.dtype == dtype else value.astype(dtype)


def _statistic_dtypes(x):
    """(compute dtype, output dtype) of a statistic of x: float32 at least, float64 kept."""
    key = (x.dtype, config.floatx())
    found = _STATISTIC_DTYPES.get(key)
    if found is None:
        out = rules.statistic_dtype(_name(x))
        found = _STATISTIC_DTYPES[key] = (_dtype(rules.accumulation_dtype(out)), _dtype(out))
    return found


def _quietly(func, *args, **kwargs):
    # NumPy warns about empty and all-NaN slices; kappa returns NaN there, as documented.
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return func(*args, **kwargs)


# -- reductions -------------------------------------------------------------
# The ufuncs' own reduce: np.sum and friends add microseconds of Python around it.
def sum(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    compute, out = _SUM_DTYPES[x.dtype]
    return _result(np.add.reduce(x, axis=_axis(axis), dtype=compute, keepdims=keepdims), out)


def prod(x, axis=None, keepdims=False, dtype=None):
    x = convert_to_tensor(x)
    compute, out = _SUM_DTYPES[x.dtype] if dtype is None else _with_compute(standardize_dtype(dtype))
    return _result(np.multiply.reduce(x, axis=_axis(axis), dtype=compute, keepdims=keepdims), out)


def _nan_summation(np_func):
    def op(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        compute, out = _SUM_DTYPES[x.dtype]
        # Converted up front: NumPy's nan functions do not see NaNs in ml_dtypes' bfloat16.
        return _result(np_func(x.astype(compute), axis=_axis(axis), keepdims=keepdims), out)
    op.__name__ = np_func.__name__
    return op


nansum = _nan_summation(np.nansum)
nanprod = _nan_summation(np.nanprod)


def mean(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    compute, out = _statistic_dtypes(x)
    if x.size == 0:
        return _result(_quietly(np.mean, x, axis=_axis(axis), keepdims=keepdims, dtype=compute), out)
    return _result(np.mean(x, axis=_axis(axis), keepdims=keepdims, dtype=compute), out)


def _extreme(ufunc, np_func, name):
    def op(x, axis=None, keepdims=False, initial=None):
        x = convert_to_tensor(x)
        if initial is None:
            if x.size == 0:
                rules.check_nonempty(name, x.shape, axis)
            return _result(ufunc.reduce(x, axis=_axis(axis), keepdims=keepdims))
        initial = np.asarray(initial).astype(x.dtype)
        return _result(np_func(x, axis=_axis(axis), keepdims=keepdims, initial=initial))
    op.__name__ = name
    return op


max = _extreme(np.maximum, np.max, "max")
min = _extreme(np.minimum, np.min, "min")


def all(x, axis=None, keepdims=False):
    return _result(np.all(convert_to_tensor(x), axis=_axis(axis), keepdims=keepdims))


def any(x, axis=None, keepdims=False):
    return _result(np.any(convert_to_tensor(x), axis=_axis(axis), keepdims=keepdims))


def _index(np_func, name):
    def op(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        axis = rules.single_axis(axis, x.ndim)
        if x.size == 0:
            rules.check_nonempty(name, x.shape, axis)
        return _result(np_func(x, axis=axis, keepdims=keepdims), np.int32)
    op.__name__ = name
    return op


argmax = _index(np.argmax, "argmax")
argmin = _index(np.argmin, "argmin")


def count_nonzero(x, axis=None):
    x = convert_to_tensor(x)
    return _result(np.count_nonzero(x, axis=_axis(axis)), np.int32)


def ptp(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    rules.check_subtractable("ptp", _name(x))
    if x.size == 0:
        rules.check_nonempty("ptp", x.shape, axis)
    return _result(np.ptp(x, axis=_axis(axis), keepdims=keepdims), x.dtype)


# -- statistics -------------------------------------------------------------
def _spread(np_func):
    def op(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        compute, out = _statistic_dtypes(x)
        return _result(_quietly(np_func, x.astype(compute), axis=_axis(axis), keepdims=keepdims), out)
    op.__name__ = np_func.__name__
    return op


std = _spread(np.std)
var = _spread(np.var)
nanmean = _spread(np.nanmean)
nanstd = _spread(np.nanstd)
nanvar = _spread(np.nanvar)


def _quantile(name, np_func, x, q, axis, method, keepdims):
    """A quantile-like op, computed in float64 (NumPy's own choice for ints) and cast back."""
    x = convert_to_tensor(x)
    if x.size == 0:
        rules.check_nonempty(name, x.shape, axis)
    out = _statistic_dtypes(x)[1]
    q = np.asarray(q, dtype="float64")
    result = _quietly(np_func, x.astype("float64"), q, axis=_axis(axis), method=method, keepdims=keepdims)
    return _result(result, out)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile("quantile", np.quantile, x, q, axis, method, keepdims)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile("percentile", np.quantile, x, np.asarray(q) / 100, axis, method, keepdims)


def median(x, axis=None, keepdims=False):
    return _quantile("median", np.quantile, x, 0.5, axis, "linear", keepdims)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile("nanquantile", np.nanquantile, x, q, axis, method, keepdims)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile("nanpercentile", np.nanquantile, x, np.asarray(q) / 100, axis, method, keepdims)


def nanmedian(x, axis=None, keepdims=False):
    return _quantile("nanmedian", np.nanquantile, x, 0.5, axis, "linear", keepdims)


def average(x, axis=None, weights=None):
    x = convert_to_tensor(x)
    if weights is None:
        compute, out = _statistic_dtypes(x)
        return _result(_quietly(np.mean, x, axis=_axis(axis), dtype=compute), out)
    weights = convert_to_tensor(weights)
    rules.check_average_weights(x.shape, weights.shape, axis)
    out = _dtype(promoted(x, weights, float))
    compute = _dtype(rules.accumulation_dtype(standardize_dtype(out)))
    x, weights = x.astype(compute), weights.astype(compute)
    if weights.shape != x.shape:
        axis = rules.single_axis(axis, x.ndim)
        weights = weights.reshape((-1,) + (1,) * (x.ndim - 1 - axis))
    # Weights summing to zero give NaN or inf, as on the other backends (NumPy would raise).
    total = _quietly(np.divide, np.sum(x * weights, axis=_axis(axis)),
                     np.sum(np.broadcast_to(weights, x.shape), axis=_axis(axis)))
    return _result(total, out)


def corrcoef(x):
    x = convert_to_tensor(x)
    rules.check_corrcoef_rank(x.shape)
    out = _dtype(rules.corrcoef_dtype(_name(x)))
    compute = _dtype(rules.accumulation_dtype(standardize_dtype(out)))
    return _result(_quietly(np.corrcoef, x.astype(compute)), out)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = convert_to_tensor(y)
    out = _dtype(promoted(*[v for v in (y, x, dx) if v is not None], float))
    compute = _dtype(rules.accumulation_dtype(standardize_dtype(out)))
    if x is not None:
        x = convert_to_tensor(x).astype(compute)
    if not isinstance(dx, (int, float)):
        dx = convert_to_tensor(dx).astype(compute)
    return _result(np.trapezoid(y.astype(compute), x=x, dx=dx, axis=axis), out)


# -- cumulative ops ---------------------------------------------------------
def _cumulative(np_func):
    def op(x, axis=None, dtype=None):
        x = convert_to_tensor(x)
        out = rules.cumulative_dtype(_name(x)) if dtype is None else standardize_dtype(dtype)
        if axis is None:
            x = x.reshape(-1)
        else:
            axis = rules.single_axis(axis, x.ndim)
        if _name(x) == "bfloat16":
            x = x.astype(_FLOAT32)  # NumPy's nan functions do not see NaNs in ml_dtypes' bfloat16
        compute, out = _with_compute(out)
        return _result(np_func(x, axis=axis, dtype=compute), out)
    op.__name__ = np_func.__name__
    return op


cumsum = _cumulative(np.cumsum)
cumprod = _cumulative(np.cumprod)
nancumsum = _cumulative(np.nancumsum)
nancumprod = _cumulative(np.nancumprod)


# -- nan-aware extremes -------------------------------------------------------
def _nan_extreme(np_func, name):
    def op(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        if x.size == 0:
            rules.check_nonempty(name, x.shape, axis)
        # ml_dtypes' bfloat16 has no fmax/fmin loops; float32 holds every bfloat16 exactly.
        values = x.astype(_FLOAT32) if _name(x) == "bfloat16" else x
        return _result(_quietly(np_func, values, axis=_axis(axis), keepdims=keepdims), x.dtype)
    op.__name__ = name
    return op


nanmax = _nan_extreme(np.nanmax, "nanmax")
nanmin = _nan_extreme(np.nanmin, "nanmin")


def _nan_index(np_func, fill, name):
    """argmax/argmin over the non-NaN values (NaNs replaced by `fill`); -1 where all are NaN."""
    def op(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        axis = rules.single_axis(axis, x.ndim)
        if x.size == 0:
            rules.check_nonempty(name, x.shape, axis)
        if _name(x) not in ("float16", "bfloat16", "float32", "float64"):
            return _result(np_func(x, axis=axis, keepdims=keepdims), np.int32)
        is_nan = np.isnan(x)
        index = np_func(np.where(is_nan, np.asarray(fill, x.dtype), x), axis=axis, keepdims=keepdims)
        return _result(np.where(is_nan.all(axis=axis, keepdims=keepdims), -1, index), np.int32)
    op.__name__ = name
    return op


nanargmax = _nan_index(np.argmax, -np.inf, "nanargmax")
nanargmin = _nan_index(np.argmin, np.inf, "nanargmin")
