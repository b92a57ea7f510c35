"""Regularization layers: dropout variants, Gaussian noise, and an activity-regularization pass-through.

The random layers act only when called with `training=True` (otherwise they return the
inputs unchanged). Each holds a `SeedGenerator` whose state is a non-trainable variable:
every training call draws a fresh mask, a given `seed` repeats the same sequence, and
inside a `StatelessScope` (a jitted step) the advanced state is recorded, not assigned.
"""

import math

from k_backends import config as _config
from k_backends.seed import SeedGenerator
from k_layers import regularizers
from k_layers.input_spec import InputSpec
from k_layers.layer import Layer
from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import numpy as knp
from k_ops import random as krandom

__all__ = ["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
           "GaussianDropout", "AlphaDropout", "ActivityRegularization"]


def _check_fraction(value, argument, layer):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{layer}: `{argument}` must be a float between 0 and 1; got {argument}={value!r}.")
    return value


def _check_seed(seed, layer):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"{layer}: `seed` must be a non-negative int or None; got seed={seed!r}.")
    return seed


def _check_noise_shape(noise_shape, layer):
    if noise_shape is None:
        return None
    if isinstance(noise_shape, (str, int)):
        raise ValueError(f"{layer}: `noise_shape` must be a tuple of positive ints or None; "
                         f"got noise_shape={noise_shape!r}.")
    try:
        noise_shape = tuple(noise_shape)
    except TypeError:
        raise ValueError(f"{layer}: `noise_shape` must be a tuple of positive ints or None; "
                         f"got noise_shape={noise_shape!r}.") from None
    for d in noise_shape:
        if d is not None and (isinstance(d, bool) or not isinstance(d, int) or d <= 0):
            raise ValueError(f"{layer}: `noise_shape` must hold positive ints or None; "
                             f"got noise_shape={noise_shape!r}.")
    return noise_shape


def _concrete_noise_shape(inputs, noise_shape, layer):
    """`noise_shape` with None entries replaced by the inputs' sizes (the inputs' shape if None)."""
    shape = kcore.shape(inputs)
    if noise_shape is None:
        return tuple(shape)
    if len(noise_shape) != len(shape):
        raise ValueError(f"Layer '{layer}': noise_shape={noise_shape} must have the rank of the inputs, "
                         f"whose shape is {tuple(shape)}.")
    return tuple(shape[i] if d is None else d for i, d in enumerate(noise_shape))


def _drop(inputs, rate, noise_shape, seed_generator):
    if rate >= 1:   # everything dropped (k_ops' dropout accepts rates below 1)
        return knp.zeros_like(inputs)
    return krandom.dropout(inputs, rate, noise_shape=noise_shape, seed=seed_generator)


@builtin("keras.layers")
class Dropout(Layer):
    """In training, zero each input with probability `rate` and scale the rest by `1 / (1 - rate)`.

    Args:
        rate: the fraction of inputs to drop, in [0, 1].
        noise_shape: the shape of the keep/drop mask, broadcast to the inputs' shape
            (e.g. `(batch, 1, features)` drops the same features at every timestep); None
            entries take the inputs' size.
        seed: an int for reproducible masks.

    Example:
    >>> Dropout(0.5, seed=1)(np.ones((2, 4)), training=True)   # zeros and 2.0s
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.rate = _check_fraction(rate, "rate", name)
        self.seed = _check_seed(seed, name)
        self.noise_shape = _check_noise_shape(noise_shape, name)
        if rate > 0:
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            noise_shape = None
            if self.noise_shape is not None:
                noise_shape = _concrete_noise_shape(inputs, self.noise_shape, self.name)
            return _drop(inputs, self.rate, noise_shape, self.seed_generator)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: the mask is shared over the spatial axes."""

    _rank = None

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.input_spec = InputSpec(ndim=self._rank)

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return _drop(inputs, self.rate, self._noise_shape(inputs), self.seed_generator)
        return inputs

    def _noise_shape(self, inputs):
        shape = kcore.shape(inputs)
        spatial = [1] * (self._rank - 2)
        if getattr(self, "data_format", "channels_last") == "channels_first":
            return (shape[0], shape[1], *spatial)
        return (shape[0], *spatial, shape[-1])

    def get_config(self):
        # Keras writes this short form for the spatial dropouts.
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


