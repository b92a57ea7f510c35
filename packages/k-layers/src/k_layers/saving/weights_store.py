"""Weights in Keras 3's h5 layout: where each object's variables live, and reading/writing them.

Keras 3 addresses an object's variables by the path of attribute names that leads to it
from the model, not by layer names (names are generated and differ between runs). A
model's tree is walked the way Keras walks it, so paths match between kappa and Keras:

- a Sequential or Functional model yields its `layers` first;
- then the object's attributes sorted by name, private ones (`_x`) last; a subclassed
  model also has its `layers` list among them, and a compiled model its `optimizer`;
- an attribute holding a layer adds its name to the path (`dense1`); a list or dict
  of layers adds the attribute name and then, per item, the snake-cased class name,
  numbered from the second of a class on (`layers/dense`, `layers/dense_1`);
- an object reached twice is saved once, at its first path (later ones still count
  towards the numbering).

Each object's own variables are datasets `<path>/vars/0`, `<path>/vars/1`, ... in the
object's order (layers: created-trainable first; optimizers: `variables`), and the
`vars` group carries the object's `name` as an attribute. The model itself is at the
root (`/vars`). Variables are stored in one canonical layout, so a file is the same
whichever backend wrote it.
"""

import re
import warnings

import numpy as np

from k_layers.layer import Layer, _snake_case

__all__ = ["saveables", "write_weights", "read_weights"]

# A dataset bigger than this is refused before it is read (16 GiB): files are checked
# against the model's own variable shapes first, this is a last bound for the rest.
MAX_DATASET_BYTES = 16 * 2**30


def _import_h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("Saving and loading weights needs h5py: pip install h5py") from None
    return h5py


def _optimizer_of(model):
    compiled = model.__dict__.get("_kappa_compiled") if isinstance(model, Layer) else None
    return getattr(compiled, "optimizer", None)


def _is_saveable(value, optimizers):
    return isinstance(value, Layer) or id(value) in optimizers


def _children(obj, optimizers):
    """(attribute name, value) pairs in the order Keras visits them."""
    from k_layers.models.functional import Functional
    from k_layers.models.model import Model
    from k_layers.models.sequential import Sequential

    if not isinstance(obj, Layer):
        return []  # optimizers hold no saveable children
    first = []
    attributes = {}
    if isinstance(obj, (Sequential, Functional)):
        first.append(("layers", obj.layers))
    elif isinstance(obj, Model):
        attributes["layers"] = obj.layers
    for key, value in obj.__dict__.items():
        if key.startswith("_kappa"):
            continue
        if _is_saveable(value, optimizers) or isinstance(value, (list, tuple, dict)):
            attributes[key] = value
    ordered = sorted(attributes, key=lambda name: "~" + name if name.startswith("_") else name)
    return first + [(name, attributes[name]) for name in ordered]


def saveables(model):
    """`[(path, object)]` for the model and every layer and optimizer under it, in Keras's order."""
    optimizers = {}
    found, visited = [], set()

    def note_optimizer(obj):
        optimizer = _optimizer_of(obj)
        if optimizer is not None:
            optimizers[id(optimizer)] = optimizer

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        found.append((path, obj))
        note_optimizer(obj)
        for name, child in _children(obj, optimizers):
            child_path = f"{path}/{name}" if path else name
            if _is_saveable(child, optimizers):
                visit(child, child_path)
            elif isinstance(child, (list, tuple, dict)):
                visit_container(child, child_path)

    def visit_container(container, path):
        items = list(container.values()) if isinstance(container, dict) else list(container)
        used = {}
        for item in items:
            if not _is_saveable(item, optimizers):
                continue
            name = _snake_case(type(item).__name__)
            if name in used:
                used[name] += 1
                name = f"{name}_{used[name]}"
            else:
                used[name] = 0
            visit(item, f"{path}/{name}")

    note_optimizer(model)
    visit(model, "")
    return found


def own_variables(obj):
    """The variables an object stores under its own `vars` group, in file order."""
    if isinstance(obj, Layer):
        return obj._own_weights()
    return list(obj.variables)


def _to_numpy(variable):
    value = variable.numpy() if hasattr(variable, "numpy") else np.asarray(variable)
    return np.asarray(value)


def write_weights(model, h5_file):
    """Write every saveable's variables into an open, writable h5py File."""
    for path, obj in saveables(model):
        group = h5_file.create_group(f"{path}/vars" if path else "vars")
        name = getattr(obj, "name", None)
        if isinstance(name, str):
            group.attrs["name"] = name
        for index, variable in enumerate(own_variables(obj)):
            group.create_dataset(str(index), data=_to_numpy(variable))


