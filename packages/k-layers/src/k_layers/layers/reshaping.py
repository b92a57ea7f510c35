"""Layers that move values without weights: flatten, reshape, permute, repeat, crop, pad, upsample.

Every one knows its output shape from its input shape (None dimensions stay None) and keeps the
input's dtype, so symbolic calls never trace the computation.
"""

import math

from k_layers.input_spec import InputSpec
from k_layers.layer import Layer
from k_layers.layers._arguments import data_format_of, int_tuple, pair_tuples, same_dtype_spec
from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import image as kimage
from k_ops import numpy as knp

__all__ = ["Flatten", "Reshape", "Permute", "RepeatVector", "Cropping1D", "Cropping2D", "Cropping3D",
           "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "UpSampling1D", "UpSampling2D", "UpSampling3D"]


class _Reshaping(Layer):
    """Base: a symbolic output of the input's dtype."""

    def compute_output_spec(self, inputs):
        return same_dtype_spec(self, inputs)


def _spatial_start(data_format):
    return 1 if data_format == "channels_last" else 2


# -- flatten, reshape, permute, repeat ---------------------------------------------
@builtin("keras.layers")
class Flatten(_Reshaping):
    """Flatten every axis but the batch axis: (batch, ...) -> (batch, product of the rest).

    Args:
        data_format: with "channels_first", inputs of rank > 2 are first moved to channels-last, so
            the flattened order matches a channels-last model's; None reads `image_data_format()`.

    Example:
    >>> Flatten()(np.zeros((2, 3, 4))).shape
    (2, 12)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_of(data_format, "Flatten")
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        rank = len(inputs.shape)
        if self.data_format == "channels_first" and rank > 2:
            inputs = knp.transpose(inputs, (0, *range(2, rank), 1))
        rest = tuple(inputs.shape[1:])
        if not rest:
            size = 1
        elif any(d is None for d in rest):
            size = -1
        else:
            size = math.prod(rest)
        batch = inputs.shape[0]
        if size != -1:
            return knp.reshape(inputs, (-1 if batch is None else batch, size))
        return knp.reshape(inputs, (kcore.shape(inputs)[0] if batch is None else batch, -1))

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape[1:])
        if not rest:
            return (input_shape[0], 1)
        if any(d is None for d in rest):
            return (input_shape[0], None)
        return (input_shape[0], math.prod(rest))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


def _resolve_target(input_dims, target_shape):
    """`target_shape` with its -1 filled in from the known `input_dims` (None when unknown)."""
    known = [d for d in input_dims if d is not None]
    target = list(target_shape)
    size = math.prod(d for d in target if d != -1)
    if len(known) < len(input_dims):
        return tuple(None if d == -1 else d for d in target)
    total = math.prod(known)
    if -1 in target:
        if size == 0 or total % size:
            raise ValueError(f"Reshape: cannot reshape inputs of shape {tuple(input_dims)} (without the "
                             f"batch axis) into target_shape={tuple(target_shape)}: {total} elements do "
                             f"not divide into {size}.")
        target[target.index(-1)] = total // size
    elif total != size:
        raise ValueError(f"Reshape: cannot reshape inputs of shape {tuple(input_dims)} (without the batch "
                         f"axis, {total} elements) into target_shape={tuple(target_shape)} ({size} "
                         "elements).")
    return tuple(target)


@builtin("keras.layers")
class Reshape(_Reshaping):
    """Reshape each sample to `target_shape` (the batch axis is kept).

    Args:
        target_shape: the new shape without the batch axis; one entry may be -1, inferred from the
            number of elements.

    Example:
    >>> Reshape((-1, 2))(np.zeros((3, 12))).shape
    (3, 6, 2)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target_shape = tuple(target_shape)
        except TypeError:
            raise TypeError(f"Reshape: target_shape must be a tuple of ints; got "
                            f"target_shape={target_shape!r}.") from None
        if not all(isinstance(d, int) and not isinstance(d, bool) and (d > 0 or d == -1)
                   for d in target_shape) or target_shape.count(-1) > 1:
            raise ValueError(f"Reshape: target_shape must hold positive ints and at most one -1; got "
                             f"target_shape={target_shape!r}.")
        self.target_shape = target_shape
        self.built = True

    def call(self, inputs):
        target = _resolve_target(tuple(inputs.shape[1:]), self.target_shape)
        if any(d is None for d in target):
            return knp.reshape(inputs, (kcore.shape(inputs)[0], *(-1 if d is None else d for d in target)))
        return knp.reshape(inputs, (-1, *target))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *_resolve_target(tuple(input_shape[1:]), self.target_shape))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


