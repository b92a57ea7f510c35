import numpy as np
import pytest

import k_ops
from k_backends import dtypes

from conftest import ALL_DTYPES, assert_close, check_symbolic, reference_input

ARITHMETIC = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply}


@pytest.mark.parametrize("name", sorted(ARITHMETIC))
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_arithmetic_matches_numpy(name, dtype):
    if name == "subtract" and dtype == "bool":
        pytest.skip("NumPy has no bool subtraction")
    x1 = reference_input(dtype, (2, 3), seed=1)
    x2 = reference_input(dtype, (3,), seed=2)
    result = getattr(k_ops, name)(x1, x2)
    expected = ARITHMETIC[name](x1.astype("float64"), x2.astype("float64"))
    if dtype == "bool":
        expected = ARITHMETIC[name](x1, x2)
    assert_close(result, expected.astype(dtypes.result_type(dtype, dtype)) if dtype in (
        "uint8", "int8", "int16") else expected, dtype=dtype)


@pytest.mark.parametrize("name", sorted(ARITHMETIC))
def test_symbolic_matches_eager(name):
    check_symbolic(getattr(k_ops, name), np.ones((2, 3), "float32"), np.ones((1, 3), "int8"))


def test_symbolic_broadcast_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"add: cannot broadcast shapes \(2, 3\) and \(4, 5\)"):
        k_ops.add(k_ops.KerasTensor((2, 3)), k_ops.KerasTensor((4, 5)))
