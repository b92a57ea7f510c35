"""Metrics read off a thresholded confusion matrix: counts, precision/recall, AUC, and X-at-Y.

Every metric here keeps weighted counts of true/false positives/negatives at a fixed list
of thresholds (a prediction counts as positive when it is strictly above a threshold; a
label counts as positive when it is non-zero). `confusion_counts` computes one batch's
counts with `k_ops` only, so `update_state` traces under `jax.jit` (through
`stateless_update_state`) and `tf.function` alike.
"""

import numpy as np

from k_backends import config
from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import math as kmath
from k_ops import numpy as knp
from k_ops.nn import one_hot, sigmoid
from k_train.metrics.metric import Metric

__all__ = ["TruePositives", "TrueNegatives", "FalsePositives", "FalseNegatives", "Precision", "Recall",
           "AUC", "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity",
           "SpecificityAtSensitivity"]

# What top_k filtering puts in place of the predictions outside the top k (and the default
# threshold then, so that exactly the top k count as positive), as Keras does.
_NEG_INF = -1e10
_COUNT_NAMES = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None, *, top_k=None, class_id=None,
                     label_weights=None, multi_label=False, dtype="float32"):
    """One batch's weighted confusion counts at each threshold.

    Args:
        y_true: labels; any non-zero value is a positive.
        y_pred: predictions, the shape of `y_true` (a trailing axis of 1 may differ).
        thresholds: a sequence of T floats; a prediction `> threshold` is a positive.
        sample_weight: weights broadcastable to `y_pred` (trailing axes are added as needed).
        top_k: keep only the k largest predictions along the last axis (the rest become -1e10).
        class_id: count only this index of the last axis (after top_k filtering).
        label_weights: per-class weights along the last axis, multiplied into the counts
            (ignored when `multi_label`: those weight the per-label results instead).
        multi_label: count each label (last axis) separately.
        dtype: dtype of the counts.

    Returns:
        A dict from "true_positives", "false_positives", "true_negatives", "false_negatives"
        to counts of shape (T,) (or (T, num_labels) when `multi_label`).
    """
    from k_train.losses.loss import squeeze_or_expand_to_same_rank

    y_pred = kcore.cast(kcore.convert_to_tensor(y_pred), dtype)
    y_true = kcore.cast(kcore.convert_to_tensor(y_true), dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if top_k is not None:
        y_pred = _keep_top_k(y_pred, top_k)
    if class_id is not None:
        y_true = knp.take(y_true, class_id, axis=-1)
        y_pred = knp.take(y_pred, class_id, axis=-1)
    weights = knp.ones_like(y_pred)
    if sample_weight is not None:
        sample_weight = kcore.cast(kcore.convert_to_tensor(sample_weight), dtype)
        if sample_weight.ndim == y_pred.ndim + 1 and sample_weight.shape[-1] == 1:
            sample_weight = knp.squeeze(sample_weight, -1)
        while sample_weight.ndim < y_pred.ndim:  # per-sample weights cover every class of that sample
            sample_weight = knp.expand_dims(sample_weight, -1)
        weights = weights * sample_weight
    if label_weights is not None and not multi_label:
        weights = weights * _constant(label_weights, dtype)

    num_labels = y_pred.shape[-1] if multi_label else 1
    y_pred = knp.reshape(y_pred, (-1, num_labels))
    is_true = kcore.cast(knp.not_equal(knp.reshape(y_true, (-1, num_labels)), 0), dtype)
    weights = knp.reshape(weights, (-1, num_labels))
    thresholds = _constant(np.reshape(thresholds, (-1, 1, 1)), dtype)

    predicted_positive = kcore.cast(knp.greater(y_pred[None], thresholds), dtype)  # (T, M, L)
    weighted_true = is_true * weights
    weighted_false = (1 - is_true) * weights
    counts = {
        "true_positives": knp.sum(predicted_positive * weighted_true, axis=1),
        "false_positives": knp.sum(predicted_positive * weighted_false, axis=1),
        "true_negatives": knp.sum((1 - predicted_positive) * weighted_false, axis=1),
        "false_negatives": knp.sum((1 - predicted_positive) * weighted_true, axis=1),
    }
    if not multi_label:
        counts = {name: knp.squeeze(count, -1) for name, count in counts.items()}
    return counts


def _keep_top_k(y_pred, k):
    """Predictions with everything but the k largest of the last axis set to -1e10."""
    _, indices = kmath.top_k(y_pred, k, sorted=False)
    kept = knp.sum(one_hot(indices, y_pred.shape[-1], dtype=y_pred.dtype), axis=-2)
    return y_pred * kept + _NEG_INF * (1 - kept)


def _constant(values, dtype):
    """Python floats as a tensor of `dtype` (built from float32 unless float64 is asked for)."""
    array = np.asarray(values, dtype="float64" if dtype == "float64" else "float32")
    return kcore.cast(kcore.convert_to_tensor(array), dtype)


def _checked_thresholds(thresholds, default):
    """(thresholds as a list of floats, whether a single value was asked for)."""
    if thresholds is None:
        return [default], True
    values = [float(t) for t in np.ravel(thresholds)]
    if not values or not all(0 <= t <= 1 for t in values):
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {values}")
    return values, len(values) == 1


def _evenly_spaced_thresholds(num_thresholds):
    """num_thresholds thresholds from just below 0 to just above 1 (so 0 and 1 predictions land inside)."""
    epsilon = config.epsilon()
    inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0 - epsilon, *inner, 1.0 + epsilon]


