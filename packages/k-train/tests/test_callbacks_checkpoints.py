"""EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, SwapEMAWeights, ModelCheckpoint and
BackupAndRestore, against hand-computed schedules and NumPy gradient descent."""

import functools
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from k_layers import layers
from k_layers.models import Input, Sequential
from k_train import optimizers
from k_train.callbacks import (
    BackupAndRestore,
    Callback,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    SwapEMAWeights,
)

from conftest import BACKEND, assert_close, needs_training

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 3)).astype("float32")
Y = (X @ RNG.normal(size=(3, 2)) + 0.1 * RNG.normal(size=(32, 2))).astype("float32")
W0 = (0.3 * RNG.normal(size=(3, 2))).astype("float32")
B0 = np.zeros(2, "float32")


def _model(optimizer="sgd"):
    model = Sequential([Input((3,)), layers.Dense(2)])
    model.set_weights([W0, B0])
    model.compile(optimizer=optimizer, loss="mse")
    return model


class Script(Callback):
    """Puts `values[epoch]` into the epoch logs as `key` (it must come before the callback under test)."""

    def __init__(self, values, key="score"):
        super().__init__()
        self.values, self.key = values, key

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class RecordWeights(Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([w.copy() for w in self.model.get_weights()])


# -- EarlyStopping -----------------------------------------------------------------------------
@needs_training
@pytest.mark.parametrize("kwargs, values, epochs_run, best_epoch", [
    # patience 2: no improvement at epochs 2 and 3 -> stops after epoch 3; best was epoch 1.
    (dict(patience=2), [1.0, 0.8, 0.9, 0.85, 0.7, 0.6, 0.5, 0.4], 4, 1),
    # patience 3: epoch 4 improves, then 5, 6, 7 do not.
    (dict(patience=3), [1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.77, 0.1, 0.1], 8, 4),
    # min_delta 0.15: 0.8 -> 0.7 is not enough of an improvement.
    (dict(patience=1, min_delta=0.15), [1.0, 0.8, 0.7, 0.6], 3, 1),
    # a baseline not beaten runs the patience out even though epoch 0 "improved".
    (dict(patience=2, baseline=0.5), [1.0, 1.1, 1.2, 1.3], 2, 0),
    # the first two epochs are not watched.
    (dict(patience=1, start_from_epoch=2), [5.0, 6.0, 7.0, 8.0, 9.0], 4, 2),
    (dict(patience=1, mode="max"), [1.0, 2.0, 1.5, 3.0], 3, 1),
])
def test_early_stopping_stops_at_the_expected_epoch_and_restores_the_best_weights(kwargs, values, epochs_run,
                                                                                  best_epoch):
    model = _model()
    stop = EarlyStopping(monitor="score", restore_best_weights=True, **{"mode": "min", **kwargs})
    recorder = RecordWeights()
    history = model.fit(X, Y, batch_size=16, epochs=len(values), shuffle=False, verbose=0,
                        callbacks=[Script(values), recorder, stop])
    assert len(history.epoch) == epochs_run
    assert stop.best_epoch == best_epoch
    assert stop.stopped_epoch == (epochs_run - 1 if epochs_run < len(values) else 0)
    for actual, expected in zip(model.get_weights(), recorder.weights[best_epoch], strict=True):
        assert_close(actual, expected, rtol=0, atol=0)


@needs_training
def test_early_stopping_keeps_the_last_weights_without_restore():
    model = _model()
    recorder = RecordWeights()
    model.fit(X, Y, batch_size=16, epochs=4, shuffle=False, verbose=0,
              callbacks=[Script([1.0, 0.5, 0.9, 0.9]), recorder,
                         EarlyStopping(monitor="score", patience=2, mode="min")])
    for actual, expected in zip(model.get_weights(), recorder.weights[-1], strict=True):
        assert_close(actual, expected, rtol=0, atol=0)


@needs_training
def test_early_stopping_warns_when_the_monitor_is_missing():
    model = _model()
    with pytest.warns(UserWarning, match="not available"):
        history = model.fit(X, Y, epochs=2, verbose=0, callbacks=[EarlyStopping(monitor="nothing")])
    assert len(history.epoch) == 2


@needs_training
@pytest.mark.parametrize("monitor, epochs_run", [
    ("val_loss", 2), ("mae", 2), ("val_mean_squared_error", 2), ("categorical_crossentropy", 2),
    ("val_accuracy", 4), ("auc", 4), ("val_precision", 4), ("r2_score", 4),
])
def test_auto_mode_infers_the_direction_from_the_metric_name(monitor, epochs_run):
    # A rising value: an improvement for accuracy-like metrics, a deterioration for losses and errors.
    model = _model()
    history = model.fit(X, Y, epochs=4, verbose=0,
                        callbacks=[Script([1.0, 2.0, 3.0, 4.0], key=monitor),
                                   EarlyStopping(monitor=monitor, patience=1)])
    assert len(history.epoch) == epochs_run


@needs_training
def test_auto_mode_needs_a_known_direction():
    model = _model()
    with pytest.raises(ValueError, match="mode='min' or mode='max'"):
        model.fit(X, Y, epochs=2, verbose=0, callbacks=[Script([1.0, 2.0]), EarlyStopping(monitor="score")])


# -- ReduceLROnPlateau and LearningRateScheduler -------------------------------------------------
@needs_training
def test_reduce_lr_on_plateau_follows_patience_cooldown_and_min_lr():
    model = _model(optimizers.SGD(learning_rate=0.1))
    reduce = ReduceLROnPlateau(monitor="score", mode="min", factor=0.5, patience=1, cooldown=1, min_lr=0.02,
                               min_delta=0)
    history = model.fit(X, Y, batch_size=16, epochs=6, verbose=0, callbacks=[Script([1.0] * 6), reduce])
    # Hand-traced: the rate logged is the one before each epoch's decision. Epoch 1 reduces (patience
    # 1); each later epoch spends the cooldown and then counts again, so 2 and 3 reduce too, the
    # latter only to min_lr; from then on the rate stays at min_lr.
    assert_close(np.array(history.history["learning_rate"]), np.array([0.1, 0.1, 0.05, 0.025, 0.02, 0.02]),
                 rtol=1e-6)
    assert_close(np.float32(model.optimizer.learning_rate), np.float32(0.02), rtol=1e-6)


def test_reduce_lr_on_plateau_rejects_a_factor_of_one():
    with pytest.raises(ValueError, match="factor"):
        ReduceLROnPlateau(factor=1.0)


@needs_training
def test_learning_rate_scheduler_drives_the_training_steps():
    model = _model(optimizers.SGD(learning_rate=1.0))
    scheduler = LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5 ** epoch)
    history = model.fit(X, Y, batch_size=32, epochs=3, verbose=0, callbacks=[scheduler])
    # NumPy gradient descent on the mean squared error, one full batch per epoch.
    w, b = W0.astype("float64"), B0.astype("float64")
    for epoch in range(3):
        residual = X @ w + b - Y
        step = 0.1 * 0.5 ** epoch * 2.0 / residual.size
        w, b = w - step * X.T @ residual, b - step * residual.sum(0)
    assert_close(np.array(history.history["learning_rate"]), np.array([0.1, 0.05, 0.025]), rtol=1e-6)
    assert_close(model.get_weights()[0], w, rtol=1e-5, atol=1e-6)
    assert_close(model.get_weights()[1], b, rtol=1e-5, atol=1e-6)


