"""`clone_model`: the same architecture with new layers (and new weights)."""

import json

from k_layers.layer import Layer, map_structure
from k_layers.models.functional import Functional
from k_layers.models.input_layer import Input, InputLayer
from k_layers.models.model import Model
from k_layers.models.sequential import Sequential
from k_layers.serialization import CustomObjectScope, deserialize_keras_object, serialize_keras_object
from k_ops.symbolic import KerasTensor, flatten

__all__ = ["clone_model", "model_from_json"]


def _default_clone(layer):
    # A nested model's config names its layers' classes: the originals resolve them.
    classes = {type(inner).__name__: type(inner) for inner in layer._flatten_layers()}
    with CustomObjectScope(classes):
        return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False,
                **kwargs):
    """A copy of `model` with new layers: same architecture, freshly initialized weights.

    Args:
        model: a Sequential or Functional model (a subclassed one is rebuilt from its config).
        input_tensors: new `Input` tensors to build the clone on (Functional and Sequential).
        clone_function: `layer -> new layer` (default: rebuild it from its config).
        call_function: `(layer, *args, **kwargs) -> outputs`, to change how layers are
            called in the clone (e.g. wrap some of them).
        recursive: also clone nested Sequential / Functional models layer by layer.
    """
    if kwargs:
        raise TypeError(f"clone_model got unexpected arguments: {sorted(kwargs)}.")
    if not isinstance(model, Model):
        raise TypeError(f"clone_model expects a kappa Model; got {type(model).__name__}.")
    clone = clone_function or _default_clone

    def clone_layer(layer):
        if recursive and isinstance(layer, (Sequential, Functional)):
            return clone_model(layer, clone_function=clone_function, call_function=call_function,
                               recursive=True)
        return clone(layer)

    if isinstance(model, Sequential):
        return _clone_sequential(model, input_tensors, clone_layer, call_function)
    if isinstance(model, Functional):
        return _clone_functional(model, input_tensors, clone_layer, call_function)
    if input_tensors is not None or call_function is not None:
        raise ValueError("clone_model: input_tensors and call_function only apply to Sequential and "
                         "Functional models; a subclassed model is cloned from its config.")
    return clone(model)


def _clone_sequential(model, input_tensors, clone_layer, call_function):
    layers = [clone_layer(layer) for layer in model.layers]
    input_layer = model._input_layer()
    if input_tensors is None and input_layer is not None:
        input_tensors = Input(batch_shape=input_layer.batch_shape, dtype=input_layer.dtype,
                              name=input_layer.name)
    if call_function is None:
        new = Sequential(name=model.name, trainable=model.trainable)
        if input_tensors is not None:
            new.add(_single_input(input_tensors))
        for layer in layers:
            new.add(layer, rebuild=False)
        new._rebuild()
        return new
    if input_tensors is None:
        raise ValueError("clone_model: a call_function needs the model's input shape (an Input or "
                         "input_tensors).")
    x = _single_input(input_tensors)
    for old, layer in zip(model.layers, layers, strict=True):
        x = call_function(layer, x) if old is not None else x
    return Functional(_single_input(input_tensors), x, name=model.name)


def _single_input(tensors):
    flat = flatten(tensors)
    if len(flat) != 1 or not isinstance(flat[0], KerasTensor):
        raise ValueError(f"clone_model: a Sequential model takes one input tensor; got {tensors!r}.")
    return flat[0]


def _clone_functional(model, input_tensors, clone_layer, call_function):
    old_inputs = model.inputs
    if input_tensors is None:
        new_inputs = [Input(batch_shape=x.shape, dtype=x.dtype, name=x._keras_node.operation.name)
                      for x in old_inputs]
    else:
        new_inputs = flatten(input_tensors)
        if len(new_inputs) != len(old_inputs):
            raise ValueError(f"clone_model: model '{model.name}' has {len(old_inputs)} inputs; got "
                             f"{len(new_inputs)} input_tensors.")
    values = {id(old): new for old, new in zip(old_inputs, new_inputs, strict=True)}
    clones = {}

    def resolve(x):
        return values[id(x)] if isinstance(x, KerasTensor) else x

    for node in model._kappa_nodes:
        operation = node.operation
        if isinstance(operation, Layer) and not isinstance(operation, InputLayer):
            if id(operation) not in clones:
                clones[id(operation)] = clone_layer(operation)
            operation = clones[id(operation)]
        args = map_structure(resolve, node.call_args)
        kwargs = {k: map_structure(resolve, v) for k, v in node.call_kwargs.items()}
        if call_function is not None and isinstance(operation, Layer):
            outputs = call_function(operation, *args, **kwargs)
        else:
            outputs = operation(*args, **kwargs)
        for old, new in zip(node.outputs, flatten(outputs), strict=True):
            values[id(old)] = new
    inputs = map_structure(resolve, model._kappa_inputs) if input_tensors is None else input_tensors
    outputs = map_structure(resolve, model._kappa_outputs)
    return Functional(inputs, outputs, name=model.name)


def model_from_json(json_string, custom_objects=None):
    """A model (new weights) from the JSON of `model.to_json()` or a `.keras` config."""
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as e:
        raise ValueError(f"model_from_json: not valid JSON ({e}).") from None
    return deserialize_keras_object(config, custom_objects=custom_objects)


def to_json(model, **kwargs):
    """The model's config as a JSON string (`kwargs` go to json.dumps)."""
    return json.dumps(serialize_keras_object(model), **kwargs)
