import math

import numpy as np
import pytest

import k_backends
import k_ops
from k_backends import dtypes
from k_backends.variables import Variable
from k_ops.symbolic import KerasTensor

from conftest import (
    ALL_DTYPES,
    FLOAT_DTYPES,
    INT_DTYPES,
    assert_close,
    check_symbolic,
    dtype_name,
    reference_input,
    to_numpy,
)

# Float-valued ops: NumPy reference and an input range inside the op's domain.
FLOAT_OPS = {
    "sqrt": (np.sqrt, 0, 5), "cbrt": (np.cbrt, -5, 5), "reciprocal": (np.reciprocal, 0.5, 5),
    "exp": (np.exp, -5, 5), "exp2": (np.exp2, -5, 5), "expm1": (np.expm1, -5, 5),
    "log": (np.log, 0.5, 5), "log2": (np.log2, 0.5, 5), "log10": (np.log10, 0.5, 5),
    "log1p": (np.log1p, 0, 5), "sin": (np.sin, -5, 5), "cos": (np.cos, -5, 5),
    "tan": (np.tan, -1.2, 1.2), "arcsin": (np.arcsin, -1, 1), "arccos": (np.arccos, -1, 1),
    "arctan": (np.arctan, -5, 5), "sinh": (np.sinh, -5, 5), "cosh": (np.cosh, -5, 5),
    "tanh": (np.tanh, -5, 5), "arcsinh": (np.arcsinh, -5, 5), "arccosh": (np.arccosh, 1, 5),
    "arctanh": (np.arctanh, -0.9, 0.9), "deg2rad": (np.deg2rad, -5, 5),
    "rad2deg": (np.rad2deg, -5, 5), "sinc": (np.sinc, -5, 5), "i0": (np.i0, -5, 5),
    "fabs": (np.fabs, -5, 5), "ceil": (np.ceil, -5, 5), "floor": (np.floor, -5, 5),
}
# Ops keeping their input's dtype (bools: see test_same_dtype_ops_on_bool).
SAME_DTYPE_OPS = {
    "negative": np.negative, "absolute": np.absolute, "abs": np.absolute, "square": np.square,
    "sign": np.sign, "trunc": np.trunc, "round": np.round, "conjugate": np.conjugate,
    "conj": np.conjugate, "real": np.real, "imag": np.imag, "nan_to_num": np.nan_to_num,
}
PREDICATES = {
    "isfinite": np.isfinite, "isinf": np.isinf, "isnan": np.isnan, "isposinf": np.isposinf,
    "isneginf": np.isneginf, "signbit": np.signbit, "logical_not": np.logical_not,
    "isreal": np.isreal,
}
SPECIAL_VALUES = [0.0, -0.0, 1.5, -2.5, math.inf, -math.inf, math.nan, -math.nan]
# Ops NumPy defines on real numbers only: kappa raises a TypeError for complex inputs.
REAL_ONLY = ["fabs", "cbrt", "deg2rad", "rad2deg", "i0", "ceil", "floor", "trunc", "round",
             "signbit", "isposinf", "isneginf"]
COMPLEX_OPS = {
    "sqrt": np.sqrt, "exp": np.exp, "log": np.log, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "reciprocal": np.reciprocal,
    "square": np.square, "negative": np.negative, "absolute": np.absolute, "sign": np.sign,
    "real": np.real, "imag": np.imag, "angle": np.angle, "conjugate": np.conjugate,
    "isreal": np.isreal, "isfinite": np.isfinite, "isinf": np.isinf, "isnan": np.isnan,
    "logical_not": np.logical_not, "nan_to_num": np.nan_to_num, "expm1": np.expm1,
    "log1p": np.log1p, "exp2": np.exp2, "log2": np.log2, "log10": np.log10, "sinc": np.sinc,
    "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan, "arcsinh": np.arcsinh,
    "arccosh": np.arccosh, "arctanh": np.arctanh,
}
# Ops whose complex results are also checked on complex128 (the rest: complex64 only, to keep it fast).
COMPLEX_PARTS_OPS = ["real", "imag", "angle", "absolute", "conjugate", "isreal", "sqrt", "exp", "nan_to_num"]
ALL_OPS = sorted(set(FLOAT_OPS) | set(SAME_DTYPE_OPS) | set(PREDICATES) | set(COMPLEX_OPS)
                 | {"clip", "bitwise_invert", "bitwise_not", "angle"})
