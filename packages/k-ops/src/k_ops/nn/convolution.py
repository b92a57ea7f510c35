"""Convolutions over 1 to 3 spatial dimensions.

Kernels are laid out as Keras 3's: (spatial..., in_channels, out_channels). `conv` is a grouped
convolution when the inputs' channels are a multiple of the kernel's in_channels; `depthwise_conv`
and `separable_conv` are written here from it.
"""

from k_backends.rules import convolution as rules
from k_backends.selection import current
from k_ops import shapes
from k_ops.dispatch import symbolic
from k_ops.numpy.manipulation import reshape
from k_ops.symbolic import KerasTensor

__all__ = ["conv", "depthwise_conv", "separable_conv", "conv_transpose"]


# -- specs ----------------------------------------------------------------------
def _conv_spec(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    input_shape, kernel_shape = shapes.shape_of(inputs), shapes.shape_of(kernel)
    strides, padding, data_format, dilation_rate = rules.conv_arguments(
        input_shape, strides, padding, data_format, dilation_rate)
    out = rules.conv_shape(input_shape, kernel_shape, strides, padding, data_format, dilation_rate)
    return KerasTensor(out, rules.conv_dtype(inputs, kernel))


def _depthwise_kernel_shape(input_shape, kernel_shape, data_format):
    """The grouped-conv kernel shape of a depthwise kernel (spatial..., channels, multiplier)."""
    n = rules.spatial_rank(input_shape)
    channels = rules.split_shape(input_shape, data_format)[2]
    if len(kernel_shape) != n + 2:
        raise ValueError(f"expected a depthwise kernel of rank {n + 2} (spatial dimensions, in_channels, "
                         f"depth_multiplier) for inputs of shape {tuple(input_shape)}; got kernel of shape "
                         f"{tuple(kernel_shape)}.")
    if channels is not None and kernel_shape[-2] is not None and channels != kernel_shape[-2]:
        raise ValueError(f"the inputs' channels ({channels}, {data_format}) must equal the depthwise "
                         f"kernel's in_channels ({kernel_shape[-2]}); got inputs of shape "
                         f"{tuple(input_shape)} and kernel of shape {tuple(kernel_shape)}.")
    c, m = kernel_shape[-2], kernel_shape[-1]
    return (*kernel_shape[:-2], 1, None if c is None or m is None else c * m)


def _depthwise_conv_spec(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    input_shape = shapes.shape_of(inputs)
    strides, padding, data_format, dilation_rate = rules.conv_arguments(
        input_shape, strides, padding, data_format, dilation_rate)
    kernel_shape = _depthwise_kernel_shape(input_shape, shapes.shape_of(kernel), data_format)
    out = rules.conv_shape(input_shape, kernel_shape, strides, padding, data_format, dilation_rate)
    return KerasTensor(out, rules.conv_dtype(inputs, kernel))


def _separable_conv_spec(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                         data_format=None, dilation_rate=1):
    depthwise = _depthwise_conv_spec(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    pointwise_shape = shapes.shape_of(pointwise_kernel)
    if len(pointwise_shape) != len(depthwise.shape) or any(d not in (1, None) for d in pointwise_shape[:-2]):
        raise ValueError(f"expected a pointwise kernel of shape (1, ..., in_channels, out_channels) with "
                         f"{len(depthwise.shape) - 2} spatial ones; got pointwise_kernel of shape "
                         f"{tuple(pointwise_shape)}.")
    return _conv_spec(depthwise, pointwise_kernel, 1, "valid", data_format, 1)


def _conv_transpose_spec(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                        dilation_rate=1):
    input_shape = shapes.shape_of(inputs)
    arguments = rules.conv_transpose_arguments(input_shape, strides, padding, output_padding, data_format,
                                               dilation_rate)
    out = rules.conv_transpose_shape(input_shape, shapes.shape_of(kernel), *arguments)
    return KerasTensor(out, rules.conv_dtype(inputs, kernel))


# -- ops ------------------------------------------------------------------------
@symbolic(_conv_spec)
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """A convolution (a cross-correlation, as in every deep-learning framework) over 1 to 3 spatial dims.

    Args:
        inputs: a tensor of rank 3 to 5, (batch, spatial..., channels) for "channels_last".
        kernel: a tensor (spatial..., in_channels, out_channels); with in_channels a divisor of the
            inputs' channels the convolution is grouped.
        strides: an int or one int per spatial dimension.
        padding: "valid" (no padding) or "same" (output length ceil(length / stride)).
        data_format: "channels_last" or "channels_first"; None reads `image_data_format()`.
        dilation_rate: an int or one int per spatial dimension.

    Example:
        >>> conv(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1))).shape
        (1, 3, 3, 1)
    """
    return current().nn.conv(inputs, kernel, strides, padding, data_format, dilation_rate)


@symbolic(_depthwise_conv_spec)
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """A convolution of each input channel with its own filters, giving channels * depth_multiplier.

    `kernel` is (spatial..., channels, depth_multiplier); output channel `c * depth_multiplier + m`
    is channel `c` convolved with `kernel[..., c, m]`.

    Example:
        >>> depthwise_conv(np.ones((1, 4, 4, 3)), np.ones((2, 2, 3, 2))).shape
        (1, 3, 3, 6)
    """
    input_shape = shapes.shape_of(inputs)
    data_format = rules.data_format_of(data_format)
    grouped = _depthwise_kernel_shape(input_shape, shapes.shape_of(kernel), data_format)
    return current().nn.conv(inputs, reshape(kernel, grouped), strides, padding, data_format, dilation_rate)


@symbolic(_separable_conv_spec)
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """A depthwise convolution followed by a pointwise (1 x ... x 1) convolution mixing the channels.

    Example:
        >>> separable_conv(np.ones((1, 4, 4, 3)), np.ones((2, 2, 3, 2)), np.ones((1, 1, 6, 5))).shape
        (1, 3, 3, 5)
    """
    _separable_conv_spec(inputs, depthwise_kernel, pointwise_kernel, strides, padding, data_format,
                         dilation_rate)
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return current().nn.conv(depthwise, pointwise_kernel, 1, "valid", data_format, 1)


@symbolic(_conv_transpose_spec)
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """A transposed convolution (the gradient of `conv` with respect to its input), which upsamples.

    Args:
        inputs: a tensor of rank 3 to 5, (batch, spatial..., channels) for "channels_last".
        kernel: a tensor (spatial..., out_channels, in_channels): note the order, the reverse of
            `conv`'s, so a `conv` kernel is also the kernel of its transpose.
        strides: an int or one int per spatial dimension: the upsampling factor.
        padding: "valid" (output length (length - 1) * stride + max(extent, stride), extent the
            dilated kernel size) or "same" (output length length * stride).
        output_padding: None, or an int (or one per spatial dimension) smaller than the stride that
            fixes the output length at (length - 1) * stride + extent + output_padding, less
            2 * (extent // 2) for "same".
        data_format: "channels_last" or "channels_first"; None reads `image_data_format()`.
        dilation_rate: an int or one int per spatial dimension.

    Example:
        >>> conv_transpose(np.ones((1, 3, 3, 2)), np.ones((2, 2, 4, 2)), strides=2).shape
        (1, 6, 6, 4)
    """
    return current().nn.conv_transpose(inputs, kernel, strides, padding, output_padding, data_format,
                                       dilation_rate)
