"""`save_model` / `load_model` (.keras archives) and `save_weights` / `load_weights` (.weights.h5)."""

import datetime
import importlib
import os
import warnings

from k_layers.saving import archive
from k_layers.saving.weights_store import _import_h5py, read_weights, write_weights

__all__ = ["save_model", "load_model", "save_weights", "load_weights"]

# The Keras 3 file format kappa writes; Keras reads `keras_version` as the format's version.
KERAS_FORMAT_VERSION = "3.15.1"


def _metadata():
    import k_layers

    return {"keras_version": KERAS_FORMAT_VERSION, "kappa_version": k_layers.__version__,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}


def _h5_writer(model):
    h5py = _import_h5py()

    def write(path):
        with h5py.File(path, "w") as f:
            write_weights(model, f)
    return write


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Save the whole model (config, weights, optimizer state) as a Keras 3 `.keras` archive.

    Args:
        model: the model to save.
        filepath: a path ending in `.keras`.
        overwrite: replace an existing file (False raises FileExistsError).
        zipped: write a zip (default) or, with False, a directory holding the same files.

    Example:
    >>> model = kappa.Sequential([kappa.Input((3,)), kappa.layers.Dense(2)])
    >>> kappa.saving.save_model(model, "/tmp/model.keras")
    """
    from k_layers.serialization import serialize_keras_object

    if kwargs:
        raise TypeError(f"save_model got unexpected arguments: {sorted(kwargs)}.")
    filepath = os.fspath(filepath)
    if zipped is None:
        zipped = not os.path.isdir(filepath)
    if zipped and not filepath.endswith(".keras"):
        if filepath.endswith((".h5", ".hdf5")):
            raise ValueError(f"kappa does not write the legacy Keras 2 HDF5 format ({filepath}); save as "
                             "a .keras archive instead, e.g. model.save('model.keras').")
        raise ValueError(f"The filepath must end in .keras (the Keras 3 archive format); got {filepath!r}.")
    config = serialize_keras_object(model)
    compile_config = _compile_config(model)
    if compile_config is not None:
        config["compile_config"] = compile_config
    writer = archive.write_archive if zipped else archive.write_directory
    writer(filepath, _metadata(), config, _h5_writer(model), overwrite=overwrite)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved by `save_model` (or by Keras 3) from a `.keras` archive.

    Legacy Keras 2 whole-model `.h5` / `.hdf5` files load too (config and weights; the
    training configuration is not restored).

    Args:
        filepath: a `.keras` file (or a directory saved with `zipped=False`), or a
            Keras 2 `.h5` file.
        custom_objects: `{name: class_or_function}` the config may name besides the
            built-ins and registered objects.
        compile: restore the compile state (optimizer, losses, metrics) when saved.
        safe_mode: refuse configs that carry code (Lambda layers); pass False only for
            files you trust.

    Example:
    >>> model = kappa.saving.load_model("/tmp/model.keras")
    """
    from k_layers.serialization import deserialize_keras_object

    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath}")
    if not os.path.isdir(filepath) and not filepath.endswith(".keras"):
        if filepath.endswith((".h5", ".hdf5")):
            return _load_legacy_h5(filepath, custom_objects, compile, safe_mode)
        raise ValueError(f"load_model reads .keras archives; got {filepath!r}.")
    h5py = _import_h5py()
    with archive.read_archive(filepath) as (_, config, weights_path):
        if not isinstance(config, dict):
            raise ValueError(f"Cannot load {filepath}: config.json does not describe an object.")
        compile_config = config.get("compile_config")
        config = {k: v for k, v in config.items() if k != "compile_config"}
        model = deserialize_keras_object(config, custom_objects=custom_objects, safe_mode=safe_mode)
        if compile and compile_config:
            _compile_from_config(model, compile_config, custom_objects, safe_mode)
        with _open_h5(h5py, weights_path, filepath) as f:
            read_weights(model, f, load_optimizer=compile)
    return model


def _load_legacy_h5(filepath, custom_objects, compile, safe_mode):
    from k_layers.saving import legacy_h5

    h5py = _import_h5py()
    with _open_h5(h5py, filepath, filepath) as f:
        if not legacy_h5.is_legacy_h5(f):
            raise ValueError(f"{filepath} is not a Keras 2 whole-model file (no model_config); for a "
                             ".weights.h5 file use load_weights.")
        return legacy_h5.load_legacy_h5_model(f, filepath, custom_objects, compile, safe_mode)


def _training_methods():
    """k-train's model methods (compile state lives there); None when k-train is not installed."""
    try:
        return importlib.import_module("k_train.model_methods")
    except ImportError:
        return None


def _compile_config(model):
    if model.__dict__.get("_kappa_compiled") is None:
        return None
    return _training_methods().get_compile_config(model)


def _compile_from_config(model, compile_config, custom_objects, safe_mode):
    from k_layers.serialization import CustomObjectScope, _SafeMode

    methods = _training_methods()
    if methods is None:
        warnings.warn("The file holds a compiled model, but k-train is not installed, so the model is "
                      "loaded uncompiled: pip install k-train", stacklevel=3)
        return
    with _SafeMode(safe_mode), CustomObjectScope(custom_objects):
        methods.compile_from_config(model, compile_config)


def _open_h5(h5py, path, label):
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise ValueError(f"Cannot load {label}: its weights are not a valid HDF5 file ({e}).") from None


def save_weights(model, filepath, overwrite=True, max_shard_size=None, **kwargs):
    """Save the model's weights (and optimizer state) to a `.weights.h5` file in Keras 3's layout.

    Args:
        model: the model whose weights to save.
        filepath: a path ending in `.weights.h5`.
        overwrite: replace an existing file (False raises FileExistsError).
        max_shard_size: not supported yet: must be None (one file).

    Example:
    >>> kappa.saving.save_weights(model, "/tmp/model.weights.h5")
    """
    if kwargs:
        raise TypeError(f"save_weights got unexpected arguments: {sorted(kwargs)}.")
    filepath = os.fspath(filepath)
    if max_shard_size is not None:
        raise ValueError("save_weights: sharded weights (max_shard_size) are not supported yet; "
                         "leave max_shard_size=None to write one .weights.h5 file.")
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"The filepath for save_weights must end in .weights.h5; got {filepath!r}.")
    with archive.atomic_path(filepath, overwrite, suffix=".weights.h5") as temporary:
        _h5_writer(model)(temporary)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Load weights saved by `save_weights` (or from a `.keras` archive) into `model`.

    Args:
        model: a built model with the same structure as the saved one.
        filepath: a `.weights.h5` file or a `.keras` archive.
        skip_mismatch: skip (with a warning) layers whose variable count or shapes
            differ, instead of raising.

    Example:
    >>> kappa.saving.load_weights(model, "/tmp/model.weights.h5")
    """
    if kwargs:
        raise TypeError(f"load_weights got unexpected arguments: {sorted(kwargs)}.")
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath}")
    if not getattr(model, "built", True):
        raise ValueError(f"Model '{model.name}' is not built yet, so it has no weights to load into; call "
                         "it on data or call build(input_shape) first.")
    h5py = _import_h5py()
    if filepath.endswith(".keras"):
        with archive.read_archive(filepath) as (_, _, weights_path), \
                _open_h5(h5py, weights_path, filepath) as f:
            read_weights(model, f, skip_mismatch=skip_mismatch)
        return
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"load_weights reads .weights.h5 files and .keras archives; got {filepath!r}.")
    with _open_h5(h5py, filepath, filepath) as f:
        read_weights(model, f, skip_mismatch=skip_mismatch)