# log(0), arctanh(1), ... warn on NumPy; infinities are the expected results.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _call(name, x):
    if name == "clip":
        return k_ops.clip(x, 0, 1)
    return getattr(k_ops, name)(x)


def _as64(x):
    return np.asarray(x).astype("float64")


def test_group_lists_every_keras_name():
    expected = {"abs", "absolute", "angle", "arccos", "arccosh", "arcsin", "arcsinh", "arctan",
                "arctanh", "bitwise_invert", "bitwise_not", "cbrt", "ceil", "clip", "conj",
                "conjugate", "cos", "cosh", "deg2rad", "exp", "exp2", "expm1", "fabs", "floor", "i0",
                "imag", "isfinite", "isinf", "isnan", "isneginf", "isposinf", "isreal", "log",
                "log10", "log1p", "log2", "logical_not", "nan_to_num", "negative", "rad2deg", "real",
                "reciprocal", "round", "sign", "signbit", "sin", "sinc", "sinh", "sqrt", "square",
                "tan", "tanh", "trunc"}
    assert set(k_ops.numpy.elementwise.__all__) == expected


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("name", sorted(FLOAT_OPS))
def test_float_ops_match_numpy(name, dtype):
    reference, low, high = FLOAT_OPS[name]
    x = reference_input(dtype, (2, 3), seed=3, low=low, high=high)
    result = getattr(k_ops, name)(x)
    expected_dtype = dtype if dtype in FLOAT_DTYPES else "float32"
    assert_close(result, reference(_as64(x)), dtype=expected_dtype)
    assert getattr(k_ops, name)(KerasTensor((None, 3), dtype)).dtype == expected_dtype


@pytest.mark.parametrize("name", ["sqrt", "sin", "ceil", "reciprocal", "angle"])
def test_float_ops_follow_floatx_and_keep_64_bits(name):
    assert dtype_name(getattr(k_ops, name)(np.array([1, 2], "int64"))) == "float32"
    assert dtype_name(getattr(k_ops, name)(np.array([1.0, 2.0], "float64"))) == "float64"
    k_backends.set_floatx("float64")
    assert dtype_name(getattr(k_ops, name)(np.array([1, 2], "int32"))) == "float64"
    assert dtype_name(getattr(k_ops, name)(np.array([1.0], "float16"))) == "float16"


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("name", sorted(SAME_DTYPE_OPS))
def test_same_dtype_ops_match_numpy(name, dtype):
    if dtype == "bool":
        pytest.skip("bools: test_same_dtype_ops_on_bool")
    x = reference_input(dtype, (2, 3), seed=4)
    expected_dtype = dtype
    expected = SAME_DTYPE_OPS[name](_as64(x))
    if dtype in INT_DTYPES:
        expected = expected.astype(dtype)  # wraps around like the op (negative of uint8)
    assert_close(getattr(k_ops, name)(x), expected, dtype=expected_dtype)
    assert getattr(k_ops, name)(KerasTensor((None, 3), dtype)).dtype == expected_dtype


@pytest.mark.parametrize("name, expected_dtype, expected", [
    ("absolute", "bool", [True, False]), ("abs", "bool", [True, False]),
    ("square", "int32", [1, 0]), ("sign", "bool", [True, False]), ("trunc", "bool", [True, False]),
    ("round", "bool", [True, False]), ("conjugate", "bool", [True, False]),
    ("real", "bool", [True, False]), ("imag", "bool", [False, False]),
    ("nan_to_num", "bool", [True, False]), ("clip", "int32", [1, 0]),
    ("bitwise_invert", "bool", [False, True]), ("bitwise_not", "bool", [False, True]),
])
def test_same_dtype_ops_on_bool(name, expected_dtype, expected):
    assert_close(_call(name, np.array([True, False])), np.array(expected), dtype=expected_dtype)
    assert _call(name, KerasTensor((2,), "bool")).dtype == expected_dtype


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("name", sorted(PREDICATES))
def test_predicates_match_numpy(name, dtype):
    if dtype in FLOAT_DTYPES:
        x = np.array(SPECIAL_VALUES, "float64").astype(reference_input(dtype, (1,)).dtype)
    else:
        x = reference_input(dtype, (2, 3), seed=5)
    assert_close(getattr(k_ops, name)(x), PREDICATES[name](_as64(x)), dtype="bool")
    assert getattr(k_ops, name)(KerasTensor(x.shape, dtype)).dtype == "bool"


