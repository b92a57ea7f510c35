"""`compile`, `fit`, `evaluate`, `predict` and the `*_on_batch` methods of `Model`.

k-layers' Model looks these functions up by name (`Model.__getattr__`), so models get them
when k-train is installed. The step itself (one batch: forward, loss, gradients, optimizer,
metrics) is built per backend in `k_train/steps/<backend>.py`: a jitted pure function on
jax, a `tf.function` on tensorflow, eager code on torch. This module is the loop around it.
"""

import itertools
import warnings

import numpy as np

from k_backends.selection import backend as backend_name
from k_ops import core as kcore
from k_train import optimizers as optimizers_module
from k_train.compile_utils import LossContainer, MetricsContainer
from k_train.metrics.metric import Mean

__all__ = ["compile", "fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch",
           "compute_loss", "compute_metrics", "get_metrics_result", "get_compile_config",
           "compile_from_config"]


class Compiled:
    """The state `compile` sets up on a model."""

    def __init__(self, model, optimizer, loss, loss_weights, metrics, weighted_metrics, run_eagerly,
                 steps_per_execution, jit_compile, auto_scale_loss):
        self.optimizer = optimizers_module.get(optimizer) if optimizer is not None else None
        if auto_scale_loss and self.optimizer is not None and \
                getattr(model.dtype_policy, "name", "") == "mixed_float16" and \
                not isinstance(self.optimizer, optimizers_module.LossScaleOptimizer):
            # float16 gradients underflow without a loss scale; Keras adds one the same way.
            self.optimizer = optimizers_module.LossScaleOptimizer(self.optimizer)
        self.loss_identifier, self.metrics_identifier = loss, metrics
        self.loss_weights, self.weighted_metrics_identifier = loss_weights, weighted_metrics
        self.run_eagerly = bool(run_eagerly)
        if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError("compile: steps_per_execution must be an int >= 1; got "
                             f"{steps_per_execution!r}.")
        self.steps_per_execution = steps_per_execution
        self.jit_compile = jit_compile
        self.auto_scale_loss = auto_scale_loss
        names = _output_names(model)
        self.loss = LossContainer(loss, loss_weights, names) if loss is not None else None
        self.metrics = MetricsContainer(metrics, weighted_metrics, names, self.loss)
        self.loss_tracker = Mean(name="loss")
        self.steps = {}

    def all_metrics(self):
        return [self.loss_tracker, *self.metrics.all]

    def metric_variables(self):
        return [v for metric in self.all_metrics() for v in metric.variables]

    def reset_metrics(self):
        for metric in self.all_metrics():
            metric.reset_state()


def _output_names(model):
    outputs = getattr(model, "_kappa_outputs", None)
    if isinstance(outputs, dict):
        return list(outputs)
    if isinstance(outputs, (list, tuple)) and len(outputs) > 1:
        return [t._keras_node.operation.name if t._keras_node is not None else None for t in outputs]
    return [None]


def _compiled(model, what):
    compiled = model.__dict__.get("_kappa_compiled")
    if compiled is None:
        raise RuntimeError(f"You must call compile() before {what}.")
    return compiled


def _check_can_train(what):
    if backend_name() == "numpy":
        raise RuntimeError(f"{what} needs gradients, and the numpy backend has no automatic "
                           "differentiation: it runs inference only. Select jax, torch or tensorflow "
                           "(KAPPA_BACKEND) to train.")


# -- compile ------------------------------------------------------------------------------
def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
            run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
    """Configure the model for training: optimizer, loss(es), metrics and how steps run."""
    compiled = Compiled(self, optimizer, loss, loss_weights, metrics, weighted_metrics, run_eagerly,
                        steps_per_execution, jit_compile, auto_scale_loss)
    self.__dict__["_kappa_compiled"] = compiled
    self.__dict__["optimizer"] = compiled.optimizer
    self.__dict__["stop_training"] = False


