"""Helpers on batches: packing `(x, y, sample_weight)`, nested structures, NumPy conversion, splits."""

import math

import numpy as np

import k_backends


def unpack_x_y_sample_weight(data):
    """Split a batch into `(x, y, sample_weight)`, with `None` for the parts it lacks.

    Args:
        data: `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` (a list counts as a tuple).

    Returns:
        The tuple `(x, y, sample_weight)`.

    Example:
    >>> unpack_x_y_sample_weight((1, 2))
    (1, 2, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) > 3:
        raise ValueError("Data is expected to be `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`; "
                         f"got a tuple of {len(data)} elements: {str(data)[:200]}")
    return tuple(data) + (None,) * (3 - len(data))


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Pack `x`, `y` and `sample_weight` into the batch format `fit()` reads.

    Args:
        x: the inputs.
        y: the targets, or None.
        sample_weight: the per-sample weights, or None.

    Returns:
        `x` alone when it is not a tuple or list and `y` is None (a tuple or
        list `x` becomes `(x,)`, so it is not mistaken for `(x, y)`), else
        `(x, y)` or `(x, y, sample_weight)`.

    Example:
    >>> pack_x_y_sample_weight(1, 2)
    (1, 2)
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return x, y
    return x, y, sample_weight


def is_nested(structure):
    return isinstance(structure, (tuple, list, dict))


def map_structure(func, structure):
    """`func` applied to every non-None leaf, keeping tuples, lists, namedtuples and dicts."""
    if structure is None:
        return None
    if isinstance(structure, dict):
        return type(structure)((key, map_structure(func, value)) for key, value in structure.items())
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*(map_structure(func, item) for item in structure))
    if isinstance(structure, (tuple, list)):
        return type(structure)(map_structure(func, item) for item in structure)
    return func(structure)


def flatten(structure):
    """The non-None leaves of a nested structure, in order."""
    if structure is None:
        return []
    if isinstance(structure, dict):
        return [leaf for value in structure.values() for leaf in flatten(value)]
    if isinstance(structure, (tuple, list)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def is_array_like(x):
    """Whether `x` can be sliced along its first axis: a NumPy array, a framework tensor, a DataFrame."""
    return hasattr(x, "shape") and hasattr(x, "__getitem__") and len(x.shape) > 0


def to_numpy(x):
    """A tensor of any installed framework (or array-like) as a NumPy array."""
    if isinstance(x, np.ndarray):
        return x
    core = k_backends.current().core
    if core.is_tensor(x):
        return np.asarray(core.convert_to_numpy(x))
    if type(x).__module__.startswith("torch"):
        return x.numpy(force=True)
    if callable(getattr(x, "numpy", None)):  # tensorflow eager tensors
        return np.asarray(x.numpy())
    return np.asarray(x)


def to_tensor(x):
    """A leaf of a batch as a tensor of the selected backend; strings and objects stay NumPy arrays."""
    core = k_backends.current().core
    if core.is_tensor(x):
        return core.convert_to_tensor(x)
    x = to_numpy(x)
    if x.dtype.kind in "OUSV":
        return x
    return core.convert_to_tensor(x)


def class_weight_to_sample_weight(y, class_weight):
    """Per-sample weights from `{class_index: weight}`, as Keras computes them.

    Args:
        y: the targets: class indices of shape `(n,)` or `(n, 1)` (rounded to
            integers), or one-hot / probabilities of shape `(n, classes)`
            (their argmax is the class).
        class_weight: dict from class index to weight; classes not in it weigh 1.

    Returns:
        A NumPy array of shape `(n,)` and dtype floatx.
    """
    if not isinstance(class_weight, dict):
        raise TypeError(f"`class_weight` must be a dict from class index to weight; "
                        f"got {type(class_weight).__name__}: {class_weight!r:.100}")
    labels = to_numpy(y)
    if labels.ndim > 1:
        labels = labels[..., 0] if labels.shape[-1] == 1 else np.argmax(labels, axis=-1)
    labels = np.round(labels).astype("int64").reshape(-1)
    weights = np.ones(labels.shape[0], dtype=k_backends.floatx())
    for label, weight in class_weight.items():
        weights[labels == int(label)] = weight
    return weights


def train_validation_split(arrays, validation_split):
    """Split nested arrays into training and validation parts; the last fraction is for validation.

    Args:
        arrays: a nested structure of NumPy arrays or tensors (or None), all
            with the same number of samples.
        validation_split: the fraction, between 0 and 1, that goes to validation.

    Returns:
        `(train_arrays, validation_arrays)`, structured as `arrays`.

    Example:
    >>> train, val = train_validation_split((np.arange(10), np.arange(10)), 0.2)
    >>> val[0]
    array([8, 9])
    """
    leaves = flatten(arrays)
    unsplittable = sorted({type(t).__name__ for t in leaves if not is_array_like(t)})
    if unsplittable:
        raise ValueError("`validation_split` is only supported for NumPy arrays and tensors; "
                         f"got data of type {', '.join(unsplittable)}.")
    if not leaves:
        return arrays, arrays
    num_samples = int(leaves[0].shape[0])
    split_at = int(math.floor(num_samples * (1.0 - validation_split)))
    if split_at == 0 or split_at == num_samples:
        raise ValueError(
            f"The data has {num_samples} samples, too few to split into training and validation "
            f"sets with validation_split={validation_split}. Provide more data or another "
            "validation_split.")
    train = map_structure(lambda t: t[:split_at], arrays)
    validation = map_structure(lambda t: t[split_at:num_samples], arrays)
    return train, validation
