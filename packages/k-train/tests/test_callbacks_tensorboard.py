"""TensorBoard callback: event files read back with TensorBoard's own EventAccumulator."""

import json
import os
import struct
import subprocess
import sys
import types
import zlib

import numpy as np
import pytest

from k_layers import layers
from k_layers.models import Input, Sequential
from k_train.callbacks.tensorboard import TensorBoard

from conftest import BACKEND, needs_training, to_numpy

if BACKEND != "tensorflow" and "tensorflow" not in sys.modules:
    # tensorboard's documented switch to its TensorFlow-free file layer: without it, the reader imports
    # TensorFlow when installed (seconds, and a framework this backend's process should not load).
    sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))
event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator",
    reason="the TensorBoard callback and these tests need the tensorboard package (pip install tensorboard)")
tensor_util = pytest.importorskip("tensorboard.util.tensor_util")

LR = 0.05


def _read(run_dir):
    accumulator = event_accumulator.EventAccumulator(str(run_dir), size_guidance={"tensors": 0})
    accumulator.Reload()
    return accumulator


def _series(accumulator, tag):
    """[(step, value as a NumPy array)] of one tag."""
    return [(event.step, tensor_util.make_ndarray(event.tensor_proto)) for event in accumulator.Tensors(tag)]


def _plugin(accumulator, tag):
    return accumulator.SummaryMetadata(tag).plugin_data.plugin_name


def _data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, :1] - 0.5 * x[:, 1:2] > 0).astype("float32")
    return x, y


def _model():
    model = Sequential([Input((4,)), layers.Dense(3, activation="relu"),
                        layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=_sgd(), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _sgd():
    from k_train.optimizers import SGD

    return SGD(learning_rate=LR)


@needs_training
def test_epoch_scalars_match_the_history_in_train_and_validation_runs(tmp_path):
    x, y = _data()
    model = _model()
    history = model.fit(x, y, batch_size=8, epochs=3, validation_data=(x, y), verbose=0,
                        callbacks=[TensorBoard(tmp_path)])
    train, validation = _read(tmp_path / "train"), _read(tmp_path / "validation")
    for name in ("loss", "accuracy"):
        steps, values = zip(*_series(train, f"epoch_{name}"), strict=True)
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, history.history[name], rtol=1e-6)
        assert _plugin(train, f"epoch_{name}") == "scalars"
        steps, values = zip(*_series(validation, f"epoch_{name}"), strict=True)
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, history.history[f"val_{name}"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in _series(train, "epoch_learning_rate")], [LR] * 3, rtol=1e-6)
    assert not any(tag.startswith("batch_") for tag in train.Tags()["tensors"])
    assert "epoch_learning_rate" not in validation.Tags()["tensors"]


@needs_training
@pytest.mark.parametrize("update_freq, expected_steps", [("batch", list(range(1, 9))), (3, [3, 6])])
def test_batch_scalars_are_written_every_update_freq_batches(tmp_path, update_freq, expected_steps):
    x, y = _data()
    model = _model()
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
              callbacks=[TensorBoard(tmp_path, update_freq=update_freq, write_steps_per_second=True)])
    train = _read(tmp_path / "train")
    for tag in ("batch_loss", "batch_accuracy", "batch_steps_per_second"):
        series = _series(train, tag)
        assert [step for step, _ in series] == expected_steps, tag
        assert all(np.isfinite(value) and value >= 0 for _, value in series), tag
    speed = [value for _, value in _series(train, "epoch_steps_per_second")]
    assert len(speed) == 2 and all(value > 0 for value in speed)


@needs_training
def test_weight_histograms_every_histogram_freq_epochs_summarize_the_weights(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[TensorBoard(tmp_path, histogram_freq=2)])
    train = _read(tmp_path / "train")
    paths = [weight.path for layer in model.layers for weight in layer.weights]
    assert {f"{path}/histogram" for path in paths} <= set(train.Tags()["tensors"])
    for layer in model.layers:
        for weight in layer.weights:
            series = _series(train, f"{weight.path}/histogram")
            assert [step for step, _ in series] == [0, 2]
            assert _plugin(train, f"{weight.path}/histogram") == "histograms"
            buckets = series[-1][1]  # rows of (left edge, right edge, count); epoch 2 is the last
            values = np.asarray(to_numpy(weight))
            assert buckets.shape[1] == 3
            assert buckets[:, 2].sum() == pytest.approx(values.size)
            assert buckets[0, 0] == pytest.approx(values.min(), rel=1e-5, abs=1e-6)
            assert buckets[-1, 1] == pytest.approx(values.max(), rel=1e-5, abs=1e-6)


