"""Broadcasting binary ops: arithmetic, comparisons, logic and bitwise ops."""

from k_backends.selection import current
from k_ops import shapes
from k_ops.dispatch import symbolic

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "power",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "bitwise_and", "bitwise_or", "bitwise_xor",
]


@symbolic(shapes.broadcasting_binary)
def add(x1, x2):
    """Add `x1` and `x2` elementwise, broadcasting their shapes.

    Example:
    >>> kappa.ops.add([1, 2], 3)  # [4, 5], int32
    """
    return current().numpy.add(x1, x2)


@symbolic(shapes.broadcasting_binary)
def subtract(x1, x2):
    """Subtract `x2` from `x1` elementwise."""
    return current().numpy.subtract(x1, x2)


@symbolic(shapes.broadcasting_binary)
def multiply(x1, x2):
    """Multiply `x1` and `x2` elementwise."""
    return current().numpy.multiply(x1, x2)


@symbolic(shapes.broadcasting_float_binary)
def divide(x1, x2):
    """Divide `x1` by `x2` elementwise; integers divide into `floatx()` floats."""
    return current().numpy.divide(x1, x2)


@symbolic(shapes.broadcasting_float_binary)
def true_divide(x1, x2):
    """Alias of `divide`."""
    return current().numpy.true_divide(x1, x2)


@symbolic(shapes.broadcasting_binary)
def floor_divide(x1, x2):
    """The largest integer not greater than `x1 / x2`, elementwise (Python's `//`)."""
    return current().numpy.floor_divide(x1, x2)


@symbolic(shapes.broadcasting_binary)
def mod(x1, x2):
    """The remainder of floor division, with the sign of `x2` (Python's `%`)."""
    return current().numpy.mod(x1, x2)


@symbolic(shapes.broadcasting_binary)
def power(x1, x2):
    """`x1` raised to `x2`, elementwise."""
    return current().numpy.power(x1, x2)


@symbolic(shapes.comparison)
def equal(x1, x2):
    """Whether `x1 == x2`, elementwise."""
    return current().numpy.equal(x1, x2)


@symbolic(shapes.comparison)
def not_equal(x1, x2):
    """Whether `x1 != x2`, elementwise."""
    return current().numpy.not_equal(x1, x2)


@symbolic(shapes.comparison)
def less(x1, x2):
    """Whether `x1 < x2`, elementwise."""
    return current().numpy.less(x1, x2)


@symbolic(shapes.comparison)
def less_equal(x1, x2):
    """Whether `x1 <= x2`, elementwise."""
    return current().numpy.less_equal(x1, x2)


@symbolic(shapes.comparison)
def greater(x1, x2):
    """Whether `x1 > x2`, elementwise."""
    return current().numpy.greater(x1, x2)


@symbolic(shapes.comparison)
def greater_equal(x1, x2):
    """Whether `x1 >= x2`, elementwise."""
    return current().numpy.greater_equal(x1, x2)


@symbolic(shapes.broadcasting_binary)
def bitwise_and(x, y):
    """Bitwise AND of integers or bools, elementwise."""
    return current().numpy.bitwise_and(x, y)


@symbolic(shapes.broadcasting_binary)
def bitwise_or(x, y):
    """Bitwise OR of integers or bools, elementwise."""
    return current().numpy.bitwise_or(x, y)


@symbolic(shapes.broadcasting_binary)
def bitwise_xor(x, y):
    """Bitwise XOR of integers or bools, elementwise."""
    return current().numpy.bitwise_xor(x, y)
