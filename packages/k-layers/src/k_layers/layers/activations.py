"""Activation layers: an activation function as a layer (`Activation`, `ReLU`, `Softmax`, ...).

The maths lives in `k_layers.activations` / `k_ops.nn`; these layers add configuration,
mask pass-through and, for `PReLU`, a learned slope. All but `PReLU` have no weights and
are built at construction.
"""

import numbers
import warnings

from k_backends import dtypes
from k_layers import activations, constraints, initializers, regularizers
from k_layers.input_spec import InputSpec
from k_layers.layer import Layer
from k_layers.serialization import builtin
from k_ops import core as _core
from k_ops import math as _math
from k_ops import numpy as knp

__all__ = ["Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"]

_NS = "keras.layers"


def _number(layer, name, value, allow_none=False, minimum=None):
    """Check that `value` is a real number (>= minimum); the error names the argument."""
    if value is None and allow_none:
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{layer}: `{name}` must be a number; got {name}={value!r}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{layer}: `{name}` cannot be negative; got {name}={value!r}.")
    return value


@builtin(_NS)
class Activation(Layer):
    """Apply an activation function (a name such as "relu", or a callable).

    Args:
        activation: the activation, anything `keras.activations.get` accepts.

    Example:
    >>> Activation("relu")(np.array([[-1.0, 2.0]]))   # [[0, 2]]
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)
        self.build()

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


@builtin(_NS)
class ReLU(Layer):
    """Rectified linear unit: `x` above `threshold` (capped at `max_value`), else
    `negative_slope * (x - threshold)`.

    Args:
        max_value: the cap (None: no cap); not negative.
        negative_slope: the slope below the threshold; not negative.
        threshold: the value below which the negative slope applies; not negative.

    Example:
    >>> ReLU(max_value=6.0)(np.array([[-1.0, 3.0, 9.0]]))   # [[0, 3, 6]]
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _number("ReLU", "max_value", max_value, allow_none=True, minimum=0.0)
        self.negative_slope = _number("ReLU", "negative_slope", negative_slope, minimum=0.0)
        self.threshold = _number("ReLU", "threshold", threshold, minimum=0.0)
        self.supports_masking = True
        self.build()

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


@builtin(_NS)
class LeakyReLU(Layer):
    """`x` if `x >= 0`, else `negative_slope * x`.

    Args:
        negative_slope: the slope for negative inputs (not negative). `alpha=` is still
            accepted as its deprecated Keras 2 name (with a warning).

    Example:
    >>> LeakyReLU(negative_slope=0.1)(np.array([[-10.0, 2.0]]))   # [[-1, 2]]
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: argument `alpha` is deprecated; use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        self.negative_slope = _number("LeakyReLU", "negative_slope", negative_slope, minimum=0.0)
        self.supports_masking = True
        self.build()

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


@builtin(_NS)
class PReLU(Layer):
    """Leaky ReLU with a learned slope: `x` if `x >= 0`, else `alpha * x`, one `alpha` per
    feature (shared along `shared_axes`).

    Args:
        alpha_initializer: initializer of the slopes (zeros: starts as ReLU).
        alpha_regularizer: regularizer of the slopes.
        alpha_constraint: constraint on the slopes.
        shared_axes: axis or axes (>= 1; 0 is the batch) along which one slope is shared,
            e.g. `[1, 2]` for one slope per channel of `(batch, height, width, channels)` input.

    Example:
    >>> PReLU(alpha_initializer="ones")(np.array([[-1.0, 2.0]]))   # [[-1, 2]]
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            for a in axes:
                if isinstance(a, bool) or not isinstance(a, int) or a < 1:
                    raise ValueError(f"PReLU: `shared_axes` must hold axis indices >= 1 (axis 0 is the "
                                     f"batch); got shared_axes={shared_axes!r}.")
            self.shared_axes = axes

    def build(self, input_shape):
        rank = len(input_shape)
        shape = list(input_shape[1:])
        for a in self.shared_axes or ():
            if a >= rank:
                raise ValueError(f"Layer '{self.name}' (PReLU): shared_axes={self.shared_axes} is out of "
                                 f"range for input shape {tuple(input_shape)}.")
            shape[a - 1] = 1
        if None in shape:
            raise ValueError(f"Layer '{self.name}' (PReLU) needs every non-shared axis of its input known to "
                             f"create `alpha`; got input shape {tuple(input_shape)} with "
                             f"shared_axes={self.shared_axes}.")
        self.alpha = self.add_weight(shape=shape, name="alpha", initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        shared = set(self.shared_axes or ())
        self.input_spec = InputSpec(ndim=rank, axes={i: input_shape[i] for i in range(1, rank)
                                                     if i not in shared})

    def call(self, inputs):
        positive = activations.relu(inputs)
        negative = knp.multiply(self.alpha, activations.relu(knp.negative(inputs)))
        return knp.subtract(positive, negative)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}


