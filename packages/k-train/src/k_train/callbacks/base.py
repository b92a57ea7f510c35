"""`Callback`, `CallbackList`, `History` and `ProgbarLogger`.

The loop in `k_train/trainer.py` calls a `CallbackList`, which calls each callback's hooks
in Keras's order. Two choices keep the loop fast:

- a hook a callback does not override is never called (the list knows which it overrides);
- batch logs arrive as tensors. They are converted to Python floats once per batch, and only
  when some callback that overrides the batch hook needs floats; a callback that can take
  tensors says so with `_accepts_tensor_logs = True` (the progress bar does, and converts
  only when it draws). Epoch and begin/end logs are always floats, with keys sorted.

On jax the train step keeps the model's state outside its variables during an epoch; reading
`callback.model` in a batch hook writes that state back first (`_kappa_state_sync`, set by the
loop), so a callback always sees, and may change, the current weights.
"""

import numpy as np

from k_train.progbar import Progbar

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]

_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_test_begin",
          "on_test_end", "on_predict_begin", "on_predict_end", "on_train_batch_begin",
          "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
          "on_predict_batch_end", "on_batch_begin", "on_batch_end")
# The train-batch hooks call these older names by default, as in Keras.
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


class Callback:
    """Base class of the objects that hook into `fit`, `evaluate` and `predict`.

    Override any of the `on_*` methods. `self.model` is the model being trained, and
    `self.params` holds `verbose`, `epochs` and `steps` (batches per epoch). Set
    `self.model.stop_training = True` to end `fit` after the current batch.

    Example:
        >>> class CountEpochs(Callback):
        ...     def on_train_begin(self, logs=None):
        ...         self.count = 0
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         self.count += 1
    """

    def __init__(self):
        self.validation_data = None
        self._model = None
        self.params = {}

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        model = self._model
        sync = getattr(model, "__dict__", {}).get("_kappa_state_sync") if model is not None else None
        if sync is not None:
            sync()
        return model

    @model.setter
    def model(self, model):
        self._model = model

    def on_batch_begin(self, batch, logs=None):
        """A legacy alias of `on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """A legacy alias of `on_train_batch_end`."""

    def on_epoch_begin(self, epoch, logs=None):
        """At the start of an epoch of `fit`."""

    def on_epoch_end(self, epoch, logs=None):
        """At the end of an epoch of `fit`; logs has the epoch's metrics and the "val_" ones."""

    def on_train_batch_begin(self, batch, logs=None):
        """Before a training batch (the first of a group with steps_per_execution)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """After a training batch; logs has the epoch's running metrics."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Before a batch of `evaluate` (and of validation inside `fit`)."""

    def on_test_batch_end(self, batch, logs=None):
        """After a batch of `evaluate`; logs has the running metrics."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Before a batch of `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """After a batch of `predict`; logs["outputs"] is the batch's output."""

    def on_train_begin(self, logs=None):
        """At the start of `fit`."""

    def on_train_end(self, logs=None):
        """At the end of `fit`; logs has the last epoch's logs."""

    def on_test_begin(self, logs=None):
        """At the start of `evaluate` (and of validation inside `fit`)."""

    def on_test_end(self, logs=None):
        """At the end of `evaluate`; logs has the final metrics."""

    def on_predict_begin(self, logs=None):
        """At the start of `predict`."""

    def on_predict_end(self, logs=None):
        """At the end of `predict`."""


def _overrides(callback, hook):
    """Whether `callback` does something in `hook` (the base class's hooks do nothing)."""
    names = (hook, _ALIASES[hook]) if hook in _ALIASES else (hook,)
    for name in names:
        if name in getattr(callback, "__dict__", {}):
            return True
        method = getattr(type(callback), name, None)
        if method is not None and method is not getattr(Callback, name):
            return True
    return False


