"""Broadcasting binary ops: arithmetic, comparisons, logic and bitwise ops.

Operands broadcast as in NumPy and promote by kappa's rules (Python scalars
are weak). Each op's dtype rule is in `k_backends.rules.binary`, applied both
here (symbolic calls) and by every backend (eager calls).
"""

from k_backends.rules import binary as rules
from k_backends.selection import current
from k_ops import shapes
from k_ops.dispatch import symbolic
from k_ops.symbolic import KerasTensor

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "divide_no_nan", "floor_divide", "mod",
    "fmod", "power", "maximum", "minimum", "fmax", "fmin", "arctan2", "hypot", "logaddexp",
    "logaddexp2", "heaviside", "nextafter", "ldexp", "gcd", "lcm",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_xor", "isclose", "allclose",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
    "left_shift", "right_shift",
]


# -- specs ------------------------------------------------------------------
def _spec(dtype_rule):
    """The spec of a broadcasting op whose output dtype is `dtype_rule(x1, x2)`."""
    def spec(x1, x2, *args, **kwargs):
        shape = shapes.broadcast_shapes(shapes.shape_of(x1), shapes.shape_of(x2))
        return KerasTensor(shape, dtype_rule(x1, x2))
    return spec


def _comparison_spec(dtype_rule):
    """The spec of a broadcasting op returning bools; `dtype_rule` still checks the operands."""
    def spec(x1, x2, *args, **kwargs):
        dtype_rule(x1, x2)
        return shapes.comparison(x1, x2)
    return spec


def _allclose_spec(x1, x2, *args, **kwargs):
    shapes.broadcast_shapes(shapes.shape_of(x1), shapes.shape_of(x2))
    return KerasTensor((), "bool")


_promoted = _spec(rules.promoted)
_float = _spec(rules.float_promoted)
_remainder = _spec(rules.remainder_promoted)
_float_keeping_64 = _spec(rules.float_keeping_64)
_comparison = _comparison_spec(rules.promoted)
_logical = _comparison_spec(rules.logical_operands)


# -- arithmetic ---------------------------------------------------------------
@symbolic(_promoted)
def add(x1, x2):
    """Add `x1` and `x2` elementwise, broadcasting their shapes.

    Example:
    >>> kappa.ops.add([1, 2], 3)  # [4, 5], int32
    """
    return current().numpy.add(x1, x2)


@symbolic(_spec(rules.no_bool_promoted("subtract")))
def subtract(x1, x2):
    """Subtract `x2` from `x1` elementwise (two bool operands are refused)."""
    return current().numpy.subtract(x1, x2)


@symbolic(_promoted)
def multiply(x1, x2):
    """Multiply `x1` and `x2` elementwise."""
    return current().numpy.multiply(x1, x2)


@symbolic(_float)
def divide(x1, x2):
    """Divide `x1` by `x2` elementwise; integers divide into `floatx()` floats.

    Example:
    >>> kappa.ops.divide([1, 3], 2)  # [0.5, 1.5], float32
    """
    return current().numpy.divide(x1, x2)


@symbolic(_float)
def true_divide(x1, x2):
    """Alias of `divide`."""
    return current().numpy.true_divide(x1, x2)


@symbolic(_float)
def divide_no_nan(x1, x2):
    """`x1 / x2`, but 0 wherever `x2` is 0 (even for `0 / 0`); integers give `floatx()`.

    Example:
    >>> kappa.ops.divide_no_nan([1.0, 0.0, 6.0], [0.0, 0.0, 3.0])  # [0.0, 0.0, 2.0]
    """
    return current().numpy.divide_no_nan(x1, x2)


@symbolic(_promoted)
def floor_divide(x1, x2):
    """The largest integer not greater than `x1 / x2`, elementwise (Python's `//`).

    Integer division by zero gives 0, as in NumPy.
    """
    return current().numpy.floor_divide(x1, x2)


@symbolic(_remainder)
def mod(x1, x2):
    """The remainder of floor division, with the sign of `x2` (Python's `%`); bools give int32.

    Example:
    >>> kappa.ops.mod([5, -5], 3)  # [2, 1]
    """
    return current().numpy.mod(x1, x2)


@symbolic(_remainder)
def fmod(x1, x2):
    """The remainder of truncated division, with the sign of `x1` (C's `fmod`); bools give int32.

    Example:
    >>> kappa.ops.fmod([5, -5], 3)  # [2, -2]
    """
    return current().numpy.fmod(x1, x2)


