"""The protocol's NumPy-like ops: values against NumPy, dtypes against the promotion table."""

import numpy as np
import pytest

from k_backends import dtypes

from conftest import to_numpy

BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.true_divide,
    "true_divide": np.true_divide, "floor_divide": np.floor_divide, "mod": np.mod,
    "power": np.power, "equal": np.equal, "not_equal": np.not_equal, "less": np.less,
    "less_equal": np.less_equal, "greater": np.greater, "greater_equal": np.greater_equal,
}
BITWISE = {"bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or,
           "bitwise_xor": np.bitwise_xor}
COMPARISONS = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal"}
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
          "float32", "float64"]


def _operand(dtype, offset):
    values = np.array([[1, 2, 3], [4, 5, 6]]) + offset
    return values.astype(bool) if dtype == "bool" else values.astype("float64")


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_values_match_numpy(backend, name):
    a = np.array([[1.5, -2.0, 3.0], [4.0, 5.0, -6.5]], "float32")
    b = np.array([[2.0, 3.0, -1.5], [0.5, 4.0, 2.0]], "float32")
    if name == "power":
        a = np.abs(a)
    result = getattr(backend.numpy, name)(backend.core.convert_to_tensor(a), b)
    np.testing.assert_allclose(to_numpy(result), BINARY[name](a, b), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(BITWISE))
def test_bitwise_values_match_numpy(backend, name):
    a = np.array([1, 6, 12], "int32")
    b = np.array([3, 5, 10], "int32")
    np.testing.assert_array_equal(to_numpy(getattr(backend.numpy, name)(a, b)), BITWISE[name](a, b))
    flags = np.array([True, False, True])
    np.testing.assert_array_equal(to_numpy(getattr(backend.numpy, name)(flags, ~flags)),
                                  BITWISE[name](flags, ~flags))


@pytest.mark.parametrize("d1", DTYPES)
@pytest.mark.parametrize("d2", DTYPES)
def test_add_and_divide_dtypes_follow_the_table(backend, d1, d2):
    x1 = backend.core.convert_to_tensor(_operand(d1, 0), dtype=d1)
    x2 = backend.core.convert_to_tensor(_operand(d2, 1), dtype=d2)
    added = backend.numpy.add(x1, x2)
    assert dtypes.standardize_dtype(added.dtype) == dtypes.result_type(d1, d2)
    divided = backend.numpy.divide(x1, x2)
    assert dtypes.standardize_dtype(divided.dtype) == dtypes.result_type(d1, d2, float)
    compared = backend.numpy.less(x1, x2)
    assert dtypes.standardize_dtype(compared.dtype) == "bool"


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32", "float16", "bfloat16", "float32"])
@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_python_scalars_are_weak(backend, dtype, scalar):
    x = backend.core.convert_to_tensor(np.array([1, 2, 3]), dtype=dtype)
    result = backend.numpy.multiply(x, scalar)
    expected = dtypes.result_type(dtype, bool if isinstance(scalar, bool) else type(scalar))
    assert dtypes.standardize_dtype(result.dtype) == expected


def test_matmul_matches_numpy(backend):
    a = np.arange(6, dtype="float32").reshape(2, 3)
    b = np.arange(12, dtype="float32").reshape(3, 4)
    np.testing.assert_allclose(to_numpy(backend.numpy.matmul(a, b)), a @ b)
    batch = np.arange(24, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_allclose(to_numpy(backend.numpy.matmul(batch, b.T)), batch @ b.T)


@pytest.mark.parametrize("name,reference", [("negative", np.negative), ("absolute", np.absolute)])
def test_unary_values_match_numpy(backend, name, reference):
    a = np.array([-1.5, 0.0, 2.0], "float32")
    np.testing.assert_array_equal(to_numpy(getattr(backend.numpy, name)(a)), reference(a))
