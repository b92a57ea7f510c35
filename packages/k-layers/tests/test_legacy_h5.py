"""Loading legacy Keras 2 whole-model .h5 files; the fixtures are written by hand from the format."""

import json

import h5py
import numpy as np
import pytest

from k_layers import saving

from conftest import to_numpy

RNG = np.random.default_rng(0)


def _glorot():
    return {"class_name": "GlorotUniform", "config": {"seed": None}}


def _dense(name, units, activation, **extra):
    config = {"name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
              "use_bias": True, "kernel_initializer": _glorot(),
              "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
              "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
              "bias_constraint": None, **extra}
    return {"class_name": "Dense", "config": config}


def _input(name, shape):
    return {"class_name": "InputLayer",
            "config": {"batch_input_shape": [None, *shape], "dtype": "float32", "sparse": False,
                       "ragged": False, "name": name}}


def _write(path, config, weights):
    """A Keras 2 model.save("x.h5") layout: weights = [(layer name, [(weight name, array)])]."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode("utf-8")
        f.attrs["training_config"] = json.dumps({"loss": "mse"}).encode("utf-8")
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = np.array([n.encode() for n, _ in weights])
        group.attrs["backend"] = b"tensorflow"
        for layer_name, layer_weights in weights:
            layer_group = group.create_group(layer_name)
            names = [f"{layer_name}/{w}:0" for w, _ in layer_weights]
            layer_group.attrs["weight_names"] = np.array([n.encode() for n in names])
            for name, (_, value) in zip(names, layer_weights, strict=True):
                layer_group.create_dataset(name, data=value)


def _relu(x):
    return np.maximum(x, 0)


def test_sequential_dense(tmp_path):
    k1, b1 = RNG.normal(size=(4, 5)).astype("float32"), RNG.normal(size=5).astype("float32")
    k2, b2 = RNG.normal(size=(5, 2)).astype("float32"), RNG.normal(size=2).astype("float32")
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        _input("dense_input", (4,)),
        _dense("dense", 5, "relu", batch_input_shape=[None, 4]),
        {"class_name": "Dropout", "config": {"name": "dropout", "trainable": True, "dtype": "float32",
                                             "rate": 0.5, "noise_shape": None, "seed": None}},
        _dense("dense_1", 2, "linear")]}}
    path = tmp_path / "model.h5"
    _write(path, config, [("dense", [("kernel", k1), ("bias", b1)]), ("dropout", []),
                          ("dense_1", [("kernel", k2), ("bias", b2)])])
    with pytest.warns(UserWarning, match="training configuration"):
        model = saving.load_model(path)
    assert [layer.name for layer in model.layers] == ["dense", "dropout", "dense_1"]
    np.testing.assert_allclose(to_numpy(model.layers[0].kernel), k1)
    np.testing.assert_allclose(to_numpy(model.layers[2].bias), b2)
    x = RNG.normal(size=(3, 4)).astype("float32")
    expected = _relu(x @ k1 + b1) @ k2 + b2
    np.testing.assert_allclose(np.asarray(to_numpy(model(x))), expected, rtol=1e-5, atol=1e-5)


def _functional_config():
    return {"class_name": "Functional", "config": {
        "name": "model",
        "layers": [
            {**_input("input_1", (3,)), "name": "input_1", "inbound_nodes": []},
            {**_dense("left", 4, "relu"), "name": "left", "inbound_nodes": [[["input_1", 0, 0, {}]]]},
            {**_dense("right", 4, "tanh"), "name": "right", "inbound_nodes": [[["input_1", 0, 0, {}]]]},
            {"class_name": "Concatenate", "name": "concatenate",
             "config": {"name": "concatenate", "trainable": True, "dtype": "float32", "axis": -1},
             "inbound_nodes": [[["left", 0, 0, {}], ["right", 0, 0, {}]]]},
            {**_dense("out", 1, "linear"), "name": "out", "inbound_nodes": [[["concatenate", 0, 0, {}]]]},
        ],
        "input_layers": [["input_1", 0, 0]],
        "output_layers": [["out", 0, 0]]}, "keras_version": "2.15.0", "backend": "tensorflow"}


def test_functional_two_branches(tmp_path):
    kl, bl = RNG.normal(size=(3, 4)).astype("float32"), RNG.normal(size=4).astype("float32")
    kr, br = RNG.normal(size=(3, 4)).astype("float32"), RNG.normal(size=4).astype("float32")
    ko, bo = RNG.normal(size=(8, 1)).astype("float32"), RNG.normal(size=1).astype("float32")
    path = tmp_path / "model.hdf5"
    _write(path, _functional_config(), [
        ("input_1", []), ("left", [("kernel", kl), ("bias", bl)]), ("right", [("kernel", kr), ("bias", br)]),
        ("concatenate", []), ("out", [("kernel", ko), ("bias", bo)])])
    model = saving.load_model(path, compile=False)
    assert model.input_shape == (None, 3)
    x = RNG.normal(size=(5, 3)).astype("float32")
    hidden = np.concatenate([_relu(x @ kl + bl), np.tanh(x @ kr + br)], axis=-1)
    np.testing.assert_allclose(np.asarray(to_numpy(model(x))), hidden @ ko + bo, rtol=1e-5, atol=1e-5)


def test_common_layers_keras2_configs(tmp_path):
    def layer(class_name, name, **config):
        return {"class_name": class_name, "config": {"name": name, "trainable": True, "dtype": "float32",
                                                     **config}}

    init = {"kernel_initializer": _glorot(), "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None}
    rnn = {"return_sequences": False, "return_state": False, "go_backwards": False, "stateful": False,
           "unroll": False, "time_major": False, "units": 3, "activation": "tanh",
           "recurrent_activation": "sigmoid", "use_bias": True,
           "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}},
           "recurrent_regularizer": None, "recurrent_constraint": None, "dropout": 0.0,
           "recurrent_dropout": 0.0, "implementation": 2, **init}
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        _input("ids", (6,)) | {"config": {"batch_input_shape": [None, 6], "dtype": "int32", "sparse": False,
                                          "ragged": False, "name": "ids"}},
        layer("Embedding", "embedding", input_dim=10, output_dim=4, mask_zero=False, input_length=6,
              embeddings_initializer={"class_name": "RandomUniform",
                                      "config": {"minval": -0.05, "maxval": 0.05, "seed": None}},
              embeddings_regularizer=None, activity_regularizer=None, embeddings_constraint=None),
        layer("GRU", "gru", reset_after=True, **{**rnn, "return_sequences": True}),
        layer("LSTM", "lstm", unit_forget_bias=True, **rnn),
        layer("Reshape", "reshape", target_shape=[3, 1, 1]),
        layer("Conv2D", "conv2d", filters=2, kernel_size=[1, 1], strides=[1, 1], padding="same",
              data_format="channels_last", dilation_rate=[1, 1], groups=1, activation="linear",
              use_bias=True, **init),
        layer("BatchNormalization", "batch_normalization", axis=[3], momentum=0.99, epsilon=0.001,
              center=True, scale=True, beta_initializer={"class_name": "Zeros", "config": {}},
              gamma_initializer={"class_name": "Ones", "config": {}},
              moving_mean_initializer={"class_name": "Zeros", "config": {}},
              moving_variance_initializer={"class_name": "Ones", "config": {}}, beta_regularizer=None,
              gamma_regularizer=None, beta_constraint=None, gamma_constraint=None),
        layer("Activation", "activation", activation="relu"),
        layer("Flatten", "flatten", data_format="channels_last"),
        layer("Dropout", "dropout", rate=0.1, noise_shape=None, seed=None)]}}
    shapes = {"embedding": [("embeddings", (10, 4))],
              "gru": [("gru_cell/kernel", (4, 9)), ("gru_cell/recurrent_kernel", (3, 9)),
                      ("gru_cell/bias", (2, 9))],
              "lstm": [("lstm_cell/kernel", (3, 12)), ("lstm_cell/recurrent_kernel", (3, 12)),
                       ("lstm_cell/bias", (12,))],
              "conv2d": [("kernel", (1, 1, 1, 2)), ("bias", (2,))],
              "batch_normalization": [("gamma", (2,)), ("beta", (2,)), ("moving_mean", (2,)),
                                      ("moving_variance", (2,))]}
    weights = {name: [(w, RNG.uniform(0.5, 1.0, size=s).astype("float32")) for w, s in ws]
               for name, ws in shapes.items()}
    path = tmp_path / "layers.h5"
    _write(path, config, list(weights.items()))
    model = saving.load_model(path, compile=False)
    for layer_ in model.layers:
        saved = [v for _, v in weights.get(layer_.name, [])]
        loaded = [np.asarray(to_numpy(v)) for v in list(layer_.trainable_weights) +
                  list(layer_.non_trainable_weights)]
        assert len(saved) == len(loaded), layer_.name
        for a, b in zip(saved, loaded, strict=True):
            np.testing.assert_allclose(a, b)
    out = np.asarray(to_numpy(model(np.array([[1, 2, 3, 4, 5, 6]], "int32"))))
    assert out.shape == (1, 6) and np.all(np.isfinite(out))


def test_hostile_class_refused(tmp_path):
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        _input("i", (2,)),
        {"class_name": "system", "module": "os", "config": {"command": "echo pwned > /tmp/kappa_pwned"}}]}}
    path = tmp_path / "evil.h5"
    _write(path, config, [])
    with pytest.raises(ValueError, match="Unknown class"):
        saving.load_model(path, compile=False)


def test_lambda_bytecode_refused_in_safe_mode(tmp_path):
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        _input("i", (2,)),
        {"class_name": "Lambda", "config": {"name": "lam", "trainable": True, "dtype": "float32",
                                            "function": ["4wEAAAAAAAAA", None, None],
                                            "function_type": "lambda", "module": "__main__",
                                            "output_shape": None, "output_shape_type": "raw",
                                            "output_shape_module": None, "arguments": {}}}]}}
    path = tmp_path / "lambda.h5"
    _write(path, config, [])
    with pytest.raises(ValueError, match="safe_mode=False"):
        saving.load_model(path, compile=False)


def test_shape_mismatch_and_missing_config(tmp_path):
    path = tmp_path / "bad.h5"
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        _input("i", (4,)), _dense("dense", 2, "linear")]}}
    _write(path, config, [("dense", [("kernel", np.zeros((3, 2), "float32")),
                                     ("bias", np.zeros(2, "float32"))])])
    with pytest.raises(ValueError, match="shape"):
        saving.load_model(path, compile=False)
    with h5py.File(tmp_path / "weights_only.h5", "w") as f:
        f.create_group("model_weights")
    with pytest.raises(ValueError, match="model_config"):
        saving.load_model(tmp_path / "weights_only.h5")
