"""Normalization layers: batch, layer, group, unit and RMS normalization, and spectral normalization.

Statistics are computed in at least float32 (bfloat16/float16 inputs are upcast and the
result cast back to the compute dtype), because sums of squares overflow or lose precision
in half precision. Scale/offset weights are never autocast for the same reason.
"""

from k_backends import config as _config
from k_backends import dtypes
from k_layers import constraints, initializers, regularizers
from k_layers.input_spec import InputSpec
from k_layers.layer import Layer
from k_layers.serialization import builtin, deserialize_keras_object, serialize_keras_object
from k_ops import core as kcore
from k_ops import nn as knn
from k_ops import numpy as knp

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization",
           "RMSNormalization", "SpectralNormalization"]


# -- shared helpers ------------------------------------------------------------------
def _check_int_axis(axis, layer):
    if isinstance(axis, bool) or not hasattr(axis, "__index__"):
        raise TypeError(f"{layer}: `axis` must be an int; got axis={axis!r}.")
    return int(axis)


def _check_axes(axis, layer):
    """An int, or a list of ints (Keras keeps a list/tuple argument as a list)."""
    if isinstance(axis, (list, tuple)):
        return [_check_int_axis(a, layer) for a in axis]
    if isinstance(axis, bool) or not hasattr(axis, "__index__"):
        raise TypeError(f"{layer}: `axis` must be an int or a list/tuple of ints; got axis={axis!r}.")
    return int(axis)


def _check_epsilon(epsilon, layer):
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon < 0:
        raise ValueError(f"{layer}: `epsilon` must be a non-negative number; got epsilon={epsilon!r}.")
    return epsilon


def _check_axes_in_rank(axes, rank, layer, input_shape):
    for a in axes if isinstance(axes, list) else [axes]:
        if not -rank <= a < rank:
            raise ValueError(f"Layer '{layer}': axis {a} is out of bounds for inputs of shape "
                             f"{tuple(input_shape)} (rank {rank}).")


def _known_dim(input_shape, axis, layer):
    dim = input_shape[axis]
    if dim is None:
        raise ValueError(f"Layer '{layer}': axis {axis} of the inputs must have a known size to build "
                         f"the layer's weights; got inputs of shape {tuple(input_shape)}.")
    return int(dim)


def _float32_at_least(x):
    """The dtype statistics are computed in: float32 for half-precision inputs, else the input's."""
    dtype = dtypes.standardize_dtype(x.dtype)
    return "float32" if dtype in ("float16", "bfloat16") else dtype


def _same_shape(layer, input_shape, axes):
    _check_axes_in_rank(axes, len(input_shape), layer.name, input_shape)
    return tuple(input_shape)


def _broadcast_shape(ndim, axes, input_shape):
    shape = [1] * ndim
    for a in axes:
        shape[a] = input_shape[a]
    return tuple(shape)


