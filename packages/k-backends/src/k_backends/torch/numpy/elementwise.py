"""Elementwise unary math, trigonometry, rounding and predicates on PyTorch."""

import math

import torch

from k_backends.inference import float_dtype
from k_backends.rules import elementwise as rules
from k_backends.torch.core import COMPUTE_DTYPES, convert_to_tensor, to_torch_dtype

__all__ = [
    "negative", "absolute", "fabs", "sign", "signbit", "square", "sqrt", "cbrt", "reciprocal",
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
    "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg", "sinc", "i0",
    "ceil", "floor", "trunc", "round", "clip", "nan_to_num",
    "real", "imag", "angle", "conjugate", "isreal",
    "isfinite", "isinf", "isnan", "isposinf", "isneginf", "logical_not", "bitwise_invert",
]

_HALF = (torch.float16, torch.bfloat16)
_PY_SCALARS = (bool, int, float)


def _name(dtype):
    return str(dtype)[len("torch."):]


def _unary(torch_func, bool_via=None):
    """An op keeping its input's dtype, computing in a wider type where torch has no kernel."""
    def op(x):
        x = convert_to_tensor(x)
        compute = bool_via if x.dtype == torch.bool and bool_via else COMPUTE_DTYPES.get(x.dtype)
        return torch_func(x) if compute is None else torch_func(x.to(compute)).to(x.dtype)
    op.__name__ = torch_func.__name__
    return op


def _predicate(torch_func):
    """A bool-valued op, computing in a wider type where torch has no kernel."""
    def op(x):
        x = convert_to_tensor(x)
        compute = COMPUTE_DTYPES.get(x.dtype)
        return torch_func(x if compute is None else x.to(compute))
    op.__name__ = torch_func.__name__
    return op


def _float_unary(name, torch_func, real_only=False):
    """An op computing `torch_func` in floats: ints and bools become floatx first."""
    def op(x):
        x = convert_to_tensor(x)
        if real_only and x.dtype.is_complex:
            rules.require_real(_name(x.dtype), name)
        if not (x.dtype.is_floating_point or x.dtype.is_complex):
            x = x.to(to_torch_dtype(float_dtype(_name(x.dtype))))
        return torch_func(x)
    op.__name__ = name
    return op


def _real_only(op_name, x):
    x = convert_to_tensor(x)
    if x.dtype.is_complex:
        rules.require_real(_name(x.dtype), op_name)
    return x


def _is_float(x):
    return x.dtype.is_floating_point or x.dtype.is_complex


negative = _unary(torch.negative)
absolute = _unary(torch.abs, bool_via=torch.uint8)
bitwise_invert = _unary(torch.bitwise_not)
_integer_sign = _unary(torch.sign)
_square = _unary(torch.square)
_signbit = _predicate(torch.signbit)
_isposinf = _predicate(torch.isposinf)
_isneginf = _predicate(torch.isneginf)


def sign(x):
    x = convert_to_tensor(x)
    if x.dtype.is_complex:
        return torch.sgn(x)
    if x.dtype.is_floating_point:
        # torch.sign(nan) is 0; NumPy's is nan.
        return torch.where(torch.isnan(x), x, torch.sign(x))
    return _integer_sign(x)


def signbit(x):
    return _signbit(_real_only("signbit", x))


def square(x):
    x = convert_to_tensor(x)
    return _square(x.to(torch.int32) if x.dtype == torch.bool else x)


def _cbrt(x):
    # torch has no cbrt; the cube root of |x|, signed, is exact on perfect cubes up to rounding.
    return torch.sign(x) * torch.abs(x).pow(1.0 / 3.0)


def _deg2rad(x):
    return x * (math.pi / 180)


def _rad2deg(x):
    return x * (180 / math.pi)


