"""Tensor creation and window functions on JAX.

New arrays land on the device of the active `device_scope` (jax.default_device).
Masks and windows that depend only on static sizes are built on the host.
"""

import jax.numpy as jnp
import numpy as np

from k_backends import config
from k_backends.jax.core import convert_to_tensor, to_jax_dtype
from k_backends.rules import creation as rules

__all__ = [
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
    "array", "copy", "arange", "linspace", "logspace", "geomspace", "eye", "tri", "tril", "triu",
    "diag", "diagflat", "meshgrid", "vander", "bartlett", "blackman", "hamming", "hanning", "kaiser",
]

_INTEGER_PREFIXES = ("int", "uint", "bool")


def _dtype(dtype):
    return to_jax_dtype(rules.creation_dtype(dtype))


def zeros(shape, dtype=None):
    return jnp.zeros(shape, _dtype(dtype))


def ones(shape, dtype=None):
    return jnp.ones(shape, _dtype(dtype))


def empty(shape, dtype=None):
    # XLA has no uninitialized memory; jnp.empty is zeros.
    return jnp.zeros(shape, _dtype(dtype))


def full(shape, fill_value, dtype=None):
    dtype = rules.creation_dtype(dtype)
    return jnp.full(shape, convert_to_tensor(fill_value, dtype), to_jax_dtype(dtype))


def _like(x, dtype):
    """`x`'s shape and the output dtype (Python values get kappa's default dtypes)."""
    if not (hasattr(x, "shape") and hasattr(x, "dtype")):
        x = convert_to_tensor(x)
    return tuple(x.shape), to_jax_dtype(rules.like_dtype(x, dtype))


def zeros_like(x, dtype=None):
    return jnp.zeros(*_like(x, dtype))


def ones_like(x, dtype=None):
    return jnp.ones(*_like(x, dtype))


def empty_like(x, dtype=None):
    return jnp.zeros(*_like(x, dtype))


def full_like(x, fill_value, dtype=None):
    shape, dtype = _like(x, dtype)
    return full(shape, fill_value, dtype)


def array(x, dtype=None):
    dtype = None if dtype is None else rules.creation_dtype(dtype)
    if isinstance(x, np.ndarray):
        # A NumPy array may be aliased, not copied, by jnp.asarray on the CPU.
        return jnp.array(x, dtype=None if dtype is None else to_jax_dtype(dtype), copy=True)
    return convert_to_tensor(x, dtype)  # JAX arrays are immutable: sharing one is a copy


def copy(x):
    return array(x)


def arange(start, stop=None, step=None, dtype=None):
    start, step, length, dtype = rules.arange_plan(start, stop, step, dtype)
    if isinstance(start, int) and isinstance(step, int) and dtype.startswith(("int", "uint")):
        return jnp.arange(start, start + step * length, step, dtype=to_jax_dtype(dtype))
    compute = "float64" if dtype == "float64" or dtype.startswith(_INTEGER_PREFIXES) else "float32"
    return (start + step * jnp.arange(length, dtype=compute)).astype(to_jax_dtype(dtype))


def _spaced(start, stop, num, endpoint, dtype, axis, op):
    num = rules.num_arg(num, op)
    axis = rules.spaced_axis(axis, max(np.ndim(start), np.ndim(stop)), op)
    compute = rules.spaced_compute_dtype(start, stop, dtype)
    start, stop = convert_to_tensor(start, compute), convert_to_tensor(stop, compute)
    return jnp.linspace(start, stop, num, endpoint=endpoint, retstep=True, axis=axis)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    dtype = rules.spaced_dtype(start, stop, dtype)
    samples, step = _spaced(start, stop, num, endpoint, dtype, axis, "linspace")
    if dtype.startswith(_INTEGER_PREFIXES):
        samples = jnp.floor(samples)
    samples = samples.astype(to_jax_dtype(dtype))
    if retstep:
        return samples, jnp.asarray(step).astype(to_jax_dtype(rules.step_dtype(dtype)))
    return samples


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    dtype = rules.spaced_dtype(start, stop, dtype)
    samples, _ = _spaced(start, stop, num, endpoint, dtype, axis, "logspace")
    return jnp.power(jnp.asarray(base, samples.dtype), samples).astype(to_jax_dtype(dtype))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    rules.check_geomspace_ends(start, stop)
    dtype = rules.spaced_dtype(start, stop, dtype)
    num = rules.num_arg(num, "geomspace")
    axis = rules.spaced_axis(axis, max(np.ndim(start), np.ndim(stop)), "geomspace")
    compute = rules.spaced_compute_dtype(start, stop, dtype)
    start, stop = convert_to_tensor(start, compute), convert_to_tensor(stop, compute)
    out = jnp.geomspace(start, stop, num, endpoint=endpoint, axis=axis)
    return out.astype(to_jax_dtype(dtype))


def eye(N, M=None, k=0, dtype=None):
    N, M, k = rules.eye_args(N, M, k, "eye")
    return jnp.eye(N, M, k, dtype=_dtype(dtype))


def tri(N, M=None, k=0, dtype=None):
    N, M, k = rules.eye_args(N, M, k, "tri")
    return jnp.tri(N, M, k, dtype=_dtype(dtype))


def _triangle(x, k, lower, op):
    x = convert_to_tensor(x)
    rules.check_triangular(x.shape, k, op)
    k = rules.int_arg(k, "k", op)
    # The mask is a host constant (shapes are static in JAX): one select, compiled once per
    # shape and dtype rather than once per k as jnp.tril is.
    keep = np.tri(*x.shape[-2:], k=k if lower else k - 1, dtype=bool)
    return jnp.where(keep if lower else ~keep, x, np.zeros((), x.dtype))


def tril(x, k=0):
    return _triangle(x, k, True, "tril")


def triu(x, k=0):
    return _triangle(x, k, False, "triu")


def diag(x, k=0):
    x = convert_to_tensor(x)
    rules.diag_shape(x.shape, k, "diag")
    return jnp.diag(x, k)


def diagflat(x, k=0):
    # jnp.diagflat scatters, which compiles several times slower than jnp.diag's select.
    return jnp.diag(convert_to_tensor(x).reshape(-1), rules.int_arg(k, "k", "diagflat"))


def meshgrid(*x, indexing="xy"):
    indexing = rules.meshgrid_indexing(indexing, "meshgrid")
    return list(jnp.meshgrid(*(convert_to_tensor(v).reshape(-1) for v in x), indexing=indexing))


def vander(x, N=None, increasing=False):
    x = convert_to_tensor(x)
    _, N = rules.vander_shape(x.shape, N, "vander")
    powers = jnp.arange(N) if increasing else jnp.arange(N - 1, -1, -1)
    if x.dtype == jnp.bool_:
        return jnp.power(x[:, None].astype("int32"), powers).astype(jnp.bool_)
    return jnp.power(x[:, None], powers.astype(x.dtype))


# A window depends only on its (static) length, so it is computed on the host in float64 and
# placed as a constant: no XLA compilation per window length, and NumPy's exact values.
def _window(np_window, op):
    def window(x):
        values = np_window(rules.window_length(x, op))
        return jnp.asarray(values, to_jax_dtype(config.floatx()))
    window.__name__ = op
    return window


bartlett = _window(np.bartlett, "bartlett")
blackman = _window(np.blackman, "blackman")
hamming = _window(np.hamming, "hamming")
hanning = _window(np.hanning, "hanning")


def kaiser(x, beta):
    values = np.kaiser(rules.window_length(x, "kaiser"), float(beta))
    return jnp.asarray(values, to_jax_dtype(config.floatx()))
