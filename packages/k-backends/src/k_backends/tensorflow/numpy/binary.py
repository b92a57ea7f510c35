"""NumPy-like ops on TensorFlow, with kappa's dtype promotion.

TF promotes nothing implicitly, so both operands are cast to kappa's result
dtype first. Where TF 2.21 has no kernel for an op and dtype, the op runs in
a wider integer type and the result is cast back, so dtypes stay kappa's.
"""

import tensorflow as tf

from k_backends.inference import promoted
from k_backends.tensorflow.core import COMPUTE_DTYPES, convert_to_tensor

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "power",
    "matmul", "bitwise_and", "bitwise_or", "bitwise_xor", "equal", "not_equal", "less",
    "less_equal", "greater", "greater_equal",
]

_UNSIGNED = ("uint8", "uint16", "uint32", "uint64")


def _binary(tf_func, *extra, widen=()):
    """An op applying `tf_func` to both operands cast to their promoted dtype.

    `extra` joins the promotion (`float` for true division); `widen` lists
    the dtypes `tf_func` has no kernel for.
    """
    def op(x1, x2):
        dtype = promoted(x1, x2, *extra)
        a, b = convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)
        if dtype not in widen:
            return tf_func(a, b)
        result = tf_func(tf.cast(a, COMPUTE_DTYPES[dtype]), tf.cast(b, COMPUTE_DTYPES[dtype]))
        # Comparisons already return bool; arithmetic goes back to kappa's dtype.
        return result if result.dtype == tf.bool else tf.cast(result, dtype)
    op.__name__ = tf_func.__name__
    return op


def _zero_division_safe(tf_func):
    """`tf_func` giving NumPy's 0 for integer division by zero, where TF raises."""
    def safe(a, b):
        if not a.dtype.is_integer:
            return tf_func(a, b)
        is_zero = tf.equal(b, 0)
        result = tf_func(a, tf.where(is_zero, tf.ones_like(b), b))
        return tf.where(is_zero, tf.zeros_like(result), result)
    safe.__name__ = tf_func.__name__
    return safe


def _logical_for_bool(logical_func, bitwise_func):
    def either(a, b):
        return logical_func(a, b) if a.dtype == tf.bool else bitwise_func(a, b)
    either.__name__ = bitwise_func.__name__
    return either


def _numpy_matmul(a, b):
    # tf.linalg.matmul needs rank >= 2; NumPy reads a 1-D operand as a row or column.
    a_is_vector, b_is_vector = a.shape.rank == 1, b.shape.rank == 1
    result = tf.linalg.matmul(a[None] if a_is_vector else a, b[:, None] if b_is_vector else b)
    if a_is_vector:
        result = tf.squeeze(result, -1 if b_is_vector else -2)
    if b_is_vector:
        result = tf.squeeze(result, -1)
    return result


add = _binary(tf.math.add, widen=("bool",))
subtract = _binary(tf.math.subtract)
multiply = _binary(tf.math.multiply, widen=("bool",))
divide = _binary(tf.math.truediv, float)
true_divide = divide
floor_divide = _binary(_zero_division_safe(tf.math.floordiv), widen=("bool",))
mod = _binary(_zero_division_safe(tf.math.floormod), widen=("bool",))
power = _binary(tf.math.pow, widen=("bool",) + _UNSIGNED)
matmul = _binary(_numpy_matmul, widen=tuple(COMPUTE_DTYPES))
bitwise_and = _binary(_logical_for_bool(tf.math.logical_and, tf.bitwise.bitwise_and))
bitwise_or = _binary(_logical_for_bool(tf.math.logical_or, tf.bitwise.bitwise_or))
bitwise_xor = _binary(_logical_for_bool(tf.math.logical_xor, tf.bitwise.bitwise_xor))

equal = _binary(tf.math.equal)
not_equal = _binary(tf.math.not_equal)
less = _binary(tf.math.less, widen=("bool",))
less_equal = _binary(tf.math.less_equal, widen=("bool",))
greater = _binary(tf.math.greater, widen=("bool",))
greater_equal = _binary(tf.math.greater_equal, widen=("bool",))
