"""`Loss`: a callable `(y_true, y_pred, sample_weight=None) -> scalar` with Keras 3's reductions.

Subclasses implement `call(y_true, y_pred)` returning per-sample (or per-element) losses;
`Loss.__call__` converts the inputs to the loss dtype, applies the mask the predictions
carry (`y_pred._keras_mask`) and the sample weights, and reduces.
"""

import re

from k_backends import config
from k_layers import dtype_policies
from k_layers.layer import get_mask
from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import numpy as knp
from k_ops.symbolic import KerasTensor

__all__ = ["Loss", "LossFunctionWrapper", "REDUCTIONS", "reduce_weighted_values",
           "squeeze_or_expand_to_same_rank"]

REDUCTIONS = ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", None, "none")


def standardize_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}; got reduction={reduction!r}.")
    return reduction


def _tensor(x, dtype):
    if isinstance(x, KerasTensor):
        return x if dtype is None or x.dtype == dtype else kcore.cast(x, dtype)
    return kcore.convert_to_tensor(x, dtype=dtype)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Make two tensors' ranks agree by squeezing (or adding) one trailing axis of size 1."""
    rank1, rank2 = len(x1.shape), len(x2.shape)
    if rank1 == rank2:
        return x1, x2
    if rank1 == rank2 + 1:
        if x1.shape[-1] == 1:
            if rank2 == 1 and expand_rank_1:
                x2 = knp.expand_dims(x2, -1)
            else:
                x1 = knp.squeeze(x1, -1)
    if rank2 == rank1 + 1:
        if x2.shape[-1] == 1:
            if rank1 == 1 and expand_rank_1:
                x1 = knp.expand_dims(x1, -1)
            else:
                x2 = knp.squeeze(x2, -1)
    return x1, x2


def _reduce_values(values, sample_weight, reduction):
    if reduction is None or reduction == "none":
        return values
    loss = knp.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = kcore.cast(knp.sum(sample_weight), loss.dtype)
        else:
            divisor = kcore.cast(knp.size(values), loss.dtype)
        loss = knp.divide_no_nan(loss, divisor)
    return loss


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size",
                           dtype=None):
    """Weight `values` by `sample_weight` and `mask`, then reduce them as `reduction` says.

    A mask counts as a weight; with "sum_over_batch_size" / "mean" the kept entries are
    rescaled by total/kept, so the mean runs over the unmasked entries only.
    """
    reduction = standardize_reduction(reduction)
    values = _tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = _tensor(sample_weight, dtype)
    if mask is not None:
        mask = _tensor(mask, dtype)
        if reduction in ("mean", "sum_over_batch_size"):
            total = kcore.cast(knp.size(mask), dtype)
            valid = knp.sum(mask)
            mask = mask * (total / (valid + config.epsilon()))
        if sample_weight is None:
            sample_weight = mask
        else:
            sample_weight, mask = squeeze_or_expand_to_same_rank(sample_weight, mask)
            sample_weight = sample_weight * mask
    if sample_weight is not None:
        sample_weight = kcore.cast(sample_weight, values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * sample_weight
    return _reduce_values(values, sample_weight, reduction)


@builtin("keras.losses")
@builtin("keras")
class Loss:
    """Base class of the losses: implement `call(y_true, y_pred)`.

    Args:
        name: the loss's name (the snake-case class name by default).
        reduction: "sum_over_batch_size" (mean over all entries), "sum", "mean",
            "mean_with_sample_weight" (sum divided by the sum of the weights), or
            None / "none" (no reduction).
        dtype: the dtype (or dtype policy) the loss computes in; floatx by default.

    Example:
    >>> class Absolute(kappa.losses.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return kappa.ops.mean(kappa.ops.abs(y_true - y_pred), axis=-1)
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or re.sub(r"([a-z])([A-Z])", r"\1_\2", type(self).__name__).lower()
        self.reduction = standardize_reduction(reduction)
        self._dtype_policy = dtype_policies.get(dtype if dtype is not None else config.floatx())
        self._dtype = self._dtype_policy.compute_dtype

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = get_mask(y_pred)
        dtype = self._dtype
        y_pred = _map(lambda x: _tensor(x, dtype), y_pred)
        y_true = _map(lambda x: _tensor(x, dtype), y_true)
        losses = self.call(y_true, y_pred)
        out_mask = get_mask(losses)
        if in_mask is not None and out_mask is not None:
            mask = knp.logical_and(in_mask, out_mask)
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(losses, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self):
        config = {"name": self.name, "reduction": self.reduction}
        if self._dtype_policy.name != dtype_policies.dtype_policy().name:
            config["dtype"] = dtype_policies.serialize(self._dtype_policy)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = dtype_policies.deserialize(config["dtype"])
        return cls(**config)


def _map(fn, structure):
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map(fn, x) for x in structure)
    if isinstance(structure, dict):
        return {k: _map(fn, v) for k, v in structure.items()}
    return fn(structure)


class LossFunctionWrapper(Loss):
    """A `Loss` around a function `fn(y_true, y_pred, **kwargs)` returning per-sample losses."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn.__name__}, kwargs={self._fn_kwargs})>"
