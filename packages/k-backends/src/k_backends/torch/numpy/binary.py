"""Broadcasting binary ops on PyTorch, with kappa's dtype promotion.

torch promotes differently from kappa, so both operands are cast to the dtype
the op's rule (k_backends.rules.binary) gives. Where torch has no kernel for
that dtype (uint16/32/64, bool for arithmetic) the op runs in a wider type and
the result is cast back. The common case (two tensors of one dtype the
function keeps) skips all of that and calls torch directly.
"""

import torch

from k_backends.rules import binary as rules
from k_backends.rules.linear import matmul_dtype
from k_backends.torch.core import COMPUTE_DTYPES, convert_to_tensor, to_torch_dtype

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "divide_no_nan", "floor_divide", "mod",
    "fmod", "power", "maximum", "minimum", "fmax", "fmin", "arctan2", "hypot", "logaddexp",
    "logaddexp2", "heaviside", "nextafter", "ldexp", "gcd", "lcm", "matmul",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_xor", "isclose", "allclose",
]

_Tensor = torch.Tensor
_PY_SCALARS = (bool, int, float, complex)
_FLOATS = ("float16", "bfloat16", "float32", "float64")
# uint16/32/64 are absent: torch computes them in COMPUTE_DTYPES, so they take the general path.
_INTS = ("uint8", "int8", "int16", "int32", "int64")
_NUMERIC = _INTS + _FLOATS
_ALL = ("bool",) + _NUMERIC


def _operand(x, dtype):
    if isinstance(x, _PY_SCALARS):
        # A 0-d CPU tensor joins an op on any device as a kernel argument: no copy, no sync.
        return torch.tensor(x, dtype=dtype)
    return convert_to_tensor(x, dtype)


def _binary(torch_func, rule=rules.promoted, fast=_NUMERIC, returns_bool=False, via=None):
    """An op applying `torch_func` to both operands cast to `rule`'s dtype.

    `fast`: the dtypes on which `torch_func` of two same-dtype tensors already
    gives kappa's result, so they skip promotion. `via`: the dtype to compute in
    for bool operands where torch has no bool kernel or a different meaning.
    """
    fast = frozenset(to_torch_dtype(name) for name in fast)
    via = via and to_torch_dtype(via)

    def op(x1, x2):
        if type(x1) is _Tensor and type(x2) is _Tensor:
            dtype = x1.dtype
            if dtype is x2.dtype and dtype in fast:
                return torch_func(x1, x2)
        dtype = to_torch_dtype(rule(x1, x2))
        compute = via if via and dtype == torch.bool else COMPUTE_DTYPES.get(dtype, dtype)
        if isinstance(x1, _PY_SCALARS) and isinstance(x2, _PY_SCALARS):
            a, b = convert_to_tensor(x1, compute), convert_to_tensor(x2, compute)
        else:
            a, b = _operand(x1, compute), _operand(x2, compute)
        out = torch_func(a, b)
        return out if returns_bool or out.dtype == dtype else out.to(dtype)
    op.__name__ = getattr(torch_func, "__name__", "op")
    return op


def _zero_division_safe(torch_func):
    """`torch_func` giving NumPy's 0 for integer division by zero, where torch raises."""
    def safe(a, b):
        if a.is_floating_point():
            return torch_func(a, b)
        is_zero = b == 0
        return torch.where(is_zero, 0, torch_func(a, torch.where(is_zero, 1, b)))
    safe.__name__ = torch_func.__name__
    return safe


def _divide_no_nan(a, b):
    is_zero = b == 0
    return torch.where(is_zero, 0, a / torch.where(is_zero, 1, b))


def _heaviside(a, b):
    # torch.heaviside maps NaN to 0; NumPy keeps it.
    return torch.where(torch.isnan(a), a, torch.heaviside(a, b))