fabs = _float_unary("fabs", torch.abs, real_only=True)
sqrt = _float_unary("sqrt", torch.sqrt)
cbrt = _float_unary("cbrt", _cbrt, real_only=True)
reciprocal = _float_unary("reciprocal", torch.reciprocal)
exp = _float_unary("exp", torch.exp)
exp2 = _float_unary("exp2", torch.exp2)
expm1 = _float_unary("expm1", torch.expm1)
log = _float_unary("log", torch.log)
log2 = _float_unary("log2", torch.log2)
log10 = _float_unary("log10", torch.log10)
log1p = _float_unary("log1p", torch.log1p)
sin = _float_unary("sin", torch.sin)
cos = _float_unary("cos", torch.cos)
tan = _float_unary("tan", torch.tan)
arcsin = _float_unary("arcsin", torch.arcsin)
arccos = _float_unary("arccos", torch.arccos)
arctan = _float_unary("arctan", torch.arctan)
sinh = _float_unary("sinh", torch.sinh)
cosh = _float_unary("cosh", torch.cosh)
tanh = _float_unary("tanh", torch.tanh)
arcsinh = _float_unary("arcsinh", torch.arcsinh)
arccosh = _float_unary("arccosh", torch.arccosh)
arctanh = _float_unary("arctanh", torch.arctanh)
deg2rad = _float_unary("deg2rad", _deg2rad, real_only=True)
rad2deg = _float_unary("rad2deg", _rad2deg, real_only=True)
sinc = _float_unary("sinc", torch.sinc)
i0 = _float_unary("i0", torch.special.i0, real_only=True)
ceil = _float_unary("ceil", torch.ceil, real_only=True)
floor = _float_unary("floor", torch.floor, real_only=True)


def trunc(x):
    x = _real_only("trunc", x)
    return torch.trunc(x) if x.dtype.is_floating_point else x


def round(x, decimals=0):
    x = _real_only("round", x)
    if x.dtype.is_floating_point:
        if x.dtype in _HALF and decimals != 0:
            return torch.round(x.float(), decimals=decimals).to(x.dtype)
        return torch.round(x, decimals=decimals) if decimals else torch.round(x)
    if x.dtype == torch.bool or decimals >= 0:
        return x
    factor = rules.integer_rounding_factor(_name(x.dtype), decimals)
    if factor is None:
        return torch.zeros_like(x)
    compute = COMPUTE_DTYPES.get(x.dtype, x.dtype)
    y = x.to(compute)
    quotient = torch.div(y, factor, rounding_mode="floor")
    rest = y - quotient * factor
    up = (rest > factor - rest) | ((rest == factor - rest) & (quotient % 2 != 0))
    return ((quotient + up.to(compute)) * factor).to(x.dtype)


def clip(x, x_min, x_max):
    x = _real_only("clip", x)
    dtype = rules.int_for_bool(_name(x.dtype))
    target = to_torch_dtype(dtype)
    compute = COMPUTE_DTYPES.get(target, target)
    x_min, x_max = rules.clip_bounds(x_min, x_max, dtype)
    x = x.to(compute)
    if x_min is not None:
        x = (torch.clamp(x, min=x_min) if isinstance(x_min, _PY_SCALARS)
             else torch.maximum(x, convert_to_tensor(x_min, target).to(compute)))
    if x_max is not None:
        x = (torch.clamp(x, max=x_max) if isinstance(x_max, _PY_SCALARS)
             else torch.minimum(x, convert_to_tensor(x_max, target).to(compute)))
    return x.to(target)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = convert_to_tensor(x)
    if not _is_float(x):
        return x
    nan, posinf, neginf = rules.nan_to_num_values(_name(x.dtype), nan, posinf, neginf)
    if x.dtype.is_complex:
        parts = (torch.nan_to_num(p, nan=nan, posinf=posinf, neginf=neginf) for p in (x.real, x.imag))
        return torch.complex(*parts)
    return torch.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def real(x):
    x = convert_to_tensor(x)
    return torch.real(x).clone() if x.dtype.is_complex else x


def imag(x):
    x = convert_to_tensor(x)
    return torch.imag(x).clone() if x.dtype.is_complex else torch.zeros_like(x)


def angle(x):
    x = convert_to_tensor(x)
    if x.dtype.is_complex:
        return torch.angle(x)
    x = x.to(to_torch_dtype(rules.angle_dtype(_name(x.dtype))))
    # atan2(0, x) is pi for negative x and for -0.0, as NumPy's angle is (torch.angle(-0.0) is 0).
    return torch.atan2(torch.zeros_like(x), x)


def conjugate(x):
    x = convert_to_tensor(x)
    # conj_physical: torch.conj only sets a lazy flag that NumPy conversion refuses.
    return torch.conj_physical(x) if x.dtype.is_complex else x


def isreal(x):
    return torch.isreal(convert_to_tensor(x))


isfinite = _predicate(torch.isfinite)
isinf = _predicate(torch.isinf)
isnan = _predicate(torch.isnan)
logical_not = _predicate(torch.logical_not)


def isposinf(x):
    return _isposinf(_real_only("isposinf", x))


def isneginf(x):
    return _isneginf(_real_only("isneginf", x))