def _ratio(numerator, denominator):
    return knp.divide_no_nan(numerator, numerator + denominator)


class _ConfusionMetric(Metric):
    """Shared state handling: one variable per count the metric needs, updated together."""

    _counts = _COUNT_NAMES

    def _build_counts(self, shape):
        for name in self._counts:
            setattr(self, name, self.add_variable(shape, "zeros", name=name))

    def _update_counts(self, y_true, y_pred, sample_weight=None, **kwargs):
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight, dtype=self.dtype, **kwargs)
        for name in self._counts:
            getattr(self, name).assign_add(counts[name])


class _ConfusionCount(_ConfusionMetric):
    """The weighted count of one confusion-matrix cell at each threshold."""

    _counts = ()
    _cell = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds, self._is_single = _checked_thresholds(thresholds, 0.5)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch's (weighted) count."""
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight, dtype=self.dtype)
        self.accumulator.assign_add(counts[self._cell])

    def result(self):
        value = self.accumulator.value
        return value[0] if self._is_single else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


@builtin("keras.metrics", "true_positives")
class TruePositives(_ConfusionCount):
    """The weighted number of true positives (label non-zero, prediction above the threshold).

    Args:
        thresholds: a float or a list of floats in [0, 1] (0.5 by default); a list gives one
            count per threshold.
        name: the metric's name.
        dtype: the dtype of the state and result.

    Example:
    >>> m = TruePositives()
    >>> m.update_state([0, 1, 1, 1], [0.9, 0.8, 0.1, 0.6], sample_weight=[1, 0, 1, 2])
    >>> float(m.result())
    2.0
    """

    _cell = "true_positives"


@builtin("keras.metrics", "true_negatives")
class TrueNegatives(_ConfusionCount):
    """The weighted number of true negatives (label zero, prediction at or below the threshold).

    Args: as `TruePositives`.

    Example:
    >>> m = TrueNegatives()
    >>> m.update_state([0, 1, 0, 0], [0.9, 0.8, 0.1, 0.2])
    >>> float(m.result())
    2.0
    """

    _cell = "true_negatives"


@builtin("keras.metrics", "false_positives")
class FalsePositives(_ConfusionCount):
    """The weighted number of false positives (label zero, prediction above the threshold).

    Args: as `TruePositives`.

    Example:
    >>> m = FalsePositives()
    >>> m.update_state([0, 1, 0, 0], [0.9, 0.8, 0.1, 0.7])
    >>> float(m.result())
    2.0
    """

    _cell = "false_positives"


@builtin("keras.metrics", "false_negatives")
class FalseNegatives(_ConfusionCount):
    """The weighted number of false negatives (label non-zero, prediction at or below the threshold).

    Args: as `TruePositives`.

    Example:
    >>> m = FalseNegatives()
    >>> m.update_state([0, 1, 1, 0], [0.9, 0.2, 0.1, 0.7])
    >>> float(m.result())
    2.0
    """

    _cell = "false_negatives"


