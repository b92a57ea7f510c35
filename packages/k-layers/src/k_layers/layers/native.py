"""Layers that reuse or wrap something else: a tied-weights embedding, a plain chain of layers, and
wrappers around a framework's own objects (a torch module, JAX functions, a Flax module, a
TensorFlow SavedModel).

The wrappers work on their own framework's backend only (they say so, naming the backend, when
built elsewhere); the framework is imported when a wrapper is made, never when kappa is imported.
They expose the wrapped object's parameters as kappa Variables, so optimizers, `weights`,
`get_weights`/`set_weights` and `stateless_call` see them.
"""

import inspect

import numpy as np

from k_backends import dtypes
from k_backends.selection import current
from k_backends.variables import Variable, stateless_scope
from k_layers.layer import Layer, _call_spec, _layer_scope, get_mask, map_structure, shapes_to_tensors
from k_layers.layers.dense import Embedding
from k_layers.serialization import (
    builtin,
    builtin_objects,
    deserialize_keras_object,
    in_safe_mode,
    serialize_keras_object,
)
from k_ops import core as kcore
from k_ops import numpy as knp
from k_ops.symbolic import KerasTensor

__all__ = ["ReversibleEmbedding", "Pipeline", "TorchModuleWrapper", "JaxLayer", "FlaxLayer", "TFSMLayer"]


def _require_backend(layer_name, backends, error=ValueError):
    from k_backends import backend

    name = backend()
    if name not in backends:
        wanted = " or ".join(repr(b) for b in backends)
        raise error(f"{layer_name} works only with the {wanted} backend; the current backend is {name!r} "
                    f"(select it with KAPPA_BACKEND={backends[0]}).")


def _probe_output_spec(run, inputs, make):
    """KerasTensors of the outputs of `run` for symbolic `inputs`, found by running it twice.

    `make(shape, dtype)` makes a concrete input; `run` takes the structure of them and
    returns a structure of KerasTensors with concrete shapes. Unknown input dimensions
    are set to 2, then to 3; an output dimension that differs between the runs is None.
    """
    def concrete(size):
        return map_structure(lambda t: make(tuple(size if d is None else int(d) for d in t.shape), t.dtype)
                             if isinstance(t, KerasTensor) else t, inputs)

    first, second = run(concrete(2)), run(concrete(3))
    leaves = []
    map_structure(leaves.append, second)
    leaves = iter(leaves)

    def merge(a):
        if not isinstance(a, KerasTensor):
            return a
        b = next(leaves)
        shape = tuple(x if x == y else None for x, y in zip(a.shape, b.shape, strict=True))
        return KerasTensor(shape, a.dtype)

    return map_structure(merge, first)


def _shape_and_dtype(x):
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        return x
    return KerasTensor(tuple(int(d) for d in x.shape), dtypes.standardize_dtype(x.dtype))


