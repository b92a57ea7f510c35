"""Probabilistic losses: cross-entropies (plain, focal, sparse, generalized), Poisson, KL divergence, CTC.

Probabilities are clipped to [epsilon(), 1 - epsilon()] before a log, as in Keras; with
`from_logits=True` the cross-entropies use the stable logit forms of `k_ops.nn`.
"""

from k_backends import config
from k_layers.layer import set_mask
from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import nn as knn
from k_ops import numpy as knp
from k_train.losses.regression import _Wrapper, as_tensor, float_pair

__all__ = ["BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
           "CategoricalFocalCrossentropy", "SparseCategoricalCrossentropy", "Poisson", "KLDivergence",
           "CTC", "CategoricalGeneralizedCrossEntropy",
           "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
           "categorical_focal_crossentropy", "sparse_categorical_crossentropy", "poisson",
           "kl_divergence", "ctc", "categorical_generalized_cross_entropy"]

NS = "keras.losses"


def _smooth_binary(y_true, label_smoothing):
    return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing if label_smoothing else y_true


def _smooth_categorical(y_true, label_smoothing):
    if not label_smoothing:
        return y_true
    # As Keras: the number of classes is the size of the last axis, whatever `axis` is.
    classes = kcore.cast(kcore.shape(y_true)[-1], y_true.dtype)
    return y_true * (1.0 - label_smoothing) + label_smoothing / classes


# -- functions ----------------------------------------------------------------------------
@builtin(NS, "bce", "BCE")
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy averaged along `axis`; labels smoothed towards 0.5 by `label_smoothing`."""
    y_true, y_pred = float_pair(y_true, y_pred, same_rank=False)
    y_true = _smooth_binary(y_true, label_smoothing)
    return knp.mean(knn.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


@builtin(NS)
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy scaled by (1 - p_t)**gamma (and alpha / 1 - alpha when balancing)."""
    y_true, y_pred = float_pair(y_true, y_pred, same_rank=False)
    y_true = _smooth_binary(y_true, label_smoothing)
    losses = knn.binary_crossentropy(y_true, y_pred, from_logits=from_logits)
    probabilities = knn.sigmoid(y_pred) if from_logits else y_pred
    p_t = y_true * probabilities + (1.0 - y_true) * (1.0 - probabilities)
    losses = knp.power(1.0 - p_t, gamma) * losses
    if apply_class_balancing:
        losses = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * losses
    return knp.mean(losses, axis=axis)


@builtin(NS)
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y_true * log(p)) along `axis` for one-hot (or soft) labels."""
    y_true, y_pred = float_pair(y_true, y_pred, same_rank=False)
    y_true = _smooth_categorical(y_true, label_smoothing)
    return knn.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


@builtin(NS)
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """sum(-alpha (1 - p)**gamma y_true log(p)) along `axis`, p clipped to [eps, 1 - eps]."""
    y_true, y_pred = float_pair(y_true, y_pred, same_rank=False)
    y_true = _smooth_categorical(y_true, label_smoothing)
    if from_logits:
        y_pred = knn.softmax(y_pred, axis=axis)
    eps = config.epsilon()
    p = knp.clip(y_pred / knp.sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)
    losses = -alpha * knp.power(1.0 - p, gamma) * y_true * knp.log(p)
    return knp.sum(losses, axis=axis)


@builtin(NS)
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy with integer class labels; labels equal to `ignore_class` give 0 and are masked.

    With `ignore_class` the result carries a mask (the kept entries) that `Loss` reductions honour.
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = knp.squeeze(y_true, axis=-1)
    if ignore_class is None:
        return knn.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)
    keep = knp.not_equal(y_true, kcore.cast(ignore_class, y_true.dtype))
    safe_labels = knp.where(keep, y_true, knp.zeros_like(y_true))
    losses = knn.sparse_categorical_crossentropy(safe_labels, y_pred, from_logits=from_logits, axis=axis)
    losses = knp.where(keep, losses, knp.zeros_like(losses))
    set_mask(losses, keep)
    return losses


@builtin(NS)
def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + epsilon)) over the last axis."""
    y_true, y_pred = float_pair(y_true, y_pred)
    return knp.mean(y_pred - y_true * knp.log(y_pred + config.epsilon()), axis=-1)


