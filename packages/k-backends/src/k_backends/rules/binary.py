"""Dtype rules of the broadcasting binary ops, shared by every backend and the symbolic specs.

Each rule takes the two operands (tensors, arrays, Python scalars, KerasTensors)
and returns the dtype name both are cast to before the op, raising TypeError
for dtypes the op does not take. Comparisons and logical ops return bool
whatever their operands; every other op returns its operands' dtype.
"""

from k_backends import config, dtypes
from k_backends.inference import dtype_of, promoted

__all__ = [
    "promoted", "float_promoted", "remainder_promoted", "float_keeping_64", "integer_promoted",
    "integral_promoted", "no_bool_promoted", "logical_operands", "ldexp_dtype",
]

_SMALL_INTS = frozenset(("bool", "uint8", "uint16", "uint32", "int8", "int16", "int32"))


def float_promoted(x1, x2):
    """Ops computed in floats (division, arctan2, logaddexp): ints and bools become floatx."""
    return promoted(x1, x2, float)


def remainder_promoted(x1, x2):
    """`mod` and `fmod`: the promoted dtype, except that bools give int32 (as in Keras)."""
    dtype = promoted(x1, x2)
    return "int32" if dtype == "bool" else dtype


def float_keeping_64(x1, x2):
    """`hypot` and `heaviside`: bools and ints up to 32 bits give floatx, 64-bit ints float64."""
    dtype = promoted(x1, x2)
    if dtype in _SMALL_INTS:
        return config.floatx()
    if dtype in ("int64", "uint64"):
        return "float64"
    return dtype


def integer_promoted(name):
    """The rule of an op defined on integers only (`gcd`, `lcm`, the shifts)."""
    def rule(x1, x2):
        dtype = promoted(x1, x2)
        if not dtypes.is_int_dtype(dtype):
            raise TypeError(f"{name} expects integer operands; got dtypes {_names(x1, x2)} "
                            f"(promoted to {dtype}).")
        return dtype
    rule.__name__ = f"{name}_dtype"
    return rule


def integral_promoted(name):
    """The rule of a bitwise op: integers or bools."""
    def rule(x1, x2):
        dtype = promoted(x1, x2)
        if dtype != "bool" and not dtypes.is_int_dtype(dtype):
            raise TypeError(f"{name} expects integer or bool operands; got dtypes {_names(x1, x2)} "
                            f"(promoted to {dtype}).")
        return dtype
    rule.__name__ = f"{name}_dtype"
    return rule


def no_bool_promoted(name):
    """The rule of an op undefined on bools (`subtract`: NumPy, torch and TF all refuse it)."""
    def rule(x1, x2):
        dtype = promoted(x1, x2)
        if dtype == "bool":
            raise TypeError(f"{name} does not take two bool operands; cast one to an integer "
                            "dtype first (for bools, `logical_xor` is the difference).")
        return dtype
    rule.__name__ = f"{name}_dtype"
    return rule


def logical_operands(x1, x2):
    """Logical ops read any dtype as bool (nonzero is True)."""
    return "bool"


def ldexp_dtype(x1, x2):
    """`ldexp(x1, x2)`: `x2` must hold integers; the result is `x1` promoted with floats."""
    exponent = dtype_of(x2)
    if exponent is not int and (exponent is float or not dtypes.is_int_dtype(exponent)):
        raise TypeError(f"ldexp expects an integer exponent x2; got dtype {_name(exponent)}.")
    return promoted(x1, x2, float)


def _name(dtype):
    return dtype.__name__ if isinstance(dtype, type) else dtype


def _names(x1, x2):
    return f"{_name(dtype_of(x1))} and {_name(dtype_of(x2))}"
