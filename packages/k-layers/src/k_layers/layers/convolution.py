"""Convolution layers: plain (grouped), transposed, depthwise and separable, over 1 to 3 spatial dims.

One base, `BaseConv`, holds what the family shares: argument checks, the bias, the activation and
the config. Each family (`_Conv`, `_ConvTranspose`, `_DepthwiseConv`, `_SeparableConv`) adds only
its kernels and its op from `k_ops.nn`; the public classes fix the rank and Keras's signature.
Kernels are laid out and named as Keras 3's, so weights load either way:
conv (spatial..., in // groups, filters), transpose (spatial..., filters, in),
depthwise (spatial..., in, depth_multiplier), pointwise (1..., in * depth_multiplier, filters).
"""


from k_backends import config as k_config
from k_layers import activations, constraints, initializers, regularizers
from k_layers.input_spec import InputSpec
from k_layers.layer import Layer
from k_layers.serialization import builtin
from k_ops import nn as k_nn
from k_ops import numpy as knp
from k_ops.symbolic import KerasTensor

__all__ = [
    "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
    "Convolution1D", "Convolution2D", "Convolution3D", "Convolution1DTranspose", "Convolution2DTranspose",
    "Convolution3DTranspose", "SeparableConvolution1D", "SeparableConvolution2D",
]


def _ints(value, rank, name, layer, minimum=1):
    """An int or `rank` ints, as a tuple of `rank` ints each >= minimum."""
    values = (value,) * rank if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        values = tuple(values)
        ok = len(values) == rank and all(isinstance(v, int) and not isinstance(v, bool) and v >= minimum
                                         for v in values)
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f"{layer}: `{name}` must be an int or a tuple of {rank} ints, each >= {minimum}; "
                         f"got {name}={value!r}.")
    return values


def _positive(value, name, layer):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{layer}: `{name}` must be a positive int; got {name}={value!r}.")
    return value


def _arguments(local_vars):
    """The constructor's arguments from its `locals()`, with **kwargs merged in."""
    args = {k: v for k, v in local_vars.items() if k not in ("self", "__class__", "kwargs")}
    return {**args, **local_vars.get("kwargs", {})}