@symbolic(_promoted)
def power(x1, x2):
    """`x1` raised to `x2`, elementwise."""
    return current().numpy.power(x1, x2)


@symbolic(_promoted)
def maximum(x1, x2):
    """The larger of `x1` and `x2`, elementwise; NaN wins (see `fmax` to ignore NaNs).

    Example:
    >>> kappa.ops.maximum([1.0, float("nan")], 2.0)  # [2.0, nan]
    """
    return current().numpy.maximum(x1, x2)


@symbolic(_promoted)
def minimum(x1, x2):
    """The smaller of `x1` and `x2`, elementwise; NaN wins (see `fmin` to ignore NaNs)."""
    return current().numpy.minimum(x1, x2)


@symbolic(_promoted)
def fmax(x1, x2):
    """The larger of `x1` and `x2`, elementwise, ignoring a NaN when the other value is not NaN.

    Example:
    >>> kappa.ops.fmax([1.0, float("nan")], 2.0)  # [2.0, 2.0]
    """
    return current().numpy.fmax(x1, x2)


@symbolic(_promoted)
def fmin(x1, x2):
    """The smaller of `x1` and `x2`, elementwise, ignoring a NaN when the other value is not NaN."""
    return current().numpy.fmin(x1, x2)


@symbolic(_float)
def arctan2(x1, x2):
    """The angle of the point `(x2, x1)` in radians, in [-pi, pi]; integers give `floatx()`.

    Example:
    >>> kappa.ops.arctan2(1.0, -1.0)  # 2.3561945 (3*pi/4)
    """
    return current().numpy.arctan2(x1, x2)


@symbolic(_float_keeping_64)
def hypot(x1, x2):
    """`sqrt(x1**2 + x2**2)` elementwise, without overflow in the squares.

    Bools and ints up to 32 bits give `floatx()`; int64 gives float64.

    Example:
    >>> kappa.ops.hypot(3, 4)  # 5.0
    """
    return current().numpy.hypot(x1, x2)


@symbolic(_float)
def logaddexp(x1, x2):
    """`log(exp(x1) + exp(x2))` elementwise, computed without overflow; integers give `floatx()`."""
    return current().numpy.logaddexp(x1, x2)


@symbolic(_float)
def logaddexp2(x1, x2):
    """`log2(2**x1 + 2**x2)` elementwise, computed without overflow; integers give `floatx()`."""
    return current().numpy.logaddexp2(x1, x2)


@symbolic(_float_keeping_64)
def heaviside(x1, x2):
    """The Heaviside step: 0 where `x1 < 0`, `x2` where `x1 == 0`, 1 where `x1 > 0` (NaN stays NaN).

    Bools and ints up to 32 bits give `floatx()`; int64 gives float64.

    Example:
    >>> kappa.ops.heaviside([-1.0, 0.0, 2.0], 0.5)  # [0.0, 0.5, 1.0]
    """
    return current().numpy.heaviside(x1, x2)


@symbolic(_float)
def nextafter(x1, x2):
    """The next representable float after `x1` in the direction of `x2`, in the result dtype.

    Example:
    >>> kappa.ops.nextafter(1.0, 2.0)  # 1.0000001 (float32)
    """
    return current().numpy.nextafter(x1, x2)


@symbolic(_spec(rules.ldexp_dtype))
def ldexp(x1, x2):
    """`x1 * 2**x2` elementwise; `x2` must hold integers (a TypeError otherwise).

    Example:
    >>> kappa.ops.ldexp(3.0, [1, -1])  # [6.0, 1.5]
    """
    return current().numpy.ldexp(x1, x2)


@symbolic(_spec(rules.integer_promoted("gcd")))
def gcd(x1, x2):
    """The greatest common divisor of integers `|x1|` and `|x2|` (0 when both are 0).

    Example:
    >>> kappa.ops.gcd([12, -4], 8)  # [4, 4]
    """
    return current().numpy.gcd(x1, x2)


@symbolic(_spec(rules.integer_promoted("lcm")))
def lcm(x1, x2):
    """The least common multiple of integers `|x1|` and `|x2|` (0 when either is 0)."""
    return current().numpy.lcm(x1, x2)


