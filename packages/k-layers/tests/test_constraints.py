import json

import numpy as np
import pytest

import k_backends
from k_layers import constraints as C

from conftest import assert_close

W = np.array([[3.0, 0.1, -1.0], [4.0, 0.1, 2.0]], dtype="float32")
EPS = k_backends.epsilon()


def _norms(w, axis):
    return np.sqrt(np.sum(w.astype("float64") ** 2, axis=axis, keepdims=True))


def test_max_norm():
    for axis in (0, 1, [0, 1]):
        norms = _norms(W, tuple(axis) if isinstance(axis, list) else axis)
        expected = W * np.clip(norms, 0, 1.5) / (EPS + norms)
        assert_close(C.MaxNorm(1.5, axis=axis)(W), expected, dtype="float32")


def test_max_norm_value_from_keras():
    # Keras 3.15.1: MaxNorm(1.)([[3., .1], [4., .1]]) == [[0.6, 0.09999993], [0.8, 0.09999993]]
    w = np.array([[3.0, 0.1], [4.0, 0.1]], "float32")
    assert_close(C.MaxNorm(1.0)(w), np.array([[0.6, 0.09999993], [0.8, 0.09999993]]), rtol=1e-5)


def test_min_max_norm():
    norms = _norms(W, 0)
    desired = 0.5 * np.clip(norms, 0.5, 1.0) + 0.5 * norms
    assert_close(C.MinMaxNorm(0.5, 1.0, rate=0.5)(W), W * desired / (EPS + norms), dtype="float32")
    # Keras 3.15.1: MinMaxNorm(0.5, 1., 0.5)([[3., .1], [4., .1]])
    w = np.array([[3.0, 0.1], [4.0, 0.1]], "float32")
    assert_close(C.MinMaxNorm(0.5, 1.0, 0.5)(w), np.array([[1.8000001, 0.22677653], [2.4, 0.22677653]]),
                 rtol=1e-5)


def test_unit_norm_and_non_neg():
    assert_close(C.UnitNorm(axis=1)(W), W / (EPS + _norms(W, 1)), dtype="float32")
    assert_close(C.NonNeg()(W), np.where(W >= 0, W, 0), dtype="float32")
    assert_close(C.Constraint()(W), W)


KERAS_CONFIGS = [
    (C.MaxNorm(), {"max_value": 2, "axis": 0}),
    (C.MinMaxNorm(), {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}),
    (C.NonNeg(), {}),
    (C.UnitNorm(), {"axis": 0}),
    (C.MaxNorm(3.0, axis=[0, 1]), {"max_value": 3.0, "axis": [0, 1]}),
]


@pytest.mark.parametrize("constraint, config", KERAS_CONFIGS)
def test_config_equals_keras_and_round_trips(constraint, config):
    assert constraint.get_config() == config
    serialized = json.loads(json.dumps(C.serialize(constraint)))
    assert serialized == {"module": "keras.constraints", "class_name": type(constraint).__name__,
                          "config": config, "registered_name": None}
    again = C.deserialize(serialized)
    assert type(again) is type(constraint) and again.get_config() == config


@pytest.mark.parametrize("make, match", [
    (lambda: C.MaxNorm(-1), "max_value"), (lambda: C.MaxNorm("2"), "max_value"),
    (lambda: C.UnitNorm(axis="a"), "axis"), (lambda: C.MinMaxNorm(2.0, 1.0), "min_value"),
    (lambda: C.MinMaxNorm(rate=None), "rate")])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_get():
    assert isinstance(C.get("max_norm"), C.MaxNorm) and isinstance(C.get("NonNeg"), C.NonNeg)
    assert C.non_neg is C.NonNeg and C.unit_norm is C.UnitNorm
    assert C.get(None) is None
    assert isinstance(C.get(C.UnitNorm), C.UnitNorm)
    c = C.MaxNorm(1.0)
    assert C.get(c) is c
    assert C.get({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 1}}).get_config() == \
        {"max_value": 3, "axis": 1}
    with pytest.raises(ValueError, match="nope"):
        C.get("nope")
    with pytest.raises(ValueError, match="interpret"):
        C.get(2)
