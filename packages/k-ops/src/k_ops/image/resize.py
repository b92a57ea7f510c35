"""Resampling: `resize` and `scale_and_translate`, built once from other public ops.

Both follow `jax.image.scale_and_translate` (what Keras's jax backend calls): pixel centres sit at
half-integers, each spatial axis is resampled by a weight matrix (input size, output size), all
axes contracted in one einsum, and with `antialias` the kernel widens by the downsampling factor.
Output samples that fall outside the input get zero weight. The weights are built with NumPy on
the host; only a traced `scale`/`translation` builds them with the same code over `k_ops.numpy`.

Where Keras's backends differ, kappa takes the union the jax kernels define: `resize` also accepts
"area" (Keras's tensorflow backend only; jax.image's area weights, which match tf.image), and
`scale_and_translate` also "triangle" (as jax.image and Keras's docs), returning floats for integer
images (Keras's jax backend; its numpy and torch backends keep the integer dtype).
"""
import math

import numpy as np

from k_backends import dtypes
from k_backends.inference import float_dtype
from k_ops import numpy as knp
from k_ops import shapes
from k_ops.core import cast, convert_to_numpy, convert_to_tensor, is_tensor, saturate_cast
from k_ops.dispatch import symbolic
from k_ops.image.formats import check_rank, compute_dtype, data_format_of, spatial_axes
from k_ops.symbolic import KerasTensor

__all__ = ["resize", "scale_and_translate"]

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
_METHODS = {"linear": "linear", "bilinear": "linear", "trilinear": "linear", "triangle": "linear",
            "cubic": "cubic", "bicubic": "cubic", "tricubic": "cubic", "lanczos3": "lanczos3",
            "lanczos5": "lanczos5", "area": "area"}
_WIDE_INTS = ("int64", "uint32", "uint64")


# -- kernels: functions of the distance |x| >= 0, written for `xp` = numpy or k_ops.numpy ------
def _triangle(xp, x):
    return xp.maximum(0.0, 1.0 - x)


def _keys_cubic(xp, x):
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return xp.where(x >= 2.0, 0.0, xp.where(x >= 1.0, far, near))


def _lanczos(radius):
    def kernel(xp, x):
        y = radius * xp.sin(math.pi * x) * xp.sin(math.pi * x / radius)
        out = xp.where(x > 1e-3, y / xp.where(x != 0, math.pi ** 2 * x * x, 1.0), 1.0)
        return xp.where(x > radius, 0.0, out)
    return kernel


_KERNELS = {"linear": _triangle, "cubic": _keys_cubic, "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0)}


def _weights(xp, in_size, out_size, scale, translation, method, antialias, dtype):
    """The (in_size, out_size) matrix taking one axis of the input to the output."""
    inv_scale = 1.0 / scale
    out_i = xp.arange(out_size, dtype=dtype)
    in_j = xp.expand_dims(xp.arange(in_size, dtype=dtype), 1)
    sample = (out_i + 0.5) * inv_scale - translation * inv_scale - 0.5
    if method == "area":
        # Overlap of input pixel [j, j + 1) with the output pixel's footprint [left, left + 1/scale).
        left = out_i * inv_scale - translation * inv_scale
        w = xp.maximum(0.0, xp.minimum(left + inv_scale, in_j + 1.0) - xp.maximum(left, in_j))
    else:
        kernel_scale = xp.maximum(inv_scale, 1.0) if antialias else 1.0
        w = _KERNELS[method](xp, xp.abs(sample - in_j) / kernel_scale)
    total = xp.sum(w, axis=0, keepdims=True)
    w = xp.where(xp.abs(total) > 1000.0 * float(np.finfo(np.float32).eps),
                 w / xp.where(total != 0, total, 1.0), 0.0)
    inside = xp.logical_and(sample >= -0.5, sample <= in_size - 0.5)
    return xp.where(xp.expand_dims(inside, 0), w, 0.0)


def _contract(x, weights):
    """Resample `x` by one einsum: `weights` maps each axis it names to its (input, output) matrix."""
    rank = len(shapes.shape_of(x))
    letters = "abcdefghijklmnopqrstuvwxyz"[:rank]
    terms, out = [letters], list(letters)
    for axis, _ in weights:
        terms.append(letters[axis] + letters[axis].upper())
        out[axis] = letters[axis].upper()
    return knp.einsum(",".join(terms) + "->" + "".join(out), x, *(w for _, w in weights))


def _host_tensor(array, dtype):
    # Cast on the host: converting and casting in one device call costs a compile per shape on jax.
    return convert_to_tensor(np.ascontiguousarray(array.astype(dtype)))


def _nearest(x, axes, in_sizes, out_sizes):
    """Each output pixel copies input pixel floor((i + 0.5) * in / out) per axis (float32, as jax)."""
    index = []
    for n, m in zip(in_sizes, out_sizes, strict=True):
        centre = (np.arange(m, dtype="float32") + 0.5) * np.float32(n) / np.float32(m)
        index.append(np.minimum(np.floor(centre.astype("float32")).astype("int32"), n - 1))
    key = [slice(None)] * len(shapes.shape_of(x))
    key[axes[0]], key[axes[1]] = index[0][:, None], index[1][None, :]  # one gather of both axes
    return knp.get_item(x, tuple(key))


def _float_dtype_for(dtype):
    if dtypes.is_float_dtype(dtype):
        return compute_dtype(dtype)
    return "float64" if dtype in _WIDE_INTS else "float32"


def _as(x, dtype):
    return x if shapes.standard_dtype(x) == dtype else cast(x, dtype)


def _cast_back(x, dtype):
    """Float results back to the images' dtype: ints are rounded (halves to even) and saturated."""
    if dtypes.is_float_dtype(dtype):
        return _as(x, dtype)
    if dtype != "bool":
        x = knp.round(x)
    return saturate_cast(x, dtype)


# -- resize ------------------------------------------------------------------------------
def _check_size(size):
    try:
        size = tuple(size)
    except TypeError:
        size = (size,)
    if len(size) != 2 or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in size):
        raise ValueError(f"size must be a tuple of two ints (height, width); got {size}")
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(f"size must have a positive height and width; got {size}")
    return int(size[0]), int(size[1])


