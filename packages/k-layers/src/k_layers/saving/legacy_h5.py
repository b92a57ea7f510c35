"""Reading legacy Keras 2 whole-model `.h5` files (`model.save("model.h5")` in Keras 2 / tf.keras).

Layout of such a file:

- the root attribute `model_config` holds the model's config as JSON, in Keras 2's shape
  (`class_name` Sequential / Functional / Model; Functional `inbound_nodes` as nested lists
  `[[["layer", node_index, tensor_index, kwargs], ...], ...]`; `batch_input_shape` in
  layer configs; dtypes as plain strings);
- `model_weights` has the attribute `layer_names` and one group per layer; each layer group
  has the attribute `weight_names` (e.g. `dense/kernel:0`) naming its datasets, in the
  order of the layer's trainable weights followed by its non-trainable ones.

The config is converted to Keras 3's shape and built through `k_layers.serialization`, so
only built-in and registered classes are ever created: nothing is unpickled or imported, a
Lambda's saved bytecode loads only with `safe_mode=False`, and sizes are checked before
anything is read. The training config (optimizer, losses) is not restored.
"""

import json
import warnings

import numpy as np

from k_layers.saving.archive import MAX_JSON_BYTES
from k_layers.saving.weights_store import MAX_DATASET_BYTES

__all__ = ["is_legacy_h5", "load_legacy_h5_model"]

_MODEL_CLASSES = ("Sequential", "Functional", "Model")

# Keras 2 config keys that Keras 3 no longer has (or ignores); they are dropped.
_LEGACY_KEYS = {"time_major", "fused", "virtual_batch_size", "adjustment", "renorm", "renorm_clipping",
                "renorm_momentum", "ragged", "input_length", "implementation"}
_LAYER_KEYS = {"name", "trainable", "dtype", "autocast", "activity_regularizer", "input_shape",
               "batch_input_shape", "batch_size", "input_dim"}


def is_legacy_h5(f):
    """Whether an open h5py File is a Keras 2 whole-model file."""
    return "model_config" in f.attrs


def _read_attr(group, name, label):
    if name not in group.attrs:
        return None
    attr = group.attrs.get_id(name)
    size = int(np.prod(attr.shape or (), dtype=np.int64)) * attr.dtype.itemsize
    try:
        size = max(size, attr.get_storage_size())
    except RuntimeError:  # an empty attribute has no storage
        pass
    if size > MAX_JSON_BYTES:
        raise ValueError(f"Refusing to load {label}: attribute {name!r} is {size} bytes (limit "
                         f"{MAX_JSON_BYTES}).")
    value = group.attrs[name]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in value.tolist()]
    return value