def pythonify_logs(logs):
    """Logs as `{name: float}` with sorted keys; nested dicts flattened, non-scalars kept as arrays."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        if not isinstance(value, (int, float, str)) and value is not None:
            if not isinstance(value, (np.ndarray, np.generic)):
                from k_ops import core as kcore

                try:
                    value = kcore.convert_to_numpy(value)
                except (TypeError, ValueError):
                    pass
            if isinstance(value, (np.ndarray, np.generic)) and np.size(value) == 1:
                value = float(np.asarray(value).reshape(()))
        result[key] = value
    return result


class CallbackList(Callback):
    """Calls a list of callbacks' hooks as one.

    Args:
        callbacks: a `Callback` or a (nested) list of them.
        add_history: add a `History` unless the list has one.
        add_progbar: add a `ProgbarLogger` unless the list has one.
        model: the model, given to every callback (and `model.history` set to the History).
        **params: given to every callback's `set_params` (`verbose`, `epochs`, `steps`).

    Example:
        >>> callbacks = CallbackList([History()], epochs=1, steps=2, verbose=0)
        >>> callbacks.on_train_begin()
        >>> callbacks.on_epoch_end(0, {"loss": 0.5})
        >>> callbacks.callbacks[0].history
        {'loss': [0.5]}
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = _flatten(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"CallbackList expects Callback instances; got {callback!r} of type "
                                f"{type(callback).__name__}.")
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self._index_hooks()
        self.set_model(model)
        self.set_params(params)

    def append(self, callback):
        """Add a callback at the end of the list."""
        self.callbacks.append(callback)
        self._index_hooks()

    def _index_hooks(self):
        self._active = {hook: [c for c in self.callbacks if _overrides(c, hook)] for hook in _HOOKS}
        self._wants_floats = {hook: any(not getattr(c, "_accepts_tensor_logs", False) for c in active)
                              for hook, active in self._active.items()}

    def set_params(self, params):
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _call(self, hook, *args, logs=None):
        active = self._active[hook]
        if not active:
            return
        logs = pythonify_logs(logs)
        for callback in active:
            getattr(callback, hook)(*args, logs)

    def _call_batch(self, hook, batch, logs):
        active = self._active[hook]
        if not active:
            return
        if self._wants_floats[hook]:
            logs = pythonify_logs(logs)
        else:
            logs = dict(logs) if logs else {}
        for callback in active:
            getattr(callback, hook)(batch, logs=logs)

    def on_batch_begin(self, batch, logs=None):
        self._call_batch("on_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._call_batch("on_batch_end", batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs=logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call_batch("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call_batch("on_predict_batch_end", batch, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs=logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs=logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs=logs)


def _flatten(callbacks):
    if callbacks is None:
        return []
    if isinstance(callbacks, (list, tuple)):
        return [c for item in callbacks for c in _flatten(item)]
    return [callbacks]


class History(Callback):
    """Records every epoch's logs; `fit` returns it (and sets it as `model.history`).

    `history[name]` is the list of per-epoch values and `epoch` the list of epoch indices.

    Example:
        >>> history = History()
        >>> history.on_train_begin()
        >>> history.on_epoch_end(0, {"loss": 1.0})
        >>> history.history, history.epoch
        ({'loss': [1.0]}, [0])
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self._model is not None:
            self._model.history = self


class ProgbarLogger(Callback):
    """Prints progress: a live bar on a terminal, one line per epoch otherwise.

    `fit`, `evaluate` and `predict` add one when `verbose` is not 0. With `verbose=1` on an
    interactive terminal, each epoch prints `Epoch i/n` and then a bar redrawn in place; with
    `verbose=2`, or when stdout is not a terminal, each epoch prints one plain line
    `Epoch i/n - 32/32 - 1s - 12ms/step - loss: 0.2800` with no control characters.
    Validation inside `fit` is not shown separately (its results are in the epoch's line).

    Example:
        >>> import kappa
        >>> logger = ProgbarLogger()  # kappa.Model.fit(..., callbacks=[logger])
    """

    # Batch logs go to the bar as tensors; the bar converts them only when it draws.
    _accepts_tensor_logs = True

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._start_bar()

    def on_predict_begin(self, logs=None):
        self._start_bar()

    def on_epoch_begin(self, epoch, logs=None):
        self._start_bar()
        header = f"Epoch {epoch + 1}/{self.epochs}"
        if not self.verbose or self.epochs <= 1:
            return
        if self.verbose == 1 and self.progbar._dynamic_display:
            print(header, flush=True)
        else:
            self.progbar._prefix = header + " - "

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)  # the outputs are not shown

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finish(logs)

    def on_predict_end(self, logs=None):
        self._finish(logs)

    def _start_bar(self):
        self.seen = 0
        self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step",
                               stateless_metrics=set())

    def _update(self, batch, logs):
        if self.progbar is None:
            self._start_bar()
        self.seen = batch + 1
        # Only a live bar draws during the epoch; the others need nothing until the end.
        if self.verbose == 1 and self.progbar._dynamic_display:
            self.progbar.update(self.seen, sorted((logs or {}).items()), finalize=False)

    def _finish(self, logs):
        if self.progbar is None:
            self._start_bar()
        if self.target is None:
            self.target = self.progbar.target = self.seen
        logs = {k: v for k, v in (logs or {}).items() if not isinstance(v, np.ndarray) or v.size == 1}
        self.progbar.update(self.progbar.target, sorted(logs.items()), finalize=True)