add = _binary(torch.add, fast=_ALL)
subtract = _binary(torch.subtract, rules.no_bool_promoted("subtract"))
multiply = _binary(torch.multiply, fast=_ALL)
divide = _binary(torch.true_divide, rules.float_promoted, fast=_FLOATS)
true_divide = divide
divide_no_nan = _binary(_divide_no_nan, rules.float_promoted, fast=_FLOATS)
# torch.floor_divide and torch.remainder round toward -inf, as NumPy and Python do.
floor_divide = _binary(_zero_division_safe(torch.floor_divide), via="uint8")
mod = _binary(_zero_division_safe(torch.remainder), rules.remainder_promoted)
fmod = _binary(_zero_division_safe(torch.fmod), rules.remainder_promoted)
power = _binary(torch.pow, via="uint8")
maximum = _binary(torch.maximum, fast=_ALL)
minimum = _binary(torch.minimum, fast=_ALL)
fmax = _binary(torch.fmax, fast=_ALL)
fmin = _binary(torch.fmin, fast=_ALL)
arctan2 = _binary(torch.atan2, rules.float_promoted, fast=_FLOATS)
hypot = _binary(torch.hypot, rules.float_keeping_64, fast=_FLOATS)
logaddexp = _binary(torch.logaddexp, rules.float_promoted, fast=_FLOATS)
logaddexp2 = _binary(torch.logaddexp2, rules.float_promoted, fast=_FLOATS)
heaviside = _binary(_heaviside, rules.float_keeping_64, fast=_FLOATS)
nextafter = _binary(torch.nextafter, rules.float_promoted, fast=_FLOATS)
gcd = _binary(torch.gcd, rules.integer_promoted("gcd"), fast=_INTS)
lcm = _binary(torch.lcm, rules.integer_promoted("lcm"), fast=_INTS)
# Bool matmul is any(a & b): a float32 count of the true pairs, nonzero where there is one.
# int8 @ int8 accumulates in int32 (rules.linear.matmul_dtype), so it takes the general path.
_MATMUL_FAST = tuple(d for d in _ALL if d not in ("int8",))
matmul = _binary(torch.matmul, rule=matmul_dtype, fast=_MATMUL_FAST, via="float32")
# On bool tensors torch's bitwise ops are the logical ones.
bitwise_and = _binary(torch.bitwise_and, rules.integral_promoted("bitwise_and"), fast=("bool",) + _INTS)
bitwise_or = _binary(torch.bitwise_or, rules.integral_promoted("bitwise_or"), fast=("bool",) + _INTS)
bitwise_xor = _binary(torch.bitwise_xor, rules.integral_promoted("bitwise_xor"), fast=("bool",) + _INTS)
bitwise_left_shift = _binary(torch.bitwise_left_shift, rules.integer_promoted("bitwise_left_shift"),
                             fast=_INTS)
bitwise_right_shift = _binary(torch.bitwise_right_shift, rules.integer_promoted("bitwise_right_shift"),
                              fast=_INTS)

equal = _binary(torch.eq, fast=_ALL, returns_bool=True)
not_equal = _binary(torch.ne, fast=_ALL, returns_bool=True)
less = _binary(torch.lt, fast=_ALL, returns_bool=True)
less_equal = _binary(torch.le, fast=_ALL, returns_bool=True)
greater = _binary(torch.gt, fast=_ALL, returns_bool=True)
greater_equal = _binary(torch.ge, fast=_ALL, returns_bool=True)
logical_and = _binary(torch.logical_and, rules.logical_operands, fast=_ALL, returns_bool=True)
logical_or = _binary(torch.logical_or, rules.logical_operands, fast=_ALL, returns_bool=True)
logical_xor = _binary(torch.logical_xor, rules.logical_operands, fast=_ALL, returns_bool=True)


def ldexp(x1, x2):
    dtype = to_torch_dtype(rules.ldexp_dtype(x1, x2))
    exponent = _operand(x2, None)
    if exponent.dtype in COMPUTE_DTYPES:
        exponent = exponent.to(torch.int64)
    return torch.ldexp(convert_to_tensor(x1, dtype), exponent).to(dtype)


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = _close_operands(x1, x2)
    # NumPy's definition: within tolerance of a finite x2, or exactly equal (infinities).
    close = ((torch.abs(a - b) <= atol + rtol * torch.abs(b)) & torch.isfinite(b)) | (a == b)
    if equal_nan:
        close |= torch.isnan(a) & torch.isnan(b)
    return close


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    return torch.all(isclose(x1, x2, rtol, atol, equal_nan))


def _close_operands(x1, x2):
    # Floats compare in their promoted dtype; integers and bools in float64, as NumPy does,
    # so a tolerance applies to them too.
    dtype = rules.promoted(x1, x2)
    if dtype not in _FLOATS:
        dtype = "float64"
    dtype = to_torch_dtype(dtype)
    return convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)
