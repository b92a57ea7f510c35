"""`OrbaxCheckpoint`: save the training state with orbax-checkpoint's `CheckpointManager`.

orbax-checkpoint is optional: it is imported when the callback is built, and a missing package raises
an `ImportError` that says how to install it. The state is a tree of NumPy arrays, the same on every
backend:

    {"trainable_variables": {...}, "non_trainable_variables": {...},
     "optimizer_variables": {...}, "metrics_variables": {...}}

each group a flat dict named by position and path (`"000000_sequential__dense__kernel"`); restoring
matches by position (and checks shapes), so a fresh copy of the model, with other layer names, restores. With
`save_weights_only=True` only the first two groups are written. Every save is one orbax step (the
epoch index, or the number of batches seen when saving every `save_freq` batches); orbax writes each
step into a temporary folder and renames it into place when complete, and keeps at most
`max_to_keep` steps.
"""

import os
import re
import warnings

import numpy as np

from k_ops import core as kcore
from k_train.callbacks.checkpoints import _BatchCounter, _check_save_freq, _MonitorCallback, _to_float

__all__ = ["OrbaxCheckpoint"]

_GROUPS = ("trainable_variables", "non_trainable_variables", "optimizer_variables", "metrics_variables")
_WEIGHT_GROUPS = _GROUPS[:2]


def _import_orbax():
    try:
        import orbax.checkpoint as ocp
    except ImportError as e:
        raise ImportError("OrbaxCheckpoint needs the orbax-checkpoint package, which is not installed. "
                          "Install it with `pip install orbax-checkpoint`.") from e
    return ocp


def _state_variables(model, weights_only):
    """The variables to save, by group (the same order on save and restore)."""
    groups = {"trainable_variables": list(model.trainable_variables),
              "non_trainable_variables": list(model.non_trainable_variables)}
    if weights_only:
        return groups
    optimizer = getattr(model, "optimizer", None)
    groups["optimizer_variables"] = list(optimizer.variables) if optimizer is not None else []
    groups["metrics_variables"] = list(getattr(model, "metrics_variables", []))
    return groups


def _key(index, variable):
    """The name of a variable in its group: its position (zero-padded, so that sorting the names gives
    the saving order) and its path, for reading."""
    path = str(getattr(variable, "path", None) or getattr(variable, "name", None) or "variable")
    return f"{index:06d}_" + re.sub(r"[^0-9A-Za-z_-]+", "_", path.replace("/", "__"))


def _state_tree(model, weights_only):
    tree = {}
    for group, variables in _state_variables(model, weights_only).items():
        tree[group] = {_key(i, variable): np.asarray(kcore.convert_to_numpy(variable.value))
                       for i, variable in enumerate(variables)}
    return tree


def _assign_state(model, tree, weights_only):
    """Assign a restored tree to the model's variables, checking every count and shape first."""
    optimizer = getattr(model, "optimizer", None)
    if not weights_only and optimizer is not None and tree.get("optimizer_variables") \
            and not getattr(optimizer, "built", True):
        optimizer.build(model.trainable_variables)
    pairs = []
    for group, variables in _state_variables(model, weights_only).items():
        stored = tree.get(group) or {}
        values = [stored[name] for name in sorted(stored)]
        if group == "metrics_variables" and len(values) != len(variables):
            continue  # a fresh model builds its compiled metrics in fit (and fit resets them each epoch)
        if len(values) != len(variables):
            raise ValueError(f"OrbaxCheckpoint: the checkpoint holds {len(values)} {group}, but the model "
                             f"has {len(variables)}; was it written by a different model?")
        for variable, value in zip(variables, values, strict=True):
            value = np.asarray(value)
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(f"OrbaxCheckpoint: {group} {variable.path!r} has shape "
                                 f"{tuple(variable.shape)}, but the checkpoint holds shape "
                                 f"{tuple(value.shape)}.")
            pairs.append((variable, value))
    for variable, value in pairs:
        variable.assign(value)


