"""Rules of convolutions and pooling (k_ops.nn.convolution, k_ops.nn.pooling), shared by backends and specs.

Layouts are Keras 3's: inputs are (batch, spatial..., channels) for "channels_last" or
(batch, channels, spatial...) for "channels_first"; a kernel is (spatial..., in_channels, out_channels)
whatever the data format. `conv` is grouped when the kernel's in_channels divides the input's channels.
"""

from k_backends import config
from k_backends.inference import dtype_of, float_dtype, promoted

PADDINGS = ("valid", "same")


# -- arguments ----------------------------------------------------------------
def data_format_of(data_format):
    """`data_format`, with None read from kappa's `image_data_format()`."""
    if data_format is None:
        return config.image_data_format()
    normalized = str(data_format).lower()
    if normalized not in ("channels_last", "channels_first"):
        raise ValueError(f"expected data_format to be 'channels_last' or 'channels_first'; "
                         f"got data_format={data_format!r}.")
    return normalized


def padding_of(padding):
    normalized = str(padding).lower()
    if normalized not in PADDINGS:
        raise ValueError(f"expected padding to be 'valid' or 'same'; got padding={padding!r}.")
    return normalized


def int_tuple(value, n, name):
    """`value` (an int or a sequence of `n` positive ints) as a tuple of `n` ints."""
    items = (value,) * n if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        items = tuple(items)
    except TypeError:
        items = None
    if (items is None or len(items) != n or
            not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in items)):
        raise ValueError(f"expected {name} to be a positive int or a tuple of {n} positive ints "
                         f"(one per spatial dimension); got {name}={value!r}.")
    return items


def spatial_rank(shape, name="inputs"):
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"expected {name} of rank 3, 4 or 5 (batch, 1 to 3 spatial dimensions, "
                         f"channels); got shape {tuple(shape)}.")
    return len(shape) - 2


def conv_arguments(shape, strides, padding, data_format, dilation_rate):
    """(strides, padding, data_format, dilation_rate) normalized for inputs of `shape`."""
    n = spatial_rank(shape)
    strides, dilation_rate = int_tuple(strides, n, "strides"), int_tuple(dilation_rate, n, "dilation_rate")
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(f"strides > 1 and dilation_rate > 1 cannot be combined; got strides={strides} "
                         f"and dilation_rate={dilation_rate}.")
    return strides, padding_of(padding), data_format_of(data_format), dilation_rate


def pool_arguments(shape, pool_size, strides, padding, data_format):
    """(pool_size, strides, padding, data_format) normalized; strides default to pool_size."""
    n = spatial_rank(shape)
    pool_size = int_tuple(pool_size, n, "pool_size")
    strides = pool_size if strides is None else int_tuple(strides, n, "strides")
    return pool_size, strides, padding_of(padding), data_format_of(data_format)


def conv_transpose_arguments(shape, strides, padding, output_padding, data_format, dilation_rate):
    """(strides, padding, output_padding, data_format, dilation_rate) normalized; output_padding
    stays None or becomes one non-negative int per spatial dimension, each less than its stride."""
    strides, padding, data_format, dilation_rate = conv_arguments(
        shape, strides, padding, data_format, dilation_rate)
    if output_padding is not None:
        n = len(strides)
        items = (output_padding,) * n if isinstance(output_padding, int) else output_padding
        try:
            items = tuple(items)
        except TypeError:
            items = ()
        if (len(items) != n or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < max(s, d)
                                       for v, s, d in zip(items, strides, dilation_rate, strict=False))):
            raise ValueError(f"expected output_padding to be None, or a non-negative int (or {n} of them) "
                             f"smaller than the strides {strides}; got output_padding={output_padding!r}.")
        output_padding = items
    return strides, padding, output_padding, data_format, dilation_rate


# -- layouts ------------------------------------------------------------------
def split_shape(shape, data_format):
    """(batch, spatial dims, channels) of an input shape."""
    if data_format == "channels_last":
        return shape[0], tuple(shape[1:-1]), shape[-1]
    return shape[0], tuple(shape[2:]), shape[1]


def join_shape(batch, spatial, channels, data_format):
    if data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


def to_channels_last(ndim):
    """The permutation taking channels_first to channels_last for rank `ndim`."""
    return (0, *range(2, ndim), 1)


def to_channels_first(ndim):
    return (0, ndim - 1, *range(1, ndim - 1))


