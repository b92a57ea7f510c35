"""`KerasFileEditor`: inspect and edit the weights of a `.keras` or `.weights.h5` file.

The file is read once, safely (no code runs, nothing is unpickled): the archive goes
through `archive.read_archive`, and the h5 tree is walked with the same checks as
`weights_store` (plain hard links only, no external or virtual datasets, numeric
dtypes, a size bound per dataset). The weights become a nested dict that mirrors the
h5 layout with the `vars` level folded away: an object at path `layers/dense` is
`weights_dict["layers"]["dense"]`, a dict whose array entries (`"0"`, `"1"`, ...) are
its own variables and whose dict entries are the objects under it. The model's own
variables are the array entries at the top level. Edits change that dict; `save`
writes it back, atomically, as a `.weights.h5` file in Keras 3's layout.
"""

import os
import re

import numpy as np

from k_layers.saving import archive
from k_layers.saving.weights_store import MAX_DATASET_BYTES, _import_h5py

__all__ = ["KerasFileEditor"]

_MAX_RANK = 64


def _natural(key):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key)]


def _join(path, key):
    return f"{path}/{key}" if path else key


def _check_name(name, what):
    if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
        raise ValueError(f"{what} must be a non-empty name without '/'; got {name!r}.")


def _as_weights(weights):
    if not isinstance(weights, dict):
        raise ValueError("Argument `weights` should be a dict mapping weight names (usually '0', '1', ...) "
                         f"to arrays. Received: type(weights)={type(weights)}")
    result = {}
    for key, value in weights.items():
        _check_name(key, "A weight name")
        value = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
        if value.dtype.kind not in "biufc":
            raise ValueError(f"Weight {key!r} has dtype {value.dtype}; weights must be numeric arrays.")
        result[key] = value
    return result


def _load_tree(h5py, h5_file):
    """`(weights_dict, object_metadata)` from an open h5 file, checking every link and dataset."""
    object_metadata = {}

    def read_dataset(dataset, where):
        if dataset.external or dataset.is_virtual:
            raise ValueError(f"Refusing to load {where}: it stores its data in another file.")
        shape = tuple(dataset.shape) if dataset.shape is not None else ()
        if len(shape) > _MAX_RANK or any(dim < 0 for dim in shape):
            raise ValueError(f"Refusing to load {where}: malformed shape {shape}.")
        if dataset.dtype.kind not in "biufc":
            raise ValueError(f"Refusing to load {where}: dtype {dataset.dtype} is not numeric.")
        nbytes = int(np.prod(shape, dtype=np.int64)) * dataset.dtype.itemsize
        if nbytes > MAX_DATASET_BYTES:
            raise ValueError(f"Refusing to load {where}: {nbytes} bytes is over the limit of "
                             f"{MAX_DATASET_BYTES} bytes.")
        return np.asarray(dataset[()])

    def children(group, where):
        for key in group:
            link = group.get(key, getlink=True)
            if not isinstance(link, h5py.HardLink):
                raise ValueError(f"Refusing to load weights: '{_join(where, key)}' is a "
                                 f"{type(link).__name__}, which could read another file; weight files "
                                 "hold plain groups only.")
            yield key, group[key]

    def visit(group, path):
        node = {}
        for key, child in children(group, path):
            where = _join(path, key)
            if isinstance(child, h5py.Dataset):
                node[key] = read_dataset(child, f"'{where}'")
            elif not isinstance(child, h5py.Group):
                continue
            elif key == "vars":
                name = child.attrs.get("name")
                if isinstance(name, bytes):
                    name = name.decode("utf-8", "replace")
                if isinstance(name, str):
                    object_metadata[path] = {"name": name}
                for index, dataset in children(child, where):
                    if not isinstance(dataset, h5py.Dataset):
                        raise ValueError(f"Corrupt weights file: '{where}/{index}' should be a dataset.")
                    node[index] = read_dataset(dataset, f"'{where}/{index}'")
            else:
                sub = visit(child, where)
                if sub:
                    node[key] = sub
        return node

    return visit(h5_file, ""), object_metadata


