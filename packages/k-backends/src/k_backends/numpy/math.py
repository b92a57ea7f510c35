"""Math ops beyond NumPy on NumPy: FFTs, segment reductions, top-k, special functions.

NumPy has no error function, and SciPy is not a dependency, so `erf`, `erfc`
and `erfinv` are computed here in float64 from series, a continued fraction
and Halley's method, all accurate to a few ulps of float64.
"""

import numpy as np

from k_backends import dtypes
from k_backends.inference import float_dtype, promoted
from k_backends.numpy.core import convert_to_tensor, to_numpy_dtype
from k_backends.rules import math as rules

__all__ = [
    "logsumexp", "erf", "erfc", "erfinv", "rsqrt", "top_k",
    "segment_sum", "segment_max", "segment_min", "segment_prod",
    "fft", "fft2", "ifft2", "rfft", "irfft", "view_as_complex", "view_as_real",
]

_TWO_OVER_SQRT_PI = 2.0 / np.sqrt(np.pi)
# Below this |x| the series converges in _SERIES_TERMS terms; above it the continued fraction does.
_SERIES_LIMIT = 2.0
_SERIES_TERMS = 60
_FRACTION_DEPTH = 60


def _as_float(x):
    """`x` as an array of its float result dtype, and that dtype."""
    x = convert_to_tensor(x)
    dtype = float_dtype(x.dtype)
    return x.astype(np.float64), dtype


def _cast(x, dtype):
    return np.asarray(x).astype(to_numpy_dtype(dtype))


def _erf_series(x):
    # erf(x) = 2/sqrt(pi) exp(-x^2) sum_n (2x^2)^n x / (1*3*...*(2n+1)): all terms positive, no cancellation.
    term = x.copy()
    total = x.copy()
    twice_square = 2.0 * x * x
    for n in range(1, _SERIES_TERMS):
        term = term * twice_square / (2 * n + 1)
        total = total + term
    return _TWO_OVER_SQRT_PI * np.exp(-x * x) * total


def _erfc_fraction(x):
    # erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) for x > 0,
    # evaluated from the bottom up.
    tail = x.copy()
    for n in range(_FRACTION_DEPTH, 0, -1):
        tail = x + (n / 2.0) / tail
    return np.exp(-x * x) / np.sqrt(np.pi) / tail


def _erf64(x):
    a = np.abs(x)
    small = a < _SERIES_LIMIT
    with np.errstate(all="ignore"):
        series = _erf_series(np.where(small, a, 0.0))
        fraction = 1.0 - _erfc_fraction(np.where(small, _SERIES_LIMIT, a))
    return np.sign(x) * np.where(small, series, fraction)


def _erfc64(x):
    a = np.abs(x)
    small = a < _SERIES_LIMIT
    with np.errstate(all="ignore"):
        positive = np.where(small, 1.0 - _erf_series(np.where(small, a, 0.0)),
                            _erfc_fraction(np.where(small, _SERIES_LIMIT, a)))
    return np.where(x < 0, 2.0 - positive, positive)


def erf(x):
    x, dtype = _as_float(x)
    return _cast(_erf64(x), dtype)


def erfc(x):
    x, dtype = _as_float(x)
    return _cast(_erfc64(x), dtype)


def erfinv(x):
    x, dtype = _as_float(x)
    with np.errstate(all="ignore"):
        # A closed-form guess good to ~2e-3 (Winitzki's), then Halley steps on erf(y) - x.
        a = 0.147
        log_term = np.log1p(-x * x)
        first = 2.0 / (np.pi * a) + log_term / 2.0
        y = np.sign(x) * np.sqrt(np.sqrt(first * first - log_term / a) - first)
        y = np.where(np.abs(x) < 1, y, 0.0)
        for _ in range(3):
            residual = _erf64(y) - x
            slope = _TWO_OVER_SQRT_PI * np.exp(-y * y)
            y = y - residual / (slope * (1.0 + y * residual))
    y = np.where(np.abs(x) == 1, np.copysign(np.inf, x), y)
    y = np.where(np.abs(x) > 1, np.nan, y)
    return _cast(y, dtype)


