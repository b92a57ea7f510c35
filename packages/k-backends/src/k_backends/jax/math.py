"""Math ops beyond NumPy on JAX: FFTs, segment reductions, top-k, special functions."""

import jax
import jax.numpy as jnp
from jax.scipy import special

from k_backends import dtypes
from k_backends.inference import float_dtype, promoted
from k_backends.jax.core import convert_to_tensor
from k_backends.rules import math as rules

__all__ = [
    "logsumexp", "erf", "erfc", "erfinv", "rsqrt", "top_k",
    "segment_sum", "segment_max", "segment_min", "segment_prod",
    "fft", "fft2", "ifft2", "rfft", "irfft", "view_as_complex", "view_as_real",
]


def _as_float(x):
    x = convert_to_tensor(x)
    return x.astype(float_dtype(x.dtype))


def erf(x):
    return special.erf(_as_float(x))


def erfc(x):
    return special.erfc(_as_float(x))


def erfinv(x):
    return special.erfinv(_as_float(x))


def rsqrt(x):
    return jax.lax.rsqrt(_as_float(x))


def top_k(x, k, sorted=True):
    x = convert_to_tensor(x)
    k = rules.check_top_k(x.shape, k)
    if x.dtype == jnp.bool_:
        # lax.top_k has no bool kernel; uint8 orders False < True the same way.
        values, indices = jax.lax.top_k(x.astype(jnp.uint8), k)
        return values.astype(jnp.bool_), indices.astype(jnp.int32)
    values, indices = jax.lax.top_k(x, k)
    return values, indices.astype(jnp.int32)


def _segment_reduce(jax_op):
    def op(data, segment_ids, num_segments=None, sorted=False):
        data = convert_to_tensor(data)
        ids = convert_to_tensor(segment_ids).astype(jnp.int32)
        rules.check_segment_ids(data.shape, ids.shape, num_segments)
        if num_segments is None:
            # The result's size depends on the ids' values here, so this path cannot be jitted.
            num_segments = rules.segment_count(None, jnp.max(ids, initial=-1))
        return jax_op(data, ids, num_segments=num_segments, indices_are_sorted=sorted)
    return op


segment_sum = _segment_reduce(jax.ops.segment_sum)
segment_max = _segment_reduce(jax.ops.segment_max)
segment_min = _segment_reduce(jax.ops.segment_min)
segment_prod = _segment_reduce(jax.ops.segment_prod)


def _complex(x, rank, op):
    """The (real, imag) pair `x` as one complex array, and the float dtype of the result."""
    rules.check_complex_pair(x, op)
    real, imag = convert_to_tensor(x[0]), convert_to_tensor(x[1])
    rules.check_pair_shapes(real.shape, imag.shape, rank, op)
    dtype = float_dtype(promoted(real, imag))
    compute = jnp.float64 if dtype == "float64" else jnp.float32  # halves have no complex type
    return jax.lax.complex(real.astype(compute), imag.astype(compute)), dtype


def _pair(c, dtype):
    return jnp.real(c).astype(dtype), jnp.imag(c).astype(dtype)


def fft(x):
    c, dtype = _complex(x, 1, "fft")
    return _pair(jnp.fft.fft(c), dtype)


def fft2(x):
    c, dtype = _complex(x, 2, "fft2")
    return _pair(jnp.fft.fft2(c), dtype)


def ifft2(x):
    c, dtype = _complex(x, 2, "ifft2")
    return _pair(jnp.fft.ifft2(c), dtype)


def rfft(x, fft_length=None):
    x = _as_float(x)
    dtype = x.dtype
    x = x if dtype == jnp.float64 else x.astype(jnp.float32)
    return _pair(jnp.fft.rfft(x, n=rules.rfft_length(x.shape[-1], fft_length)), dtype)


def irfft(x, fft_length=None):
    c, dtype = _complex(x, 1, "irfft")
    return jnp.fft.irfft(c, n=rules.irfft_length(c.shape[-1], fft_length)).astype(dtype)


def view_as_complex(x):
    x = convert_to_tensor(x)
    rules.check_last_dimension_is_two(x.shape)
    dtype = rules.complex_dtype_of(dtypes.standardize_dtype(x.dtype))
    parts = x.astype(jnp.float64 if dtype == "complex128" else jnp.float32)
    return jax.lax.complex(parts[..., 0], parts[..., 1])


def view_as_real(x):
    x = convert_to_tensor(x)
    rules.real_dtype_of(dtypes.standardize_dtype(x.dtype))
    return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)


# One compiled kernel instead of a chain of eager ops, each dispatched (and compiled) on its own.
_logsumexp = jax.jit(jax.nn.logsumexp, static_argnames=("axis", "keepdims"))


def logsumexp(x, axis=None, keepdims=False):
    axis = tuple(axis) if isinstance(axis, list) else axis
    return _logsumexp(_as_float(x), axis=axis, keepdims=keepdims)