# -- ReversibleEmbedding ----------------------------------------------------------
@builtin("keras.layers")
class ReversibleEmbedding(Embedding):
    """An `Embedding` that can also project back from vectors to vocabulary logits.

    `layer(ids)` looks rows up as `Embedding` does; `layer(vectors, reverse=True)`
    multiplies by the transposed table (weights "tied", as language models share
    their input and output embeddings) or by a separate `(output_dim, input_dim)`
    `reverse_embeddings` weight when `tie_weights=False`.

    Args:
        input_dim, output_dim: the vocabulary size and the vector size.
        tie_weights: whether the reverse projection reuses the table.
        embeddings_initializer, embeddings_regularizer, embeddings_constraint: of the table
            (the initializer also makes `reverse_embeddings`).
        mask_zero: whether index 0 is padding (the forward output then carries a mask).
        reverse_dtype: the dtype the reverse projection computes in (default: as it comes).
        logit_soft_cap: when set, reverse logits become `tanh(logits / cap) * cap`.

    Example:
    >>> layer = ReversibleEmbedding(100, 8)
    >>> vectors = layer(np.array([[3, 7]]))
    >>> layer(vectors, reverse=True).shape
    (1, 2, 100)
    """

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        if not isinstance(tie_weights, (bool, np.bool_)):
            raise TypeError(f"ReversibleEmbedding: tie_weights must be a bool; got "
                            f"tie_weights={tie_weights!r}.")
        if reverse_dtype is not None:
            try:
                name = dtypes.standardize_dtype(reverse_dtype)
            except (TypeError, ValueError):
                name = None
            if name is None or not dtypes.is_float_dtype(name):
                raise ValueError(f"ReversibleEmbedding: reverse_dtype must be a float dtype or None; got "
                                 f"reverse_dtype={reverse_dtype!r}.")
        if logit_soft_cap is not None and (isinstance(logit_soft_cap, bool) or not isinstance(
                logit_soft_cap, (int, float)) or logit_soft_cap <= 0):
            raise ValueError(f"ReversibleEmbedding: logit_soft_cap must be a positive number or None; got "
                             f"logit_soft_cap={logit_soft_cap!r}.")
        # Set before Embedding.__init__, which builds the layer when given `weights`.
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero, **kwargs)

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(name="reverse_embeddings",
                                                      shape=(self.output_dim, self.input_dim),
                                                      initializer=self.embeddings_initializer)

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        if inputs.shape[-1] is not None and inputs.shape[-1] != self.output_dim:
            raise ValueError(f"Layer '{self.name}': reverse=True expects vectors of size {self.output_dim} "
                             f"(output_dim) in the last axis; got inputs of shape {tuple(inputs.shape)}.")
        kernel = knp.transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs = kcore.cast(inputs, self.reverse_dtype)
            kernel = kcore.cast(kernel, self.reverse_dtype)
        logits = knp.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = knp.multiply(knp.tanh(knp.divide(logits, self.logit_soft_cap)), self.logit_soft_cap)
        return logits

    def compute_mask(self, inputs, mask=None):
        # Only index inputs (the forward lookup) carry a mask; reverse inputs are float vectors.
        if not self.mask_zero or not dtypes.is_int_dtype(dtypes.standardize_dtype(inputs.dtype)):
            return None
        return knp.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return (*tuple(input_shape)[:-1], self.input_dim)
        return (*tuple(input_shape), self.output_dim)

    def compute_output_spec(self, inputs, reverse=False):
        if reverse:
            dtype = self.reverse_dtype or dtypes.result_type(inputs.dtype, self.variable_dtype)
            return KerasTensor((*inputs.shape[:-1], self.input_dim), dtypes.standardize_dtype(dtype))
        return KerasTensor((*inputs.shape, self.output_dim), self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "tie_weights": self.tie_weights, "reverse_dtype": self.reverse_dtype,
                "logit_soft_cap": self.logit_soft_cap}


# -- Pipeline ---------------------------------------------------------------------
@builtin("keras.layers")
class Pipeline(Layer):
    """Apply layers one after the other; a plain layer, not a `Model`.

    Useful for preprocessing and augmentation chains. `training` (True by default,
    as augmentation is what pipelines are usually for) reaches only the layers
    whose `call` takes it; masks flow from one layer's output to the next.

    Args:
        layers: the layers, in the order they run.
        name: the layer's name.

    Example:
    >>> pipeline = Pipeline([Dense(4), Dense(2)])
    >>> pipeline(np.ones((3, 5))).shape
    (3, 2)
    """

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        if not isinstance(layers, (list, tuple)):
            raise TypeError(f"Pipeline: layers must be a list of layers; got layers={layers!r}.")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Pipeline: layers[{i}] must be a Layer; got {layer!r}.")
        self._pipeline_layers = list(layers)

    @property
    def layers(self):
        """The layers, in the order they run."""
        return self._pipeline_layers

    def call(self, inputs, training=True, mask=None):
        outputs = inputs
        for layer in self._pipeline_layers:
            spec = _call_spec(type(layer))
            kwargs = {}
            if spec["mask"]:
                kwargs["mask"] = mask
            if "training" in spec["names"] and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = map_structure(get_mask, outputs)
        return outputs

    def get_config(self):
        return {"layers": serialize_keras_object(self._pipeline_layers), "name": self.name}

    @classmethod
    def from_config(cls, config):
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(f"Pipeline.from_config: the config needs a 'layers' list of serialized layers; "
                             f"got layers={layers!r}.")
        layers = [deserialize_keras_object(c, module_objects=builtin_objects("keras.layers"), safe_mode=None)
                  for c in layers]
        return cls(**{**config, "layers": layers})