class BaseConv(Layer):
    """What every convolution layer shares: kernel_size / strides / padding / data_format /
    dilation_rate checks, an optional bias on the channel axis, the activation and the config.

    A family sets `_kernels` (the prefixes of its kernels' initializer / regularizer / constraint
    arguments), `_kernel_attributes`, `_head` (the config keys before "activation", in Keras's order)
    and `_paddings`, and writes `_kernel_shapes(channels)` ([(attribute, prefix, shape)] in Keras's
    creation order), `_units(channels)` (the bias size) and `_convolve(inputs, *kernels)`.
    """

    _kernels = ("kernel",)
    _kernel_attributes = ("kernel",)
    _head = ()
    _paddings = ("valid", "same")
    _strided_dilation = False  # whether strides > 1 may go with dilation_rate > 1

    def __init__(self, rank, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, bias_initializer="zeros", bias_regularizer=None,
                 activity_regularizer=None, bias_constraint=None, filters=None, groups=1, depth_multiplier=1,
                 output_padding=None, **kwargs):
        kernel_args = {f"{p}_{what}": kwargs.pop(f"{p}_{what}", None)
                       for p in self._kernels for what in ("initializer", "regularizer", "constraint")}
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        layer = f"{type(self).__name__} '{self.name}'"
        self.rank = rank
        self.kernel_size = _ints(kernel_size, rank, "kernel_size", layer)
        self.strides = _ints(strides, rank, "strides", layer)
        self.dilation_rate = _ints(dilation_rate, rank, "dilation_rate", layer)
        self.padding = padding.lower() if isinstance(padding, str) else padding
        if self.padding not in self._paddings:
            raise ValueError(f"{layer}: `padding` must be one of {self._paddings}; got padding={padding!r}.")
        data_format = k_config.image_data_format() if data_format is None else data_format
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{layer}: `data_format` must be 'channels_last' or 'channels_first'; got "
                             f"data_format={data_format!r}.")
        self.data_format = data_format
        if "filters" in self._head:
            self.filters = _positive(filters, "filters", layer)
        if "groups" in self._head:
            self.groups = _positive(groups, "groups", layer)
            if self.filters % self.groups:
                raise ValueError(f"{layer}: `filters` ({self.filters}) must be a multiple of `groups` "
                                 f"({self.groups}).")
        if "depth_multiplier" in self._head:
            self.depth_multiplier = _positive(depth_multiplier, "depth_multiplier", layer)
        if "output_padding" in self._head:
            self.output_padding = None if output_padding is None else _ints(
                output_padding, rank, "output_padding", layer, minimum=0)
            if self.output_padding is not None and any(p >= s for p, s in zip(self.output_padding,
                                                                               self.strides, strict=True)):
                raise ValueError(f"{layer}: `output_padding` must be smaller than `strides` in every "
                                 f"dimension; got output_padding={self.output_padding}, "
                                 f"strides={self.strides}.")
        if not self._strided_dilation and max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{layer}: `strides` > 1 cannot be combined with `dilation_rate` > 1; got "
                             f"strides={self.strides}, dilation_rate={self.dilation_rate}.")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        for p in self._kernels:
            setattr(self, f"{p}_initializer", initializers.get(kernel_args[f"{p}_initializer"]))
            setattr(self, f"{p}_regularizer", regularizers.get(kernel_args[f"{p}_regularizer"]))
            setattr(self, f"{p}_constraint", constraints.get(kernel_args[f"{p}_constraint"]))
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _channels(self, input_shape):
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': the channel axis of the inputs must be "
                             f"known ({self.data_format}); got input shape {tuple(input_shape)}.")
        return channels

    def build(self, input_shape):
        channels = self._channels(input_shape)
        for attribute, prefix, shape in self._kernel_shapes(channels):
            setattr(self, attribute, self.add_weight(
                shape=shape, name="kernel" if attribute == "kernel" else attribute,
                initializer=getattr(self, f"{prefix}_initializer"),
                regularizer=getattr(self, f"{prefix}_regularizer"),
                constraint=getattr(self, f"{prefix}_constraint")))
        self.bias = self.add_weight(shape=(self._units(channels),), name="bias",
                                    initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})

    def call(self, inputs):
        outputs = self._convolve(inputs, *[getattr(self, a) for a in self._kernel_attributes])
        if self.use_bias:
            bias = self.bias
            if self.data_format == "channels_first":
                bias = knp.reshape(bias, (1, -1) + (1,) * self.rank)
            outputs = outputs + bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        channels = self._channels(input_shape)
        kernels = [KerasTensor(shape) for _, _, shape in self._kernel_shapes(channels)]
        return self._convolve(KerasTensor(tuple(input_shape)), *kernels).shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({k: getattr(self, k) for k in self._head})
        config.update(activation=activations.serialize(self.activation), use_bias=self.use_bias)
        for what, module in (("initializer", initializers), ("regularizer", regularizers),
                             ("constraint", constraints)):
            for p in (*self._kernels, "bias"):
                config[f"{p}_{what}"] = module.serialize(getattr(self, f"{p}_{what}"))
            if what == "regularizer":
                config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config


