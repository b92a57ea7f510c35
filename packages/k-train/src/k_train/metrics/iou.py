"""Overlap scores: intersection-over-union (from a confusion matrix) and the F-beta score.

The IoU metrics accumulate one `(num_classes, num_classes)` confusion matrix (rows: true
class, columns: predicted class) over the batches, in the metric's dtype (int32 by default,
as in Keras, so the counts stay exact); `result()` turns it into per-class
`TP / (TP + FP + FN)` and averages over the target classes that occurred.

The F-beta score (F1 is the Dice coefficient, `2 IoU / (1 + IoU)`) accumulates per-class true
positives, false positives and false negatives of multi-label predictions.
"""

import warnings

from k_backends import config, dtypes
from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import numpy as knp
from k_train.metrics.metric import Metric

__all__ = ["IoU", "BinaryIoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU", "FBetaScore", "F1Score"]


class _ConfusionMatrixIoU(Metric):
    """The shared state and update of the IoU metrics: a confusion matrix summed over batches."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        # An integer matrix by default (Keras's choice): counts stay exact however many pixels.
        super().__init__(name=name, dtype=dtype or "int32")
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes), "zeros", name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch of class ids (or one-hot/probabilities when not sparse) to the matrix.

        Ids outside `[0, num_classes)`, and true ids equal to `ignore_class`, are not counted.
        """
        if not self.sparse_y_true:
            y_true = knp.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = knp.argmax(y_pred, axis=self.axis)
        y_true = knp.reshape(kcore.cast(kcore.convert_to_tensor(y_true), "int32"), (-1,))
        y_pred = knp.reshape(kcore.cast(kcore.convert_to_tensor(y_pred), "int32"), (-1,))

        if sample_weight is None:
            sample_weight = knp.ones_like(y_true, dtype=self.dtype)
        else:
            sample_weight = kcore.convert_to_tensor(sample_weight)
            if "float" in dtypes.standardize_dtype(sample_weight.dtype) and "int" in self.dtype:
                warnings.warn(f"{type(self).__name__}: float sample weights are cast to the metric's "
                              f"dtype {self.dtype}; pass integer weights or dtype='float32'.", stacklevel=2)
            sample_weight = kcore.cast(sample_weight, self.dtype)
            if sample_weight.ndim > 1:
                sample_weight = knp.reshape(sample_weight, (-1,))
            sample_weight = knp.broadcast_to(sample_weight, kcore.shape(y_true))

        counted = knp.logical_and(
            knp.logical_and(y_true >= 0, y_true < self.num_classes),
            knp.logical_and(y_pred >= 0, y_pred < self.num_classes))
        if self.ignore_class is not None:
            counted = knp.logical_and(counted, knp.not_equal(y_true, self.ignore_class))
        # Uncounted entries go to cell (0, 0) with weight 0: shapes stay static under jit.
        y_true = knp.where(counted, y_true, 0)
        y_pred = knp.where(counted, y_pred, 0)
        sample_weight = knp.where(counted, sample_weight, knp.zeros_like(sample_weight))
        batch_cm = kcore.scatter(knp.stack([y_true, y_pred], axis=-1), sample_weight,
                                 (self.num_classes, self.num_classes))
        self.total_cm.assign(self.total_cm.value + batch_cm)

    def _per_class_iou(self, class_ids):
        """IoU of each of `class_ids` (float32), and whether the class occurred at all."""
        cm = kcore.cast(self.total_cm.value, "float32")
        true_positives = knp.diagonal(cm)
        union = knp.sum(cm, axis=0) + knp.sum(cm, axis=1) - true_positives
        indices = kcore.convert_to_tensor(list(class_ids), dtype="int32")
        true_positives = knp.take(true_positives, indices)
        union = knp.take(union, indices)
        occurred = union > 1e-9
        iou = knp.where(occurred, true_positives / (union + config.epsilon()), 0.0)
        return iou, kcore.cast(occurred, "float32")