def test_special_values():
    assert_close(k_ops.sign(np.array([-2.0, 0.0, 3.0, math.nan], "float32")), [-1.0, 0.0, 1.0, math.nan])
    assert_close(k_ops.sinc(np.array([0.0, 0.5, 1.0], "float32")), [1.0, 2 / math.pi, 0.0], atol=1e-6)
    assert_close(k_ops.i0(np.array([0.0, 1.0], "float32")), [1.0, 1.2660658777520082])
    assert_close(k_ops.cbrt(np.array([-8.0, 27.0], "float32")), [-2.0, 3.0])
    assert_close(k_ops.angle(np.array([-0.0, 0.0, -1.0, 2.0], "float32")), [math.pi, 0.0, math.pi, 0.0])
    assert_close(k_ops.signbit(np.array([-0.0, 0.0, -1.0], "float32")), [True, False, True])
    assert_close(k_ops.sign(np.array([0, 7], "uint8")), np.array([0, 1], "uint8"), dtype="uint8")
    assert_close(k_ops.signbit(np.array([-1, 0, 1], "int8")), [True, False, False])


def test_round_halves_to_even():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 1.26, -2.674], "float32")
    assert_close(k_ops.round(x), np.round(_as64(x)), dtype="float32")
    assert_close(k_ops.round(x, 1), np.round(_as64(x), 1), dtype="float32")
    assert_close(k_ops.round(x, decimals=2), np.round(_as64(x), 2), dtype="float32")
    assert_close(k_ops.round(np.array([14.0, 15.0, 25.0, -35.0], "float32"), -1), [10.0, 20.0, 20.0, -40.0])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_round_with_decimals_in_every_float(dtype):
    x = reference_input(dtype, (2, 3), seed=6)
    assert_close(k_ops.round(x, 1), np.round(_as64(x), 1), dtype=dtype)


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("decimals", [-1, -2, -3, 1])
def test_round_integers_to_tens(dtype, decimals):
    values = [15, 25, 35, 14, 16, 0, 5, 50, 100, 123, 127]
    if not dtype.startswith("u"):
        values += [-15, -25, -16, -5, -50, -127]
    x = np.array(values, dtype)
    assert_close(k_ops.round(x, decimals), np.round(x, decimals), dtype=dtype)


@pytest.mark.parametrize("decimals", [1.0, "1", None, True])
def test_round_rejects_non_int_decimals(decimals):
    with pytest.raises(TypeError, match="decimals"):
        k_ops.round(np.ones(2, "float32"), decimals)
    with pytest.raises(TypeError, match="round: .*decimals"):
        k_ops.round(KerasTensor((2,)), decimals)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_clip_matches_numpy(dtype):
    x = reference_input(dtype, (2, 3), seed=7)
    result = k_ops.clip(x, 1, 3)
    expected_dtype = "int32" if dtype == "bool" else dtype
    assert_close(result, np.clip(_as64(x), 1, 3), dtype=expected_dtype)


