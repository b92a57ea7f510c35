"""Coordinate mapping and geometric image transforms, built once from gathers and weights.

`map_coordinates` follows `jax.scipy.ndimage.map_coordinates` (as Keras 3 does): order 0 (nearest,
rounding half away from zero) or 1 (linear); with `fill_mode="constant"` each interpolation node
outside the input contributes `fill_value` (SciPy's "grid-constant"), and "wrap" is SciPy's
"grid-wrap". The image transforms sample their inputs through the same machinery.
"""

import numpy as np

from k_backends import dtypes
from k_backends.inference import float_dtype
from k_ops import linalg, shapes
from k_ops import numpy as knp
from k_ops import random as krandom
from k_ops.core import cast, convert_to_tensor
from k_ops.dispatch import symbolic
from k_ops.image.filters import gaussian_blur
from k_ops.image.formats import check_rank, compute_dtype, data_format_of
from k_ops.symbolic import KerasTensor

__all__ = ["map_coordinates", "affine_transform", "perspective_transform", "elastic_transform"]

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
INTERPOLATIONS = {"nearest": 0, "bilinear": 1}


# -- shared rules ---------------------------------------------------------------
def _check_fill_mode(fill_mode, op):
    if fill_mode not in FILL_MODES:
        raise ValueError(f"{op}: fill_mode must be one of {FILL_MODES}; got {fill_mode!r}")


def _order_of(interpolation, op):
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"{op}: interpolation must be one of {tuple(INTERPOLATIONS)}; "
                         f"got {interpolation!r}")
    return INTERPOLATIONS[interpolation]


def _fix_index(index, size, mode):
    """Map integer node indices (any values) into [0, size) following `mode`."""
    if mode in ("constant", "nearest"):
        return knp.clip(index, 0, size - 1)
    if mode == "wrap":
        return knp.mod(index, size)
    if size == 1:
        return knp.zeros_like(index)
    if mode == "mirror":
        s = size - 1
        return knp.abs(knp.mod(index + s, 2 * s) - s)
    # reflect: mirror on the half-sample grid
    s = 2 * size
    return knp.floor_divide(knp.abs(knp.mod(2 * index + 1 + s, 2 * s) - s) - 1, 2)


def _nodes(coordinate, order, cdt):
    """(integer index, weight) pairs of one axis; weight None means exactly 1."""
    if not dtypes.is_float_dtype(shapes.standard_dtype(coordinate)):
        return [(cast(coordinate, "int32"), None)]
    coordinate = cast(coordinate, cdt)
    if order == 0:
        rounded = knp.sign(coordinate) * knp.floor(knp.abs(coordinate) + 0.5)
        return [(cast(rounded, "int32"), None)]
    lower = knp.floor(coordinate)
    upper_weight = coordinate - lower
    index = cast(lower, "int32")
    return [(index, 1.0 - upper_weight), (index + 1, upper_weight)]


def _sample(flat, sizes, strides, coordinates, order, fill_mode, fill_value, cdt, base=None):
    """Interpolate the flattened tensor `flat` at `coordinates` (one tensor per sampled axis).

    `sizes` and `strides` describe the sampled axes; `base` (a host integer array or None) is
    added to every flat index, for axes gathered whole (batch, channels). Returns `cdt` values.
    """
    per_axis = []
    for coordinate, size in zip(coordinates, sizes, strict=True):
        nodes = []
        for index, weight in _nodes(coordinate, order, cdt):
            valid = None
            if fill_mode == "constant":
                valid = knp.logical_and(index >= 0, index < size)
            nodes.append((_fix_index(index, size, fill_mode), weight, valid))
        per_axis.append(nodes)
    total = None
    for combo in _product(per_axis):
        flat_index = None if base is None else convert_to_tensor(base)
        weight = None
        valid = None
        for stride, (index, w, v) in zip(strides, combo, strict=True):
            term = index * int(stride)
            flat_index = term if flat_index is None else flat_index + term
            if w is not None:
                weight = w if weight is None else weight * w
            if v is not None:
                valid = v if valid is None else knp.logical_and(valid, v)
        value = knp.take(flat, flat_index)
        if valid is not None:
            value = knp.where(valid, value, fill_value)
        if weight is not None:
            value = value * weight
        total = value if total is None else total + value
    return total


def _product(lists):
    combos = [()]
    for options in lists:
        combos = [(*c, o) for c in combos for o in options]
    return combos


