"""Elementwise unary math, trigonometry, rounding and predicates on TensorFlow.

TF lacks some NumPy functions (cbrt, sinc, exp2, trunc, signbit) and some kernels
for small, unsigned and half dtypes; those ops are composed from TF's own or run
in a wider dtype and cast back, so dtypes stay kappa's.
"""

import math

import tensorflow as tf

from k_backends.inference import float_dtype
from k_backends.rules import elementwise as rules
from k_backends.tensorflow.core import COMPUTE_DTYPES, convert_to_tensor

__all__ = [
    "negative", "absolute", "fabs", "sign", "signbit", "square", "sqrt", "cbrt", "reciprocal",
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
    "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg", "sinc", "i0",
    "ceil", "floor", "trunc", "round", "clip", "nan_to_num",
    "real", "imag", "angle", "conjugate", "isreal",
    "isfinite", "isinf", "isnan", "isposinf", "isneginf", "logical_not", "bitwise_invert",
]

_HALF = (tf.float16, tf.bfloat16)
# The integer type of each float's width, to read its sign bit.
_SAME_WIDTH_INT = {tf.float16: tf.int16, tf.bfloat16: tf.int16, tf.float32: tf.int32, tf.float64: tf.int64}


def _is_float(x):
    return x.dtype.is_floating or x.dtype.is_complex


def _float_unary(name, tf_func, real_only=False, widen_half=False):
    """An op computing `tf_func` in floats: ints and bools become floatx first.

    `widen_half`: TF has no float16 / bfloat16 kernel, so halves compute in float32.
    """
    def op(x):
        x = convert_to_tensor(x)
        if real_only and x.dtype.is_complex:
            rules.require_real(x.dtype.name, name)
        if not _is_float(x):
            x = tf.cast(x, float_dtype(x.dtype.name))
        if widen_half and x.dtype in _HALF:
            return tf.cast(tf_func(tf.cast(x, tf.float32)), x.dtype)
        return tf_func(x)
    op.__name__ = name
    return op


def _real_only(op_name, x):
    x = convert_to_tensor(x)
    if x.dtype.is_complex:
        rules.require_real(x.dtype.name, op_name)
    return x


def _widened(tf_func, x):
    """`tf_func(x)` computed in a wider type where TF has no kernel for `x`'s dtype, cast back."""
    compute = COMPUTE_DTYPES.get(x.dtype.name)
    if compute is None:
        return tf_func(x)
    return tf.cast(tf_func(tf.cast(x, compute)), x.dtype)


def negative(x):
    x = convert_to_tensor(x)
    if x.dtype.is_unsigned:
        # NumPy wraps around (-1 is 255 in uint8); TF has no unsigned kernel.
        return tf.cast(tf.math.negative(tf.cast(x, COMPUTE_DTYPES[x.dtype.name])), x.dtype)
    return tf.math.negative(x)


def absolute(x):
    x = convert_to_tensor(x)
    if x.dtype == tf.bool or x.dtype.is_unsigned:
        return x  # the identity; TF has no kernel for these dtypes
    return tf.math.abs(x)


def bitwise_invert(x):
    x = convert_to_tensor(x)
    return tf.math.logical_not(x) if x.dtype == tf.bool else tf.bitwise.invert(x)


def sign(x):
    x = convert_to_tensor(x)
    if x.dtype == tf.bool:
        return x
    if x.dtype.is_unsigned:
        return tf.cast(x > 0, x.dtype)
    return _widened(tf.math.sign, x)


def signbit(x):
    x = _real_only("signbit", x)
    if x.dtype.is_floating:
        # The sign bit itself: set for -0.0 and -nan, which compare as not negative.
        return tf.bitcast(x, _SAME_WIDTH_INT[x.dtype]) < 0
    if x.dtype == tf.bool or x.dtype.is_unsigned:
        return tf.zeros(tf.shape(x), tf.bool)
    return x < 0


def square(x):
    x = convert_to_tensor(x)
    return _widened(tf.math.square, tf.cast(x, tf.int32) if x.dtype == tf.bool else x)


