import json

import numpy as np
import pytest

from k_layers import regularizers as R

from conftest import assert_close

W = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.5]], dtype="float32")


def _orthogonal_penalty(w, factor, mode):
    w = w.astype("float64")
    if mode == "columns":
        w = w.T
    w = w / np.sqrt(np.maximum(np.sum(w ** 2, axis=1, keepdims=True), 1e-12))
    product = w @ w.T
    n = product.shape[0]
    return factor * 0.5 * np.sum(np.abs(product * (1 - np.eye(n)))) / (n * (n - 1) / 2)


@pytest.mark.parametrize("reg, expected", [
    (R.L1(0.1), 0.1 * np.sum(np.abs(W))),
    (R.L2(0.2), 0.2 * np.sum(W ** 2)),
    (R.L1L2(0.1, 0.2), 0.1 * np.sum(np.abs(W)) + 0.2 * np.sum(W ** 2)),
    (R.L1L2(), 0.0),
    (R.L1L2(l2=0.3), 0.3 * np.sum(W ** 2)),
    (R.OrthogonalRegularizer(0.5, "rows"), _orthogonal_penalty(W, 0.5, "rows")),
    (R.OrthogonalRegularizer(0.5, "columns"), _orthogonal_penalty(W, 0.5, "columns")),
])
def test_values_against_numpy(reg, expected):
    assert_close(reg(W), np.float64(expected), dtype="float32", rtol=1e-5)


def test_orthogonal_value_from_keras():
    # Keras 3.15.1: OrthogonalRegularizer()(np.eye(3) + 0.1) == 0.001869918711907494
    assert_close(R.OrthogonalRegularizer()(np.eye(3, dtype="float32") + 0.1), np.float64(0.0018699187),
                 rtol=1e-5)
    assert_close(R.OrthogonalRegularizer()(np.eye(3, dtype="float32")), np.float64(0.0), atol=1e-7)
    with pytest.raises(ValueError, match="2D"):
        R.OrthogonalRegularizer()(np.ones((2, 2, 2), "float32"))


def test_integer_input_gives_float():
    assert_close(R.L1(0.5)(np.array([1, -2], dtype="int32")), np.float64(1.5), dtype="float32")


# Printed by Keras 3.15.1 (L1 and OrthogonalRegularizer keep their factor as float32).
KERAS_CONFIGS = [
    (R.L1(), {"l1": 0.009999999776482582}),
    (R.L1(1), {"l1": 1.0}),
    (R.L2(), {"l2": 0.01}),
    (R.L2(1), {"l2": 1.0}),
    (R.L1L2(), {"l1": 0.0, "l2": 0.0}),
    (R.L1L2(0.01, 0.02), {"l1": 0.01, "l2": 0.02}),
    (R.L1L2(None, 0.1), {"l1": 0.0, "l2": 0.1}),
    (R.OrthogonalRegularizer(), {"factor": 0.009999999776482582, "mode": "rows"}),
]


@pytest.mark.parametrize("reg, config", KERAS_CONFIGS)
def test_config_equals_keras_and_round_trips(reg, config):
    assert reg.get_config() == config
    serialized = json.loads(json.dumps(R.serialize(reg)))
    assert serialized == {"module": "keras.regularizers", "class_name": type(reg).__name__, "config": config,
                          "registered_name": None}
    again = R.deserialize(serialized)
    assert type(again) is type(reg) and again.get_config() == config


@pytest.mark.parametrize("make, match", [
    (lambda: R.L1(-1.0), "l1"), (lambda: R.L2("a"), "l2"), (lambda: R.L1L2(0.1, -2), "l2"),
    (lambda: R.OrthogonalRegularizer(mode="diagonal"), "mode"),
    (lambda: R.OrthogonalRegularizer(-1), "factor")])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_get():
    assert isinstance(R.get("l2"), R.L2) and isinstance(R.get("L1L2"), R.L1L2)
    assert isinstance(R.get("orthogonal_regularizer"), R.OrthogonalRegularizer)
    assert R.l1_l2 is R.L1L2 and R.l1 is R.L1
    assert R.get(None) is None
    assert isinstance(R.get(R.L1), R.L1)
    reg = R.L2(0.3)
    assert R.get(reg) is reg
    assert R.get({"class_name": "L2", "config": {"l2": 0.001}}).get_config() == {"l2": 0.001}

    def custom(x):
        return 0.0
    assert R.get(custom) is custom
    with pytest.raises(ValueError, match="nope"):
        R.get("nope")
    with pytest.raises(ValueError, match="interpret"):
        R.get(1.5)


def test_base_class():
    assert R.Regularizer()(W) == 0.0
    with pytest.raises(NotImplementedError):
        R.Regularizer().get_config()
