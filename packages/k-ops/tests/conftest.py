import fnmatch
import pathlib

import numpy as np
import pytest

import k_backends
from k_backends import dtypes
from k_backends.testing.values import to_numpy as to_numpy
from k_ops.symbolic import KerasTensor

pytest_plugins = ["k_backends.testing.fixtures"]

BACKEND = k_backends.backend()
ALL_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64",
              "float16", "bfloat16", "float32", "float64"]
INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64"]
FLOAT_DTYPES = ["float16", "bfloat16", "float32", "float64"]
# Relative tolerance of a float result against a float64 NumPy reference.
RTOL = {"float16": 2e-3, "bfloat16": 2e-2, "float32": 2e-5, "float64": 1e-12}
# Ops whose output size depends on the values, so a spec rightly leaves it unknown.
VALUE_DEPENDENT_SHAPES = {"nonzero", "unique", "bincount", "where", "get_item", "argwhere"}


def dtype_name(x):
    return dtypes.standardize_dtype(x.dtype)


def assert_close(result, expected, dtype=None, rtol=None, atol=None):
    """Compare an op's result with a NumPy reference: dtype (when given), shape, then values.

    Floats are compared with a tolerance that suits the result's dtype.
    """
    if dtype is not None:
        assert dtype_name(result) == dtype, f"dtype {dtype_name(result)}, expected {dtype}"
    actual = to_numpy(result)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape}, expected {expected.shape}"
    name = dtype_name(result)
    if name in RTOL:
        tol = RTOL[name] if rtol is None else rtol
        np.testing.assert_allclose(actual.astype("float64"), expected.astype("float64"),
                                   rtol=tol, atol=tol if atol is None else atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(actual, expected)


def _symbolic_args(value, unknown_batch):
    if isinstance(value, (list, tuple)):
        return type(value)(_symbolic_args(v, unknown_batch) for v in value)
    if isinstance(value, (np.ndarray, np.generic)) or k_backends.current().core.is_tensor(value):
        shape = tuple(value.shape)
        if unknown_batch and shape:
            shape = (None,) + shape[1:]
        return KerasTensor(shape, dtypes.standardize_dtype(value.dtype))
    return value


def _flat(outputs):
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def check_symbolic(op, *args, **kwargs):
    """Assert that `op` on KerasTensors predicts the shape and dtype of its eager result.

    Array arguments (also inside lists) become KerasTensors of their shape and
    dtype; a second call makes their first dimension unknown (None), and the
    prediction must then agree on every known dimension.
    """
    eager = _flat(op(*args, **kwargs))
    for unknown_batch in (False, True):
        spec = _flat(op(*_symbolic_args(args, unknown_batch),
                        **{k: _symbolic_args(v, unknown_batch) for k, v in kwargs.items()}))
        assert len(spec) == len(eager), f"{len(spec)} symbolic outputs, {len(eager)} eager ones"
        for s, e in zip(spec, eager, strict=True):
            assert isinstance(s, KerasTensor), f"symbolic call returned {type(s).__name__}"
            assert s.dtype == dtype_name(e), f"symbolic dtype {s.dtype}, eager {dtype_name(e)}"
            eager_shape = tuple(to_numpy(e).shape)
            # A None in the spec is an honest "unknown" (the batch, or a size that depends on
            # the values, as for nonzero); every known dimension must be right.
            assert len(s.shape) == len(eager_shape), f"rank of {s.shape} vs {eager_shape}"
            assert all(a is None or a == b for a, b in zip(s.shape, eager_shape, strict=True)), \
                f"symbolic shape {s.shape} contradicts eager {eager_shape}"
            if not unknown_batch and None in s.shape:
                assert getattr(op, "__name__", "") in VALUE_DEPENDENT_SHAPES, \
                    f"symbolic shape {s.shape} leaves a known dimension unknown"


def reference_input(dtype, shape, seed=0, low=-5, high=5):
    """A NumPy array of `dtype` and `shape` with small values (positive for unsigned/bool-safe)."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype.startswith("uint"):
        low = max(low, 0)
    values = rng.uniform(low, high, size=shape)
    if dtype in INT_DTYPES:
        return np.round(values).astype(dtype)
    if dtype == "bfloat16":
        import ml_dtypes

        return values.astype(ml_dtypes.bfloat16)
    return values.astype(dtype)


# Known gaps are data: `known_gaps.txt` lists "backend  test-id-glob  # reason" lines; matching
# tests are expected to fail (strict), so a gap that closes shows up.
def _known_gaps():
    path = pathlib.Path(__file__).with_name("known_gaps.txt")
    if not path.exists():
        return []
    gaps = []
    for line in path.read_text().splitlines():
        body, _, reason = line.partition("#")
        parts = body.split()
        if len(parts) == 2:
            gaps.append((parts[0], parts[1], reason.strip()))
    return gaps


def pytest_collection_modifyitems(config, items):
    gaps = [(pattern, reason) for backend, pattern, reason in _known_gaps() if backend == BACKEND]
    for item in items:
        for pattern, reason in gaps:
            if fnmatch.fnmatchcase(item.nodeid.split("::", 1)[-1], pattern):
                item.add_marker(pytest.mark.xfail(strict=True, reason=f"known gap: {reason}"))