def _vars_group(h5py, h5_file, path):
    """The `vars` group at `path`, or None; links other than plain ones are refused."""
    node = h5_file
    for part in [p for p in path.split("/") if p] + ["vars"]:
        link = node.get(part, getlink=True)
        if link is None:
            return None
        if not isinstance(link, h5py.HardLink):
            raise ValueError(f"Refusing to load weights: '{path}/{part}' is a {type(link).__name__}, "
                             "which could read another file; weight files hold plain groups only.")
        node = node[part]
        if not isinstance(node, h5py.Group):
            raise ValueError(f"Corrupt weights file: '{path}/{part}' should be a group.")
    return node


def _read_dataset(h5py, group, key, variable, where):
    link = group.get(key, getlink=True)
    if not isinstance(link, h5py.HardLink):
        raise ValueError(f"Refusing to load weights: {where} is not a plain dataset.")
    dataset = group[key]
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"Corrupt weights file: {where} should be a dataset.")
    if dataset.external or dataset.is_virtual:
        raise ValueError(f"Refusing to load weights: {where} stores its data in another file.")
    expected = tuple(variable.shape)
    if tuple(dataset.shape) != expected:
        raise ValueError(f"Shape mismatch for {where}: the model's variable '{variable.path}' has shape "
                         f"{expected}, the file has shape {tuple(dataset.shape)}.")
    nbytes = int(np.prod(dataset.shape, dtype=np.int64)) * dataset.dtype.itemsize
    if nbytes > MAX_DATASET_BYTES:
        raise ValueError(f"Refusing to load {where}: {nbytes} bytes is over the limit of "
                         f"{MAX_DATASET_BYTES} bytes.")
    if dataset.dtype.kind not in "biufc":
        raise ValueError(f"Refusing to load {where}: dtype {dataset.dtype} is not numeric.")
    return dataset[()]


def _natural(key):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key)]


def read_weights(model, h5_file, skip_mismatch=False, load_optimizer=True):
    """Assign every saveable's variables from an open h5py File (all checked before any is assigned).

    Raises ValueError naming the path and variable on a missing group, a count or
    shape mismatch, or leftover weights in the file; with `skip_mismatch` those
    objects are skipped with a warning instead.
    """
    h5py = _import_h5py()
    items = saveables(model)
    optimizer = _optimizer_of(model)
    assignments, used = [], set()
    for path, obj in items:
        is_optimizer = obj is optimizer and optimizer is not None
        if is_optimizer and not load_optimizer:
            continue
        group = _vars_group(h5py, h5_file, path)
        if is_optimizer and group is not None and not optimizer.built and \
                len(group) > len(optimizer.variables):
            optimizer.build(model.trainable_variables)  # slots exist only once built, as in Keras
        variables = own_variables(obj)
        label = f"'{path or '/'}' ({type(obj).__name__} '{getattr(obj, 'name', '')}')"
        keys = sorted(group.keys(), key=_natural) if group is not None else []
        used.add(path)
        if len(keys) != len(variables):
            message = (f"Layer {label} expects {len(variables)} variables, but the file holds "
                       f"{len(keys)} at '{path}/vars'.")
            if is_optimizer or skip_mismatch:
                warnings.warn(f"Skipping loading weights of {label}: {message}", stacklevel=3)
                continue
            raise ValueError(message)
        if keys != [str(i) for i in range(len(keys))]:
            raise ValueError(f"Corrupt weights file: '{path}/vars' holds {keys}, expected "
                             f"0..{len(keys) - 1}.")
        try:
            values = [_read_dataset(h5py, group, key, variable, f"'{path}/vars/{key}'")
                      for key, variable in zip(keys, variables, strict=True)]
        except ValueError as e:
            if skip_mismatch and str(e).startswith("Shape mismatch"):
                warnings.warn(f"Skipping loading weights of {label}: {e}", stacklevel=3)
                continue
            raise
        assignments.extend(zip(variables, values, strict=True))
    leftover = _leftover_paths(h5py, h5_file, used, load_optimizer and optimizer is not None)
    if leftover:
        message = (f"The weights file holds weights that the model has no place for: {leftover}. The "
                   "model's structure differs from the one that was saved.")
        if not skip_mismatch:
            raise ValueError(message)
        warnings.warn(message, stacklevel=3)
    for variable, value in assignments:
        variable.assign(np.asarray(value).astype(np.dtype(_numpy_dtype(variable)), copy=False))


def _numpy_dtype(variable):
    dtype = str(getattr(variable, "dtype", "float32"))
    if dtype == "bfloat16":
        import ml_dtypes

        return ml_dtypes.bfloat16
    return dtype


def _leftover_paths(h5py, h5_file, used, load_optimizer):
    """Paths of non-empty `vars` groups in the file that no model object read."""
    leftover = []

    def visit(group, path):
        for key in group:
            link = group.get(key, getlink=True)
            if not isinstance(link, h5py.HardLink):
                continue
            child = group[key]
            if not isinstance(child, h5py.Group):
                continue
            child_path = f"{path}/{key}" if path else key
            if key == "vars":
                if len(child) and path not in used:
                    leftover.append(path or "/")
            elif not (child_path == "optimizer" and not load_optimizer):
                visit(child, child_path)

    visit(h5_file, "")
    return leftover
