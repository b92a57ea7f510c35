"""Overlap losses for segmentation (Dice, Tversky) and the Circle loss for metric learning."""

from k_backends import config, dtypes
from k_layers.layer import set_mask
from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import nn as knn
from k_ops import numpy as knp
from k_train.losses.regression import _Wrapper, as_tensor, float_pair

__all__ = ["Dice", "Tversky", "Circle", "dice", "tversky", "circle"]

NS = "keras.losses"


@builtin(NS)
def dice(y_true, y_pred, axis=None):
    """1 - 2 |y_true . y_pred| / (|y_true| + |y_pred|), the sums over `axis` (all axes when None)."""
    y_true, y_pred = float_pair(y_true, y_pred, same_rank=False)
    overlap = knp.sum(y_true * y_pred, axis=axis)
    total = knp.sum(y_true, axis=axis) + knp.sum(y_pred, axis=axis)
    return 1.0 - 2.0 * overlap / (total + config.epsilon())


@builtin(NS)
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha FN + beta FP), soft counts summed over `axis` (all axes when None).

    alpha weighs the missed positives, beta the false alarms; alpha = beta = 0.5 is the Dice loss.
    """
    y_true, y_pred = float_pair(y_true, y_pred, same_rank=False)
    true_positives = knp.sum(y_true * y_pred, axis=axis)
    false_negatives = knp.sum(y_true * (1.0 - y_pred), axis=axis)
    false_positives = knp.sum((1.0 - y_true) * y_pred, axis=axis)
    denominator = true_positives + alpha * false_negatives + beta * false_positives + config.epsilon()
    return 1.0 - true_positives / denominator


def _masked_logsumexp(x, mask):
    """logsumexp over axis 1 of the entries where `mask` holds; -inf for a row with none (no NaN grads)."""
    very_low = -6e4 if dtypes.standardize_dtype(x.dtype) == "float16" else -1e9
    shifted = knp.where(mask, x, very_low)
    peak = kcore.stop_gradient(knp.max(shifted, axis=1, keepdims=True))
    total = knp.sum(knp.where(mask, knp.exp(shifted - peak), knp.zeros_like(x)), axis=1)
    present = total > 0
    safe = knp.where(present, total, knp.ones_like(total))
    return knp.where(present, knp.log(safe) + knp.squeeze(peak, axis=1), knp.full_like(total, -float("inf")))


@builtin(NS)
def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """Circle loss (Sun et al., 2020) of L2-normalized embeddings `y_pred` (batch, dim), int labels `y_true`.

    Each sample is compared by cosine distance (1 - dot product) with the reference set (the batch itself by
    default): same-label pairs are pulled together, others pushed apart, each pair weighted by
    how far it is from its optimum. Samples without a positive and a negative pair give 0 and
    are masked out of the reduction.
    """
    y_pred = as_tensor(y_pred)
    dtype = dtypes.standardize_dtype(y_pred.dtype)
    if not dtypes.is_float_dtype(dtype):
        dtype = config.floatx()
        y_pred = kcore.cast(y_pred, dtype)
    y_true = kcore.cast(as_tensor(y_true), "int32")
    if len(y_true.shape) == 2 and y_true.shape[-1] == 1:
        y_true = knp.squeeze(y_true, axis=-1)
    ref_embeddings = y_pred if ref_embeddings is None else as_tensor(ref_embeddings, dtype)
    ref_labels = y_true if ref_labels is None else kcore.cast(as_tensor(ref_labels), "int32")
    if len(ref_labels.shape) == 2 and ref_labels.shape[-1] == 1:
        ref_labels = knp.squeeze(ref_labels, axis=-1)

    # Cosine distances of unit vectors: the embeddings are expected L2-normalized, as in Keras.
    distance = knp.maximum(1.0 - knp.matmul(y_pred, knp.transpose(ref_embeddings)), 0.0)
    positive = knp.equal(knp.expand_dims(y_true, 1), knp.expand_dims(ref_labels, 0))
    negative = knp.logical_not(positive)
    if remove_diagonal:
        eye = knp.eye(kcore.shape(y_true)[0], kcore.shape(ref_labels)[0], dtype="bool")
        off_diagonal = knp.logical_not(eye)
        positive = knp.logical_and(positive, off_diagonal)

    # Each pair's weight grows with its distance from the optimum (distance -margin for positives,
    # 1 + margin for negatives).
    positive_weight = knp.maximum(margin + distance, 0.0)
    negative_weight = knp.maximum(1.0 + margin - distance, 0.0)
    positive_logits = -gamma * positive_weight * (margin - distance)
    negative_logits = gamma * negative_weight * ((1.0 - margin) - distance)
    losses = knn.softplus(_masked_logsumexp(positive_logits, positive)
                          + _masked_logsumexp(negative_logits, negative))
    set_mask(losses, losses > 0)
    return losses


@builtin(NS)
class Dice(_Wrapper):
    """The Dice loss, its sums over `axis` (all axes when None), reduced."""

    _config_keys = ("axis",)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis


@builtin(NS)
class Tversky(_Wrapper):
    """The Tversky loss: alpha weighs false negatives, beta false positives; reduced."""

    _config_keys = ("alpha", "beta", "axis")

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky", axis=None,
                 dtype=None):
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha, beta=beta,
                         axis=axis)
        self.alpha, self.beta, self.axis = alpha, beta, axis


@builtin(NS)
class Circle(_Wrapper):
    """The Circle loss of embeddings with int labels, compared within the batch; reduced."""

    _config_keys = ("gamma", "margin", "remove_diagonal")

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction="sum_over_batch_size",
                 name="circle", dtype=None):
        super().__init__(circle, name=name, reduction=reduction, dtype=dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, remove_diagonal
