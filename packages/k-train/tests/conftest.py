import numpy as np
import pytest

import k_backends
from k_backends import dtypes
from k_backends.testing.values import to_numpy as to_numpy

pytest_plugins = ["k_backends.testing.fixtures"]

BACKEND = k_backends.backend()
# Relative tolerance of a float result against a float64 NumPy reference.
RTOL = {"float16": 2e-3, "bfloat16": 2e-2, "float32": 2e-5, "float64": 1e-12}
TRAINS = BACKEND != "numpy"
needs_training = pytest.mark.skipif(not TRAINS, reason="the numpy backend has no gradients")


def assert_close(result, expected, dtype=None, rtol=None, atol=None):
    """Compare a result with a NumPy reference: dtype (when given), shape, then values."""
    if dtype is not None:
        name = dtypes.standardize_dtype(result.dtype)
        assert name == dtype, f"dtype {name}, expected {dtype}"
    actual = np.asarray(to_numpy(result))
    if dtypes.standardize_dtype(actual.dtype) == "bfloat16":
        actual = actual.astype("float32")
        name = "bfloat16"
    else:
        name = None
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape}, expected {expected.shape}"
    name = name or (dtypes.standardize_dtype(actual.dtype) if actual.dtype.kind in "fc" else None)
    if name in RTOL or actual.dtype.kind == "f":
        tol = RTOL.get(name, 2e-5) if rtol is None else rtol
        np.testing.assert_allclose(actual.astype("float64"), expected.astype("float64"),
                                   rtol=tol, atol=tol if atol is None else atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(actual, expected)