def _cbrt(x):
    return tf.math.sign(x) * tf.math.pow(tf.math.abs(x), tf.constant(1 / 3, x.dtype))


def _exp2(x):
    return tf.math.pow(tf.constant(2, x.dtype), x)


def _log2(x):
    return tf.math.log(x) / tf.constant(math.log(2), x.dtype)


def _log10(x):
    return tf.math.log(x) / tf.constant(math.log(10), x.dtype)


def _deg2rad(x):
    return x * tf.constant(math.pi / 180, x.dtype)


def _rad2deg(x):
    return x * tf.constant(180 / math.pi, x.dtype)


def _sinc(x):
    is_zero = tf.equal(x, 0)
    # A denominator of pi where x is 0 keeps the unused branch (and its gradient) finite.
    y = tf.constant(math.pi, x.dtype) * tf.where(is_zero, tf.ones_like(x), x)
    return tf.where(is_zero, tf.ones_like(x), tf.math.sin(y) / y)


fabs = _float_unary("fabs", tf.math.abs, real_only=True)
sqrt = _float_unary("sqrt", tf.math.sqrt)
cbrt = _float_unary("cbrt", _cbrt, real_only=True)
reciprocal = _float_unary("reciprocal", tf.math.reciprocal)
exp = _float_unary("exp", tf.math.exp)
exp2 = _float_unary("exp2", _exp2)
expm1 = _float_unary("expm1", tf.math.expm1)
log = _float_unary("log", tf.math.log)
log2 = _float_unary("log2", _log2)
log10 = _float_unary("log10", _log10)
log1p = _float_unary("log1p", tf.math.log1p)
sin = _float_unary("sin", tf.math.sin)
cos = _float_unary("cos", tf.math.cos)
tan = _float_unary("tan", tf.math.tan)
arcsin = _float_unary("arcsin", tf.math.asin)
arccos = _float_unary("arccos", tf.math.acos)
arctan = _float_unary("arctan", tf.math.atan)
sinh = _float_unary("sinh", tf.math.sinh)
cosh = _float_unary("cosh", tf.math.cosh)
tanh = _float_unary("tanh", tf.math.tanh)
arcsinh = _float_unary("arcsinh", tf.math.asinh)
arccosh = _float_unary("arccosh", tf.math.acosh)
arctanh = _float_unary("arctanh", tf.math.atanh)
deg2rad = _float_unary("deg2rad", _deg2rad, real_only=True)
rad2deg = _float_unary("rad2deg", _rad2deg, real_only=True)
sinc = _float_unary("sinc", _sinc)
i0 = _float_unary("i0", tf.math.special.bessel_i0, real_only=True, widen_half=True)
ceil = _float_unary("ceil", tf.math.ceil, real_only=True)
floor = _float_unary("floor", tf.math.floor, real_only=True)


def trunc(x):
    x = _real_only("trunc", x)
    if not x.dtype.is_floating:
        return x
    return tf.where(x < 0, tf.math.ceil(x), tf.math.floor(x))


def round(x, decimals=0):
    x = _real_only("round", x)
    if x.dtype.is_floating:
        if decimals == 0:
            return tf.math.round(x)  # halves to even
        y = tf.cast(x, tf.float32) if x.dtype in _HALF else x
        factor = tf.constant(10.0 ** decimals, y.dtype)
        return tf.cast(tf.math.round(y * factor) / factor, x.dtype)
    if x.dtype == tf.bool or decimals >= 0:
        return x
    factor = rules.integer_rounding_factor(x.dtype.name, decimals)
    if factor is None:
        return tf.zeros_like(x)
    y = tf.cast(x, COMPUTE_DTYPES.get(x.dtype.name, x.dtype))
    factor = tf.constant(factor, y.dtype)
    quotient = tf.math.floordiv(y, factor)
    rest = y - quotient * factor
    up = (rest > factor - rest) | ((rest == factor - rest) & (tf.math.floormod(quotient, 2) != 0))
    return tf.cast((quotient + tf.cast(up, y.dtype)) * factor, x.dtype)


