"""Broadcasting binary ops against NumPy references, on both eager paths and symbolically.

Each row of OPS names an op, the dtypes it takes, the dtype it returns (as a
rule written out here, independently of kappa's), a NumPy reference and the
value ranges of its operands. Every row runs on NumPy inputs (the general
path: promotion and conversion) and on backend tensors of one dtype (the fast
path), and must give the same values and dtype.
"""

import warnings

import ml_dtypes
import numpy as np
import pytest

import k_backends
import k_ops
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

# NumPy warns on division by zero and invalid values, which several tests compute on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

NUMERIC = INT_DTYPES + FLOAT_DTYPES
INTEGRAL = ["bool"] + INT_DTYPES
NAN, INF = float("nan"), float("inf")


# -- output dtype rules, written out for the test -------------------------------------------
def same(dtype):
    return dtype


def floating(dtype):
    return dtype if dtype in FLOAT_DTYPES else "float32"


def floating_keeping_64(dtype):
    return "float64" if dtype == "int64" else floating(dtype)


def boolean(dtype):
    return "bool"


def remainder(dtype):
    return "int32" if dtype == "bool" else dtype


# -- references -------------------------------------------------------------------------
def _bool_as_ints(func):
    """A NumPy op on the operands as integers, read back as bools (kappa keeps bool)."""
    return lambda a, b: func(a.astype("int64"), b.astype("int64")).astype(bool)


def _divide_no_nan(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))


class Op:
    def __init__(self, name, dtypes, out, reference, x1_range=(-5, 5), x2_range=(-5, 5),
                 bool_reference=None, exact_in_output_dtype=False):
        self.name, self.dtypes, self.out, self.reference = name, dtypes, out, reference
        self.x1_range, self.x2_range = x1_range, x2_range
        self.bool_reference = bool_reference
        # Compute the reference in the output dtype rather than float64 (nextafter).
        self.exact_in_output_dtype = exact_in_output_dtype

    def __repr__(self):
        return self.name


OPS = [
    Op("add", ALL_DTYPES, same, np.add),
    Op("subtract", NUMERIC, same, np.subtract),
    Op("multiply", ALL_DTYPES, same, np.multiply),
    Op("divide", ALL_DTYPES, floating, np.true_divide),
    Op("true_divide", ALL_DTYPES, floating, np.true_divide),
    Op("divide_no_nan", ALL_DTYPES, floating, _divide_no_nan),
    Op("floor_divide", ALL_DTYPES, same, np.floor_divide, bool_reference=np.logical_and),
    Op("mod", ALL_DTYPES, remainder, np.mod, bool_reference=lambda a, b: np.zeros(
        np.broadcast_shapes(a.shape, b.shape), "int32")),
    Op("fmod", ALL_DTYPES, remainder, np.fmod, bool_reference=lambda a, b: np.zeros(
        np.broadcast_shapes(a.shape, b.shape), "int32")),
    Op("power", ALL_DTYPES, same, np.power, x1_range=(0.5, 3), x2_range=(0, 3),
       bool_reference=_bool_as_ints(np.power)),
    Op("maximum", ALL_DTYPES, same, np.maximum),
    Op("minimum", ALL_DTYPES, same, np.minimum),
    Op("fmax", ALL_DTYPES, same, np.fmax),
    Op("fmin", ALL_DTYPES, same, np.fmin),
    Op("arctan2", ALL_DTYPES, floating, np.arctan2),
    Op("hypot", ALL_DTYPES, floating_keeping_64, np.hypot),
    Op("logaddexp", ALL_DTYPES, floating, np.logaddexp),
    Op("logaddexp2", ALL_DTYPES, floating, np.logaddexp2),
    Op("heaviside", ALL_DTYPES, floating_keeping_64, np.heaviside),
    Op("nextafter", ALL_DTYPES, floating, np.nextafter, exact_in_output_dtype=True),
    Op("gcd", INT_DTYPES, same, np.gcd, x1_range=(-12, 12), x2_range=(-12, 12)),
    Op("lcm", INT_DTYPES, same, np.lcm, x1_range=(-6, 6), x2_range=(-6, 6)),
    Op("bitwise_and", INTEGRAL, same, np.bitwise_and),
    Op("bitwise_or", INTEGRAL, same, np.bitwise_or),
    Op("bitwise_xor", INTEGRAL, same, np.bitwise_xor),
    Op("bitwise_left_shift", INT_DTYPES, same, np.left_shift, x2_range=(0, 3)),
    Op("left_shift", INT_DTYPES, same, np.left_shift, x2_range=(0, 3)),
    Op("bitwise_right_shift", INT_DTYPES, same, np.right_shift, x2_range=(0, 3)),
    Op("right_shift", INT_DTYPES, same, np.right_shift, x2_range=(0, 3)),
    Op("equal", ALL_DTYPES, boolean, np.equal, x1_range=(-2, 2), x2_range=(-2, 2)),
    Op("not_equal", ALL_DTYPES, boolean, np.not_equal, x1_range=(-2, 2), x2_range=(-2, 2)),
    Op("less", ALL_DTYPES, boolean, np.less),
    Op("less_equal", ALL_DTYPES, boolean, np.less_equal, x1_range=(-2, 2), x2_range=(-2, 2)),
    Op("greater", ALL_DTYPES, boolean, np.greater),
    Op("greater_equal", ALL_DTYPES, boolean, np.greater_equal, x1_range=(-2, 2), x2_range=(-2, 2)),
    Op("logical_and", ALL_DTYPES, boolean, np.logical_and, x1_range=(-1, 1), x2_range=(-1, 1)),
    Op("logical_or", ALL_DTYPES, boolean, np.logical_or, x1_range=(-1, 1), x2_range=(-1, 1)),
    Op("logical_xor", ALL_DTYPES, boolean, np.logical_xor, x1_range=(-1, 1), x2_range=(-1, 1)),
    Op("isclose", ALL_DTYPES, boolean, np.isclose, x1_range=(-1, 1), x2_range=(-1, 1)),
]
OPS_BY_NAME = {op.name: op for op in OPS}
CASES = [(op, dtype) for op in OPS for dtype in op.dtypes]


