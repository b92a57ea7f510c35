"""Elementwise unary math, trigonometry, rounding and predicates on JAX."""

import jax.numpy as jnp

from k_backends.jax.core import convert_to_tensor

__all__ = ["negative", "absolute", "bitwise_invert"]


def negative(x):
    return jnp.negative(convert_to_tensor(x))


def absolute(x):
    return jnp.absolute(convert_to_tensor(x))


def bitwise_invert(x):
    # On bool, JAX's invert is logical not, as NumPy's is.
    return jnp.invert(convert_to_tensor(x))