# -- BatchNormalization --------------------------------------------------------------
@builtin("keras.layers")
class BatchNormalization(Layer):
    """Normalize each feature with the batch's statistics in training, moving averages otherwise.

    In training (`training=True` and the layer trainable) the output is
    `gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta`, the moments taken over
    every axis but `axis`, and the moving statistics are updated:
    `moving = moving * momentum + batch * (1 - momentum)`. In inference the moving
    mean and variance replace the batch moments. With a mask (one rank lower than the
    inputs), only unmasked positions count in the batch moments.

    Args:
        axis: the feature axis (int).
        momentum: the moving averages' momentum.
        epsilon: added to the variance before the square root.
        center, scale: whether to learn `beta` / `gamma`.
        beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer: initializers of the four vectors.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: for `beta`/`gamma`.
        renorm: use batch renormalization (corrections `r`, `d` clipped by `renorm_clipping`,
            a dict with keys among "rmax", "rmin", "dmax"; moving averages with
            `renorm_momentum`).
        synchronized: average the statistics across devices (kappa runs on one device per
            process, so this changes nothing).

    Example:
    >>> bn = BatchNormalization()
    >>> y = bn(np.random.rand(8, 3), training=True)   # moving_mean moves towards the batch mean
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.axis = _check_int_axis(axis, name)
        self.synchronized = bool(synchronized)
        self.momentum = float(momentum)
        self.epsilon = float(_check_epsilon(epsilon, name))
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.renorm = bool(renorm)
        if self.renorm:
            renorm_clipping = renorm_clipping or {}
            if not isinstance(renorm_clipping, dict) or set(renorm_clipping) - {"rmax", "rmin", "dmax"}:
                raise ValueError(f"{name}: `renorm_clipping` must be a dict with keys among "
                                 f"'rmax', 'rmin', 'dmax'; got renorm_clipping={renorm_clipping!r}.")
            rmax, rmin, dmax = (renorm_clipping.get(k) for k in ("rmax", "rmin", "dmax"))
            if rmax is not None and rmin is not None and rmax < rmin:
                raise ValueError(f"{name}: renorm_clipping needs rmax >= rmin; got rmax={rmax}, rmin={rmin}.")
            if dmax is not None and dmax < 0:
                raise ValueError(f"{name}: renorm_clipping needs dmax >= 0; got dmax={dmax}.")
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.gamma = None
        self.beta = None
        self.moving_mean = None
        self.moving_variance = None
        self._reduction_axes = None

    def build(self, input_shape):
        rank = len(input_shape)
        _check_axes_in_rank(self.axis, rank, self.name, input_shape)
        shape = (_known_dim(input_shape, self.axis, self.name),)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, trainable=True, autocast=False)
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        trainable=True, autocast=False)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer, trainable=False,
                                           autocast=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, autocast=False)
        if self.renorm:
            variance_init = self.moving_variance_initializer

            def stddev_init(shape, dtype=None):
                return knp.sqrt(variance_init(shape, dtype=dtype))

            # Batch renorm tracks the moving standard deviation (the paper's quantity), and
            # separate renorm statistics used for the corrections in training.
            self.moving_stddev = self.add_weight(shape=shape, name="moving_stddev", initializer=stddev_init,
                                                 trainable=False, autocast=False)
            self.renorm_mean = self.add_weight(shape=shape, name="renorm_mean",
                                               initializer=self.moving_mean_initializer, trainable=False,
                                               autocast=False)
            self.renorm_stddev = self.add_weight(shape=shape, name="renorm_stddev", initializer=stddev_init,
                                                 trainable=False, autocast=False)
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: shape[0]})
        axis = self.axis % rank
        self._reduction_axes = [i for i in range(rank) if i != axis]

    def compute_output_shape(self, input_shape):
        return _same_shape(self, input_shape, self.axis)

    def call(self, inputs, training=None, mask=None):
        if mask is not None and len(mask.shape) != len(inputs.shape) - 1:
            raise ValueError(f"Layer '{self.name}': the mask must have one dimension less than the inputs; "
                             f"got mask.shape={tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}.")
        dtype = _float32_at_least(inputs)
        x = kcore.cast(inputs, dtype)
        moving_mean = kcore.cast(self.moving_mean, dtype)
        moving_variance = kcore.cast(self.moving_variance, dtype)
        gamma = kcore.cast(self.gamma, dtype) if self.scale else None
        beta = kcore.cast(self.beta, dtype) if self.center else None
        if training and self.trainable:
            mean, variance = self._moments(x, mask)
            if self.renorm:
                gamma, beta = self._renorm(mean, variance, gamma, beta, dtype)
            else:
                m = self.momentum
                self.moving_mean.assign(moving_mean * m + mean * (1.0 - m))
                self.moving_variance.assign(moving_variance * m + variance * (1.0 - m))
        else:
            mean, variance = moving_mean, moving_variance
        outputs = knn.batch_normalization(x, mean, variance, axis=self.axis, offset=beta, scale=gamma,
                                          epsilon=self.epsilon)
        return kcore.cast(outputs, self.compute_dtype)

    def _moments(self, x, mask):
        if mask is None:
            return knn.moments(x, axes=self._reduction_axes, synchronized=self.synchronized)
        weights = knp.broadcast_to(knp.expand_dims(kcore.cast(mask, "bool"), -1), kcore.shape(x))
        weights = kcore.cast(weights, x.dtype)
        count = knp.sum(weights, axis=self._reduction_axes, keepdims=True) + _config.epsilon()
        mean = knp.sum(x * weights, axis=self._reduction_axes, keepdims=True) / count
        variance = knp.sum(knp.square((x - mean) * weights), axis=self._reduction_axes, keepdims=True) / count
        channels = (x.shape[self.axis],)
        return knp.reshape(mean, channels), knp.reshape(variance, channels)

    def _renorm(self, mean, variance, gamma, beta, dtype):
        """Batch renormalization: fold the corrections r, d into gamma/beta and update the statistics."""
        stddev = knp.sqrt(variance + self.epsilon)
        renorm_mean = kcore.cast(self.renorm_mean, dtype)
        renorm_stddev = kcore.cast(self.renorm_stddev, dtype)
        floor = knp.maximum(renorm_stddev, self.epsilon ** 0.5)
        r = stddev / floor
        d = (mean - renorm_mean) / floor
        clipping = self.renorm_clipping
        if clipping.get("rmin") is not None:
            r = knp.maximum(r, clipping["rmin"])
        if clipping.get("rmax") is not None:
            r = knp.minimum(r, clipping["rmax"])
        if clipping.get("dmax") is not None:
            d = knp.clip(d, -clipping["dmax"], clipping["dmax"])
        r, d = kcore.stop_gradient(r), kcore.stop_gradient(d)
        new_gamma = r if gamma is None else r * gamma
        new_beta = d if gamma is None else d * gamma
        if beta is not None:
            new_beta = new_beta + beta

        rm = self.renorm_momentum
        self.renorm_mean.assign(renorm_mean * rm + mean * (1.0 - rm))
        self.renorm_stddev.assign(renorm_stddev * rm + stddev * (1.0 - rm))
        m = self.momentum
        self.moving_mean.assign(kcore.cast(self.moving_mean, dtype) * m + mean * (1.0 - m))
        moving_stddev = kcore.cast(self.moving_stddev, dtype) * m + stddev * (1.0 - m)
        self.moving_stddev.assign(moving_stddev)
        self.moving_variance.assign(knn.relu(moving_stddev * moving_stddev - self.epsilon))
        return new_gamma, new_beta

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }


# -- LayerNormalization --------------------------------------------------------------
@builtin("keras.layers")
class LayerNormalization(Layer):
    """Normalize each example over `axis`: `gamma * (x - mean) / sqrt(var + epsilon) + beta`.

    Unlike batch normalization the statistics are per example, so training and inference
    behave the same. `gamma`/`beta` have the shape of the normalized axes.

    Args:
        axis: an int or a list of ints, the axes to normalize over.
        epsilon: added to the variance.
        center, scale: whether to learn `beta` / `gamma`.
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
        beta_constraint, gamma_constraint: for `beta` / `gamma`.
        rms_scaling (keyword, deprecated in Keras): scale by `1 / sqrt(var + epsilon)`
            without centering and without `beta` (use `RMSNormalization` for true RMS norm).

    Example:
    >>> LayerNormalization()(np.array([[1.0, 3.0]]))   # ~[[-1., 1.]]
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        super().__init__(**kwargs)
        name = type(self).__name__
        self.axis = _check_axes(axis, name)
        self.epsilon = _check_epsilon(epsilon, name)
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        _check_axes_in_rank(self.axis, len(input_shape), self.name, input_shape)
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        shape = tuple(_known_dim(input_shape, a, self.name) for a in self.axis)
        self.gamma = None
        self.beta = None
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(name="gamma", shape=shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, trainable=True, autocast=False)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        trainable=True, autocast=False)

    def compute_output_shape(self, input_shape):
        return _same_shape(self, input_shape, self.axis)

    def call(self, inputs):
        dtype = _float32_at_least(inputs)
        x = kcore.cast(inputs, dtype)
        ndim = len(x.shape)
        axes = sorted(a % ndim for a in self.axis)
        shape = _broadcast_shape(ndim, axes, x.shape)

        def vector(v):
            return None if v is None else knp.reshape(kcore.cast(v, dtype), shape)

        gamma, beta = vector(self.gamma), vector(self.beta)
        if self.rms_scaling:
            variance = knp.var(x, axis=axes, keepdims=True)
            outputs = x / knp.sqrt(variance + self.epsilon)
            if gamma is not None:
                outputs = outputs * gamma
        else:
            outputs = knn.layer_normalization(x, gamma, beta, axis=axes, epsilon=self.epsilon)
        return kcore.cast(outputs, self.compute_dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }


