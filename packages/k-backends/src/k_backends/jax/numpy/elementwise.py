"""Elementwise unary math, trigonometry, rounding and predicates on JAX."""

import jax.numpy as jnp

from k_backends.inference import float_dtype
from k_backends.jax.core import convert_to_tensor
from k_backends.rules import elementwise as rules

__all__ = [
    "negative", "absolute", "fabs", "sign", "signbit", "square", "sqrt", "cbrt", "reciprocal",
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
    "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg", "sinc", "i0",
    "ceil", "floor", "trunc", "round", "clip", "nan_to_num",
    "real", "imag", "angle", "conjugate", "isreal",
    "isfinite", "isinf", "isnan", "isposinf", "isneginf", "logical_not", "bitwise_invert",
]

_HALF = ("float16", "bfloat16")


def _float_unary(name, jnp_func, real_only=False):
    """An op computing `jnp_func` in floats: ints and bools become floatx first."""
    def op(x):
        x = convert_to_tensor(x)
        if real_only and x.dtype.kind == "c":
            rules.require_real(x.dtype.name, name)
        if not _is_float(x):
            x = x.astype(float_dtype(x.dtype.name))
        result = jnp_func(x)
        return result if result.dtype == x.dtype else result.astype(x.dtype)
    op.__name__ = name
    return op


def _real_only(op_name, x):
    x = convert_to_tensor(x)
    if x.dtype.kind == "c":
        rules.require_real(x.dtype.name, op_name)
    return x


def _is_float(x):
    return x.dtype.kind in "fc" or x.dtype.name == "bfloat16"


def negative(x):
    return jnp.negative(convert_to_tensor(x))


def absolute(x):
    return jnp.absolute(convert_to_tensor(x))


def sign(x):
    x = convert_to_tensor(x)
    return x if x.dtype == jnp.bool_ else jnp.sign(x)


def signbit(x):
    return jnp.signbit(_real_only("signbit", x))


def square(x):
    x = convert_to_tensor(x)
    return jnp.square(x.astype(jnp.int32) if x.dtype == jnp.bool_ else x)


fabs = _float_unary("fabs", jnp.fabs, real_only=True)
sqrt = _float_unary("sqrt", jnp.sqrt)
cbrt = _float_unary("cbrt", jnp.cbrt, real_only=True)
reciprocal = _float_unary("reciprocal", jnp.reciprocal)
exp = _float_unary("exp", jnp.exp)
exp2 = _float_unary("exp2", jnp.exp2)
expm1 = _float_unary("expm1", jnp.expm1)
log = _float_unary("log", jnp.log)
log2 = _float_unary("log2", jnp.log2)
log10 = _float_unary("log10", jnp.log10)
log1p = _float_unary("log1p", jnp.log1p)
sin = _float_unary("sin", jnp.sin)
cos = _float_unary("cos", jnp.cos)
tan = _float_unary("tan", jnp.tan)
arcsin = _float_unary("arcsin", jnp.arcsin)
arccos = _float_unary("arccos", jnp.arccos)
arctan = _float_unary("arctan", jnp.arctan)
sinh = _float_unary("sinh", jnp.sinh)
cosh = _float_unary("cosh", jnp.cosh)
tanh = _float_unary("tanh", jnp.tanh)
arcsinh = _float_unary("arcsinh", jnp.arcsinh)
arccosh = _float_unary("arccosh", jnp.arccosh)
arctanh = _float_unary("arctanh", jnp.arctanh)
deg2rad = _float_unary("deg2rad", jnp.deg2rad, real_only=True)
rad2deg = _float_unary("rad2deg", jnp.rad2deg, real_only=True)
sinc = _float_unary("sinc", jnp.sinc)
i0 = _float_unary("i0", jnp.i0, real_only=True)
ceil = _float_unary("ceil", jnp.ceil, real_only=True)
floor = _float_unary("floor", jnp.floor, real_only=True)


def trunc(x):
    x = _real_only("trunc", x)
    return jnp.trunc(x) if _is_float(x) else x


def round(x, decimals=0):
    x = _real_only("round", x)
    if _is_float(x):
        if x.dtype.name in _HALF and decimals != 0:
            return jnp.round(x.astype(jnp.float32), decimals).astype(x.dtype)
        return jnp.round(x, decimals)
    if x.dtype == jnp.bool_ or decimals >= 0:
        return x
    # jnp.round has no integer rounding to tens, hundreds, ...
    factor = rules.integer_rounding_factor(x.dtype.name, decimals)
    if factor is None:
        return jnp.zeros_like(x)
    factor = jnp.asarray(factor, x.dtype)
    quotient = jnp.floor_divide(x, factor)
    rest = x - quotient * factor
    up = (rest > factor - rest) | ((rest == factor - rest) & (quotient % 2 != 0))
    return (quotient + up.astype(x.dtype)) * factor


def clip(x, x_min, x_max):
    x = _real_only("clip", x)
    dtype = rules.int_for_bool(x.dtype.name)
    x = x.astype(dtype) if x.dtype.name != dtype else x
    x_min, x_max = rules.clip_bounds(x_min, x_max, dtype)
    if x_min is not None:
        x = jnp.maximum(x, convert_to_tensor(x_min, dtype))
    if x_max is not None:
        x = jnp.minimum(x, convert_to_tensor(x_max, dtype))
    return x


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = convert_to_tensor(x)
    if not _is_float(x):
        return x
    nan, posinf, neginf = rules.nan_to_num_values(x.dtype.name, nan, posinf, neginf)
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def real(x):
    x = convert_to_tensor(x)
    return jnp.real(x) if x.dtype.kind == "c" else x


def imag(x):
    x = convert_to_tensor(x)
    return jnp.imag(x) if x.dtype.kind == "c" else jnp.zeros_like(x)


def angle(x):
    x = convert_to_tensor(x)
    if x.dtype.kind == "c":
        return jnp.angle(x)
    x = x.astype(rules.angle_dtype(x.dtype.name))
    # arctan2(0, x) is pi for negative x and for -0.0, as NumPy's angle is.
    return jnp.arctan2(jnp.zeros_like(x), x)


def conjugate(x):
    x = convert_to_tensor(x)
    return jnp.conjugate(x) if x.dtype.kind == "c" else x


def isreal(x):
    x = convert_to_tensor(x)
    return jnp.imag(x) == 0 if x.dtype.kind == "c" else jnp.ones(x.shape, dtype=bool)


def isfinite(x):
    return jnp.isfinite(convert_to_tensor(x))


def isinf(x):
    return jnp.isinf(convert_to_tensor(x))


def isnan(x):
    return jnp.isnan(convert_to_tensor(x))


def isposinf(x):
    return jnp.isposinf(_real_only("isposinf", x))


def isneginf(x):
    return jnp.isneginf(_real_only("isneginf", x))


def logical_not(x):
    return jnp.logical_not(convert_to_tensor(x))


def bitwise_invert(x):
    # On bool, JAX's invert is logical not, as NumPy's is.
    return jnp.invert(convert_to_tensor(x))
