"""Small layers written only against the Layer base, shared by the base and model tests."""

from k_layers.input_spec import InputSpec
from k_layers.layer import Layer
from k_ops import numpy as knp


class Linear(Layer):
    """A small dense layer written only against the base class (the layer set is tested elsewhere)."""

    def __init__(self, units, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.use_bias = use_bias
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones", name="kernel",
                                      regularizer="l2")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_shape[-1]})

    def call(self, x):
        y = knp.matmul(x, self.kernel)
        return y + self.bias if self.use_bias else y

    def get_config(self):
        return {**super().get_config(), "units": self.units, "use_bias": self.use_bias}


class Counter(Layer):
    """Non-trainable state updated in training, as batch normalization does."""

    def build(self, input_shape):
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")

    def call(self, x, training=None):
        if training:
            self.count.assign(self.count + 1.0)
        return x
