"""The other core layers: Identity, Masking, Lambda and the Wrapper base."""

import base64
import builtins
import inspect
import marshal
import types

from k_layers.layer import Layer, map_structure, shapes_to_tensors
from k_layers.serialization import (
    builtin,
    deserialize_keras_object,
    get_custom_objects,
    in_safe_mode,
    serialize_keras_object,
)
from k_ops import core as kcore
from k_ops import numpy as knp
from k_ops.symbolic import KerasTensor

__all__ = ["Identity", "Lambda", "Masking", "Wrapper"]


# -- Identity and Masking ---------------------------------------------------------
@builtin("keras.layers")
class Identity(Layer):
    """Return the inputs unchanged (a placeholder; masks pass through).

    Example:
    >>> Identity()(np.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs):
        return map_structure(lambda x: KerasTensor(x.shape, x.dtype, sparse=x.sparse, ragged=x.ragged)
                             if isinstance(x, KerasTensor) else x, inputs)


@builtin("keras.layers")
class Masking(Layer):
    """Mask the timesteps whose features all equal `mask_value` (and zero them).

    The output mask (shape `inputs.shape[:-1]`) is True where any feature differs
    from `mask_value`; downstream layers that support masking skip the others.

    Args:
        mask_value: the padding value.

    Example:
    >>> Masking(0.0)(np.array([[[1.0], [0.0]]]))._keras_mask   # [[True, False]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float)):
            raise TypeError(f"Masking: mask_value must be a number; got mask_value={mask_value!r}.")
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, mask=None):
        return knp.any(knp.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = knp.any(knp.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return knp.multiply(inputs, kcore.cast(keep, inputs.dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}


# -- Lambda -----------------------------------------------------------------------
def _is_python_lambda(fn):
    return isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>"


def _serialize_callable(fn):
    """A Python lambda as marshalled, base64 bytecode (Keras's format); anything else by name."""
    if not _is_python_lambda(fn):
        return serialize_keras_object(fn)
    code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
    closure = tuple(cell.cell_contents for cell in fn.__closure__) if fn.__closure__ else None
    return {"class_name": "__lambda__",
            "config": {"code": code, "defaults": fn.__defaults__, "closure": closure}}


def _load_lambda(config, custom_objects):
    """Rebuild a Python lambda from its bytecode (only reached with safe_mode=False)."""
    try:
        code = marshal.loads(base64.decodebytes(config["code"].encode("ascii")))
    except (ValueError, EOFError, TypeError, KeyError) as e:
        raise ValueError("Lambda: cannot load the saved lambda's bytecode (it is only readable by the "
                         f"Python version that wrote it): {e}.") from None
    if not isinstance(code, types.CodeType):
        raise ValueError("Lambda: the saved 'code' entry is not Python bytecode.")
    names = {"__builtins__": builtins}
    try:
        import kappa

        names.update(keras=kappa, kappa=kappa, ops=kappa.ops)
    except (ImportError, AttributeError):  # k-layers alone: the ops still resolve
        import k_ops

        names.update(ops=k_ops)
    names.update(get_custom_objects())
    names.update(custom_objects or {})
    defaults = config.get("defaults")
    closure = config.get("closure")
    cells = tuple(types.CellType(v) for v in closure) if closure is not None else None
    return types.FunctionType(code, names, code.co_name, tuple(defaults) if defaults else None, cells)


def _accepts(fn, name):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def _is_shape(value):
    return isinstance(value, (list, tuple)) and all(d is None or isinstance(d, int) for d in value)


def _with_batch(output_shape, batch):
    """Prefix every shape in a (possibly nested) `output_shape` with the batch size."""
    if _is_shape(output_shape):
        return (batch, *output_shape)
    if isinstance(output_shape, dict):
        return {k: _with_batch(v, batch) for k, v in output_shape.items()}
    return type(output_shape)(_with_batch(v, batch) for v in output_shape)


@builtin("keras.layers")
class Lambda(Layer):
    """Wrap a function of the inputs as a layer (for quick, weight-free computations).

    Args:
        function: called as `function(inputs, **arguments)` (plus `mask` / `training`
            when it takes them).
        output_shape: the output shape without the batch dimension, or a function of
            the input shape; by default it is inferred by running `function` symbolically.
        mask: the output mask, or a function `(inputs, mask) -> mask`.
        arguments: extra keyword arguments for `function`.

    A Python lambda is saved as bytecode, which kappa loads only with `safe_mode=False`:
    prefer a named, registered function for models you share.

    Example:
    >>> Lambda(lambda x: x * 2)(np.ones((1, 3)))   # [[2., 2., 2.]]
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable; got function={function!r}.")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"Lambda: arguments must be a dict of keyword arguments or None; got "
                            f"arguments={arguments!r}.")
        if output_shape is not None and not callable(output_shape) and \
                not isinstance(output_shape, (list, tuple)):
            raise TypeError(f"Lambda: output_shape must be a tuple, a function of the input shape or None; "
                            f"got output_shape={output_shape!r}.")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        self._takes_mask = _accepts(function, "mask")
        self._takes_training = _accepts(function, "training")
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._takes_mask:
            kwargs["mask"] = mask
        if self._takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        first = input_shape
        while isinstance(first, (list, tuple, dict)) and first:
            first = next(iter(first.values())) if isinstance(first, dict) else first[0]
        return _with_batch(self._output_shape, first)

    def compute_output_spec(self, inputs, mask=None, training=None):
        if self._output_shape is None:
            return self.call(inputs, mask=mask, training=training)
        shapes = self.compute_output_shape(map_structure(lambda x: tuple(x.shape), inputs))
        return shapes_to_tensors(shapes, self.compute_dtype)

    def get_config(self):
        config = {**super().get_config(), "function": _serialize_callable(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = _serialize_callable(self._output_shape) \
                if callable(self._output_shape) else self._output_shape
        if self.mask is not None:
            config["mask"] = _serialize_callable(self.mask) if callable(self.mask) else self.mask
        config["arguments"] = serialize_keras_object(self.arguments)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuild a Lambda; a saved Python lambda (bytecode) needs `safe_mode=False`."""
        config = dict(config)
        safe = in_safe_mode() if safe_mode is None else bool(safe_mode)
        for key in ("function", "output_shape", "mask"):
            value = config.get(key)
            if isinstance(value, dict) and value.get("class_name") == "__lambda__":
                if safe:
                    raise ValueError(
                        f"Lambda layer '{config.get('name')}': its {key} is a saved Python lambda, i.e. "
                        "bytecode that would run on load. kappa refuses it in safe mode; if you trust the "
                        "file, load it with safe_mode=False (or use a named, registered function).")
                config[key] = _load_lambda(value["config"], custom_objects)
            elif isinstance(value, dict) and "class_name" in value:
                config[key] = deserialize_keras_object(value, custom_objects=custom_objects,
                                                       safe_mode=safe)
            elif key == "output_shape" and isinstance(value, list):
                config[key] = tuple(value)
        if "arguments" in config:
            config["arguments"] = deserialize_keras_object(config["arguments"], custom_objects=custom_objects,
                                                           safe_mode=safe)
        return super().from_config(config)


# -- Wrapper ----------------------------------------------------------------------
@builtin("keras.layers")
class Wrapper(Layer):
    """The base of layers that wrap another layer (`self.layer`), e.g. TimeDistributed.

    Subclasses implement `call`; building builds the inner layer, and the config holds
    the inner layer's serialized config under "layer".

    Args:
        layer: the layer to wrap.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__}: layer must be a kappa Layer instance; got "
                             f"layer={layer!r}.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True

    def get_config(self):
        return {**super().get_config(), "layer": serialize_keras_object(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_keras_object(config["layer"], custom_objects=custom_objects)
        return super().from_config(config)