class _Conv(BaseConv):
    _head = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups")

    def _kernel_shapes(self, channels):
        if channels % self.groups:
            raise ValueError(f"{type(self).__name__} '{self.name}': the inputs' channels ({channels}) "
                             f"must be a multiple of `groups` ({self.groups}).")
        return [("kernel", "kernel", (*self.kernel_size, channels // self.groups, self.filters))]

    def _units(self, channels):
        return self.filters

    def _convolve(self, inputs, kernel):
        padding = self.padding
        if padding == "causal":  # pad the start of the sequence so step t sees only steps <= t
            pads = [(0, 0)] * 3
            pads[1 if self.data_format == "channels_last" else 2] = (
                self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)
            inputs, padding = knp.pad(inputs, pads), "valid"
        return k_nn.conv(inputs, kernel, self.strides, padding, self.data_format, self.dilation_rate)


class _ConvTranspose(BaseConv):
    _head = ("filters", "kernel_size", "strides", "padding", "output_padding", "data_format",
             "dilation_rate")

    def _kernel_shapes(self, channels):
        return [("kernel", "kernel", (*self.kernel_size, self.filters, channels))]

    def _units(self, channels):
        return self.filters

    def _convolve(self, inputs, kernel):
        return k_nn.conv_transpose(inputs, kernel, self.strides, self.padding, self.output_padding,
                                   self.data_format, self.dilation_rate)


class _DepthwiseConv(BaseConv):
    _kernels = ("depthwise",)
    _head = ("depth_multiplier", "kernel_size", "strides", "padding", "data_format", "dilation_rate")
    _strided_dilation = True

    def _kernel_shapes(self, channels):
        return [("kernel", "depthwise", (*self.kernel_size, channels, self.depth_multiplier))]

    def _units(self, channels):
        return channels * self.depth_multiplier

    def _convolve(self, inputs, kernel):
        return k_nn.depthwise_conv(inputs, kernel, self.strides, self.padding, self.data_format,
                                   self.dilation_rate)


class _SeparableConv(BaseConv):
    _kernels = ("depthwise", "pointwise")
    _kernel_attributes = ("depthwise_kernel", "pointwise_kernel")
    _head = ("depth_multiplier", "filters", "kernel_size", "strides", "padding", "data_format",
             "dilation_rate")
    _strided_dilation = True

    def _kernel_shapes(self, channels):
        return [("depthwise_kernel", "depthwise", (*self.kernel_size, channels, self.depth_multiplier)),
                ("pointwise_kernel", "pointwise",
                 (1,) * self.rank + (channels * self.depth_multiplier, self.filters))]

    def _units(self, channels):
        return self.filters

    def _convolve(self, inputs, depthwise_kernel, pointwise_kernel):
        return k_nn.separable_conv(inputs, depthwise_kernel, pointwise_kernel, self.strides, self.padding,
                                   self.data_format, self.dilation_rate)


# -- the public layers: rank plus Keras's signature ------------------------------------------------
@builtin("keras.layers")
class Conv1D(_Conv):
    """A 1D convolution (temporal), optionally grouped, dilated or causal.

    `padding="causal"` pads only the start, so output step t depends on input steps <= t
    (for autoregressive models such as WaveNet).

    Example:
    >>> Conv1D(8, 3, padding="causal")(np.ones((2, 10, 4))).shape
    (2, 10, 8)
    """

    _paddings = ("valid", "same", "causal")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, **_arguments(locals()))


@builtin("keras.layers")
class Conv2D(_Conv):
    """A 2D convolution (images), optionally grouped or dilated.

    Example:
    >>> Conv2D(8, 3, padding="same")(np.ones((2, 16, 16, 3))).shape
    (2, 16, 16, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(2, **_arguments(locals()))


@builtin("keras.layers")
class Conv3D(_Conv):
    """A 3D convolution (volumes, video), optionally grouped or dilated.

    Example:
    >>> Conv3D(8, 3)(np.ones((1, 8, 8, 8, 2))).shape
    (1, 6, 6, 6, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(3, **_arguments(locals()))


@builtin("keras.layers")
class Conv1DTranspose(_ConvTranspose):
    """A 1D transposed convolution: upsamples by `strides` (the gradient of `Conv1D`).

    Example:
    >>> Conv1DTranspose(4, 3, strides=2, padding="same")(np.ones((2, 5, 3))).shape
    (2, 10, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(1, **_arguments(locals()))


@builtin("keras.layers")
class Conv2DTranspose(_ConvTranspose):
    """A 2D transposed convolution: upsamples images by `strides` (the gradient of `Conv2D`).

    Example:
    >>> Conv2DTranspose(4, 3, strides=2, padding="same")(np.ones((2, 5, 5, 3))).shape
    (2, 10, 10, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(2, **_arguments(locals()))


@builtin("keras.layers")
class Conv3DTranspose(_ConvTranspose):
    """A 3D transposed convolution: upsamples volumes by `strides` (the gradient of `Conv3D`).

    Example:
    >>> Conv3DTranspose(4, 2, strides=2)(np.ones((1, 4, 4, 4, 3))).shape
    (1, 8, 8, 8, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 output_padding=None, dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(3, **_arguments(locals()))


@builtin("keras.layers")
class DepthwiseConv1D(_DepthwiseConv):
    """A 1D depthwise convolution: each channel is filtered on its own, giving
    channels * depth_multiplier outputs (channel c's m-th filter at index c * depth_multiplier + m).

    Example:
    >>> DepthwiseConv1D(3, depth_multiplier=2)(np.ones((2, 10, 4))).shape
    (2, 8, 8)
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, **_arguments(locals()))


@builtin("keras.layers")
class DepthwiseConv2D(_DepthwiseConv):
    """A 2D depthwise convolution: each channel is filtered on its own (see `DepthwiseConv1D`).

    Example:
    >>> DepthwiseConv2D(3, padding="same")(np.ones((2, 8, 8, 4))).shape
    (2, 8, 8, 4)
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, **_arguments(locals()))


@builtin("keras.layers")
class SeparableConv1D(_SeparableConv):
    """A 1D separable convolution: a depthwise convolution, then a pointwise one mixing channels
    (far fewer weights than `Conv1D` for the same receptive field).

    Example:
    >>> SeparableConv1D(8, 3)(np.ones((2, 10, 4))).shape
    (2, 8, 8)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, **_arguments(locals()))


@builtin("keras.layers")
class SeparableConv2D(_SeparableConv):
    """A 2D separable convolution: depthwise, then pointwise (see `SeparableConv1D`).

    Example:
    >>> SeparableConv2D(8, 3, padding="same")(np.ones((2, 8, 8, 4))).shape
    (2, 8, 8, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, **_arguments(locals()))


# Keras's other names for the same classes (configs use the names above).
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = (
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose)
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
