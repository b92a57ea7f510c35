"""Probabilistic metrics: crossentropies, KL divergence and Poisson deviance.

Each class keeps the running, weighted mean of a loss function over every sample seen; the
function forms are the losses' own objects (as in Keras), re-exported here.
"""

from k_layers.serialization import builtin
from k_train.losses.probabilistic import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from k_train.metrics.metric import MeanMetricWrapper

__all__ = [
    "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "KLDivergence",
    "Poisson",
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "sparse_categorical_crossentropy", "kl_divergence", "poisson",
]

NS = "keras.metrics"


@builtin(NS, "binary_crossentropy", "bce", "BCE")
class BinaryCrossentropy(MeanMetricWrapper):
    """The mean binary crossentropy over every sample seen (see `binary_crossentropy`)."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(fn=binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


@builtin(NS, "categorical_crossentropy")
class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean categorical crossentropy over every sample seen (see `categorical_crossentropy`)."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0,
                 axis=-1):
        super().__init__(fn=categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


@builtin(NS, "sparse_categorical_crossentropy")
class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean crossentropy with integer labels over every sample seen."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(fn=sparse_categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}


@builtin(NS, "kl_divergence")
class KLDivergence(MeanMetricWrapper):
    """The mean Kullback-Leibler divergence over every sample seen (see `kl_divergence`)."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(fn=kl_divergence, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin(NS, "poisson")
class Poisson(MeanMetricWrapper):
    """The mean Poisson deviance term over every sample seen (see `poisson`)."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(fn=poisson, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