class OrbaxCheckpoint(_MonitorCallback):
    """Save the model's state with orbax-checkpoint every epoch or every `save_freq` batches.

    The trainable and non-trainable variables, and (unless `save_weights_only`) the optimizer's and
    the metrics' variables, are written as a tree of NumPy arrays, one orbax step per save: the epoch
    index (from 0), or the number of batches seen when `save_freq` is an integer.
    `load_checkpoint(step)` puts a saved state back into the model. Needs `pip install orbax-checkpoint`.

    Args:
        directory: the folder of the checkpoints (created if missing).
        monitor: the log that `save_best_only` compares.
        verbose: 1 prints a line per save.
        save_best_only: save only when the monitored value improves on the best so far.
        mode: "min", "max" or "auto".
        save_freq: "epoch", or an integer number of batches.
        initial_value_threshold: the best value to beat at the start (with `save_best_only`).
        max_to_keep: how many of the latest checkpoints to keep (None keeps all).
        save_on_background: write in a background thread; training waits for it when it ends.
        save_weights_only: save only the model's variables, not the optimizer's or the metrics'.

    Example:
    >>> checkpoint = OrbaxCheckpoint("/tmp/ckpt", monitor="loss", save_best_only=True)  # doctest: +SKIP
    >>> history = model.fit(x, y, epochs=5, callbacks=[checkpoint], verbose=0)  # doctest: +SKIP
    >>> step = checkpoint.load_checkpoint()  # the latest saved state, back in the model  # doctest: +SKIP
    """

    def __init__(self, directory, monitor="val_loss", verbose=0, save_best_only=False, mode="auto",
                 save_freq="epoch", initial_value_threshold=None, max_to_keep=1, save_on_background=True,
                 save_weights_only=False):
        self._ocp = _import_orbax()
        super().__init__(monitor, mode, initial_value_threshold)
        self.directory = os.path.abspath(os.fspath(directory))
        self.verbose = verbose
        self.save_best_only = save_best_only
        _check_save_freq("OrbaxCheckpoint", save_freq)
        self.save_freq = save_freq
        if max_to_keep is not None and (isinstance(max_to_keep, bool) or not isinstance(max_to_keep, int)
                                        or max_to_keep < 1):
            raise ValueError(f"OrbaxCheckpoint: max_to_keep must be a positive integer or None; got "
                             f"max_to_keep={max_to_keep!r}.")
        self.max_to_keep = max_to_keep
        self.save_on_background = bool(save_on_background)
        self.save_weights_only = bool(save_weights_only)
        self._batches = _BatchCounter(save_freq) if save_freq != "epoch" else None
        self._total_batches_seen = 0
        self._manager = None

    # -- the orbax manager ------------------------------------------------------------------
    @property
    def checkpoint_manager(self):
        """The `orbax.checkpoint.CheckpointManager` writing to `directory` (made on first use)."""
        if self._manager is None:
            ocp = self._ocp
            options = ocp.CheckpointManagerOptions(max_to_keep=self.max_to_keep, create=True,
                                                   enable_async_checkpointing=self.save_on_background)
            self._manager = ocp.CheckpointManager(self.directory, options=options)
        return self._manager

    def all_steps(self):
        """The steps saved in `directory`, in increasing order."""
        return sorted(self.checkpoint_manager.all_steps())

    def latest_step(self):
        """The latest saved step, or None when nothing is saved."""
        steps = self.all_steps()
        return steps[-1] if steps else None

    def wait_until_finished(self):
        """Block until every save started in the background is written."""
        if self._manager is not None:
            self._manager.wait_until_finished()

    def is_multihost_enabled(self):
        """Whether checkpoints are coordinated across hosts (never: kappa trains on one host)."""
        return False

    def is_primary_host(self):
        """Whether this process is the primary host (always, on one host)."""
        return True

    def load_checkpoint(self, step=None, model=None):
        """Put the state saved at `step` (default: the latest) back into `model` (default: the
        callback's model); returns the step restored."""
        model = model if model is not None else self.model
        if model is None:
            raise ValueError("OrbaxCheckpoint.load_checkpoint needs a model: pass model=..., or use the "
                             "callback in fit first.")
        self.wait_until_finished()
        if step is None:
            step = self.latest_step()
            if step is None:
                raise FileNotFoundError(f"OrbaxCheckpoint: no checkpoint in {self.directory!r}.")
        elif step not in self.all_steps():
            raise FileNotFoundError(f"OrbaxCheckpoint: no checkpoint for step {step} in {self.directory!r}; "
                                    f"saved steps: {self.all_steps()}.")
        tree = self.checkpoint_manager.restore(int(step))
        weights_only = self.save_weights_only or not any(tree.get(group) for group in _GROUPS[2:])
        _assign_state(model, tree, weights_only)
        return int(step)

    # -- saving -------------------------------------------------------------------------------
    def set_model(self, model):
        super().set_model(model)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None:
            try:  # a model trained before goes on counting from its optimizer's step
                self._total_batches_seen = int(_to_float(optimizer.iterations))
            except (AttributeError, TypeError, ValueError):
                self._total_batches_seen = 0

    def on_train_batch_end(self, batch, logs=None):
        if self._batches is None:
            return
        previous = self._batches.last
        self._total_batches_seen += batch + 1 if previous is None or batch <= previous else batch - previous
        if self._batches.is_due(batch) and self._should_save(logs, f"batch {batch + 1}"):
            self._save(self._total_batches_seen, f"batch {batch + 1}")

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch" and self._should_save(logs, f"epoch {epoch + 1}"):
            self._save(epoch, f"epoch {epoch + 1}")

    def on_train_end(self, logs=None):
        self.wait_until_finished()

    def _should_save(self, logs, where):
        if not self.save_best_only:
            return True
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"OrbaxCheckpoint can save the best state only with {self.monitor!r} available; "
                          f"skipping the save at {where}.", stacklevel=3)
            return False
        current = _to_float(current)
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\n{where.capitalize()}: {self.monitor} improved from {best} to {current:.5f}, saving "
                      f"checkpoint to {self.directory}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\n{where.capitalize()}: {self.monitor} did not improve from {best}")
        return False

    def _save(self, step, where):
        ocp = self._ocp
        manager = self.checkpoint_manager
        tree = _state_tree(self.model, self.save_weights_only)
        if step in manager.all_steps():  # fit run again from epoch 0: the new state replaces the old
            manager.wait_until_finished()
            manager.delete(step)
        if self.verbose > 0 and not self.save_best_only:
            print(f"\n{where.capitalize()}: saving checkpoint step {step} to {self.directory}")
        manager.save(int(step), args=ocp.args.StandardSave(tree), force=True)
        if not self.save_on_background:
            manager.wait_until_finished()