# -- TorchModuleWrapper -----------------------------------------------------------
@builtin("keras.layers")
class TorchModuleWrapper(Layer):
    """Use a `torch.nn.Module` as a layer (torch backend only).

    The module's parameters become the layer's variables without being copied: each
    variable's storage *is* the module's `torch.nn.Parameter`, so training the layer
    trains the module and the module sees every update. `training=False` puts the
    module in eval mode, anything else in train mode. Inside `stateless_call` the
    module runs with the given values (`torch.func.functional_call`).

    The module must already have its parameters (initialized lazy modules only).
    kappa never pickles, so a wrapper cannot be saved to a config: save
    `module.state_dict()` with torch and rebuild the wrapper in code.

    Args:
        module: the `torch.nn.Module`; it is moved to kappa's current device.
        name: the layer's name.
        output_shape: the output shape for symbolic inputs; by default it is found by
            running the module on zeros.

    Example:
    >>> layer = TorchModuleWrapper(torch.nn.Linear(4, 2))
    >>> layer(np.ones((3, 4), "float32")).shape
    torch.Size([3, 2])
    """

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        _require_backend("TorchModuleWrapper", ("torch",))
        super().__init__(name=name, **kwargs)
        import torch

        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"TorchModuleWrapper: module must be a torch.nn.Module; got {module!r}.")
        lazy = getattr(torch.nn.modules.lazy, "LazyModuleMixin", None)
        if lazy is not None and isinstance(module, lazy) and module.has_uninitialized_params():
            raise ValueError(f"TorchModuleWrapper: the lazy module {type(module).__name__} has uninitialized "
                             "parameters; run it once on an input (or initialize it) before wrapping it.")
        device = getattr(current().core, "current_device", None)
        self.module = module.to(device()) if device is not None else module
        self.output_shape = None if output_shape is None else _shape_tuple(output_shape, "output_shape")
        self._kappa_param_variables = []
        with _layer_scope(self):
            for param_name, param in self.module.named_parameters():
                variable = _variable_around(param, name=param_name.replace("/", "_"))
                variable._kappa_created_trainable = bool(param.requires_grad)
                self._kappa_param_variables.append((param_name, variable))
                self._kappa_weights.append(variable)
        self.built = True

    def parameters(self, recurse=True):
        """The module's parameters (so an outer torch module or optimizer can reach them)."""
        return self.module.parameters(recurse=recurse)

    def call(self, *args, training=None, **kwargs):
        self.module.train(training is not False)
        overrides = self._stateless_values()
        if overrides:
            import torch

            return torch.func.functional_call(self.module, overrides, args, kwargs)
        return self.module(*args, **kwargs)

    def _stateless_values(self):
        scope = stateless_scope()
        if scope is None:
            return None
        values = {}
        for param_name, variable in self._kappa_param_variables:
            value = scope.get_current_value(variable)
            if value is not None:
                values[param_name] = value
        return values

    def compute_output_spec(self, *args, training=None, **kwargs):
        if self.output_shape is not None:
            return shapes_to_tensors(self.output_shape, self.compute_dtype)
        import torch

        def make(shape, dtype):
            return torch.zeros(shape, dtype=getattr(torch, dtype), device=_module_device(self.module))

        def run(zeros):
            was_training = self.module.training
            self.module.eval()  # batch statistics of zeros would fail on batches of one, and must not move
            try:
                with torch.no_grad():
                    outputs = self.module(*zeros, **kwargs)
            finally:
                self.module.train(was_training)
            return map_structure(_shape_and_dtype, outputs)

        return _probe_output_spec(run, tuple(args), make)

    def get_config(self):
        raise TypeError(
            f"TorchModuleWrapper '{self.name}' cannot be saved to a config: Keras stores the torch module "
            "as a pickle, and kappa never writes or loads pickles (loading one can run arbitrary code). "
            "Save `layer.module.state_dict()` with torch.save and rebuild the wrapper in code.")

    @classmethod
    def from_config(cls, config):
        raise ValueError(
            "TorchModuleWrapper.from_config: the config holds a pickled torch module (Keras's format), and "
            "kappa never unpickles, whatever safe_mode says, because a pickle can run arbitrary code. "
            "Rebuild the module in code, load its state_dict, and wrap it again.")


def _shape_tuple(shape, argument):
    if isinstance(shape, (list, tuple)) and all(d is None or (isinstance(d, int) and not isinstance(d, bool))
                                                for d in shape):
        return tuple(shape)
    if isinstance(shape, (list, tuple)):
        return [_shape_tuple(s, argument) for s in shape]
    raise ValueError(f"{argument} must be a shape (a tuple of ints and None) or a list of shapes; got "
                     f"{argument}={shape!r}.")