class KerasFileEditor:
    """Inspect and edit the weights saved in a `.keras` archive or a `.weights.h5` file.

    Useful to adapt a saved file to a model whose structure changed: rename, remove
    or add objects (layers) and weights, check the result against a model with
    `compare`, then write it out with `save` and load it with `model.load_weights`.

    Args:
        filepath: a `.keras` archive (or its unzipped directory) or a `.weights.h5` file.

    Attributes:
        weights_dict: the nested dict of weights (see the module docstring).
        object_metadata: `{object path: {"name": layer name}}` as recorded in the file.
        config, metadata: the archive's `config.json` and `metadata.json` (None for
            a `.weights.h5` file).

    Example:
    >>> editor = kappa.saving.KerasFileEditor("model.keras")
    >>> editor.rename_object("dense_3", "dense_4")
    >>> editor.delete_object("layers/dense_2")
    >>> editor.add_object("layers/dense_5", weights={"0": kernel, "1": bias})
    >>> editor.compare(new_model)["status"]
    'success'
    >>> editor.save("edited.weights.h5")
    """

    def __init__(self, filepath):
        filepath = os.fspath(filepath)
        self.filepath = filepath
        self.metadata = None
        self.config = None
        self.model = None
        h5py = _import_h5py()
        if filepath.endswith(".keras"):
            with archive.read_archive(filepath) as (metadata, config, weights_path):
                self.metadata, self.config = metadata, config
                self.weights_dict, self.object_metadata = self._read_h5(h5py, weights_path)
        elif filepath.endswith(".weights.h5"):
            if not os.path.isfile(filepath):
                raise FileNotFoundError(f"No such file: {filepath}")
            self.weights_dict, self.object_metadata = self._read_h5(h5py, filepath)
        else:
            raise ValueError("Invalid filename: expected a `.keras` or `.weights.h5` extension. "
                             f"Received: filepath={filepath}")
        print(f"Keras model file '{self.filepath}'")
        if self.metadata:
            print(f"Saved with Keras {self.metadata.get('keras_version', '?')} - "
                  f"date: {self.metadata.get('date_saved', '?')}")

    def _read_h5(self, h5py, path):
        try:
            h5_file = h5py.File(path, "r")
        except OSError as e:
            raise ValueError(f"Cannot load {self.filepath}: its weights are not a valid HDF5 file "
                             f"({e}).") from None
        with h5_file:
            return _load_tree(h5py, h5_file)

    # ----------------------------------------------------------------- inspection

    def summary(self):
        """Print the structure of the weights: every object and each weight's shape and dtype."""
        print("Weights structure")
        lines = []
        self._structure_lines(self.weights_dict, "", "  ", lines)
        print("\n".join(lines))

    def _structure_lines(self, node, path, prefix, lines):
        items = list(node.items())
        for position, (key, value) in enumerate(items):
            last = position == len(items) - 1
            connector = "└─ " if last else "├─ "
            if isinstance(value, dict):
                child_path = _join(path, key)
                label = f"{prefix}{connector}{key}"
                name = self.object_metadata.get(child_path, {}).get("name")
                if name is not None:
                    label += f" ('{name}')"
                lines.append(label)
                self._structure_lines(value, child_path, prefix + ("    " if last else "│   "), lines)
            else:
                lines.append(f"{prefix}{connector}{key}: shape={tuple(value.shape)}, dtype={value.dtype}")

    def compare(self, reference_model):
        """Compare the file's weights with a model's: objects and weights missing on either side, shapes.

        Prints every mismatch and returns `{"status": "success" | "error",
        "error_count": int, "match_count": int}`.
        """
        from k_layers.saving.weights_store import own_variables, saveables

        print("Running comparison")
        reference = {}
        for path, obj in saveables(reference_model):
            variables = own_variables(obj)
            if not variables:
                continue
            node = reference
            for part in [p for p in path.split("/") if p]:
                node = node.setdefault(part, {})
            for index, variable in enumerate(variables):
                # A zero-stride view: the shape without the memory.
                node[str(index)] = np.broadcast_to(np.zeros((), "float32"), tuple(variable.shape))
        checked = set()
        errors, matches = self._compare(self.weights_dict, reference, "", "saved file", "reference model",
                                        checked)
        more, _ = self._compare(reference, self.weights_dict, "", "reference model", "saved file", checked)
        errors += more
        print("─────────────────────")
        if errors == 0:
            print("Comparison successful: saved file is compatible with the reference model")
            print(f"    Found {matches} matching weight{'' if matches == 1 else 's'}")
        else:
            print(f"Found {errors} error{'' if errors == 1 else 's'}: saved file is not compatible with "
                  "the reference model")
        return {"status": "success" if errors == 0 else "error", "error_count": errors,
                "match_count": matches}

    @staticmethod
    def _compare(target, reference, path, target_name, reference_name, checked):
        errors = matches = 0
        for key, value in reference.items():
            where = f"{path}/{key}"
            if where in checked:
                continue
            if key not in target or isinstance(target[key], dict) != isinstance(value, dict):
                errors += 1
                checked.add(where)
                kind = "Object" if isinstance(value, dict) else "Weight"
                print(f"...{kind} {where} present in {reference_name}, missing from {target_name}")
                if isinstance(value, dict):
                    print(f"    In {reference_name}, {where} contains the following keys: {list(value)}")
            elif isinstance(value, dict):
                more_errors, more_matches = KerasFileEditor._compare(
                    target[key], value, where, target_name, reference_name, checked)
                errors += more_errors
                matches += more_matches
            else:
                ref_shape, target_shape = tuple(np.shape(value)), tuple(np.shape(target[key]))
                if ref_shape != target_shape:
                    errors += 1
                    checked.add(where)
                    print(f"...Weight shape mismatch for {where}\n    In {reference_name}: "
                          f"shape={ref_shape}\n    In {target_name}: shape={target_shape}")
                else:
                    matches += 1
        return errors, matches

    # ----------------------------------------------------------------- editing

    def _object_paths(self):
        found = []

        def visit(node, path):
            for key, value in node.items():
                if isinstance(value, dict):
                    found.append(_join(path, key))
                    visit(value, _join(path, key))

        visit(self.weights_dict, "")
        return found

    def _node(self, path):
        node = self.weights_dict
        for part in [p for p in path.split("/") if p]:
            node = node.get(part) if isinstance(node, dict) else None
            if not isinstance(node, dict):
                return None
        return node

    def _resolve(self, object_name):
        """The full path of an object given by path (`layers/dense`) or by a unique key (`dense`)."""
        if not isinstance(object_name, str) or not object_name.strip("/"):
            raise ValueError(f"Expected an object name or path; got {object_name!r}.")
        object_name = object_name.strip("/")
        if "/" in object_name:
            if self._node(object_name) is None:
                raise ValueError(f"Path '{object_name}' not found in model.")
            return object_name
        matches = [p for p in self._object_paths() if p.rsplit("/", 1)[-1] == object_name]
        if len(matches) > 1:
            raise ValueError(f"Name '{object_name}' occurs more than once in the model ({matches}); "
                             "try passing a complete path.")
        if not matches:
            raise ValueError(f"Source name '{object_name}' does not appear in the model. Use "
                             "`editor.summary()` to list all objects.")
        return matches[0]

    @staticmethod
    def _split(path):
        parent, _, key = path.rpartition("/")
        return parent, key

    def _move_metadata(self, old, new=None):
        for path in list(self.object_metadata):
            if path == old or path.startswith(old + "/"):
                entry = self.object_metadata.pop(path)
                if new is not None:
                    self.object_metadata[new + path[len(old):]] = entry

    def rename_object(self, object_name, new_name):
        """Rename an object (e.g. a layer) given by name (`"dense_2"`) or path (`"layers/dense_2"`).

        `new_name` is the new last element of the path, not a full path.
        """
        _check_name(new_name, "Argument `new_name`")
        path = self._resolve(object_name)
        parent_path, key = self._split(path)
        parent = self._node(parent_path)
        if new_name == key:
            return
        if new_name in parent:
            raise ValueError(f"Cannot rename '{path}' to '{new_name}': "
                             f"'{_join(parent_path, new_name)}' already exists.")
        parent[new_name] = parent.pop(key)
        self._move_metadata(path, _join(parent_path, new_name))

    def delete_object(self, object_name):
        """Remove an object (e.g. a layer), given by name (`"dense_2"`) or path (`"layers/dense_2"`)."""
        path = self._resolve(object_name)
        parent_path, key = self._split(path)
        del self._node(parent_path)[key]
        self._move_metadata(path)

    def add_object(self, object_path, weights):
        """Add a new object at `object_path` (e.g. `"layers/dense_2"`) with `weights`.

        `weights` maps weight names (`"0"`, `"1"`, ...) to arrays. The parent path must
        exist and the object must not.
        """
        weights = _as_weights(weights)
        if not isinstance(object_path, str) or not object_path.strip("/"):
            raise ValueError(f"Expected an object path; got {object_path!r}.")
        object_path = object_path.strip("/")
        parent_path, key = self._split(object_path)
        for part in object_path.split("/"):
            _check_name(part, "Each element of `object_path`")
        parent = self._node(parent_path)
        if parent is None:
            raise ValueError(f"Path '{parent_path}' not found in model.")
        if key in parent:
            raise ValueError(f"Cannot add '{object_path}': it already exists; delete it first or use "
                             "add_weights.")
        parent[key] = weights

    def delete_weight(self, object_name, weight_name):
        """Remove the weight `weight_name` (e.g. `"0"`) from an object given by name or path."""
        path = self._resolve(object_name)
        node = self._node(path)
        if weight_name not in node or isinstance(node[weight_name], dict):
            raise ValueError(f"Weight {weight_name} not found in object {object_name}. Weights found: "
                             f"{[k for k, v in node.items() if not isinstance(v, dict)]}")
        del node[weight_name]

    def add_weights(self, object_name, weights):
        """Add (or replace) weights of an existing object; `weights` maps names (`"2"`) to arrays."""
        weights = _as_weights(weights)
        path = self._resolve(object_name)
        node = self._node(path)
        for key in weights:
            if isinstance(node.get(key), dict):
                raise ValueError(f"Cannot add weight {key!r} to '{path}': an object has that name.")
        node.update(weights)

    # ----------------------------------------------------------------- saving

    def save(self, filepath):
        """Write the edited weights to a `.weights.h5` file (atomically), loadable with `load_weights`."""
        filepath = os.fspath(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError("Invalid `filepath` argument: expected a `.weights.h5` extension. "
                             f"Received: filepath={filepath}")
        h5py = _import_h5py()
        with archive.atomic_path(filepath, overwrite=True, suffix=".weights.h5") as temporary:
            with h5py.File(temporary, "w") as h5_file:
                self._write(h5_file, self.weights_dict, "")

    def resave_weights(self, filepath):
        """Same as `save`."""
        self.save(filepath)

    def _write(self, h5_file, node, path):
        leaves = {k: v for k, v in node.items() if not isinstance(v, dict)}
        if leaves:
            group = h5_file.create_group(_join(path, "vars"))
            name = self.object_metadata.get(path, {}).get("name")
            if name is not None:
                group.attrs["name"] = name
            for key in sorted(leaves, key=_natural):
                group.create_dataset(key, data=np.asarray(leaves[key]))
        for key, value in node.items():
            if isinstance(value, dict):
                self._write(h5_file, value, _join(path, key))
