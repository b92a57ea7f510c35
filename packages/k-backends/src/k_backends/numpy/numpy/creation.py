"""Tensor creation and window functions on NumPy."""

import numpy as np

from k_backends import config
from k_backends.numpy.core import convert_to_tensor, to_numpy_dtype
from k_backends.rules import creation as rules

__all__ = [
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
    "array", "copy", "arange", "linspace", "logspace", "geomspace", "eye", "tri", "tril", "triu",
    "diag", "diagflat", "meshgrid", "vander", "bartlett", "blackman", "hamming", "hanning", "kaiser",
]

_PY_VALUES = (list, tuple, bool, int, float, complex)


def _dtype(dtype):
    return to_numpy_dtype(rules.creation_dtype(dtype))


def zeros(shape, dtype=None):
    return np.zeros(shape, _dtype(dtype))


def ones(shape, dtype=None):
    return np.ones(shape, _dtype(dtype))


def empty(shape, dtype=None):
    return np.empty(shape, _dtype(dtype))


def full(shape, fill_value, dtype=None):
    dtype = rules.creation_dtype(dtype)
    return np.full(shape, convert_to_tensor(fill_value, dtype), to_numpy_dtype(dtype))


def _like(x, dtype):
    """`x` as an array (Python values converted with kappa's default dtypes) and the output dtype."""
    if not isinstance(x, (np.ndarray, np.generic)):
        x = convert_to_tensor(x)
    return x, to_numpy_dtype(rules.like_dtype(x, dtype))


def zeros_like(x, dtype=None):
    x, dtype = _like(x, dtype)
    return np.zeros(x.shape, dtype)


def ones_like(x, dtype=None):
    x, dtype = _like(x, dtype)
    return np.ones(x.shape, dtype)


def empty_like(x, dtype=None):
    x, dtype = _like(x, dtype)
    return np.empty(x.shape, dtype)


def full_like(x, fill_value, dtype=None):
    x, dtype = _like(x, dtype)
    return full(x.shape, fill_value, dtype)


def array(x, dtype=None):
    out = convert_to_tensor(x, None if dtype is None else rules.creation_dtype(dtype))
    if isinstance(x, _PY_VALUES):
        return out  # already a new array
    return np.array(out, copy=True)


def copy(x):
    return array(x)


def arange(start, stop=None, step=None, dtype=None):
    start, step, length, dtype = rules.arange_plan(start, stop, step, dtype)
    if isinstance(start, int) and isinstance(step, int) and dtype.startswith(("int", "uint")):
        return np.arange(start, start + step * length, step, dtype=dtype)
    compute = "float64" if dtype == "float64" or not dtype.startswith(("float", "bfloat")) else "float32"
    values = start + step * np.arange(length, dtype=compute)
    return values.astype(to_numpy_dtype(dtype))


def _spaced(start, stop, num, endpoint, dtype, axis, op):
    """`linspace`'s samples in a float compute dtype, with the step; the caller casts."""
    num = rules.num_arg(num, op)
    axis = rules.spaced_axis(axis, max(np.ndim(start), np.ndim(stop)), op)
    compute = rules.spaced_compute_dtype(start, stop, dtype)
    start = convert_to_tensor(start, compute)
    stop = convert_to_tensor(stop, compute)
    samples, step = np.linspace(start, stop, num, endpoint=endpoint, retstep=True, axis=axis)
    return samples, np.asarray(step, dtype=compute)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    dtype = rules.spaced_dtype(start, stop, dtype)
    samples, step = _spaced(start, stop, num, endpoint, dtype, axis, "linspace")
    if not (dtype.startswith(("float", "bfloat", "complex"))):
        samples = np.floor(samples)
    samples = samples.astype(to_numpy_dtype(dtype))
    if retstep:
        return samples, step.astype(to_numpy_dtype(rules.step_dtype(dtype)))
    return samples


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    dtype = rules.spaced_dtype(start, stop, dtype)
    samples, _ = _spaced(start, stop, num, endpoint, dtype, axis, "logspace")
    return np.power(np.asarray(base, samples.dtype), samples).astype(to_numpy_dtype(dtype))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    rules.check_geomspace_ends(start, stop)
    dtype = rules.spaced_dtype(start, stop, dtype)
    rules.num_arg(num, "geomspace")
    axis = rules.spaced_axis(axis, max(np.ndim(start), np.ndim(stop)), "geomspace")
    compute = rules.spaced_compute_dtype(start, stop, dtype)
    start = convert_to_tensor(start, compute)
    stop = convert_to_tensor(stop, compute)
    out = np.geomspace(start, stop, num, endpoint=endpoint, axis=axis)
    return out.astype(to_numpy_dtype(dtype))


def eye(N, M=None, k=0, dtype=None):
    N, M, k = rules.eye_args(N, M, k, "eye")
    return np.eye(N, M, k, dtype=_dtype(dtype))


def tri(N, M=None, k=0, dtype=None):
    N, M, k = rules.eye_args(N, M, k, "tri")
    return np.tri(N, M, k, dtype=_dtype(dtype))


def tril(x, k=0):
    x = convert_to_tensor(x)
    rules.check_triangular(x.shape, k, "tril")
    return np.tril(x, k)


def triu(x, k=0):
    x = convert_to_tensor(x)
    rules.check_triangular(x.shape, k, "triu")
    return np.triu(x, k)


def diag(x, k=0):
    x = convert_to_tensor(x)
    rules.diag_shape(x.shape, k, "diag")
    return np.diag(x, k)


def diagflat(x, k=0):
    return np.diagflat(convert_to_tensor(x), rules.int_arg(k, "k", "diagflat"))


def meshgrid(*x, indexing="xy"):
    indexing = rules.meshgrid_indexing(indexing, "meshgrid")
    return list(np.meshgrid(*(convert_to_tensor(v).reshape(-1) for v in x), indexing=indexing))


def vander(x, N=None, increasing=False):
    x = convert_to_tensor(x)
    _, N = rules.vander_shape(x.shape, N, "vander")
    powers = np.arange(N) if increasing else np.arange(N - 1, -1, -1)
    if x.dtype == np.bool_:
        return np.power(x[:, None].astype("int32"), powers).astype(np.bool_)
    return np.power(x[:, None], powers.astype(x.dtype))


def _window(np_window, op):
    def window(x):
        return np_window(rules.window_length(x, op)).astype(to_numpy_dtype(config.floatx()))
    window.__name__ = op
    return window


bartlett = _window(np.bartlett, "bartlett")
blackman = _window(np.blackman, "blackman")
hamming = _window(np.hamming, "hamming")
hanning = _window(np.hanning, "hanning")


def kaiser(x, beta):
    return np.kaiser(rules.window_length(x, "kaiser"), beta).astype(to_numpy_dtype(config.floatx()))
