"""Callbacks that watch a monitored value or keep training state on disk.

`EarlyStopping`, `ReduceLROnPlateau` and `ModelCheckpoint` share `_MonitorCallback`, which decides
whether a new value of the monitored log is an improvement. `ModelCheckpoint` writes through the
model's own `save` / `save_weights` (atomic there). `BackupAndRestore` keeps its own single-file
backup, `latest.backup.npz`, holding the model's weights, the optimizer's variables and the
epoch/batch counter together (one file, so they always agree), written to a temporary file in the
same folder, fsynced and renamed into place (`k_layers.saving.archive.atomic_path`): a process
killed at any moment leaves either the previous backup or the new one.
"""

import contextlib
import glob
import json
import os
import shutil
import warnings
import zipfile

import numpy as np

from k_layers.saving.archive import atomic_path
from k_ops import core as kcore
from k_train.callbacks.base import Callback

__all__ = ["BackupAndRestore", "EarlyStopping", "LearningRateScheduler", "ModelCheckpoint",
           "ReduceLROnPlateau", "SwapEMAWeights"]

# The prefix `atomic_path` gives its temporary files (a backup write killed before its rename leaves one).
_TEMPORARY_PREFIX = ".kappa-tmp-"
# Fragments of metric names that tell which way is better, for mode="auto" when the metric object
# carries no `_direction` ("up" or "down") of its own. Keras's built-in metrics, by their names.
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "r2", "cosine_similarity",
                     "true_positives", "true_negatives", "at_sensitivity", "at_specificity")
_LOWER_IS_BETTER = ("loss", "error", "crossentropy", "hinge", "divergence", "logcosh", "log_cosh",
                    "poisson", "mae", "mse", "mape", "msle", "false_positives", "false_negatives")


def _to_float(value):
    return float(np.asarray(kcore.convert_to_numpy(value)))


def _python_logs(logs):
    """Batch logs may hold backend scalars; file-name formatting needs Python numbers."""
    result = {}
    for key, value in (logs or {}).items():
        try:
            result[key] = _to_float(value)
        except (TypeError, ValueError):
            result[key] = value
    return result


def _plain_optimizers(optimizer):
    """The optimizers that own learning rates and EMA slots (inside loss-scale or multi wrappers)."""
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    if hasattr(optimizer, "optimizers"):
        return list(optimizer.optimizers)
    return [optimizer]


def _learning_rate_logs(optimizer):
    optimizers = _plain_optimizers(optimizer)
    if len(optimizers) == 1 and not hasattr(getattr(optimizer, "inner_optimizer", optimizer), "optimizers"):
        return {"learning_rate": _to_float(optimizers[0].learning_rate)}
    return {f"learning_rate_{opt.name}": _to_float(opt.learning_rate) for opt in optimizers}


