import numpy as np
import pytest

import k_ops
from k_backends.variables import Variable

from conftest import to_numpy


@pytest.mark.parametrize("dtype", ["float16", np.float64, np.dtype("int8"), "bool", int, float])
def test_convert_to_tensor_standardizes_dtype_arguments(dtype):
    x = k_ops.convert_to_tensor([0, 1, 2], dtype=dtype)
    assert k_ops.is_tensor(x)
    assert k_ops.dtype(x) == k_ops.result_type(dtype)
    np.testing.assert_array_equal(to_numpy(x), np.array([0, 1, 2]).astype(k_ops.dtype(x)))


def test_cast_truncates_towards_zero_like_numpy():
    x = k_ops.cast(np.array([1.7, -1.7, 2.5], "float32"), "int32")
    assert k_ops.dtype(x) == "int32"
    np.testing.assert_array_equal(to_numpy(x), np.array([1.7, -1.7, 2.5]).astype("int32"))


def test_cast_of_variable():
    v = Variable(np.array([1.5, 2.5], "float32"))
    assert k_ops.dtype(k_ops.cast(v, "float16")) == "float16"


def test_convert_to_numpy_round_trip():
    array = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    back = k_ops.convert_to_numpy(k_ops.convert_to_tensor(array))
    assert isinstance(back, np.ndarray)
    np.testing.assert_array_equal(back, array)


@pytest.mark.parametrize("value", [np.zeros((2, 5)), [[1, 2, 3]], 3.0])
def test_shape_of_arrays_lists_and_scalars(value):
    expected = np.shape(value)
    assert k_ops.shape(k_ops.convert_to_tensor(value)) == expected
    if hasattr(value, "shape"):
        assert k_ops.shape(value) == expected


@pytest.mark.parametrize("value,expected", [(1, "int32"), (1.0, "float32"), (True, "bool"),
                                            (np.zeros(2, "uint16"), "uint16")])
def test_dtype_names(value, expected):
    assert k_ops.dtype(value) == expected


def test_result_type_uses_the_promotion_table():
    assert k_ops.result_type("int8", "uint8") == "int16"
    assert k_ops.result_type("bfloat16", "float16") == "float32"
    assert k_ops.result_type("int32", float) == "float32"


def test_is_tensor_is_false_for_python_values():
    assert not k_ops.is_tensor([1.0])
    assert not k_ops.is_tensor(2)


def test_bad_dtype_names_the_value():
    with pytest.raises(ValueError, match="floaty"):
        k_ops.cast([1.0], "floaty")


def test_cast_has_a_symbolic_path():
    from k_ops.symbolic import KerasTensor

    out = k_ops.cast(KerasTensor((None, 2), "float32"), "int32")
    assert isinstance(out, KerasTensor) and out.shape == (None, 2) and out.dtype == "int32"