class _PrecisionRecall(_ConfusionMetric):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        # With top_k and no threshold, exactly the top k predictions count as positives.
        self.thresholds, self._is_single = _checked_thresholds(
            thresholds, 0.5 if top_k is None else _NEG_INF)
        self._build_counts((len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch's (weighted) counts."""
        self._update_counts(y_true, y_pred, sample_weight, top_k=self.top_k, class_id=self.class_id)

    def result(self):
        value = _ratio(self.true_positives.value, getattr(self, self._counts[1]).value)
        return value[0] if self._is_single else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


@builtin("keras.metrics", "precision")
class Precision(_PrecisionRecall):
    """The fraction of predicted positives that are positive: tp / (tp + fp), 0 when none.

    Args:
        thresholds: a float or list of floats in [0, 1]; a prediction above it is a positive
            (0.5 by default; with `top_k`, the top k predictions are the positives).
        top_k: count only the k largest predictions of each sample as candidates.
        class_id: compute the metric for this class (index of the last axis) only.
        name: the metric's name.
        dtype: the dtype of the state and result.

    Example:
    >>> m = Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _counts = ("true_positives", "false_positives")


@builtin("keras.metrics", "recall")
class Recall(_PrecisionRecall):
    """The fraction of positives that are predicted positive: tp / (tp + fn), 0 when none.

    Args: as `Precision`.

    Example:
    >>> m = Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _counts = ("true_positives", "false_negatives")


@builtin("keras.metrics", "auc")
class AUC(_ConfusionMetric):
    """Area under the ROC or precision-recall curve, from counts at fixed thresholds.

    Args:
        num_thresholds: the number of evenly spaced thresholds (> 1), the first just below 0
            and the last just above 1.
        curve: "ROC" (true- vs false-positive rate) or "PR" (precision vs recall).
        summation_method: "interpolation" (trapezoids for ROC; for PR, the interpolation of
            Davis & Goadrich 2006, linear in true positives between thresholds), "minoring"
            (left Riemann sum from below) or "majoring" (from above).
        name: the metric's name.
        dtype: the dtype of the state and result.
        thresholds: explicit thresholds in [0, 1]; they replace `num_thresholds` (the ones just
            below 0 and above 1 are added).
        multi_label: compute one curve per label (last axis of 2-D inputs) and average their
            areas, instead of one curve over all values.
        num_labels: the number of labels when `multi_label` (otherwise found at the first update).
        label_weights: per-label weights: of the average when `multi_label`, of the counts otherwise.
        from_logits: predictions are logits (a sigmoid is applied first).

    Example:
    >>> m = AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        super().__init__(name=name, dtype=dtype)
        curve_name = str(curve).upper()
        if curve_name not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC"] '
                             '(kappa does not implement "PRGAIN").')
        method = summation_method
        if method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". Expected values are '
                             '["interpolation", "majoring", "minoring"]')
        if thresholds is not None:
            inner, _ = _checked_thresholds(thresholds, 0.5)
            self._init_thresholds = inner
            num_thresholds = len(inner) + 2
            epsilon = config.epsilon()
            self.thresholds = [0.0 - epsilon, *sorted(inner), 1.0 + epsilon]
        else:
            if not isinstance(num_thresholds, int) or num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self._init_thresholds = None
            self.thresholds = _evenly_spaced_thresholds(num_thresholds)
        if num_labels is not None and not multi_label:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        if label_weights is not None:
            label_weights = [float(w) for w in np.ravel(label_weights)]
            if min(label_weights) < 0:
                raise ValueError(f"All values of `label_weights` must be non-negative. "
                                 f"Received: {label_weights}")
        self.num_thresholds = num_thresholds
        self.curve = curve_name
        self.summation_method = method
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = label_weights
        self.from_logits = from_logits
        self._built = False
        if not multi_label:
            self._build_counts((num_thresholds,))
            self._built = True
        elif num_labels is not None:
            self._build_counts((num_thresholds, num_labels))
            self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch's (weighted) counts at every threshold."""
        y_pred = kcore.convert_to_tensor(y_pred)
        if not self._built:  # multi_label without num_labels: the labels are the last axis
            self.num_labels = int(y_pred.shape[-1])
            self._build_counts((self.num_thresholds, self.num_labels))
            self._built = True
        if self.from_logits:
            y_pred = sigmoid(y_pred)
        self._update_counts(y_true, y_pred, sample_weight, label_weights=self.label_weights,
                            multi_label=self.multi_label)

    def result(self):
        if not self._built:
            return kcore.convert_to_tensor(0.0, self.dtype)
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        if self.curve == "PR" and self.summation_method == "interpolation":
            areas = _interpolated_pr_area(tp, fp, fn)
        else:
            if self.curve == "ROC":
                x, y = _ratio(fp, tn), _ratio(tp, fn)
            else:
                x, y = _ratio(tp, fn), _ratio(tp, fp)
            if self.summation_method == "interpolation":
                heights = (y[:-1] + y[1:]) / 2
            elif self.summation_method == "minoring":
                heights = knp.minimum(y[:-1], y[1:])
            else:
                heights = knp.maximum(y[:-1], y[1:])
            # Thresholds rise, so x falls: x[i] - x[i + 1] is each slice's (non-negative) width.
            areas = knp.sum((x[:-1] - x[1:]) * heights, axis=0)
        if not self.multi_label:
            return areas
        if self.label_weights is None:
            return knp.mean(areas)
        weights = _constant(self.label_weights, self.dtype)
        return knp.divide_no_nan(knp.sum(areas * weights), knp.sum(weights))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "label_weights": self.label_weights,
                  "from_logits": self.from_logits}
        if self._init_thresholds is not None:
            config["thresholds"] = list(self._init_thresholds)
        return config


def _interpolated_pr_area(tp, fp, fn):
    """Area under the PR curve with precision interpolated between thresholds (Davis & Goadrich).

    Between two thresholds the true positives vary linearly with the predicted positives
    p = tp + fp (tp = slope * p + intercept), so precision is tp / p along that segment and
    its integral over recall = tp / (tp + fn) has a closed form with a log(p_i / p_{i+1}) term.
    """
    predicted = tp + fp
    d_tp = tp[:-1] - tp[1:]
    d_predicted = predicted[:-1] - predicted[1:]
    slope = knp.divide_no_nan(d_tp, knp.maximum(d_predicted, 0))
    intercept = tp[1:] - slope * predicted[1:]
    both_positive = knp.logical_and(predicted[:-1] > 0, predicted[1:] > 0)
    ratio = knp.where(both_positive, knp.divide_no_nan(predicted[:-1], knp.maximum(predicted[1:], 0)),
                      knp.ones_like(predicted[1:]))
    increments = knp.divide_no_nan(slope * (d_tp + intercept * knp.log(ratio)),
                                   knp.maximum(tp[1:] + fn[1:], 0))
    return knp.sum(increments, axis=0)


class _AtConstraint(_ConfusionMetric):
    """Best value of one rate among the thresholds where another rate meets a minimum."""

    _constraint = None  # (the constraint's argument name, rate names: constrained, maximized)

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        argument = self._constraint[0]
        if not 0 <= value <= 1:
            raise ValueError(f"Argument `{argument}` must be in the range [0, 1]. "
                             f"Received: {argument}={value}")
        if not isinstance(num_thresholds, int) or num_thresholds <= 0:
            raise ValueError(f"Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        super().__init__(name=name, dtype=dtype)
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        self.thresholds = [0.5] if num_thresholds == 1 else _evenly_spaced_thresholds(num_thresholds)
        self._build_counts((num_thresholds,))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch's (weighted) counts at every threshold."""
        self._update_counts(y_true, y_pred, sample_weight, class_id=self.class_id)

    def result(self):
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        recall = _ratio(tp, fn)
        rates = {"recall": recall, "sensitivity": recall, "precision": _ratio(tp, fp),
                 "specificity": _ratio(tn, fp)}
        _, constrained, maximized = self._constraint
        feasible = knp.greater_equal(rates[constrained], kcore.cast(self.value, self.dtype))
        # Every rate is >= 0, so 0 in place of the infeasible ones gives 0 when none is feasible.
        return knp.max(knp.where(feasible, rates[maximized], knp.zeros_like(rates[maximized])))

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id, "num_thresholds": self.num_thresholds,
                self._constraint[0]: self.value}


@builtin("keras.metrics", "precision_at_recall")
class PrecisionAtRecall(_AtConstraint):
    """The best precision among the thresholds whose recall is at least `recall`.

    Args:
        recall: the minimum recall, in [0, 1].
        num_thresholds: the number of evenly spaced thresholds (1 means the single threshold 0.5).
        class_id: compute the metric for this class (index of the last axis) only.
        name: the metric's name.
        dtype: the dtype of the state and result.

    Example:
    >>> m = PrecisionAtRecall(0.5)
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> float(m.result())
    0.5
    """

    _constraint = ("recall", "recall", "precision")

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)
        self.recall = recall


