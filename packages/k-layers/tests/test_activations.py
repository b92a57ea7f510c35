import inspect
import json
import math

import numpy as np
import pytest

from k_layers import activations as A
from k_layers.serialization import register_keras_serializable

from conftest import assert_close

X = np.array([[-4.0, -1.5, -0.5, 0.0], [0.3, 1.0, 2.5, 7.0]], dtype="float32")
x64 = X.astype("float64")


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.log1p(np.exp(x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


_erf = np.vectorize(math.erf)
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def _sparsemax(x):
    out = np.empty_like(x)
    for i, row in enumerate(x):
        z = np.sort(row)[::-1]
        k = np.arange(1, len(z) + 1)
        support = 1 + k * z > np.cumsum(z)
        kz = k[support][-1]
        tau = (np.cumsum(z)[kz - 1] - 1) / kz
        out[i] = np.maximum(row - tau, 0)
    return out


CASES = [
    ("relu", {}, np.maximum(x64, 0)),
    ("relu", {"negative_slope": 0.5}, np.where(x64 > 0, x64, 0.5 * x64)),
    ("relu", {"max_value": 2.0}, np.clip(x64, 0, 2)),
    ("relu", {"max_value": 6}, np.clip(x64, 0, 6)),
    ("relu", {"threshold": 1.0}, np.where(x64 > 1, x64, 0)),
    ("relu", {"negative_slope": 0.5, "max_value": 4.0, "threshold": 1.0},
     np.where(x64 > 1, np.minimum(x64, 4), 0) - 0.5 * np.maximum(1 - x64, 0)),
    ("leaky_relu", {}, np.where(x64 > 0, x64, 0.2 * x64)),
    ("relu6", {}, np.clip(x64, 0, 6)),
    ("softmax", {}, _softmax(x64)),
    ("softmax", {"axis": 0}, _softmax(x64, 0)),
    ("elu", {"alpha": 0.5}, np.where(x64 > 0, x64, 0.5 * (np.exp(x64) - 1))),
    ("selu", {}, SELU_SCALE * np.where(x64 > 0, x64, SELU_ALPHA * (np.exp(x64) - 1))),
    ("celu", {"alpha": 2.0}, np.maximum(x64, 0) + np.minimum(0, 2.0 * (np.exp(x64 / 2.0) - 1))),
    ("softplus", {}, _softplus(x64)),
    ("softsign", {}, x64 / (1 + np.abs(x64))),
    ("squareplus", {"b": 2}, (x64 + np.sqrt(x64 ** 2 + 2)) / 2),
    ("soft_shrink", {"threshold": 1.0}, np.where(x64 > 1, x64 - 1, np.where(x64 < -1, x64 + 1, 0))),
    ("hard_shrink", {"threshold": 1.0}, np.where(np.abs(x64) > 1, x64, 0)),
    ("sparse_plus", {}, np.where(x64 <= -1, 0, np.where(x64 >= 1, x64, (x64 + 1) ** 2 / 4))),
    ("silu", {}, x64 * _sigmoid(x64)),
    ("swish", {}, x64 * _sigmoid(x64)),
    ("gelu", {}, 0.5 * x64 * (1 + _erf(x64 / np.sqrt(2)))),
    ("gelu", {"approximate": True},
     0.5 * x64 * (1 + np.tanh(np.sqrt(2 / np.pi) * (x64 + 0.044715 * x64 ** 3)))),
    ("glu", {}, x64[:, :2] * _sigmoid(x64[:, 2:])),
    ("glu", {"axis": 0}, x64[:1] * _sigmoid(x64[1:])),
    ("tanh", {}, np.tanh(x64)),
    ("tanh_shrink", {}, x64 - np.tanh(x64)),
    ("threshold", {"threshold": 0.4, "default_value": -3.0}, np.where(x64 > 0.4, x64, -3.0)),
    ("sigmoid", {}, _sigmoid(x64)),
    ("sparse_sigmoid", {}, np.clip((x64 + 1) / 2, 0, 1)),
    ("exponential", {}, np.exp(x64)),
    ("hard_sigmoid", {}, np.clip(x64 / 6 + 0.5, 0, 1)),
    ("hard_silu", {}, x64 * np.clip(x64 / 6 + 0.5, 0, 1)),
    ("hard_swish", {}, x64 * np.clip(x64 / 6 + 0.5, 0, 1)),
    ("hard_tanh", {}, np.clip(x64, -1, 1)),
    ("linear", {}, x64),
    ("mish", {}, x64 * np.tanh(_softplus(x64))),
    ("log_softmax", {}, np.log(_softmax(x64))),
    ("log_sigmoid", {}, np.log(_sigmoid(x64))),
    ("sparsemax", {}, _sparsemax(x64)),
]


@pytest.mark.parametrize("name, kwargs, expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_values_against_numpy(name, kwargs, expected):
    assert_close(getattr(A, name)(X, **kwargs), expected, dtype="float32", rtol=1e-5, atol=1e-5)


def test_every_activation_is_tested():
    functions = set(A.__all__) - {"get", "serialize", "deserialize"}
    assert functions == {c[0] for c in CASES}


def test_relu_docstring_examples_from_keras():
    x = np.array([-10.0, -5.0, 0.0, 5.0, 10.0], "float32")
    assert_close(A.relu(x), np.array([0.0, 0.0, 0.0, 5.0, 10.0]))
    assert_close(A.relu(x, negative_slope=0.5), np.array([-5.0, -2.5, 0.0, 5.0, 10.0]))
    assert_close(A.relu(x, max_value=5.0), np.array([0.0, 0.0, 0.0, 5.0, 5.0]))
    assert_close(A.relu(x, threshold=5.0), np.array([0.0, 0.0, 0.0, 0.0, 10.0]))
    # Keras 3.15.1 gives [-5.5, -3, -0.5, 4, 4] for all three arguments together.
    assert_close(A.relu(x, negative_slope=0.5, max_value=4.0, threshold=1.0),
                 np.array([-5.5, -3.0, -0.5, 4.0, 4.0]))


def test_signatures():
    assert str(inspect.signature(A.relu)) == "(x, negative_slope=0.0, max_value=None, threshold=0.0)"
    assert str(inspect.signature(A.gelu)) == "(x, approximate=False)"
    assert str(inspect.signature(A.threshold)) == "(x, threshold, default_value)"
    assert str(inspect.signature(A.squareplus)) == "(x, b=4)"
    assert A.swish is A.silu and A.hard_swish is A.hard_silu


def test_serialize_as_keras():
    # Keras 3.15.1: serialize(relu) == "relu", serialize(swish) == "silu"
    assert A.serialize(A.relu) == "relu"
    assert A.serialize(A.swish) == "silu"
    assert A.serialize(A.linear) == "linear"
    for name in set(A.__all__) - {"get", "serialize", "deserialize"}:
        fn = getattr(A, name)
        assert A.deserialize(A.serialize(fn)) is fn


def test_serialize_registered_function():
    @register_keras_serializable(package="test_acts")
    def my_act(x):
        return x

    config = json.loads(json.dumps(A.serialize(my_act)))
    assert config["class_name"] == "function" and config["config"] == "test_acts>my_act"
    assert A.deserialize(config) is my_act
    assert A.get(config) is my_act
    with pytest.raises(ValueError):
        A.serialize(lambda x: x)


def test_get():
    assert A.get(None) is A.linear
    assert A.get("relu") is A.relu and A.get("swish") is A.silu and A.get("hard_swish") is A.hard_silu
    assert A.get({"module": "keras.activations", "class_name": "function", "config": "relu",
                  "registered_name": None}) is A.relu
    assert A.get({"module": "builtins", "class_name": "function", "config": "gelu",
                  "registered_name": "function"}) is A.gelu

    def custom(x):
        return x
    assert A.get(custom) is custom
    with pytest.raises(ValueError, match="nope"):
        A.get("nope")
    with pytest.raises(ValueError, match="interpret"):
        A.get(3)
    with pytest.raises(ValueError, match="interpret"):
        A.get("get")
