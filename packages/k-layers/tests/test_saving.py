"""Saving and loading: .keras archives and .weights.h5 files (round trips, layout, safety, interop)."""

import json
import os
import subprocess
import sys
import zipfile

import h5py
import numpy as np
import pytest

from k_layers import layers, saving, serialization
from k_layers.layer import Layer
from k_layers.models import Input, Model, Sequential
from k_layers.saving import archive

from conftest import needs_training, to_numpy

RNG = np.random.default_rng(0)
X4 = RNG.normal(size=(3, 4)).astype("float32")


def _out(model, x):
    return np.asarray(to_numpy(model(x)))


def _mlp():
    inputs = Input((4,))
    h = layers.Dense(8, activation="relu")(inputs)
    h = layers.BatchNormalization()(h)
    return Model(inputs, layers.Dense(2)(h))


@serialization.register_keras_serializable(package="test_saving")
class Scale(Layer):
    """A registered custom layer with one weight."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.alpha = self.add_weight(shape=(input_shape[-1],), initializer="random_normal", name="alpha")

    def call(self, x):
        return x * self.alpha * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _roundtrip(model, tmp_path, x, **load_kwargs):
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = saving.load_model(path, **load_kwargs)
    np.testing.assert_allclose(_out(loaded, x), _out(model, x), rtol=1e-6, atol=1e-6)
    for a, b in zip(model.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    return loaded


def test_sequential_roundtrip_predicts_the_same(tmp_path):
    model = Sequential([Input((4,)), layers.Dense(3, activation="tanh"), layers.Dense(2)])
    loaded = _roundtrip(model, tmp_path, X4)
    assert isinstance(loaded, Sequential)


def test_functional_with_shared_layer_nested_model_and_two_outputs(tmp_path):
    a, b = Input((4,)), Input((4,))
    shared = layers.Dense(5)
    inner = Sequential([Input((5,)), layers.Dense(3), layers.BatchNormalization()])
    ha, hb = inner(shared(a)), inner(shared(b))
    model = Model([a, b], [layers.Add()([ha, hb]), layers.Dense(1)(ha)])
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = saving.load_model(path)
    for got, want in zip(loaded([X4, X4 * 2]), model([X4, X4 * 2]), strict=True):
        np.testing.assert_allclose(to_numpy(got), to_numpy(want), rtol=1e-6, atol=1e-6)


def test_registered_custom_layer_roundtrip(tmp_path):
    inputs = Input((4,))
    model = Model(inputs, Scale(3.0)(layers.Dense(4)(inputs)))
    loaded = _roundtrip(model, tmp_path, X4)
    assert isinstance(loaded.layers[-1], Scale) and loaded.layers[-1].factor == 3.0


def test_archive_holds_keras_members_and_h5_layout(tmp_path):
    path = tmp_path / "m.keras"
    _mlp().save(path)
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        metadata = json.loads(z.read("metadata.json"))
        config = json.loads(z.read("config.json"))
        z.extract("model.weights.h5", tmp_path)
    assert {"keras_version", "date_saved"} <= set(metadata)
    assert config["class_name"] == "Functional"
    with h5py.File(tmp_path / "model.weights.h5") as f:
        assert f["layers/dense/vars/0"].shape == (4, 8)
        assert f["layers/dense/vars/1"].shape == (8,)
        assert f["layers/dense_1/vars/0"].shape == (8, 2)
        assert len(f["layers/batch_normalization/vars"]) == 4
        assert len(f["layers/input_layer/vars"]) == 0


def test_subclassed_model_paths_follow_attribute_names(tmp_path):
    class Net(Model):
        def __init__(self):
            super().__init__()
            self.head = layers.Dense(2)
            self.body = layers.Dense(3)

        def call(self, x):
            return self.head(self.body(x))

    model = Net()
    model(X4)
    path = tmp_path / "net.weights.h5"
    model.save_weights(path)
    with h5py.File(path) as f:
        assert f["body/vars/0"].shape == (4, 3) and f["head/vars/0"].shape == (3, 2)
    other = Net()
    other(X4)
    other.load_weights(path)
    np.testing.assert_allclose(_out(other, X4), _out(model, X4), rtol=1e-6)


def test_save_weights_load_weights_and_skip_mismatch(tmp_path):
    model, other = _mlp(), _mlp()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    other.load_weights(path)
    np.testing.assert_allclose(_out(other, X4), _out(model, X4), rtol=1e-6)
    inputs = Input((4,))
    h = layers.BatchNormalization()(layers.Dense(8, activation="relu")(inputs))
    wider = Model(inputs, layers.Dense(3)(h))
    with pytest.raises(ValueError, match="Shape mismatch.*layers/dense_1/vars/0"):
        wider.load_weights(path)
    with pytest.warns(UserWarning, match="Skipping"):
        wider.load_weights(path, skip_mismatch=True)
    np.testing.assert_array_equal(to_numpy(wider.layers[1].kernel), to_numpy(model.layers[1].kernel))
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(tmp_path / "w.h5")


def test_overwrite_false_refuses_and_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    model = _mlp()
    model.save(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite"):
        model.save(path, overwrite=False)

    def broken(model, h5_file):
        raise RuntimeError("disk full")

    monkeypatch.setattr("k_layers.saving.api.write_weights", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.keras"]


def test_unzipped_directory_roundtrip(tmp_path):
    model = _mlp()
    path = tmp_path / "model_dir"
    saving.save_model(model, path, zipped=False)
    assert sorted(os.listdir(path)) == ["config.json", "metadata.json", "model.weights.h5"]
    np.testing.assert_allclose(_out(saving.load_model(path), X4), _out(model, X4), rtol=1e-6)


@needs_training
def test_compiled_model_restores_optimizer_state(tmp_path):
    pytest.importorskip("k_train")
    x, y = RNG.normal(size=(8, 4)).astype("float32"), RNG.normal(size=(8, 2)).astype("float32")
    model = _mlp()
    model.compile(optimizer="adam", loss="mse")
    for _ in range(2):
        model.train_on_batch(x, y)
    model.save(tmp_path / "m.keras")
    loaded = saving.load_model(tmp_path / "m.keras")
    assert int(to_numpy(loaded.optimizer.iterations)) == 2
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables, strict=True):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    model.train_on_batch(x, y)
    loaded.train_on_batch(x, y)
    for a, b in zip(model.weights, loaded.weights, strict=True):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-5, atol=1e-6)
    assert "optimizer" not in [p for p, _ in _paths(saving.load_model(tmp_path / "m.keras", compile=False))]


def _paths(model):
    from k_layers.saving.weights_store import saveables

    return saveables(model)


# -- hostile files -----------------------------------------------------------------
def _archive_from(tmp_path, members, name="bad.keras"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as z:
        for member, data in members.items():
            z.writestr(member, data)
    return path


def _good_members(tmp_path):
    path = tmp_path / "good.keras"
    Sequential([Input((4,)), layers.Dense(2)]).save(path)
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("member", ["../x", "/etc/x", "assets/../../x", "extra.txt"])
def test_unexpected_or_escaping_member_is_refused(tmp_path, member):
    path = _archive_from(tmp_path, {**_good_members(tmp_path), member: b"x"})
    with pytest.raises(ValueError, match="Refusing to load"):
        saving.load_model(path)
    assert not (tmp_path.parent / "x").exists()


@pytest.mark.parametrize("class_name,module",
                         [("system", "os"), ("exec", "builtins"), ("Popen", "subprocess")])
def test_config_naming_arbitrary_callables_is_refused(tmp_path, class_name, module):
    members = _good_members(tmp_path)
    config = json.loads(members["config.json"])
    config["config"]["layers"][-1]["class_name"] = class_name
    config["config"]["layers"][-1]["module"] = module
    members["config.json"] = json.dumps(config)
    with pytest.raises(ValueError, match="Unknown"):
        saving.load_model(_archive_from(tmp_path, members))


def test_activation_naming_a_builtin_function_is_refused(tmp_path):
    members = _good_members(tmp_path)
    config = json.loads(members["config.json"])
    config["config"]["layers"][-1]["config"]["activation"] = {
        "module": "builtins", "class_name": "function", "config": "exec", "registered_name": "function"}
    members["config.json"] = json.dumps(config)
    with pytest.raises(ValueError, match="Unknown"):
        saving.load_model(_archive_from(tmp_path, members))


def test_lambda_code_needs_safe_mode_false(tmp_path):
    model = Sequential([Input((4,)), layers.Lambda(lambda t: t * 2.0)])
    path = tmp_path / "lam.keras"
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode"):
        saving.load_model(path)
    loaded = saving.load_model(path, safe_mode=False)
    np.testing.assert_allclose(_out(loaded, X4), X4 * 2.0, rtol=1e-6)


def test_truncated_and_non_zip_files_give_clear_errors(tmp_path):
    path = tmp_path / "m.keras"
    _mlp().save(path)
    data = path.read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a valid .keras|truncated or corrupt"):
        saving.load_model(tmp_path / "cut.keras")
    (tmp_path / "text.keras").write_text("hello")
    with pytest.raises(ValueError, match="not a valid .keras"):
        saving.load_model(tmp_path / "text.keras")


def test_declared_sizes_over_the_limit_are_refused(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    _mlp().save(path)
    monkeypatch.setattr(archive, "MAX_ARCHIVE_BYTES", 1024)
    with pytest.raises(ValueError, match="over the limit"):
        saving.load_model(path)


def test_weight_declared_with_huge_shape_is_refused_before_reading(tmp_path):
    model = Sequential([Input((4,)), layers.Dense(2)])
    path = tmp_path / "huge.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r+") as f:
        del f["layers/dense/vars/0"]
        # Declared, never written: a 2**40-element dataset that would need 4 TiB to read.
        f.create_dataset("layers/dense/vars/0", shape=(2**20, 2**20), dtype="float32")
    with pytest.raises(ValueError, match="Shape mismatch"):
        model.load_weights(path)


def test_external_links_in_weights_are_refused(tmp_path):
    model = Sequential([Input((4,)), layers.Dense(2)])
    path = tmp_path / "link.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r+") as f:
        del f["layers/dense"]
        f["layers/dense"] = h5py.ExternalLink("/etc/other.h5", "/x")
    with pytest.raises(ValueError, match="ExternalLink"):
        model.load_weights(path)


# -- across backends and with Keras 3 ----------------------------------------------
_SAVE_UNDER_NUMPY = """
import numpy as np, sys
from k_layers import layers
from k_layers.models import Input, Model
inputs = Input((4,))
h = layers.BatchNormalization()(layers.Dense(8, activation="relu")(inputs))
model = Model(inputs, layers.Dense(2)(h))
model.save(sys.argv[1])
np.save(sys.argv[2], np.asarray(model(np.load(sys.argv[3]))))
"""


def test_file_saved_under_numpy_backend_loads_here(tmp_path):
    np.save(tmp_path / "x.npy", X4)
    env = {**os.environ, "KAPPA_BACKEND": "numpy", "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", _SAVE_UNDER_NUMPY, str(tmp_path / "m.keras"),
                    str(tmp_path / "y.npy"), str(tmp_path / "x.npy")], check=True, env=env)
    loaded = saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(_out(loaded, X4), np.load(tmp_path / "y.npy"), rtol=1e-5, atol=1e-6)


def test_keras3_loads_kappa_files_and_kappa_loads_keras3_files(tmp_path):
    keras = pytest.importorskip("keras")
    x_img = RNG.normal(size=(2, 8, 8, 3)).astype("float32")
    # kappa -> Keras 3
    ours = _mlp()
    ours.save(tmp_path / "kappa.keras")
    theirs = keras.saving.load_model(tmp_path / "kappa.keras")
    np.testing.assert_allclose(np.asarray(theirs.predict(X4, verbose=0)), _out(ours, X4),
                               rtol=1e-5, atol=1e-6)
    # Keras 3 -> kappa: a CNN and an MLP with BatchNormalization
    inputs = keras.Input((8, 8, 3))
    h = keras.layers.MaxPooling2D()(keras.layers.Conv2D(4, 3, activation="relu")(inputs))
    cnn = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(h)))
    inputs = keras.Input((4,))
    h = keras.layers.BatchNormalization()(keras.layers.Dense(8, activation="relu")(inputs))
    mlp = keras.Model(inputs, keras.layers.Dense(2)(h))
    for name, model, x in (("cnn", cnn, x_img), ("mlp", mlp, X4)):
        model.save(tmp_path / f"{name}.keras")
        loaded = saving.load_model(tmp_path / f"{name}.keras")
        np.testing.assert_allclose(_out(loaded, x), np.asarray(model.predict(x, verbose=0)),
                                   rtol=1e-5, atol=1e-5)

