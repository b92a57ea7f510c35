"""`Sequential`: a stack of layers, each feeding the next.

Once the input shape is known (an `Input` first, a layer given `input_shape`, a call
on data, or `build(shape)`), the stack is traced into a Functional graph, which gives
output shapes for `summary()`, mask propagation and a Keras-shaped config. A stack
that cannot be traced symbolically runs layer by layer instead.
"""

from k_layers.layer import Layer, _layer_scope, map_structure
from k_layers.models.functional import Functional
from k_layers.models.input_layer import InputLayer
from k_layers.models.model import Model
from k_layers.serialization import builtin, deserialize_keras_object, serialize_keras_object
from k_ops.symbolic import KerasTensor

__all__ = ["Sequential"]


@builtin("keras.models")
@builtin("keras")
class Sequential(Model):
    """A model that runs `layers` one after another.

    Args:
        layers: the layers, optionally starting with `kappa.Input(shape)`.
        trainable: whether its weights are trained.
        name: the model's name.

    Example:
    >>> model = kappa.Sequential([kappa.Input((8,)), kappa.layers.Dense(4, activation="relu"),
    ...                           kappa.layers.Dense(1)])
    """

    def __init__(self, layers=None, trainable=True, name=None):
        Layer.__init__(self, trainable=trainable, name=name)
        self._kappa_stack = []
        self._kappa_functional = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._rebuild()

    @property
    def _layers(self):
        return [layer for layer in self._kappa_stack if not isinstance(layer, InputLayer)]

    @property
    def layers(self):
        return self._layers

    def add(self, layer, rebuild=True):
        """Append a layer (or an `Input` tensor, which must come first)."""
        if isinstance(layer, KerasTensor):
            node = layer._keras_node
            if node is None or not isinstance(node.operation, InputLayer):
                raise ValueError(f"Sequential.add accepts layers and kappa.Input tensors; got tensor "
                                 f"{layer.name}, which is not an Input.")
            layer = node.operation
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a Layer; got {type(layer).__name__}: {layer!r}.")
        if isinstance(layer, InputLayer) and self._kappa_stack:
            raise ValueError(f"Sequential '{self.name}': an Input can only be the first layer.")
        if any(existing.name == layer.name for existing in self._kappa_stack):
            raise ValueError(f"Sequential '{self.name}': all layers need unique names; '{layer.name}' is "
                             "already in the model.")
        self._kappa_stack.append(layer)
        if rebuild:
            self._rebuild()
        else:
            self.built = False

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self._layers:
            raise IndexError(f"Sequential '{self.name}' has no layers to pop.")
        layer = self._kappa_stack.pop()
        self._kappa_functional = None
        self.built = False
        if rebuild:
            self._rebuild()
        return layer

    def _input_layer(self):
        if not self._kappa_stack:
            return None
        first = self._kappa_stack[0]
        if isinstance(first, InputLayer):
            return first
        if getattr(first, "_batch_input_shape", None) is not None:
            layer = InputLayer(batch_shape=first._batch_input_shape, dtype=first.dtype)
            self._kappa_stack.insert(0, layer)
            return layer
        return None

    def _rebuild(self):
        """Trace the stack into a Functional graph when the input shape is known."""
        self._kappa_functional = None
        input_layer = self._input_layer()
        if input_layer is None or not self._layers:
            self.built = input_layer is not None and not self._layers
            return
        x = input_layer.output_tensor
        try:
            with _layer_scope(self):
                for layer in self._layers:
                    x = layer(x)
        except NotImplementedError:  # a layer without shape inference: run layer by layer
            self._kappa_functional = None
            self.built = all(layer.built for layer in self._layers)
            return
        self._kappa_functional = Functional(input_layer.output_tensor, x, name=self.name)
        self._kappa_build_shapes = {"input_shape": input_layer.batch_shape}
        self.built = True

    def build(self, input_shape=None):
        """Build for inputs of `input_shape` (with the batch dimension)."""
        if input_shape is None:
            raise ValueError(f"Sequential '{self.name}': build() needs an input shape.")
        if self._kappa_stack and isinstance(self._kappa_stack[0], InputLayer):
            if self._kappa_functional is None:
                self._rebuild()
            return
        shape = tuple(input_shape)
        self._kappa_stack.insert(0, InputLayer(batch_shape=shape))
        self._rebuild()
        if not self.built:
            # Not traceable: build each layer by running it eagerly on the first call instead.
            self.built = True

    def call(self, inputs, training=None, mask=None):
        if self._kappa_functional is not None:
            return self._kappa_functional.call(inputs, training=training, mask=mask)
        x = inputs
        for layer in self._layers:
            x = layer(x)
        return x

    def compute_output_spec(self, inputs, training=None, mask=None):
        return self.call(inputs, training=training, mask=mask)

    @property
    def inputs(self):
        return self._kappa_functional.inputs if self._kappa_functional is not None else None

    @property
    def outputs(self):
        return self._kappa_functional.outputs if self._kappa_functional is not None else None

    @property
    def input_shape(self):
        layer = self._input_layer()
        return layer.batch_shape if layer is not None else None

    @property
    def output_shape(self):
        if self._kappa_functional is None:
            raise AttributeError(f"Sequential '{self.name}' has no output shape until it is built.")
        return map_structure(lambda x: x.shape, self._kappa_functional._kappa_outputs)

    def get_config(self):
        layers = [serialize_keras_object(layer) for layer in self._kappa_stack]
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": serialize_keras_object(self.dtype_policy), "layers": layers}
        input_layer = self._input_layer()
        if input_layer is not None:
            config["build_input_shape"] = input_layer.batch_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config["layers"]:
            model.add(deserialize_keras_object(layer_config, custom_objects=custom_objects), rebuild=False)
        if not model._input_layer() and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        else:
            model._rebuild()
        return model
