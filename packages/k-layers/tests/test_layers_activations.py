import warnings

import numpy as np
import pytest

from k_backends import dtypes
from k_layers import activations as A
from k_layers import dtype_policies
from k_layers import layers as L
from k_layers.layer import get_mask, set_mask
from k_ops import core as kcore
from k_ops.symbolic import KerasTensor

from conftest import assert_close, to_numpy

X = np.array([[-4.0, -1.5, -0.5, 0.0], [0.3, 1.0, 2.5, 7.0]], dtype="float32")
X3 = np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32") * 3
F32 = dtype_policies.serialize(dtype_policies.get("float32"))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    out = np.where(x > threshold, x, negative_slope * (x - threshold))
    return out if max_value is None else np.minimum(out, max_value)


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _bf16(result, expected, tol=5e-2):
    assert dtypes.standardize_dtype(result.dtype) == "bfloat16"
    assert_close(np.asarray(to_numpy(result)).astype("float32"), expected, rtol=tol, atol=tol)


# (constructor, numpy reference, config Keras 3.15.1 writes without name/trainable/dtype)
CASES = {
    "Activation": (lambda **k: L.Activation("tanh", **k), np.tanh, {"activation": "tanh"}),
    "ReLU": (lambda **k: L.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5, **k),
             lambda x: _relu(x, 0.1, 6.0, 0.5), {"max_value": 6.0, "negative_slope": 0.1, "threshold": 0.5}),
    "LeakyReLU": (lambda **k: L.LeakyReLU(**k), lambda x: np.where(x >= 0, x, 0.3 * x),
                  {"negative_slope": 0.3}),
    "ELU": (lambda **k: L.ELU(alpha=0.5, **k), lambda x: _elu(x, 0.5), {"alpha": 0.5}),
    "Softmax": (lambda **k: L.Softmax(axis=(1, 2), **k),
                lambda x: np.exp(x - np.log(np.exp(x).sum(axis=(1, 2), keepdims=True))), {"axis": (1, 2)}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_shape_config(name):
    make, ref, extra = CASES[name]
    layer = make(name="lay")
    assert layer.built and layer.weights == []
    assert_close(layer(X3), ref(X3.astype("float64")), dtype="float32", rtol=1e-5)
    _bf16(make(dtype="mixed_bfloat16")(X3), ref(X3.astype("float64")))
    assert layer(KerasTensor((None, 3, 4))).shape == (None, 3, 4)
    config = layer.get_config()
    assert config == {"name": "lay", "trainable": True, "dtype": F32, **extra}
    clone = type(layer).from_config(config)
    assert_close(clone(X3), to_numpy(layer(X3)))
    assert layer.get_build_config() is None


def test_elu_config_key_order_as_keras():
    assert list(L.ELU(name="e").get_config()) == ["name", "alpha", "trainable", "dtype"]


def test_relu_variants_and_errors():
    x64 = X.astype("float64")
    assert_close(L.ReLU()(X), _relu(x64))
    assert_close(L.ReLU(max_value=6.0)(X), np.clip(x64, 0, 6))
    assert_close(L.ReLU(negative_slope=0.2)(X), _relu(x64, 0.2))
    assert_close(L.ReLU(threshold=1.0)(X), _relu(x64, 0.0, None, 1.0))
    for kwargs in ({"max_value": -1.0}, {"negative_slope": -0.1}, {"threshold": -1.0},
                   {"negative_slope": None}, {"max_value": "6"}):
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            L.ReLU(**kwargs)


def test_leaky_relu_alpha_alias_and_errors():
    with pytest.warns(UserWarning, match="alpha"):
        layer = L.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1
    assert "alpha" not in layer.get_config()
    assert_close(layer(X), np.where(X >= 0, X, 0.1 * X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        L.LeakyReLU(negative_slope=0.2)
    with pytest.raises(ValueError, match="negative_slope"):
        L.LeakyReLU(negative_slope=-1)
    with pytest.raises(ValueError, match="negative_slope"):
        L.LeakyReLU(negative_slope=None)


def test_activation_by_callable_and_errors():
    layer = L.Activation(A.gelu)
    assert layer.get_config()["activation"] == "gelu"
    assert_close(layer(X), to_numpy(A.gelu(X)))
    assert_close(L.Activation(None)(X), X)
    with pytest.raises(ValueError, match="not_an_activation"):
        L.Activation("not_an_activation")


def test_masks_pass_through():
    x = kcore.convert_to_tensor(np.array(X))
    mask = kcore.convert_to_tensor(np.array([[True, False, True, True], [False, True, True, True]]))
    set_mask(x, mask)
    for layer in (L.ReLU(), L.LeakyReLU(), L.ELU(), L.Activation("relu"), L.PReLU()):
        assert_close(get_mask(layer(x)), to_numpy(mask))


# -- PReLU ----------------------------------------------------------------------------------
def test_prelu_weights_forward_config():
    layer = L.PReLU(shared_axes=[1], name="p")
    out = layer(X3)
    assert [w.path for w in layer.weights] == ["p/alpha"]
    assert tuple(layer.alpha.shape) == (1, 4)
    assert_close(out, np.maximum(X3, 0))                   # zeros: starts as ReLU
    alpha = np.array([[0.1, 0.2, 0.3, 0.4]], "float32")
    layer.set_weights([alpha])
    expected = np.where(X3 >= 0, X3, alpha * X3)
    assert_close(layer(X3), expected, dtype="float32")
    assert layer(KerasTensor((None, 3, 4))).shape == (None, 3, 4)
    config = layer.get_config()
    assert config == {"name": "p", "trainable": True, "dtype": F32,
                      "alpha_initializer": {"module": "keras.initializers", "class_name": "Zeros",
                                            "config": {}, "registered_name": None},
                      "alpha_regularizer": None, "alpha_constraint": None, "shared_axes": [1]}
    clone = L.PReLU.from_config(config)
    clone.build((None, 3, 4))
    clone.set_weights([alpha])
    assert_close(clone(X3), expected)
    assert L.PReLU(shared_axes=2).shared_axes == [2]


def test_prelu_mixed_bfloat16_regularizer_and_shape_errors():
    layer = L.PReLU(alpha_initializer="ones", alpha_regularizer="l2", dtype="mixed_bfloat16")
    out = layer(X3)
    assert dtypes.standardize_dtype(layer.alpha.dtype) == "float32"
    assert tuple(layer.alpha.shape) == (3, 4)
    _bf16(out, X3)
    assert len(layer.losses) == 1
    assert_close(layer.losses[0], 0.01 * 12, rtol=1e-5)
    with pytest.raises(ValueError, match="'p_bad'"):
        bad = L.PReLU(name="p_bad")
        bad(X3)
        bad(np.ones((2, 3, 5), "float32"))
    with pytest.raises(ValueError, match="shared_axes"):
        L.PReLU(shared_axes=[0])
    with pytest.raises(ValueError, match="shared_axes"):
        L.PReLU(shared_axes=[3])(X3)


# -- Softmax --------------------------------------------------------------------------------
def test_softmax_axis_and_mask():
    x64 = X.astype("float64")
    assert_close(L.Softmax()(X), _softmax(x64), rtol=1e-5)
    assert_close(L.Softmax(axis=0)(X), _softmax(x64, axis=0), rtol=1e-5)
    assert_close(L.Softmax(axis=[1])(X), _softmax(x64, axis=1), rtol=1e-5)
    mask = np.array([[True, False, True, True], [False, False, True, False]])
    expected = np.where(mask, _softmax(np.where(mask, x64, -1e9)), 0.0)
    assert_close(L.Softmax()(X, mask=mask), expected, rtol=1e-5)
    assert_close(L.Softmax()(X, mask=mask.astype("float32")), expected, rtol=1e-5)   # 0/1 masks work too
    row = np.array([[True], [False]])                     # broadcast mask: the second row is all masked
    out = to_numpy(L.Softmax()(X, mask=row))
    assert_close(out[0], _softmax(x64)[0], rtol=1e-5)
    assert_close(out[1], np.zeros(4))
    # a mask carried by the input is used automatically
    x = kcore.convert_to_tensor(np.array(X))
    set_mask(x, kcore.convert_to_tensor(mask))
    assert_close(L.Softmax()(x), expected, rtol=1e-5)


def test_softmax_mask_float16_and_errors():
    mask = np.array([[True, False, True, True], [False, False, True, False]])
    out = L.Softmax(dtype="float16")(X, mask=mask)         # -3e4 fits float16 (-1e9 would not)
    assert np.isfinite(np.asarray(to_numpy(out)).astype("float32")).all()
    with pytest.raises(ValueError, match=r"'sm'.*broadcast.*\(2, 4\).*\(2, 5\)"):
        L.Softmax(name="sm")(X, mask=np.ones((2, 5), bool))
    with pytest.raises(ValueError, match="broadcast"):
        L.Softmax()(X, mask=np.ones((1, 2, 4), bool))
    with pytest.raises(ValueError, match="axis"):
        L.Softmax(axis="last")