def _module_device(module):
    for tensor in module.parameters():
        return tensor.device
    for tensor in module.buffers():
        return tensor.device
    return current().core.current_device()


def _variable_around(param, name):
    """A kappa Variable whose storage is the Parameter `param` itself (no copy of its values)."""
    # The Variable is made from a "meta" tensor (shape and dtype, no memory), then its storage
    # is swapped for the module's own Parameter.
    variable = Variable(param.detach().to("meta"), trainable=bool(param.requires_grad), name=name)
    variable._storage = param
    return variable


# -- JaxLayer and FlaxLayer -------------------------------------------------------
_CALL_ARGUMENTS = ("params", "state", "rng", "inputs", "training")
_INIT_ARGUMENTS = ("rng", "inputs", "training")


def _argument_names(fn, argument, allowed):
    if not callable(fn):
        raise TypeError(f"JaxLayer: {argument} must be a function; got {argument}={fn!r}.")
    names = list(inspect.signature(fn).parameters)
    if "inputs" not in names:
        raise ValueError(f"JaxLayer: {argument} must take an argument named `inputs`; "
                         f"it takes {names}.")
    for name in names:
        if name not in allowed:
            raise ValueError(f"JaxLayer: {argument} takes `{name}`, which is not one of the supported "
                             f"arguments {list(allowed)}.")
    return names