def _resize_args(images, size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, fill_mode,
                 data_format):
    size = _check_size(size)
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {RESIZE_INTERPOLATIONS}; got {interpolation!r}")
    if fill_mode != "constant":
        raise ValueError(f"fill_mode must be 'constant' (the only mode supported); got {fill_mode!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True")
    data_format = data_format_of(data_format)
    shape = shapes.shape_of(images)
    check_rank(shape, "resize")
    return size, data_format, shape


def _resize_spec(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    size, data_format, shape = _resize_args(images, size, interpolation, crop_to_aspect_ratio,
                                            pad_to_aspect_ratio, fill_mode, data_format)
    out = list(shape)
    ha, wa = spatial_axes(data_format)
    out[ha], out[wa] = size
    return KerasTensor(tuple(out), shapes.standard_dtype(images))


def _crop_box(height, width, target_h, target_w):
    crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
    crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
    return int(float(height - crop_h) / 2), int(float(width - crop_w) / 2), crop_h, crop_w


def _pad_to_aspect(x, rank, axes, height, width, target_h, target_w, fill_value):
    """Pad the short side evenly with `fill_value`; the pad on each side is floor(missing / 2)."""
    pad_h = int(float(max(height, int(float(width * target_h) / target_w)) - height) / 2)
    pad_w = int(float(max(width, int(float(height * target_w) / target_h)) - width) / 2)
    widths = [(0, 0)] * rank
    if pad_h > 0:
        widths[rank + axes[0]] = (pad_h, pad_h)
    elif pad_w > 0:
        widths[rank + axes[1]] = (pad_w, pad_w)
    else:
        return x
    return knp.pad(x, widths, constant_values=fill_value)


@symbolic(_resize_spec)
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize images to `size = (height, width)`, keeping their dtype.

    Args:
        interpolation: "bilinear", "nearest", "bicubic" (Keys cubic), "lanczos3", "lanczos5" or
            "area" (the average over each output pixel's footprint, as TensorFlow's area resize).
            All follow `jax.image.resize` with half-pixel centres.
        antialias: widen the kernel by the downsampling factor (no effect when upsampling, on
            "nearest" or on "area").
        crop_to_aspect_ratio: first crop the largest centred window with the target aspect ratio.
        pad_to_aspect_ratio: first pad the short side evenly with `fill_value` (`fill_mode` must be
            "constant") to reach the target aspect ratio.

    Integer images are resampled in floats, rounded (halves to even) and clipped to their dtype's range.

    Example:
    >>> kappa.ops.image.resize(np.ones((2, 4, 4, 3)), (2, 2)).shape  # (2, 2, 2, 3)
    """
    images = convert_to_tensor(images)
    size, data_format, shape = _resize_args(images, size, interpolation, crop_to_aspect_ratio,
                                            pad_to_aspect_ratio, fill_mode, data_format)
    rank = len(shape)
    axes = spatial_axes(data_format)
    height, width = shape[axes[0]], shape[axes[1]]
    if height is None or width is None:
        raise ValueError(f"resize: the height and width of images must be known; got shape {shape}")
    dtype = shapes.standard_dtype(images)
    x = images
    if crop_to_aspect_ratio:
        top, left, crop_h, crop_w = _crop_box(height, width, *size)
        key = [slice(None)] * rank
        key[rank + axes[0]] = slice(top, top + crop_h)
        key[rank + axes[1]] = slice(left, left + crop_w)
        x = knp.get_item(x, tuple(key))
    elif pad_to_aspect_ratio:
        x = _pad_to_aspect(_as(x, _float_dtype_for(dtype)), rank, axes, height, width, *size, fill_value)
    in_sizes = [shapes.shape_of(x)[a] for a in axes]
    if interpolation == "nearest":
        if tuple(in_sizes) != size:
            x = _nearest(x, axes, in_sizes, size)
        return _cast_back(x, dtype) if shapes.standard_dtype(x) != dtype else x
    compute = _float_dtype_for(dtype)
    x = _as(x, compute)
    method = _METHODS[interpolation]
    weights = [(rank + axis, _host_tensor(_weights(np, n, m, m / n, 0.0, method, antialias, "float64"),
                                          compute))
               for axis, n, m in zip(axes, in_sizes, size, strict=True) if n != m]
    if weights:
        x = _contract(x, weights)
    return _cast_back(x, dtype)


# -- scale_and_translate -----------------------------------------------------------------------
def _host_values(value):
    """`value` as a float64 NumPy array, or None when it is a traced tensor with no value yet."""
    if not is_tensor(value):
        return np.asarray(value, "float64")
    try:
        return np.asarray(convert_to_numpy(value), "float64")
    except (TypeError, ValueError, AttributeError, NotImplementedError):
        return None


def _sat_args(images, output_shape, scale, translation, spatial_dims, method):
    if method not in _METHODS or method == "area":
        names = tuple(m for m in _METHODS if m != "area")
        raise ValueError(f"method must be one of {names}; got {method!r}")
    shape = shapes.shape_of(images)
    output_shape = tuple(output_shape)
    if len(output_shape) != len(shape):
        raise ValueError(f"output_shape must have one entry per dimension of images {shape}; "
                         f"got {output_shape}")
    rank = len(shape)
    try:
        spatial_dims = tuple(int(d) for d in spatial_dims)
    except TypeError:
        spatial_dims = (int(spatial_dims),)
    for d in spatial_dims:
        if not -rank <= d < rank:
            raise ValueError(f"spatial_dims entry {d} is out of range for images of rank {rank}")
    spatial_dims = tuple(d % rank for d in spatial_dims)
    for name, value in (("scale", scale), ("translation", translation)):
        k = shapes.shape_of(value) if hasattr(value, "shape") else np.shape(value)
        if tuple(k) not in ((len(spatial_dims),), (None,)):
            raise ValueError(f"{name} must have shape ({len(spatial_dims)},), one value per spatial "
                             f"dim {spatial_dims}; got shape {tuple(k)}")
    for d, (n, m) in enumerate(zip(shape, output_shape, strict=True)):
        if d not in spatial_dims and n is not None and m is not None and n != m:
            raise ValueError(f"output_shape {output_shape} may differ from images' shape {shape} only "
                             f"in spatial_dims {spatial_dims}")
    return output_shape, spatial_dims


def _sat_spec(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    output_shape, _ = _sat_args(images, output_shape, scale, translation, spatial_dims, method)
    return KerasTensor(output_shape, float_dtype(shapes.standard_dtype(images)))


@symbolic(_sat_spec)
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    """Resample `images` into `output_shape`, mapping input coordinate `x` to `x * scale + translation`.

    Args:
        output_shape: the full output shape; only the `spatial_dims` may differ from the input's.
        scale, translation: one value per entry of `spatial_dims` (may be tensors).
        method: "linear" ("bilinear", "trilinear", "triangle"), "cubic" ("bicubic", "tricubic"),
            "lanczos3" or "lanczos5".
        antialias: widen the kernel by the downsampling factor; no effect when upsampling.

    Pixel centres are at half-integers; outputs that map outside the input are zero. As
    `jax.image.scale_and_translate` (and Keras's jax backend), integer images give floats.

    Example:
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> kappa.ops.image.scale_and_translate(x, (5, 5), [2.0, 2.0], [-0.5, -0.5], (0, 1), "linear")[0]
    [0., 0.5, 1., 1.5, 2.]
    """
    images = convert_to_tensor(images)
    output_shape, spatial_dims = _sat_args(images, output_shape, scale, translation, spatial_dims, method)
    shape = shapes.shape_of(images)
    dtype = float_dtype(shapes.standard_dtype(images))
    compute = compute_dtype(dtype)
    x = _as(images, compute)
    method = _METHODS[method]
    host = _host_values(scale), _host_values(translation)
    if host[0] is None or host[1] is None:
        # Traced values (inside jax.jit, tf.function): build the weights with tensor ops.
        wdtype = compute_dtype(float_dtype(dtypes.result_type(
            *(shapes.standard_dtype(v) if is_tensor(v) else "float32" for v in (scale, translation)))))
        scale, translation = cast(scale, wdtype), cast(translation, wdtype)
        xp, pick = knp, (lambda v, i: knp.take(v, i))
    else:
        wdtype = "float64"
        scale, translation = host
        xp, pick = np, (lambda v, i: v[i])
    weights = []
    for i, d in enumerate(spatial_dims):
        n, m = shape[d], output_shape[d]
        if n is None or m is None:
            raise ValueError(f"scale_and_translate: spatial dim {d} must have a known size; "
                             f"got {shape} -> {output_shape}")
        w = _weights(xp, n, m, pick(scale, i), pick(translation, i), method, antialias, wdtype)
        weights.append((d, cast(w, compute) if xp is knp else _host_tensor(w, compute)))
    if weights:
        x = _contract(x, weights)
    return _as(x, dtype)

