"""NumPy-like ops on JAX, with kappa's dtype promotion."""

import jax.numpy as jnp

from k_backends.inference import promoted
from k_backends.jax.core import convert_to_tensor

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "power",
    "matmul", "bitwise_and", "bitwise_or", "bitwise_xor", "equal", "not_equal", "less",
    "less_equal", "greater", "greater_equal",
]


def _operands(x1, x2, *extra):
    dtype = promoted(x1, x2, *extra)
    return convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)


def _binary(jnp_func, *extra):
    def op(x1, x2):
        return jnp_func(*_operands(x1, x2, *extra))
    op.__name__ = jnp_func.__name__
    return op


add = _binary(jnp.add)
subtract = _binary(jnp.subtract)
multiply = _binary(jnp.multiply)
divide = _binary(jnp.true_divide, float)
true_divide = divide
floor_divide = _binary(jnp.floor_divide)
mod = _binary(jnp.mod)
power = _binary(jnp.power)
matmul = _binary(jnp.matmul)
bitwise_and = _binary(jnp.bitwise_and)
bitwise_or = _binary(jnp.bitwise_or)
bitwise_xor = _binary(jnp.bitwise_xor)

equal = _binary(jnp.equal)
not_equal = _binary(jnp.not_equal)
less = _binary(jnp.less)
less_equal = _binary(jnp.less_equal)
greater = _binary(jnp.greater)
greater_equal = _binary(jnp.greater_equal)