@builtin("keras.layers")
class Permute(_Reshaping):
    """Reorder the non-batch axes: output axis i is input axis `dims[i - 1]` (axes count from 1).

    Args:
        dims: a permutation of 1..rank-1, e.g. (2, 1) swaps the two axes after the batch axis.

    Example:
    >>> Permute((2, 1))(np.zeros((2, 10, 64))).shape
    (2, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(dims)
        except TypeError:
            raise TypeError(f"Permute: dims must be a tuple of ints; got dims={dims!r}.") from None
        if sorted(dims) != list(range(1, len(dims) + 1)) or \
                not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
            raise ValueError(f"Permute: dims must be a permutation of 1..{len(dims)} (axis 0 is the batch "
                             f"axis and stays first); got dims={dims!r}.")
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)

    def call(self, inputs):
        return knp.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


@builtin("keras.layers")
class RepeatVector(_Reshaping):
    """Repeat each (features,) sample `n` times: (batch, features) -> (batch, n, features).

    Args:
        n: the number of repetitions, a positive int.

    Example:
    >>> RepeatVector(3)(np.zeros((2, 32))).shape
    (2, 3, 32)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"RepeatVector: n must be an int; got n={n!r} of type {type(n).__name__}.")
        if n <= 0:
            raise ValueError(f"RepeatVector: n must be a positive int; got n={n}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return knp.repeat(knp.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


# -- cropping ---------------------------------------------------------------------
class _Cropping(_Reshaping):
    """Remove (before, after) positions from each spatial axis."""

    rank = None

    def _pairs(self):
        return self.cropping if self.rank > 1 else (self.cropping,)

    def _check(self, input_shape):
        start = _spatial_start(self.data_format)
        for i, (before, after) in enumerate(self._pairs()):
            length = input_shape[start + i]
            if length is not None and before + after >= length:
                raise ValueError(f"{type(self).__name__} '{self.name}': cropping {self.cropping} must leave "
                                 f"at least one position on each spatial axis; got input shape "
                                 f"{tuple(input_shape)}.")

    def call(self, inputs):
        self._check(tuple(inputs.shape))
        start = _spatial_start(self.data_format)
        key = [slice(None)] * len(inputs.shape)
        for i, (before, after) in enumerate(self._pairs()):
            key[start + i] = slice(before, -after if after else None)
        return inputs[tuple(key)]

    def compute_output_shape(self, input_shape):
        self._check(tuple(input_shape))
        start = _spatial_start(self.data_format)
        shape = list(input_shape)
        for i, (before, after) in enumerate(self._pairs()):
            if shape[start + i] is not None:
                shape[start + i] -= before + after
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}


@builtin("keras.layers")
class Cropping1D(_Cropping):
    """Crop a (batch, steps, features) sequence along its steps.

    Args:
        cropping: an int (both ends) or (before, after): the steps removed at each end.

    Example:
    >>> Cropping1D((1, 2))(np.zeros((2, 6, 3))).shape
    (2, 3, 3)
    """

    rank = 1
    data_format = "channels_last"

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = int_tuple(cropping, 2, "cropping", "Cropping1D", allow_zero=True)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # Cropping1D is always channels-last and has no data_format
        return config


@builtin("keras.layers")
class Cropping2D(_Cropping):
    """Crop images along height and width.

    Args:
        cropping: an int (all sides), (height, width) symmetric crops, or
            ((top, bottom), (left, right)).
        data_format: "channels_last" or "channels_first"; None reads `image_data_format()`.

    Example:
    >>> Cropping2D(((1, 1), (2, 2)))(np.zeros((1, 6, 6, 3))).shape
    (1, 4, 2, 3)
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_of(data_format, "Cropping2D")
        self.cropping = pair_tuples(cropping, 2, "cropping", "Cropping2D")
        self.input_spec = InputSpec(ndim=4)


@builtin("keras.layers")
class Cropping3D(_Cropping):
    """Crop volumes along their three spatial axes.

    Args:
        cropping: an int (all sides), three symmetric crops, or three (before, after) pairs.
        data_format: "channels_last" or "channels_first"; None reads `image_data_format()`.

    Example:
    >>> Cropping3D(1)(np.zeros((1, 4, 4, 4, 3))).shape
    (1, 2, 2, 2, 3)
    """

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_of(data_format, "Cropping3D")
        self.cropping = pair_tuples(cropping, 3, "cropping", "Cropping3D")
        self.input_spec = InputSpec(ndim=5)


# -- zero padding -----------------------------------------------------------------
class _ZeroPadding(_Reshaping):
    """Add (before, after) zeros to each spatial axis."""

    rank = None

    def _pairs(self):
        return self.padding if self.rank > 1 else (self.padding,)

    def call(self, inputs):
        spatial = self._pairs()
        if self.data_format == "channels_last":
            widths = ((0, 0), *spatial, (0, 0))
        else:
            widths = ((0, 0), (0, 0), *spatial)
        return knp.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        start = _spatial_start(self.data_format)
        shape = list(input_shape)
        for i, (before, after) in enumerate(self._pairs()):
            if shape[start + i] is not None:
                shape[start + i] += before + after
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


@builtin("keras.layers")
class ZeroPadding1D(_ZeroPadding):
    """Pad a (batch, steps, features) sequence with zero steps.

    Args:
        padding: an int (both ends) or (before, after).
        data_format: "channels_last" or "channels_first" (batch, features, steps).

    Example:
    >>> ZeroPadding1D(2)(np.ones((1, 3, 2))).shape
    (1, 7, 2)
    """

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_of(data_format, "ZeroPadding1D")
        self.padding = int_tuple(padding, 2, "padding", "ZeroPadding1D", allow_zero=True)
        self.input_spec = InputSpec(ndim=3)


@builtin("keras.layers")
class ZeroPadding2D(_ZeroPadding):
    """Pad images with zero rows and columns.

    Args:
        padding: an int (all sides), (height, width) symmetric pads, or ((top, bottom), (left, right)).
        data_format: "channels_last" or "channels_first"; None reads `image_data_format()`.

    Example:
    >>> ZeroPadding2D(((1, 0), (2, 2)))(np.ones((1, 3, 3, 1))).shape
    (1, 4, 7, 1)
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_of(data_format, "ZeroPadding2D")
        self.padding = pair_tuples(padding, 2, "padding", "ZeroPadding2D")
        self.input_spec = InputSpec(ndim=4)