@builtin("keras.layers")
class JaxLayer(Layer):
    """Use pure JAX functions as a layer (jax backend only).

    `call_fn` computes the outputs; its arguments are found by name, in any order,
    among `params` (trainable values), `state` (non-trainable values; `call_fn` then
    returns `(outputs, new_state)`), `rng` (a key while training, else None),
    `inputs` (required) and `training`. `init_fn(rng?, inputs, training?)` returns
    `params` (or `(params, state)` when `call_fn` takes state) from the first input;
    or pass `params`/`state` directly. Every array leaf becomes a kappa Variable
    (float leaves in the layer's variable dtype); other leaves stay as configuration.

    Args:
        call_fn: the forward function.
        init_fn: makes the initial params (and state) when the layer is built.
        params, state: initial values, instead of `init_fn` (any JAX pytree).
        seed: the seed of the `rng` keys passed to `call_fn`.
        native_serialization_platforms: kept for Keras compatibility (it applies to
            jax2tf export, which kappa does not use here).

    Example:
    >>> def call_fn(params, inputs):
    ...     return inputs @ params["w"]
    >>> layer = JaxLayer(call_fn, params={"w": np.ones((4, 2), "float32")})
    >>> layer(np.ones((3, 4), "float32")).shape
    (3, 2)
    """

    def __init__(self, call_fn, init_fn=None, params=None, state=None, seed=None,
                 native_serialization_platforms=None, **kwargs):
        _require_backend(type(self).__name__, ("jax",))
        super().__init__(**kwargs)
        self.call_fn = call_fn
        self.init_fn = init_fn
        self.call_fn_arguments = _argument_names(call_fn, "call_fn", _CALL_ARGUMENTS)
        self.call_fn_has_params = "params" in self.call_fn_arguments
        self.call_fn_has_state = "state" in self.call_fn_arguments
        if init_fn is None and params is None and state is None and \
                (self.call_fn_has_params or self.call_fn_has_state):
            raise ValueError(f"{type(self).__name__}: call_fn takes `params` or `state`, so init_fn, params "
                             "and state cannot all be None.")
        self.init_fn_arguments = _argument_names(init_fn, "init_fn", _INIT_ARGUMENTS) \
            if init_fn is not None else None
        if "rng" in self.call_fn_arguments:
            from k_backends.seed import SeedGenerator

            self.seed_generator = SeedGenerator(seed)
        else:
            self.seed_generator = None
        self.jax2tf_native_serialization_platforms = native_serialization_platforms
        self._kappa_variable_count = 0
        self._kappa_params = self._make_variables(params, trainable=True)
        self._kappa_state = self._make_variables(state, trainable=False)
        if params is not None or state is not None:
            self.built = True

    @property
    def params(self):
        """The params pytree, with Variables as its array leaves."""
        return self._kappa_params

    @property
    def state(self):
        """The state pytree, with Variables as its array leaves."""
        return self._kappa_state

    def _make_variables(self, values, trainable):
        import jax

        def make(value):
            if isinstance(value, bool):
                value = np.asarray(value)
            elif isinstance(value, (int, float)) and not isinstance(value, np.generic):
                value = np.asarray(value, "int32" if isinstance(value, int) else "float32")
            if not isinstance(value, (np.ndarray, np.generic, jax.Array)) and \
                    not current().core.is_tensor(value):
                return value  # configuration, not a weight
            dtype = dtypes.standardize_dtype(value.dtype)
            name = "variable" if self._kappa_variable_count == 0 else f"variable_{self._kappa_variable_count}"
            self._kappa_variable_count += 1
            return self.add_weight(shape=tuple(value.shape),
                                   dtype=None if dtypes.is_float_dtype(dtype) else dtype,
                                   initializer=lambda shape, dtype, value=value: kcore.cast(value, dtype),
                                   trainable=trainable, name=name)

        return jax.tree_util.tree_map(make, values)

    def build(self, input_shape):
        if self._kappa_params is not None or self._kappa_state is not None:
            return
        if not (self.call_fn_has_params or self.call_fn_has_state):
            return
        import jax

        inputs = _map_shapes(lambda s: jax.numpy.ones(tuple(1 if d is None else d for d in s)), input_shape)
        arguments = {"rng": lambda: map_structure(_to_jax_key, self._init_rng()), "inputs": lambda: inputs,
                     "training": lambda: True}
        result = self.init_fn(*[arguments[name]() for name in self.init_fn_arguments])
        if self.call_fn_has_state:
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                raise ValueError(f"{type(self).__name__}: call_fn takes `state`, so init_fn must return "
                                 f"(params, state); it returned {type(result).__name__}.")
            params, state = result
        else:
            params, state = result, None
        self._kappa_params = self._make_variables(params, trainable=True)
        self._kappa_state = self._make_variables(state, trainable=False)

    def _init_rng(self):
        """The `rng` given to `init_fn` (FlaxLayer gives a dict of keys)."""
        from k_backends.seed import draw_seed

        return draw_seed(None)

    def _call_rng(self, training):
        """The `rng` given to `call_fn`: a fresh key while training, else None."""
        return self.seed_generator.next() if training else None

    def _call_arguments(self, inputs, training, rng):
        import jax

        def read(v):
            return v.value if isinstance(v, Variable) else v

        values = {"params": lambda: jax.tree_util.tree_map(read, self._kappa_params),
                  "state": lambda: jax.tree_util.tree_map(read, self._kappa_state),
                  "rng": lambda: rng, "inputs": lambda: inputs, "training": lambda: training}
        return [values[name]() for name in self.call_fn_arguments]

    def call(self, inputs, training=False):
        import jax

        rng = map_structure(_to_jax_key, self._call_rng(training)) if self.seed_generator else None
        result = self.call_fn(*self._call_arguments(inputs, training, rng))
        if not self.call_fn_has_state:
            return result
        outputs, new_state = result
        leaves = jax.tree_util.tree_leaves(self._kappa_state)
        new_leaves = jax.tree_util.tree_leaves(new_state)
        if jax.tree_util.tree_structure(new_state) != jax.tree_util.tree_structure(self._kappa_state) or \
                len(leaves) != len(new_leaves):
            raise ValueError(f"{type(self).__name__} '{self.name}': call_fn returned a state whose structure "
                             "differs from the state the layer was built with.")
        for variable, value in zip(leaves, new_leaves, strict=True):
            if isinstance(variable, Variable):
                variable.assign(value)
        return outputs

    def compute_output_spec(self, inputs, training=False):
        import jax

        rng = map_structure(_to_jax_key, self._symbolic_rng(training)) if self.seed_generator else None

        def make(shape, dtype):
            return jax.ShapeDtypeStruct(shape, dtype)

        def run(structs):
            def fn(x):
                result = self.call_fn(*self._call_arguments(x, training, rng))
                return result[0] if self.call_fn_has_state else result

            return map_structure(_shape_and_dtype, jax.eval_shape(fn, structs))

        return _probe_output_spec(run, inputs, make)

    def _symbolic_rng(self, training):
        """A stand-in for `_call_rng` when only shapes are computed (the seed stream must not move)."""
        return np.zeros((2,), "int32") if training else None

    def get_config(self):
        return {**super().get_config(), "call_fn": serialize_keras_object(self.call_fn),
                "init_fn": serialize_keras_object(self.init_fn),
                "native_serialization_platforms": self.jax2tf_native_serialization_platforms}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["call_fn"] = deserialize_keras_object(config["call_fn"], safe_mode=None)
        config["init_fn"] = deserialize_keras_object(config.get("init_fn"), safe_mode=None)
        return super().from_config(config)


