import json
import os

import numpy as np
import pytest

from k_backends import dtypes

HERE = os.path.dirname(__file__)
PYTHON = {"py_bool": bool, "py_int": int, "py_float": float}


def _table():
    with open(os.path.join(HERE, "data", "promotion_table.json")) as f:
        data = json.load(f)
    return sorted(data["table"].items())


@pytest.mark.parametrize("pair,expected", _table())
def test_result_type_matches_keras_table(pair, expected):
    operands = [PYTHON.get(p, p) for p in pair.split(",")]
    assert dtypes.result_type(*operands) == expected


def test_result_type_defaults_to_floatx():
    assert dtypes.result_type() == "float32"
    assert dtypes.result_type(None) == "float32"


def test_weak_scalars_follow_floatx_precision():
    import k_backends

    k_backends.set_floatx("float64")
    assert dtypes.result_type(float) == "float64"
    assert dtypes.result_type(int) == "int64"
    assert dtypes.result_type("int8", float) == "float64"
    assert dtypes.result_type("float16", float) == "float16"


def test_result_type_of_many_dtypes():
    assert dtypes.result_type("int8", "uint8", "float16") == "float16"
    assert dtypes.result_type("bfloat16", "float16", "int32") == "float32"


def test_float8_has_no_implicit_promotion():
    with pytest.raises(ValueError, match="float8"):
        dtypes.result_type("float8_e4m3fn", "float32")


@pytest.mark.parametrize("value,expected", [
    ("float32", "float32"), (np.float16, "float16"), (np.dtype("int64"), "int64"),
    (bool, "bool"), (int, "int32"), (float, "float32"), ("int", "int32"),
    (None, "float32"), ("bfloat16", "bfloat16"),
])
def test_standardize_dtype(value, expected):
    assert dtypes.standardize_dtype(value) == expected


def test_standardize_dtype_of_the_backends_own_dtypes(backend):
    for name in ("bool", "uint8", "int8", "int16", "int32", "int64", "float16",
                 "bfloat16", "float32", "float64"):
        x = backend.core.convert_to_tensor(np.zeros(2), dtype=name)
        assert dtypes.standardize_dtype(x.dtype) == name


def test_standardize_dtype_rejects_unknown_names():
    with pytest.raises(ValueError, match="Invalid dtype: 'float33'"):
        dtypes.standardize_dtype("float33")


def test_dtype_kind_predicates():
    assert dtypes.is_float_dtype("bfloat16") and not dtypes.is_float_dtype("int8")
    assert dtypes.is_int_dtype("uint16") and not dtypes.is_int_dtype("bool")