def _inputs(op, dtype, shapes=((2, 3), (3,))):
    x1 = reference_input(dtype, shapes[0], seed=1, low=op.x1_range[0], high=op.x1_range[1])
    x2 = reference_input(dtype, shapes[1], seed=2, low=op.x2_range[0], high=op.x2_range[1])
    return x1, x2


def _expected(op, dtype, x1, x2):
    out = op.out(dtype)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if dtype == "bool" and op.bool_reference is not None:
            return op.bool_reference(x1, x2)
        if op.exact_in_output_dtype:
            np_out = ml_dtypes.bfloat16 if out == "bfloat16" else out
            return op.reference(x1.astype(np_out), x2.astype(np_out))
        if out in FLOAT_DTYPES or dtype in FLOAT_DTYPES:
            return op.reference(x1.astype("float64"), x2.astype("float64"))
        if dtype == "bool":
            return op.reference(x1, x2)
        # Integers: an exact int64 reference, wrapped to the output dtype.
        return op.reference(x1.astype("int64"), x2.astype("int64")).astype(out)


@pytest.mark.parametrize("op,dtype", CASES, ids=[f"{op.name}-{dtype}" for op, dtype in CASES])
def test_matches_numpy(op, dtype, backend):
    x1, x2 = _inputs(op, dtype)
    expected = _expected(op, dtype, x1, x2)
    out = op.out(dtype)
    if out in FLOAT_DTYPES:
        expected = np.asarray(expected).astype("float64")
    tolerance = 0 if op.exact_in_output_dtype else None
    # NumPy inputs take the general path (promotion, conversion); two backend tensors of one
    # dtype take the fast path. Both must agree with the reference.
    for operands in ((x1, x2), (backend.core.convert_to_tensor(x1), backend.core.convert_to_tensor(x2))):
        result = getattr(k_ops, op.name)(*operands)
        assert_close(result, expected, dtype=out, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_symbolic_matches_eager(op):
    dtype = "int16" if "int16" in op.dtypes else op.dtypes[-1]
    other = "int8" if dtype == "int16" else "float32"
    x1 = reference_input(dtype, (2, 3), seed=1, low=1, high=3)
    x2 = reference_input(other, (1, 3), seed=2, low=1, high=3)
    check_symbolic(getattr(k_ops, op.name), x1, x2)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_zero_size_operands_broadcast(op):
    dtype = op.dtypes[-1]
    x1, x2 = _inputs(op, dtype, shapes=((0, 3), (1, 3)))
    result = getattr(k_ops, op.name)(x1, x2)
    assert to_numpy(result).shape == (0, 3)
    assert dtype_name(result) == op.out(dtype)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_incompatible_shapes_raise_naming_both(op):
    x1, x2 = _inputs(op, op.dtypes[-1], shapes=((2, 3), (4,)))
    with pytest.raises(ValueError, match=rf"{op.name}: cannot broadcast shapes \(2, 3\) and \(4,\)"):
        getattr(k_ops, op.name)(KerasTensor(x1.shape, op.dtypes[-1]), KerasTensor(x2.shape, op.dtypes[-1]))
    with pytest.raises(Exception):  # noqa: B017 -- the eager error is the framework's own
        getattr(k_ops, op.name)(x1, x2)


# -- promotion ----------------------------------------------------------------------------
PROMOTIONS = [
    ("add", "int8", "uint8", "int16"),
    ("add", "uint8", "int32", "int32"),
    ("add", "int32", "int64", "int64"),
    ("add", "float16", "bfloat16", "float32"),
    ("add", "int64", "float16", "float16"),
    ("add", "float32", "float64", "float64"),
    ("add", "bool", "int8", "int8"),
    ("multiply", "uint8", "float16", "float16"),
    ("maximum", "int8", "uint8", "int16"),
    ("divide", "int8", "int16", "float32"),
    ("divide", "int64", "int64", "float32"),
    ("divide", "float16", "int32", "float16"),
    ("arctan2", "int32", "uint8", "float32"),
    ("hypot", "int32", "int64", "float64"),
    ("hypot", "bool", "int8", "float32"),
    ("heaviside", "uint8", "int8", "float32"),
    ("mod", "bool", "bool", "int32"),
    ("gcd", "uint8", "int8", "int16"),
    ("bitwise_left_shift", "uint8", "int16", "int16"),
    ("less", "float16", "int64", "bool"),
    ("logical_or", "float32", "int8", "bool"),
]


@pytest.mark.parametrize("name,dtype1,dtype2,expected", PROMOTIONS,
                         ids=[f"{n}-{a}-{b}" for n, a, b, _ in PROMOTIONS])
@pytest.mark.parametrize("as_tensors", [False, True], ids=["numpy_inputs", "tensors"])
def test_mixed_dtypes_promote(name, dtype1, dtype2, expected, as_tensors, backend):
    x1 = reference_input(dtype1, (2, 2), seed=1, low=1, high=4)
    x2 = reference_input(dtype2, (2,), seed=2, low=1, high=4)
    if as_tensors:
        x1, x2 = backend.core.convert_to_tensor(x1), backend.core.convert_to_tensor(x2)
    result = getattr(k_ops, name)(x1, x2)
    assert dtype_name(result) == expected
    assert getattr(k_ops, name)(KerasTensor((2, 2), dtype1), KerasTensor((2,), dtype2)).dtype == expected


SCALARS = [
    ("add", "int8", 3, "int8"),
    ("add", "uint8", 3, "uint8"),
    ("add", "int8", 1.5, "float32"),
    ("add", "float16", 2.0, "float16"),
    ("multiply", "bfloat16", 3, "bfloat16"),
    ("subtract", "int64", 1, "int64"),
    ("divide", "int16", 2, "float32"),
    ("power", "float16", 2, "float16"),
    ("maximum", "uint8", 1, "uint8"),
    ("bitwise_left_shift", "int8", 1, "int8"),
    ("greater", "int8", 0.5, "bool"),
    ("hypot", "int64", 1, "float64"),
]


@pytest.mark.parametrize("name,dtype,scalar,expected", SCALARS,
                         ids=[f"{n}-{d}-{s!r}" for n, d, s, _ in SCALARS])
def test_python_scalars_are_weak(name, dtype, scalar, expected, backend):
    x = backend.core.convert_to_tensor(reference_input(dtype, (3,), seed=3, low=1, high=4))
    for args in ((x, scalar), (scalar, x)):
        result = getattr(k_ops, name)(*args)
        assert dtype_name(result) == expected, args
        symbolic = [KerasTensor((3,), dtype) if a is x else a for a in args]
        assert getattr(k_ops, name)(*symbolic).dtype == expected


def test_two_python_scalars_take_default_dtypes():
    assert_close(k_ops.add(1, 2), np.array(3), dtype="int32")
    assert_close(k_ops.add(1, 2.5), np.array(3.5), dtype="float32")
    assert_close(k_ops.divide(1, 2), np.array(0.5), dtype="float32")
    assert_close(k_ops.less(1, 2.5), np.array(True), dtype="bool")
    assert_close(k_ops.mod(True, True), np.array(0), dtype="int32")


def test_floatx_sets_the_float_of_integer_division():
    k_backends.set_floatx("float64")
    assert dtype_name(k_ops.divide(np.int32([1]), np.int32([3]))) == "float64"
    assert dtype_name(k_ops.hypot(np.int8([3]), np.int8([4]))) == "float64"
    k_backends.set_floatx("float16")
    assert dtype_name(k_ops.arctan2(np.int32([1]), np.int32([3]))) == "float16"
    assert dtype_name(k_ops.add(np.float32([1]), 2.0)) == "float32"


# -- special values ---------------------------------------------------------------------------
SPECIAL = [
    ("maximum", [NAN, 1.0, -INF], [1.0, NAN, 2.0], [NAN, NAN, 2.0]),
    ("minimum", [NAN, 1.0, INF], [1.0, NAN, 2.0], [NAN, NAN, 2.0]),
    ("fmax", [NAN, 1.0, NAN, -INF], [1.0, NAN, NAN, 2.0], [1.0, 1.0, NAN, 2.0]),
    ("fmin", [NAN, 1.0, NAN, INF], [1.0, NAN, NAN, 2.0], [1.0, 1.0, NAN, 2.0]),
    ("divide_no_nan", [1.0, 0.0, -6.0, NAN], [0.0, 0.0, 3.0, 2.0], [0.0, 0.0, -2.0, NAN]),
    ("divide", [1.0, -1.0, 0.0], [0.0, 0.0, 0.0], [INF, -INF, NAN]),
    ("heaviside", [NAN, -1.0, 0.0, 2.0, -INF], [0.5, 0.5, 0.5, 0.5, 0.5], [NAN, 0.0, 0.5, 1.0, 0.0]),
    ("hypot", [INF, INF, 3.0, 1e30, NAN], [INF, NAN, -4.0, 1e30, 1.0],
     [INF, INF, 5.0, 1.4142135e30, NAN]),
    ("logaddexp", [-INF, INF, NAN, 0.0, 100.0], [-INF, INF, 1.0, 0.0, 100.0],
     [-INF, INF, NAN, np.log(2.0), 100.0 + np.log(2.0)]),
    ("logaddexp2", [-INF, INF, 1.0, 200.0], [-INF, INF, 1.0, 200.0], [-INF, INF, 2.0, 201.0]),
    ("arctan2", [0.0, 1.0, -1.0, 1.0], [0.0, -1.0, -1.0, INF], [0.0, 3 * np.pi / 4, -3 * np.pi / 4, 0.0]),
    ("mod", [5.0, -5.0, 5.0], [3.0, 3.0, -3.0], [2.0, 1.0, -1.0]),
    ("fmod", [5.0, -5.0, 5.0], [3.0, 3.0, -3.0], [2.0, -2.0, 2.0]),
    ("floor_divide", [5.0, -5.0, 5.0], [3.0, 3.0, -3.0], [1.0, -2.0, -2.0]),
    ("power", [2.0, 0.0, 4.0], [-1.0, 0.0, 0.5], [0.5, 1.0, 2.0]),
]


@pytest.mark.parametrize("name,x1,x2,expected", SPECIAL, ids=[s[0] for s in SPECIAL])
def test_special_float_values(name, x1, x2, expected, backend):
    dtype = "float32"
    for convert in (np.asarray, backend.core.convert_to_tensor):
        result = getattr(k_ops, name)(convert(np.array(x1, dtype)), convert(np.array(x2, dtype)))
        assert_close(result, np.array(expected), dtype=dtype, rtol=1e-6)


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("name", ["floor_divide", "mod", "fmod"])
def test_integer_division_by_zero_gives_zero(name, dtype, backend):
    x1, x2 = np.array([7, 7, -7, 7, 0, -8]), np.array([0, 3, 3, -3, 0, 2])
    if dtype.startswith("uint"):
        x1, x2 = np.abs(x1), np.abs(x2)
    expected = np.where(x2 == 0, 0, getattr(np, name)(x1, np.where(x2 == 0, 1, x2)))
    for convert in (np.asarray, backend.core.convert_to_tensor):
        result = getattr(k_ops, name)(convert(x1.astype(dtype)), convert(x2.astype(dtype)))
        assert_close(result, expected.astype(dtype), dtype=dtype)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_nextafter_steps_one_unit_in_the_result_dtype(dtype, backend):
    np_dtype = ml_dtypes.bfloat16 if dtype == "bfloat16" else dtype
    x1 = np.array([1.0, 1.0, 0.0, -0.0, -1.0, 2.0, NAN, 1.0, INF], np_dtype)
    x2 = np.array([2.0, 0.0, 1.0, -1.0, -2.0, 2.0, 1.0, NAN, 0.0], np_dtype)
    expected = np.nextafter(x1, x2)
    for convert in (np.asarray, backend.core.convert_to_tensor):
        result = k_ops.nextafter(convert(x1), convert(x2))
        assert dtype_name(result) == dtype
        np.testing.assert_array_equal(to_numpy(result).astype("float64"), expected.astype("float64"))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_ldexp_scales_by_powers_of_two(dtype, backend):
    np_dtype = ml_dtypes.bfloat16 if dtype == "bfloat16" else dtype
    x1 = np.array([3.0, -0.75, 0.0, INF, 1.0, 1.0], np_dtype)
    x2 = np.array([2, -2, 1000, 1, 0, -30], "int32")
    expected = np.ldexp(x1.astype("float64"), x2).astype(np_dtype)
    for convert in (np.asarray, backend.core.convert_to_tensor):
        result = k_ops.ldexp(convert(x1), convert(x2))
        assert dtype_name(result) == dtype
        np.testing.assert_array_equal(to_numpy(result).astype("float64"), expected.astype("float64"))
    assert_close(k_ops.ldexp(np.float32([0.5]), np.int64([128])), np.array([2.0 ** 127]), dtype="float32")
    assert_close(k_ops.ldexp([1, 2], 3), np.array([8.0, 16.0]), dtype="float32")


def test_gcd_and_lcm_of_negatives_and_zeros_are_non_negative():
    x1, x2 = np.int32([-12, 0, 0, 7, -4]), np.int32([18, 0, 5, -3, -6])
    assert_close(k_ops.gcd(x1, x2), np.int32([6, 0, 5, 1, 2]), dtype="int32")
    assert_close(k_ops.lcm(x1, x2), np.int32([36, 0, 0, 21, 12]), dtype="int32")
    assert_close(k_ops.gcd(np.uint8([255, 12]), np.uint8([85, 0])), np.uint8([85, 12]), dtype="uint8")


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64"])
def test_shifts_up_to_the_width_of_the_dtype(dtype, backend):
    bits = np.iinfo(dtype).bits
    x = np.array([1, 3, -1 if dtype[0] == "i" else 255, 5], dtype)
    counts = np.array([bits - 1, 1, bits - 1, 0], dtype)
    for convert in (np.asarray, backend.core.convert_to_tensor):
        assert_close(k_ops.bitwise_left_shift(convert(x), convert(counts)), np.left_shift(x, counts),
                     dtype=dtype)
        assert_close(k_ops.right_shift(convert(x), convert(counts)), np.right_shift(x, counts), dtype=dtype)


def test_logical_ops_read_nonzero_as_true():
    x1, x2 = np.array([NAN, 0.0, -2.5, 0.0]), np.int8([3, 0, 0, -1])
    assert_close(k_ops.logical_and(x1, x2), np.array([True, False, False, False]), dtype="bool")
    assert_close(k_ops.logical_or(x1, x2), np.array([True, False, True, True]), dtype="bool")
    assert_close(k_ops.logical_xor(x1, x2), np.array([False, False, True, True]), dtype="bool")
    assert_close(k_ops.logical_and(np.uint16([2, 0]), True), np.array([True, False]), dtype="bool")


# -- isclose / allclose ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_isclose_handles_infinities_and_nans(dtype, backend):
    np_dtype = ml_dtypes.bfloat16 if dtype == "bfloat16" else dtype
    x1 = np.array([1.0, INF, -INF, INF, NAN, NAN, 1.0], np_dtype)
    x2 = np.array([1.0, INF, INF, 1.0, NAN, 1.0, INF], np_dtype)
    for convert in (np.asarray, backend.core.convert_to_tensor):
        for equal_nan in (False, True):
            expected = np.isclose(x1.astype("float64"), x2.astype("float64"), equal_nan=equal_nan)
            assert_close(k_ops.isclose(convert(x1), convert(x2), equal_nan=equal_nan), expected, dtype="bool")
            assert_close(k_ops.allclose(convert(x1), convert(x2), equal_nan=equal_nan),
                         np.array(bool(expected.all())), dtype="bool")


def test_isclose_applies_rtol_and_atol():
    x1 = np.float64([1.0, 1.0, 100.0, 0.0, 1e-9])
    x2 = np.float64([1.0 + 1e-6, 1.001, 100.05, 1e-9, 0.0])
    for rtol, atol in ((1e-5, 1e-8), (1e-3, 0.0), (0.0, 0.1), (0.0, 0.0)):
        expected = np.isclose(x1, x2, rtol=rtol, atol=atol)
        assert_close(k_ops.isclose(x1, x2, rtol=rtol, atol=atol), expected, dtype="bool")
        assert_close(k_ops.isclose(x1, x2, rtol, atol), expected, dtype="bool")
        assert_close(k_ops.allclose(x1, x2, rtol=rtol, atol=atol), np.array(bool(expected.all())),
                     dtype="bool")


def test_isclose_of_integers_uses_the_tolerances_as_numpy_does():
    x1, x2 = np.int32([100_000_000, 1, 5]), np.int32([100_000_001, 2, 5])
    assert_close(k_ops.isclose(x1, x2), np.isclose(x1, x2), dtype="bool")
    assert_close(k_ops.isclose(x1, x2, atol=1), np.array([True, True, True]), dtype="bool")
    assert_close(k_ops.allclose(np.int8([1, 2]), np.int8([1, 2])), np.array(True), dtype="bool")
    assert_close(k_ops.isclose(np.array([True, False]), np.array([True, True])), np.array([True, False]),
                 dtype="bool")


def test_allclose_is_symbolically_a_scalar_bool():
    spec = k_ops.allclose(KerasTensor((None, 3)), KerasTensor((3,), "float16"))
    assert spec.shape == () and spec.dtype == "bool"
    assert k_ops.isclose(KerasTensor((None, 3)), 1.0).shape == (None, 3)
    check_symbolic(k_ops.allclose, np.ones((2, 3), "float32"), np.ones((3,), "float32"))


# -- errors ----------------------------------------------------------------------------------
ERRORS = [
    ("gcd", np.float32([1.0]), np.int32([1]), "gcd expects integer operands"),
    ("lcm", np.array([True]), np.array([True]), "lcm expects integer operands"),
    ("bitwise_left_shift", np.float32([1.0]), 1, "bitwise_left_shift expects integer operands"),
    ("right_shift", np.int8([1]), np.float16([1.0]), "bitwise_right_shift expects integer operands"),
    ("bitwise_and", np.float32([1.0]), np.int32([1]), "bitwise_and expects integer or bool operands"),
    ("bitwise_xor", np.int32([1]), 1.5, "bitwise_xor expects integer or bool operands"),
    ("ldexp", np.float32([1.0]), np.float32([1.0]), "ldexp expects an integer exponent"),
    ("ldexp", np.float32([1.0]), 1.0, "ldexp expects an integer exponent"),
    ("ldexp", np.float32([1.0]), np.array([True]), "ldexp expects an integer exponent"),
    ("subtract", np.array([True]), np.array([False]), "subtract does not take two bool operands"),
]


@pytest.mark.parametrize("name,x1,x2,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_unsupported_dtypes_raise_type_error(name, x1, x2, message, backend):
    op = getattr(k_ops, name)
    with pytest.raises(TypeError, match=message):
        op(x1, x2)
    tensors = [backend.core.convert_to_tensor(x) if isinstance(x, np.ndarray) else x for x in (x1, x2)]
    with pytest.raises(TypeError, match=message):
        op(*tensors)
    symbolic = [KerasTensor(x.shape, dtype_name(x)) if isinstance(x, np.ndarray) else x for x in (x1, x2)]
    with pytest.raises(TypeError, match=f"{name}: {message}"):
        op(*symbolic)


def test_aliases_give_the_same_values():
    x1, x2 = np.int16([1, -8, 5]), np.int16([2, 1, 0])
    np.testing.assert_array_equal(to_numpy(k_ops.left_shift(x1, x2)),
                                  to_numpy(k_ops.bitwise_left_shift(x1, x2)))
    np.testing.assert_array_equal(to_numpy(k_ops.right_shift(x1, x2)),
                                  to_numpy(k_ops.bitwise_right_shift(x1, x2)))
    np.testing.assert_array_equal(to_numpy(k_ops.true_divide(x1, 3)), to_numpy(k_ops.divide(x1, 3)))


def test_variables_are_operands(backend):
    v = Variable(np.float32([1.0, -2.0]))
    assert_close(k_ops.maximum(v, 0.0), np.float32([1.0, 0.0]), dtype="float32")
    assert_close(k_ops.hypot(v, v), np.hypot([1.0, -2.0], [1.0, -2.0]), dtype="float32")
    assert_close(k_ops.isclose(v, [1.0, -2.0]), np.array([True, True]), dtype="bool")
