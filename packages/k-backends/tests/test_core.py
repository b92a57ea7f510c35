import numpy as np
import pytest

import k_backends
from k_backends.dtypes import standardize_dtype
from k_backends.variables import Variable

from conftest import to_numpy


@pytest.mark.parametrize("value,dtype", [
    (1.5, "float32"), (3, "int32"), (True, "bool"),
    ([1, 2, 3], "int32"), ([1, 2.5], "float32"), ([[True, False]], "bool"),
    (np.arange(4, dtype="int64"), "int64"), (np.ones(3, dtype="float64"), "float64"),
    (np.ones((2, 2), dtype="float16"), "float16"), (np.array([1, 2], dtype="uint8"), "uint8"),
])
def test_convert_to_tensor_default_dtypes(backend, value, dtype):
    x = backend.core.convert_to_tensor(value)
    assert backend.core.is_tensor(x)
    assert standardize_dtype(x.dtype) == dtype
    np.testing.assert_array_equal(to_numpy(x), np.asarray(value))


def test_python_floats_follow_floatx(backend):
    k_backends.set_floatx("float64")
    assert standardize_dtype(backend.core.convert_to_tensor(1.5).dtype) == "float64"
    assert standardize_dtype(backend.core.convert_to_tensor([1.0, 2.0]).dtype) == "float64"


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64",
                                   "bfloat16", "float16", "float32", "float64"])
def test_convert_to_tensor_with_dtype_and_cast(backend, dtype):
    values = np.array([[0, 1, 2], [3, 0, 1]])
    x = backend.core.convert_to_tensor(values, dtype=dtype)
    assert standardize_dtype(x.dtype) == dtype
    y = backend.core.cast(x, "float32")
    assert standardize_dtype(y.dtype) == "float32"
    np.testing.assert_array_equal(to_numpy(y), values.astype(dtype).astype("float32"))


def test_convert_to_tensor_accepts_own_tensors_and_variables(backend):
    x = backend.core.convert_to_tensor(np.array([1.0, 2.0], dtype="float32"))
    assert backend.core.convert_to_tensor(x) is x or np.array_equal(
        to_numpy(backend.core.convert_to_tensor(x)), [1.0, 2.0])
    v = Variable(np.array([3.0, 4.0], dtype="float32"))
    np.testing.assert_array_equal(to_numpy(backend.core.convert_to_tensor(v)), [3.0, 4.0])
    assert standardize_dtype(backend.core.convert_to_tensor(v, dtype="float64").dtype) == "float64"


def test_convert_to_tensor_of_a_list_of_tensors(backend):
    parts = [backend.core.convert_to_tensor(np.array([1.0, 2.0], "float32")) for _ in range(3)]
    x = backend.core.convert_to_tensor(parts)
    assert backend.core.shape(x) == (3, 2)
    assert standardize_dtype(x.dtype) == "float32"


def test_convert_to_numpy_returns_an_ndarray(backend):
    x = backend.core.convert_to_tensor([[1, 2], [3, 4]], dtype="int16")
    array = backend.core.convert_to_numpy(x)
    assert isinstance(array, np.ndarray) and array.dtype == np.int16
    np.testing.assert_array_equal(array, [[1, 2], [3, 4]])


def test_is_tensor_rejects_non_tensors(backend):
    assert not backend.core.is_tensor(np.float32(1.0)) or k_backends.backend() == "numpy"
    assert not backend.core.is_tensor([1, 2])
    assert not backend.core.is_tensor(1.0)


def test_shape_is_a_tuple_of_ints(backend):
    x = backend.core.convert_to_tensor(np.zeros((2, 3, 1)))
    assert backend.core.shape(x) == (2, 3, 1)
    assert all(isinstance(d, int) for d in backend.core.shape(x))


def test_bad_input_is_a_type_error(backend):
    with pytest.raises(TypeError, match="object"):
        backend.core.convert_to_tensor(object())


def test_device_scope_places_on_cpu(backend):
    with backend.core.device_scope("cpu:0"):
        x = backend.core.convert_to_tensor([1.0, 2.0])
    np.testing.assert_array_equal(to_numpy(x), [1.0, 2.0])


def test_device_scope_rejects_unknown_device(backend):
    with pytest.raises(ValueError, match="nonsense"):
        with backend.core.device_scope("nonsense:0"):
            backend.core.convert_to_tensor([1.0])
