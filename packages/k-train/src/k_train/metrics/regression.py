"""Regression metrics: errors between real-valued targets and predictions.

Each class keeps the running, weighted mean of a per-sample function over every sample
seen. The function forms are the losses' own (`kappa.metrics.mean_squared_error is
kappa.losses.mean_squared_error`, as in Keras), re-exported here.
"""

from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import nn as knn
from k_ops import numpy as knp
from k_train.losses.loss import squeeze_or_expand_to_same_rank
from k_train.losses.regression import (
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from k_train.metrics.metric import Mean, MeanMetricWrapper

__all__ = [
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
    "RootMeanSquaredError", "CosineSimilarity", "LogCoshError",
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "log_cosh", "huber",
]

NS = "keras.metrics"


def _pair(y_true, y_pred):
    """Tensors of y_pred's dtype with ranks made to agree (a trailing axis of 1 squeezed or added)."""
    y_pred = kcore.convert_to_tensor(y_pred)
    y_true = kcore.convert_to_tensor(y_true, dtype=y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def cosine_similarity(y_true, y_pred, axis=-1):
    """The cosine of the angle between `y_true` and `y_pred` along `axis` (both L2-normalized).

    Positive, unlike the loss `kappa.losses.cosine_similarity` (its negative), so this one stays private.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return knp.sum(knn.normalize(y_true, axis=axis) * knn.normalize(y_pred, axis=axis), axis=axis)


@builtin(NS, "mean_squared_error", "mse", "MSE")
class MeanSquaredError(MeanMetricWrapper):
    """The mean squared error over every sample seen (see `mean_squared_error`)."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin(NS, "mean_absolute_error", "mae", "MAE")
class MeanAbsoluteError(MeanMetricWrapper):
    """The mean absolute error over every sample seen (see `mean_absolute_error`)."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(fn=mean_absolute_error, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin(NS, "mean_absolute_percentage_error", "mape", "MAPE")
class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The mean absolute percentage error over every sample seen."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(fn=mean_absolute_percentage_error, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin(NS, "mean_squared_logarithmic_error", "msle", "MSLE")
class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The mean squared logarithmic error over every sample seen."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(fn=mean_squared_logarithmic_error, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin(NS, "root_mean_squared_error")
class RootMeanSquaredError(Mean):
    """sqrt of the weighted mean of (y_true - y_pred)**2 over every value seen.

    The square root is taken of the running mean, not averaged batch by batch.

    Example:
    >>> m = RootMeanSquaredError()
    >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]])
    >>> float(m.result())  # sqrt(0.5)
    0.7071...
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = kcore.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = kcore.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(knp.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return knp.sqrt(super().result())


@builtin(NS, "cosine_similarity")
class CosineSimilarity(MeanMetricWrapper):
    """The mean cosine similarity between labels and predictions along `axis`.

    Its config holds no `axis`, as in Keras (so a non-default axis is not saved).
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(fn=cosine_similarity, name=name, dtype=dtype, axis=axis)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin(NS, "log_cosh_error")
class LogCoshError(MeanMetricWrapper):
    """The mean of log(cosh(y_pred - y_true)) over every sample seen (see `log_cosh`)."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(fn=log_cosh, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
