"""Pooling on JAX (lax.reduce_window)."""

import math

import jax
import jax.numpy as jnp
import numpy as np

from k_backends.jax.core import convert_to_tensor, to_jax_dtype
from k_backends.rules import convolution as rules

__all__ = ["max_pool", "average_pool"]


def _window(x, pool_size, strides, data_format):
    """Full-rank window dimensions and strides (1 over batch and channels)."""
    if data_format == "channels_last":
        return (1, *pool_size, 1), (1, *strides, 1)
    return (1, 1, *pool_size), (1, 1, *strides)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    x = convert_to_tensor(inputs)
    pool_size, strides, padding, data_format = rules.pool_arguments(
        x.shape, pool_size, strides, padding, data_format)
    window, steps = _window(x, pool_size, strides, data_format)
    if x.dtype == jnp.bool_:
        init = False
    elif jnp.issubdtype(x.dtype, jnp.integer):
        init = jnp.iinfo(x.dtype).min
    else:
        init = -jnp.inf
    # A NumPy (concrete) init value lets jax recognise the max monoid, which has a gradient;
    # a jnp array would be traced under jit and make the pool non-differentiable.
    return jax.lax.reduce_window(x, np.array(init, x.dtype), jax.lax.max, window, steps, padding.upper())


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    dtype = rules.average_pool_dtype(inputs)
    x = convert_to_tensor(inputs)
    pool_size, strides, padding, data_format = rules.pool_arguments(
        x.shape, pool_size, strides, padding, data_format)
    window, steps = _window(x, pool_size, strides, data_format)
    x = x.astype(to_jax_dtype(dtype))
    total = jax.lax.reduce_window(x, np.array(0, x.dtype), jax.lax.add, window, steps, padding.upper())
    if padding == "valid":
        return total / math.prod(pool_size)
    # Only the unpadded values count towards a window's mean.
    spatial = x.shape[1:-1] if data_format == "channels_last" else x.shape[2:]
    ones = jnp.ones(rules.join_shape(1, spatial, 1, data_format), x.dtype)
    counts = jax.lax.reduce_window(ones, np.array(0, x.dtype), jax.lax.add, window, steps, padding.upper())
    return total / counts
