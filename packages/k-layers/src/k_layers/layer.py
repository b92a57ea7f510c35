"""`Layer`: state (weights) plus a computation (`call`), built from its first input's shape.

Calling a layer (`layer(x)`) does, in order: casts float inputs to the dtype policy's
compute dtype, checks `input_spec`, builds the layer from the input shapes the first
time, resolves `training` (explicit argument, else the enclosing layer's, else the
default of `call`) and `mask` (explicit, else the mask the input carries), runs `call`
(or, for symbolic inputs, `compute_output_spec` and a new Node of the Functional graph),
attaches the output mask and records the activity regularization loss.

Sub-layers, variables, seed generators and metrics are found by walking the layer's
attributes (including lists, tuples and dicts), so plain Python assignment tracks them.
"""

import functools
import inspect
import re
import threading
import weakref

import numpy as np

from k_backends import dtypes
from k_backends.seed import SeedGenerator
from k_backends.selection import current
from k_backends.variables import AutocastScope, StatelessScope, Variable, name_scope, stateless_scope
from k_layers import dtype_policies
from k_layers.input_spec import assert_input_compatibility
from k_layers.serialization import builtin, serialize_keras_object
from k_ops.symbolic import KerasTensor, Node, flatten, records_history

__all__ = ["Layer", "get_mask", "set_mask", "map_structure", "clear_session", "unique_name",
           "shapes_to_tensors"]

_local = threading.local()
_name_counts = {}


# -- names ------------------------------------------------------------------------
def _snake_case(name):
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base):
    """`base`, then `base_1`, `base_2`, ... within the session (as Keras names layers)."""
    count = _name_counts.get(base, 0)
    _name_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def clear_session():
    """Forget the layer-name counters (new layers are named from `dense` again)."""
    _name_counts.clear()