def get_compile_config(self):
    compiled = self.__dict__.get("_kappa_compiled")
    if compiled is None:
        return None
    from k_layers.serialization import serialize_keras_object

    return {"optimizer": serialize_keras_object(compiled.optimizer),
            "loss": serialize_keras_object(compiled.loss_identifier), "loss_weights": compiled.loss_weights,
            "metrics": serialize_keras_object(compiled.metrics_identifier),
            "weighted_metrics": serialize_keras_object(compiled.weighted_metrics_identifier),
            "run_eagerly": compiled.run_eagerly, "steps_per_execution": compiled.steps_per_execution,
            "jit_compile": compiled.jit_compile}


def compile_from_config(self, config):
    from k_layers.serialization import deserialize_keras_object

    config = dict(config)
    for key in ("optimizer", "loss", "metrics", "weighted_metrics"):
        if isinstance(config.get(key), dict):
            config[key] = deserialize_keras_object(config[key])
    self.compile(**config)


# -- the pieces a custom train_step uses ---------------------------------------------------
def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
    """The compiled loss (summed over outputs, weighted) plus the model's added losses."""
    compiled = _compiled(self, "compute_loss")
    total = None
    if compiled.loss is not None and y is not None:
        for _, value in compiled.loss.per_output(y, y_pred, sample_weight):
            total = value if total is None else total + value
    for extra in self.losses:
        extra = kcore.cast(extra, "float32")
        total = extra if total is None else total + extra
    if total is None:
        raise ValueError("compute_loss: no loss to compute; pass a loss to compile().")
    return total


def compute_metrics(self, x, y, y_pred, sample_weight=None):
    """Update the compiled metrics with one batch and return every metric's result."""
    compiled = _compiled(self, "compute_metrics")
    compiled.metrics.update(y, y_pred, sample_weight)
    return get_metrics_result(self)


def get_metrics_result(self):
    """`{name: result}` of the loss tracker and the compiled metrics."""
    compiled = _compiled(self, "get_metrics_result")
    return {metric.name: metric.result() for metric in compiled.all_metrics()}


# -- the loop -----------------------------------------------------------------------------
def _steps_module():
    name = backend_name()
    if name == "jax":
        from k_train.steps import jax as steps
    elif name == "tensorflow":
        from k_train.steps import tensorflow as steps
    elif name == "torch":
        from k_train.steps import torch as steps
    else:
        from k_train.steps import eager as steps
    return steps


def _step(model, kind):
    compiled = _compiled(model, kind)
    if kind not in compiled.steps:
        compiled.steps[kind] = _steps_module().make(model, compiled, kind)
    return compiled.steps[kind]


def _groups(iterator, size):
    group = []
    for batch in iterator:
        group.append(batch)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def _to_python(logs):
    return {k: float(np.asarray(kcore.convert_to_numpy(v))) for k, v in logs.items()}


def _callback_list(callbacks, model, add_history, verbose, epochs, steps):
    from k_train.callbacks.base import CallbackList

    if isinstance(callbacks, CallbackList):
        return callbacks
    return CallbackList(callbacks, add_history=add_history, add_progbar=verbose != 0, model=model,
                        verbose=verbose, epochs=epochs, steps=steps)


def _run_with_sync(model, step):
    """While a loop runs `step`, let `Callback.model` write the step's state into the variables.

    On jax the state lives in the jitted step between `begin()` and `end()`; `end()` writes
    it back, and the next `run()` takes it again from the variables, so a callback that reads
    or changes weights in a batch hook sees the current ones.
    """
    model.__dict__["_kappa_state_sync"] = step.end


def _stop_sync(model):
    model.__dict__.pop("_kappa_state_sync", None)