# -- config conversion ------------------------------------------------------------------
def convert_config(config, safe_mode=True, custom_objects=None):
    """A Keras 2 `{"class_name", "config"}` layer or model config in Keras 3's shape."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError("Legacy h5 config: expected a {'class_name', 'config'} dict; "
                         f"got {config!r:.200}.")
    class_name = config["class_name"]
    inner = dict(config.get("config") or {})
    if class_name == "Sequential":
        layers = inner.get("layers", [])
        if not isinstance(layers, list):
            raise ValueError("Legacy h5 config: Sequential 'layers' is not a list.")
        inner["layers"] = [convert_config(c, safe_mode, custom_objects) for c in layers]
        if not isinstance(inner.get("dtype"), (str, type(None))):
            inner.pop("dtype")
    elif class_name in ("Functional", "Model"):
        class_name = "Functional"
        inner = _convert_functional(inner, safe_mode, custom_objects)
    else:
        inner = _convert_layer(class_name, inner, safe_mode, custom_objects)
    out = {"class_name": class_name, "config": inner}
    for key in ("module", "registered_name"):
        if isinstance(config.get(key), str):
            out[key] = config[key]
    return out


def _convert_functional(inner, safe_mode, custom_objects):
    layers = inner.get("layers", [])
    if not isinstance(layers, list):
        raise ValueError("Legacy h5 config: Functional 'layers' is not a list.")
    entries = []
    for entry in layers:
        if not isinstance(entry, dict):
            raise ValueError(f"Legacy h5 config: bad Functional layer entry {entry!r:.200}.")
        converted = convert_config(entry, safe_mode, custom_objects)
        name = entry.get("name") or converted["config"].get("name")
        converted["config"]["name"] = name
        converted["name"] = name
        converted["inbound_nodes"] = [_convert_node(n) for n in entry.get("inbound_nodes", [])]
        entries.append(converted)
    out = {"name": inner.get("name"), "trainable": inner.get("trainable", True), "layers": entries,
           "input_layers": _refs(inner.get("input_layers", [])),
           "output_layers": _refs(inner.get("output_layers", []))}
    return out


def _refs(refs):
    """Keras 2 writes even one input as `[["x", 0, 0]]`; one reference is a single tensor, as in Keras 2."""
    if isinstance(refs, dict):
        return {k: list(v[:3]) for k, v in refs.items()}
    if refs and isinstance(refs[0], (list, tuple)) and len(refs) == 1:
        return list(refs[0][:3])
    if refs and isinstance(refs[0], (list, tuple)):
        return [list(r[:3]) for r in refs]
    return list(refs[:3])


def _tensor(ref):
    if not (isinstance(ref, (list, tuple)) and len(ref) >= 3 and isinstance(ref[0], str)):
        raise ValueError(f"Legacy h5 config: bad tensor reference {ref!r:.200} in inbound_nodes.")
    return {"class_name": "__keras_tensor__",
            "config": {"shape": None, "dtype": None, "keras_history": [ref[0], int(ref[1]), int(ref[2])]}}


def _convert_node(node):
    if isinstance(node, dict):  # already Keras 3's {"args", "kwargs"}
        return node
    if not isinstance(node, list) or not node:
        raise ValueError(f"Legacy h5 config: bad inbound node {node!r:.200}.")
    tensors = [_tensor(ref) for ref in node]
    kwargs = {}
    for ref in node:
        if len(ref) > 3 and isinstance(ref[3], dict):
            kwargs.update(ref[3])
    kwargs = {k: _tensor(v) if _looks_like_ref(v) else v for k, v in kwargs.items()}
    args = [tensors[0]] if len(tensors) == 1 else [tensors]
    return {"args": args, "kwargs": kwargs}


def _looks_like_ref(value):
    return isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) and \
        all(isinstance(v, int) for v in value[1:])


def _convert_layer(class_name, inner, safe_mode, custom_objects):
    from k_layers.serialization import get_registered_object

    if isinstance(inner.get("dtype"), dict):  # a mixed-precision Policy
        policy = inner["dtype"].get("config", {})
        inner["dtype"] = policy.get("name") if isinstance(policy, dict) else None
    if class_name == "InputLayer":
        if "batch_input_shape" in inner:
            inner["batch_shape"] = inner.pop("batch_input_shape")
        inner.pop("ragged", None)
        return inner
    if class_name == "Lambda":
        return _convert_lambda(inner, safe_mode, custom_objects)
    if class_name == "BatchNormalization" and isinstance(inner.get("axis"), list):
        if len(inner["axis"]) != 1:
            raise ValueError(f"BatchNormalization '{inner.get('name')}': several axes {inner['axis']} "
                             "are not supported.")
        inner["axis"] = inner["axis"][0]
    for key in _LEGACY_KEYS & set(inner):
        inner.pop(key)
    cls = get_registered_object(class_name, custom_objects)
    if cls is None:
        from k_layers.serialization import _lookup

        cls = _lookup(class_name, None, custom_objects, None)
    if isinstance(cls, type):
        accepted = _accepted_keys(cls)
        if accepted is not None:
            unknown = sorted(set(inner) - accepted)
            if unknown:
                warnings.warn(f"Legacy h5: {class_name} '{inner.get('name')}' ignores the Keras 2 "
                              f"settings {unknown}.", stacklevel=4)
                for key in unknown:
                    inner.pop(key)
    return inner


def _accepted_keys(cls):
    """The keyword arguments `cls(**config)` takes, or None when it takes any."""
    import inspect

    from k_layers.layer import Layer

    keys = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        init = getattr(init, "__wrapped__", init)
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        keys |= {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return keys - {"self"}
        if klass is Layer:
            return (keys | _LAYER_KEYS) - {"self"}
    return None


def _convert_lambda(inner, safe_mode, custom_objects):
    from k_layers.serialization import get_registered_object

    for key, type_key in (("function", "function_type"), ("output_shape", "output_shape_type")):
        value, kind = inner.get(key), inner.pop(type_key, None)
        inner.pop(key + "_module", None)
        if kind == "lambda" and value is not None:
            if safe_mode:
                raise ValueError(f"Lambda layer '{inner.get('name')}': its {key} is a saved Python lambda "
                                 "(bytecode that would run on load). kappa refuses it in safe mode; if you "
                                 "trust the file, load it with safe_mode=False.")
            code, defaults, closure = (list(value) + [None, None])[:3] if isinstance(value, list) \
                else (value, None, None)
            inner[key] = {"class_name": "__lambda__",
                          "config": {"code": code, "defaults": defaults, "closure": closure}}
        elif kind == "function" and isinstance(value, str):
            fn = get_registered_object(value, custom_objects)
            if fn is None:
                raise ValueError(f"Lambda layer '{inner.get('name')}': unknown function {value!r}; "
                                 "register it or pass it in custom_objects.")
            inner[key] = fn
        elif kind == "raw" and isinstance(value, list):
            inner[key] = tuple(value)
    inner.pop("module", None)
    return inner


# -- loading ---------------------------------------------------------------------------
def load_legacy_h5_model(f, label, custom_objects=None, compile=True, safe_mode=True):
    """Build the model a Keras 2 `.h5` file (an open h5py File) describes and load its weights."""
    from k_layers.serialization import deserialize_keras_object

    text = _read_attr(f, "model_config", label)
    try:
        config = json.loads(text)
    except (TypeError, ValueError) as e:
        raise ValueError(f"Cannot load {label}: its model_config is not valid JSON ({e}).") from None
    config = convert_config(config, safe_mode=safe_mode, custom_objects=custom_objects)
    model = deserialize_keras_object(config, custom_objects=custom_objects, safe_mode=safe_mode)
    if "model_weights" not in f:
        raise ValueError(f"Cannot load {label}: it has no 'model_weights' group.")
    load_legacy_weights(model, f["model_weights"], label)
    if compile and "training_config" in f.attrs:
        warnings.warn(f"{label}: the Keras 2 training configuration is not restored; the model is loaded "
                      "uncompiled (call compile()).", stacklevel=3)
    return model


def _legacy_weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def load_legacy_weights(model, group, label):
    """Load Keras 2 `model_weights` (layer groups named by `layer_names`) into `model`'s layers by name."""
    layer_names = _read_attr(group, "layer_names", label) or []
    by_name = {layer.name: layer for layer in model.layers}
    for name in layer_names:
        if name not in group:
            raise ValueError(f"Cannot load {label}: layer group {name!r} is missing.")
        layer_group = group[name]
        weight_names = _read_attr(layer_group, "weight_names", label) or []
        if not weight_names:
            continue
        layer = by_name.get(name)
        if layer is None:
            raise ValueError(f"Cannot load {label}: the file has weights for layer {name!r}, which the "
                             "model does not have.")
        variables = _legacy_weights(layer)
        if len(variables) != len(weight_names):
            raise ValueError(f"Cannot load {label}: layer {name!r} has {len(variables)} weights but the file "
                             f"holds {len(weight_names)}.")
        values = []
        for variable, weight_name in zip(variables, weight_names, strict=True):
            dataset = layer_group.get(weight_name)
            if dataset is None or not hasattr(dataset, "shape"):
                raise ValueError(f"Cannot load {label}: dataset {name}/{weight_name} is missing.")
            shape = tuple(int(d) for d in variable.shape)
            if tuple(dataset.shape) != shape:
                raise ValueError(f"Cannot load {label}: {name}/{weight_name} has shape "
                                 f"{tuple(dataset.shape)}, the model's weight {shape}.")
            if dataset.dtype.kind not in "fiub":
                raise ValueError(f"Cannot load {label}: {name}/{weight_name} is not numeric.")
            if int(np.prod(shape, dtype=np.int64)) * dataset.dtype.itemsize > MAX_DATASET_BYTES:
                raise ValueError(f"Cannot load {label}: {name}/{weight_name} is too big.")
            values.append(np.asarray(dataset[()]))
        for variable, value in zip(variables, values, strict=True):
            variable.assign(value.astype(variable.dtype) if hasattr(variable, "dtype") else value)
