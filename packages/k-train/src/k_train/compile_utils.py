"""What `compile` turns its arguments into: one loss per output, metrics per output, a loss tracker.

Outputs are matched by position (a list of outputs) or by name (a dict of outputs, or the
output layers' names); a single loss or metric list applies to every output.
"""

from k_train import losses as losses_module
from k_train import metrics as metrics_module
from k_train.metrics.metric import MeanMetricWrapper, Metric

__all__ = ["flat_outputs", "LossContainer", "MetricsContainer"]


def flat_outputs(structure):
    """`(names, values)` of a model's outputs: dict keys, or None names for a tensor / list."""
    if isinstance(structure, dict):
        return list(structure), list(structure.values())
    if isinstance(structure, (list, tuple)):
        return [None] * len(structure), list(structure)
    return [None], [structure]


def _per_output(spec, names, what):
    """`spec` spread over the outputs: a single value for all, a list by position, a dict by name."""
    count = len(names)
    if isinstance(spec, dict):
        if not all(names):
            raise ValueError(f"compile: {what} is a dict ({sorted(spec)}) but the model's outputs have no "
                             "names.")
        unknown = sorted(set(spec) - set(names))
        if unknown:
            raise ValueError(f"compile: {what} names unknown outputs {unknown}; the outputs are {names}.")
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)) and what == "loss" and count > 1:
        if len(spec) != count:
            raise ValueError(f"compile: the model has {count} outputs but {len(spec)} losses were given.")
        return list(spec)
    return [spec] * count


def _resolve_loss(identifier):
    if identifier is None:
        return None
    loss = losses_module.get(identifier)
    if loss is None or not callable(loss):
        raise ValueError(f"compile: could not interpret loss {identifier!r}.")
    return loss


def _loss_name(loss):
    name = getattr(loss, "name", None) or getattr(loss, "__name__", "")
    return name


class LossContainer:
    """The compiled loss: `total(y_true, y_pred, sample_weight)` over every output with its weight."""

    def __init__(self, loss, loss_weights, output_names):
        self.output_names = output_names
        self.losses = [_resolve_loss(spec) for spec in _per_output(loss, output_names, "loss")]
        if all(loss is None for loss in self.losses):
            raise ValueError("compile: a loss is needed to train; got loss=None.")
        if loss_weights is None:
            self.weights = [1.0] * len(output_names)
        else:
            self.weights = [1.0 if w is None else float(w) for w in _per_output(loss_weights, output_names,
                                                                                  "loss_weights")]
        self.identifier = loss

    def per_output(self, y_true, y_pred, sample_weight=None):
        """`[(name, weighted loss)]` for the outputs that have a loss."""
        _, trues = flat_outputs(y_true) if isinstance(y_true, (dict, list, tuple)) and len(self.losses) > 1 \
            else ([None], [y_true])
        names, preds = flat_outputs(y_pred)
        if isinstance(y_true, dict) and isinstance(y_pred, dict):
            trues = [y_true.get(name) for name in names]
        weights = _spread(sample_weight, names)
        results = []
        for name, loss, weight, t, p, w in zip(names, self.losses, self.weights, trues, preds, weights,
                                               strict=True):
            if loss is None or t is None:
                continue
            value = loss(t, p, sample_weight=w) if isinstance(loss, losses_module.Loss) else \
                _function_loss(loss, t, p, w)
            results.append((name, value * weight if weight != 1.0 else value))
        return results


def _function_loss(fn, y_true, y_pred, sample_weight):
    """A plain loss function wrapped the way Keras wraps it (mean over the batch, weights, mask)."""
    return losses_module.LossFunctionWrapper(fn)(y_true, y_pred, sample_weight=sample_weight)


def _spread(sample_weight, names):
    if sample_weight is None:
        return [None] * len(names)
    if isinstance(sample_weight, dict):
        return [sample_weight.get(name) for name in names]
    if isinstance(sample_weight, (list, tuple)) and len(names) > 1:
        return list(sample_weight)
    return [sample_weight] * len(names)


def _accuracy_for(loss, y_pred_shape):
    """The accuracy variant Keras picks for "accuracy" given the output's loss and shape."""
    name = _loss_name(loss) if loss is not None else ""
    if "sparse_categorical" in name or "SparseCategorical" in type(loss).__name__:
        return metrics_module.SparseCategoricalAccuracy(name="accuracy")
    if "binary" in name or (y_pred_shape and y_pred_shape[-1] == 1):
        return metrics_module.BinaryAccuracy(name="accuracy")
    return metrics_module.CategoricalAccuracy(name="accuracy")


def _resolve_metric(identifier, loss, y_pred_shape):
    """A metric object; a metric named by a string logs under that string, as in Keras."""
    if isinstance(identifier, Metric):
        return identifier
    if identifier in ("accuracy", "acc"):
        metric = _accuracy_for(loss, y_pred_shape)
    else:
        metric = metrics_module.get(identifier)
    if callable(metric) and not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric, name=getattr(metric, "__name__", "metric"))
    if not isinstance(metric, Metric):
        raise ValueError(f"compile: could not interpret metric {identifier!r}.")
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


class MetricsContainer:
    """The compiled metrics, built on the first batch (when the output shapes are known)."""

    def __init__(self, metrics, weighted_metrics, output_names, loss_container):
        self.specs = (_per_output(metrics, output_names, "metrics") if metrics is not None else
                      [None] * len(output_names))
        self.weighted_specs = (_per_output(weighted_metrics, output_names, "weighted_metrics")
                               if weighted_metrics is not None else [None] * len(output_names))
        self.output_names = output_names
        self.loss_container = loss_container
        self.metrics = None  # [(output index, metric, weighted)]

    def build(self, y_pred):
        if self.metrics is not None:
            return
        _, preds = flat_outputs(y_pred)
        built = []
        many = len(preds) > 1
        for index, (spec, weighted_spec) in enumerate(zip(self.specs, self.weighted_specs, strict=True)):
            loss = self.loss_container.losses[index] if self.loss_container else None
            shape = tuple(preds[index].shape)
            for group, weighted in ((spec, False), (weighted_spec, True)):
                for identifier in _as_list(group):
                    metric = _resolve_metric(identifier, loss, shape)
                    if many and self.output_names[index]:
                        metric.name = f"{self.output_names[index]}_{metric.name}"
                    built.append((index, metric, weighted))
        self.metrics = built

    @property
    def all(self):
        return [metric for _, metric, _ in self.metrics or []]

    def update(self, y_true, y_pred, sample_weight=None):
        self.build(y_pred)
        names, preds = flat_outputs(y_pred)
        if isinstance(y_true, dict) and isinstance(y_pred, dict):
            trues = [y_true.get(name) for name in names]
        elif len(preds) > 1:
            _, trues = flat_outputs(y_true)
        else:
            trues = [y_true]
        weights = _spread(sample_weight, names)
        for index, metric, weighted in self.metrics:
            if trues[index] is None:
                continue
            weight = weights[index] if weighted else None
            metric.update_state(trues[index], preds[index], sample_weight=weight)


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]

