"""Elementwise unary math, trigonometry, rounding and predicates on NumPy.

Float ops on float16 and bfloat16 compute in float32 and round back once, as the
other backends' kernels do; NumPy would otherwise round every intermediate step.
"""

import numpy as np

from k_backends.inference import float_dtype
from k_backends.numpy.core import convert_to_tensor
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


def _float_unary(name, np_func, real_only=False):
    """An op computing `np_func` in floats: ints and bools become floatx, halves compute in float32."""
    def op(x):
        x = convert_to_tensor(x)
        kind = x.dtype.kind
        if real_only and kind == "c":
            rules.require_real(x.dtype.name, name)
        if kind in "fc" and x.dtype != np.float16:  # the common case: float32, float64, complex
            result = np_func(x)
            return result if result.dtype == x.dtype else result.astype(x.dtype)  # np.i0 gives float64
        dtype = float_dtype(x.dtype.name)
        if dtype in _HALF:
            return convert_to_tensor(np_func(x.astype(np.float32)), dtype)
        result = np_func(convert_to_tensor(x, dtype))
        return result if result.dtype.name == dtype else convert_to_tensor(result, dtype)
    op.__name__ = name
    return op


def _real_only(op_name, x):
    x = convert_to_tensor(x)
    if x.dtype.kind == "c":
        rules.require_real(x.dtype.name, op_name)
    return x


def negative(x):
    return np.negative(convert_to_tensor(x))


def absolute(x):
    return np.absolute(convert_to_tensor(x))


def sign(x):
    x = convert_to_tensor(x)
    return x.copy() if x.dtype == np.bool_ else np.sign(x)


def signbit(x):
    return np.signbit(_real_only("signbit", x))


def square(x):
    x = convert_to_tensor(x)
    return np.square(x.astype(np.int32) if x.dtype == np.bool_ else x)


fabs = _float_unary("fabs", np.fabs, real_only=True)
sqrt = _float_unary("sqrt", np.sqrt)
cbrt = _float_unary("cbrt", np.cbrt, real_only=True)
reciprocal = _float_unary("reciprocal", np.reciprocal)
exp = _float_unary("exp", np.exp)
exp2 = _float_unary("exp2", np.exp2)
expm1 = _float_unary("expm1", np.expm1)
log = _float_unary("log", np.log)
log2 = _float_unary("log2", np.log2)
log10 = _float_unary("log10", np.log10)
log1p = _float_unary("log1p", np.log1p)
sin = _float_unary("sin", np.sin)
cos = _float_unary("cos", np.cos)
tan = _float_unary("tan", np.tan)
arcsin = _float_unary("arcsin", np.arcsin)
arccos = _float_unary("arccos", np.arccos)
arctan = _float_unary("arctan", np.arctan)
sinh = _float_unary("sinh", np.sinh)
cosh = _float_unary("cosh", np.cosh)
tanh = _float_unary("tanh", np.tanh)
arcsinh = _float_unary("arcsinh", np.arcsinh)
arccosh = _float_unary("arccosh", np.arccosh)
arctanh = _float_unary("arctanh", np.arctanh)
deg2rad = _float_unary("deg2rad", np.deg2rad, real_only=True)
rad2deg = _float_unary("rad2deg", np.rad2deg, real_only=True)
sinc = _float_unary("sinc", np.sinc)
i0 = _float_unary("i0", np.i0, real_only=True)
ceil = _float_unary("ceil", np.ceil, real_only=True)
floor = _float_unary("floor", np.floor, real_only=True)


def trunc(x):
    x = _real_only("trunc", x)
    return np.trunc(x) if x.dtype.kind == "f" or x.dtype.name == "bfloat16" else x.copy()


def round(x, decimals=0):
    x = _real_only("round", x)
    if x.dtype == np.bool_ or (decimals >= 0 and x.dtype.kind in "iu"):
        return x.copy()
    if x.dtype.name in _HALF:
        return np.round(x.astype(np.float32), decimals).astype(x.dtype)
    # NumPy rounds integers to tens, hundreds, ... with halves to even, as kappa wants.
    return np.round(x, decimals)


def clip(x, x_min, x_max):
    x = _real_only("clip", x)
    dtype = rules.int_for_bool(x.dtype.name)
    x = convert_to_tensor(x, dtype)
    x_min, x_max = rules.clip_bounds(x_min, x_max, dtype)
    if x_min is not None:
        x = np.maximum(x, convert_to_tensor(x_min, dtype))
    if x_max is not None:
        x = np.minimum(x, convert_to_tensor(x_max, dtype))
    return x


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = convert_to_tensor(x)
    if x.dtype.kind not in "fc" and x.dtype.name != "bfloat16":
        return x.copy()
    nan, posinf, neginf = rules.nan_to_num_values(x.dtype.name, nan, posinf, neginf)
    if x.dtype.name in _HALF:
        return np.nan_to_num(x.astype(np.float32), nan=nan, posinf=posinf, neginf=neginf).astype(x.dtype)
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def real(x):
    x = convert_to_tensor(x)
    return np.real(x) if x.dtype.kind == "c" else x.copy()


def imag(x):
    x = convert_to_tensor(x)
    return np.imag(x) if x.dtype.kind == "c" else np.zeros_like(x)


def angle(x):
    x = convert_to_tensor(x)
    dtype = rules.angle_dtype(x.dtype.name)
    if x.dtype.kind == "c":
        return np.angle(x)
    compute = np.float32 if dtype in _HALF else dtype
    # arctan2(0, x) is pi for negative x and for -0.0, as NumPy's angle is.
    x = x.astype(compute)
    return convert_to_tensor(np.arctan2(np.zeros_like(x), x), dtype)


def conjugate(x):
    x = convert_to_tensor(x)
    return np.conjugate(x) if x.dtype.kind == "c" else x.copy()


def isreal(x):
    x = convert_to_tensor(x)
    return np.imag(x) == 0 if x.dtype.kind == "c" else np.ones(x.shape, dtype=bool)


def isfinite(x):
    return np.isfinite(convert_to_tensor(x))


def isinf(x):
    return np.isinf(convert_to_tensor(x))


def isnan(x):
    return np.isnan(convert_to_tensor(x))


def isposinf(x):
    return np.isposinf(_real_only("isposinf", x))


def isneginf(x):
    return np.isneginf(_real_only("isneginf", x))


def logical_not(x):
    return np.logical_not(convert_to_tensor(x))


def bitwise_invert(x):
    return np.invert(convert_to_tensor(x))
