"""Colour spaces, padding/cropping and filters, built once from other public ops."""

import numpy as np

from k_backends.inference import float_dtype
from k_ops import numpy as knp
from k_ops import shapes
from k_ops.core import cast, convert_to_tensor
from k_ops.dispatch import symbolic
from k_ops.image.formats import (
    channel_axis,
    check_float,
    check_rank,
    check_rgb,
    compute_dtype,
    data_format_of,
    spatial_axes,
)
from k_ops.nn.convolution import depthwise_conv
from k_ops.symbolic import KerasTensor

__all__ = ["rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb", "pad_images", "crop_images", "gaussian_blur",
           "sobel_edges"]

_GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)


def _channels(x, data_format):
    axis = channel_axis(data_format)
    return [knp.take(x, i, axis=axis) for i in range(3)]


def _join(parts, data_format):
    return knp.stack(parts, axis=channel_axis(data_format))


# -- colour spaces ------------------------------------------------------------
def _grayscale_spec(images, data_format=None):
    data_format = data_format_of(data_format)
    shape = list(shapes.shape_of(images))
    check_rgb(tuple(shape), data_format, "rgb_to_grayscale")
    shape[channel_axis(data_format)] = 1
    return KerasTensor(tuple(shape), shapes.standard_dtype(images))


def _hsv_spec(op):
    def spec(images, data_format=None):
        data_format = data_format_of(data_format)
        shape = shapes.shape_of(images)
        check_rgb(shape, data_format, op)
        dtype = shapes.standard_dtype(images)
        check_float(dtype, op)
        return KerasTensor(shape, dtype)
    return spec


@symbolic(_grayscale_spec)
def rgb_to_grayscale(images, data_format=None):
    """Luma of RGB images, `0.2989 R + 0.5870 G + 0.1140 B`, as a single channel of the input's dtype.

    Integer images are computed in floats and truncated back to their dtype.

    Example:
    >>> kappa.ops.image.rgb_to_grayscale(np.ones((2, 4, 4, 3))).shape  # (2, 4, 4, 1)
    """
    _grayscale_spec(images, data_format)
    data_format = data_format_of(data_format)
    images = convert_to_tensor(images)
    dtype = shapes.standard_dtype(images)
    compute = compute_dtype(float_dtype(dtype))
    r, g, b = _channels(cast(images, compute), data_format)
    gray = r * _GRAY_WEIGHTS[0] + g * _GRAY_WEIGHTS[1] + b * _GRAY_WEIGHTS[2]
    return cast(knp.expand_dims(gray, channel_axis(data_format)), dtype)


@symbolic(_hsv_spec("rgb_to_hsv"))
def rgb_to_hsv(images, data_format=None):
    """RGB images with values in [0, 1] to HSV (hue, saturation, value, each in [0, 1]); floats only.

    Example:
    >>> kappa.ops.image.rgb_to_hsv(np.array([[[1.0, 0.0, 0.0]]]))  # [[[0., 1., 1.]]]
    """
    _hsv_spec("rgb_to_hsv")(images, data_format)
    data_format = data_format_of(data_format)
    images = convert_to_tensor(images)
    dtype = shapes.standard_dtype(images)
    r, g, b = _channels(cast(images, compute_dtype(dtype)), data_format)
    v = knp.maximum(knp.maximum(r, g), b)
    delta = v - knp.minimum(knp.minimum(r, g), b)
    s = knp.where(v > 0, delta / knp.where(v > 0, v, 1.0), 0.0)
    safe = knp.where(delta > 0, delta, 1.0)
    h = knp.where(v == r, (g - b) / safe, knp.where(v == g, 2.0 + (b - r) / safe, 4.0 + (r - g) / safe))
    h = knp.mod(knp.where(delta > 0, h, 0.0) / 6.0, 1.0)
    return cast(_join([h, s, v], data_format), dtype)


