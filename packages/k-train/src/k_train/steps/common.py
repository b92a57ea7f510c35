"""The parts of a step every backend shares: the forward pass with its loss, and metric updates."""

from k_backends.variables import StatelessScope
from k_ops import core as kcore
from k_ops.symbolic import flatten


def batch_size(x):
    return kcore.shape(flatten(x)[0])[0]


def forward_loss(model, x, y, sample_weight, training):
    """`(loss, y_pred)`: the compiled loss plus the losses layers added during this call."""
    y_pred = model(x, training=training)
    loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)
    return kcore.cast(loss, "float32"), y_pred


def update_metrics(compiled, loss, y, y_pred, sample_weight, x):
    compiled.loss_tracker.update_state(loss, sample_weight=kcore.cast(batch_size(x), "float32"))
    if y is not None:
        compiled.metrics.update(y, y_pred, sample_weight)


def results(compiled):
    return {metric.name: metric.result() for metric in compiled.all_metrics()}


def build_metrics(model, compiled, batch):
    """Create the metrics (and any variables they make on their first update) before compiling a step."""
    if compiled.metrics.metrics is not None:
        return
    x, y, w = unpack(batch)
    y_pred = model(x, training=False)
    compiled.metrics.build(y_pred)
    if y is not None:
        compiled.metrics.update(y, y_pred, w)
    compiled.reset_metrics()


def unpack(batch):
    if isinstance(batch, tuple):
        batch = batch + (None,) * (3 - len(batch))
        return batch[0], batch[1], batch[2]
    return batch, None, None


def scaled(optimizer, loss):
    """The loss to differentiate: scaled by the optimizer's loss scale (which `apply` divides out)."""
    scale_loss = getattr(optimizer, "scale_loss", None)
    return scale_loss(loss) if scale_loss is not None else loss


def stateless_forward(model, trainable, non_trainable, tv, ntv, x, y, w, training):
    """`forward_loss` as a pure function of the variable values (for jax)."""
    mapping = list(zip(trainable, tv, strict=True)) + list(zip(non_trainable, ntv, strict=True))
    with StatelessScope(mapping, collect_losses=True) as scope:
        loss, y_pred = forward_loss(model, x, y, w, training)
        for extra in scope.losses:
            loss = loss + kcore.cast(extra, "float32")
    new_ntv = []
    for variable, old in zip(non_trainable, ntv, strict=True):
        value = scope.get_current_value(variable)
        new_ntv.append(old if value is None else value)
    return loss, (y_pred, new_ntv)


def stateless_metrics(compiled, mv, loss, x, y, y_pred, w):
    variables = compiled.metric_variables()
    with StatelessScope(list(zip(variables, mv, strict=True))) as scope:
        update_metrics(compiled, loss, y, y_pred, w, x)
    new = []
    for variable, old in zip(variables, mv, strict=True):
        value = scope.get_current_value(variable)
        new.append(old if value is None else value)
    return new


def stateless_results(compiled, mv):
    with StatelessScope(list(zip(compiled.metric_variables(), mv, strict=True))):
        return results(compiled)


def custom_step(model, kind):
    """The model's own `train_step` / `test_step` when its class defines one, else None."""
    return getattr(type(model), f"{kind}_step", None)