@builtin(NS, "kld", "KLD")
def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred)) over the last axis, both clipped to [epsilon, 1]."""
    y_true, y_pred = float_pair(y_true, y_pred)
    eps = config.epsilon()
    y_true = knp.clip(y_true, eps, 1.0)
    y_pred = knp.clip(y_pred, eps, 1.0)
    return knp.sum(y_true * knp.log(y_true / y_pred), axis=-1)


@builtin(NS)
def ctc(y_true, y_pred):
    """CTC loss of int labels (batch, max_length; 0: blank and padding) under logits (batch, time, classes).

    Every sample uses all `time` frames; a label's length is its count of non-zero entries.
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true)
    if len(y_true.shape) != 2:
        raise ValueError(f"ctc: y_true must have rank 2 (batch, max_length); got shape {y_true.shape}.")
    if len(y_pred.shape) != 3:
        raise ValueError(f"ctc: y_pred must have rank 3 (batch, time, classes); got shape {y_pred.shape}.")
    y_true = kcore.cast(y_true, "int32")
    label_length = knp.sum(kcore.cast(knp.not_equal(y_true, 0), "int32"), axis=-1)
    frames = kcore.shape(y_pred)[1]
    output_length = knp.full_like(label_length, frames)
    return knn.ctc_loss(y_true, y_pred, label_length, output_length, mask_index=0)


@builtin(NS)
def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p_y**q) / q for integer labels y: the cross-entropy as q -> 0, the MAE at q = 1.

    A noise-robust loss (Zhang & Sabuncu, 2018); `y_pred` holds probabilities.
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = knp.squeeze(y_true, axis=-1)
    labels = knn.one_hot(kcore.cast(y_true, "int32"), y_pred.shape[-1], dtype=y_pred.dtype)
    p_y = knp.sum(y_pred * labels, axis=-1)
    return (1.0 - knp.power(p_y, q)) / q


# -- classes ------------------------------------------------------------------------------
_CROSSENTROPY_KEYS = ("from_logits", "label_smoothing", "axis")


@builtin(NS)
class BinaryCrossentropy(_Wrapper):
    """Binary cross-entropy of labels in [0, 1] against probabilities (or logits)."""

    _config_keys = _CROSSENTROPY_KEYS

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


@builtin(NS)
class BinaryFocalCrossentropy(_Wrapper):
    """Binary cross-entropy down-weighting easy examples by (1 - p_t)**gamma."""

    _config_keys = (*_CROSSENTROPY_KEYS, "apply_class_balancing", "alpha", "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis
        self.apply_class_balancing, self.alpha, self.gamma = apply_class_balancing, alpha, gamma


@builtin(NS)
class CategoricalCrossentropy(_Wrapper):
    """Cross-entropy of one-hot (or soft) labels against probabilities (or logits) along `axis`."""

    _config_keys = _CROSSENTROPY_KEYS

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


@builtin(NS)
class CategoricalFocalCrossentropy(_Wrapper):
    """Categorical cross-entropy scaled by alpha (1 - p)**gamma."""

    _config_keys = (*_CROSSENTROPY_KEYS, "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis
        self.alpha, self.gamma = alpha, gamma


@builtin(NS)
class SparseCategoricalCrossentropy(_Wrapper):
    """Cross-entropy of integer labels; `ignore_class` labels are masked out of the reduction.

    Its config, as Keras's, leaves `axis` out.
    """

    _config_keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis


@builtin(NS)
class Poisson(_Wrapper):
    """The Poisson negative log-likelihood (up to a constant), reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)


@builtin(NS)
class KLDivergence(_Wrapper):
    """The Kullback-Leibler divergence of y_pred from y_true, reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)


@builtin(NS)
class CTC(_Wrapper):
    """The connectionist temporal classification loss (blank class 0), reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)


@builtin(NS)
class CategoricalGeneralizedCrossEntropy(_Wrapper):
    """The generalized cross-entropy (1 - p_y**q) / q with q in (0, 1], reduced."""

    _config_keys = ("q",)

    def __init__(self, q=0.5, reduction="sum_over_batch_size", name="categorical_generalized_cross_entropy",
                 dtype=None):
        if not 0.0 < q <= 1.0:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: q must be in (0, 1]; got q={q}.")
        super().__init__(categorical_generalized_cross_entropy, name=name, reduction=reduction, dtype=dtype,
                         q=q)
        self.q = q