@symbolic(_hsv_spec("hsv_to_rgb"))
def hsv_to_rgb(images, data_format=None):
    """HSV images (each channel in [0, 1]) to RGB with values in [0, 1]; floats only.

    Example:
    >>> kappa.ops.image.hsv_to_rgb(np.array([[[0.0, 1.0, 1.0]]]))  # [[[1., 0., 0.]]]
    """
    _hsv_spec("hsv_to_rgb")(images, data_format)
    data_format = data_format_of(data_format)
    images = convert_to_tensor(images)
    dtype = shapes.standard_dtype(images)
    h, s, v = _channels(cast(images, compute_dtype(dtype)), data_format)
    dh = h * 6.0
    dr = knp.clip(knp.abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = knp.clip(2.0 - knp.abs(dh - 2.0), 0.0, 1.0)
    db = knp.clip(2.0 - knp.abs(dh - 4.0), 0.0, 1.0)
    rgb = [((d - 1.0) * s + 1.0) * v for d in (dr, dg, db)]
    return cast(_join(rgb, data_format), dtype)


# -- padding and cropping -----------------------------------------------------
def _two_of_three(names, values, size, op, kind):
    """Resolve (before, after, target) along one axis from exactly two of them; size may be None."""
    before, after, target = values
    if sum(v is not None for v in values) != 2:
        given = ", ".join(f"{n}={v}" for n, v in zip(names, values, strict=True))
        raise ValueError(f"{op}: give exactly two of {', '.join(names)}; got {given}")
    for n, v in zip(names, values, strict=True):
        if v is not None and (not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0):
            raise ValueError(f"{op}: {n} must be an int >= 0; got {v!r}")
    sign = 1 if kind == "pad" else -1
    if target is None:
        target = None if size is None else size + sign * (before + after)
        if target is not None and target < 0:
            raise ValueError(f"{op}: {names[0]} + {names[1]} = {before + after} exceeds the size {size}")
        return before, after, target
    if size is None:
        return before, after, target
    missing = sign * (target - size) - (before if before is not None else after)
    if missing < 0:
        raise ValueError(f"{op}: {names[2]}={target} is not reachable from size {size} with "
                         f"{names[0] if before is not None else names[1]}="
                         f"{before if before is not None else after}")
    return (before, missing, target) if before is not None else (missing, after, target)


def _resolve(images, heights, widths, data_format, op, kind):
    data_format = data_format_of(data_format)
    shape = shapes.shape_of(images)
    check_rank(shape, op)
    ha, wa = spatial_axes(data_format)
    names = ("top", "bottom", "target_height"), ("left", "right", "target_width")
    suffix = "_padding" if kind == "pad" else "_cropping"
    names = [tuple(n + suffix if i < 2 else n for i, n in enumerate(group)) for group in names]
    h = _two_of_three(names[0], heights, shape[ha], op, kind)
    w = _two_of_three(names[1], widths, shape[wa], op, kind)
    out = list(shape)
    out[ha], out[wa] = h[2], w[2]
    return data_format, h, w, tuple(out)


def _pad_spec(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
              target_height=None, target_width=None, data_format=None):
    out = _resolve(images, (top_padding, bottom_padding, target_height),
                   (left_padding, right_padding, target_width), data_format, "pad_images", "pad")[3]
    return KerasTensor(out, shapes.standard_dtype(images))


def _crop_spec(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
               target_height=None, target_width=None, data_format=None):
    out = _resolve(images, (top_cropping, bottom_cropping, target_height),
                   (left_cropping, right_cropping, target_width), data_format, "crop_images", "crop")[3]
    return KerasTensor(out, shapes.standard_dtype(images))


@symbolic(_pad_spec)
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    """Pad images with zeros; give exactly two of (top, bottom, target_height) and of (left, right, width).

    Example:
    >>> kappa.ops.image.pad_images(np.ones((4, 4, 3)), 1, 1, target_height=6, target_width=6).shape
    (6, 6, 3)
    """
    images = convert_to_tensor(images)
    data_format, h, w, _ = _resolve(images, (top_padding, bottom_padding, target_height),
                                    (left_padding, right_padding, target_width), data_format,
                                    "pad_images", "pad")
    rank = len(shapes.shape_of(images))
    widths = [(0, 0)] * rank
    ha, wa = spatial_axes(data_format)
    widths[rank + ha], widths[rank + wa] = (h[0], h[1]), (w[0], w[1])
    return knp.pad(images, widths)


@symbolic(_crop_spec)
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    """Crop images; give exactly two of (top, bottom, target_height) and of (left, right, target_width).

    Example:
    >>> kappa.ops.image.crop_images(np.ones((6, 6, 3)), 1, 2, target_height=4, target_width=3).shape
    (4, 3, 3)
    """
    images = convert_to_tensor(images)
    data_format, h, w, _ = _resolve(images, (top_cropping, bottom_cropping, target_height),
                                    (left_cropping, right_cropping, target_width), data_format,
                                    "crop_images", "crop")
    rank = len(shapes.shape_of(images))
    key = [slice(None)] * rank
    ha, wa = spatial_axes(data_format)
    key[rank + ha] = slice(h[0], h[0] + h[2])
    key[rank + wa] = slice(w[0], w[0] + w[2])
    return knp.get_item(images, tuple(key))


# -- filters --------------------------------------------------------------------
def _pair(value, name, kind):
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        value = (value, value)
    value = tuple(value)
    if len(value) != 2 or not all(kind(v) for v in value):
        raise ValueError(f"gaussian_blur: {name} must be a number or a pair of positive numbers; got {value}")
    return value


def _blur_args(kernel_size, sigma):
    kernel_size = _pair(kernel_size, "kernel_size", lambda v: int(v) == v and v >= 1)
    sigma = _pair(sigma, "sigma", lambda v: v > 0)
    return tuple(int(k) for k in kernel_size), tuple(float(s) for s in sigma)


def _blur_spec(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    data_format_of(data_format)
    shape = shapes.shape_of(images)
    check_rank(shape, "gaussian_blur")
    _blur_args(kernel_size, sigma)
    return KerasTensor(shape, float_dtype(shapes.standard_dtype(images)))


def _gaussian(size, sigma):
    x = np.arange(size, dtype="float64") - (size - 1) / 2
    k = np.exp(-(x ** 2) / (2 * sigma ** 2))
    return k / k.sum()


@symbolic(_blur_spec)
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blur each channel with a normalized Gaussian kernel, zero-padded to keep the size.

    As in Keras, `kernel_size[0]` and `sigma[0]` act along the width, `[1]` along the height.

    Example:
    >>> kappa.ops.image.gaussian_blur(np.ones((1, 8, 8, 3)), (3, 3), (1.0, 1.0)).shape  # (1, 8, 8, 3)
    """
    _blur_spec(images, kernel_size, sigma, data_format)
    data_format = data_format_of(data_format)
    (kx, ky), (sx, sy) = _blur_args(kernel_size, sigma)
    images = convert_to_tensor(images)
    shape = shapes.shape_of(images)
    dtype = float_dtype(shapes.standard_dtype(images))
    compute = compute_dtype(dtype)
    x = cast(images, compute)
    if len(shape) == 3:
        x = knp.expand_dims(x, 0)
    channels = shape[channel_axis(data_format)]
    kernel = np.outer(_gaussian(ky, sy), _gaussian(kx, sx))
    kernel = np.broadcast_to(kernel[:, :, None, None], (ky, kx, channels, 1))
    y = depthwise_conv(x, convert_to_tensor(np.ascontiguousarray(kernel), compute), padding="same",
                       data_format=data_format)
    if len(shape) == 3:
        y = knp.squeeze(y, 0)
    return cast(y, dtype)


def _sobel_spec(images, data_format=None):
    data_format = data_format_of(data_format)
    shape = shapes.shape_of(images)
    if len(shape) != 4:
        raise ValueError(f"sobel_edges: images must be rank 4 (batched); got shape {shape}")
    return KerasTensor(shape + (2,), shapes.standard_dtype(images))


_SOBEL_Y = np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])


@symbolic(_sobel_spec)
def sobel_edges(images, data_format=None):
    """Sobel gradients of each channel stacked last as (d/dy, d/dx): (N, H, W, C, 2) or (N, C, H, W, 2).

    Borders are zero-padded (as Keras' JAX, Torch and NumPy backends; its TensorFlow one reflects).

    Example:
    >>> kappa.ops.image.sobel_edges(np.ones((1, 4, 4, 3))).shape  # (1, 4, 4, 3, 2)
    """
    _sobel_spec(images, data_format)
    data_format = data_format_of(data_format)
    images = convert_to_tensor(images)
    shape = shapes.shape_of(images)
    dtype = shapes.standard_dtype(images)
    compute = compute_dtype(float_dtype(dtype)) if dtype.startswith("float") else (
        "float64" if dtype in ("int64", "uint32", "uint64") else "float32")
    channels = shape[channel_axis(data_format)]
    kernel = np.stack([_SOBEL_Y, _SOBEL_Y.T], axis=-1)[:, :, None, :]
    kernel = np.ascontiguousarray(np.broadcast_to(kernel, (3, 3, channels, 2)))
    y = depthwise_conv(cast(images, compute), convert_to_tensor(kernel, compute), padding="same",
                       data_format=data_format)
    if data_format == "channels_last":
        y = knp.reshape(y, (-1, shape[1], shape[2], channels, 2))
    else:
        y = knp.moveaxis(knp.reshape(y, (-1, channels, 2, shape[2], shape[3])), 2, -1)
    return cast(y, dtype)
