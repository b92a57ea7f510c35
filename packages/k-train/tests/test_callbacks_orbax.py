"""OrbaxCheckpoint: checkpoints per epoch / per batches / best only, and the restored state, compared with
the weights the model held when each save was made (NumPy copies)."""

import os
import sys

import numpy as np
import pytest

from k_layers import layers
from k_layers.models import Input, Sequential
from k_train.callbacks import Callback, OrbaxCheckpoint

from conftest import assert_close, needs_training

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 3)).astype("float32")
Y = (X @ RNG.normal(size=(3, 2)) + 0.1 * RNG.normal(size=(32, 2))).astype("float32")
W0 = (0.3 * RNG.normal(size=(3, 2))).astype("float32")
B0 = np.zeros(2, "float32")


def _model(optimizer="adam"):
    model = Sequential([Input((3,)), layers.Dense(2)])
    model.set_weights([W0, B0])
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    return model


class Script(Callback):
    """Puts `values[epoch]` into the epoch logs as `key` (it must come before the callback under test)."""

    def __init__(self, values, key="score"):
        super().__init__()
        self.values, self.key = values, key

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class RecordState(Callback):
    """Copies of the weights and optimizer variables at every epoch end."""

    def __init__(self):
        super().__init__()
        self.weights, self.optimizer = [], []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([np.array(w) for w in self.model.get_weights()])
        self.optimizer.append([np.array(v.numpy()) for v in self.model.optimizer.variables])


def _steps(directory):
    return sorted(int(name) for name in os.listdir(directory) if name.isdigit())


def test_missing_orbax_raises_import_error(monkeypatch, tmp_path):
    for name in [n for n in sys.modules if n == "orbax" or n.startswith("orbax.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "orbax", None)
    monkeypatch.setitem(sys.modules, "orbax.checkpoint", None)
    with pytest.raises(ImportError, match="pip install orbax-checkpoint"):
        OrbaxCheckpoint(str(tmp_path / "ckpt"))
    assert not (tmp_path / "ckpt").exists()


def test_argument_checks(tmp_path):
    pytest.importorskip("orbax.checkpoint")
    with pytest.raises(ValueError, match="save_freq"):
        OrbaxCheckpoint(str(tmp_path), save_freq="batch")
    with pytest.raises(ValueError, match="max_to_keep"):
        OrbaxCheckpoint(str(tmp_path), max_to_keep=0)
    callback = OrbaxCheckpoint(str(tmp_path))
    assert callback.is_primary_host() and not callback.is_multihost_enabled()
    assert callback.latest_step() is None


@needs_training
@pytest.mark.parametrize("background", [True, False])
def test_saves_every_epoch_and_restores(tmp_path, background):
    pytest.importorskip("orbax.checkpoint")
    directory = tmp_path / "ckpt"
    model = _model()
    record = RecordState()
    checkpoint = OrbaxCheckpoint(str(directory), max_to_keep=None, save_on_background=background)
    model.fit(X, Y, batch_size=8, epochs=3, verbose=0, callbacks=[record, checkpoint])
    assert _steps(directory) == [0, 1, 2]
    assert checkpoint.all_steps() == [0, 1, 2]
    final = [np.array(w) for w in model.get_weights()]
    assert_close(final[0], record.weights[2][0])

    # Restoring step 1 into a fresh model (optimizer not built yet) gives the weights and the
    # optimizer state of epoch 2's end.
    other = _model()
    assert checkpoint.load_checkpoint(1, model=other) == 1
    for value, expected in zip(other.get_weights(), record.weights[1], strict=True):
        np.testing.assert_array_equal(np.asarray(value), expected)
    for variable, expected in zip(other.optimizer.variables, record.optimizer[1], strict=True):
        np.testing.assert_array_equal(np.asarray(variable.numpy()), expected)

    # The latest step by default, into the callback's own model.
    model.set_weights([W0, B0])
    assert checkpoint.load_checkpoint() == 2
    for value, expected in zip(model.get_weights(), final, strict=True):
        np.testing.assert_array_equal(np.asarray(value), expected)


@needs_training
def test_max_to_keep_and_weights_only(tmp_path):
    pytest.importorskip("orbax.checkpoint")
    directory = tmp_path / "ckpt"
    model = _model()
    record = RecordState()
    checkpoint = OrbaxCheckpoint(str(directory), save_weights_only=True)  # max_to_keep=1
    model.fit(X, Y, batch_size=8, epochs=3, verbose=0, callbacks=[record, checkpoint])
    assert _steps(directory) == [2]
    other = _model()
    assert checkpoint.load_checkpoint(model=other) == 2
    for value, expected in zip(other.get_weights(), record.weights[2], strict=True):
        np.testing.assert_array_equal(np.asarray(value), expected)
    with pytest.raises(FileNotFoundError, match="step 0"):
        checkpoint.load_checkpoint(0)


@needs_training
def test_save_best_only(tmp_path):
    pytest.importorskip("orbax.checkpoint")
    directory = tmp_path / "ckpt"
    model = _model()
    record = RecordState()
    scores = [0.5, 0.7, 0.6, 0.9]  # mode max: improvements at epochs 0, 1, 3
    checkpoint = OrbaxCheckpoint(str(directory), monitor="score", mode="max", save_best_only=True,
                                 max_to_keep=None, initial_value_threshold=0.55)
    model.fit(X, Y, batch_size=8, epochs=4, verbose=0, callbacks=[Script(scores), record, checkpoint])
    assert _steps(directory) == [1, 3]
    assert checkpoint.best == 0.9
    other = _model()
    checkpoint.load_checkpoint(1, model=other)
    for value, expected in zip(other.get_weights(), record.weights[1], strict=True):
        np.testing.assert_array_equal(np.asarray(value), expected)


@needs_training
def test_missing_monitor_skips_with_warning(tmp_path):
    pytest.importorskip("orbax.checkpoint")
    directory = tmp_path / "ckpt"
    checkpoint = OrbaxCheckpoint(str(directory), monitor="val_loss", save_best_only=True)
    with pytest.warns(UserWarning, match="val_loss"):
        _model().fit(X, Y, batch_size=8, epochs=1, verbose=0, callbacks=[checkpoint])
    assert checkpoint.latest_step() is None


@needs_training
def test_save_freq_in_batches(tmp_path):
    pytest.importorskip("orbax.checkpoint")
    directory = tmp_path / "ckpt"
    model = _model()
    checkpoint = OrbaxCheckpoint(str(directory), save_freq=3, max_to_keep=None)
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0, callbacks=[checkpoint])  # 4 batches an epoch
    assert _steps(directory) == [3, 6]
    # Fitting again goes on counting from the optimizer's iterations (8 so far).
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0, callbacks=[checkpoint])
    assert _steps(directory) == [3, 6, 9, 12]
    final = [np.array(w) for w in model.get_weights()]
    model.set_weights([W0, B0])
    assert checkpoint.load_checkpoint() == 12
    assert_close(np.asarray(model.get_weights()[0]), final[0])


@needs_training
def test_restore_rejects_another_model(tmp_path):
    pytest.importorskip("orbax.checkpoint")
    directory = tmp_path / "ckpt"
    checkpoint = OrbaxCheckpoint(str(directory))
    _model().fit(X, Y, batch_size=8, epochs=1, verbose=0, callbacks=[checkpoint])
    other = Sequential([Input((4,)), layers.Dense(2)])
    other.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="shape"):
        checkpoint.load_checkpoint(model=other)