@builtin("keras.layers")
class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of `(batch, steps, channels)` inputs (one mask per example and channel).

    Args:
        rate: the fraction of channels to drop, in [0, 1].
        seed: an int for reproducible masks.

    Example:
    >>> SpatialDropout1D(0.5)(np.ones((2, 3, 4)), training=True)   # a channel is all 0 or all 2
    """

    _rank = 3

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)


@builtin("keras.layers")
class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole 2D feature maps of 4D inputs.

    Args:
        rate: the fraction of feature maps to drop, in [0, 1].
        data_format: "channels_last" (default from the config) or "channels_first".
        seed: an int for reproducible masks.

    Example:
    >>> SpatialDropout2D(0.5)(np.ones((2, 5, 5, 3)), training=True).shape
    (2, 5, 5, 3)
    """

    _rank = 4

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = _config.standardize_data_format(data_format)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


@builtin("keras.layers")
class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole 3D feature maps of 5D inputs.

    Args:
        rate: the fraction of feature maps to drop, in [0, 1].
        data_format: "channels_last" (default from the config) or "channels_first".
        seed: an int for reproducible masks.

    Example:
    >>> SpatialDropout3D(0.5)(np.ones((1, 2, 2, 2, 3)), training=True).shape
    (1, 2, 2, 2, 3)
    """

    _rank = 5

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = _config.standardize_data_format(data_format)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


@builtin("keras.layers")
class GaussianNoise(Layer):
    """In training, add zero-mean Gaussian noise of standard deviation `stddev` (in [0, 1]).

    Example:
    >>> GaussianNoise(0.1, seed=0)(np.zeros((2, 3)), training=True)   # small random values
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.stddev = _check_fraction(stddev, "stddev", name)
        self.seed = _check_seed(seed, name)
        if stddev > 0:
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            noise = krandom.normal(tuple(kcore.shape(inputs)), mean=0.0, stddev=self.stddev,
                                   dtype=self.compute_dtype, seed=self.seed_generator)
            return inputs + kcore.cast(noise, inputs.dtype)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


@builtin("keras.layers")
class GaussianDropout(Layer):
    """In training, multiply by Gaussian noise of mean 1 and standard deviation `sqrt(rate / (1 - rate))`.

    The multiplicative-noise analogue of `Dropout` with the same `rate`.

    Example:
    >>> GaussianDropout(0.2, seed=0)(np.ones((2, 3)), training=True)   # values around 1
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.rate = _check_fraction(rate, "rate", name)
        self.seed = _check_seed(seed, name)
        if rate > 0:
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            if self.rate >= 1:
                raise ValueError(f"Layer '{self.name}': GaussianDropout with rate=1 has infinite noise.")
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            noise = krandom.normal(tuple(kcore.shape(inputs)), mean=1.0, stddev=stddev,
                                   dtype=self.compute_dtype, seed=self.seed_generator)
            return inputs * kcore.cast(noise, inputs.dtype)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@builtin("keras.layers")
class AlphaDropout(Layer):
    """Dropout for SELU networks: keeps the inputs' mean and variance.

    Dropped entries are set to SELU's negative saturation value `-alpha * scale`, then
    an affine map `a * x + b` restores zero mean and unit variance.

    Args:
        rate: the fraction of inputs to drop, in [0, 1].
        noise_shape: the shape of the keep/drop mask (None entries take the inputs' size).
        seed: an int for reproducible masks.

    Example:
    >>> AlphaDropout(0.2, seed=0)(np.random.randn(4, 3), training=True).shape
    (4, 3)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.rate = _check_fraction(rate, "rate", name)
        self.seed = _check_seed(seed, name)
        self.noise_shape = _check_noise_shape(noise_shape, name)
        if rate > 0:
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            shape = _concrete_noise_shape(inputs, self.noise_shape, self.name)
            uniform = krandom.uniform(shape, seed=self.seed_generator)
            kept = kcore.cast(knp.greater_equal(uniform, self.rate), inputs.dtype)
            saturation = -_SELU_ALPHA * _SELU_SCALE
            a = ((1 - self.rate) * (1 + self.rate * saturation ** 2)) ** -0.5
            b = -a * saturation * self.rate
            x = inputs * kept + saturation * (1 - kept)
            return kcore.cast(a * x + b, inputs.dtype)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}


@builtin("keras.layers")
class ActivityRegularization(Layer):
    """Return the inputs unchanged and add `l1 * sum(|x|) + l2 * sum(x**2)` to the layer's losses.

    Example:
    >>> layer = ActivityRegularization(l1=0.1)
    >>> _ = layer(np.array([[1.0, -2.0]]))
    >>> layer.losses   # [0.3]
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
