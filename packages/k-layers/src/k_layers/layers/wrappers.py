"""Layers that wrap another layer: TimeDistributed (one layer at every step) and Bidirectional
(a recurrent layer run forwards and backwards, outputs merged)."""


from k_layers.layer import Layer, _call_spec
from k_layers.layers.core import Wrapper
from k_layers.serialization import builtin, deserialize_keras_object, serialize_keras_object
from k_ops import core as k_core
from k_ops import numpy as knp
from k_ops.symbolic import KerasTensor

__all__ = ["TimeDistributed", "Bidirectional"]


def _extra_arguments(layer, training, mask):
    """The `training` / `mask` keyword arguments that `layer.call` accepts."""
    spec = _call_spec(type(layer))
    kwargs = {}
    if training is not None and spec["training"]:
        kwargs["training"] = training
    if mask is not None and spec["mask"]:
        kwargs["mask"] = mask
    return kwargs


@builtin("keras.layers")
class TimeDistributed(Wrapper):
    """Apply `layer` to every step of axis 1 of the inputs (batch, time, ...).

    The batch and time axes are merged so the layer runs once on (batch * time, ...); a
    (batch, time) mask is merged the same way for layers that take one, and passed on.

    Example:
    >>> kappa.layers.TimeDistributed(kappa.layers.Dense(8))(np.ones((2, 10, 4))).shape
    (2, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _check_shape(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 3 or \
                not all(d is None or isinstance(d, int) for d in input_shape):
            raise ValueError(f"TimeDistributed '{self.name}': needs one input of at least 3 dimensions "
                             f"(batch, time, ...); got input_shape={input_shape}.")
        return tuple(input_shape)

    def build(self, input_shape):
        input_shape = self._check_shape(tuple(input_shape) if isinstance(input_shape, list) else input_shape)
        super().build((None, *input_shape[2:]))

    def compute_output_shape(self, input_shape):
        input_shape = self._check_shape(input_shape)
        inner = self.layer.compute_output_shape((input_shape[0], *input_shape[2:]))
        return (inner[0], input_shape[1], *inner[1:])

    def compute_output_spec(self, inputs, training=None, mask=None):
        shape = self._check_shape(tuple(inputs.shape))
        inner = self.layer.compute_output_spec(KerasTensor((None, *shape[2:]), inputs.dtype))
        return KerasTensor((shape[0], shape[1], *inner.shape[1:]), inner.dtype)

    def call(self, inputs, training=None, mask=None):
        shape = self._check_shape(tuple(inputs.shape))
        batch, steps = k_core.shape(inputs)[:2]
        merged = knp.reshape(inputs, (-1, *shape[2:]))
        if mask is not None:
            mask = knp.reshape(mask, (-1, *tuple(mask.shape)[2:]))
        outputs = self.layer(merged, **_extra_arguments(self.layer, training, mask))
        return knp.reshape(outputs, (batch, steps, *tuple(outputs.shape)[1:]))

    def compute_mask(self, inputs, previous_mask):
        return previous_mask


_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


@builtin("keras.layers")
class Bidirectional(Layer):
    """Run a recurrent layer over the sequence forwards and (a copy) backwards, and merge.

    The copies are rebuilt from `layer.get_config()` (named "forward_<name>" and
    "backward_<name>", the backward one with `go_backwards` flipped) unless
    `backward_layer` is given. With return_sequences, the backward outputs are reversed
    back to the input order before merging; with return_state, the forward states then
    the backward states follow the output(s).

    Args:
        layer: a recurrent layer (SimpleRNN, LSTM, GRU, ConvLSTM2D, ...).
        merge_mode: "concat", "sum", "mul", "ave", or None (return both outputs).
        weights: initial weights: the forward layer's then the backward layer's.
        backward_layer: the layer for the backward direction (go_backwards=True).

    Example:
    >>> kappa.layers.Bidirectional(kappa.layers.LSTM(4))(np.ones((2, 5, 3))).shape
    (2, 8)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional: layer must be a kappa Layer instance; got layer={layer!r}.")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("Bidirectional: backward_layer must be a kappa Layer instance or None; got "
                             f"backward_layer={backward_layer!r}.")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of 'sum', 'mul', 'ave', 'concat' or "
                             f"None; got merge_mode={merge_mode!r}.")
        for attribute in ("return_sequences", "return_state", "go_backwards"):
            if not hasattr(layer, attribute):
                raise ValueError(f"Bidirectional: layer must be a recurrent layer with a `{attribute}` "
                                 f"attribute; got layer={layer!r}.")
        super().__init__(**kwargs)
        self.forward_layer = self._copy(layer, "forward_" + layer.name, flip=False)
        if backward_layer is None:
            self.backward_layer = self._copy(layer, "backward_" + layer.name, flip=True)
        else:
            self.backward_layer = backward_layer
            self._check_backward_layer()
        for direction in (self.forward_layer, self.backward_layer):
            if getattr(direction, "zero_output_for_mask", None) is not None:
                direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self._kappa_initial_weights = weights
        self.stateful = getattr(layer, "stateful", False)
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec
        self._kappa_state_count = None

    @staticmethod
    def _copy(layer, name, flip):
        config = dict(layer.get_config())
        config["name"] = name
        if flip:
            config["go_backwards"] = not config.get("go_backwards", False)
        return type(layer).from_config(config)

    def _check_backward_layer(self):
        forward, backward = self.forward_layer, self.backward_layer
        for attribute in ("return_sequences", "return_state"):
            if getattr(forward, attribute) != getattr(backward, attribute, None):
                raise ValueError(f"Bidirectional: the forward and backward layers must have the same "
                                 f"{attribute}; got {getattr(forward, attribute)} and "
                                 f"{getattr(backward, attribute, None)}.")
        if getattr(backward, "go_backwards", None) == forward.go_backwards:
            raise ValueError("Bidirectional: backward_layer must have go_backwards set opposite to layer's; "
                             f"both have go_backwards={forward.go_backwards}.")

    def build(self, sequences_shape, initial_state_shape=None):
        for direction in (self.forward_layer, self.backward_layer):
            if not direction.built:
                direction.build(sequences_shape)
        weights = self._kappa_initial_weights
        if weights is not None:
            half = len(weights) // 2
            self.forward_layer.set_weights(weights[:half])
            self.backward_layer.set_weights(weights[half:])
            self._kappa_initial_weights = None

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_kwargs = _extra_arguments(self.forward_layer, training, mask)
        backward_kwargs = _extra_arguments(self.backward_layer, training, mask)
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(states) % 2:
                raise ValueError(f"Bidirectional '{self.name}': initial_state must hold the forward states "
                                 f"then the backward states (an even count); got {len(states)} tensors.")
            half = len(states) // 2
            forward_kwargs["initial_state"] = states[:half]
            backward_kwargs["initial_state"] = states[half:]
        y = self.forward_layer(sequences, **forward_kwargs)
        y_back = self.backward_layer(sequences, **backward_kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_back[1:])
            y, y_back = y[0], y_back[0]
        self._kappa_state_count = len(states)
        if self.return_sequences:
            y_back = knp.flip(y_back, axis=1)
        if self.merge_mode == "concat":
            output = [knp.concatenate([y, y_back], axis=-1)]
        elif self.merge_mode == "sum":
            output = [y + y_back]
        elif self.merge_mode == "ave":
            output = [(y + y_back) / 2]
        elif self.merge_mode == "mul":
            output = [y * y_back]
        else:
            output = [y, y_back]
        if self.return_state:
            return output + states
        return output[0] if self.merge_mode is not None else output

    def compute_mask(self, inputs, previous_mask):
        if isinstance(previous_mask, (list, tuple)):
            previous_mask = previous_mask[0]
        output_mask = previous_mask if self.return_sequences else None
        outputs = [output_mask] if self.merge_mode is not None else [output_mask, output_mask]
        if self.return_state:
            return outputs + [None] * (self._kappa_state_count or 0)
        return outputs[0] if self.merge_mode is not None else outputs

    def reset_states(self):
        """Zero the carried states of both (stateful) directions."""
        for direction in (self.forward_layer, self.backward_layer):
            direction.reset_states()

    reset_state = reset_states

    def get_config(self):
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = serialize_keras_object(self.forward_layer)
        config["backward_layer"] = serialize_keras_object(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer_config = dict(config["layer"])
        inner = dict(layer_config.get("config", {}))
        if inner.get("name", "").startswith("forward_"):
            inner["name"] = inner["name"][len("forward_"):]
        layer_config["config"] = inner
        config["layer"] = deserialize_keras_object(layer_config, custom_objects=custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_keras_object(config["backward_layer"],
                                                                custom_objects=custom_objects)
        return super().from_config(config)


