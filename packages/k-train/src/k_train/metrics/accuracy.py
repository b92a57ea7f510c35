"""Accuracy metrics: how often predictions match labels (exactly, thresholded, argmax, top-k).

Each function returns one 0/1 value per sample (per position for sequences) in floatx; each
class is the running, weighted mean of its function (`MeanMetricWrapper`).
"""

from k_backends import config
from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import math as kmath
from k_ops import numpy as knp
from k_train.losses.loss import squeeze_or_expand_to_same_rank
from k_train.metrics.metric import MeanMetricWrapper

__all__ = [
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy",
    "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
]

NS = "keras.metrics"


def _matches(a, b):
    return kcore.cast(knp.equal(a, b), config.floatx())


def _accuracy(y_true, y_pred):
    y_pred = kcore.convert_to_tensor(y_pred)
    y_true = kcore.convert_to_tensor(y_true, dtype=y_pred.dtype)
    return _matches(*squeeze_or_expand_to_same_rank(y_true, y_pred))


# Functions are registered first: a metric name given as a string ("binary_accuracy")
# resolves to the class, as in Keras, while the functions still serialize as built-ins.
@builtin(NS)
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1 where `y_pred > threshold` agrees with the 0/1 label `y_true`, else 0 (elementwise).

    Example:
    >>> binary_accuracy([[1.0], [0.0]], [[0.7], [0.6]])  # [[1.], [0.]]
    """
    y_pred = kcore.convert_to_tensor(y_pred)
    y_true = kcore.convert_to_tensor(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = kcore.cast(knp.greater(y_pred, threshold), y_true.dtype)
    return _matches(y_true, y_pred)


@builtin(NS)
def categorical_accuracy(y_true, y_pred):
    """1 where the argmax of one-hot `y_true` equals the argmax of `y_pred` (last axis), else 0.

    Example:
    >>> categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.0], [0.05, 0.95, 0.0]])  # [0., 1.]
    """
    y_pred = kcore.convert_to_tensor(y_pred)
    y_true = knp.argmax(kcore.convert_to_tensor(y_true), axis=-1)
    if len(y_true.shape) == len(y_pred.shape):  # labels had an extra trailing axis of size 1
        y_true = knp.squeeze(y_true, axis=-1)
    return _matches(y_true, knp.argmax(y_pred, axis=-1))


@builtin(NS)
def sparse_categorical_accuracy(y_true, y_pred):
    """1 where the integer label `y_true` equals the argmax of `y_pred` (last axis), else 0.

    `y_true` may carry a trailing axis of size 1; the result has none.

    Example:
    >>> sparse_categorical_accuracy([[2], [1]], [[0.1, 0.9, 0.0], [0.05, 0.95, 0.0]])  # [0., 1.]
    """
    y_pred = kcore.convert_to_tensor(y_pred)
    y_true = kcore.convert_to_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = knp.squeeze(y_true, axis=-1)
    predicted = kcore.cast(knp.argmax(y_pred, axis=-1), y_true.dtype)
    matches = _matches(y_true, predicted)
    if len(matches.shape) > 1 and matches.shape[-1] == 1:
        matches = knp.squeeze(matches, axis=-1)
    return matches


def _in_top_k(labels, y_pred, k, from_sorted_ids=False):
    """Whether each integer label is among the top `k` of its row of `y_pred` (any leading shape)."""
    shape = tuple(labels.shape)
    if len(y_pred.shape) > 2:
        y_pred = knp.reshape(y_pred, (-1, y_pred.shape[-1]))
    if len(shape) > 1:
        labels = knp.reshape(labels, (-1,))
    if from_sorted_ids:
        top = y_pred[:, :k]
        found = knp.any(knp.equal(knp.expand_dims(kcore.cast(labels, top.dtype), 1), top), axis=1)
    else:
        found = kmath.in_top_k(kcore.cast(labels, "int32"), y_pred, k)
    found = kcore.cast(found, config.floatx())
    return knp.reshape(found, shape) if len(shape) > 1 else found


@builtin(NS)
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the class of one-hot `y_true` is among the `k` highest scores of `y_pred`, else 0.

    Example:
    >>> top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.0], [0.05, 0.95, 0.0]], k=1)
    """
    y_pred = kcore.convert_to_tensor(y_pred)
    return _in_top_k(knp.argmax(kcore.convert_to_tensor(y_true), axis=-1), y_pred, k)


@builtin(NS)
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1 where the integer label `y_true` is among the top `k` predictions, else 0.

    Args:
        y_true: class ids, shape `(batch,)` (or `y_pred`'s leading shape).
        y_pred: scores of shape `(batch, classes)`, or with `from_sorted_ids=True` the ids
            of the best `N >= k` classes, best first.
        k: how many of the top predictions count.
        from_sorted_ids: whether `y_pred` holds sorted class ids rather than scores.
    """
    y_pred = kcore.convert_to_tensor(y_pred)
    return _in_top_k(kcore.convert_to_tensor(y_true), y_pred, k, from_sorted_ids)


@builtin(NS, "accuracy")
class Accuracy(MeanMetricWrapper):
    """How often `y_pred` equals `y_true` exactly (weighted mean over every sample seen).

    Example:
    >>> m = Accuracy()
    >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    >>> float(m.result())
    0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin(NS, "binary_accuracy")
class BinaryAccuracy(MeanMetricWrapper):
    """How often thresholded predictions match 0/1 labels (see `binary_accuracy`)."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


@builtin(NS, "categorical_accuracy")
class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of `y_pred` is the one-hot label's class (see `categorical_accuracy`)."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin(NS, "sparse_categorical_accuracy")
class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of `y_pred` is the integer label (see `sparse_categorical_accuracy`)."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin(NS, "top_k_categorical_accuracy")
class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the `k` best predictions."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


@builtin(NS, "sparse_top_k_categorical_accuracy")
class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the `k` best predictions (see the function form)."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:  # Keras writes the flag only when it is set
            config["from_sorted_ids"] = True
        return config