@needs_training
def test_learning_rate_scheduler_accepts_the_one_argument_form_and_checks_the_type():
    model = _model()
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: 0.25)])
    assert_close(np.float32(model.optimizer.learning_rate), np.float32(0.25))
    with pytest.raises(ValueError, match="float"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda epoch, lr: "fast")])


# -- SwapEMAWeights ----------------------------------------------------------------------------
@needs_training
def test_swap_ema_weights_shows_the_average_at_epoch_end_and_trains_on_the_raw_weights():
    momentum = 0.5
    model = _model(optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=momentum))
    raw, shown = RecordWeights(), RecordWeights()
    model.fit(X, Y, batch_size=32, epochs=3, shuffle=False, verbose=0,
              callbacks=[raw, SwapEMAWeights(swap_on_epoch=True), shown])
    plain = _model(optimizers.SGD(learning_rate=0.1))
    reference_raw = RecordWeights()
    plain.fit(X, Y, batch_size=32, epochs=3, shuffle=False, verbose=0, callbacks=[reference_raw])
    average = None
    for epoch in range(3):
        for actual, expected in zip(raw.weights[epoch], reference_raw.weights[epoch], strict=True):
            assert_close(actual, expected, rtol=1e-6, atol=1e-7)
        step = [w.astype("float64") for w in reference_raw.weights[epoch]]
        average = step if average is None else [momentum * a + (1 - momentum) * s
                                                for a, s in zip(average, step, strict=True)]
        for actual, expected in zip(shown.weights[epoch], average, strict=True):
            assert_close(actual, expected, rtol=1e-5, atol=1e-6)
    for actual, expected in zip(model.get_weights(), average, strict=True):
        assert_close(actual, expected, rtol=1e-5, atol=1e-6)


