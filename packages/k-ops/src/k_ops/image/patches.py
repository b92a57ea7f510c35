"""Patch extraction from images and volumes, and the structural similarity index (SSIM).

Patches are gathered (one `take` per spatial axis), so they are exact for every dtype. Each patch is a
vector laid out as Keras lays it out: offsets in row-major order (depth, height, width), each
offset's channels together, i.e. index `((i * w + j) * C + c)` for a 2D patch.
"""

import numpy as np

from k_backends.inference import float_dtype
from k_ops import numpy as knp
from k_ops import shapes
from k_ops.core import cast, convert_to_tensor
from k_ops.dispatch import symbolic
from k_ops.image.formats import compute_dtype, data_format_of
from k_ops.nn.convolution import depthwise_conv
from k_ops.symbolic import KerasTensor

__all__ = ["extract_patches", "extract_patches_3d", "ssim"]


# -- patches ---------------------------------------------------------------------------
def _ints(value, n, name, op):
    """An int or a sequence of n ints >= 1, as a tuple of n ints."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value,) * n
    try:
        value = tuple(value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints; got {value!r}") from None
    if len(value) != n or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1
                                  for v in value):
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints >= 1; got {value!r}")
    return tuple(int(v) for v in value)


def _plan(shape, size, strides, dilation_rate, padding, data_format, n, op):
    """Check the arguments; return (data_format, size, strides, dilation, [(out, pad_before, pad_after)])."""
    data_format = data_format_of(data_format)
    if len(shape) not in (n + 1, n + 2):
        kind = "images" if n == 2 else "volumes"
        raise ValueError(f"{op}: {kind} must be rank {n + 1} (unbatched) or {n + 2} (batched); "
                         f"got shape {shape}")
    size = _ints(size, n, "size", op)
    strides = size if strides is None else _ints(strides, n, "strides", op)
    dilation = _ints(dilation_rate, n, "dilation_rate", op)
    mode = padding.lower() if isinstance(padding, str) else padding
    if mode not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same'; got {padding!r}")
    spatial = shape[-n - 1:-1] if data_format == "channels_last" else shape[-n:]
    axes = []
    for length, k, s, d in zip(spatial, size, strides, dilation, strict=True):
        span = (k - 1) * d + 1
        if length is None:
            axes.append((None, 0, 0))
        elif mode == "valid":
            if length < span:
                raise ValueError(f"{op}: a patch spanning {span} (size {k}, dilation {d}) does not fit "
                                 f"in a spatial size of {length} with padding='valid'; got shape {shape}")
            axes.append(((length - span) // s + 1, 0, 0))
        else:
            out = -(-length // s)
            total = max((out - 1) * s + span - length, 0)
            axes.append((out, total // 2, total - total // 2))
    return data_format, size, strides, dilation, axes


def _patches_spec(x, size, strides, dilation_rate, padding, data_format, n, op):
    shape = shapes.shape_of(x)
    data_format, size, _, _, axes = _plan(shape, size, strides, dilation_rate, padding, data_format, n, op)
    channels = shape[-1] if data_format == "channels_last" else shape[-n - 1]
    depth = None if channels is None else int(np.prod(size)) * channels
    outs = tuple(a[0] for a in axes)
    out = outs + (depth,) if data_format == "channels_last" else (depth,) + outs
    return KerasTensor(tuple(shape[:-n - 1]) + out, shapes.standard_dtype(x))


def _patches(x, size, strides, dilation_rate, padding, data_format, n, op):
    x = convert_to_tensor(x)
    shape = shapes.shape_of(x)
    data_format, size, strides, dilation, axes = _plan(shape, size, strides, dilation_rate, padding,
                                                       data_format, n, op)
    unbatched = len(shape) == n + 1
    if unbatched:
        x = knp.expand_dims(x, 0)
    if data_format == "channels_first":
        x = knp.moveaxis(x, 1, -1)
    if any(a[1] or a[2] for a in axes):
        x = knp.pad(x, [(0, 0)] + [(a[1], a[2]) for a in axes] + [(0, 0)])
    # One gather per spatial axis: axis i of length L becomes (out_i, size_i) windows.
    for i in reversed(range(n)):
        index = (np.arange(axes[i][0])[:, None] * strides[i] + np.arange(size[i])[None, :] * dilation[i])
        x = knp.take(x, convert_to_tensor(index.astype("int32")), axis=1 + i)
    order = [0, *range(1, 2 * n, 2), *range(2, 2 * n + 1, 2), 2 * n + 1]
    x = knp.transpose(x, order)  # (N, *out, *size, C)
    outs = tuple(a[0] for a in axes)
    patches = knp.reshape(x, (-1,) + outs + (int(np.prod(size)) * shapes.shape_of(x)[-1],))
    if data_format == "channels_first":
        patches = knp.moveaxis(patches, -1, 1)
    return knp.squeeze(patches, 0) if unbatched else patches


def _is_3d(size):
    return not isinstance(size, (int, np.integer)) and len(tuple(size)) == 3


def _extract_patches_spec(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    if _is_3d(size):
        return _patches_spec(images, size, strides, dilation_rate, padding, data_format, 3, "extract_patches")
    return _patches_spec(images, size, strides, dilation_rate, padding, data_format, 2, "extract_patches")


@symbolic(_extract_patches_spec)
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Patches of images as vectors: (N, H, W, C) -> (N, out_h, out_w, h * w * C).

    With channels first the patch vectors are axis 1: (N, C, H, W) -> (N, h * w * C, out_h, out_w).

    Args:
        images: (N, H, W, C) or unbatched (H, W, C) (channels first: (N, C, H, W), (C, H, W)).
        size: patch size, an int or (h, w); a 3-tuple extracts volume patches as `extract_patches_3d`.
        strides: step between patches, an int or a tuple; `None` means `size` (no overlap).
        dilation_rate: spacing of a patch's samples in the input, an int or a tuple.
        padding: `"valid"` (patches inside the image) or `"same"` (zero-padded, `ceil(H / stride)` rows).

    Example:
    >>> kappa.ops.image.extract_patches(np.ones((2, 20, 20, 3)), (5, 5)).shape  # (2, 4, 4, 75)
    """
    n = 3 if _is_3d(size) else 2
    return _patches(images, size, strides, dilation_rate, padding, data_format, n, "extract_patches")


