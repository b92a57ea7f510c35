"""`keras.regularizers`: penalties on a weight, added to the loss.

A regularizer is called on a tensor and returns a scalar tensor. Configs equal
Keras 3's (`L1` and `OrthogonalRegularizer` store their factor as float32, as Keras does).
"""

import numpy as np

from k_layers.serialization import builtin, builtin_objects, deserialize_keras_object, serialize_keras_object
from k_ops import core as _core
from k_ops import numpy as knp

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2",
           "orthogonal_regularizer", "get", "serialize", "deserialize"]

_NS = "keras.regularizers"


def _factor(value, name, default):
    """A non-negative float factor (None -> default)."""
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not value >= 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float; "
                         f"got {name}={value!r}.")
    return float(value)


def _float(x):
    x = _core.convert_to_tensor(x)
    dtype = _core.dtype(x)
    return x if "float" in dtype else _core.cast(x, "float32")


@builtin(_NS)
class Regularizer:
    """Base class: subclasses implement `__call__(x)` -> scalar and `get_config()`.

    Example:
    >>> class SumSquares(Regularizer):
    ...     def __call__(self, x):
    ...         return kappa.ops.sum(kappa.ops.square(x))
    """

    def __call__(self, x):
        return 0.0

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")


@builtin(_NS, "l1")
class L1(Regularizer):
    """`l1 * sum(abs(x))`.

    Example:
    >>> L1(0.01)(kappa.ops.ones((2, 2)))   # 0.04
    """

    def __init__(self, l1=0.01):
        self.l1 = float(np.float32(_factor(l1, "l1", 0.01)))

    def __call__(self, x):
        x = _float(x)
        return knp.multiply(_core.cast(self.l1, _core.dtype(x)), knp.sum(knp.abs(x)))

    def get_config(self):
        return {"l1": self.l1}


@builtin(_NS, "l2")
class L2(Regularizer):
    """`l2 * sum(square(x))`."""

    def __init__(self, l2=0.01):
        self.l2 = _factor(l2, "l2", 0.01)

    def __call__(self, x):
        x = _float(x)
        return knp.multiply(_core.cast(self.l2, _core.dtype(x)), knp.sum(knp.square(x)))

    def get_config(self):
        return {"l2": self.l2}


@builtin(_NS, "l1_l2", "l1l2")
class L1L2(Regularizer):
    """`l1 * sum(abs(x)) + l2 * sum(square(x))`."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(l1, "l1", 0.0)
        self.l2 = _factor(l2, "l2", 0.0)

    def __call__(self, x):
        x = _float(x)
        dtype = _core.dtype(x)
        total = _core.convert_to_tensor(0.0, dtype=dtype)
        if self.l1:
            total = knp.add(total, knp.multiply(_core.cast(self.l1, dtype), knp.sum(knp.abs(x))))
        if self.l2:
            total = knp.add(total, knp.multiply(_core.cast(self.l2, dtype), knp.sum(knp.square(x))))
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


@builtin(_NS, "orthogonal_regularizer")
class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2D weight towards orthogonality.

    The penalty is `factor` times the mean absolute cosine similarity between
    distinct rows (mode="rows") or columns (mode="columns").

    Example:
    >>> OrthogonalRegularizer(factor=0.01, mode="rows")(kappa.ops.eye(3))   # 0.0
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = float(np.float32(_factor(factor, "factor", 0.01)))
        if mode not in ("rows", "columns"):
            raise ValueError("Invalid value for argument mode: expected 'rows' or 'columns'; "
                             f"got mode={mode!r}.")
        self.mode = mode

    def __call__(self, x):
        x = _float(x)
        shape = tuple(_core.shape(x))
        if len(shape) != 2:
            raise ValueError(f"OrthogonalRegularizer needs a 2D weight; got shape={shape}.")
        dtype = _core.dtype(x)
        if self.mode == "columns":
            x = knp.transpose(x)
        norms = knp.sqrt(knp.maximum(knp.sum(knp.square(x), axis=1, keepdims=True), 1e-12))
        x = knp.divide(x, norms)
        product = knp.matmul(x, knp.transpose(x))
        size = product.shape[0]
        off = knp.multiply(product, _core.cast(1.0 - np.eye(size), dtype))
        pairs = size * (size - 1) / 2.0
        if pairs == 0:
            return _core.convert_to_tensor(0.0, dtype=dtype)
        return knp.multiply(_core.cast(self.factor * 0.5 / pairs, dtype), knp.sum(knp.abs(off)))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer


@builtin(_NS)
def serialize(regularizer):
    """The Keras config dict of a regularizer."""
    return serialize_keras_object(regularizer)


@builtin(_NS)
def deserialize(config, custom_objects=None):
    """Build a regularizer from its config dict."""
    return deserialize_keras_object(config, custom_objects=custom_objects,
                                    module_objects=builtin_objects(_NS))


@builtin(_NS)
def get(identifier):
    """A regularizer from a name ("l2", "L1L2"), a config dict, a class or a callable; None gives None.

    Example:
    >>> get({"class_name": "L2", "config": {"l2": 0.001}})
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = builtin_objects(_NS).get(identifier)
        if obj in (get, serialize, deserialize):
            obj = None
    else:
        obj = identifier
    if isinstance(obj, type):
        obj = obj()
    if not callable(obj):
        raise ValueError(f"Could not interpret regularizer identifier: {identifier!r} (expected a name such "
                         "as 'l2', a config dict, a Regularizer or a callable).")
    return obj