@needs_training
def test_swap_ema_weights_evaluates_with_the_averages_and_swaps_back():
    model = _model(optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.5))
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    # fit copied the averages into the weights; move the weights away so that the two differ.
    model.set_weights([W0, B0 + 1.0])
    w, b = [model.optimizer.slot(v, "average").numpy().astype("float64") for v in model.trainable_variables]
    loss = model.evaluate(X, Y, batch_size=32, verbose=0, callbacks=[SwapEMAWeights()])
    assert_close(np.float32(loss), np.mean((X @ w + b - Y) ** 2), rtol=1e-5)
    for actual, expected in zip(model.get_weights(), [W0, B0 + 1.0], strict=True):
        assert_close(actual, expected, rtol=0, atol=0)


@needs_training
def test_swap_ema_weights_needs_an_ema_optimizer():
    model = _model()
    with pytest.raises(ValueError, match="use_ema=True"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[SwapEMAWeights(swap_on_epoch=True)])


# -- ModelCheckpoint ---------------------------------------------------------------------------
def _read_weights(path):
    """The weights in a `.weights.h5` file, read through a fresh model's load_weights."""
    fresh = Sequential([Input((3,)), layers.Dense(2)])
    fresh.load_weights(path)
    return fresh.get_weights()


@needs_training
def test_model_checkpoint_writes_exactly_the_best_files(tmp_path):
    model = _model()
    recorder = RecordWeights()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{score:.2f}.weights.h5")
    checkpoint = ModelCheckpoint(pattern, monitor="score", mode="min", save_best_only=True,
                                 save_weights_only=True)
    model.fit(X, Y, batch_size=16, epochs=5, shuffle=False, verbose=0,
              callbacks=[Script([0.9, 0.5, 0.7, 0.4, 0.45]), recorder, checkpoint])
    assert sorted(os.listdir(tmp_path)) == ["ckpt-01-0.90.weights.h5", "ckpt-02-0.50.weights.h5",
                                            "ckpt-04-0.40.weights.h5"]
    for name, epoch in (("ckpt-02-0.50.weights.h5", 1), ("ckpt-04-0.40.weights.h5", 3)):
        for actual, expected in zip(_read_weights(tmp_path / name), recorder.weights[epoch], strict=True):
            assert_close(actual, expected, rtol=0, atol=0)


@needs_training
def test_model_checkpoint_initial_value_threshold_must_be_beaten(tmp_path):
    model = _model()
    checkpoint = ModelCheckpoint(str(tmp_path / "best.weights.h5"), monitor="score", mode="max",
                                 save_best_only=True, save_weights_only=True, initial_value_threshold=0.8)
    model.fit(X, Y, epochs=3, verbose=0, callbacks=[Script([0.5, 0.7, 0.6]), checkpoint])
    assert os.listdir(tmp_path) == []
    model.fit(X, Y, epochs=3, verbose=0, callbacks=[Script([0.5, 0.9, 0.6]), checkpoint])
    assert os.listdir(tmp_path) == ["best.weights.h5"]


