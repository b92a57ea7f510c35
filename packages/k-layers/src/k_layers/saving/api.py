"""`save_model` / `load_model` (.keras archives) and `save_weights` / `load_weights` (.weights.h5)."""

import contextlib
import datetime
import importlib
import json
import os
import warnings

import numpy as np

from k_layers.saving import archive
from k_layers.saving.weights_store import (
    MAX_DATASET_BYTES,
    _import_h5py,
    _to_numpy,
    own_variables,
    read_weights,
    saveables,
    write_weights,
)

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
        filepath: a path ending in `.weights.h5`, or `.weights.json` when sharding.
        overwrite: replace existing files (False raises FileExistsError).
        max_shard_size: None writes one file; a size in GB (float) splits the weights
            into `<name>_00000.weights.h5`, `<name>_00001.weights.h5`, ... of at most
            that size each, listed in the `.weights.json` index (Keras's sharded format).

    Example:
    >>> kappa.saving.save_weights(model, "/tmp/model.weights.h5")
    >>> kappa.saving.save_weights(model, "/tmp/big.weights.json", max_shard_size=2.0)
    """
    if kwargs:
        raise TypeError(f"save_weights got unexpected arguments: {sorted(kwargs)}.")
    filepath = os.fspath(filepath)
    if max_shard_size is not None:
        _save_sharded_weights(model, filepath, overwrite, max_shard_size)
        return
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"The filepath for save_weights must end in .weights.h5; got {filepath!r}.")
    with archive.atomic_path(filepath, overwrite, suffix=".weights.h5") as temporary:
        _h5_writer(model)(temporary)


def _readable_size(nbytes):
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:.2f} {unit}" if unit != "B" else f"{int(nbytes)} B"
        nbytes /= 1024


def _plan_shards(model, max_bytes):
    """Split the model's variables into shards in write order, as Keras does.

    Returns `(shards, total_bytes)`: each shard a list of `(group path, object name, key, array)`.
    A shard starts afresh when the next variable would take it over `max_bytes`.
    """
    shards, current, current_size, total = [[]], 0, 0, 0
    for path, obj in saveables(model):
        group = f"{path}/vars" if path else "vars"
        name = getattr(obj, "name", None)
        for index, variable in enumerate(own_variables(obj)):
            value = _to_numpy(variable)
            size = value.nbytes
            total += size
            if size > max_bytes:
                raise ValueError(f"The size of variable '/{group}/{index}' is {_readable_size(size)}, which "
                                 f"exceeds the maximum shard size {_readable_size(max_bytes)}; increase "
                                 "max_shard_size.")
            current_size += size
            if current_size > max_bytes:
                shards.append([])
                current += 1
                current_size = size
            shards[current].append((group, name, str(index), value))
    return shards, total


def _save_sharded_weights(model, filepath, overwrite, max_shard_size):
    try:
        max_bytes = float(max_shard_size) * 1024**3
    except (TypeError, ValueError):
        raise ValueError(f"max_shard_size must be a size in GB (a number); got {max_shard_size!r}.") from None
    if not max_bytes > 0:
        raise ValueError(f"max_shard_size must be positive; got {max_shard_size!r}.")
    if filepath.endswith(".weights.h5"):
        new_path = filepath[: -len(".h5")] + ".json"
        warnings.warn(f"Saving sharded weights requires a .json index: {filepath} is renamed to {new_path}.",
                      stacklevel=3)
        filepath = new_path
    if not filepath.endswith(".weights.json"):
        raise ValueError("The filepath must end in .weights.json when max_shard_size is given; got "
                         f"{filepath!r}.")
    h5py = _import_h5py()
    shards, total = _plan_shards(model, max_bytes)
    directory = os.path.dirname(filepath)
    base = os.path.basename(filepath)[: -len(".weights.json")]
    names = [f"{base}_{i:05}.weights.h5" for i in range(len(shards))]
    if not overwrite:
        for path in [filepath] + [os.path.join(directory, n) for n in names]:
            if os.path.exists(path):
                raise FileExistsError(f"{path} already exists and overwrite=False; pass overwrite=True to "
                                      "replace it.")
    weight_map = {}
    with contextlib.ExitStack() as stack:
        # The index is entered first so that it is renamed into place last, after every shard.
        index_tmp = stack.enter_context(archive.atomic_path(filepath, overwrite, suffix=".weights.json"))
        for name, shard in zip(names, shards, strict=True):
            temporary = stack.enter_context(
                archive.atomic_path(os.path.join(directory, name), overwrite, suffix=".weights.h5"))
            with h5py.File(temporary, "w") as f:
                for group_path, object_name, key, value in shard:
                    group = f.get(group_path)
                    if group is None:
                        group = f.create_group(group_path)
                        if isinstance(object_name, str):
                            group.attrs["name"] = object_name
                    group.create_dataset(key, data=value)
                    # As Keras writes it: an entry's first variable names its shard as a string;
                    # any further variable makes it a list of the distinct shards.
                    entry = "/" + group_path
                    if entry not in weight_map:
                        weight_map[entry] = name
                    else:
                        if isinstance(weight_map[entry], str):
                            weight_map[entry] = [weight_map[entry]]
                        if name not in weight_map[entry]:
                            weight_map[entry].append(name)
        with open(index_tmp, "w") as f:
            json.dump({"metadata": {"total_size": float(total)}, "weight_map": weight_map}, f, indent=4)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Load weights saved by `save_weights` (or from a `.keras` archive) into `model`.

    Args:
        model: a built model with the same structure as the saved one.
        filepath: a `.weights.h5` file, a `.weights.json` shard index (with its
            shards beside it), or a `.keras` archive.
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
    if filepath.endswith(".weights.json"):
        with _merged_shards(h5py, filepath) as f:
            read_weights(model, f, skip_mismatch=skip_mismatch)
        return
    if not filepath.endswith(".weights.h5"):
        raise ValueError("load_weights reads .weights.h5 files, .weights.json shard indexes and .keras "
                         f"archives; got {filepath!r}.")
    with _open_h5(h5py, filepath, filepath) as f:
        read_weights(model, f, skip_mismatch=skip_mismatch)


def _shard_index(filepath):
    """The validated `{entry path: [shard file name, ...]}` of a `.weights.json` index."""
    if os.path.getsize(filepath) > archive.MAX_JSON_BYTES:
        raise ValueError(f"Refusing to load {filepath}: the index is over {archive.MAX_JSON_BYTES} bytes.")
    try:
        with open(filepath) as f:
            index = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"Cannot load {filepath}: the shard index is not valid JSON ({e}).") from None
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    if not isinstance(weight_map, dict):
        raise ValueError(f"Cannot load {filepath}: the shard index has no 'weight_map' object.")
    entries = {}
    for entry, files in weight_map.items():
        files = [files] if isinstance(files, str) else files
        if not isinstance(files, list) or not files:
            raise ValueError(f"Corrupt shard index {filepath}: '{entry}' should name a shard file or a list.")
        for name in files:
            if not (isinstance(name, str) and name.endswith(".h5") and name not in (".", "..")
                    and os.path.basename(name) == name and "/" not in name and "\\" not in name
                    and "\0" not in name and ".." not in name):
                raise ValueError(f"Refusing to load {filepath}: shard name {name!r} is not a plain .h5 file "
                                 "name in the index's directory.")
        entries[entry] = files
    return entries


def _copy_shard(h5py, source, target, allowed, label):
    """Copy the `vars` datasets of one opened shard into `target`, checking links, kinds and sizes."""
    copied = 0

    def visit(group, path):
        nonlocal copied
        for key in group:
            link = group.get(key, getlink=True)
            where = f"{label}:{path}/{key}"
            if not isinstance(link, h5py.HardLink):
                raise ValueError(f"Refusing to load weights: {where} is a {type(link).__name__}; shards hold "
                                 "plain groups and datasets only.")
            child = group[key]
            if isinstance(child, h5py.Group):
                visit(child, f"{path}/{key}")
                continue
            if not path.endswith("/vars") or f"{path}" not in allowed:
                raise ValueError(f"Refusing to load weights: {where} is not listed for this shard in the "
                                 "index.")
            if child.external or child.is_virtual:
                raise ValueError(f"Refusing to load weights: {where} stores its data in another file.")
            if child.dtype.kind not in "biufc":
                raise ValueError(f"Refusing to load {where}: dtype {child.dtype} is not numeric.")
            nbytes = int(np.prod(child.shape, dtype=np.int64)) * child.dtype.itemsize
            if nbytes > MAX_DATASET_BYTES:
                raise ValueError(f"Refusing to load {where}: {nbytes} bytes is over the limit of "
                                 f"{MAX_DATASET_BYTES} bytes.")
            copied += nbytes
            if copied > archive.MAX_ARCHIVE_BYTES:
                raise ValueError(f"Refusing to load {label}: over {archive.MAX_ARCHIVE_BYTES} bytes.")
            out = target.require_group(path.lstrip("/"))
            name = group.attrs.get("name")
            if isinstance(name, (str, bytes)) and "name" not in out.attrs:
                out.attrs["name"] = name
            if key in out:
                raise ValueError(f"Corrupt sharded weights: {path}/{key} appears in more than one shard.")
            out.create_dataset(key, data=child[()])

    visit(source, "")
    return copied


@contextlib.contextmanager
def _merged_shards(h5py, filepath):
    """An in-memory h5 file holding every shard's weights, in the single-file layout."""
    entries = _shard_index(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    shards = {}
    for entry, files in entries.items():
        for name in files:
            shards.setdefault(name, set()).add(entry)
    total = 0
    for name in shards:
        path = os.path.join(directory, name)
        if os.path.islink(path) or not os.path.isfile(path):
            raise ValueError(f"Cannot load {filepath}: shard {name} is missing or not a plain file.")
        total += os.path.getsize(path)
        if total > archive.MAX_ARCHIVE_BYTES:
            raise ValueError(f"Refusing to load {filepath}: its shards are over {archive.MAX_ARCHIVE_BYTES} "
                             "bytes.")
    merged = h5py.File(f"kappa-merged-{id(entries)}.h5", "w", driver="core", backing_store=False)
    try:
        copied = 0
        for name, allowed in shards.items():
            path = os.path.join(directory, name)
            with _open_h5(h5py, path, f"{filepath} (shard {name})") as source:
                copied += _copy_shard(h5py, source, merged, allowed, name)
                if copied > archive.MAX_ARCHIVE_BYTES:
                    raise ValueError(f"Refusing to load {filepath}: over {archive.MAX_ARCHIVE_BYTES} bytes.")
        yield merged
    finally:
        merged.close()