def test_clip_bounds():
    x = np.array([-3, 0, 2, 5], "int8")
    # Out-of-range and float bounds of an integer clip neither wrap around nor promote.
    assert_close(k_ops.clip(x, -1000, 1000), x, dtype="int8")
    assert_close(k_ops.clip(x, 0.5, 2.5), np.array([1, 1, 2, 2], "int8"), dtype="int8")
    assert_close(k_ops.clip(np.array([0, 9], "uint8"), -3, 300), np.array([0, 9], "uint8"), dtype="uint8")
    # x_min > x_max gives x_max, as in NumPy.
    assert_close(k_ops.clip(np.array([1.0, 5.0], "float32"), 3.0, 2.0), [2.0, 2.0])
    assert_close(k_ops.clip(np.array([1.0, 5.0], "float32"), None, 2.0), [1.0, 2.0])
    assert_close(k_ops.clip(np.array([1.0, 5.0], "float32"), 2.0, None), [2.0, 5.0])
    bounds = np.array([[0.0], [2.0]], "float64")
    result = k_ops.clip(np.array([1.0, 3.0, 5.0], "float32"), bounds, 4)
    assert_close(result, np.clip([1.0, 3.0, 5.0], bounds, 4), dtype="float32")
    assert_close(k_ops.clip(np.array([1.5, 7.0], "float16"), np.array(2, "int32"), 6.5),
                 [2.0, 6.5], dtype="float16")


def test_nan_to_num():
    values = [math.nan, math.inf, -math.inf, 1.5, -0.0]
    for dtype in FLOAT_DTYPES:
        x = np.array(values).astype(reference_input(dtype, (1,)).dtype)
        largest = float(np.finfo(np.float16).max) if dtype == "float16" else float(
            to_numpy(k_ops.nan_to_num(np.array([math.inf]).astype(x.dtype)))[0])
        assert_close(k_ops.nan_to_num(x), [0.0, largest, -largest, 1.5, 0.0], dtype=dtype)
        assert_close(k_ops.nan_to_num(x, nan=2.0, posinf=3, neginf=-4.0), [2.0, 3.0, -4.0, 1.5, 0.0],
                     dtype=dtype)
    assert_close(k_ops.nan_to_num(np.array(values, "float32")), np.nan_to_num(np.array(values, "float32")))
    assert_close(k_ops.nan_to_num(np.array(values, "float64")), np.nan_to_num(np.array(values, "float64")))
    assert_close(k_ops.nan_to_num(np.array([3, 4], "int8"), nan=1.0), np.array([3, 4], "int8"), dtype="int8")


@pytest.mark.parametrize("nan, posinf, neginf", [(None, None, None), ("0", None, None), (0.0, 1j, None),
                                                 (0.0, None, [1.0])])
def test_nan_to_num_rejects_non_numbers(nan, posinf, neginf):
    with pytest.raises(TypeError, match="nan_to_num expected"):
        k_ops.nan_to_num(np.ones(2, "float32"), nan, posinf, neginf)
    with pytest.raises(TypeError, match="nan_to_num expected"):
        k_ops.nan_to_num(KerasTensor((2,)), nan, posinf, neginf)


@pytest.mark.parametrize("name, dtype", [(name, "complex64") for name in sorted(COMPLEX_OPS)]
                         + [(name, "complex128") for name in COMPLEX_PARTS_OPS])
def test_complex_inputs_match_numpy(name, dtype):
    x = np.array([1 + 2j, -3 - 0.5j, 0.25j, 0.5, complex(math.nan, 1), complex(1, math.inf),
                  -0.75 + 0.5j], dtype)
    if name not in ("real", "imag", "isreal", "isfinite", "isinf", "isnan", "logical_not",
                    "nan_to_num", "conjugate", "negative", "absolute", "angle"):
        x = x[np.isfinite(x)]  # frameworks disagree on non-finite complex arguments
    result = getattr(k_ops, name)(x)
    # nan_to_num's default replacements are the largest values of x's own dtype.
    expected = COMPLEX_OPS[name](x if name == "nan_to_num" else x.astype("complex128"))
    tol = 1e-5 if dtype == "complex64" else 1e-12
    actual = to_numpy(result)
    assert actual.dtype == (expected.dtype if expected.dtype == bool else np.dtype(dtype) if
                            expected.dtype.kind == "c" else np.dtype("float32" if dtype == "complex64"
                                                                      else "float64"))
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol, equal_nan=True)


