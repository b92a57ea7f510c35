"""Elementwise unary ops: math, trigonometry, rounding and predicates."""

from k_backends.selection import current
from k_ops import shapes
from k_ops.dispatch import symbolic

__all__ = ["negative", "absolute", "bitwise_invert"]


@symbolic(shapes.same_as_input)
def negative(x):
    """`-x`, elementwise."""
    return current().numpy.negative(x)


@symbolic(shapes.same_as_input)
def absolute(x):
    """The absolute value of `x`, elementwise.

    Example:
    >>> kappa.ops.absolute([-1.5, 2.0])  # [1.5, 2.0]
    """
    return current().numpy.absolute(x)


@symbolic(shapes.same_as_input)
def bitwise_invert(x):
    """Bitwise NOT of integers; logical NOT of bools."""
    return current().numpy.bitwise_invert(x)
