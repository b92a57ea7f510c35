"""`keras.activations`: the activation functions layers accept by name.

Each is a thin function over `k_ops.nn` (which documents the maths); `get` turns a
name, config or callable into a function, and `serialize` gives the name Keras 3
writes for a built-in ("relu").
"""

import types

from k_layers.serialization import builtin, builtin_objects, deserialize_keras_object, serialize_keras_object
from k_ops import core as _core
from k_ops import nn as _nn
from k_ops import numpy as knp
from k_ops.symbolic import KerasTensor

__all__ = ["celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
           "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
           "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
           "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink",
           "threshold", "get", "serialize", "deserialize"]

_NS = "keras.activations"


def _tensor(x):
    """A tensor of the backend; symbolic tensors pass through (layers trace activations)."""
    return x if isinstance(x, KerasTensor) else _core.convert_to_tensor(x)


@builtin(_NS)
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: `x` above `threshold` (capped at `max_value`), else
    `negative_slope * (x - threshold)`.

    Example:
    >>> relu([-10.0, -5.0, 0.0, 5.0, 10.0], max_value=5.0)   # [0, 0, 0, 5, 5]
    """
    x = _tensor(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return _nn.leaky_relu(x, negative_slope=negative_slope)
    dtype = _core.dtype(x)
    if threshold != 0:
        out = knp.where(knp.greater(x, _core.cast(threshold, dtype)), x, _core.cast(0, dtype))
    elif max_value == 6:
        out, max_value = _nn.relu6(x), None
    else:
        out = _nn.relu(x)
    if max_value is not None:
        out = knp.clip(out, _core.cast(0.0, dtype), _core.cast(max_value, dtype))
    if negative_slope != 0.0:
        below = _nn.relu(knp.subtract(_core.cast(threshold, dtype), x) if threshold != 0 else knp.negative(x))
        out = knp.subtract(out, knp.multiply(_core.cast(negative_slope, dtype), below))
    return out


@builtin(_NS)
def leaky_relu(x, negative_slope=0.2):
    """`x` if `x >= 0`, else `negative_slope * x`."""
    return _nn.leaky_relu(x, negative_slope=negative_slope)


@builtin(_NS)
def relu6(x):
    """`min(max(x, 0), 6)`."""
    return _nn.relu6(x)


@builtin(_NS)
def softmax(x, axis=-1):
    """Softmax along `axis` (an int or a tuple of ints).

    Example:
    >>> softmax([[1.0, 2.0, 3.0]])
    """
    x = _tensor(x)
    out = _nn.softmax(x, axis=axis)
    try:  # losses recognise a softmax output and can use its logits
        out._keras_logits = x
    except AttributeError:
        pass
    return out


@builtin(_NS)
def elu(x, alpha=1.0):
    """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)`."""
    return _nn.elu(x, alpha=alpha)


@builtin(_NS)
def selu(x):
    """Scaled exponential linear unit (self-normalizing; use with LecunNormal)."""
    return _nn.selu(x)


@builtin(_NS)
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: `max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`."""
    return _nn.celu(x, alpha=alpha)


@builtin(_NS)
def softplus(x):
    """`log(exp(x) + 1)`."""
    return _nn.softplus(x)


@builtin(_NS)
def softsign(x):
    """`x / (abs(x) + 1)`."""
    return _nn.softsign(x)


@builtin(_NS)
def squareplus(x, b=4):
    """`(x + sqrt(x**2 + b)) / 2`, a smooth ReLU."""
    return _nn.squareplus(x, b=b)


@builtin(_NS)
def soft_shrink(x, threshold=0.5):
    """`x - threshold` above `threshold`, `x + threshold` below `-threshold`, else 0."""
    return _nn.soft_shrink(x, threshold=threshold)


@builtin(_NS)
def hard_shrink(x, threshold=0.5):
    """`x` where `abs(x) > threshold`, else 0."""
    return _nn.hard_shrink(x, threshold=threshold)


@builtin(_NS)
def sparse_plus(x):
    """0 below -1, `(x + 1)**2 / 4` on [-1, 1], `x` above 1."""
    return _nn.sparse_plus(x)


@builtin(_NS, "swish")
def silu(x):
    """Sigmoid linear unit (swish): `x * sigmoid(x)`."""
    return _nn.silu(x)


swish = silu


@builtin(_NS)
def gelu(x, approximate=False):
    """Gaussian error linear unit: `x * P(X <= x)` for a standard normal X
    (`approximate=True` uses the tanh approximation)."""
    return _nn.gelu(x, approximate=approximate)


@builtin(_NS)
def glu(x, axis=-1):
    """Gated linear unit: splits `x` in two halves `a, b` along `axis`, returns `a * sigmoid(b)`."""
    return _nn.glu(x, axis=axis)


@builtin(_NS)
def tanh(x):
    """Hyperbolic tangent."""
    return knp.tanh(x)


@builtin(_NS)
def tanh_shrink(x):
    """`x - tanh(x)`."""
    return _nn.tanh_shrink(x)


@builtin(_NS)
def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value`."""
    return _nn.threshold(x, threshold, default_value)


@builtin(_NS)
def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    x = _tensor(x)
    out = _nn.sigmoid(x)
    try:  # losses recognise a sigmoid output and can use its logits
        out._keras_logits = x
    except AttributeError:
        pass
    return out


@builtin(_NS)
def sparse_sigmoid(x):
    """0 below -1, `(x + 1) / 2` on [-1, 1], 1 above 1."""
    return _nn.sparse_sigmoid(x)


@builtin(_NS)
def exponential(x):
    """`exp(x)`."""
    return knp.exp(x)


@builtin(_NS)
def hard_sigmoid(x):
    """Piecewise-linear sigmoid: `clip(x / 6 + 0.5, 0, 1)`."""
    return _nn.hard_sigmoid(x)


@builtin(_NS, "hard_swish")
def hard_silu(x):
    """Hard swish: `x * hard_sigmoid(x)`."""
    return _nn.hard_silu(x)


hard_swish = hard_silu


@builtin(_NS)
def hard_tanh(x):
    """`clip(x, -1, 1)`."""
    return _nn.hard_tanh(x)


@builtin(_NS)
def linear(x):
    """The identity: returns `x` unchanged."""
    return x


@builtin(_NS)
def mish(x):
    """`x * tanh(softplus(x))` (Misra, 2019)."""
    x = _tensor(x)
    return knp.multiply(x, knp.tanh(_nn.softplus(x)))


@builtin(_NS)
def log_softmax(x, axis=-1):
    """`log(softmax(x))` along `axis`, computed stably."""
    return _nn.log_softmax(x, axis=axis)


@builtin(_NS)
def log_sigmoid(x):
    """`log(sigmoid(x))`, computed stably."""
    return _nn.log_sigmoid(x)


@builtin(_NS)
def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of `x` onto the probability simplex along `axis`."""
    return _nn.sparsemax(x, axis=axis)


