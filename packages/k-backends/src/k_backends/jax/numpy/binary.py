"""Broadcasting binary ops on JAX, with kappa's dtype promotion.

Every op casts both operands to the dtype its rule (k_backends.rules.binary)
gives and calls jax.numpy; the common case (two arrays of one dtype the
function keeps) skips promotion and goes straight to the jitted jnp function.
Ops that jnp lacks or computes differently from NumPy are small jitted
compositions, so they too cost one dispatch.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from k_backends.jax.core import convert_to_tensor
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

_Array = type(jnp.zeros(()))  # concrete arrays; tracers take the general path
_FLOATS = ("float16", "bfloat16", "float32", "float64")
_INTS = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
_NUMERIC = _INTS + _FLOATS
_ALL = ("bool",) + _NUMERIC
_PY_SCALARS = (bool, int, float)


def _operand(x, dtype):
    if isinstance(x, _PY_SCALARS):
        # A NumPy scalar joins the jitted call as an argument: ~0.2 us, against ~50 us for
        # jnp.asarray (measured on a 2-core CPU).
        return np.asarray(x, dtype=jnp.dtype(dtype))
    return convert_to_tensor(x, dtype)


def _binary(jnp_func, rule=rules.promoted, fast=_NUMERIC, returns_bool=False, via=None):
    """An op applying `jnp_func` to both operands cast to `rule`'s dtype.

    `fast`: the dtypes on which `jnp_func` of two same-dtype arrays already gives
    kappa's result, so they skip promotion. `via`: a dtype to compute in for
    bool operands, where jnp's bool result differs from kappa's meaning.
    """
    fast = frozenset(jnp.dtype(name) for name in fast)

    def op(x1, x2):
        if type(x1) is _Array and type(x2) is _Array:
            dtype = x1.dtype
            if dtype is x2.dtype and dtype in fast:
                return jnp_func(x1, x2)
        dtype = rule(x1, x2)
        compute = via if via and dtype == "bool" else dtype
        out = jnp_func(_operand(x1, compute), _operand(x2, compute))
        return out if returns_bool or compute == dtype else out.astype(dtype)
    op.__name__ = getattr(jnp_func, "__name__", "op")
    return op


@jax.jit
def _floor_divide(a, b):
    if not jnp.issubdtype(a.dtype, jnp.integer):
        return jnp.floor_divide(a, b)
    # XLA's integer division by zero gives -1 or garbage; NumPy gives 0.
    is_zero = b == 0
    return jnp.where(is_zero, 0, jnp.floor_divide(a, jnp.where(is_zero, 1, b)))


@jax.jit
def _divide_no_nan(a, b):
    is_zero = b == 0
    return jnp.where(is_zero, 0, a / jnp.where(is_zero, 1, b))


@jax.jit
def _heaviside(a, b):
    # jnp.heaviside, with NaN in x1 staying NaN as in NumPy.
    return jnp.where(jnp.isnan(a), a, jnp.heaviside(a, b))


add = _binary(jnp.add, fast=_ALL)
subtract = _binary(jnp.subtract, rules.no_bool_promoted("subtract"))
multiply = _binary(jnp.multiply, fast=_ALL)
divide = _binary(jnp.true_divide, rules.float_promoted, fast=_FLOATS)
true_divide = divide
divide_no_nan = _binary(_divide_no_nan, rules.float_promoted, fast=_FLOATS)
floor_divide = _binary(_floor_divide, via="uint8")
mod = _binary(jnp.mod, rules.remainder_promoted)
fmod = _binary(jnp.fmod, rules.remainder_promoted)
power = _binary(jnp.power, via="uint8")
maximum = _binary(jnp.maximum, fast=_ALL)
minimum = _binary(jnp.minimum, fast=_ALL)
fmax = _binary(jnp.fmax, fast=_ALL)
fmin = _binary(jnp.fmin, fast=_ALL)
arctan2 = _binary(jnp.arctan2, rules.float_promoted, fast=_FLOATS)
hypot = _binary(jnp.hypot, rules.float_keeping_64, fast=_FLOATS)
logaddexp = _binary(jnp.logaddexp, rules.float_promoted, fast=_FLOATS)
logaddexp2 = _binary(jnp.logaddexp2, rules.float_promoted, fast=_FLOATS)
heaviside = _binary(_heaviside, rules.float_keeping_64, fast=_FLOATS)
nextafter = _binary(jnp.nextafter, rules.float_promoted, fast=_FLOATS)
gcd = _binary(jnp.gcd, rules.integer_promoted("gcd"), fast=_INTS)
lcm = _binary(jnp.lcm, rules.integer_promoted("lcm"), fast=_INTS)
# int8 @ int8 accumulates in int32 (rules.linear.matmul_dtype), so it takes the general path.
_MATMUL_FAST = tuple(d for d in _ALL if d not in ("int8",))
matmul = _binary(jnp.matmul, rule=matmul_dtype, fast=_MATMUL_FAST)
bitwise_and = _binary(jnp.bitwise_and, rules.integral_promoted("bitwise_and"), fast=("bool",) + _INTS)
bitwise_or = _binary(jnp.bitwise_or, rules.integral_promoted("bitwise_or"), fast=("bool",) + _INTS)
bitwise_xor = _binary(jnp.bitwise_xor, rules.integral_promoted("bitwise_xor"), fast=("bool",) + _INTS)
bitwise_left_shift = _binary(jnp.left_shift, rules.integer_promoted("bitwise_left_shift"), fast=_INTS)
bitwise_right_shift = _binary(jnp.right_shift, rules.integer_promoted("bitwise_right_shift"), fast=_INTS)

equal = _binary(jnp.equal, fast=_ALL, returns_bool=True)
not_equal = _binary(jnp.not_equal, fast=_ALL, returns_bool=True)
less = _binary(jnp.less, fast=_ALL, returns_bool=True)
less_equal = _binary(jnp.less_equal, fast=_ALL, returns_bool=True)
greater = _binary(jnp.greater, fast=_ALL, returns_bool=True)
greater_equal = _binary(jnp.greater_equal, fast=_ALL, returns_bool=True)
logical_and = _binary(jnp.logical_and, rules.logical_operands, fast=_ALL, returns_bool=True)
logical_or = _binary(jnp.logical_or, rules.logical_operands, fast=_ALL, returns_bool=True)
logical_xor = _binary(jnp.logical_xor, rules.logical_operands, fast=_ALL, returns_bool=True)


def ldexp(x1, x2):
    dtype = rules.ldexp_dtype(x1, x2)
    return jnp.ldexp(convert_to_tensor(x1, dtype), convert_to_tensor(x2))


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _isclose(*_close_operands(x1, x2), rtol, atol, bool(equal_nan))


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    return jnp.all(isclose(x1, x2, rtol, atol, equal_nan))


@functools.partial(jax.jit, static_argnums=4)
def _isclose(a, b, rtol, atol, equal_nan):
    # NumPy's definition: within tolerance of a finite x2, or exactly equal (infinities).
    close = ((jnp.abs(a - b) <= atol + rtol * jnp.abs(b)) & jnp.isfinite(b)) | (a == b)
    if equal_nan:
        close = close | (jnp.isnan(a) & jnp.isnan(b))
    return close


def _close_operands(x1, x2):
    # Floats compare in their promoted dtype; integers and bools in float64, as NumPy does,
    # so a tolerance applies to them too.
    dtype = rules.promoted(x1, x2)
    if dtype not in _FLOATS:
        dtype = "float64"
    return convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)