def rsqrt(x):
    x, dtype = _as_float(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _cast(1.0 / np.sqrt(x), dtype)


def _descending_key(x):
    """Values whose ascending order is `x`'s descending order (bools and unsigned ints widened first)."""
    if x.dtype == bool or np.issubdtype(x.dtype, np.unsignedinteger):
        return -x.astype(np.int64)
    if np.issubdtype(x.dtype, np.signedinteger):
        # -iinfo.min overflows; ~x reverses the order of two's-complement ints exactly.
        return ~x
    return -x.astype(np.float64)


def top_k(x, k, sorted=True):
    x = convert_to_tensor(x)
    k = rules.check_top_k(x.shape, k)
    # A stable sort keeps equal values in index order, as the other backends do.
    indices = np.argsort(_descending_key(x), axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, indices, axis=-1), indices.astype(np.int32)


def _segment_reduce(ufunc, identity):
    def op(data, segment_ids, num_segments=None, sorted=False):
        data = convert_to_tensor(data)
        ids = np.asarray(convert_to_tensor(segment_ids)).astype(np.int64)
        rules.check_segment_ids(data.shape, ids.shape, num_segments)
        count = rules.segment_count(num_segments, ids.max(initial=-1))
        out = np.full((count,) + data.shape[1:], identity(data.dtype), dtype=data.dtype)
        kept = (ids >= 0) & (ids < count)
        ufunc.at(out, ids[kept], data[kept])
        return out
    return op


def _is_float(dtype):
    return dtypes.is_float_dtype(dtypes.standardize_dtype(dtype))  # bfloat16 is not np.inexact


def _lowest(dtype):
    if dtype == np.bool_:
        return False
    return -np.inf if _is_float(dtype) else np.iinfo(dtype).min


def _highest(dtype):
    if dtype == np.bool_:
        return True
    return np.inf if _is_float(dtype) else np.iinfo(dtype).max


segment_sum = _segment_reduce(np.add, lambda dtype: 0)
segment_max = _segment_reduce(np.maximum, _lowest)
segment_min = _segment_reduce(np.minimum, _highest)
segment_prod = _segment_reduce(np.multiply, lambda dtype: 1)


def _complex128(x, rank, op):
    """The (real, imag) pair `x` as one complex128 array, and the float dtype of the result."""
    rules.check_complex_pair(x, op)
    real, imag = convert_to_tensor(x[0]), convert_to_tensor(x[1])
    rules.check_pair_shapes(real.shape, imag.shape, rank, op)
    dtype = float_dtype(promoted(real, imag))
    return real.astype(np.float64) + 1j * imag.astype(np.float64), dtype


def _pair(c, dtype):
    return _cast(c.real, dtype), _cast(c.imag, dtype)


def fft(x):
    c, dtype = _complex128(x, 1, "fft")
    return _pair(np.fft.fft(c), dtype)


def fft2(x):
    c, dtype = _complex128(x, 2, "fft2")
    return _pair(np.fft.fft2(c), dtype)


def ifft2(x):
    c, dtype = _complex128(x, 2, "ifft2")
    return _pair(np.fft.ifft2(c), dtype)


def rfft(x, fft_length=None):
    x, dtype = _as_float(x)
    return _pair(np.fft.rfft(x, n=rules.rfft_length(x.shape[-1], fft_length)), dtype)


def irfft(x, fft_length=None):
    c, dtype = _complex128(x, 1, "irfft")
    return _cast(np.fft.irfft(c, n=rules.irfft_length(c.shape[-1], fft_length)), dtype)


def view_as_complex(x):
    x = convert_to_tensor(x)
    rules.check_last_dimension_is_two(x.shape)
    dtype = rules.complex_dtype_of(dtypes.standardize_dtype(x.dtype))
    parts = x.astype(np.float64 if dtype == "complex128" else np.float32)
    return (parts[..., 0] + 1j * parts[..., 1]).astype(dtype)


def view_as_real(x):
    x = convert_to_tensor(x)
    rules.real_dtype_of(dtypes.standardize_dtype(x.dtype))
    return np.stack([x.real, x.imag], axis=-1)


def logsumexp(x, axis=None, keepdims=False):
    x, dtype = _as_float(x)
    # Subtracting the (finite) maximum keeps exp() in range.
    peak = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros((1,) * x.ndim)
    peak = np.where(np.isfinite(peak), peak, 0.0)
    with np.errstate(divide="ignore"):
        total = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return _cast(total if keepdims else np.squeeze(total, axis=axis), dtype)