@needs_training
def test_model_checkpoint_saves_every_n_batches_across_epochs(tmp_path):
    model = _model()
    checkpoint = ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.weights.h5"), save_weights_only=True,
                                 save_freq=3)
    # 4 batches an epoch: the 3rd batch of epoch 1, then the 2nd of epoch 2 (6 batches in all).
    model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.weights.h5", "e2-b2.weights.h5"]


@needs_training
def test_model_checkpoint_saves_the_whole_model(tmp_path):
    model = _model()
    model.fit(X, Y, epochs=2, verbose=0,
              callbacks=[ModelCheckpoint(str(tmp_path / "model-{epoch}.keras"), monitor="loss")])
    assert sorted(os.listdir(tmp_path)) == ["model-1.keras", "model-2.keras"]


@pytest.mark.parametrize("kwargs, match", [
    (dict(filepath="weights.npz", save_weights_only=True), "weights.h5"),
    (dict(filepath="model.npz"), ".keras"),
    (dict(filepath="model.keras", save_freq="batch"), "save_freq"),
])
def test_model_checkpoint_checks_its_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ModelCheckpoint(**kwargs)


@needs_training
def test_model_checkpoint_names_a_missing_format_field(tmp_path):
    model = _model()
    checkpoint = ModelCheckpoint(str(tmp_path / "{val_accuracy:.2f}.keras"))
    with pytest.raises(KeyError, match="val_accuracy"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[checkpoint])


# -- BackupAndRestore --------------------------------------------------------------------------
class Crash(Callback):
    """Stands in for the process dying: raises at the given epoch end or train batch end."""

    def __init__(self, epoch=None, batch=None):
        super().__init__()
        self.epoch, self.batch, self.current = epoch, batch, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.current == self.epoch and batch == self.batch:
            raise RuntimeError("crash")

    def on_epoch_end(self, epoch, logs=None):
        if self.batch is None and epoch == self.epoch:
            raise RuntimeError("crash")


def _momentum_model():
    return _model(optimizers.SGD(learning_rate=0.05, momentum=0.9))


@functools.cache
def _reference_weights():
    """The weights after an uninterrupted run of the 5 epochs the backup tests interrupt."""
    model = _momentum_model()
    model.fit(X, Y, batch_size=8, epochs=5, shuffle=False, verbose=0)
    return tuple(model.get_weights())


@needs_training
@pytest.mark.parametrize("save_freq, crash, resumed_epochs", [
    ("epoch", dict(epoch=2), [3, 4]),        # epochs 0-2 were backed up
    (2, dict(epoch=2, batch=2), [2, 3, 4]),  # backed up after batch index 1 of epoch 2: resume there
])
def test_backup_and_restore_resumes_to_the_same_weights(tmp_path, save_freq, crash, resumed_epochs):
    backup_dir = str(tmp_path / "backup")
    model = _momentum_model()
    with pytest.raises(RuntimeError, match="crash"):
        model.fit(X, Y, batch_size=8, epochs=5, shuffle=False, verbose=0,
                  callbacks=[BackupAndRestore(backup_dir, save_freq=save_freq), Crash(**crash)])
    resumed = _momentum_model()
    history = resumed.fit(X, Y, batch_size=8, epochs=5, shuffle=False, verbose=0,
                          callbacks=[BackupAndRestore(backup_dir, save_freq=save_freq)])
    assert history.epoch == resumed_epochs
    for actual, expected in zip(resumed.get_weights(), _reference_weights(), strict=True):
        assert_close(actual, expected, rtol=1e-5, atol=1e-6)
    assert not os.path.exists(backup_dir)  # delete_checkpoint


@needs_training
def test_backup_and_restore_keeps_the_backup_when_asked_and_starts_fresh_without_one(tmp_path):
    backup_dir = tmp_path / "backup"
    model = _momentum_model()
    history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0,
                        callbacks=[BackupAndRestore(str(backup_dir), delete_checkpoint=False)])
    assert history.epoch == [0, 1]
    assert os.listdir(backup_dir) == ["latest.backup.npz"]