def clip(x, x_min, x_max):
    x = _real_only("clip", x)
    dtype = rules.int_for_bool(x.dtype.name)
    compute = COMPUTE_DTYPES.get(dtype, dtype)
    x_min, x_max = rules.clip_bounds(x_min, x_max, dtype)
    y = tf.cast(x, compute)
    # Bounds are cast to the output dtype first, then widened with x where TF needs it.
    if x_min is not None:
        y = tf.math.maximum(y, tf.cast(convert_to_tensor(x_min, dtype), compute))
    if x_max is not None:
        y = tf.math.minimum(y, tf.cast(convert_to_tensor(x_max, dtype), compute))
    return tf.cast(y, dtype)


def _replace_non_finite(x, nan, posinf, neginf):
    x = tf.where(tf.math.is_nan(x), tf.constant(nan, x.dtype), x)
    x = tf.where(tf.equal(x, math.inf), tf.constant(posinf, x.dtype), x)
    return tf.where(tf.equal(x, -math.inf), tf.constant(neginf, x.dtype), x)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = convert_to_tensor(x)
    if not _is_float(x):
        return x
    nan, posinf, neginf = rules.nan_to_num_values(x.dtype.name, nan, posinf, neginf)
    if x.dtype.is_complex:
        return tf.complex(_replace_non_finite(tf.math.real(x), nan, posinf, neginf),
                          _replace_non_finite(tf.math.imag(x), nan, posinf, neginf))
    return _replace_non_finite(x, nan, posinf, neginf)


def real(x):
    x = convert_to_tensor(x)
    return tf.math.real(x) if x.dtype.is_complex else x


def imag(x):
    x = convert_to_tensor(x)
    return tf.math.imag(x) if x.dtype.is_complex else tf.zeros_like(x)


def angle(x):
    x = convert_to_tensor(x)
    if x.dtype.is_complex:
        return tf.math.angle(x)
    x = tf.cast(x, rules.angle_dtype(x.dtype.name))
    # atan2(0, x) is pi for negative x and for -0.0, as NumPy's angle is.
    return tf.math.atan2(tf.zeros_like(x), x)


def conjugate(x):
    x = convert_to_tensor(x)
    return tf.math.conj(x) if x.dtype.is_complex else x


def isreal(x):
    x = convert_to_tensor(x)
    return tf.equal(tf.math.imag(x), 0) if x.dtype.is_complex else tf.ones(tf.shape(x), tf.bool)


def _float_predicate(tf_func, either_part, value_for_others):
    """A predicate defined on floats; complex inputs combine their parts, other dtypes get a constant."""
    def op(x):
        x = convert_to_tensor(x)
        if x.dtype.is_floating:
            return tf_func(x)
        if x.dtype.is_complex:
            parts = (tf_func(tf.math.real(x)), tf_func(tf.math.imag(x)))
            return tf.math.logical_or(*parts) if either_part else tf.math.logical_and(*parts)
        return tf.fill(tf.shape(x), value_for_others)
    op.__name__ = tf_func.__name__
    return op


isfinite = _float_predicate(tf.math.is_finite, either_part=False, value_for_others=True)
isinf = _float_predicate(tf.math.is_inf, either_part=True, value_for_others=False)
isnan = _float_predicate(tf.math.is_nan, either_part=True, value_for_others=False)


def isposinf(x):
    x = _real_only("isposinf", x)
    return tf.equal(x, math.inf) if x.dtype.is_floating else tf.zeros(tf.shape(x), tf.bool)


def isneginf(x):
    x = _real_only("isneginf", x)
    return tf.equal(x, -math.inf) if x.dtype.is_floating else tf.zeros(tf.shape(x), tf.bool)


def logical_not(x):
    x = convert_to_tensor(x)
    if x.dtype == tf.bool:
        return tf.math.logical_not(x)
    return tf.equal(x, tf.zeros((), x.dtype))
