"""`keras.constraints`: projections applied to a weight after each optimizer step.

A constraint is called on a weight tensor and returns the projected tensor of the
same shape. Configs equal Keras 3's.
"""

import numpy as np

from k_backends import config as _config
from k_layers.serialization import builtin, builtin_objects, deserialize_keras_object, serialize_keras_object
from k_ops import core as _core
from k_ops import numpy as knp

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm",
           "non_neg", "unit_norm", "get", "serialize", "deserialize"]

_NS = "keras.constraints"


def _number(value, name, cls):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"{cls}: {name} must be a number; got {name}={value!r}.")
    return value


def _axis(axis, cls):
    ok = isinstance(axis, (int, np.integer)) and not isinstance(axis, bool)
    ok = ok or (isinstance(axis, (list, tuple)) and all(isinstance(a, (int, np.integer)) for a in axis))
    if not ok:
        raise ValueError(f"{cls}: axis must be an int or a list of ints; got axis={axis!r}.")
    return list(axis) if isinstance(axis, tuple) else axis


def _norms(w, axis):
    axis = tuple(axis) if isinstance(axis, list) else axis
    return knp.sqrt(knp.sum(knp.square(w), axis=axis, keepdims=True))


@builtin(_NS)
class Constraint:
    """Base class: subclasses implement `__call__(w)` -> projected `w` and `get_config()`.

    Example:
    >>> class Clip(Constraint):
    ...     def __call__(self, w):
    ...         return kappa.ops.clip(w, -1.0, 1.0)
    """

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@builtin(_NS, "max_norm")
class MaxNorm(Constraint):
    """Rescales slices along `axis` whose L2 norm exceeds `max_value` down to it.

    Example:
    >>> MaxNorm(max_value=2, axis=0)(w)   # every column of a Dense kernel has norm <= 2
    """

    def __init__(self, max_value=2, axis=0):
        if _number(max_value, "max_value", "MaxNorm") < 0:
            raise ValueError(f"MaxNorm: max_value must be >= 0; got max_value={max_value!r}.")
        self.max_value = max_value
        self.axis = _axis(axis, "MaxNorm")

    def __call__(self, w):
        w = _core.convert_to_tensor(w)
        dtype = _core.dtype(w)
        norms = _norms(w, self.axis)
        desired = knp.clip(norms, 0, self.max_value)
        return knp.multiply(w, knp.divide(desired, knp.add(_core.cast(_config.epsilon(), dtype), norms)))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@builtin(_NS, "non_neg")
class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w):
        w = _core.convert_to_tensor(w)
        return knp.multiply(w, _core.cast(knp.greater_equal(w, 0), _core.dtype(w)))


@builtin(_NS, "unit_norm")
class UnitNorm(Constraint):
    """Rescales every slice along `axis` to L2 norm 1."""

    def __init__(self, axis=0):
        self.axis = _axis(axis, "UnitNorm")

    def __call__(self, w):
        w = _core.convert_to_tensor(w)
        return knp.divide(w, knp.add(_core.cast(_config.epsilon(), _core.dtype(w)), _norms(w, self.axis)))

    def get_config(self):
        return {"axis": self.axis}


@builtin(_NS, "min_max_norm")
class MinMaxNorm(Constraint):
    """Moves slice norms along `axis` into [min_value, max_value].

    `rate` in [0, 1] is how far each step moves: 1 projects exactly, smaller
    values move a fraction of the way (`rate * clipped + (1 - rate) * norm`).
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        _number(min_value, "min_value", "MinMaxNorm")
        _number(max_value, "max_value", "MinMaxNorm")
        _number(rate, "rate", "MinMaxNorm")
        if not 0 <= min_value <= max_value:
            raise ValueError(f"MinMaxNorm: need 0 <= min_value <= max_value; got min_value={min_value!r}, "
                             f"max_value={max_value!r}.")
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = _axis(axis, "MinMaxNorm")

    def __call__(self, w):
        w = _core.convert_to_tensor(w)
        dtype = _core.dtype(w)
        norms = _norms(w, self.axis)
        clipped = knp.clip(norms, self.min_value, self.max_value)
        desired = knp.add(knp.multiply(_core.cast(self.rate, dtype), clipped),
                          knp.multiply(_core.cast(1.0 - self.rate, dtype), norms))
        return knp.multiply(w, knp.divide(desired, knp.add(_core.cast(_config.epsilon(), dtype), norms)))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm


@builtin(_NS)
def serialize(constraint):
    """The Keras config dict of a constraint."""
    return serialize_keras_object(constraint)


@builtin(_NS)
def deserialize(config, custom_objects=None):
    """Build a constraint from its config dict."""
    return deserialize_keras_object(config, custom_objects=custom_objects,
                                    module_objects=builtin_objects(_NS))


@builtin(_NS)
def get(identifier):
    """A constraint from a name ("max_norm", "NonNeg"), a config dict, a class or a callable;
    None gives None.

    Example:
    >>> get("non_neg")
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
        raise ValueError(f"Could not interpret constraint identifier: {identifier!r} (expected a name such "
                         "as 'max_norm', a config dict, a Constraint or a callable).")
    return obj