class _MonitorCallback(Callback):
    """A callback that follows one log value and decides what counts as an improvement."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__}: mode {mode!r} is unknown (expected 'auto', 'min' or "
                          "'max'); using 'auto'.", stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self._is_higher_better = None

    def _higher_is_better(self):
        """True when higher values of `monitor` are better."""
        if self.mode != "auto":
            return self.mode == "max"
        name = self.monitor.removeprefix("val_")
        if name == "loss":
            return False
        compiled = getattr(self.model, "__dict__", {}).get("_kappa_compiled")
        for metric in compiled.all_metrics() if compiled is not None else []:
            if metric.name == name and getattr(metric, "_direction", None) in ("up", "down"):
                return metric._direction == "up"
        if any(fragment in name for fragment in _HIGHER_IS_BETTER):
            return True
        if any(fragment in name for fragment in _LOWER_IS_BETTER):
            return False
        raise ValueError(f"{type(self).__name__} received monitor={self.monitor!r}, but cannot tell whether "
                         "it should be minimized or maximized. Pass mode='min' or mode='max'.")

    def _is_improvement(self, value, reference):
        if self._is_higher_better is None:
            self._is_higher_better = self._higher_is_better()
        if reference is None:
            return True
        if self._is_higher_better:
            return value - self.min_delta > reference
        return value + self.min_delta < reference

    def _monitored(self, logs, what):
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"{what} is conditioned on metric {self.monitor!r}, which is not available. "
                          f"Available metrics are: {','.join(logs or {})}.", stacklevel=3)
            return None
        return _to_float(value)


class EarlyStopping(_MonitorCallback):
    """Stop training when the monitored value has stopped improving.

    Args:
        monitor: the log to watch.
        min_delta: a change smaller than this (in absolute value) is no improvement.
        patience: epochs without improvement after which training stops.
        verbose: 1 prints a message when stopping and when restoring weights.
        mode: "min", "max" or "auto" (inferred from the monitored name).
        baseline: a value the monitored quantity must beat; until it does, `patience` runs out.
        restore_best_weights: when training ends (stopped early or not), put back the weights of
            the best watched epoch.
        start_from_epoch: epochs to wait before watching at all (a warm-up).

    Example:
    >>> stop = EarlyStopping(monitor="loss", patience=3)
    >>> history = model.fit(x, y, epochs=100, callbacks=[stop], verbose=0)  # doctest: +SKIP
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = self._monitored(logs, "Early stopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Until something improves, the first watched epoch's weights are the best known.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ReduceLROnPlateau(_MonitorCallback):
    """Multiply the learning rate by `factor` when the monitored value stops improving.

    Args:
        monitor: the log to watch.
        factor: the multiplier, below 1.
        patience: epochs without improvement before reducing.
        verbose: 1 prints each reduction.
        mode: "min", "max" or "auto".
        min_delta: a change smaller than this is no improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the learning rate never goes below this.

    Example:
    >>> reduce = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2)
    >>> history = model.fit(x, y, epochs=20, callbacks=[reduce], verbose=0)  # doctest: +SKIP
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau needs factor < 1.0; got factor={factor}.")
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau got unexpected arguments: {sorted(kwargs)}.")
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.min_lr = min_lr
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _reduce(self, optimizer, epoch):
        old = _to_float(optimizer.learning_rate)
        if old <= np.float32(self.min_lr):
            return False
        new = max(old * self.factor, self.min_lr)
        optimizer.learning_rate = new
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing the learning rate of {optimizer.name} "
                  f"to {new}.")
        return True

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            logs = {}
        logs.update(_learning_rate_logs(self.model.optimizer))
        current = self._monitored(logs, "Learning rate reduction")
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                reduced = [self._reduce(opt, epoch) for opt in _plain_optimizers(self.model.optimizer)]
                if any(reduced):
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of every epoch from `schedule(epoch, lr)`.

    Args:
        schedule: a function of the epoch index (from 0) and the current learning rate returning the
            new learning rate as a float; a function of the epoch alone is accepted too.
        verbose: 1 prints each new rate.

    Example:
    >>> scheduler = LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    >>> history = model.fit(x, y, epochs=5, callbacks=[scheduler], verbose=0)  # doctest: +SKIP
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _update(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError(f"LearningRateScheduler: the optimizer {optimizer!r} has no learning_rate.")
        current = _to_float(optimizer.learning_rate)
        try:
            rate = self.schedule(epoch, current)
        except TypeError:  # the older one-argument form, schedule(epoch)
            rate = self.schedule(epoch)
        if not isinstance(rate, (float, np.floating)):
            raise ValueError(f"LearningRateScheduler: the schedule must return a float; got {rate!r} for "
                             f"epoch {epoch}.")
        optimizer.learning_rate = float(rate)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting the learning rate of "
                  f"{optimizer.name} to {float(rate)}.")

    def on_epoch_begin(self, epoch, logs=None):
        for optimizer in _plain_optimizers(self.model.optimizer):
            self._update(optimizer, epoch)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update(_learning_rate_logs(self.model.optimizer))


class SwapEMAWeights(Callback):
    """Evaluate and predict with the optimizer's moving averages of the weights (`use_ema=True`).

    The weights and their averages (the optimizer's "average" slots) are swapped before evaluation
    or prediction and swapped back after. With `swap_on_epoch=True` they are also swapped at the end
    of every epoch and back at the start of the next, so that per-epoch callbacks (checkpoints) see
    the averaged weights; after the last epoch the averages stay in the model.

    Args:
        swap_on_epoch: also swap at epoch boundaries.

    Example:
    >>> model.compile(optimizer=kappa.optimizers.SGD(use_ema=True), loss="mse")  # doctest: +SKIP
    >>> model.fit(x, y, epochs=3, callbacks=[SwapEMAWeights(swap_on_epoch=True)])  # doctest: +SKIP
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _pairs(self):
        optimizers = _plain_optimizers(self.model.optimizer)
        optimizers = [opt for opt in optimizers if getattr(opt, "use_ema", False)]
        if not optimizers:
            raise ValueError("SwapEMAWeights needs an optimizer with use_ema=True; the model's optimizer "
                             f"{self.model.optimizer!r} keeps no moving average.")
        pairs = []
        for opt in optimizers:
            if not opt.built:
                opt.build(self.model.trainable_variables)
            for variable in getattr(opt, "_built_for", self.model.trainable_variables):
                pairs.append((variable, opt.slot(variable, "average")))
        return pairs

    def _swap(self):
        for variable, average in self._pairs():
            # Through NumPy: on torch `value` can be the very tensor that `assign` overwrites.
            current = variable.numpy()
            variable.assign(average.numpy())
            average.assign(current)

    def _finalize(self):
        for variable, average in self._pairs():
            average.assign(variable.numpy())

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True
            if epoch == self.params["epochs"] - 1:
                # Training ends here: make the averages equal to what is now in the model, so that the
                # final copy of the averages into the variables keeps the averaged weights.
                self._finalize()

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    on_predict_begin = on_test_begin
    on_predict_end = on_test_end


def _check_save_freq(name, save_freq):
    if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)
                                 or save_freq < 1):
        raise ValueError(f"{name}: save_freq must be 'epoch' or a positive integer number of batches; got "
                         f"save_freq={save_freq!r}.")