@needs_training
def test_backup_and_restore_falls_back_to_the_previous_backup(tmp_path):
    backup_dir = tmp_path / "backup"
    model = _momentum_model()
    with pytest.raises(RuntimeError, match="crash"):
        model.fit(X, Y, batch_size=8, epochs=5, shuffle=False, verbose=0,
                  callbacks=[BackupAndRestore(str(backup_dir), double_checkpoint=True), Crash(epoch=2)])
    assert sorted(os.listdir(backup_dir)) == ["latest.backup.npz", "latest.backup.npz.bkp"]
    (backup_dir / "latest.backup.npz").write_bytes(b"damaged by a disk fault")
    resumed = _momentum_model()
    history = resumed.fit(X, Y, batch_size=8, epochs=5, shuffle=False, verbose=0,
                          callbacks=[BackupAndRestore(str(backup_dir), double_checkpoint=True)])
    assert history.epoch == [2, 3, 4]  # the previous backup is the one of epoch 1
    for actual, expected in zip(resumed.get_weights(), _reference_weights(), strict=True):
        assert_close(actual, expected, rtol=1e-5, atol=1e-6)


@needs_training
def test_backup_and_restore_needs_a_built_model(tmp_path):
    backup_dir = str(tmp_path / "backup")
    _momentum_model().fit(X, Y, epochs=1, verbose=0,
                          callbacks=[BackupAndRestore(backup_dir, delete_checkpoint=False)])
    model = Sequential([layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="built"):
        model.fit(X, Y, epochs=2, verbose=0, callbacks=[BackupAndRestore(backup_dir)])


def test_backup_and_restore_checks_its_arguments():
    with pytest.raises(ValueError, match="backup_dir"):
        BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        BackupAndRestore("somewhere", save_freq=0)


_CHILD = textwrap.dedent("""
    import os, stat, sys, time

    backup_dir, marker = sys.argv[1], sys.argv[2]
    real_fsync, files_synced = os.fsync, []

    def fsync(fd):
        # The kill lands inside the 3rd backup write (after epoch 2): its temporary file is
        # half written when the parent SIGKILLs this process.
        if stat.S_ISREG(os.fstat(fd).st_mode):
            files_synced.append(fd)
            if len(files_synced) == 3:
                os.ftruncate(fd, os.fstat(fd).st_size // 2)
                open(marker, "w").close()
                time.sleep(120)
        return real_fsync(fd)

    os.fsync = fsync
    from test_callbacks_checkpoints import X, Y, _momentum_model
    from k_train.callbacks import BackupAndRestore

    _momentum_model().fit(X, Y, batch_size=8, epochs=5, shuffle=False, verbose=0,
                          callbacks=[BackupAndRestore(backup_dir)])
""")


@needs_training
def test_backup_and_restore_survives_a_sigkill_while_writing_the_backup(tmp_path):
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([tests_dir, *sys.path]), KAPPA_BACKEND=BACKEND)
    backup_dir, marker = tmp_path / "backup", tmp_path / "writing"
    child = subprocess.Popen([sys.executable, str(script), str(backup_dir), str(marker)], env=env,
                             cwd=tests_dir)
    try:
        deadline = time.monotonic() + 90
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists(), "the child never reached its third backup"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL

    # The half-written temporary file never replaced the backup written after epoch 1.
    names = os.listdir(backup_dir)
    assert "latest.backup.npz" in names and len(names) == 2  # the other is the temporary file
    with np.load(backup_dir / "latest.backup.npz") as archive:
        assert json.loads(str(archive["metadata"]))["epoch"] == 2

    # A new process (this one) resumes from it and ends where an uninterrupted run ends.
    resumed = _momentum_model()
    history = resumed.fit(X, Y, batch_size=8, epochs=5, shuffle=False, verbose=0,
                          callbacks=[BackupAndRestore(str(backup_dir), delete_checkpoint=False)])
    assert history.epoch == [2, 3, 4]
    for actual, expected in zip(resumed.get_weights(), _reference_weights(), strict=True):
        assert_close(actual, expected, rtol=1e-5, atol=1e-6)
    assert os.listdir(backup_dir) == ["latest.backup.npz"]  # the dead write's temporary file is gone
