"""Regression losses: squared, absolute, percentage and log errors, Huber, log-cosh, cosine similarity.

Each loss is a function `fn(y_true, y_pred) -> per-sample losses` (reduced over the last
axis) and a `LossFunctionWrapper` class around it that adds the reduction and sample weights.
"""

from k_backends import config, dtypes
from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import nn as knn
from k_ops import numpy as knp
from k_ops.symbolic import KerasTensor
from k_train.losses.loss import Loss, LossFunctionWrapper, squeeze_or_expand_to_same_rank

__all__ = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "Huber", "LogCosh", "CosineSimilarity",
           "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "huber", "log_cosh", "cosine_similarity"]

NS = "keras.losses"


# -- helpers shared by the loss families ------------------------------------------------
def as_tensor(x, dtype=None):
    """`x` as a tensor (a KerasTensor stays symbolic), cast to `dtype` when given."""
    if isinstance(x, KerasTensor):
        return x if dtype is None or x.dtype == dtype else kcore.cast(x, dtype)
    x = kcore.convert_to_tensor(x)
    if dtype is not None and dtypes.standardize_dtype(x.dtype) != dtype:
        x = kcore.cast(x, dtype)
    return x


def float_pair(y_true, y_pred, same_rank=True):
    """`y_pred` as a float tensor and `y_true` in its dtype, their ranks matched when asked."""
    y_pred = as_tensor(y_pred)
    dtype = dtypes.standardize_dtype(y_pred.dtype)
    if not dtypes.is_float_dtype(dtype):
        dtype = config.floatx()
        y_pred = kcore.cast(y_pred, dtype)
    y_true = as_tensor(y_true, dtype)
    if same_rank:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return y_true, y_pred


class _Wrapper(LossFunctionWrapper):
    """A `LossFunctionWrapper` whose config is Keras's: the base keys plus `_config_keys`."""

    _config_keys = ()

    def get_config(self):
        config = Loss.get_config(self)
        config.update({key: self._fn_kwargs[key] for key in self._config_keys})
        return config


# -- functions ----------------------------------------------------------------------------
@builtin(NS, "mse", "MSE")
def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred)**2) over the last axis."""
    y_true, y_pred = float_pair(y_true, y_pred)
    return knp.mean(knp.square(y_true - y_pred), axis=-1)


@builtin(NS, "mae", "MAE")
def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|) over the last axis."""
    y_true, y_pred = float_pair(y_true, y_pred)
    return knp.mean(knp.abs(y_true - y_pred), axis=-1)


@builtin(NS, "mape", "MAPE")
def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, epsilon)) over the last axis."""
    y_true, y_pred = float_pair(y_true, y_pred)
    scale = knp.maximum(knp.abs(y_true), config.epsilon())
    return 100.0 * knp.mean(knp.abs((y_true - y_pred) / scale), axis=-1)


@builtin(NS, "msle", "MSLE")
def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(1 + y_pred) - log(1 + y_true))**2), both floored at epsilon, over the last axis."""
    y_true, y_pred = float_pair(y_true, y_pred)
    eps = config.epsilon()
    log_pred = knp.log(knp.maximum(y_pred, eps) + 1.0)
    log_true = knp.log(knp.maximum(y_true, eps) + 1.0)
    return knp.mean(knp.square(log_pred - log_true), axis=-1)


@builtin(NS)
def huber(y_true, y_pred, delta=1.0):
    """Quadratic 0.5 e**2 for |e| <= delta, linear delta (|e| - delta / 2) beyond; mean over the last axis."""
    y_true, y_pred = float_pair(y_true, y_pred)
    delta = kcore.cast(delta, y_pred.dtype)
    error = y_pred - y_true
    magnitude = knp.abs(error)
    quadratic = 0.5 * knp.square(error)
    linear = delta * magnitude - 0.5 * knp.square(delta)
    return knp.mean(knp.where(magnitude <= delta, quadratic, linear), axis=-1)


@builtin(NS)
def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))) over the last axis, computed without overflow."""
    y_true, y_pred = float_pair(y_true, y_pred)
    error = y_pred - y_true
    # log(cosh(x)) = x + softplus(-2x) - log(2), finite for any x.
    return knp.mean(error + knn.softplus(-2.0 * error) - 0.6931471805599453, axis=-1)


@builtin(NS)
def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred)) along `axis`: -1 when they point alike."""
    y_true, y_pred = float_pair(y_true, y_pred)
    y_true = knn.normalize(y_true, axis=axis, order=2)
    y_pred = knn.normalize(y_pred, axis=axis, order=2)
    return -knp.sum(y_true * y_pred, axis=axis)


# -- classes ------------------------------------------------------------------------------
@builtin(NS)
class MeanSquaredError(_Wrapper):
    """Mean of the squared errors over the last axis, then reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


@builtin(NS)
class MeanAbsoluteError(_Wrapper):
    """Mean of the absolute errors over the last axis, then reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


@builtin(NS)
class MeanAbsolutePercentageError(_Wrapper):
    """100 times the mean relative absolute error over the last axis, then reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction, dtype=dtype)


@builtin(NS)
class MeanSquaredLogarithmicError(_Wrapper):
    """Mean squared difference of log(1 + x) over the last axis, then reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction, dtype=dtype)


@builtin(NS)
class Huber(_Wrapper):
    """The Huber loss with threshold `delta` (its config, as Keras's, leaves `delta` out)."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)


@builtin(NS)
class LogCosh(_Wrapper):
    """Mean of log(cosh(error)) over the last axis, then reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)


@builtin(NS)
class CosineSimilarity(_Wrapper):
    """Negative cosine similarity along `axis` (its config, as Keras's, leaves `axis` out)."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)