class _BatchCounter:
    """Counts batches across `on_train_batch_end` calls; with steps_per_execution the index jumps."""

    def __init__(self, every):
        self.every = every
        self.last = None
        self.since_save = 0

    def is_due(self, batch):
        if self.last is None or batch <= self.last:  # a new epoch began
            self.since_save += batch + 1
        else:
            self.since_save += batch - self.last
        self.last = batch
        if self.since_save >= self.every:
            self.since_save = 0
            return True
        return False


class ModelCheckpoint(_MonitorCallback):
    """Save the model (or its weights) every epoch or every `save_freq` batches.

    Args:
        filepath: where to save; may hold `str.format` fields filled from the epoch (from 1), the
            batch (from 1, when saving by batch) and the logs: `"ckpt-{epoch:02d}-{val_loss:.2f}.keras"`.
            It must end in `.keras` (or `.h5`), or in `.weights.h5` with `save_weights_only=True`.
        monitor: the log that `save_best_only` compares.
        verbose: 1 prints a line per save.
        save_best_only: save only when the monitored value improves on the best so far.
        save_weights_only: save with `save_weights` instead of `save`.
        mode: "min", "max" or "auto".
        save_freq: "epoch", or an integer number of batches.
        initial_value_threshold: the best value to beat at the start (with `save_best_only`).

    Example:
    >>> checkpoint = ModelCheckpoint("ckpt/{epoch:02d}-{loss:.2f}.weights.h5", monitor="loss",
    ...                              save_weights_only=True, save_best_only=True)
    >>> history = model.fit(x, y, epochs=5, callbacks=[checkpoint], verbose=0)  # doctest: +SKIP
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        _check_save_freq("ModelCheckpoint", save_freq)
        self.save_freq = save_freq
        self._batches = _BatchCounter(save_freq) if save_freq != "epoch" else None
        self._current_epoch = 0
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError("ModelCheckpoint with save_weights_only=True needs a filepath ending in "
                             f"'.weights.h5'; got filepath={self.filepath!r}.")
        if not save_weights_only and not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("ModelCheckpoint needs a filepath ending in '.keras' (the Keras model format); "
                             f"got filepath={self.filepath!r}.")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._batches is not None and self._batches.is_due(batch):
            self._save(self._current_epoch, batch, _python_logs(logs))

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _file_path(self, epoch, batch, logs):
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as e:
            raise KeyError(f"ModelCheckpoint could not fill the filepath {self.filepath!r}: no value for "
                           f"{e}. Available: {', '.join(fields)}.") from None

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"ModelCheckpoint can save the best model only with {self.monitor!r} available; "
                          "saving anyway.", stacklevel=3)
            return True
        if np.ndim(current) > 0:
            warnings.warn(f"ModelCheckpoint can save the best model only when {self.monitor!r} is a scalar; "
                          f"got {current}. Saving anyway.", stacklevel=3)
            return True
        current = _to_float(current)
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, saving "
                      f"model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save(self, epoch, batch, logs):
        filepath = self._file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise IsADirectoryError(f"ModelCheckpoint's filepath is an existing directory: {filepath!r}; "
                                    "give the path of a file.")
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)


class BackupAndRestore(Callback):
    """Back up the training state so that a run killed mid-way resumes where it was.

    At the end of every epoch (or every `save_freq` batches) the model's weights, the optimizer's
    variables and the position (epoch, and batch within it) are written to one file in
    `backup_dir`, atomically. When `fit` starts and a backup exists, the state is restored and
    training continues from that epoch (skipping the batches of it already done). When training
    finishes the backup is deleted (unless `delete_checkpoint=False`). The model must be built
    before `fit`.

    Args:
        backup_dir: the folder holding the backup; use one per run.
        save_freq: "epoch", or an integer number of batches.
        double_checkpoint: keep the previous backup too, and fall back to it if the latest cannot be
            read.
        delete_checkpoint: delete `backup_dir` when training ends normally.

    Example:
    >>> backup = BackupAndRestore("/tmp/run-1-backup")
    >>> history = model.fit(x, y, epochs=10, callbacks=[backup], verbose=0)  # doctest: +SKIP
    """

    _FILE_NAME = "latest.backup.npz"

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError(f"BackupAndRestore needs a backup_dir; got backup_dir={backup_dir!r}.")
        _check_save_freq("BackupAndRestore", save_freq)
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._backup_path = os.path.join(self.backup_dir, self._FILE_NAME)
        self._previous_path = self._backup_path + ".bkp"
        self._batches = _BatchCounter(save_freq) if save_freq != "epoch" else None
        self._current_epoch = 0
        self._batches_done = 0

    # -- restoring ------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        # Temporary files of a write that was killed before its rename are never a backup.
        for stale in glob.glob(os.path.join(glob.escape(self.backup_dir), f"{_TEMPORARY_PREFIX}*")):
            with contextlib.suppress(FileNotFoundError):
                os.remove(stale)
        candidates = [p for p in (self._backup_path, self._previous_path) if os.path.exists(p)]
        if not candidates:
            return
        if not self.model.built:
            raise ValueError("BackupAndRestore needs a built model before fit() (so that its weights exist "
                             f"to restore); model {self.model.name!r} is not built. Call it on a batch or "
                             "give it an Input.")
        errors = []
        for path in candidates:
            try:
                state = self._read(path)
            except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as e:  # try the previous one
                errors.append(f"{path}: {e}")
                continue
            self._restore(state)
            return
        raise OSError("BackupAndRestore could not read any backup: " + "; ".join(errors))

    @staticmethod
    def _read(path):
        with np.load(path, allow_pickle=False) as archive:
            metadata = json.loads(str(archive["metadata"]))
            model = [archive[f"model_{i}"] for i in range(metadata["model_variables"])]
            optimizer = [archive[f"optimizer_{i}"] for i in range(metadata["optimizer_variables"])]
        return metadata, model, optimizer

    def _restore(self, state):
        metadata, model_values, optimizer_values = state
        variables = self.model.weights
        _assign_checked(variables, model_values, "model weights")
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and optimizer_values:
            if not optimizer.built:
                optimizer.build(self.model.trainable_variables)
            _assign_checked(optimizer.variables, optimizer_values, "optimizer variables")
        self.model.__dict__["_initial_epoch"] = int(metadata["epoch"])
        self.model.__dict__["_initial_step"] = int(metadata["batch"])
        self._current_epoch = int(metadata["epoch"])
        if self._batches is not None and int(metadata["batch"]) > 0:
            self._batches.last = int(metadata["batch"]) - 1  # fit goes on from the next batch

    # -- backing up -----------------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._batches_done = batch + 1
        if self._batches is not None and self._batches.is_due(batch):
            steps = (self.params or {}).get("steps")
            if steps is not None and self._batches_done >= steps:
                self._save(self._current_epoch + 1, 0)  # the epoch's last batch: resume at the next
            else:
                self._save(self._current_epoch, self._batches_done)

    def on_epoch_end(self, epoch, logs=None):
        self._batches_done = 0
        if self.save_freq == "epoch":
            self._save(epoch + 1, 0)

    def _save(self, epoch, batch):
        model_values = [v.numpy() for v in self.model.weights]
        optimizer = getattr(self.model, "optimizer", None)
        optimizer_values = [v.numpy() for v in optimizer.variables] if optimizer is not None else []
        metadata = {"epoch": epoch, "batch": batch, "model_variables": len(model_values),
                    "optimizer_variables": len(optimizer_values)}
        arrays = {"metadata": np.array(json.dumps(metadata))}
        arrays.update({f"model_{i}": value for i, value in enumerate(model_values)})
        arrays.update({f"optimizer_{i}": value for i, value in enumerate(optimizer_values)})
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._backup_path):
            # A rename: a kill right after it leaves the previous backup, which loading falls back to.
            os.replace(self._backup_path, self._previous_path)
        with atomic_path(self._backup_path, overwrite=True, suffix=".npz") as temporary:
            np.savez(temporary, **arrays)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)


def _assign_checked(variables, values, what):
    if len(variables) != len(values):
        raise ValueError(f"BackupAndRestore: the backup holds {len(values)} {what}, but the model has "
                         f"{len(variables)}; was it written by a different model?")
    for variable, value in zip(variables, values, strict=True):
        if tuple(variable.shape) != tuple(value.shape):
            raise ValueError(f"BackupAndRestore: {what} {variable.path!r} has shape {tuple(variable.shape)}, "
                             f"but the backup holds shape {tuple(value.shape)}.")
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)
