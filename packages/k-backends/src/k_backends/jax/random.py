"""Random draws on JAX from a seed pair (see k_backends.seed).

JAX has no global generator state, so there is no `set_framework_seed`.
"""

import jax

from k_backends import dtypes
from k_backends.jax.core import _jnp_dtype, convert_to_tensor


def _key(seed):
    # wrap_key_data takes traced data too, so draws work inside jax.jit.
    return jax.random.wrap_key_data(convert_to_tensor(seed, "uint32"), impl="threefry2x32")


def _draw_dtype(dtype):
    # Draw float16/bfloat16 in float32 and cast: their few mantissa bits make poor draws.
    return _jnp_dtype(dtypes.result_type(dtype, "float32"))


def normal(shape, mean, stddev, dtype, seed):
    draws = jax.random.normal(_key(seed), tuple(shape), _draw_dtype(dtype))
    return (draws * stddev + mean).astype(_jnp_dtype(dtype))


def uniform(shape, minval, maxval, dtype, seed):
    draws = jax.random.uniform(_key(seed), tuple(shape), _draw_dtype(dtype), minval, maxval)
    return draws.astype(_jnp_dtype(dtype))


def randint(shape, minval, maxval, dtype, seed):
    return jax.random.randint(_key(seed), tuple(shape), minval, maxval, _jnp_dtype(dtype))


def truncated_normal(shape, mean, stddev, dtype, seed):
    draws = jax.random.truncated_normal(_key(seed), -2.0, 2.0, tuple(shape), _draw_dtype(dtype))
    return (draws * stddev + mean).astype(_jnp_dtype(dtype))
