"""Elementwise unary ops: math, trigonometry, rounding and predicates.

Dtypes follow Keras 3 (the rules live in `k_backends.rules.elementwise`): math and
trigonometry turn ints and bools into `floatx()`, predicates give bool, and the
rest keep their input's dtype. Ops that NumPy defines on real numbers only
(rounding, `cbrt`, `signbit`, ...) raise a TypeError for complex inputs.
"""

from k_backends.rules import elementwise as rules
from k_backends.selection import current
from k_ops import shapes
from k_ops.dispatch import symbolic
from k_ops.symbolic import KerasTensor

__all__ = [
    "negative", "absolute", "abs", "fabs", "sign", "signbit", "square", "sqrt", "cbrt", "reciprocal",
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
    "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg", "sinc", "i0",
    "ceil", "floor", "trunc", "round", "clip", "nan_to_num",
    "real", "imag", "angle", "conjugate", "conj", "isreal",
    "isfinite", "isinf", "isnan", "isposinf", "isneginf", "logical_not",
    "bitwise_invert", "bitwise_not",
]


# -- specs ----------------------------------------------------------------
def _real_float_spec(x):
    rules.require_real(shapes.standard_dtype(x))
    return shapes.float_of_input(x)


def _real_same_spec(x, *args, **kwargs):
    rules.require_real(shapes.standard_dtype(x))
    return shapes.same_as_input(x)


def _real_bool_spec(x):
    rules.require_real(shapes.standard_dtype(x))
    return shapes.bool_of_input(x)


def _real_part_spec(x):
    return KerasTensor(shapes.shape_of(x), rules.real_dtype(shapes.standard_dtype(x)))


def _angle_spec(x):
    return KerasTensor(shapes.shape_of(x), rules.angle_dtype(shapes.standard_dtype(x)))


def _square_spec(x):
    return KerasTensor(shapes.shape_of(x), rules.int_for_bool(shapes.standard_dtype(x)))


def _clip_spec(x, x_min, x_max):
    dtype = shapes.standard_dtype(x)
    rules.require_real(dtype)
    shape = shapes.broadcast_shapes(*(shapes.shape_of(v) for v in (x, x_min, x_max) if v is not None))
    return KerasTensor(shape, rules.int_for_bool(dtype))


def _round_spec(x, decimals=0):
    rules.check_decimals(decimals)
    return _real_same_spec(x)


def _nan_to_num_spec(x, nan=0.0, posinf=None, neginf=None):
    rules.check_nan_to_num_args(nan, posinf, neginf)
    return shapes.same_as_input(x)


# -- absolute values and signs ---------------------------------------------
@symbolic(shapes.same_as_input)
def negative(x):
    """`-x`, elementwise."""
    return current().numpy.negative(x)


@symbolic(_real_part_spec)
def absolute(x):
    """The absolute value of `x`, elementwise (the magnitude, a float, for complex `x`).

    Example:
    >>> kappa.ops.absolute([-1.5, 2.0])  # [1.5, 2.0]
    """
    return current().numpy.absolute(x)


@symbolic(_real_part_spec)
def abs(x):
    """Alias of `absolute`."""
    return current().numpy.absolute(x)


@symbolic(_real_float_spec)
def fabs(x):
    """The absolute value of real `x` as floats (ints and bools become `floatx()`)."""
    return current().numpy.fabs(x)


@symbolic(shapes.same_as_input)
def sign(x):
    """-1, 0 or 1 by the sign of `x` (NaN stays NaN; `x / |x|` for complex `x`); keeps the dtype.

    Example:
    >>> kappa.ops.sign([-3.0, 0.0, 2.0])  # [-1.0, 0.0, 1.0]
    """
    return current().numpy.sign(x)


@symbolic(_real_bool_spec)
def signbit(x):
    """Whether the sign bit of `x` is set: true for negatives, -0.0 and -NaN."""
    return current().numpy.signbit(x)


# -- powers, exponentials and logarithms ------------------------------------
@symbolic(_square_spec)
def square(x):
    """`x * x`, elementwise; bools become int32.

    Example:
    >>> kappa.ops.square([2, -3])  # [4, 9], int32
    """
    return current().numpy.square(x)


@symbolic(shapes.float_of_input)
def sqrt(x):
    """The square root of `x`, elementwise; ints and bools become `floatx()`.

    Example:
    >>> kappa.ops.sqrt([4, 9])  # [2.0, 3.0], float32
    """
    return current().numpy.sqrt(x)


@symbolic(_real_float_spec)
def cbrt(x):
    """The real cube root of `x` (negative for negative `x`)."""
    return current().numpy.cbrt(x)


@symbolic(shapes.float_of_input)
def reciprocal(x):
    """`1 / x`, elementwise, in floats (ints and bools become `floatx()`)."""
    return current().numpy.reciprocal(x)


