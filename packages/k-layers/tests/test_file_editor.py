"""KerasFileEditor: read a saved model's weights, edit them, save, reload into a model."""

import os

import h5py
import numpy as np
import pytest

from k_layers import layers, saving
from k_layers.models import Input, Model, Sequential
from k_layers.saving import KerasFileEditor

from conftest import to_numpy

X = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")


def _model(second=2, extra=False):
    stack = [Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(second)]
    if extra:
        stack.append(layers.Dense(3))
    return Sequential(stack)


def _saved(tmp_path, model=None):
    model = model or _model()
    path = tmp_path / "model.keras"
    model.save(path)
    return model, path


def test_reads_archive_structure_names_and_summary(tmp_path, capsys):
    model, path = _saved(tmp_path)
    editor = KerasFileEditor(path)
    assert editor.config["class_name"] == "Sequential"
    assert "keras_version" in editor.metadata
    assert sorted(editor.weights_dict["layers"]) == ["dense", "dense_1"]
    kernel = editor.weights_dict["layers"]["dense"]["0"]
    np.testing.assert_array_equal(kernel, to_numpy(model.layers[0].kernel))
    assert editor.object_metadata["layers/dense"]["name"] == model.layers[0].name
    editor.summary()
    out = capsys.readouterr().out
    assert "dense_1" in out and "shape=(4, 8)" in out


def test_compare_reports_matches_and_mismatches(tmp_path):
    _, path = _saved(tmp_path)
    editor = KerasFileEditor(path)
    assert editor.compare(_model()) == {"status": "success", "error_count": 0, "match_count": 4}
    other = editor.compare(_model(second=5, extra=True))
    assert other["status"] == "error"
    # dense_1 kernel and bias differ in shape; dense_2 is missing from the file.
    assert other["error_count"] == 3
    assert other["match_count"] == 2


def test_edit_save_and_reload_into_a_different_model(tmp_path):
    model, path = _saved(tmp_path)
    target = _model(second=5, extra=True)
    editor = KerasFileEditor(path)
    new_kernel = np.full((8, 5), 0.5, "float32")
    editor.delete_object("dense_1")
    editor.add_object("layers/dense_1", {"0": new_kernel, "1": np.zeros(5, "float32")})
    editor.add_object("layers/dense_2", {"0": np.ones((5, 3), "float32")})
    editor.add_weights("dense_2", {"1": np.ones(3, "float32")})
    assert editor.compare(target)["status"] == "success"
    out = tmp_path / "edited.weights.h5"
    editor.save(out)
    target.load_weights(out)
    np.testing.assert_array_equal(to_numpy(target.layers[0].kernel), to_numpy(model.layers[0].kernel))
    np.testing.assert_array_equal(to_numpy(target.layers[1].kernel), new_kernel)
    np.testing.assert_array_equal(to_numpy(target.layers[2].bias), np.ones(3))
    # The saved file reads back the same, with the name attributes kept.
    again = KerasFileEditor(out)
    assert again.config is None
    assert again.object_metadata["layers/dense"]["name"] == model.layers[0].name
    np.testing.assert_array_equal(again.weights_dict["layers"]["dense_1"]["0"], new_kernel)
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".kappa-tmp")]


def test_rename_and_delete_weight(tmp_path):
    _, path = _saved(tmp_path)
    editor = KerasFileEditor(path)
    editor.rename_object("layers/dense_1", "head")
    assert "head" in editor.weights_dict["layers"] and "dense_1" not in editor.weights_dict["layers"]
    assert "layers/head" in editor.object_metadata
    editor.delete_weight("head", "1")
    out = tmp_path / "renamed.weights.h5"
    editor.resave_weights(out)
    with h5py.File(out, "r") as f:
        assert list(f["layers/head/vars"]) == ["0"]
    result = editor.compare(_model())
    assert result["status"] == "error" and result["error_count"] == 2  # head extra, dense_1 missing
    with pytest.raises(ValueError, match="expects 2 variables"):
        _model().load_weights(out)


def test_errors(tmp_path):
    _, path = _saved(tmp_path)
    editor = KerasFileEditor(path)
    with pytest.raises(ValueError, match="does not appear"):
        editor.delete_object("conv")
    with pytest.raises(ValueError, match="not found"):
        editor.delete_object("layers/conv")
    with pytest.raises(ValueError, match="already exists"):
        editor.rename_object("dense", "dense_1")
    with pytest.raises(ValueError, match="without '/'"):
        editor.rename_object("dense", "layers/x")
    with pytest.raises(ValueError, match="Weight 7 not found"):
        editor.delete_weight("dense", "7")
    with pytest.raises(ValueError, match="should be a dict"):
        editor.add_object("layers/x", [np.ones(2)])
    with pytest.raises(ValueError, match="not found"):
        editor.add_object("missing/x", {"0": np.ones(2)})
    with pytest.raises(ValueError, match=".weights.h5"):
        editor.save(tmp_path / "out.keras")
    with pytest.raises(ValueError, match="extension"):
        KerasFileEditor(tmp_path / "model.h5")


def test_nested_model_and_duplicate_names(tmp_path):
    inner = Sequential([Input((4,)), layers.Dense(3)])
    inputs = Input((4,))
    model = Model(inputs, layers.Dense(3)(inner(inputs)))
    _, path = _saved(tmp_path, model)
    editor = KerasFileEditor(path)
    assert editor.compare(model)["status"] == "success"
    with pytest.raises(ValueError, match="more than once"):
        editor.delete_object("dense")
    out = tmp_path / "same.weights.h5"
    editor.save(out)
    copy = Model(inputs, layers.Dense(3)(inner(inputs)))
    copy.load_weights(out)
    np.testing.assert_allclose(to_numpy(copy(X)), to_numpy(model(X)), rtol=1e-6, atol=1e-6)


def test_weights_file_with_external_link_is_refused(tmp_path):
    model = _model()
    path = tmp_path / "m.weights.h5"
    saving.save_weights(model, path)
    with h5py.File(path, "a") as f:
        f["layers/evil"] = h5py.ExternalLink("/etc/passwd", "/")
    with pytest.raises(ValueError, match="ExternalLink"):
        KerasFileEditor(path)