# -- structures -------------------------------------------------------------------
def map_structure(fn, structure):
    """Apply `fn` to every leaf of nested lists, tuples and dicts, keeping the structure."""
    if isinstance(structure, list):
        return [map_structure(fn, x) for x in structure]
    if isinstance(structure, tuple) and not hasattr(structure, "_fields"):
        return tuple(map_structure(fn, x) for x in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def _is_tensor(x):
    return isinstance(x, (KerasTensor, np.ndarray)) or current().core.is_tensor(x)


def _shape_of(x):
    if isinstance(x, (KerasTensor, np.ndarray, Variable)):
        return tuple(x.shape)
    if current().core.is_tensor(x):
        return tuple(current().core.shape(x))
    return None


# -- masks on tensors -------------------------------------------------------------
_masks = {}


def set_mask(x, mask):
    """Attach `mask` to tensor `x` (an attribute where the tensor type allows one)."""
    try:
        x._keras_mask = mask
        return
    except (AttributeError, TypeError):
        pass
    key = id(x)
    _masks[key] = mask
    try:
        weakref.finalize(x, _masks.pop, key, None)
    except TypeError:
        pass  # not weak-referenceable: the entry lives until overwritten


def get_mask(x):
    """The mask attached to `x`, or None."""
    mask = getattr(x, "_keras_mask", None)
    if mask is None and not isinstance(x, KerasTensor):
        mask = _masks.get(id(x))
    return mask


# -- the call context -------------------------------------------------------------
def _contexts():
    stack = getattr(_local, "contexts", None)
    if stack is None:
        stack = _local.contexts = []
    return stack


class _CallContext:
    def __init__(self, training):
        self.training = training


def _call_spec(cls):
    """What `call` accepts, read once per class."""
    cached = cls.__dict__.get("_kappa_call_spec")
    if cached is not None:
        return cached
    params = list(inspect.signature(cls.call).parameters.values())[1:]
    names = [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    var_kwargs = any(p.kind == p.VAR_KEYWORD for p in params)
    training_default = None
    for p in params:
        if p.name == "training" and p.default is not p.empty:
            training_default = p.default
    spec = {
        "names": names,
        "first": names[0] if names else None,
        "training": "training" in names or var_kwargs,
        "training_default": training_default,
        "mask": "mask" in names,
    }
    cls._kappa_call_spec = spec
    return spec


def _build_params(layer):
    params = list(inspect.signature(layer.build).parameters.values())
    return [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _wrap_build(build):
    """Make `build` run in the layer's name scope and mark the layer built (once per class)."""
    if getattr(build, "_kappa_wrapped", False):
        return build

    def wrapped(self, *args, **kwargs):
        if getattr(self, "_kappa_building", False):
            return build(self, *args, **kwargs)
        self._kappa_building = True
        try:
            with _layer_scope(self):
                result = build(self, *args, **kwargs)
        finally:
            self._kappa_building = False
        self._kappa_build_shapes = _recorded_shapes(build, self, args, kwargs)
        self.built = True
        if not self._kappa_locked_spec:
            self._lock_input_spec()
        return result

    wrapped._kappa_wrapped = True
    wrapped.__wrapped__ = build
    wrapped.__doc__ = build.__doc__
    wrapped.__name__ = build.__name__
    return wrapped


def _record_init_args(init):
    """Keep the arguments of the outermost `__init__` call, for get_config() of simple layers."""
    @functools.wraps(init)
    def wrapped(self, *args, **kwargs):
        if "_kappa_init_args" not in self.__dict__:
            object.__setattr__(self, "_kappa_init_args", (args, kwargs))
        init(self, *args, **kwargs)

    return wrapped


def _recorded_shapes(build, layer, args, kwargs):
    try:
        bound = inspect.signature(build).bind(layer, *args, **kwargs)
    except TypeError:
        return None
    shapes = {k: v for k, v in bound.arguments.items() if k != "self"}
    return {k: _plain_shape(v) for k, v in shapes.items()}


def _plain_shape(shape):
    if isinstance(shape, dict):
        return {k: _plain_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple, dict)):
        return [_plain_shape(s) for s in shape]
    if isinstance(shape, (list, tuple)):
        return tuple(None if d is None else int(d) for d in shape)
    return shape


class _layer_scope:
    """The layer's name scope, entered once even when build and call nest."""

    def __init__(self, layer):
        self.layer = layer

    def __enter__(self):
        self.entered = not getattr(self.layer, "_kappa_in_scope", False)
        if self.entered:
            self.scope = name_scope(self.layer.name)
            self.scope.__enter__()
            self.layer._kappa_in_scope = True
        return self

    def __exit__(self, *exc):
        if self.entered:
            self.layer._kappa_in_scope = False
            self.scope.__exit__(*exc)


def _is_metric(obj):
    return hasattr(obj, "update_state") and hasattr(obj, "reset_state") and hasattr(obj, "result")


@builtin("keras")
@builtin("keras.layers")
class Layer:
    """The base of every layer: weights, a `call`, and the bookkeeping around it.

    Subclass it and implement `build(input_shape)` (create weights with
    `add_weight`) and `call(inputs, ...)`; `call` may take `training` and `mask`.

    Args:
        activity_regularizer: a regularizer applied to the layer's outputs.
        trainable: whether its weights are trained.
        dtype: the dtype policy (a policy, a name like "mixed_bfloat16", a dtype).
        autocast: whether float inputs are cast to the compute dtype and float
            variables read in it during `call`.
        name: the layer's name (unique by default: `dense`, `dense_1`, ...).

    Example:
    >>> class Scale(kappa.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, x):
    ...         return x * self.scale
    >>> Scale()(np.ones((2, 3))).shape
    (2, 3)
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _wrap_build(cls.__dict__["build"])
        if "__init__" in cls.__dict__:
            cls.__init__ = _record_init_args(cls.__dict__["__init__"])

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True, name=None,
                 **kwargs):
        input_shape = kwargs.pop("input_shape", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        batch_size = kwargs.pop("batch_size", None)
        input_dim = kwargs.pop("input_dim", None)
        kwargs.pop("input_length", None)
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected keyword arguments: {sorted(kwargs)}.")
        if name is not None and (not isinstance(name, str) or "/" in name or not name):
            raise ValueError(f"A layer name must be a non-empty string without '/'; got name={name!r}.")
        from k_layers import regularizers

        self.name = name or unique_name(_snake_case(type(self).__name__))
        self._kappa_trainable = bool(trainable)
        self.built = False
        self.autocast = bool(autocast)
        self.dtype_policy = dtype
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.supports_masking = getattr(self, "supports_masking", False)
        self.input_spec = None
        self._kappa_locked_spec = False
        self._kappa_weights = []
        self._kappa_losses = []
        self._kappa_build_shapes = None
        self._kappa_in_scope = False
        self._kappa_building = False
        self._inbound_nodes = []
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (batch_size, *tuple(input_shape))
        self._batch_input_shape = tuple(batch_input_shape) if batch_input_shape is not None else None

    # -- dtype policy -------------------------------------------------------------
    @property
    def dtype_policy(self):
        return self._kappa_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        policy = dtype_policies.get(value)
        if policy.quantization_mode is not None and type(self).__name__ not in _QUANTIZABLE:
            raise ValueError(f"Layer '{getattr(self, 'name', type(self).__name__)}': quantized dtype "
                             f"policies ({policy.name}) need kappa's quantization support, which this "
                             "version does not include yet; use a float policy.")
        self._kappa_policy = policy

    @property
    def dtype(self):
        """The dtype of the layer's variables."""
        return self._kappa_policy.variable_dtype

    @property
    def compute_dtype(self):
        """The dtype the layer computes in."""
        return self._kappa_policy.compute_dtype

    @property
    def variable_dtype(self):
        return self._kappa_policy.variable_dtype

    @property
    def quantization_mode(self):
        return self._kappa_policy.quantization_mode

    # -- weights ------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", overwrite_with_gradient=False,
                   name=None):
        """Create a variable owned by this layer (its path is `layer_name/name`).

        `initializer` defaults to "glorot_uniform" for floats and "zeros" otherwise;
        `dtype` to the policy's variable dtype. `regularizer` adds a loss to
        `losses`; `constraint` is applied after each optimizer update.
        """
        from k_layers import constraints, initializers, regularizers

        self._check_initialized()
        shape = () if shape is None else tuple(shape)
        for d in shape:
            if d is None or isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0:
                raise ValueError(f"Layer '{self.name}': add_weight needs a fully known shape of "
                                 f"non-negative ints; got shape={shape} for weight {name!r}.")
        dtype = dtypes.standardize_dtype(dtype) if dtype is not None else self.variable_dtype
        if initializer is None:
            initializer = "glorot_uniform" if dtypes.is_float_dtype(dtype) else "zeros"
        initializer = initializers.get(initializer)
        with _layer_scope(self):
            variable = Variable(initializer, shape=shape, dtype=dtype, trainable=trainable,
                                autocast=autocast, aggregation=aggregation, name=name or "variable")
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint)
        variable.overwrite_with_gradient = bool(overwrite_with_gradient)
        variable._kappa_created_trainable = bool(trainable)
        self._kappa_weights.append(variable)
        return variable

    def add_variable(self, shape, initializer, dtype=None, trainable=True, autocast=True,
                     regularizer=None, constraint=None, name=None):
        """The same as `add_weight` (kept for Keras 3 code that calls it)."""
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype, trainable=trainable,
                               autocast=autocast, regularizer=regularizer, constraint=constraint, name=name)

    def _check_initialized(self):
        if "_kappa_weights" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() in __init__ before "
                               "using the layer.")

    # -- tracking -----------------------------------------------------------------
    def _tracked(self):
        """Sub-layers, variables, seed generators and metrics among the attributes, in order."""
        found = {"layers": [], "variables": [], "seeds": [], "metrics": []}
        seen = {id(self)}

        def visit(value):
            if id(value) in seen:
                return
            if isinstance(value, Layer):
                seen.add(id(value))
                found["layers"].append(value)
            elif isinstance(value, Variable):
                seen.add(id(value))
                found["variables"].append(value)
            elif isinstance(value, SeedGenerator):
                seen.add(id(value))
                found["seeds"].append(value)
            elif _is_metric(value) and not isinstance(value, type):
                seen.add(id(value))
                found["metrics"].append(value)
            elif isinstance(value, (list, tuple)):
                seen.add(id(value))
                for item in value:
                    visit(item)
            elif isinstance(value, dict):
                seen.add(id(value))
                for item in value.values():
                    visit(item)

        for variable in self.__dict__.get("_kappa_weights", ()):
            seen.add(id(variable))
        for key, value in self.__dict__.items():
            if not key.startswith("_kappa") and key not in _UNTRACKED:
                visit(value)
        return found

    @property
    def _layers(self):
        return self._tracked()["layers"]

    def _flatten_layers(self, include_self=True, recursive=True):
        layers = [self] if include_self else []
        for layer in self._layers:
            layers.append(layer)
            if recursive:
                layers.extend(layer._flatten_layers(include_self=False))
        unique, seen = [], set()
        for layer in layers:
            if id(layer) not in seen:
                seen.add(id(layer))
                unique.append(layer)
        return unique

    def _own_weights(self):
        """This layer's own weights: those created trainable first, then the others (Keras's order)."""
        created = self._kappa_weights + self._tracked()["variables"]
        first = [v for v in created if getattr(v, "_kappa_created_trainable", v.trainable)]
        return first + [v for v in created if not getattr(v, "_kappa_created_trainable", v.trainable)]

    @property
    def weights(self):
        """Every weight: this layer's (created-trainable first), then its sub-layers'; no seed state."""
        result = self._own_weights()
        for layer in self._layers:
            result.extend(layer.weights)
        return _unique(result)

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    @property
    def variables(self):
        """All state: the weights plus seed-generator states."""
        return self.trainable_variables + self.non_trainable_variables

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        result = list(self.non_trainable_weights)
        for layer in self._flatten_layers():
            for seed in layer._tracked()["seeds"]:
                result.append(seed.state)
        return _unique(result)

    @property
    def metrics(self):
        result = []
        for layer in self._flatten_layers():
            result.extend(layer._tracked()["metrics"])
        return result

    @property
    def metrics_variables(self):
        return [v for metric in self.metrics for v in getattr(metric, "variables", [])]

    @property
    def trainable(self):
        return self._kappa_trainable

    @trainable.setter
    def trainable(self, value):
        """Freezing (or unfreezing) a layer does the same to all its sub-layers."""
        value = bool(value)
        for layer in self._flatten_layers():
            layer._kappa_trainable = value
            for variable in layer._own_weights():
                if getattr(variable, "_kappa_created_trainable", False):
                    variable.trainable = value

    def count_params(self):
        """The number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError(f"Layer '{self.name}' is not built yet, so it has no weights to count; "
                             "call it on data or call build(input_shape) first.")
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    def get_weights(self):
        """The weights' values as NumPy arrays, in `weights` order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Set the weights from NumPy arrays in `weights` order (count and shapes are checked)."""
        variables = self.weights
        weights = list(weights)
        if len(weights) != len(variables):
            raise ValueError(f"Layer '{self.name}' has {len(variables)} weights, but set_weights received "
                             f"{len(weights)}.")
        for variable, value in zip(variables, weights, strict=True):
            shape = tuple(np.shape(value))
            if shape != tuple(variable.shape):
                raise ValueError(f"Layer '{self.name}': weight {variable.path!r} has shape "
                                 f"{tuple(variable.shape)}, but set_weights received shape {shape}.")
        for variable, value in zip(variables, weights, strict=True):
            variable.assign(np.asarray(value))

    # -- losses -------------------------------------------------------------------
    def add_loss(self, loss):
        """Record a scalar loss (e.g. a regularization term) computed in `call`."""
        scope = stateless_scope()
        if scope is not None and scope.collect_losses:
            scope.add_loss(loss)
            return
        self._kappa_losses.append(loss)

    @property
    def losses(self):
        """Losses added during the last call, plus the weight regularizers' current values."""
        result = []
        for layer in self._flatten_layers():
            result.extend(layer._kappa_losses)
        for variable in self.trainable_weights:
            regularizer = getattr(variable, "regularizer", None)
            if regularizer is not None:
                result.append(regularizer(variable.value))
        return result

    def _clear_losses(self):
        for layer in self._flatten_layers():
            layer._kappa_losses = []

    # -- building -----------------------------------------------------------------
    def build(self, input_shape=None):
        """Create the layer's weights for inputs of `input_shape` (override it)."""
        self._kappa_build_shapes = {"input_shape": _plain_shape(input_shape)} \
            if input_shape is not None else None
        self.built = True

    def _lock_input_spec(self):
        """After the first build, fix the input spec's axes to what was built."""
        self._kappa_locked_spec = True

    def _maybe_build(self, args, kwargs):
        if self.built:
            return
        spec = _call_spec(type(self))
        params = _build_params(self)
        shapes = {}
        first = args[0] if args else kwargs.get(spec["first"])
        if len(params) == 1:
            shapes[params[0].name] = map_structure(_shape_of, first) if first is not None else None
        else:
            bound = dict(zip(spec["names"], args, strict=False))
            bound.update(kwargs)
            for p in params:
                argument = p.name[:-len("_shape")] if p.name.endswith("_shape") else p.name
                if argument in bound and bound[argument] is not None:
                    shapes[p.name] = map_structure(_shape_of, bound[argument])
                elif p.default is p.empty:
                    raise ValueError(f"Layer '{self.name}': cannot build it automatically: build() takes "
                                     f"{p.name!r}, which matches no argument of call().")
        if type(self).build is Layer.build:
            self.build(shapes.get("input_shape", next(iter(shapes.values()), None)))
            return
        self.build(**shapes)

    def get_build_config(self):
        """The shapes the layer was built with, so a loaded layer rebuilds the same weights."""
        if not self.built or self._kappa_build_shapes is None:
            return None
        shapes = self._kappa_build_shapes
        if len(shapes) == 1:
            (key, value), = shapes.items()
            return {"input_shape": value} if key in ("input_shape", next(iter(shapes))) else shapes
        return {"shapes_dict": shapes}

    def build_from_config(self, config):
        """Build from `get_build_config()`'s output."""
        if not config:
            return
        if "input_shape" in config:
            self.build(_plain_shape(config["input_shape"]))
        elif "shapes_dict" in config:
            self.build(**{k: _plain_shape(v) for k, v in config["shapes_dict"].items()})

    # -- calling ------------------------------------------------------------------
    def call(self, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call(); subclasses "
                                  "define the computation there.")

    def __call__(self, *args, **kwargs):
        self._check_initialized()
        spec = _call_spec(type(self))
        original_args, original_kwargs = args, dict(kwargs)
        args, kwargs = self._convert_inputs(args, kwargs, spec)
        symbolic = any(isinstance(x, KerasTensor) for x in flatten((args, kwargs)))
        inputs = args[0] if args else kwargs.get(spec["first"])

        if self.input_spec is not None and inputs is not None:
            assert_input_compatibility(self.input_spec, inputs, self.name)
        if not self.built:
            with _layer_scope(self):
                self._maybe_build(args, kwargs)
            if self.input_spec is not None and inputs is not None:
                assert_input_compatibility(self.input_spec, inputs, self.name)

        outer = _contexts()
        if spec["training"]:
            training = kwargs.get("training")
            if training is None and outer and outer[-1].training is not None:
                training = outer[-1].training
            if training is None:
                training = spec["training_default"]
            if "training" in spec["names"] or training is not None:
                kwargs["training"] = training
        else:
            training = kwargs.pop("training", None)
            if training is None and outer:
                training = outer[-1].training
        previous_mask = None
        if inputs is not None:
            masks = [get_mask(x) for x in flatten(inputs)]
            if any(m is not None for m in masks):
                previous_mask = masks[0] if len(masks) == 1 else map_structure(get_mask, inputs)
        if spec["mask"] and kwargs.get("mask") is None and previous_mask is not None:
            kwargs["mask"] = previous_mask
        elif not spec["mask"] and "mask" in kwargs:
            given = kwargs.pop("mask")
            previous_mask = given if given is not None else previous_mask

        if not outer:
            self._clear_losses()
        outer.append(_CallContext(training))
        try:
            with _layer_scope(self), self._autocast_scope():
                if symbolic:
                    outputs = self._symbolic_call(args, kwargs)
                else:
                    outputs = self.call(*args, **kwargs)
        finally:
            outer.pop()

        self._set_output_masks(inputs, outputs, kwargs.get("mask", previous_mask))
        if self.activity_regularizer is not None and not symbolic:
            for output in flatten(outputs):
                if output is not None:
                    self.add_loss(self.activity_regularizer(output))
        if symbolic and records_history(original_args, original_kwargs):
            Node(self, original_args, original_kwargs, outputs)
        return outputs

    def _autocast_scope(self):
        policy = self._kappa_policy
        if self.autocast and policy.compute_dtype != policy.variable_dtype:
            return AutocastScope(policy.compute_dtype)
        return AutocastScope(None)

    def _convert_inputs(self, args, kwargs, spec):
        """NumPy inputs become tensors; float tensors are cast to the compute dtype (autocast)."""
        compute = self.compute_dtype
        convert = current().core.convert_to_tensor
        autocast = self.autocast and dtypes.is_float_dtype(compute)

        def fix(x, first):
            if isinstance(x, KerasTensor):
                if autocast and dtypes.is_float_dtype(x.dtype) and x.dtype != compute:
                    from k_ops.core import cast

                    mask = get_mask(x)
                    x = cast(x, compute)
                    if mask is not None:
                        x._keras_mask = mask
                return x
            if isinstance(x, (np.ndarray, np.generic)) and first:
                mask = get_mask(x)
                dtype = compute if autocast and np.asarray(x).dtype.kind == "f" else None
                x = convert(x, dtype=dtype)
                if mask is not None:
                    set_mask(x, mask)
                return x
            if autocast and not isinstance(x, (bool, int, float, str, type(None))) and \
                    current().core.is_tensor(x):
                if dtypes.is_float_dtype(dtypes.standardize_dtype(x.dtype)) and \
                        dtypes.standardize_dtype(x.dtype) != compute:
                    mask = get_mask(x)
                    x = current().core.cast(x, compute)
                    if mask is not None:
                        set_mask(x, mask)
            return x

        args = list(args)
        if args:
            args[0] = map_structure(lambda x: fix(x, True), args[0])
        for i in range(1, len(args)):
            args[i] = map_structure(lambda x: fix(x, False), args[i])
        for key in list(kwargs):
            if key in ("mask", "training"):
                continue
            first = key == spec["first"]
            kwargs[key] = map_structure(lambda x, first=first: fix(x, first), kwargs[key])
        return tuple(args), kwargs

    def _symbolic_call(self, args, kwargs):
        def placeholder(x):
            if isinstance(x, KerasTensor):
                copy = KerasTensor(x.shape, x.dtype, sparse=x.sparse, ragged=x.ragged, record_history=False)
                if x._keras_mask is not None:
                    copy._keras_mask = x._keras_mask
                return copy
            return x

        args = map_structure(placeholder, args)
        kwargs = {k: map_structure(placeholder, v) for k, v in kwargs.items()}
        outputs = self.compute_output_spec(*args, **kwargs)

        def fresh(x):
            if isinstance(x, KerasTensor):
                return KerasTensor(x.shape, x.dtype, sparse=x.sparse, ragged=x.ragged)
            return x

        return map_structure(fresh, outputs)

    def compute_output_spec(self, *args, **kwargs):
        """KerasTensors of the outputs for symbolic inputs: from `compute_output_shape` if the
        layer defines it, else by running `call` on the symbolic inputs."""
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            spec = _call_spec(type(self))
            first = args[0] if args else kwargs.get(spec["first"])
            shapes = self.compute_output_shape(map_structure(_shape_of, first))
            dtype = self.compute_dtype
            return shapes_to_tensors(shapes, dtype)
        return self.call(*args, **kwargs)

    def compute_output_shape(self, *args, **kwargs):
        """The output shape(s) for the given input shape(s) (defined by layers that know it)."""
        spec = _call_spec(type(self))
        first = args[0] if args else kwargs.get(spec["first"])
        tensors = shapes_to_tensors(first, self.compute_dtype) if first is not None else None
        kwargs = {k: v for k, v in kwargs.items() if k != spec["first"]}
        outputs = self.compute_output_spec(tensors, *args[1:], **kwargs)
        return map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, outputs)

    # -- masks --------------------------------------------------------------------
    def compute_mask(self, inputs, previous_mask):
        """The output mask: the input mask if the layer supports masking, else None."""
        if self.supports_masking:
            return previous_mask
        return None

    def _set_output_masks(self, inputs, outputs, previous_mask):
        if type(self).compute_mask is Layer.compute_mask and not self.supports_masking:
            return
        if previous_mask is None and type(self).compute_mask is Layer.compute_mask:
            return
        mask = self.compute_mask(inputs, previous_mask)
        if mask is None:
            return
        flat_outputs = flatten(outputs)
        flat_masks = flatten(mask) if isinstance(mask, (list, tuple)) else [mask] * len(flat_outputs)
        for output, m in zip(flat_outputs, flat_masks, strict=False):
            if output is not None and m is not None:
                if isinstance(output, KerasTensor):
                    output._keras_mask = m
                else:
                    set_mask(output, m)

    # -- pure-function use --------------------------------------------------------
    def stateless_call(self, trainable_variables, non_trainable_variables, *args, return_losses=False,
                       **kwargs):
        """Call the layer as a pure function of the given variable values.

        Returns `(outputs, non_trainable_variables)` (and the losses with
        `return_losses=True`): the updated non-trainable values (batch-norm
        statistics, seed states) instead of changing the layer. This is what a
        jitted training step calls.
        """
        if not self.built:
            raise ValueError(f"Layer '{self.name}' must be built before stateless_call (call it once or "
                             "call build()).")
        trainable, non_trainable = self.trainable_variables, self.non_trainable_variables
        if len(trainable_variables) != len(trainable):
            raise ValueError(f"stateless_call: layer '{self.name}' has {len(trainable)} trainable "
                             f"variables; got {len(trainable_variables)} values.")
        if len(non_trainable_variables) != len(non_trainable):
            raise ValueError(f"stateless_call: layer '{self.name}' has {len(non_trainable)} "
                             f"non-trainable variables; got {len(non_trainable_variables)} values.")
        mapping = list(zip(trainable, trainable_variables, strict=True)) + \
            list(zip(non_trainable, non_trainable_variables, strict=True))
        with StatelessScope(mapping, collect_losses=return_losses) as scope:
            outputs = self(*args, **kwargs)
            losses = list(self._kappa_losses) if return_losses else None
        values = []
        for variable, old in zip(non_trainable, non_trainable_variables, strict=True):
            new = scope.get_current_value(variable)
            values.append(old if new is None else new)
        if return_losses:
            return outputs, values, scope.losses + (losses or [])
        return outputs, values

    # -- graph access -------------------------------------------------------------
    @property
    def input(self):
        """The symbolic input of the layer's first call (Functional API)."""
        return self._node_attribute("input")

    @property
    def output(self):
        """The symbolic output of the layer's first call (Functional API)."""
        return self._node_attribute("output")

    def _node_attribute(self, which):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called on symbolic inputs, so it has "
                                 f"no {which}.")
        node = self._inbound_nodes[0]
        tensors = node.input_tensors if which == "input" else node.outputs
        return tensors[0] if len(tensors) == 1 else tensors

    # -- configuration ------------------------------------------------------------
    def get_config(self):
        """The constructor arguments as JSON-ready values (override to add your own)."""
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policies.serialize(self._kappa_policy)}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = serialize_keras_object(self.activity_regularizer)
        if type(self).get_config is Layer.get_config and type(self) is not Layer:
            config.update(self._auto_config())
        return config

    def _auto_config(self):
        args, kwargs = self.__dict__.get("_kappa_init_args", ((), {}))
        try:
            bound = inspect.signature(type(self).__init__).bind(self, *args, **kwargs)
        except TypeError:
            return {}
        extra = {}
        for key, value in bound.arguments.items():
            if key == "self" or key in ("name", "trainable", "dtype"):
                continue
            if key == "kwargs":
                extra.update({k: v for k, v in value.items() if k not in ("name", "trainable", "dtype")})
                continue
            extra[key] = value
        for key, value in extra.items():
            if not _json_like(value):
                raise TypeError(f"Layer {type(self).__name__} has a constructor argument {key}={value!r} "
                                "that is not a plain value, so it must override get_config() (and "
                                "from_config() if needed) to be saved.")
        return extra

    @classmethod
    def from_config(cls, config):
        """Create a layer from `get_config()`'s output."""
        config = dict(config)
        if "dtype" in config and isinstance(config["dtype"], dict):
            config["dtype"] = dtype_policies.deserialize(config["dtype"])
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(f"Cannot rebuild {cls.__name__} from its config: {e}. A layer with extra "
                            "constructor arguments must override get_config() / from_config().") from None

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    def __setattr__(self, name, value):
        if name == "trainable" or name == "dtype_policy" or name.startswith("_kappa"):
            object.__setattr__(self, name, value)
            return
        if isinstance(value, (Layer, Variable)) and "_kappa_weights" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() in __init__ before "
                               f"assigning sub-layers or variables (while setting {name!r}).")
        object.__setattr__(self, name, value)


_UNTRACKED = frozenset({"_inbound_nodes", "input_spec", "activity_regularizer", "_kappa_policy"})
# Layers whose quantized forms kappa implements (none yet: k-quant brings them).
_QUANTIZABLE = frozenset()


def _unique(items):
    seen, result = set(), []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            result.append(item)
    return result


def _json_like(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_json_like(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_like(v) for k, v in value.items())
    return False


def shapes_to_tensors(shapes, dtype):
    """KerasTensors of `dtype` with the given shape (or nested structure of shapes)."""
    if isinstance(shapes, tuple) and all(d is None or isinstance(d, (int, np.integer)) for d in shapes):
        return KerasTensor(shapes, dtype)
    if isinstance(shapes, list) and shapes and all(d is None or isinstance(d, (int, np.integer))
                                                   for d in shapes):
        return KerasTensor(tuple(shapes), dtype)
    if isinstance(shapes, dict):
        return {k: shapes_to_tensors(v, dtype) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)):
        return type(shapes)(shapes_to_tensors(s, dtype) for s in shapes)
    return KerasTensor(tuple(shapes), dtype)
