"""Sharded weights: `save_weights(..., max_shard_size=GB)` writes Keras 3's `.weights.json` index
and its shard files; `load_weights` reads them back, refusing hostile indexes."""

import json
import os

import h5py
import numpy as np
import pytest

from k_layers import layers, saving
from k_layers.models import Input, Model

from conftest import to_numpy

RNG = np.random.default_rng(0)
X4 = RNG.normal(size=(3, 4)).astype("float32")
TINY = 5e-7  # GB: about 540 bytes, so the MLP below needs several shards


def _mlp():
    inputs = Input((4,))
    h = layers.Dense(32, activation="relu")(inputs)
    h = layers.BatchNormalization()(h)
    return Model(inputs, layers.Dense(2)(h))


def _weights(model):
    return [np.asarray(to_numpy(w)) for w in model.weights]


def _save(tmp_path, model=None, name="m.weights.json"):
    model = model or _mlp()
    path = tmp_path / name
    saving.save_weights(model, path, max_shard_size=TINY)
    return model, path


def test_sharded_round_trip(tmp_path):
    model, path = _save(tmp_path)
    index = json.loads(path.read_text())
    shards = sorted(n for n in os.listdir(tmp_path) if n.endswith(".h5"))
    assert len(shards) >= 3
    assert shards == [f"m_{i:05}.weights.h5" for i in range(len(shards))]
    assert set(index) == {"metadata", "weight_map"}
    assert index["metadata"]["total_size"] == sum(w.nbytes for w in _weights(model))
    named = {n for v in index["weight_map"].values() for n in ([v] if isinstance(v, str) else v)}
    assert named == set(shards)
    assert "/layers/dense/vars" in index["weight_map"]
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".kappa-tmp-")]
    for name in shards:  # every shard is bounded and holds the single-file layout
        with h5py.File(tmp_path / name, "r") as f:
            datasets = []
            f.visititems(lambda _, node, found=datasets: found.append(node)
                         if isinstance(node, h5py.Dataset) else None)
            assert all(d.name.split("/")[-2] == "vars" for d in datasets)
            assert sum(d.nbytes for d in datasets) <= TINY * 1024**3
    fresh = _mlp()
    saving.load_weights(fresh, path)
    for a, b in zip(_weights(model), _weights(fresh), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.asarray(to_numpy(fresh(X4))), np.asarray(to_numpy(model(X4))), rtol=1e-6)


def test_large_shard_size_gives_one_shard_and_overwrite(tmp_path):
    model = _mlp()
    saving.save_weights(model, tmp_path / "one.weights.json", max_shard_size=1.0)
    assert sorted(os.listdir(tmp_path)) == ["one.weights.json", "one_00000.weights.h5"]
    with pytest.raises(FileExistsError):
        saving.save_weights(model, tmp_path / "one.weights.json", overwrite=False, max_shard_size=1.0)
    with pytest.warns(UserWarning, match="renamed"):
        saving.save_weights(model, tmp_path / "h5.weights.h5", max_shard_size=1.0)
    assert (tmp_path / "h5.weights.json").exists()
    with pytest.raises(ValueError, match="weights.json"):
        saving.save_weights(model, tmp_path / "bad.json", max_shard_size=1.0)


def test_variable_larger_than_a_shard_raises(tmp_path):
    inputs = Input((64,))
    model = Model(inputs, layers.Dense(64)(inputs))  # a 16 KiB kernel
    with pytest.raises(ValueError, match="exceeds the maximum shard size"):
        saving.save_weights(model, tmp_path / "big.weights.json", max_shard_size=TINY)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name", ["../x.weights.h5", "/etc/x.h5", "sub/x.h5", "..", "x.txt", 3])
def test_hostile_index_refused(tmp_path, name):
    _, path = _save(tmp_path)
    index = json.loads(path.read_text())
    entry = next(iter(index["weight_map"]))
    index["weight_map"][entry] = name
    path.write_text(json.dumps(index))
    with pytest.raises(ValueError, match="plain .h5 file name|should name a shard file"):
        saving.load_weights(_mlp(), path)


def test_corrupt_shards_refused(tmp_path):
    _, path = _save(tmp_path)
    index = json.loads(path.read_text())
    first = index["weight_map"]["/layers/dense/vars"]
    first = first if isinstance(first, str) else first[0]
    os.remove(tmp_path / first)
    with pytest.raises(ValueError, match="missing"):
        saving.load_weights(_mlp(), path)
    (tmp_path / "n.weights.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="weight_map"):
        saving.load_weights(_mlp(), tmp_path / "n.weights.json")
    # a dataset in a shard that the index does not list there
    _, path = _save(tmp_path, name="s.weights.json")
    with h5py.File(tmp_path / "s_00000.weights.h5", "a") as f:
        f.create_dataset("extra/vars/0", data=np.zeros(2, "float32"))
    with pytest.raises(ValueError, match="not listed"):
        saving.load_weights(_mlp(), path)


def _keras_mlp(keras):
    inputs = keras.Input((4,))
    h = keras.layers.BatchNormalization()(keras.layers.Dense(32, activation="relu")(inputs))
    return keras.Model(inputs, keras.layers.Dense(2)(h))


def test_keras_reads_kappa_shards_and_kappa_reads_keras_shards(tmp_path):
    keras = pytest.importorskip("keras")
    ours_dir, theirs_dir = tmp_path / "kappa", tmp_path / "keras"
    ours_dir.mkdir()
    theirs_dir.mkdir()
    model, path = _save(ours_dir)
    theirs = _keras_mlp(keras)
    theirs.load_weights(str(path))
    for a, b in zip(_weights(model), [np.asarray(w) for w in theirs.get_weights()], strict=True):
        np.testing.assert_array_equal(a, b)
    # Keras writes the same file names and index for the same model and shard size
    keras_model = _keras_mlp(keras)
    keras_model.save_weights(str(theirs_dir / "m.weights.json"), max_shard_size=TINY)
    assert sorted(os.listdir(theirs_dir)) == sorted(os.listdir(ours_dir))
    assert json.loads((theirs_dir / "m.weights.json").read_text()) == json.loads(path.read_text())
    fresh = _mlp()
    saving.load_weights(fresh, theirs_dir / "m.weights.json")
    for a, b in zip(_weights(fresh), [np.asarray(w) for w in keras_model.get_weights()], strict=True):
        np.testing.assert_array_equal(a, b)