# -- GroupNormalization --------------------------------------------------------------
@builtin("keras.layers")
class GroupNormalization(Layer):
    """Split the channels into `groups` and normalize each group of each example.

    With `groups=-1` every channel is its own group (instance normalization); with
    `groups=1` it is layer normalization over all non-batch axes. `gamma`/`beta` are
    per channel.

    Args:
        groups: the number of groups; must divide the number of channels (-1: one per channel).
        axis: the channel axis.
        epsilon, center, scale, and the initializers/regularizers/constraints of `beta`/`gamma`:
            as in `LayerNormalization`.

    Example:
    >>> GroupNormalization(groups=2)(np.random.rand(2, 5, 4)).shape
    (2, 5, 4)
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        if isinstance(groups, bool) or not isinstance(groups, int) or (groups < 1 and groups != -1):
            raise ValueError(f"{name}: `groups` must be a positive int or -1; got groups={groups!r}.")
        self.supports_masking = True
        self.groups = groups
        self.axis = _check_int_axis(axis, name)
        self.epsilon = _check_epsilon(epsilon, name)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        _check_axes_in_rank(self.axis, len(input_shape), self.name, input_shape)
        dim = _known_dim(input_shape, self.axis, self.name)
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Layer '{self.name}': groups={self.groups} cannot exceed the number of "
                             f"channels ({dim}).")
        if dim % self.groups:
            raise ValueError(f"Layer '{self.name}': the number of channels ({dim}) must be a multiple of "
                             f"groups={self.groups}.")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        self.gamma = None
        self.beta = None
        if self.scale:
            self.gamma = self.add_weight(shape=(dim,), name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, autocast=False)
        if self.center:
            self.beta = self.add_weight(shape=(dim,), name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        autocast=False)

    def compute_output_shape(self, input_shape):
        return _same_shape(self, input_shape, self.axis)

    def call(self, inputs):
        dtype = _float32_at_least(inputs)
        x = kcore.cast(inputs, dtype)
        ndim = len(x.shape)
        axis = self.axis % ndim
        shape = kcore.shape(x)
        channels = x.shape[axis]
        # (..., C, ...) -> (..., groups, C // groups, ...): statistics over everything but the
        # batch axis and the group axis.
        grouped_shape = [-1 if i == 0 else shape[i] for i in range(ndim)]
        grouped_shape[axis:axis + 1] = [self.groups, channels // self.groups]
        grouped = knp.reshape(x, tuple(grouped_shape))
        reduce = [i for i in range(1, ndim + 1) if i != axis]
        mean, variance = knn.moments(grouped, axes=reduce, keepdims=True)
        inverse = 1.0 / knp.sqrt(variance + self.epsilon)
        params = [1] * (ndim + 1)
        params[axis:axis + 2] = [self.groups, channels // self.groups]
        if self.gamma is not None:
            inverse = inverse * knp.reshape(kcore.cast(self.gamma, dtype), tuple(params))
        outputs = (grouped - mean) * inverse
        if self.beta is not None:
            outputs = outputs + knp.reshape(kcore.cast(self.beta, dtype), tuple(params))
        return kcore.cast(knp.reshape(outputs, shape), self.compute_dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }


# -- UnitNormalization ---------------------------------------------------------------
@builtin("keras.layers")
class UnitNormalization(Layer):
    """Scale each example to unit L2 norm over `axis` (an int or a list of ints); no weights.

    Example:
    >>> UnitNormalization()(np.array([[3.0, 4.0]]))   # [[0.6, 0.8]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _check_axes(axis, type(self).__name__)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return knn.normalize(inputs, axis=self.axis, order=2, epsilon=1e-12)

    def compute_output_shape(self, input_shape):
        return _same_shape(self, input_shape, self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


# -- RMSNormalization ----------------------------------------------------------------
@builtin("keras.layers")
class RMSNormalization(Layer):
    """`x / sqrt(mean(x**2 over axis) + epsilon) * scale`, with a learned `scale` (initially ones).

    Args:
        axis: an int or a list of ints.
        epsilon: added to the mean square.

    Example:
    >>> RMSNormalization()(np.array([[3.0, 4.0]]))   # ~[[0.8485, 1.1314]]
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.axis = _check_axes(axis, name)
        self.epsilon = _check_epsilon(epsilon, name)

    def build(self, input_shape):
        _check_axes_in_rank(self.axis, len(input_shape), self.name, input_shape)
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        shape = tuple(_known_dim(input_shape, a, self.name) for a in self.axis)
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")

    def call(self, x):
        ndim = len(x.shape)
        axes = sorted(a % ndim for a in self.axis)
        scale = knp.reshape(self.scale, _broadcast_shape(ndim, axes, x.shape))
        return knn.rms_normalization(x, scale=scale, axis=axes, epsilon=self.epsilon)

    def compute_output_shape(self, input_shape):
        return _same_shape(self, input_shape, self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


# -- SpectralNormalization -----------------------------------------------------------
@builtin("keras.layers")
class SpectralNormalization(Layer):
    """Wrap a layer with a `kernel` (or `embeddings`) and keep its spectral norm near 1.

    In training, `power_iterations` steps of the power method refine the estimate `u` of
    the kernel's leading singular vector (a non-trainable weight `vector_u`), and the
    kernel is divided by the estimated largest singular value before the wrapped layer
    runs. In inference the wrapped layer runs unchanged. Used to stabilise GAN
    discriminators.

    Args:
        layer: the layer to wrap (a Dense, a Conv, an Embedding...).
        power_iterations: power-method steps per training call (>= 1).

    Example:
    >>> sn = SpectralNormalization(kappa.layers.Dense(4))
    >>> y = sn(np.random.rand(2, 3), training=True)
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"SpectralNormalization: `layer` must be a Layer instance; got layer={layer!r}.")
        if isinstance(power_iterations, bool) or not isinstance(power_iterations, int) \
                or power_iterations < 1:
            raise ValueError("SpectralNormalization: `power_iterations` must be an int >= 1; got "
                             f"power_iterations={power_iterations!r}.")
        self.layer = layer
        self.power_iterations = power_iterations

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(f"Layer '{self.name}': the wrapped {type(self.layer).__name__} has neither a "
                             "'kernel' nor an 'embeddings' weight to normalize.")
        self.kernel = kernel
        self.kernel_shape = tuple(kernel.shape)
        self.vector_u = self.add_weight(shape=(1, self.kernel_shape[-1]),
                                        initializer=initializers.TruncatedNormal(stddev=0.02),
                                        trainable=False, name="vector_u", dtype=kernel.dtype)

    @property
    def weights(self):
        # Keras's order: the kernel, then vector_u, then the wrapped layer's other weights.
        result = [self.kernel, self.vector_u] if self.built else []
        for w in self.layer.weights:
            if all(w is not r for r in result):
                result.append(w)
        return result

    def call(self, inputs, training=False):
        if training:
            kernel = self.kernel.value
            u, normalized = self.normalized_weights()
            untouched = knp.all(knp.equal(kernel, 0))   # an all-zero kernel has no direction to find
            self.vector_u.assign(knp.where(untouched, self.vector_u.value, u))
            self.kernel.assign(knp.where(untouched, kernel, normalized))
        outputs = self.layer(inputs)
        return kcore.cast(outputs, inputs.dtype)

    def normalized_weights(self):
        """The refined `u` and the kernel divided by its estimated spectral norm (not assigned)."""
        w = knp.reshape(self.kernel.value, (-1, self.kernel_shape[-1]))
        u = self.vector_u.value
        v = None
        for _ in range(self.power_iterations):
            v = _l2_normalize(knp.matmul(u, knp.transpose(w)))
            u = _l2_normalize(knp.matmul(v, w))
        u, v = kcore.stop_gradient(u), kcore.stop_gradient(v)
        sigma = knp.matmul(knp.matmul(v, w), knp.transpose(u))
        kernel = knp.reshape(self.kernel.value / sigma, self.kernel_shape)
        return kcore.cast(u, self.vector_u.dtype), kcore.cast(kernel, self.kernel.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "layer": serialize_keras_object(self.layer),
                "power_iterations": self.power_iterations}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_keras_object(config["layer"], custom_objects=custom_objects)
        return super().from_config(config)


def _l2_normalize(x):
    return x / knp.maximum(knp.sqrt(knp.sum(knp.square(x))), _config.epsilon())
