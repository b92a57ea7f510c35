"""Dtype and argument rules of the elementwise unary ops, shared by the backends and the specs.

Output dtypes follow Keras 3:
- math and trigonometry (`sqrt`, `exp`, `sin`, `ceil`, `floor`, `reciprocal`, ...) turn ints and
  bools into `floatx()` and keep float and complex dtypes (`inference.float_dtype`);
- `abs`, `real` and `imag` of complex numbers give the real dtype of their parts, `angle`
  does too and otherwise is a float op;
- `square` and `clip` of bools give int32; predicates give bool; the rest keep the input's dtype.
"""

import math
import numbers

from k_backends import dtypes
from k_backends.inference import float_dtype

__all__ = ["real_dtype", "angle_dtype", "int_for_bool", "require_real", "clip_bounds",
           "nan_to_num_values", "check_nan_to_num_args", "check_decimals",
           "integer_rounding_factor"]

_REAL_PARTS = {"complex64": "float32", "complex128": "float64"}

# The largest finite value of each float dtype: nan_to_num's default for +inf (and, negated, -inf).
_FLOAT_MAX = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38,
              "float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308}
_INT_RANGE = {f"int{b}": (-(2 ** (b - 1)), 2 ** (b - 1) - 1) for b in (8, 16, 32, 64)}
_INT_RANGE.update({f"uint{b}": (0, 2 ** b - 1) for b in (8, 16, 32, 64)})
_INT_RANGE["bool"] = (0, 1)


def real_dtype(dtype):
    """The dtype of a complex dtype's parts; other dtypes are their own."""
    name = dtypes.standardize_dtype(dtype)
    return _REAL_PARTS.get(name, name)


def angle_dtype(dtype):
    """`angle`'s output dtype: the parts' dtype for complex, else a float op's dtype."""
    name = dtypes.standardize_dtype(dtype)
    return _REAL_PARTS.get(name) or float_dtype(name)


def int_for_bool(dtype):
    """`square`'s and `clip`'s output dtype: bools compute as int32 (as in Keras 3)."""
    name = dtypes.standardize_dtype(dtype)
    return "int32" if name == "bool" else name


def require_real(dtype, op=None):
    """Raise a TypeError if `dtype` is complex: for ops NumPy defines on real numbers only."""
    name = dtypes.standardize_dtype(dtype)
    if name in _REAL_PARTS:
        where = f"{op}: " if op else ""
        raise TypeError(f"{where}expected a real (non-complex) input; got dtype {name}. "
                        "Take kappa.ops.real, imag or abs of it first.")


def clip_bounds(x_min, x_max, dtype):
    """`clip`'s bounds made to fit an integer output `dtype` where they are Python scalars.

    A float bound of an integer clip rounds inward (`x_min` up, `x_max` down), and a bound
    beyond the dtype's range is moved to its edge, so casting the bounds never wraps around.
    Tensor bounds and bounds of float clips come back unchanged.
    """
    limits = _INT_RANGE.get(dtype)
    if limits is None:
        return x_min, x_max
    low, high = limits
    if isinstance(x_min, (int, float)) and not math.isnan(x_min):
        x_min = min(max(math.ceil(x_min) if x_min != -math.inf else low, low), high)
    if isinstance(x_max, (int, float)) and not math.isnan(x_max):
        x_max = min(max(math.floor(x_max) if x_max != math.inf else high, low), high)
    return x_min, x_max


def nan_to_num_values(dtype, nan, posinf, neginf):
    """The (nan, posinf, neginf) replacements for a float `dtype`, defaults filled in.

    The defaults are 0 and the largest and smallest finite values of `dtype`
    (for complex, of its parts' dtype).
    """
    largest = _FLOAT_MAX[real_dtype(dtype)]
    return (nan, largest if posinf is None else posinf, -largest if neginf is None else neginf)


def check_nan_to_num_args(nan, posinf, neginf):
    """Raise a TypeError unless the replacement values are real numbers (`posinf`, `neginf` may be None)."""
    for arg, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if value is None and arg != "nan":
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            expected = "a real number" + (" or None" if arg != "nan" else "")
            raise TypeError(f"nan_to_num expected {arg} to be {expected}; got {arg}={value!r}.")


def check_decimals(decimals):
    """Raise a TypeError unless `decimals` is an int (not a bool)."""
    if isinstance(decimals, bool) or not hasattr(decimals, "__index__"):
        raise TypeError(f"round expected an int number of decimals; got decimals={decimals!r}.")


def integer_rounding_factor(dtype, decimals):
    """`10 ** -decimals` for rounding integers of `dtype` to tens, hundreds, ... (`decimals < 0`).

    None when the factor is beyond the dtype's range: every value then rounds to 0.
    The backends round `x` as `q = x // f`, `r = x - q * f`, up when `r > f - r` or when
    `r == f - r` and `q` is odd (halves to even), without overflowing on `2 * r`.
    """
    factor = 10 ** -decimals
    return factor if factor <= _INT_RANGE[dtypes.standardize_dtype(dtype)][1] else None
