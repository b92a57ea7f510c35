"""`Model`: a layer with training, saving and inspection; `Model(inputs, outputs)` is Functional.

Training (`compile`, `fit`, ...) is k-train's and saving is looked up in the package
that implements it when called, so k-layers works alone (see DESIGN.md).
"""

import importlib

from k_layers.layer import Layer, _layer_scope, map_structure, shapes_to_tensors
from k_layers.serialization import builtin

__all__ = ["Model"]


def _is_functional_call(args, kwargs):
    return "inputs" in kwargs and "outputs" in kwargs or len(args) == 2 or \
        (len(args) == 1 and "outputs" in kwargs)


@builtin("keras.models")
@builtin("keras")
class Model(Layer):
    """A layer with training and saving: subclass it, or call `Model(inputs, outputs)`.

    Subclassing: create layers in `__init__` and use them in `call`.
    Functional: `Model(inputs, outputs)` with symbolic tensors from `Input`.

    Example:
    >>> inputs = kappa.Input((4,))
    >>> model = kappa.Model(inputs, kappa.layers.Dense(1)(inputs))
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_call(args, kwargs):
            from k_layers.models.functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        if args or kwargs:
            if _is_functional_call(args, kwargs):
                raise TypeError(f"{type(self).__name__} is a subclassed model: build a Functional model "
                                "with kappa.Model(inputs, outputs) instead of passing inputs/outputs "
                                "to a subclass.")
            raise TypeError(f"Model got unexpected arguments: args={args}, kwargs={sorted(kwargs)}.")
        super().__init__(trainable=trainable, name=name, dtype=dtype)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model from its config: Functional configs rebuild the graph; others call the constructor."""
        from k_layers.models.functional import Functional
        from k_layers.serialization import CustomObjectScope

        with CustomObjectScope(custom_objects):
            if "layers" in config and "input_layers" in config and "output_layers" in config and \
                    cls in (Model, Functional):
                return Functional.from_config(config, custom_objects=custom_objects)
            return super().from_config(config)

    def to_json(self, **kwargs):
        """The model's config as a JSON string (`kwargs` go to json.dumps)."""
        from k_layers.models.cloning import to_json

        return to_json(self, **kwargs)

    # -- building a subclassed model ----------------------------------------------------
    def build(self, input_shape=None):
        """Create the weights by running `call` on symbolic inputs of `input_shape`."""
        if input_shape is not None and type(self).call is not Model.call:
            inputs = shapes_to_tensors(input_shape, self.compute_dtype)
            try:
                with _layer_scope(self):
                    self.call(inputs)
            except Exception as e:  # noqa: BLE001 - a call that needs values builds on first real call
                if self._layers and not all(layer.built for layer in self._flatten_layers(False)):
                    self._kappa_trace_error = e
        self._kappa_build_shapes = {"input_shape": map_structure(lambda d: d, input_shape)} \
            if input_shape is not None else None
        self.built = True

    @property
    def metrics(self):
        """The compiled metrics (loss tracker first), then metrics tracked by the layers."""
        compiled = self.__dict__.get("_kappa_compiled")
        own = list(compiled.all_metrics()) if compiled is not None else []
        return own + super().metrics

    # -- inspection ---------------------------------------------------------------------
    @property
    def layers(self):
        """The model's direct sub-layers, in the order they were assigned."""
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """A sub-layer by `name` or by `index` in `layers`."""
        if (name is None) == (index is None):
            raise ValueError(f"get_layer: give exactly one of name and index; got name={name!r}, "
                             f"index={index!r}.")
        layers = self.layers
        if index is not None:
            if not isinstance(index, int) or not -len(layers) <= index < len(layers):
                raise ValueError(f"get_layer: index {index!r} is out of range: model '{self.name}' has "
                                 f"{len(layers)} layers.")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"get_layer: no layer named {name!r} in model '{self.name}'; its layers are "
                         f"{[layer.name for layer in layers]}.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print the layer table: name (type), output shape, parameter count (and connections)."""
        from k_layers.models.summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable, layer_range=layer_range)

    # -- saving -------------------------------------------------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save the model as a `.keras` archive (see `kappa.saving.save_model`)."""
        from k_layers.saving import save_model

        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Save the weights to a `.weights.h5` file (see `kappa.saving.save_weights`)."""
        from k_layers.saving import save_weights

        save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights from a `.weights.h5` file or `.keras` archive (see `kappa.saving.load_weights`)."""
        from k_layers.saving import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    # -- other packages' parts ----------------------------------------------------------
    def __getattr__(self, name):
        provider = _PROVIDED.get(name)
        if provider is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        package, module = provider
        try:
            importlib.import_module(package.replace("-", "_"))
        except ImportError:
            raise AttributeError(f"Model.{name} is provided by the {package} package, which is not "
                                 f"installed: pip install {package}") from None
        try:
            implementation = importlib.import_module(module)
        except ImportError:
            raise AttributeError(f"Model.{name} needs a newer {package}: the installed one does not "
                                 f"provide it yet.") from None
        return getattr(implementation, name).__get__(self, type(self))


# Methods whose implementation lives in a higher package, looked up on first use.
_PROVIDED = {
    **{name: ("k-train", "k_train.model_methods") for name in (
        "compile", "fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch",
        "train_step", "test_step", "predict_step", "compute_loss", "compute_metrics", "get_metrics_result",
        "make_train_function", "make_test_function", "make_predict_function")},
    "quantize": ("k-quant", "k_quant.model_methods"),
}