@symbolic(shapes.float_of_input)
def exp(x):
    """`e` raised to `x`, elementwise; ints and bools become `floatx()`.

    Example:
    >>> kappa.ops.exp([0.0, 1.0])  # [1.0, 2.7182817]
    """
    return current().numpy.exp(x)


@symbolic(shapes.float_of_input)
def exp2(x):
    """2 raised to `x`, elementwise."""
    return current().numpy.exp2(x)


@symbolic(shapes.float_of_input)
def expm1(x):
    """`exp(x) - 1`, accurate for small `x`."""
    return current().numpy.expm1(x)


@symbolic(shapes.float_of_input)
def log(x):
    """The natural logarithm of `x`, elementwise; ints and bools become `floatx()`.

    Example:
    >>> kappa.ops.log([1.0, 100.0])  # [0.0, 4.6051702]
    """
    return current().numpy.log(x)


@symbolic(shapes.float_of_input)
def log2(x):
    """The base-2 logarithm of `x`."""
    return current().numpy.log2(x)


@symbolic(shapes.float_of_input)
def log10(x):
    """The base-10 logarithm of `x`."""
    return current().numpy.log10(x)


@symbolic(shapes.float_of_input)
def log1p(x):
    """`log(1 + x)`, accurate for small `x`."""
    return current().numpy.log1p(x)


# -- trigonometry -----------------------------------------------------------
@symbolic(shapes.float_of_input)
def sin(x):
    """The sine of `x` (in radians); ints and bools become `floatx()`.

    Example:
    >>> kappa.ops.sin([0.0, 1.5707964])  # [0.0, 1.0]
    """
    return current().numpy.sin(x)


@symbolic(shapes.float_of_input)
def cos(x):
    """The cosine of `x` (in radians)."""
    return current().numpy.cos(x)


@symbolic(shapes.float_of_input)
def tan(x):
    """The tangent of `x` (in radians)."""
    return current().numpy.tan(x)


@symbolic(shapes.float_of_input)
def arcsin(x):
    """The inverse sine of `x`, in radians; NaN outside [-1, 1]."""
    return current().numpy.arcsin(x)


@symbolic(shapes.float_of_input)
def arccos(x):
    """The inverse cosine of `x`, in radians; NaN outside [-1, 1]."""
    return current().numpy.arccos(x)


@symbolic(shapes.float_of_input)
def arctan(x):
    """The inverse tangent of `x`, in radians."""
    return current().numpy.arctan(x)


@symbolic(shapes.float_of_input)
def sinh(x):
    """The hyperbolic sine of `x`."""
    return current().numpy.sinh(x)


@symbolic(shapes.float_of_input)
def cosh(x):
    """The hyperbolic cosine of `x`."""
    return current().numpy.cosh(x)


@symbolic(shapes.float_of_input)
def tanh(x):
    """The hyperbolic tangent of `x`.

    Example:
    >>> kappa.ops.tanh([0.0, 100.0])  # [0.0, 1.0]
    """
    return current().numpy.tanh(x)


@symbolic(shapes.float_of_input)
def arcsinh(x):
    """The inverse hyperbolic sine of `x`."""
    return current().numpy.arcsinh(x)


@symbolic(shapes.float_of_input)
def arccosh(x):
    """The inverse hyperbolic cosine of `x`; NaN below 1."""
    return current().numpy.arccosh(x)


@symbolic(shapes.float_of_input)
def arctanh(x):
    """The inverse hyperbolic tangent of `x`; NaN outside [-1, 1]."""
    return current().numpy.arctanh(x)


@symbolic(_real_float_spec)
def deg2rad(x):
    """Angles in degrees converted to radians."""
    return current().numpy.deg2rad(x)


@symbolic(_real_float_spec)
def rad2deg(x):
    """Angles in radians converted to degrees."""
    return current().numpy.rad2deg(x)


@symbolic(shapes.float_of_input)
def sinc(x):
    """The normalized sinc, `sin(pi x) / (pi x)`, with `sinc(0) == 1`."""
    return current().numpy.sinc(x)


@symbolic(_real_float_spec)
def i0(x):
    """The modified Bessel function of the first kind, order 0, of real `x`."""
    return current().numpy.i0(x)


# -- rounding and limits ----------------------------------------------------
@symbolic(_real_float_spec)
def ceil(x):
    """The smallest integer not below `x`, as floats (ints and bools become `floatx()`)."""
    return current().numpy.ceil(x)


@symbolic(_real_float_spec)
def floor(x):
    """The largest integer not above `x`, as floats (ints and bools become `floatx()`)."""
    return current().numpy.floor(x)


@symbolic(_real_same_spec)
def trunc(x):
    """`x` rounded toward zero; keeps the dtype (ints and bools are unchanged)."""
    return current().numpy.trunc(x)