def _decode_png(data):
    """(width, height, pixels) of a grayscale 8-bit PNG with unfiltered rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = {}, 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        offset += 12 + length
    width, height, depth, color, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, color) == (8, 0)
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8).reshape(height, width + 1)
    assert (raw[:, 0] == 0).all()
    return width, height, raw[:, 1:]


@needs_training
def test_write_images_writes_each_kernel_as_a_min_max_scaled_png(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0,
              callbacks=[TensorBoard(tmp_path, histogram_freq=1, write_images=True)])
    train = _read(tmp_path / "train")
    kernel = model.layers[0].weights[0]
    tag = f"{kernel.path}/image"
    assert _plugin(train, tag) == "images"
    (step, value), = _series(train, tag)
    width, height, pixels = _decode_png(value[2])
    expected = np.asarray(to_numpy(kernel)).T  # (3, 4): wider than tall
    expected = np.round((expected - expected.min()) / (expected.max() - expected.min()) * 255)
    assert (int(value[0]), int(value[1])) == (width, height) == (4, 3)
    np.testing.assert_array_equal(pixels, expected.astype(np.uint8))


@needs_training
def test_write_graph_writes_the_layer_graph_and_the_op_graph_only_on_tensorflow(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path, write_graph=True)])
    train = _read(tmp_path / "train")
    (step, value), = _series(train, "keras")
    assert step == 0 and _plugin(train, "keras") == "graph_keras_model"
    config = json.loads(value.item())
    assert config["class_name"] == "Sequential"
    assert train.Tags()["graph"] is (BACKEND == "tensorflow")
    if BACKEND == "tensorflow":
        assert len(train.Graph().node) > 0


@needs_training
def test_write_graph_false_writes_no_graph(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path, write_graph=False)])
    train = _read(tmp_path / "train")
    assert "keras" not in train.Tags()["tensors"] and train.Tags()["graph"] is False


def _stand_in_model(iterations):
    """What on_test_end reads: model.optimizer.iterations (no training needed)."""
    return types.SimpleNamespace(optimizer=types.SimpleNamespace(iterations=np.int64(iterations)))


def test_evaluation_scalars_are_written_against_optimizer_iterations(tmp_path):
    callback = TensorBoard(tmp_path, write_graph=False)
    callback.set_model(_stand_in_model(7))
    callback.on_test_begin()
    callback.on_test_end({"loss": 0.25, "accuracy": 0.5})
    callback.set_model(_stand_in_model(14))
    callback.on_test_end({"loss": 0.125, "accuracy": 0.75})
    callback.on_train_end()
    validation = _read(tmp_path / "validation")
    for name, expected in (("loss", [(7, 0.25), (14, 0.125)]), ("accuracy", [(7, 0.5), (14, 0.75)])):
        series = _series(validation, f"evaluation_{name}_vs_iterations")
        assert [(step, float(value)) for step, value in series] == expected


def test_projector_config_names_embedding_layers_and_their_metadata(tmp_path):
    model = Sequential([Input((5,), dtype="int32"), layers.Embedding(10, 3, name="words"), layers.Flatten()])
    TensorBoard(tmp_path, write_graph=False, embeddings_freq=1,
                embeddings_metadata={"words": "labels.tsv"}).set_model(model)
    from google.protobuf import text_format
    from tensorboard.plugins import projector

    config = text_format.Parse((tmp_path / "projector_config.pbtxt").read_text(), projector.ProjectorConfig())
    assert [(e.tensor_name, e.metadata_path) for e in config.embeddings] == [
        ("layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE", "labels.tsv")]
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".tmp")]
    with pytest.raises(ValueError, match="nope"):
        TensorBoard(tmp_path, embeddings_freq=1, embeddings_metadata={"nope": "x.tsv"}).set_model(model)


@pytest.mark.parametrize("arguments, message", [
    ({"update_freq": "step"}, "update_freq"),
    ({"update_freq": 0}, "update_freq"),
    ({"histogram_freq": -1}, "histogram_freq"),
    ({"embeddings_freq": 1.5}, "embeddings_freq"),
    ({"profile_batch": (5, 2)}, "profile_batch"),
    ({"profile_batch": "x"}, "profile_batch"),
    ({"profile_batch": 3}, "profiling"),
    ({"log_dir": "gs://bucket/logs"}, "local directory"),
])
def test_bad_arguments_are_refused_with_the_value(tmp_path, arguments, message):
    arguments.setdefault("log_dir", tmp_path)
    with pytest.raises(ValueError, match=message):
        TensorBoard(**arguments)


def test_missing_tensorboard_names_the_pip_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard.summary.writer.record_writer", None)
    with pytest.raises(ImportError, match="pip install tensorboard"):
        TensorBoard(tmp_path)


@pytest.mark.skipif(BACKEND == "tensorflow", reason="tensorflow is the selected framework there")
def test_writing_does_not_import_tensorflow(tmp_path):
    script = (
        "import sys\n"
        "from k_layers import layers\n"
        "from k_layers.models import Input, Sequential\n"
        "from k_train.callbacks.tensorboard import TensorBoard\n"
        "model = Sequential([Input((4,)), layers.Dense(2)])\n"
        f"callback = TensorBoard({str(tmp_path)!r}, histogram_freq=1, write_images=True)\n"
        "callback.set_model(model)\n"
        "callback.on_epoch_end(0, {'loss': 1.0, 'val_loss': 2.0})\n"
        "callback.on_train_end()\n"
        "assert 'tensorflow' not in sys.modules, sorted(m for m in sys.modules if 'tensorflow' in m)[:5]\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=os.environ)
    assert result.returncode == 0, result.stderr[-2000:]
    assert [(step, float(value)) for step, value in _series(_read(tmp_path / "validation"), "epoch_loss")] \
        == [(0, 2.0)]
