"""Pooling layers: windowed (max/average), global and adaptive, over 1 to 3 spatial dimensions.

All are weightless wrappers of `k_ops.nn` pools and `k_ops.numpy` reductions; they are built at
construction (nothing depends on the input shape) and know their output shape without tracing.
The short Keras aliases (`MaxPool2D`, `GlobalAvgPool1D`, ...) are the same classes.
"""

from k_backends.rules.convolution import output_length
from k_layers.input_spec import InputSpec
from k_layers.layer import Layer
from k_layers.layers._arguments import data_format_of, int_tuple
from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import nn as knn
from k_ops import numpy as knp
from k_ops.symbolic import KerasTensor

__all__ = [
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
    "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
    "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D",
    "GlobalAvgPool3D",
]


def _split(shape, data_format):
    """(batch, spatial dims, channels) of a shape in `data_format`."""
    if data_format == "channels_last":
        return shape[0], tuple(shape[1:-1]), shape[-1]
    return shape[0], tuple(shape[2:]), shape[1]


def _join(batch, spatial, channels, data_format):
    if data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


# -- windowed pooling -------------------------------------------------------------
class _Pooling(Layer):
    """A window of `pool_size` sliding by `strides` over `rank` spatial dimensions."""

    rank = None
    mode = None

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        layer = type(self).__name__
        self.pool_size = int_tuple(pool_size, self.rank, "pool_size", layer)
        self.strides = int_tuple(pool_size if strides is None else strides, self.rank, "strides", layer,
                                 allow_zero=True)
        if any(s == 0 for s in self.strides):
            raise ValueError(f"{layer}: strides must be positive; got strides={strides!r}.")
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(f"{layer}: padding must be 'valid' or 'same'; got padding={padding!r}.")
        self.padding = padding
        self.data_format = data_format_of(data_format, layer)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def call(self, inputs):
        pool = knn.max_pool if self.mode == "max" else knn.average_pool
        return pool(inputs, pool_size=self.pool_size, strides=self.strides, padding=self.padding.lower(),
                    data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        batch, spatial, channels = _split(tuple(input_shape), self.data_format)
        padding = self.padding.lower()
        out = tuple(output_length(n, k, s, padding)
                    for n, k, s in zip(spatial, self.pool_size, self.strides, strict=True))
        return _join(batch, out, channels, self.data_format)

    def compute_output_spec(self, inputs):
        return self.call(inputs)  # the op's own shape and dtype rule (ints average to floats)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


@builtin("keras.layers", "MaxPool1D")
class MaxPooling1D(_Pooling):
    """The maximum over windows of `pool_size` steps of a (batch, steps, channels) sequence.

    Args:
        pool_size: the window length (an int or a 1-tuple).
        strides: the step between windows; None means `pool_size`.
        padding: "valid" (windows inside the input) or "same" (output length ceil(steps / strides)).
        data_format: "channels_last" (batch, steps, channels) or "channels_first"; None reads
            `image_data_format()`.

    Example:
    >>> MaxPooling1D(2)(np.arange(8.0).reshape(1, 4, 2)).shape
    (1, 2, 2)
    """

    rank, mode = 1, "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


@builtin("keras.layers", "MaxPool2D")
class MaxPooling2D(_Pooling):
    """The maximum over `pool_size` windows of images (arguments as `MaxPooling1D`, per dimension).

    Example:
    >>> MaxPooling2D((2, 2))(np.zeros((1, 4, 4, 3))).shape
    (1, 2, 2, 3)
    """

    rank, mode = 2, "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


@builtin("keras.layers", "MaxPool3D")
class MaxPooling3D(_Pooling):
    """The maximum over `pool_size` windows of volumes (arguments as `MaxPooling1D`, per dimension).

    Example:
    >>> MaxPooling3D()(np.zeros((1, 4, 4, 4, 3))).shape
    (1, 2, 2, 2, 3)
    """

    rank, mode = 3, "max"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


@builtin("keras.layers", "AvgPool1D")
class AveragePooling1D(_Pooling):
    """The mean over windows of `pool_size` steps (arguments as `MaxPooling1D`).

    With "same" padding a border window averages only its values inside the input.

    Example:
    >>> AveragePooling1D(2)(np.arange(8.0).reshape(1, 4, 2))[0, :, 0]  # [1., 5.]
    """

    rank, mode = 1, "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


@builtin("keras.layers", "AvgPool2D")
class AveragePooling2D(_Pooling):
    """The mean over `pool_size` windows of images (arguments as `MaxPooling1D`, per dimension).

    Example:
    >>> AveragePooling2D(2)(np.zeros((1, 4, 4, 3))).shape
    (1, 2, 2, 3)
    """

    rank, mode = 2, "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


@builtin("keras.layers", "AvgPool3D")
class AveragePooling3D(_Pooling):
    """The mean over `pool_size` windows of volumes (arguments as `MaxPooling1D`, per dimension).

    Example:
    >>> AveragePooling3D(2)(np.zeros((1, 4, 4, 4, 3))).shape
    (1, 2, 2, 2, 3)
    """

    rank, mode = 3, "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D


# -- global pooling ---------------------------------------------------------------
class _GlobalPooling(Layer):
    """A reduction over every spatial dimension (kept as size 1 with `keepdims`)."""

    rank = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        layer = type(self).__name__
        self.data_format = data_format_of(data_format, layer)
        if not isinstance(keepdims, bool):
            raise TypeError(f"{layer}: keepdims must be True or False; got keepdims={keepdims!r}.")
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    @property
    def _spatial_axes(self):
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def compute_output_shape(self, input_shape):
        batch, _, channels = _split(tuple(input_shape), self.data_format)
        spatial = (1,) * self.rank if self.keepdims else ()
        return _join(batch, spatial, channels, self.data_format)

    def compute_output_spec(self, inputs, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class _GlobalMax(_GlobalPooling):
    def call(self, inputs):
        return knp.max(inputs, axis=self._spatial_axes, keepdims=self.keepdims)


class _GlobalAverage(_GlobalPooling):
    def call(self, inputs):
        return knp.mean(inputs, axis=self._spatial_axes, keepdims=self.keepdims)


_GLOBAL_DOC = """The {what} over all {dims} of a (batch, {layout}, channels) input.

    Args:
        data_format: "channels_last" or "channels_first" (channels on axis 1); None reads
            `image_data_format()`.
        keepdims: keep the reduced dimensions with size 1.
{extra}
    Example:
    >>> {name}()(np.ones((2, {example}, 3))).shape
    (2, 3)
    """


@builtin("keras.layers", "GlobalMaxPool1D")
class GlobalMaxPooling1D(_GlobalMax):
    __doc__ = _GLOBAL_DOC.format(what="maximum", dims="steps", layout="steps", extra="",
                                 name="GlobalMaxPooling1D", example="5")
    rank = 1

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


@builtin("keras.layers", "GlobalMaxPool2D")
class GlobalMaxPooling2D(_GlobalMax):
    __doc__ = _GLOBAL_DOC.format(what="maximum", dims="positions", layout="rows, cols", extra="",
                                 name="GlobalMaxPooling2D", example="4, 4")
    rank = 2

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


@builtin("keras.layers", "GlobalMaxPool3D")
class GlobalMaxPooling3D(_GlobalMax):
    __doc__ = _GLOBAL_DOC.format(what="maximum", dims="positions", layout="dim1, dim2, dim3", extra="",
                                 name="GlobalMaxPooling3D", example="2, 2, 2")
    rank = 3

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


@builtin("keras.layers", "GlobalAvgPool1D")
class GlobalAveragePooling1D(_GlobalAverage):
    __doc__ = _GLOBAL_DOC.format(
        what="mean", dims="steps", layout="steps", name="GlobalAveragePooling1D", example="5",
        extra="\n    Call it with `mask` (batch, steps), or on a masked input, to average only the\n"
              "    unmasked steps; the output carries no mask.\n")
    rank = 1

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps_axis = self._spatial_axes[0]
        mask = knp.expand_dims(kcore.cast(mask, "bool"), 2 if self.data_format == "channels_last" else 1)
        total = knp.sum(knp.where(mask, inputs, knp.zeros_like(inputs)), axis=steps_axis,
                        keepdims=self.keepdims)
        count = knp.sum(kcore.cast(mask, inputs.dtype), axis=steps_axis, keepdims=self.keepdims)
        return total / count

    def compute_mask(self, inputs, previous_mask):
        return None


@builtin("keras.layers", "GlobalAvgPool2D")
class GlobalAveragePooling2D(_GlobalAverage):
    __doc__ = _GLOBAL_DOC.format(what="mean", dims="positions", layout="rows, cols", extra="",
                                 name="GlobalAveragePooling2D", example="4, 4")
    rank = 2

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


@builtin("keras.layers", "GlobalAvgPool3D")
class GlobalAveragePooling3D(_GlobalAverage):
    __doc__ = _GLOBAL_DOC.format(what="mean", dims="positions", layout="dim1, dim2, dim3", extra="",
                                 name="GlobalAveragePooling3D", example="2, 2, 2")
    rank = 3

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D, GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)


# -- adaptive pooling -------------------------------------------------------------
class _AdaptivePooling(Layer):
    """Pooling to a fixed `output_size`, whatever the input's spatial size (PyTorch's bins)."""

    rank = None
    mode = None

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        layer = type(self).__name__
        self.output_size = int_tuple(output_size, self.rank, "output_size", layer)
        self.data_format = data_format_of(data_format, layer)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def call(self, inputs):
        pool = knn.adaptive_max_pool if self.mode == "max" else knn.adaptive_average_pool
        return pool(inputs, output_size=self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        batch, _, channels = _split(tuple(input_shape), self.data_format)
        return _join(batch, self.output_size, channels, self.data_format)

    def compute_output_spec(self, inputs):
        return self.call(inputs)

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size, "data_format": self.data_format}


_ADAPTIVE_DOC = """The {what} over each of `output_size` bins per spatial dimension ({n}-D).

    Bin i of n over a length L covers [floor(i L / n), ceil((i + 1) L / n)), so bins may overlap.

    Args:
        output_size: the output's spatial size (an int for every dimension, or {n} ints).
        data_format: "channels_last" or "channels_first"; None reads `image_data_format()`.

    Example:
    >>> {name}({size})(np.ones((2, {example}, 3))).shape[1:-1]
    {result}
    """


def _adaptive_doc(what, n, name):
    example = ", ".join(["7"] * n)
    return _ADAPTIVE_DOC.format(what=what, n=n, name=name, size=3, example=example,
                                result=str((3,) * n))


@builtin("keras.layers")
class AdaptiveMaxPooling1D(_AdaptivePooling):
    __doc__ = _adaptive_doc("maximum", 1, "AdaptiveMaxPooling1D")
    rank, mode = 1, "max"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format, **kwargs)


@builtin("keras.layers")
class AdaptiveMaxPooling2D(_AdaptivePooling):
    __doc__ = _adaptive_doc("maximum", 2, "AdaptiveMaxPooling2D")
    rank, mode = 2, "max"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format, **kwargs)


@builtin("keras.layers")
class AdaptiveMaxPooling3D(_AdaptivePooling):
    __doc__ = _adaptive_doc("maximum", 3, "AdaptiveMaxPooling3D")
    rank, mode = 3, "max"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format, **kwargs)


@builtin("keras.layers")
class AdaptiveAveragePooling1D(_AdaptivePooling):
    __doc__ = _adaptive_doc("mean", 1, "AdaptiveAveragePooling1D")
    rank, mode = 1, "average"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format, **kwargs)


@builtin("keras.layers")
class AdaptiveAveragePooling2D(_AdaptivePooling):
    __doc__ = _adaptive_doc("mean", 2, "AdaptiveAveragePooling2D")
    rank, mode = 2, "average"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format, **kwargs)


@builtin("keras.layers")
class AdaptiveAveragePooling3D(_AdaptivePooling):
    __doc__ = _adaptive_doc("mean", 3, "AdaptiveAveragePooling3D")
    rank, mode = 3, "average"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format, **kwargs)
