"""NumPy-like ops on NumPy, with kappa's dtype promotion."""

import numpy as np

from k_backends.inference import promoted
from k_backends.numpy.core import convert_to_tensor

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "power",
    "matmul", "bitwise_and", "bitwise_or", "bitwise_xor", "equal", "not_equal", "less",
    "less_equal", "greater", "greater_equal",
]


def _operands(x1, x2, *extra):
    dtype = promoted(x1, x2, *extra)
    return convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)


def _binary(np_func, *extra):
    def op(x1, x2):
        a, b = _operands(x1, x2, *extra)
        return np.asarray(np_func(a, b))
    op.__name__ = np_func.__name__
    return op


add = _binary(np.add)
subtract = _binary(np.subtract)
multiply = _binary(np.multiply)
divide = _binary(np.true_divide, float)
true_divide = divide
floor_divide = _binary(np.floor_divide)
mod = _binary(np.mod)
power = _binary(np.power)
matmul = _binary(np.matmul)
bitwise_and = _binary(np.bitwise_and)
bitwise_or = _binary(np.bitwise_or)
bitwise_xor = _binary(np.bitwise_xor)


equal = _binary(np.equal)
not_equal = _binary(np.not_equal)
less = _binary(np.less)
less_equal = _binary(np.less_equal)
greater = _binary(np.greater)
greater_equal = _binary(np.greater_equal)
