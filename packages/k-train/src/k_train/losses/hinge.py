"""Hinge losses for maximum-margin classifiers: hinge, squared hinge, categorical hinge.

Binary labels may be given as 0/1: when every label is 0 or 1 they are mapped to -1/1.
"""

from k_layers.serialization import builtin
from k_ops import numpy as knp
from k_train.losses.regression import _Wrapper, float_pair

__all__ = ["Hinge", "SquaredHinge", "CategoricalHinge", "hinge", "squared_hinge", "categorical_hinge"]

NS = "keras.losses"


def _signed_labels(y_true):
    """0/1 labels as -1/1; labels already -1/1 (or anything else) unchanged."""
    binary = knp.all(knp.logical_or(knp.equal(y_true, 0.0), knp.equal(y_true, 1.0)))
    return knp.where(binary, 2.0 * y_true - 1.0, y_true)


def _margins(y_true, y_pred):
    y_true, y_pred = float_pair(y_true, y_pred)
    return knp.maximum(1.0 - _signed_labels(y_true) * y_pred, 0.0)


@builtin(NS)
def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)) over the last axis; y_true in {-1, 1} (or {0, 1})."""
    return knp.mean(_margins(y_true, y_pred), axis=-1)


@builtin(NS)
def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)**2) over the last axis; y_true in {-1, 1} (or {0, 1})."""
    return knp.mean(knp.square(_margins(y_true, y_pred)), axis=-1)


@builtin(NS)
def categorical_hinge(y_true, y_pred):
    """max(max_wrong - score_true + 1, 0) for one-hot y_true, over the last axis."""
    y_true, y_pred = float_pair(y_true, y_pred)
    positive = knp.sum(y_true * y_pred, axis=-1)
    negative = knp.max((1.0 - y_true) * y_pred, axis=-1)
    return knp.maximum(negative - positive + 1.0, 0.0)


@builtin(NS)
class Hinge(_Wrapper):
    """The hinge loss, reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


@builtin(NS)
class SquaredHinge(_Wrapper):
    """The squared hinge loss, reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)


@builtin(NS)
class CategoricalHinge(_Wrapper):
    """The categorical hinge loss, reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)