def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
        validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
        steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
    """Train for `epochs` epochs; returns a `History` of the per-epoch logs (and "val_" logs)."""
    from k_train.data import get_adapter, train_validation_split

    compiled = _compiled(self, "fit")
    _check_can_train("fit")
    if validation_split and validation_data is None:
        (x, y, sample_weight), validation_data = train_validation_split((x, y, sample_weight),
                                                                         validation_split=validation_split)
    adapter = get_adapter(x, y, sample_weight=sample_weight, batch_size=batch_size,
                          steps_per_epoch=steps_per_epoch, shuffle=shuffle, class_weight=class_weight)
    steps = steps_per_epoch if steps_per_epoch is not None else adapter.num_batches
    callbacks = _callback_list(callbacks, self, True, verbose, epochs, steps)
    self.stop_training = False
    train = _step(self, "train")
    callbacks.on_train_begin()
    # BackupAndRestore sets where a resumed run goes on from (Keras's `_initial_epoch` and
    # `_initial_step`); the skipped batches of that epoch are read and dropped, keeping the data order.
    initial_epoch = self.__dict__.pop("_initial_epoch", None) or initial_epoch
    initial_step = self.__dict__.pop("_initial_step", None) or 0
    training_logs = None
    for epoch in range(initial_epoch, epochs):
        compiled.reset_metrics()
        adapter.on_epoch_begin()
        callbacks.on_epoch_begin(epoch)
        train.begin()
        _run_with_sync(self, train)
        try:
            logs, step, ran = {}, initial_step, 0
            batches = itertools.islice(adapter.get_tensor_iterator(), initial_step, None)
            initial_step = 0
            for group in _groups(batches, compiled.steps_per_execution):
                callbacks.on_train_batch_begin(step)
                logs = train.run(group)
                step += len(group)
                ran += len(group)
                callbacks.on_train_batch_end(step - 1, logs)  # tensors: converted only if needed
                if self.stop_training or (steps_per_epoch is not None and step >= steps_per_epoch):
                    break
        finally:
            _stop_sync(self)
            train.end()
        adapter.on_epoch_end()
        if ran == 0:
            warnings.warn("fit: the input ran out of data; training stops here. A generator must yield "
                          "steps_per_epoch * epochs batches (or be endless).", UserWarning, stacklevel=2)
            break
        epoch_logs = _to_python(logs)
        if validation_data is not None and (epoch + 1) % validation_freq == 0:
            val_logs = _evaluate_data(self, validation_data, validation_batch_size or batch_size,
                                      validation_steps, callbacks)
            epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
        callbacks.on_epoch_end(epoch, epoch_logs)
        training_logs = epoch_logs
        if self.stop_training:
            break
    if compiled.optimizer is not None and compiled.optimizer.use_ema:
        compiled.optimizer.finalize_variable_values(self.trainable_variables)
    callbacks.on_train_end(training_logs)
    return self.history


def _unpack(data):
    if isinstance(data, tuple):
        data = data + (None,) * (3 - len(data))
        return data[0], data[1], data[2]
    return data, None, None


def _evaluate_data(model, data, batch_size, steps, callbacks):
    from k_train.data import get_adapter

    if isinstance(data, tuple) and len(data) in (2, 3):
        x, y, w = _unpack(data)
        adapter = get_adapter(x, y, sample_weight=w, batch_size=batch_size, steps_per_epoch=steps,
                              shuffle=False)
    else:
        adapter = get_adapter(data, batch_size=batch_size, steps_per_epoch=steps, shuffle=False)
    return _run_test(model, adapter, steps, callbacks)


def _run_test(model, adapter, steps, callbacks=None):
    from k_train.callbacks.base import CallbackList

    compiled = _compiled(model, "evaluate")
    callbacks = callbacks if callbacks is not None else CallbackList()
    model.stop_evaluating = False
    callbacks.on_test_begin()
    compiled.reset_metrics()
    test = _step(model, "test")
    test.begin()
    _run_with_sync(model, test)
    try:
        logs, count = {}, 0
        for group in _groups(adapter.get_tensor_iterator(), compiled.steps_per_execution):
            callbacks.on_test_batch_begin(count)
            logs = test.run(group)
            count += len(group)
            callbacks.on_test_batch_end(count - 1, logs)
            if model.stop_evaluating or (steps is not None and count >= steps):
                break
    finally:
        _stop_sync(model)
        test.end()
    logs = _to_python(logs)
    callbacks.on_test_end(logs)
    return logs