@builtin("keras.metrics", "recall_at_precision")
class RecallAtPrecision(_AtConstraint):
    """The best recall among the thresholds whose precision is at least `precision`.

    Args: `precision` (the minimum precision, in [0, 1]), then as `PrecisionAtRecall`.

    Example:
    >>> m = RecallAtPrecision(0.8)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.5
    """

    _constraint = ("precision", "precision", "recall")

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)
        self.precision = precision


@builtin("keras.metrics", "sensitivity_at_specificity")
class SensitivityAtSpecificity(_AtConstraint):
    """The best sensitivity (recall) among the thresholds whose specificity is at least `specificity`.

    Args: `specificity` (the minimum tn / (tn + fp), in [0, 1]), then as `PrecisionAtRecall`.

    Example:
    >>> m = SensitivityAtSpecificity(0.5)
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> float(m.result())
    0.5
    """

    _constraint = ("specificity", "specificity", "sensitivity")

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name,
                         dtype=dtype)
        self.specificity = specificity


@builtin("keras.metrics", "specificity_at_sensitivity")
class SpecificityAtSensitivity(_AtConstraint):
    """The best specificity among the thresholds whose sensitivity (recall) is at least `sensitivity`.

    Args: `sensitivity` (the minimum tp / (tp + fn), in [0, 1]), then as `PrecisionAtRecall`.

    Example:
    >>> m = SpecificityAtSensitivity(0.5)
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _constraint = ("sensitivity", "sensitivity", "specificity")

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name,
                         dtype=dtype)
        self.sensitivity = sensitivity
