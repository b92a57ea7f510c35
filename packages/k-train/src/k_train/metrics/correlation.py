"""Agreement between targets and predictions: Pearson and concordance correlation, and R^2.

The correlation metrics follow Keras: each sample's coefficient is computed along `axis`
and the metric is the (weighted) mean of those per-sample coefficients over every batch.
`R2Score` instead accumulates per-output sums (of weights, targets, squared targets and
squared residuals), so its result is the R^2 of all the samples seen, not a mean of batches.
"""

from k_backends import config
from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import numpy as knp
from k_train.losses.loss import squeeze_or_expand_to_same_rank
from k_train.metrics.metric import MeanMetricWrapper, Metric

__all__ = ["pearson_correlation", "concordance_correlation", "PearsonCorrelation",
           "ConcordanceCorrelation", "R2Score"]


def _same_rank_pair(y_true, y_pred):
    y_pred = kcore.convert_to_tensor(y_pred)
    y_true = kcore.cast(kcore.convert_to_tensor(y_true), y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


@builtin("keras.metrics")
def pearson_correlation(y_true, y_pred, axis=-1):
    """The Pearson correlation coefficient of `y_true` and `y_pred` along `axis`.

    A constant row has no defined correlation and gives NaN (as in Keras).

    Args:
        y_true: the targets.
        y_pred: the predictions.
        axis: the axis (or axes) along which to correlate.

    Returns:
        The coefficients, with `axis` reduced away.

    Example:
    >>> pearson_correlation([[0.0, 1.0, 2.0]], [[1.0, 3.0, 5.0]])  # [1.0]
    """
    y_true, y_pred = _same_rank_pair(y_true, y_pred)
    y_true = y_true - knp.mean(y_true, axis=axis, keepdims=True)
    y_pred = y_pred - knp.mean(y_pred, axis=axis, keepdims=True)
    y_true = y_true / knp.std(y_true, axis=axis, keepdims=True)
    y_pred = y_pred / knp.std(y_pred, axis=axis, keepdims=True)
    return knp.mean(y_true * y_pred, axis=axis)


@builtin("keras.metrics")
def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation `2 cov / (var_t + var_p + (mean_t - mean_p)^2)` along `axis`.

    Args:
        y_true: the targets.
        y_pred: the predictions.
        axis: the axis (or axes) along which to compare.

    Returns:
        The coefficients, with `axis` reduced away.

    Example:
    >>> concordance_correlation([[0.0, 1.0, 2.0]], [[0.0, 1.0, 2.0]])  # [1.0]
    """
    y_true, y_pred = _same_rank_pair(y_true, y_pred)
    true_mean = knp.mean(y_true, axis=axis, keepdims=True)
    pred_mean = knp.mean(y_pred, axis=axis, keepdims=True)
    true_var = knp.var(y_true, axis=axis, keepdims=True)
    pred_var = knp.var(y_pred, axis=axis, keepdims=True)
    norm = true_var + pred_var + knp.square(true_mean - pred_mean)
    covariance = (y_true - true_mean) * (y_pred - pred_mean)
    return knp.mean(2 * covariance / (norm + config.epsilon()), axis=axis)


@builtin("keras.metrics")
class PearsonCorrelation(MeanMetricWrapper):
    """The (weighted) mean over samples of `pearson_correlation` along `axis`.

    Args:
        name: the metric's name.
        dtype: the dtype of the state and result.
        axis: the axis (or axes) along which each sample is correlated.

    Example:
    >>> m = PearsonCorrelation()
    >>> m.update_state([[0.0, 1.0, 2.0]], [[1.0, 3.0, 5.0]])
    >>> float(m.result())
    1.0
    """

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


@builtin("keras.metrics")
class ConcordanceCorrelation(MeanMetricWrapper):
    """The (weighted) mean over samples of `concordance_correlation` along `axis`.

    Args:
        name: the metric's name.
        dtype: the dtype of the state and result.
        axis: the axis (or axes) along which each sample is compared.

    Example:
    >>> m = ConcordanceCorrelation()
    >>> m.update_state([[0.0, 1.0, 2.0]], [[0.0, 1.0, 2.0]])
    >>> float(m.result())
    1.0
    """

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


_CLASS_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


@builtin("keras.metrics")
class R2Score(Metric):
    """The coefficient of determination `1 - SS_res / SS_tot` of every sample seen, per output.

    Inputs have shape (batch_size, output_dim). An output whose targets are constant
    (SS_tot = 0) scores 0.

    Args:
        class_aggregation: None (one score per output), "uniform_average" (their mean) or
            "variance_weighted_average" (weighted by each output's SS_tot).
        num_regressors: the number of independent variables, for the adjusted R^2
            `1 - (1 - R^2) (n - 1) / (n - p - 1)`, where n (as in Keras) is the number of target
            values seen; 0 gives the plain R^2, and so does `p >= n - 1` (where it is undefined;
            Keras also warns there).
        name: the metric's name.
        dtype: the dtype of the state and result.

    Example:
    >>> m = R2Score()
    >>> m.update_state([[1.0], [2.0], [3.0]], [[1.0], [2.0], [4.0]])
    >>> float(m.result())  # 1 - 1 / 2
    0.5
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in _CLASS_AGGREGATIONS:
            raise ValueError(f"R2Score: class_aggregation must be one of {_CLASS_AGGREGATIONS}; got "
                             f"class_aggregation={class_aggregation!r}.")
        if num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be >= 0; got num_regressors={num_regressors}.")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2 or y_pred_shape[-1] is None:
            raise ValueError(f"R2Score expects 2D inputs of shape (batch_size, output_dim) with output_dim "
                             f"known; got y_true.shape={tuple(y_true_shape)} and "
                             f"y_pred.shape={tuple(y_pred_shape)}.")
        shape = (y_pred_shape[-1],)
        self.squared_sum = self.add_variable(shape, "zeros", name="squared_sum")
        self.sum = self.add_variable(shape, "zeros", name="sum")
        self.total_mse = self.add_variable(shape, "zeros", name="residual")
        self.count = self.add_variable(shape, "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch. The first call creates the per-output state."""
        y_true = kcore.cast(kcore.convert_to_tensor(y_true), self.dtype)
        y_pred = kcore.cast(kcore.convert_to_tensor(y_pred), self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if sample_weight is None:
            sample_weight = knp.ones((), dtype=self.dtype)
        sample_weight = kcore.cast(kcore.convert_to_tensor(sample_weight), self.dtype)
        if sample_weight.ndim == 1:
            sample_weight = knp.expand_dims(sample_weight, 1)
        sample_weight = knp.broadcast_to(sample_weight, kcore.shape(y_true))
        weighted_true = y_true * sample_weight
        self.sum.assign(self.sum.value + knp.sum(weighted_true, axis=0))
        self.squared_sum.assign(self.squared_sum.value + knp.sum(y_true * weighted_true, axis=0))
        residuals = knp.sum(knp.square(y_true - y_pred) * sample_weight, axis=0)
        self.total_mse.assign(self.total_mse.value + residuals)
        self.count.assign(self.count.value + knp.sum(sample_weight, axis=0))
        self.num_samples.assign(self.num_samples.value + kcore.cast(knp.size(y_true), self.dtype))

    def result(self):
        if not self._built:
            raise ValueError("R2Score has no state yet: call update_state() first.")
        mean = self.sum.value / self.count.value
        total = self.squared_sum.value - self.sum.value * mean
        scores = 1 - self.total_mse.value / total
        scores = knp.where(knp.isinf(scores), knp.zeros_like(scores), scores)
        if self.class_aggregation == "uniform_average":
            score = knp.mean(scores)
        elif self.class_aggregation == "variance_weighted_average":
            score = knp.sum(total * scores) / knp.sum(total)
        else:
            score = scores
        if self.num_regressors == 0:
            return score
        n = self.num_samples.value
        p = float(self.num_regressors)
        # Computed for every n (shapes stay static under jit), kept only where it is defined.
        denominator = n - p - 1
        adjusted = 1 - (1 - score) * (n - 1) / knp.where(denominator > 0, denominator, 1.0)
        return knp.where(denominator > 0, adjusted, score)

    def reset_state(self):
        for variable in self.variables:
            variable.assign(knp.zeros(variable.shape, dtype=variable.dtype))

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}