def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
             callbacks=None, return_dict=False, **kwargs):
    """The loss and metrics over the data: a list (loss first) or, with return_dict, a dict."""
    from k_train.data import get_adapter

    if kwargs:
        raise TypeError(f"evaluate got unexpected arguments: {sorted(kwargs)}.")
    adapter = get_adapter(x, y, sample_weight=sample_weight, batch_size=batch_size,
                          steps_per_epoch=steps, shuffle=False)
    callbacks = _callback_list(callbacks, self, False, verbose, 1,
                               steps if steps is not None else adapter.num_batches)
    logs = _run_test(self, adapter, steps, callbacks)
    return logs if return_dict else _as_list(logs, self)


def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
    """The model's outputs over `x`, batch by batch, as NumPy arrays (same structure as the outputs)."""
    from k_train.data import get_adapter

    adapter = get_adapter(x, batch_size=batch_size, steps_per_epoch=steps, shuffle=False)
    callbacks = _callback_list(callbacks, self, False, verbose, 1,
                               steps if steps is not None else adapter.num_batches)
    step = _predict_step(self)
    self.stop_predicting = False
    callbacks.on_predict_begin()
    outputs, count = [], 0
    for batch in adapter.get_tensor_iterator():
        callbacks.on_predict_batch_begin(count)
        output = step(batch[0] if isinstance(batch, tuple) else batch)
        outputs.append(output)
        callbacks.on_predict_batch_end(count, {"outputs": output})
        count += 1
        if self.stop_predicting or (steps is not None and count >= steps):
            break
    callbacks.on_predict_end()
    if not outputs:
        raise ValueError("predict: the data produced no batch.")
    return _concatenate(outputs)


def _predict_step(model):
    compiled = model.__dict__.get("_kappa_compiled")
    cache = compiled.steps if compiled is not None else model.__dict__.setdefault("_kappa_predict_cache", {})
    if "predict" not in cache:
        cache["predict"] = _steps_module().make_predict(model)
    return cache["predict"]


def _concatenate(outputs):
    first = outputs[0]
    if isinstance(first, dict):
        return {k: _concatenate([o[k] for o in outputs]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_concatenate([o[i] for o in outputs]) for i in range(len(first)))
    return np.concatenate([np.asarray(kcore.convert_to_numpy(o)) for o in outputs], axis=0)


def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
    """One training step on one batch; returns the loss and metrics (for this batch only)."""
    from k_train.data import get_adapter

    compiled = _compiled(self, "train_on_batch")
    _check_can_train("train_on_batch")
    compiled.reset_metrics()
    adapter = get_adapter(x, y, sample_weight=sample_weight, batch_size=_num_samples(x), shuffle=False,
                          class_weight=class_weight)
    train = _step(self, "train")
    train.begin()
    logs = {}
    for batch in adapter.get_tensor_iterator():
        logs = train.run([batch])
    train.end()
    logs = _to_python(logs)
    return logs if return_dict else _as_list(logs, self)


def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
    """The loss and metrics on one batch, without training."""
    from k_train.data import get_adapter

    adapter = get_adapter(x, y, sample_weight=sample_weight, batch_size=_num_samples(x), shuffle=False)
    logs = _run_test(self, adapter, None)
    return logs if return_dict else _as_list(logs, self)


def predict_on_batch(self, x):
    """The model's outputs for one batch, as NumPy arrays."""
    step = _predict_step(self)
    return _concatenate([step(kcore.convert_to_tensor(x) if isinstance(x, np.ndarray) else x)])


def _num_samples(x):
    from k_ops.symbolic import flatten

    return int(flatten(x)[0].shape[0])


def _as_list(logs, model):
    """The logs' values in Keras's order: the loss, then the compiled metrics, then any others
    (a jitted step returns its dict with sorted keys)."""
    compiled = model.__dict__.get("_kappa_compiled")
    names = [m.name for m in compiled.all_metrics()] if compiled is not None else []
    names = [n for n in names if n in logs] + [n for n in logs if n not in names]
    values = [logs[n] for n in names]
    return values[0] if len(values) == 1 else values


def make_train_function(self, force=False):
    compiled = _compiled(self, "make_train_function")
    if force:
        compiled.steps.pop("train", None)
    return _step(self, "train")