@pytest.mark.parametrize("name", REAL_ONLY + ["clip"])
def test_real_only_ops_reject_complex(name):
    x = np.array([1 + 2j], "complex64")
    with pytest.raises(TypeError, match=f"{name}: expected a real"):
        _call(name, x)
    with pytest.raises(TypeError, match=f"{name}: expected a real"):
        _call(name, KerasTensor((2,), "complex64"))


@pytest.mark.parametrize("name", ALL_OPS)
@pytest.mark.parametrize("shape", [(0, 3), ()])
def test_symbolic_matches_eager(name, shape):
    """Shapes (with an unknown batch), empty and 0-d inputs; dtypes are checked with each op's values."""
    dtype = "int32" if name in ("bitwise_invert", "bitwise_not") else "float32"
    check_symbolic(lambda v: _call(name, v), np.asarray(reference_input(dtype, shape, seed=8, low=1, high=2)))


def test_symbolic_complex_dtypes():
    x = KerasTensor((None, 2), "complex128")
    assert k_ops.real(x).dtype == "float64"
    assert k_ops.abs(x).dtype == "float64"
    assert k_ops.angle(x).dtype == "float64"
    assert k_ops.angle(KerasTensor((2,), "int8")).dtype == "float32"
    assert k_ops.sqrt(x).dtype == "complex128"
    assert k_ops.conj(x).dtype == "complex128"
    assert k_ops.isreal(x).dtype == "bool"


def test_symbolic_clip_and_round():
    x = KerasTensor((None, 3), "bool")
    assert k_ops.clip(x, 0, 1).shape == (None, 3) and k_ops.clip(x, 0, 1).dtype == "int32"
    assert k_ops.clip(KerasTensor((3,)), KerasTensor((2, 1)), 1.0).shape == (2, 3)
    with pytest.raises(ValueError, match=r"clip: cannot broadcast shapes \(3,\) and \(2,\)"):
        k_ops.clip(KerasTensor((3,)), KerasTensor((2,)), 1.0)
    assert k_ops.round(KerasTensor((4,), "int16"), decimals=-1).dtype == "int16"
    check_symbolic(k_ops.clip, np.ones((2, 3), "float32"), np.zeros((1, 3), "float32"), 2.0)
    check_symbolic(k_ops.round, np.ones((2, 3), "int32"), -1)
    check_symbolic(k_ops.nan_to_num, np.ones((2, 3), "float16"), 1.0, 2.0, 3.0)


def test_python_values():
    assert_close(k_ops.sqrt(4), 2.0, dtype="float32")
    assert_close(k_ops.sqrt([1, 4]), [1.0, 2.0], dtype="float32")
    assert_close(k_ops.abs(-3), np.array(3, "int32"), dtype="int32")
    assert_close(k_ops.exp(0.0), 1.0, dtype="float32")
    assert_close(k_ops.isnan([1.0, math.nan]), [False, True], dtype="bool")
    assert_close(k_ops.square(True), np.array(1, "int32"), dtype="int32")
    k_backends.set_floatx("float64")
    for op in (k_ops.angle, k_ops.sqrt, k_ops.abs):
        assert dtype_name(op(-1.5)) == op.compute_output_spec(-1.5).dtype == "float64"


def test_aliases_agree():
    x = np.array([-1.5, 2.0], "float32")
    assert_close(k_ops.abs(x), to_numpy(k_ops.absolute(x)))
    assert_close(k_ops.conj(x), to_numpy(k_ops.conjugate(x)))
    i = np.array([1, -2], "int8")
    assert_close(k_ops.bitwise_not(i), to_numpy(k_ops.bitwise_invert(i)), dtype="int8")


def test_backend_tensors_and_variables(backend):
    x = backend.core.convert_to_tensor(np.array([1.0, 4.0], "float32"))
    assert_close(k_ops.sqrt(x), [1.0, 2.0], dtype="float32")
    v = Variable(np.array([-1.0, 4.0], "float32"))
    assert_close(k_ops.clip(v, 0.0, 2.0), [0.0, 2.0], dtype="float32")
    assert dtypes.standardize_dtype(k_ops.sign(v).dtype) == "float32"
