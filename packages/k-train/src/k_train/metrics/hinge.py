"""Hinge metrics: margin errors for -1/1 (or 0/1) labels and for one-hot labels.

The function forms are the losses' own objects (as in Keras), re-exported here.
"""

from k_layers.serialization import builtin
from k_train.losses.hinge import categorical_hinge, hinge, squared_hinge
from k_train.metrics.metric import MeanMetricWrapper

__all__ = ["Hinge", "SquaredHinge", "CategoricalHinge", "hinge", "squared_hinge", "categorical_hinge"]

NS = "keras.metrics"


@builtin(NS, "hinge")
class Hinge(MeanMetricWrapper):
    """The mean hinge error over every sample seen (see `hinge`)."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(fn=hinge, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin(NS, "squared_hinge")
class SquaredHinge(MeanMetricWrapper):
    """The mean squared hinge error over every sample seen (see `squared_hinge`)."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(fn=squared_hinge, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin(NS, "categorical_hinge")
class CategoricalHinge(MeanMetricWrapper):
    """The mean categorical hinge error over every sample seen (see `categorical_hinge`)."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(fn=categorical_hinge, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