@builtin(_NS)
class ELU(Layer):
    """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)`.

    Args:
        alpha: the scale of the negative part.

    Example:
    >>> ELU()(np.array([[-1.0, 2.0]]))   # [[-0.632, 2]]
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _number("ELU", "alpha", alpha)
        self.supports_masking = True
        self.build()

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()  # Keras writes `alpha` right after the name
        return {"name": config.pop("name"), "alpha": self.alpha, **config}


def _large_negative(dtype):
    """A value whose softmax weight is 0 yet which fits the dtype (float16 tops out near 65504)."""
    return -3e4 if dtypes.standardize_dtype(dtype) == "float16" else -1e9


@builtin(_NS)
class Softmax(Layer):
    """Softmax along `axis`; positions where `mask` is False get probability 0.

    Masked positions are set to a large negative number before the softmax (so they get no
    weight) and to 0 after it. The mask must broadcast to the input (each dimension 1 or equal).

    Args:
        axis: an int or a tuple of ints: the axes the probabilities sum to 1 over.

    Call args:
        inputs: the logits.
        mask: optional boolean (or 0/1) tensor, True where a position takes part.

    Example:
    >>> Softmax()(np.array([[1.0, 2.0, 3.0]]), mask=np.array([[True, True, False]]))
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        axes = axis if isinstance(axis, (list, tuple)) else [axis]
        if not axes or any(isinstance(a, bool) or not isinstance(a, int) for a in axes):
            raise ValueError(f"Softmax: `axis` must be an int or a non-empty tuple of ints; "
                             f"got axis={axis!r}.")
        self.axis = axis
        self.supports_masking = True
        self.build()

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = _core.convert_to_tensor(mask)
            in_shape, m_shape = tuple(inputs.shape), tuple(mask.shape)
            compatible = len(m_shape) <= len(in_shape) and all(
                m is None or i is None or m in (1, i)
                for m, i in zip(reversed(m_shape), reversed(in_shape), strict=False))
            if not compatible:
                raise ValueError(f"Layer '{self.name}' (Softmax): the mask must broadcast to the inputs "
                                 "(each mask dimension 1 or equal to the input's, no extra dimensions); got "
                                 f"inputs.shape={in_shape}, mask.shape={m_shape}.")
            if dtypes.standardize_dtype(mask.dtype) != "bool":
                mask = knp.greater(mask, _core.cast(0.5, mask.dtype))
            inputs = knp.where(mask, inputs, _core.cast(_large_negative(inputs.dtype), inputs.dtype))
        if isinstance(self.axis, (list, tuple)) and len(self.axis) > 1:
            outputs = knp.exp(knp.subtract(inputs, _math.logsumexp(inputs, axis=tuple(self.axis),
                                                                   keepdims=True)))
        else:
            axis = self.axis[0] if isinstance(self.axis, (list, tuple)) else self.axis
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = knp.where(mask, outputs, _core.cast(0, outputs.dtype))
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