@builtin("keras.layers")
class ZeroPadding3D(_ZeroPadding):
    """Pad volumes with zeros along their three spatial axes.

    Args:
        padding: an int (all sides), three symmetric pads, or three (before, after) pairs.
        data_format: "channels_last" or "channels_first"; None reads `image_data_format()`.

    Example:
    >>> ZeroPadding3D(1)(np.ones((1, 2, 2, 2, 1))).shape
    (1, 4, 4, 4, 1)
    """

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_of(data_format, "ZeroPadding3D")
        self.padding = pair_tuples(padding, 3, "padding", "ZeroPadding3D")
        self.input_spec = InputSpec(ndim=5)


# -- upsampling -------------------------------------------------------------------
class _UpSampling(_Reshaping):
    """Repeat each position `size` times along each spatial axis."""

    rank = None

    def _factors(self):
        return self.size if isinstance(self.size, tuple) else (self.size,)

    def call(self, inputs):
        start = _spatial_start(self.data_format)
        for i, factor in enumerate(self._factors()):
            inputs = knp.repeat(inputs, factor, axis=start + i)
        return inputs

    def compute_output_shape(self, input_shape):
        start = _spatial_start(self.data_format)
        shape = list(input_shape)
        for i, factor in enumerate(self._factors()):
            if shape[start + i] is not None:
                shape[start + i] *= factor
        return tuple(shape)


@builtin("keras.layers")
class UpSampling1D(_UpSampling):
    """Repeat each step of a (batch, steps, features) sequence `size` times.

    Args:
        size: the repetition factor, a positive int.

    Example:
    >>> UpSampling1D(3)(np.zeros((2, 4, 5))).shape
    (2, 12, 5)
    """

    rank = 1
    data_format = "channels_last"

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"UpSampling1D: size must be an int; got size={size!r} of type "
                            f"{type(size).__name__}.")
        if size <= 0:
            raise ValueError(f"UpSampling1D: size must be a positive int; got size={size}.")
        self.size = size
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area")


@builtin("keras.layers")
class UpSampling2D(_UpSampling):
    """Enlarge images by `size` = (height factor, width factor).

    Args:
        size: an int (both factors) or two positive ints.
        data_format: "channels_last" or "channels_first"; None reads `image_data_format()`.
        interpolation: "nearest" repeats pixels; "bilinear", "bicubic", "lanczos3", "lanczos5" and
            "area" resample with `kappa.ops.image.resize` (half-pixel centres).

    Example:
    >>> UpSampling2D((2, 3), interpolation="bilinear")(np.ones((1, 2, 2, 1))).shape
    (1, 4, 6, 1)
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_of(data_format, "UpSampling2D")
        self.size = int_tuple(size, 2, "size", "UpSampling2D")
        if not isinstance(interpolation, str) or interpolation.lower() not in _INTERPOLATIONS:
            raise ValueError(f"UpSampling2D: interpolation must be one of {_INTERPOLATIONS}; got "
                             f"interpolation={interpolation!r}.")
        self.interpolation = interpolation.lower()
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        start = _spatial_start(self.data_format)
        height, width = inputs.shape[start], inputs.shape[start + 1]
        if height is None or width is None:
            height, width = kcore.shape(inputs)[start:start + 2]
        size = (height * self.size[0], width * self.size[1])
        return kimage.resize(inputs, size, interpolation=self.interpolation, data_format=self.data_format)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


@builtin("keras.layers")
class UpSampling3D(_UpSampling):
    """Enlarge volumes by repeating each position `size` = (d1, d2, d3) times per axis.

    Args:
        size: an int (every factor) or three positive ints.
        data_format: "channels_last" or "channels_first"; None reads `image_data_format()`.

    Example:
    >>> UpSampling3D()(np.zeros((1, 2, 2, 2, 3))).shape
    (1, 4, 4, 4, 3)
    """

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_of(data_format, "UpSampling3D")
        self.size = int_tuple(size, 3, "size", "UpSampling3D")
        self.input_spec = InputSpec(ndim=5)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}