def _map_shapes(fn, shape):
    """Apply `fn` to every shape (a tuple of ints and None) of a nested structure of shapes."""
    if isinstance(shape, (list, tuple)) and all(d is None or isinstance(d, (int, np.integer)) for d in shape):
        return fn(tuple(shape))
    if isinstance(shape, dict):
        return {k: _map_shapes(fn, v) for k, v in shape.items()}
    return type(shape)(_map_shapes(fn, s) for s in shape)


def _to_jax_key(seed):
    # A kappa seed is two int32 values; JAX's raw keys are two uint32 values.
    import jax

    return None if seed is None else jax.numpy.asarray(seed).astype("uint32")


@builtin("keras.layers")
class FlaxLayer(JaxLayer):
    """Use a Flax (linen) module as a layer (jax backend; needs `pip install flax`).

    The module's "params" collection becomes trainable variables and its other
    collections (batch statistics, ...) non-trainable ones, updated by each call.
    `training` is passed on when the module's method takes it; while training, the
    module gets a "dropout" key.

    Args:
        module: the `flax.linen.Module`.
        method: the method to run (default `__call__`), a function or a method name.
        variables: initial variables (`module.init(...)`'s result); else they are
            made from the first input.

    Example:
    >>> layer = FlaxLayer(flax.linen.Dense(2))
    >>> layer(np.ones((3, 4), "float32")).shape
    (3, 2)
    """

    def __init__(self, module, method=None, variables=None, **kwargs):
        try:
            from flax.linen import DenyList
        except ImportError:
            raise ImportError("FlaxLayer needs Flax, which is not installed: pip install flax") from None
        self.module = module
        if isinstance(method, str):
            method = getattr(module, method)
        self.method = method
        mutable = DenyList(["params"])
        target = method if method is not None else module.__call__
        takes_training = "training" in inspect.signature(target).parameters

        def call_fn(params, state, rng, inputs, training):
            extra = {"training": training} if takes_training else {}
            return self.module.apply(self._params_and_state_to_variables(params, state), inputs, rngs=rng,
                                     method=self.method, mutable=mutable, **extra)

        def init_fn(rng, inputs, training):
            extra = {"training": training} if takes_training else {}
            variables = self.module.init(rng, inputs, method=self.method, **extra)
            return self._variables_to_params_and_state(variables)

        params, state = self._variables_to_params_and_state(variables)
        super().__init__(call_fn=call_fn, init_fn=init_fn, params=params, state=state, **kwargs)

    @staticmethod
    def _params_and_state_to_variables(params, state):
        return {**(params or {}), **(state or {})}

    @staticmethod
    def _variables_to_params_and_state(variables):
        if variables is None:
            return None, None
        params = {"params": variables["params"]} if "params" in variables else {}
        state = {k: v for k, v in variables.items() if k != "params"}
        return params, state

    def _init_rng(self):
        from k_backends.seed import draw_seed

        return {"params": draw_seed(None), "dropout": draw_seed(None)}

    def _call_rng(self, training):
        return {"dropout": self.seed_generator.next()} if training else {}

    def _symbolic_rng(self, training):
        return {"dropout": np.zeros((2,), "int32")} if training else {}

    def get_config(self):
        method = self.method
        if method is not None and getattr(method, "__self__", None) is self.module:
            method = method.__name__
        config = super().get_config()
        config.pop("call_fn")
        config.pop("init_fn")
        return {**config, "module": serialize_keras_object(self.module),
                "method": serialize_keras_object(method)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        module = deserialize_keras_object(config["module"], safe_mode=None)
        method = config.get("method")
        method = method if isinstance(method, str) or method is None else \
            deserialize_keras_object(method, safe_mode=None)
        return cls(**{**config, "module": module, "method": method})


# -- TFSMLayer --------------------------------------------------------------------
@builtin("keras.layers")
class TFSMLayer(Layer):
    """Use a TensorFlow SavedModel's endpoint as a layer (tensorflow backend only).

    The SavedModel is loaded with `tf.saved_model.load`; `call_endpoint` (an attribute
    of the loaded object or one of its signatures) computes the outputs, and
    `call_training_endpoint`, when given, replaces it while training. The variables
    the endpoints use become the layer's variables (their storage is the loaded
    `tf.Variable`s themselves, so training the layer changes what the endpoints compute).
    Loading runs the SavedModel's graph, so `from_config` refuses unless
    deserialization is explicitly unsafe (`safe_mode=False`).

    Args:
        filepath: the SavedModel directory.
        call_endpoint: the endpoint for inference.
        call_training_endpoint: the endpoint for training, if any.
        trainable, name, dtype: as for any layer.

    Example:
    >>> layer = TFSMLayer("exported_model", call_endpoint="serve")
    >>> outputs = layer(np.ones((1, 4), "float32"))
    """

    def __init__(self, filepath, call_endpoint="serve", call_training_endpoint=None, trainable=True,
                 name=None, dtype=None):
        _require_backend("TFSMLayer", ("tensorflow",), error=ValueError)
        super().__init__(trainable=trainable, name=name, dtype=dtype)
        import tensorflow as tf

        self._kappa_loaded = tf.saved_model.load(str(filepath))
        self.filepath = filepath
        self.call_endpoint = call_endpoint
        self.call_training_endpoint = call_training_endpoint
        self._kappa_call_fn = self._endpoint(call_endpoint, "call_endpoint")
        self._kappa_training_fn = self._endpoint(call_training_endpoint, "call_training_endpoint") \
            if call_training_endpoint else None
        fns = [self._kappa_call_fn] + ([self._kappa_training_fn] if self._kappa_training_fn else [])
        trainable_vars, other_vars = _variables_used_by(fns)
        with _layer_scope(self):
            for tf_variable in trainable_vars + other_vars:
                variable = Variable(tf_variable.value(), trainable=tf_variable.trainable,
                                    name=tf_variable.name.split(":")[0].replace("/", "_"))
                variable._storage = tf_variable  # the endpoints read this very tf.Variable
                variable._kappa_created_trainable = bool(tf_variable.trainable)
                self._kappa_weights.append(variable)
        self.built = True

    def _endpoint(self, endpoint, argument):
        if not isinstance(endpoint, str):
            raise TypeError(f"TFSMLayer: {argument} must be a string; got {argument}={endpoint!r}.")
        if hasattr(self._kappa_loaded, endpoint):
            return getattr(self._kappa_loaded, endpoint)
        signatures = getattr(self._kappa_loaded, "signatures", {})
        if endpoint in signatures:
            return signatures[endpoint]
        raise ValueError(f"TFSMLayer: {argument}={endpoint!r} is neither an attribute nor a signature of the "
                         f"SavedModel at {self.filepath!r}; its signatures are {list(signatures.keys())}.")

    def call(self, inputs, training=False, **kwargs):
        scope = stateless_scope()
        if scope is not None and any(scope.get_current_value(v) is not None for v in self.weights):
            raise RuntimeError(f"TFSMLayer '{self.name}' cannot run in a stateless call with given "
                                      "variable values: the SavedModel's functions read their own variables.")
        if training and self._kappa_training_fn is not None:
            return self._kappa_training_fn(inputs, **kwargs)
        return self._kappa_call_fn(inputs, **kwargs)

    def get_config(self):
        return {**super().get_config(), "filepath": self.filepath, "call_endpoint": self.call_endpoint,
                "call_training_endpoint": self.call_training_endpoint}

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        unsafe_allowed = (safe_mode if safe_mode is not None else in_safe_mode()) is False
        if not unsafe_allowed:
            raise ValueError("TFSMLayer.from_config would load an external SavedModel, whose graph can run "
                             "arbitrary code; this is refused in safe mode. If you trust the file, pass "
                             "safe_mode=False.")
        return super().from_config(config)


def _variables_used_by(fns):
    trainable, others, seen = [], [], set()
    for fn in fns:
        if hasattr(fn, "concrete_functions"):
            concrete = list(fn.concrete_functions)
        elif hasattr(fn, "get_concrete_function"):
            concrete = [fn.get_concrete_function()]
        else:
            concrete = [fn]
        for cf in concrete:
            for v in cf.trainable_variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    trainable.append(v)
        for cf in concrete:
            for v in cf.variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    others.append(v)
    return trainable, others