@symbolic(_round_spec)
def round(x, decimals=0):
    """`x` rounded to `decimals` decimal places, halves to even; keeps the dtype.

    Args:
        x: real input.
        decimals: an int; negative values round to tens, hundreds, ... (integers too).

    Example:
    >>> kappa.ops.round([0.5, 1.5, 2.5, 1.26], decimals=0)  # [0.0, 2.0, 2.0, 1.0]
    >>> kappa.ops.round([15, 25, 31], decimals=-1)  # [20, 20, 30]
    """
    if decimals.__class__ is not int:
        rules.check_decimals(decimals)
    return current().numpy.round(x, int(decimals))


@symbolic(_clip_spec)
def clip(x, x_min, x_max):
    """`x` limited to the interval [`x_min`, `x_max`]; keeps `x`'s dtype (bools become int32).

    Where `x_min > x_max` the result is `x_max`, as in NumPy. Either bound may be None (no
    limit). Bounds are cast to the output dtype; Python-number bounds of an integer clip
    are first rounded inward and kept within the dtype's range.

    Example:
    >>> kappa.ops.clip([-2.0, 0.5, 3.0], 0.0, 1.0)  # [0.0, 0.5, 1.0]
    """
    return current().numpy.clip(x, x_min, x_max)


@symbolic(_nan_to_num_spec)
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """`x` with NaN replaced by `nan` and infinities by `posinf` / `neginf`; keeps the dtype.

    Args:
        x: input tensor; ints and bools come back unchanged, complex parts are replaced separately.
        nan: the value for NaN.
        posinf: the value for +inf; None for the dtype's largest finite value.
        neginf: the value for -inf; None for the dtype's most negative finite value.

    Example:
    >>> kappa.ops.nan_to_num([float("nan"), float("inf"), 1.0], posinf=9.0)  # [0.0, 9.0, 1.0]
    """
    if not (nan.__class__ is float and posinf is None and neginf is None):
        rules.check_nan_to_num_args(nan, posinf, neginf)
    return current().numpy.nan_to_num(x, nan, posinf, neginf)


# -- complex numbers --------------------------------------------------------
@symbolic(_real_part_spec)
def real(x):
    """The real part of `x`; real inputs come back unchanged.

    Example:
    >>> kappa.ops.real(np.array([1 + 2j, 3 - 1j]))  # [1.0, 3.0], float32 (from complex64)
    """
    return current().numpy.real(x)


@symbolic(_real_part_spec)
def imag(x):
    """The imaginary part of `x`; zeros of `x`'s dtype for real inputs."""
    return current().numpy.imag(x)


@symbolic(_angle_spec)
def angle(x):
    """The counterclockwise angle of complex `x` from the positive real axis, in radians.

    Real inputs give 0 where `x >= +0.0` and pi where `x < 0` or `x` is -0.0; ints and
    bools become `floatx()`.
    """
    return current().numpy.angle(x)


@symbolic(shapes.same_as_input)
def conjugate(x):
    """The complex conjugate of `x`; real inputs come back unchanged."""
    return current().numpy.conjugate(x)


@symbolic(shapes.same_as_input)
def conj(x):
    """Alias of `conjugate`."""
    return current().numpy.conjugate(x)


@symbolic(shapes.bool_of_input)
def isreal(x):
    """Whether each element has a zero imaginary part (always true for real dtypes)."""
    return current().numpy.isreal(x)


# -- predicates and logic ---------------------------------------------------
@symbolic(shapes.bool_of_input)
def isfinite(x):
    """Whether `x` is neither infinite nor NaN (both parts, for complex `x`).

    Example:
    >>> kappa.ops.isfinite([1.0, float("inf"), float("nan")])  # [True, False, False]
    """
    return current().numpy.isfinite(x)


@symbolic(shapes.bool_of_input)
def isinf(x):
    """Whether `x` is +inf or -inf (either part, for complex `x`)."""
    return current().numpy.isinf(x)


@symbolic(shapes.bool_of_input)
def isnan(x):
    """Whether `x` is NaN (either part, for complex `x`)."""
    return current().numpy.isnan(x)


@symbolic(_real_bool_spec)
def isposinf(x):
    """Whether real `x` is +inf."""
    return current().numpy.isposinf(x)


@symbolic(_real_bool_spec)
def isneginf(x):
    """Whether real `x` is -inf."""
    return current().numpy.isneginf(x)


@symbolic(shapes.bool_of_input)
def logical_not(x):
    """Whether `x` is zero (false), elementwise, as bools."""
    return current().numpy.logical_not(x)


@symbolic(shapes.same_as_input)
def bitwise_invert(x):
    """Bitwise NOT of integers; logical NOT of bools."""
    return current().numpy.bitwise_invert(x)


@symbolic(shapes.same_as_input)
def bitwise_not(x):
    """Alias of `bitwise_invert`."""
    return current().numpy.bitwise_invert(x)