_LOOKUP_EXCLUDED = ("get", "serialize", "deserialize")


def _builtin_functions():
    table = builtin_objects(_NS)
    for name in _LOOKUP_EXCLUDED:
        table.pop(name, None)
    return table


@builtin(_NS)
def serialize(activation):
    """A built-in activation's name ("relu"); a config dict for registered functions and objects.

    Example:
    >>> serialize(relu)   # "relu"
    """
    config = serialize_keras_object(activation)
    if not isinstance(config, dict) or "config" not in config:
        raise ValueError(f"Cannot serialize activation {activation!r}: use a built-in activation, or "
                         "register it with register_keras_serializable().")
    is_builtin = _builtin_functions().get(getattr(activation, "__name__", None)) is activation
    if isinstance(activation, types.FunctionType) and is_builtin:
        return activation.__name__
    return config


@builtin(_NS)
def deserialize(config, custom_objects=None):
    """The activation a name or config names."""
    return deserialize_keras_object(config, custom_objects=custom_objects,
                                    module_objects=_builtin_functions())


@builtin(_NS)
def get(identifier):
    """An activation function from a name ("relu"), a config dict or a callable; None gives `linear`.

    Example:
    >>> get("gelu")(x)
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _builtin_functions().get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r} (expected the name "
                     "of a built-in activation such as 'relu', a config dict or a callable).")