def _cast_result(values, dtype):
    if dtypes.is_int_dtype(dtype) or dtype == "bool":
        values = knp.sign(values) * knp.floor(knp.abs(values) + 0.5)
    return cast(values, dtype)


def _fill(fill_value, dtype, cdt):
    """The fill value as the input's dtype would hold it (1.5 fills an int image with 1), in `cdt`."""
    return cast(cast(fill_value, dtype), cdt)


def _compute_dtype(*dtype_names):
    return compute_dtype(float_dtype(dtypes.result_type(*dtype_names)))


# -- map_coordinates --------------------------------------------------------------
def _map_spec(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    in_shape = shapes.shape_of(inputs)
    c_shape = shapes.shape_of(coordinates)
    if len(c_shape) < 2:
        raise ValueError(f"map_coordinates: coordinates must have rank >= 2, shape (rank of inputs, ...); "
                         f"got shape {c_shape}")
    if c_shape[0] is not None and c_shape[0] != len(in_shape):
        raise ValueError(f"map_coordinates: coordinates.shape[0] must equal the rank of inputs "
                         f"({len(in_shape)}, shape {in_shape}); got coordinates of shape {c_shape}")
    if order not in (0, 1) or isinstance(order, bool):
        raise ValueError(f"map_coordinates: order must be 0 (nearest) or 1 (linear); got {order!r}")
    _check_fill_mode(fill_mode, "map_coordinates")
    return KerasTensor(c_shape[1:], shapes.standard_dtype(inputs))


@symbolic(_map_spec)
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Sample `inputs` at `coordinates` (shape `(inputs.ndim, ...)`) with order-0 or order-1 interpolation.

    Semantics of `jax.scipy.ndimage.map_coordinates` (Keras's jax backend): "constant" fills each
    out-of-range interpolation node with `fill_value` (SciPy's "grid-constant"), "wrap" is SciPy's
    "grid-wrap", "nearest", "mirror" and "reflect" are SciPy's. Integer inputs are rounded half away
    from zero; the result keeps the input's dtype.

    Example:
    >>> x = np.arange(12.0).reshape(3, 4)
    >>> kappa.ops.image.map_coordinates(x, [[0.5, 1.5], [1.5, 2.5]], order=1)  # [3.5, 8.5]
    """
    inputs = convert_to_tensor(inputs)
    coordinates = convert_to_tensor(coordinates)
    _map_spec(inputs, coordinates, order, fill_mode, fill_value)
    dtype = shapes.standard_dtype(inputs)
    cdt = _compute_dtype(dtype, shapes.standard_dtype(coordinates))
    shape = shapes.shape_of(inputs)
    strides = [int(np.prod(shape[i + 1:])) for i in range(len(shape))]
    coords = [knp.take(coordinates, i, axis=0) for i in range(len(shape))]
    flat = cast(knp.reshape(inputs, (-1,)), cdt)
    fill = _fill(fill_value, dtype, cdt)
    return _cast_result(_sample(flat, shape, strides, coords, order, fill_mode, fill, cdt), dtype)


# -- shared by the image transforms ------------------------------------------------
def _to_last(images, data_format):
    """Batched channels_last view of `images` and a function restoring the caller's layout."""
    unbatched = len(shapes.shape_of(images)) == 3
    if unbatched:
        images = knp.expand_dims(images, 0)
    if data_format == "channels_first":
        images = knp.transpose(images, (0, 2, 3, 1))

    def restore(out):
        if data_format == "channels_first":
            out = knp.transpose(out, (0, 3, 1, 2))
        return knp.squeeze(out, 0) if unbatched else out
    return images, restore


def _sample_images(images, y_in, x_in, order, fill_mode, fill_value, cdt):
    """Sample batched channels_last images at per-batch (B, H, W) source coordinates."""
    n, h, w, c = shapes.shape_of(images)
    base = (np.arange(n, dtype="int32") * (h * w * c)).reshape(n, 1, 1, 1) + np.arange(c, dtype="int32")
    coords = [knp.expand_dims(y_in, -1), knp.expand_dims(x_in, -1)]
    flat = cast(knp.reshape(images, (-1,)), cdt)
    fill = _fill(fill_value, shapes.standard_dtype(images), cdt)
    return _sample(flat, (h, w), (w * c, c), coords, order, fill_mode, fill, cdt, base=base)


def _grid(h, w, cdt):
    y, x = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    return convert_to_tensor(y.astype(cdt)), convert_to_tensor(x.astype(cdt))


def _check_batch(images_shape, count, name, op):
    n = images_shape[0] if len(images_shape) == 4 else 1
    if count is not None and n is not None and count not in (1, n):
        raise ValueError(f"{op}: {name} holds {count} transforms but images hold {n} "
                         f"(shape {images_shape}); give 1 or {n}")


# -- affine_transform ------------------------------------------------------------
def _affine_spec(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                 data_format=None):
    data_format_of(data_format)
    shape = shapes.shape_of(images)
    check_rank(shape, "affine_transform")
    _order_of(interpolation, "affine_transform")
    _check_fill_mode(fill_mode, "affine_transform")
    t_shape = shapes.shape_of(transform)
    if len(t_shape) not in (1, 2) or t_shape[-1] not in (8, None):
        raise ValueError(f"affine_transform: transform must have shape (8,) or (N, 8); got {t_shape}")
    _check_batch(shape, t_shape[0] if len(t_shape) == 2 else 1, "transform", "affine_transform")
    return KerasTensor(shape, shapes.standard_dtype(images))


@symbolic(_affine_spec)
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format=None):
    """Apply projective transforms `[a0, a1, a2, b0, b1, b2, c0, c1]` mapping output to input points.

    An output pixel (x, y) samples the input at `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`,
    `k = c0 x + c1 y + 1` (TensorFlow's convention). For affine transforms (`c0 = c1 = 0`) this
    equals Keras's jax backend; that backend mishandles nonzero `c0, c1`, kappa divides by `k`.
    Sampling as `map_coordinates` with `fill_mode` and `fill_value`.

    Example:
    >>> shift = [1, 0, -1, 0, 1, 0, 0, 0]  # output (x, y) reads input (x - 1, y)
    >>> kappa.ops.image.affine_transform(np.ones((2, 8, 8, 3)), shift).shape  # (2, 8, 8, 3)
    """
    data_format = data_format_of(data_format)
    images = convert_to_tensor(images)
    transform = convert_to_tensor(transform)
    _affine_spec(images, transform, interpolation, fill_mode, fill_value, data_format)
    order = _order_of(interpolation, "affine_transform")
    dtype = shapes.standard_dtype(images)
    cdt = _compute_dtype(dtype, shapes.standard_dtype(transform))
    x, restore = _to_last(images, data_format)
    h, w = shapes.shape_of(x)[1:3]
    t = cast(transform, cdt)
    if len(shapes.shape_of(t)) == 1:
        t = knp.expand_dims(t, 0)
    a0, a1, a2, b0, b1, b2, c0, c1 = (knp.reshape(knp.take(t, i, axis=1), (-1, 1, 1)) for i in range(8))
    gy, gx = _grid(h, w, cdt)
    k = c0 * gx + c1 * gy + 1.0
    x_in = (a0 * gx + a1 * gy + a2) / k
    y_in = (b0 * gx + b1 * gy + b2) / k
    out = _sample_images(x, y_in, x_in, order, fill_mode, fill_value, cdt)
    return restore(_cast_result(out, dtype))


# -- perspective_transform ---------------------------------------------------------
def _points_shape(points, name):
    shape = shapes.shape_of(points)
    if len(shape) not in (2, 3) or any(d not in (n, None) for d, n in zip(shape[-2:], (4, 2), strict=True)):
        raise ValueError(f"perspective_transform: {name} must have shape (4, 2) or (N, 4, 2); got {shape}")
    return shape


def _perspective_spec(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                      data_format=None):
    data_format_of(data_format)
    shape = shapes.shape_of(images)
    check_rank(shape, "perspective_transform")
    _order_of(interpolation, "perspective_transform")
    s_shape = _points_shape(start_points, "start_points")
    e_shape = _points_shape(end_points, "end_points")
    if s_shape != e_shape:
        raise ValueError(f"perspective_transform: start_points and end_points must have the same shape; "
                         f"got {s_shape} and {e_shape}")
    _check_batch(shape, s_shape[0] if len(s_shape) == 3 else 1, "start_points", "perspective_transform")
    return KerasTensor(shape, shapes.standard_dtype(images))


def _homography(start_points, end_points):
    """(N, 8) coefficients mapping end points (output) to start points (input), in float32."""
    sx, sy = start_points[..., 0], start_points[..., 1]
    ex, ey = end_points[..., 0], end_points[..., 1]
    zeros, ones = knp.zeros_like(ex), knp.ones_like(ex)
    x_rows = knp.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], axis=-1)
    y_rows = knp.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], axis=-1)
    a = knp.concatenate([x_rows, y_rows], axis=1)
    b = knp.expand_dims(knp.concatenate([sx, sy], axis=-1), -1)
    return knp.squeeze(linalg.solve(a, b), -1)


