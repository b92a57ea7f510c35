"""Broadcasting binary ops on NumPy, with kappa's dtype promotion.

Every op casts both operands to the dtype its rule (k_backends.rules.binary)
gives, calls NumPy, and casts the result back where NumPy's own promotion
differs (bool floor division gives int8 in NumPy, bool in kappa).
The common case (two arrays of one dtype the ufunc keeps) skips all of that.
"""

import numpy as np

from k_backends.numpy.core import NUMPY_DTYPES, convert_to_tensor, to_numpy_dtype
from k_backends.rules import binary as rules
from k_backends.rules.linear import matmul_dtype

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "divide_no_nan", "floor_divide", "mod",
    "fmod", "power", "maximum", "minimum", "fmax", "fmin", "arctan2", "hypot", "logaddexp",
    "logaddexp2", "heaviside", "nextafter", "ldexp", "gcd", "lcm", "matmul",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_xor", "isclose", "allclose",
]

_ndarray = np.ndarray
_FLOATS = ("float16", "bfloat16", "float32", "float64")
_INTS = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
_NUMERIC = _INTS + _FLOATS
_ALL = ("bool",) + _NUMERIC
_NP_DTYPES = {name: NUMPY_DTYPES[name] for name in _ALL if name in NUMPY_DTYPES}


def _binary(np_func, rule=rules.promoted, fast=_NUMERIC, returns_bool=False, via=None):
    """An op applying `np_func` to both operands cast to `rule`'s dtype.

    `fast`: the dtypes on which `np_func` of two same-dtype arrays already gives
    kappa's result, so they skip promotion. `via`: a dtype to compute in for
    bool operands, where NumPy's bool loop differs from kappa's meaning.
    """
    fast = frozenset(_NP_DTYPES[name] for name in fast if name in _NP_DTYPES)
    output = _NP_DTYPES["bool"] if returns_bool else None

    def op(x1, x2):
        # Fast path: one type check each and a set lookup; the ufunc itself does the rest.
        if type(x1) is _ndarray and type(x2) is _ndarray:
            dtype = x1.dtype
            if dtype is x2.dtype and dtype in fast:
                out = np_func(x1, x2)
                return out if type(out) is _ndarray else np.asarray(out)
        name = rule(x1, x2)
        dtype = _NP_DTYPES[name] if name in _NP_DTYPES else np.dtype(to_numpy_dtype(name))
        compute = _NP_DTYPES[via] if via and dtype is _NP_DTYPES["bool"] else dtype
        out = np.asarray(np_func(convert_to_tensor(x1, compute), convert_to_tensor(x2, compute)))
        target = dtype if output is None else output
        return out if out.dtype == target else out.astype(target)
    op.__name__ = getattr(np_func, "__name__", "op")
    return op


def _divide_no_nan(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, np.zeros((), a.dtype), a / b)


add = _binary(np.add, fast=_ALL)
subtract = _binary(np.subtract, rules.no_bool_promoted("subtract"))
multiply = _binary(np.multiply, fast=_ALL)
divide = _binary(np.true_divide, rules.float_promoted, fast=_FLOATS)
true_divide = divide
divide_no_nan = _binary(_divide_no_nan, rules.float_promoted, fast=_FLOATS)
# np.floor_divide and np.mod round toward -inf as Python does; integer division by zero gives 0.
floor_divide = _binary(np.floor_divide, via="uint8")
mod = _binary(np.mod, rules.remainder_promoted)
fmod = _binary(np.fmod, rules.remainder_promoted)
power = _binary(np.power, via="uint8")
maximum = _binary(np.maximum, fast=_ALL)
minimum = _binary(np.minimum, fast=_ALL)
fmax = _binary(np.fmax, fast=_ALL)
fmin = _binary(np.fmin, fast=_ALL)
arctan2 = _binary(np.arctan2, rules.float_promoted, fast=_FLOATS)
hypot = _binary(np.hypot, rules.float_keeping_64, fast=_FLOATS)
logaddexp = _binary(np.logaddexp, rules.float_promoted, fast=_FLOATS)
logaddexp2 = _binary(np.logaddexp2, rules.float_promoted, fast=_FLOATS)
heaviside = _binary(np.heaviside, rules.float_keeping_64, fast=_FLOATS)
nextafter = _binary(np.nextafter, rules.float_promoted, fast=_FLOATS)
gcd = _binary(np.gcd, rules.integer_promoted("gcd"), fast=_INTS)
lcm = _binary(np.lcm, rules.integer_promoted("lcm"), fast=_INTS)
# int8 @ int8 accumulates in int32 (rules.linear.matmul_dtype); NumPy's bfloat16 matmul
# returns float32. Both take the general path.
_MATMUL_FAST = tuple(d for d in _ALL if d not in ("int8", "bfloat16"))
matmul = _binary(np.matmul, rule=matmul_dtype, fast=_MATMUL_FAST)
bitwise_and = _binary(np.bitwise_and, rules.integral_promoted("bitwise_and"), fast=("bool",) + _INTS)
bitwise_or = _binary(np.bitwise_or, rules.integral_promoted("bitwise_or"), fast=("bool",) + _INTS)
bitwise_xor = _binary(np.bitwise_xor, rules.integral_promoted("bitwise_xor"), fast=("bool",) + _INTS)
bitwise_left_shift = _binary(np.left_shift, rules.integer_promoted("bitwise_left_shift"), fast=_INTS)
bitwise_right_shift = _binary(np.right_shift, rules.integer_promoted("bitwise_right_shift"), fast=_INTS)

equal = _binary(np.equal, fast=_ALL, returns_bool=True)
not_equal = _binary(np.not_equal, fast=_ALL, returns_bool=True)
less = _binary(np.less, fast=_ALL, returns_bool=True)
less_equal = _binary(np.less_equal, fast=_ALL, returns_bool=True)
greater = _binary(np.greater, fast=_ALL, returns_bool=True)
greater_equal = _binary(np.greater_equal, fast=_ALL, returns_bool=True)
logical_and = _binary(np.logical_and, rules.logical_operands, fast=_ALL, returns_bool=True)
logical_or = _binary(np.logical_or, rules.logical_operands, fast=_ALL, returns_bool=True)
logical_xor = _binary(np.logical_xor, rules.logical_operands, fast=_ALL, returns_bool=True)


def ldexp(x1, x2):
    dtype = _NP_DTYPES[rules.ldexp_dtype(x1, x2)]
    # int64 exponents: NumPy has ldexp loops for int32 and int64 exponents, not for uint64;
    # ml_dtypes' bfloat16 comes back as float32.
    out = np.asarray(np.ldexp(convert_to_tensor(x1, dtype), convert_to_tensor(x2, "int64")))
    return out if out.dtype == dtype else out.astype(dtype)


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = _close_operands(x1, x2)
    with np.errstate(invalid="ignore", over="ignore"):
        close = (np.abs(a - b) <= atol + rtol * np.abs(b)) & np.isfinite(b)
    close |= a == b
    if equal_nan:
        close |= np.isnan(a) & np.isnan(b)
    return np.asarray(close)


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    return np.asarray(np.all(isclose(x1, x2, rtol, atol, equal_nan)))


def _close_operands(x1, x2):
    # Floats compare in their promoted dtype; integers and bools in float64, as NumPy does,
    # so a tolerance applies to them too.
    dtype = rules.promoted(x1, x2)
    if dtype not in _FLOATS:
        dtype = "float64"
    return convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)