# -- comparisons and logic -------------------------------------------------------
@symbolic(_comparison)
def equal(x1, x2):
    """Whether `x1 == x2`, elementwise."""
    return current().numpy.equal(x1, x2)


@symbolic(_comparison)
def not_equal(x1, x2):
    """Whether `x1 != x2`, elementwise."""
    return current().numpy.not_equal(x1, x2)


@symbolic(_comparison)
def less(x1, x2):
    """Whether `x1 < x2`, elementwise."""
    return current().numpy.less(x1, x2)


@symbolic(_comparison)
def less_equal(x1, x2):
    """Whether `x1 <= x2`, elementwise."""
    return current().numpy.less_equal(x1, x2)


@symbolic(_comparison)
def greater(x1, x2):
    """Whether `x1 > x2`, elementwise."""
    return current().numpy.greater(x1, x2)


@symbolic(_comparison)
def greater_equal(x1, x2):
    """Whether `x1 >= x2`, elementwise."""
    return current().numpy.greater_equal(x1, x2)


@symbolic(_logical)
def logical_and(x1, x2):
    """Whether both `x1` and `x2` are true (nonzero), elementwise.

    Example:
    >>> kappa.ops.logical_and([1, 0, 2], [True, True, False])  # [True, False, False]
    """
    return current().numpy.logical_and(x1, x2)


@symbolic(_logical)
def logical_or(x1, x2):
    """Whether `x1` or `x2` is true (nonzero), elementwise."""
    return current().numpy.logical_or(x1, x2)


@symbolic(_logical)
def logical_xor(x1, x2):
    """Whether exactly one of `x1` and `x2` is true (nonzero), elementwise."""
    return current().numpy.logical_xor(x1, x2)


@symbolic(shapes.comparison)
def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether `|x1 - x2| <= atol + rtol * |x2|`, elementwise, as in NumPy.

    Equal infinities are close; NaNs are close to each other only with
    `equal_nan=True`. Integers and bools are compared in float64, so the
    tolerances apply to them too.

    Example:
    >>> kappa.ops.isclose([1.0, 1.1], 1.0 + 1e-6)  # [True, False]
    """
    return current().numpy.isclose(x1, x2, rtol, atol, equal_nan)


@symbolic(_allclose_spec)
def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether `isclose(x1, x2, rtol, atol, equal_nan)` holds everywhere: a 0-d bool tensor."""
    return current().numpy.allclose(x1, x2, rtol, atol, equal_nan)


# -- bitwise ---------------------------------------------------------------------
@symbolic(_spec(rules.integral_promoted("bitwise_and")))
def bitwise_and(x, y):
    """Bitwise AND of integers or bools, elementwise."""
    return current().numpy.bitwise_and(x, y)


@symbolic(_spec(rules.integral_promoted("bitwise_or")))
def bitwise_or(x, y):
    """Bitwise OR of integers or bools, elementwise."""
    return current().numpy.bitwise_or(x, y)


@symbolic(_spec(rules.integral_promoted("bitwise_xor")))
def bitwise_xor(x, y):
    """Bitwise XOR of integers or bools, elementwise."""
    return current().numpy.bitwise_xor(x, y)


_left_shift = _spec(rules.integer_promoted("bitwise_left_shift"))
_right_shift = _spec(rules.integer_promoted("bitwise_right_shift"))


@symbolic(_left_shift)
def bitwise_left_shift(x, y):
    """`x` shifted left by `y` bits (integers), elementwise.

    Shift counts must lie in [0, bits of the dtype); beyond that the result
    depends on the backend.

    Example:
    >>> kappa.ops.bitwise_left_shift([1, 3], 2)  # [4, 12]
    """
    return current().numpy.bitwise_left_shift(x, y)


@symbolic(_right_shift)
def bitwise_right_shift(x, y):
    """`x` shifted right by `y` bits (integers; arithmetic for signed), elementwise.

    Shift counts must lie in [0, bits of the dtype); beyond that the result
    depends on the backend.
    """
    return current().numpy.bitwise_right_shift(x, y)


@symbolic(_left_shift)
def left_shift(x, y):
    """Alias of `bitwise_left_shift`."""
    return current().numpy.bitwise_left_shift(x, y)


@symbolic(_right_shift)
def right_shift(x, y):
    """Alias of `bitwise_right_shift`."""
    return current().numpy.bitwise_right_shift(x, y)