@symbolic(_perspective_spec)
def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                          data_format=None):
    """Warp images so that the four `start_points` (x, y) land on `end_points`; outside fills `fill_value`.

    The homography (mapping output to input points) is solved in float32, as in Keras's jax backend.

    Example:
    >>> start = np.array([[0, 0], [7, 0], [0, 7], [7, 7]], "float32")
    >>> kappa.ops.image.perspective_transform(np.ones((8, 8, 3)), start, start + 1).shape  # (8, 8, 3)
    """
    data_format = data_format_of(data_format)
    images = convert_to_tensor(images)
    start_points = convert_to_tensor(start_points)
    end_points = convert_to_tensor(end_points)
    _perspective_spec(images, start_points, end_points, interpolation, fill_value, data_format)
    order = _order_of(interpolation, "perspective_transform")
    dtype = shapes.standard_dtype(images)
    cdt = _compute_dtype(dtype)
    start_points, end_points = cast(start_points, "float32"), cast(end_points, "float32")
    if len(shapes.shape_of(start_points)) == 2:
        start_points, end_points = knp.expand_dims(start_points, 0), knp.expand_dims(end_points, 0)
    t = cast(_homography(start_points, end_points), cdt)
    x, restore = _to_last(images, data_format)
    h, w = shapes.shape_of(x)[1:3]
    t0, t1, t2, t3, t4, t5, t6, t7 = (knp.reshape(knp.take(t, i, axis=1), (-1, 1, 1)) for i in range(8))
    gy, gx = _grid(h, w, cdt)
    denom = t6 * gx + t7 * gy + 1.0
    x_in = (t0 * gx + t1 * gy + t2) / denom
    y_in = (t3 * gx + t4 * gy + t5) / denom
    out = _sample_images(x, y_in, x_in, order, "constant", fill_value, cdt)
    return restore(_cast_result(out, dtype))