# -- lengths and paddings -------------------------------------------------------
def output_length(length, window, stride, padding, dilation=1):
    """The output length of a window sliding over `length` (None stays None)."""
    if length is None:
        return None
    if padding == "same":
        return -(-length // stride)
    if window is None:
        return None
    extent = (window - 1) * dilation + 1
    return max(0, (length - extent) // stride + 1)


def same_padding(length, window, stride, dilation=1):
    """(before, after) zero padding that gives "same" its output length; the extra one goes after."""
    out = -(-length // stride)
    total = max((out - 1) * stride + (window - 1) * dilation + 1 - length, 0)
    return total // 2, total - total // 2


def explicit_padding(spatial, windows, strides, padding, dilation_rate=None):
    """Per-spatial-dimension (before, after) pairs for `padding`."""
    dilation_rate = dilation_rate or (1,) * len(spatial)
    if padding == "valid":
        return [(0, 0)] * len(spatial)
    return [same_padding(n, k, s, d)
            for n, k, s, d in zip(spatial, windows, strides, dilation_rate, strict=True)]


def conv_transpose_padding(window, stride, dilation, padding, output_padding):
    """(before, after) padding of the stride-dilated input for `conv_transpose` as a stride-1 conv.

    The output is the full transposed convolution ((length - 1) * stride + extent values), less
    what "same" trims (TF's rule: the extra value at the end) and plus `output_padding` at the end.
    """
    extent = (window - 1) * dilation + 1
    if padding == "valid":
        extra = max(extent, stride) - extent if output_padding is None else output_padding
        return extent - 1, extent - 1 + extra
    total = stride + extent - 2 if output_padding is None else extent + extent % 2 - 2 + output_padding
    before = min(total // 2 + total % 2, extent - 1)
    return before, total - before


def conv_transpose_length(length, window, stride, dilation, padding, output_padding):
    if length is None or window is None:
        return None
    before, after = conv_transpose_padding(window, stride, dilation, padding, output_padding)
    return (length - 1) * stride + 1 + before + after - (window - 1) * dilation


# -- shapes -------------------------------------------------------------------
def groups_of(input_shape, kernel_shape, data_format):
    """The number of groups of a conv (input channels / kernel in_channels), with clear errors."""
    n = spatial_rank(input_shape)
    if len(kernel_shape) != n + 2:
        raise ValueError(f"expected a kernel of rank {n + 2} (spatial dimensions, in_channels, "
                         f"out_channels) for inputs of shape {tuple(input_shape)}; got kernel of "
                         f"shape {tuple(kernel_shape)}.")
    channels = split_shape(input_shape, data_format)[2]
    kernel_in, kernel_out = kernel_shape[-2], kernel_shape[-1]
    if channels is None or kernel_in is None:
        return None
    groups = channels // kernel_in if kernel_in else 0
    if not groups or channels % kernel_in or (kernel_out is not None and kernel_out % groups):
        raise ValueError(f"the inputs' channels ({channels}, {data_format}) must equal the kernel's "
                         f"in_channels ({kernel_in}) or be a multiple of it that divides out_channels "
                         f"({kernel_out}); got inputs of shape {tuple(input_shape)} and kernel of shape "
                         f"{tuple(kernel_shape)}.")
    return groups


def conv_shape(input_shape, kernel_shape, strides, padding, data_format, dilation_rate):
    groups_of(input_shape, kernel_shape, data_format)
    batch, spatial, _ = split_shape(input_shape, data_format)
    out = tuple(output_length(n, k, s, padding, d)
                for n, k, s, d in zip(spatial, kernel_shape[:-2], strides, dilation_rate, strict=True))
    return join_shape(batch, out, kernel_shape[-1], data_format)


def conv_transpose_shape(input_shape, kernel_shape, strides, padding, output_padding, data_format,
                         dilation_rate):
    n = spatial_rank(input_shape)
    channels = split_shape(input_shape, data_format)[2]
    mismatched = None not in (channels, kernel_shape[-1]) and channels != kernel_shape[-1]
    if len(kernel_shape) != n + 2 or mismatched:
        raise ValueError(f"expected a kernel of rank {n + 2} (spatial dimensions, out_channels, "
                         f"in_channels) whose in_channels (last) equal the inputs' channels ({channels}, "
                         f"{data_format}); got inputs of shape {tuple(input_shape)} and kernel of shape "
                         f"{tuple(kernel_shape)}.")
    batch, spatial, _ = split_shape(input_shape, data_format)
    output_padding = output_padding or (None,) * n
    out = tuple(conv_transpose_length(*args, padding, p) for *args, p in zip(
        spatial, kernel_shape[:-2], strides, dilation_rate, output_padding, strict=True))
    return join_shape(batch, out, kernel_shape[-2], data_format)


def pool_shape(input_shape, pool_size, strides, padding, data_format):
    batch, spatial, channels = split_shape(input_shape, data_format)
    out = tuple(output_length(n, k, s, padding) for n, k, s in zip(spatial, pool_size, strides, strict=True))
    return join_shape(batch, out, channels, data_format)


# -- dtypes ---------------------------------------------------------------------
def conv_dtype(inputs, kernel):
    dtype = promoted(inputs, kernel)
    if dtype == "bool":
        raise TypeError("conv needs numbers; got bool inputs and kernel. Cast them to a number dtype first.")
    return dtype


def max_pool_dtype(inputs):
    return dtype_of(inputs)


def average_pool_dtype(inputs):
    """Floats keep their dtype; ints and bools average to floatx (64-bit ints to float64)."""
    dtype = dtype_of(inputs)
    if dtype in ("int64", "uint64"):
        return "float64"
    return float_dtype(dtype)