@builtin("keras.metrics")
class IoU(_ConfusionMatrixIoU):
    """Intersection-over-union `TP / (TP + FP + FN)`, averaged over `target_class_ids`.

    Classes that never occurred (in labels or predictions) are left out of the average.

    Args:
        num_classes: the number of classes (the confusion matrix is num_classes x num_classes).
        target_class_ids: the class ids whose IoU is averaged.
        name: the metric's name.
        dtype: the confusion matrix's dtype (int32 by default).
        ignore_class: a true class id whose entries are not counted (a "void" class), or None.
        sparse_y_true: whether labels are class ids (else one-hot/scores, argmax over `axis`).
        sparse_y_pred: whether predictions are class ids (else scores, argmax over `axis`).
        axis: the class axis of non-sparse inputs.

    Example:
    >>> m = IoU(num_classes=2, target_class_ids=[0])
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> float(m.result())  # class 0: 1 / (1 + 1 + 1)
    0.33333...
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        target_class_ids = list(target_class_ids)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"{type(self).__name__}: target class id {max(target_class_ids)} is out of "
                             f"range [0, {num_classes}); got target_class_ids={target_class_ids}.")
        self.target_class_ids = target_class_ids

    def result(self):
        iou, occurred = self._per_class_iou(self.target_class_ids)
        return knp.sum(iou) / (knp.sum(occurred) + config.epsilon())

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@builtin("keras.metrics")
class BinaryIoU(IoU):
    """IoU of a binary task: predictions `>= threshold` are class 1, the rest class 0.

    Args:
        target_class_ids: which of classes 0 and 1 to average over.
        threshold: the probability (or logit) cut between class 0 and class 1.
        name: the metric's name.
        dtype: the confusion matrix's dtype (int32 by default).

    Example:
    >>> m = BinaryIoU(target_class_ids=[1], threshold=0.5)
    >>> m.update_state([0, 1, 1], [0.2, 0.7, 0.4])
    >>> float(m.result())  # one of two class-1 entries found, no false positive
    0.5
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = kcore.cast(kcore.convert_to_tensor(y_pred), "float32")
        return super().update_state(y_true, kcore.cast(y_pred >= self.threshold, "int32"), sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


@builtin("keras.metrics")
class MeanIoU(IoU):
    """IoU averaged over every class that occurred.

    Args:
        num_classes: the number of classes.
        name: the metric's name.
        dtype: the confusion matrix's dtype (int32 by default).
        ignore_class: a true class id whose entries are not counted, or None.
        sparse_y_true: whether labels are class ids (else argmax over `axis`).
        sparse_y_pred: whether predictions are class ids (else argmax over `axis`).
        axis: the class axis of non-sparse inputs.

    Example:
    >>> m = MeanIoU(num_classes=2)
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> float(m.result())
    0.33333...
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@builtin("keras.metrics")
class OneHotIoU(IoU):
    """`IoU` for one-hot labels and class scores (both reduced by argmax over `axis`).

    Args:
        num_classes: the number of classes.
        target_class_ids: the class ids whose IoU is averaged.
        name: the metric's name.
        dtype: the confusion matrix's dtype (int32 by default).
        ignore_class: a true class id whose entries are not counted, or None.
        sparse_y_pred: whether predictions are already class ids.
        axis: the class axis.

    Example:
    >>> m = OneHotIoU(num_classes=3, target_class_ids=[0, 2])
    >>> m.update_state([[1, 0, 0], [0, 0, 1]], [[0.8, 0.1, 0.1], [0.5, 0.1, 0.4]])
    >>> float(m.result())  # class 0: 1/2, class 2: 0/1
    0.25
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@builtin("keras.metrics")
class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` for one-hot labels and class scores (both reduced by argmax over `axis`).

    Args:
        num_classes: the number of classes.
        name: the metric's name.
        dtype: the confusion matrix's dtype (int32 by default).
        ignore_class: a true class id whose entries are not counted, or None.
        sparse_y_pred: whether predictions are already class ids.
        axis: the class axis.

    Example:
    >>> m = OneHotMeanIoU(num_classes=2)
    >>> m.update_state([[1, 0], [0, 1]], [[0.9, 0.1], [0.3, 0.7]])
    >>> float(m.result())
    1.0
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


_AVERAGES = (None, "micro", "macro", "weighted")


@builtin("keras.metrics")
class FBetaScore(Metric):
    """The F-beta score `(1 + b^2) P R / (b^2 P + R)` of multi-label predictions of shape (batch, classes).

    Args:
        average: None (one score per class), "micro" (counts pooled over classes), "macro"
            (unweighted mean of the class scores) or "weighted" (mean weighted by each class's
            number of true labels).
        beta: how many times more recall counts than precision (a Python float > 0).
        threshold: predictions above it are positive; None marks each row's largest
            prediction(s) as positive.
        name: the metric's name.
        dtype: the dtype of the state and result.

    Example:
    >>> m = FBetaScore(beta=2.0, threshold=0.5)
    >>> m.update_state([[1, 0], [1, 1]], [[0.9, 0.6], [0.2, 0.8]])
    >>> m.result()  # class 0: P=1, R=1/2; class 1: P=1/2, R=1
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in _AVERAGES:
            raise ValueError(f"{type(self).__name__}: average must be one of {_AVERAGES}; "
                             f"got average={average!r}.")
        if not isinstance(beta, float):
            raise ValueError(f"{type(self).__name__}: beta must be a Python float; got beta={beta!r} "
                             f"of type {type(beta).__name__}.")
        if beta <= 0.0:
            raise ValueError(f"{type(self).__name__}: beta must be > 0; got beta={beta}.")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(f"{type(self).__name__}: threshold must be a Python float; got "
                                 f"threshold={threshold!r} of type {type(threshold).__name__}.")
            if not 0.0 < threshold <= 1.0:
                raise ValueError(f"{type(self).__name__}: threshold must satisfy 0 < threshold <= 1; "
                                 f"got threshold={threshold}.")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        # "micro" pools the counts of every class; the others keep one count per class.
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2 or y_pred_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} expects 2D inputs of shape (batch_size, output_dim) "
                             f"with output_dim known; got y_true.shape={tuple(y_true_shape)} and "
                             f"y_pred.shape={tuple(y_pred_shape)}.")
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(shape, "zeros", name="false_positives")
        self.false_negatives = self.add_variable(shape, "zeros", name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, "zeros", name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch. The first call creates the state (its size is the number of classes)."""
        y_true = kcore.cast(kcore.convert_to_tensor(y_true), self.dtype)
        y_pred = kcore.cast(kcore.convert_to_tensor(y_pred), self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            # The row's maximum is positive, unless it is (close to) zero.
            row_max = knp.max(y_pred, axis=-1, keepdims=True)
            y_pred = knp.logical_and(y_pred >= row_max, knp.abs(y_pred) > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = kcore.cast(y_pred, self.dtype)
        if sample_weight is not None:
            sample_weight = knp.expand_dims(kcore.cast(kcore.convert_to_tensor(sample_weight), self.dtype), 1)

        def weighted_sum(values):
            if sample_weight is not None:
                values = values * sample_weight
            return knp.sum(values, axis=self.axis)

        self.true_positives.assign(self.true_positives.value + weighted_sum(y_pred * y_true))
        self.false_positives.assign(self.false_positives.value + weighted_sum(y_pred * (1 - y_true)))
        self.false_negatives.assign(self.false_negatives.value + weighted_sum((1 - y_pred) * y_true))
        self.intermediate_weights.assign(self.intermediate_weights.value + weighted_sum(y_true))

    def result(self):
        if not self._built:
            raise ValueError(f"{type(self).__name__} has no state yet: call update_state() first.")
        eps = config.epsilon()
        tp = self.true_positives.value
        precision = tp / (tp + self.false_positives.value + eps)
        recall = tp / (tp + self.false_negatives.value + eps)
        beta2 = self.beta ** 2
        score = (1 + beta2) * precision * recall / (beta2 * precision + recall + eps)
        if self.average == "weighted":
            weights = self.intermediate_weights.value
            return knp.sum(score * weights / (knp.sum(weights) + eps))
        if self.average is not None:
            return knp.mean(score)
        return score

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


@builtin("keras.metrics")
class F1Score(FBetaScore):
    """The F1 score `2 P R / (P + R)`: `FBetaScore` with beta 1.

    Args:
        average: None, "micro", "macro" or "weighted" (see `FBetaScore`).
        threshold: predictions above it are positive; None marks each row's largest prediction.
        name: the metric's name.
        dtype: the dtype of the state and result.

    Example:
    >>> m = F1Score(average="micro", threshold=0.5)
    >>> m.update_state([[1, 0], [1, 1]], [[0.9, 0.6], [0.2, 0.8]])
    >>> float(m.result())  # TP=2, FP=1, FN=1
    0.66666...
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "average": self.average, "threshold": self.threshold}
