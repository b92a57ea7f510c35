"""KerasTensor itself: construction, Python operators, and its refusal to give values."""

import numpy as np
import pytest

import k_ops
from k_backends.variables import Variable
from k_ops.symbolic import KerasTensor, is_keras_tensor


def test_shape_dtype_and_name():
    x = KerasTensor((None, 3), dtype="int8", name="inputs")
    assert x.shape == (None, 3) and x.ndim == 2 and x.dtype == "int8" and x.name == "inputs"
    assert is_keras_tensor(x) and not is_keras_tensor(np.zeros(2))
    assert KerasTensor([2]).shape == (2,) and KerasTensor((2,)).dtype == "float32"


@pytest.mark.parametrize("shape", [3, (2, -1), (2.5,), "ab", None])
def test_bad_shapes_are_named(shape):
    with pytest.raises(ValueError, match="shape"):
        KerasTensor(shape)


@pytest.mark.parametrize("operator,dtype", [
    (lambda x: x + 1, "int8"), (lambda x: 1 - x, "int8"), (lambda x: x * 2.5, "float32"),
    (lambda x: x / 2, "float32"), (lambda x: x // 2, "int8"), (lambda x: x % 3, "int8"),
    (lambda x: x ** 2, "int8"), (lambda x: -x, "int8"), (lambda x: abs(x), "int8"),
    (lambda x: ~x, "int8"), (lambda x: x & 1, "int8"), (lambda x: x | 1, "int8"),
    (lambda x: x ^ 1, "int8"), (lambda x: x == 1, "bool"), (lambda x: x != 1, "bool"),
    (lambda x: x < 1, "bool"), (lambda x: x <= 1, "bool"), (lambda x: x > 1, "bool"),
    (lambda x: x >= 1, "bool"), (lambda x: +x, "int8"),
])
def test_operators_give_symbolic_results_with_eager_dtypes(operator, dtype):
    symbolic = operator(KerasTensor((None, 3), dtype="int8"))
    assert isinstance(symbolic, KerasTensor)
    assert symbolic.shape == (None, 3) and symbolic.dtype == dtype
    # A Variable's operators are kappa's too, so its eager result must agree.
    eager = operator(Variable(np.ones((2, 3), "int8")))
    assert k_ops.dtype(eager) == dtype


def test_reflected_operators_broadcast():
    y = np.ones((4, 1, 3), "float16") + KerasTensor((None, 3), dtype="float16")
    assert isinstance(y, KerasTensor) and y.shape == (4, None, 3) and y.dtype == "float16"


@pytest.mark.parametrize("use", [np.asarray, bool, lambda x: x.numpy()])
def test_values_are_refused_with_a_clear_error(use):
    with pytest.raises(TypeError, match="symbolic"):
        use(KerasTensor((2,)))


def test_len_needs_a_known_first_dimension():
    assert len(KerasTensor((3, 2))) == 3
    with pytest.raises(TypeError, match="known first dimension"):
        len(KerasTensor((None, 2)))


def test_ops_return_symbolic_tensors_without_computing():
    x = KerasTensor((None, 5), dtype="float32")
    y = k_ops.multiply(k_ops.add(x, 1.0), x)
    assert isinstance(y, KerasTensor) and y.shape == (None, 5)