def _extract_patches_3d_spec(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    return _patches_spec(volumes, size, strides, dilation_rate, padding, data_format, 3, "extract_patches_3d")


@symbolic(_extract_patches_3d_spec)
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Patches of volumes as vectors: (N, D, H, W, C) -> (N, out_d, out_h, out_w, d * h * w * C).

    Arguments as `extract_patches`, with `size`, `strides` and `dilation_rate` an int or (d, h, w);
    volumes are (N, D, H, W, C) or unbatched (D, H, W, C) (channels first: (N, C, D, H, W)).

    Example:
    >>> kappa.ops.image.extract_patches_3d(np.ones((2, 10, 10, 10, 3)), 3).shape  # (2, 3, 3, 3, 81)
    """
    return _patches(volumes, size, strides, dilation_rate, padding, data_format, 3, "extract_patches_3d")


# -- ssim --------------------------------------------------------------------------------
def _ssim_plan(image1, image2, filter_size, filter_sigma, data_format):
    data_format = data_format_of(data_format)
    s1, s2 = shapes.shape_of(image1), shapes.shape_of(image2)
    for name, s in (("image1", s1), ("image2", s2)):
        if len(s) not in (3, 4):
            raise ValueError(f"ssim: {name} must be rank 3 (unbatched) or 4 (batched); got shape {s}")
    if len(s1) != len(s2) or any(a is not None and b is not None and a != b
                                 for a, b in zip(s1, s2, strict=True)):
        raise ValueError(f"ssim: image1 and image2 must have the same shape; got {s1} and {s2}")
    if not isinstance(filter_size, (int, np.integer)) or isinstance(filter_size, bool) or filter_size < 1:
        raise ValueError(f"ssim: filter_size must be an int >= 1; got {filter_size!r}")
    if not filter_sigma > 0:
        raise ValueError(f"ssim: filter_sigma must be > 0; got {filter_sigma!r}")
    spatial = s1[-3:-1] if data_format == "channels_last" else s1[-2:]
    if any(d is not None and d < filter_size for d in spatial):
        raise ValueError(f"ssim: images must be at least filter_size={filter_size} high and wide; "
                         f"got shape {s1} ({data_format})")
    return data_format, s1


def _ssim_spec(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
               data_format=None):
    _, shape = _ssim_plan(image1, image2, filter_size, filter_sigma, data_format)
    return KerasTensor(tuple(shape[:-3]), shapes.standard_dtype(image1))


@symbolic(_ssim_spec)
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, data_format=None):
    """Structural similarity of two images, one value per image (a scalar for unbatched images).

    Local means, variances and covariance come from a normalized `filter_size` x `filter_size`
    Gaussian window (`filter_sigma`) applied without padding to each channel; the SSIM map
    `(2 mu1 mu2 + c1)(2 sigma12 + c2) / ((mu1^2 + mu2^2 + c1)(sigma1^2 + sigma2^2 + c2))`, with
    `c1 = (k1 max_val)^2` and `c2 = (k2 max_val)^2`, is averaged over rows, columns and channels.
    As in Keras, the result has image1's dtype (integer images give a truncated value).

    Example:
    >>> x = np.random.random((2, 16, 16, 3))
    >>> kappa.ops.image.ssim(x, x)  # [1., 1.]
    """
    data_format, shape = _ssim_plan(image1, image2, filter_size, filter_sigma, data_format)
    image1, image2 = convert_to_tensor(image1), convert_to_tensor(image2)
    dtype = shapes.standard_dtype(image1)
    compute = compute_dtype(float_dtype(dtype))
    x, y = cast(image1, compute), cast(image2, compute)
    if len(shape) == 3:
        x, y = knp.expand_dims(x, 0), knp.expand_dims(y, 0)
    channels = shapes.shape_of(x)[-1 if data_format == "channels_last" else 1]
    g = np.arange(filter_size, dtype="float64") - (filter_size - 1) / 2
    g = np.exp(-(g ** 2) / (2.0 * float(filter_sigma) ** 2))
    g = g / g.sum()
    kernel = np.ascontiguousarray(np.broadcast_to(np.outer(g, g)[:, :, None, None],
                                                  (filter_size, filter_size, channels, 1)))
    kernel = convert_to_tensor(kernel, compute)

    def window(t):
        return depthwise_conv(t, kernel, padding="valid", data_format=data_format)

    mu1, mu2 = window(x), window(y)
    mu1_sq, mu2_sq, mu12 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    var1 = window(x * x) - mu1_sq
    var2 = window(y * y) - mu2_sq
    cov = window(x * y) - mu12
    c1 = (k1 * max_val) ** 2
    c2 = (k2 * max_val) ** 2
    ssim_map = (2.0 * mu12 + c1) * (2.0 * cov + c2) / ((mu1_sq + mu2_sq + c1) * (var1 + var2 + c2))
    result = knp.mean(ssim_map, axis=(1, 2, 3))
    if len(shape) == 3:
        result = knp.squeeze(result, 0)
    return cast(result, dtype)