# -- elastic_transform --------------------------------------------------------------
def _elastic_spec(images, alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect",
                  fill_value=0.0, seed=None, data_format=None):
    data_format_of(data_format)
    shape = shapes.shape_of(images)
    check_rank(shape, "elastic_transform")
    _order_of(interpolation, "elastic_transform")
    _check_fill_mode(fill_mode, "elastic_transform")
    for name, value in (("alpha", alpha), ("sigma", sigma)):
        if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
            raise ValueError(f"elastic_transform: {name} must be a Python number; got {value!r}")
    if sigma <= 0:
        raise ValueError(f"elastic_transform: sigma must be > 0; got {sigma}")
    return KerasTensor(shape, shapes.standard_dtype(images))


@symbolic(_elastic_spec)
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect",
                      fill_value=0.0, seed=None, data_format=None):
    """Distort images by random displacement fields: N(0, 1) draws times `sigma`, Gaussian-blurred
    (`sigma`, kernel size `int(6 sigma) | 1`), scaled by `alpha`; one field per image, shared by channels.

    `seed` is an int, a `SeedGenerator` or None. Unlike Keras's jax backend (which reuses one draw
    for both axes), the x and y displacements are independent draws.

    Example:
    >>> kappa.ops.image.elastic_transform(np.ones((2, 16, 16, 3)), seed=1).shape  # (2, 16, 16, 3)
    """
    data_format = data_format_of(data_format)
    images = convert_to_tensor(images)
    _elastic_spec(images, alpha, sigma, interpolation, fill_mode, fill_value, seed, data_format)
    order = _order_of(interpolation, "elastic_transform")
    dtype = shapes.standard_dtype(images)
    cdt = _compute_dtype(dtype)
    x, restore = _to_last(images, data_format)
    n, h, w, _ = shapes.shape_of(x)
    size = int(6 * sigma) | 1
    noise = krandom.normal((2 * n, h, w, 1), dtype=cdt, seed=seed) * float(sigma)
    noise = gaussian_blur(noise, kernel_size=(size, size), sigma=(float(sigma), float(sigma)),
                          data_format="channels_last")
    noise = knp.reshape(noise, (2, n, h, w)) * float(alpha)
    gy, gx = _grid(h, w, cdt)
    out = _sample_images(x, gy + noise[1], gx + noise[0], order, fill_mode, fill_value, cdt)
    return restore(_cast_result(out, dtype))
