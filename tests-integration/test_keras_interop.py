""".keras files move both ways between kappa and Keras 3 (run by `nox -s interop`, which installs Keras)."""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras", reason="the interop session installs Keras 3")

import kappa  # noqa: E402

X_IMAGES = np.random.default_rng(0).random((3, 8, 8, 3)).astype("float32")
X_FLAT = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")


def _kappa_scale():
    @kappa.saving.register_keras_serializable(package="interop")
    class Scale(kappa.layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

        def call(self, x):
            return x * self.scale

    return Scale


def _keras_scale():
    @keras.saving.register_keras_serializable(package="interop")
    class Scale(keras.layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

        def call(self, x):
            return x * self.scale

    return Scale


def _models(lib, scale):
    L = lib.layers
    images = lib.Input((8, 8, 3))
    h = L.MaxPooling2D()(L.Conv2D(4, 3, activation="relu")(images))
    cnn = lib.Model(images, L.Dense(3)(L.Flatten()(h)))
    flat = lib.Input((4,))
    h = L.BatchNormalization()(L.Dense(8, activation="relu")(flat))
    mlp = lib.Model(flat, L.Dense(2)(h))
    custom = lib.Sequential([lib.Input((4,)), L.Dense(3), scale()])
    return {"cnn": (cnn, X_IMAGES), "mlp_batchnorm": (mlp, X_FLAT), "custom_layer": (custom, X_FLAT)}


def _randomize(model, seed):
    """Random positive weights (batch-norm variances must stay positive)."""
    rng = np.random.default_rng(seed)
    model.set_weights([np.abs(rng.normal(size=np.shape(w))).astype("float32") * 0.5 + 0.5
                       for w in model.get_weights()])
    return model


@pytest.mark.parametrize("name", ["cnn", "mlp_batchnorm", "custom_layer"])
def test_kappa_file_loads_in_keras(name, tmp_path):
    model, x = _models(kappa, _kappa_scale())[name]
    model = _randomize(model, 3)
    _keras_scale()
    model.save(tmp_path / "m.keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)),
                               kappa.ops.convert_to_numpy(model(x)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["cnn", "mlp_batchnorm", "custom_layer"])
def test_keras_file_loads_in_kappa(name, tmp_path):
    model, x = _models(keras, _keras_scale())[name]
    model = _randomize(model, 4)
    _kappa_scale()
    model.save(tmp_path / "m.keras")
    ours = kappa.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(kappa.ops.convert_to_numpy(ours(x)), np.asarray(model.predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-5)
