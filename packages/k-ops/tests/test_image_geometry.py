"""map_coordinates, affine/perspective/elastic transforms against NumPy references.

The reference follows jax.scipy.ndimage.map_coordinates (Keras's jax backend): per-node fill in
"constant" mode, rounding half away from zero for order 0 and integer results.
"""

import itertools

import numpy as np
import pytest

from k_ops import image
from k_ops.random import SeedGenerator

from conftest import BACKEND, assert_close, check_symbolic, to_numpy

MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]


def _round_away(v):
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def _fix(i, size, mode):
    if mode in ("constant", "nearest"):
        return min(max(i, 0), size - 1)
    if mode == "wrap":
        return i % size
    if size == 1:
        return 0
    if mode == "mirror":
        period = 2 * (size - 1)
        i %= period
        return period - i if i >= size else i
    i %= 2 * size  # reflect: the edge sample repeats
    return 2 * size - 1 - i if i >= size else i


def _ref_point(x, point, order, mode, cval):
    nodes = []
    for c in point:
        if order == 0:
            nodes.append([(int(_round_away(c)), 1.0)])
        else:
            lo = int(np.floor(c))
            nodes.append([(lo, 1.0 - (c - lo)), (lo + 1, c - lo)])
    total = 0.0
    for combo in itertools.product(*nodes):
        weight = np.prod([w for _, w in combo])
        if mode == "constant" and any(not 0 <= i < s for (i, _), s in zip(combo, x.shape, strict=True)):
            value = cval
        else:
            value = x[tuple(_fix(i, s, mode) for (i, _), s in zip(combo, x.shape, strict=True))]
        total += weight * float(value)
    return total


def ref_map_coordinates(x, coords, order, mode="constant", cval=0.0):
    coords = np.asarray(coords, "float64")
    out = np.array([_ref_point(x, p, order, mode, cval) for p in coords.reshape(len(coords), -1).T])
    out = out.reshape(coords.shape[1:])
    if np.issubdtype(x.dtype, np.integer):
        out = _round_away(out)
    return out.astype(x.dtype)


def _sample_image(img, y_in, x_in, order, mode, cval):
    """img (H, W, C); y_in, x_in (H, W)."""
    out = np.zeros(img.shape, "float64")
    for c in range(img.shape[-1]):
        out[..., c] = ref_map_coordinates(img[..., c].astype("float64"), np.stack([y_in, x_in]), order, mode,
                                          cval)
    if np.issubdtype(img.dtype, np.integer):
        out = _round_away(out)
    return out.astype(img.dtype)


def ref_affine(images, transform, order, mode, cval):
    h, w = images.shape[1:3]
    y, x = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    out = []
    for img, t in zip(images, np.broadcast_to(transform, (len(images), 8)), strict=True):
        a0, a1, a2, b0, b1, b2, c0, c1 = t.astype("float64")
        k = c0 * x + c1 * y + 1
        y_in, x_in = (b0 * x + b1 * y + b2) / k, (a0 * x + a1 * y + a2) / k
        out.append(_sample_image(img, y_in, x_in, order, mode, cval))
    return np.stack(out)


def ref_perspective(images, start, end, order, cval):
    transforms = []
    for s, e in zip(start, end, strict=True):
        rows, rhs = [], []
        for (sx, _), (ex, ey) in zip(s, e, strict=True):
            rows.append([ex, ey, 1, 0, 0, 0, -sx * ex, -sx * ey])
            rhs.append(sx)
        for (_, sy), (ex, ey) in zip(s, e, strict=True):
            rows.append([0, 0, 0, ex, ey, 1, -sy * ex, -sy * ey])
            rhs.append(sy)
        transforms.append(np.linalg.solve(np.array(rows, "float64"), np.array(rhs, "float64")))
    h, w = images.shape[1:3]
    y, x = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    out = []
    for img, t in zip(images, transforms, strict=True):
        d = t[6] * x + t[7] * y + 1
        out.append(_sample_image(img, (t[3] * x + t[4] * y + t[5]) / d, (t[0] * x + t[1] * y + t[2]) / d,
                                 order, "constant", cval))
    return np.stack(out)


# -- map_coordinates ---------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("order", [0, 1])
def test_map_coordinates_matches_reference(mode, order):
    rng = np.random.default_rng(0)
    for shape in [(5,), (4, 6), (1, 3)]:
        x = rng.normal(size=shape).astype("float32")
        coords = rng.uniform(-4, 8, size=(len(shape), 2, 5)).astype("float32")
        coords[:, 0, :3] = [0.5, -0.5, 2.5]  # ties for order 0
        result = image.map_coordinates(x, coords, order, fill_mode=mode, fill_value=1.5)
        assert_close(result, ref_map_coordinates(x, coords, order, mode, 1.5), dtype="float32")
    check_symbolic(image.map_coordinates, x, coords, order, fill_mode=mode)


@pytest.mark.parametrize("dtype", ["int32", "float16"])
def test_map_coordinates_dtypes(dtype):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 100, (3, 4, 2)).astype(dtype)
    coords = rng.uniform(-1, 5, size=(3, 2, 5)).astype("float32")
    expected = ref_map_coordinates(x, coords, 1, "reflect")
    assert_close(image.map_coordinates(x, coords, 1, fill_mode="reflect"), expected, dtype=dtype,
                 atol=0.1 if dtype == "float16" else None)
    int_coords = rng.integers(-2, 6, size=(3, 2, 5)).astype("int32")
    expected = ref_map_coordinates(x, int_coords, 1, "wrap")
    assert_close(image.map_coordinates(x, int_coords, 1, "wrap"), expected, dtype=dtype)
    check_symbolic(image.map_coordinates, x, coords, 0)


def test_map_coordinates_example_and_errors():
    x = np.arange(12.0).reshape(3, 4)
    assert_close(image.map_coordinates(x, [[0.5, 1.5], [1.5, 2.5]], 1), np.array([3.5, 8.5]))
    with pytest.raises(ValueError, match="order must be 0"):
        image.map_coordinates(x, np.zeros((2, 3)), 3)
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        image.map_coordinates(x, np.zeros((2, 3)), 1, fill_mode="grid-wrap")
    with pytest.raises(ValueError, match="rank of inputs"):
        image.map_coordinates(x, np.zeros((3, 3)), 1)
    with pytest.raises(ValueError, match="rank >= 2"):
        image.map_coordinates(x, np.zeros((2,)), 1)


@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend computes no gradients")
def test_map_coordinates_gradient_is_the_interpolation_weights():
    from test_gradients import backend_gradient

    x = np.random.default_rng(2).normal(size=(3, 4))
    coords = np.array([[0.25, 1.5, 2.0], [1.75, 0.5, 3.5]])
    weights = np.array([1.0, -2.0, 0.5])
    expected = np.zeros_like(x)
    for k in range(3):
        basis = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            basis[i] = 1.0
            expected[i] += weights[k] * ref_map_coordinates(basis, coords[:, k:k + 1], 1)[0]
            basis[i] = 0.0
    grad = backend_gradient(lambda t: image.map_coordinates(t, coords, 1), x, weights)
    np.testing.assert_allclose(grad, expected, atol=1e-9)


# -- affine_transform --------------------------------------------------------------
_TRANSFORMS = np.array([[1.125, 0.25, -1.375, -0.125, 0.875, 2.3125, 0.0, 0.0],
                        [0.8125, -0.3125, 3.1875, 0.25, 1.1875, -1.6875, 0.03125, -0.015625]], "float32")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_affine_transform_matches_reference(mode, interpolation):
    images = np.random.default_rng(3).random((2, 5, 6, 2)).astype("float32")
    order = 0 if interpolation == "nearest" else 1
    result = image.affine_transform(images, _TRANSFORMS, interpolation, mode, 0.5)
    assert_close(result, ref_affine(images, _TRANSFORMS, order, mode, 0.5), dtype="float32", atol=1e-5)
    check_symbolic(image.affine_transform, images, _TRANSFORMS, interpolation, mode)


def test_affine_transform_layouts_dtypes_and_broadcast():
    images = np.random.default_rng(4).integers(0, 255, (2, 5, 6, 2)).astype("uint8")
    shift = np.array([1, 0, -1, 0, 1, 2, 0, 0], "float32")  # output (x, y) reads input (x - 1, y + 2)
    expected = ref_affine(images, shift, 1, "constant", 0)
    assert_close(image.affine_transform(images, shift), expected, dtype="uint8")
    assert_close(image.affine_transform(images[1], shift), expected[1], dtype="uint8")
    cf = np.moveaxis(images, -1, 1).astype("float32")
    result = image.affine_transform(cf, _TRANSFORMS, "nearest", "wrap", data_format="channels_first")
    expected = np.moveaxis(ref_affine(np.moveaxis(cf, 1, -1), _TRANSFORMS, 0, "wrap", 0), -1, 1)
    assert_close(result, expected, dtype="float32")
    check_symbolic(image.affine_transform, cf, _TRANSFORMS, data_format="channels_first")
    check_symbolic(image.affine_transform, images[0], shift)
    identity = np.array([1, 0, 0, 0, 1, 0, 0, 0], "float32")
    assert_close(image.affine_transform(images, identity), images, dtype="uint8")


def test_affine_transform_errors():
    x = np.ones((2, 4, 4, 1), "float32")
    with pytest.raises(ValueError, match="interpolation must be one of"):
        image.affine_transform(x, _TRANSFORMS, interpolation="bicubic")
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        image.affine_transform(x, _TRANSFORMS, fill_mode="edge")
    with pytest.raises(ValueError, match=r"shape \(8,\) or \(N, 8\)"):
        image.affine_transform(x, np.ones((2, 6)))
    with pytest.raises(ValueError, match="holds 3 transforms"):
        image.affine_transform(x, np.ones((3, 8)))
    with pytest.raises(ValueError, match="rank 3"):
        image.affine_transform(np.ones((4, 4)), _TRANSFORMS[0])


# -- perspective_transform ----------------------------------------------------------
_START = np.array([[[0, 0], [7, 0], [0, 5], [7, 5]], [[1, 2], [6, 0], [0, 4], [7, 5]]], "float32")
_END = np.array([[[1, 1], [6, 0], [2, 5], [7, 4]], [[0, 0], [7, 1], [1, 5], [6, 5]]], "float32")


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_perspective_transform_matches_reference(interpolation):
    images = np.random.default_rng(5).random((2, 5, 6, 2)).astype("float32")
    order = 0 if interpolation == "nearest" else 1
    result = image.perspective_transform(images, _START, _END, interpolation, fill_value=0.25)
    expected = ref_perspective(images, _START, _END, order, 0.25)
    if order == 0:  # the float32 homography may round a tie the other way: allow a few pixels
        assert np.mean(np.abs(to_numpy(result) - expected) > 1e-4) < 0.05
    else:
        assert_close(result, expected, dtype="float32", atol=1e-4)
    cf = np.moveaxis(images[0], -1, 0)
    result = image.perspective_transform(cf, _START[0], _END[0], interpolation, 0.25,
                                         data_format="channels_first")
    if order == 1:
        assert_close(result, np.moveaxis(expected[0], -1, 0), dtype="float32", atol=1e-4)
    check_symbolic(image.perspective_transform, images, _START, _END, interpolation)
    check_symbolic(image.perspective_transform, cf, _START[0], _END[0], data_format="channels_first")


def test_perspective_transform_identity_dtype_and_errors():
    images = np.random.default_rng(6).integers(0, 9, (2, 5, 6, 2)).astype("uint8")
    assert_close(image.perspective_transform(images, _START[0], _START[0]), images, dtype="uint8")
    with pytest.raises(ValueError, match=r"\(4, 2\) or \(N, 4, 2\)"):
        image.perspective_transform(images, np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="same shape"):
        image.perspective_transform(images, _START, _END[0])
    with pytest.raises(ValueError, match="interpolation must be one of"):
        image.perspective_transform(images, _START[0], _END[0], interpolation="area")


# -- elastic_transform --------------------------------------------------------------
def test_elastic_transform_properties():
    images = np.random.default_rng(7).random((2, 5, 6, 2)).astype("float32")
    out = image.elastic_transform(images, alpha=8.0, sigma=1.0, seed=3)
    again = image.elastic_transform(images, alpha=8.0, sigma=1.0, seed=3)
    assert_close(again, to_numpy(out), dtype="float32")
    values = to_numpy(out)
    assert values.shape == images.shape
    assert values.min() >= images.min() - 1e-6 and values.max() <= images.max() + 1e-6
    assert not np.allclose(values, images)
    assert_close(image.elastic_transform(images, alpha=0.0, sigma=1.0, seed=1), images, dtype="float32")
    assert not np.allclose(to_numpy(image.elastic_transform(images, 8.0, 1.0, seed=4)), values)
    generator = SeedGenerator(5)
    first = to_numpy(image.elastic_transform(images, 8.0, 1.0, seed=generator))
    assert not np.allclose(to_numpy(image.elastic_transform(images, 8.0, 1.0, seed=generator)), first)
    check_symbolic(image.elastic_transform, images, seed=1)


def test_elastic_transform_layouts_dtypes_and_errors():
    images = np.random.default_rng(8).integers(0, 255, (2, 5, 6)).astype("uint8")
    out = image.elastic_transform(images, 4.0, 1.0, "nearest", "wrap", seed=2, data_format="channels_first")
    assert to_numpy(out).shape == images.shape and set(np.unique(to_numpy(out))) <= set(np.unique(images))
    assert_close(image.elastic_transform(images, 0.0, 1.0, data_format="channels_first", seed=2), images,
                 dtype="uint8")
    check_symbolic(image.elastic_transform, images, seed=1, data_format="channels_first")
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        image.elastic_transform(images, fill_mode="edge")
    with pytest.raises(ValueError, match="sigma must be > 0"):
        image.elastic_transform(images, sigma=0.0)
    with pytest.raises(ValueError, match="rank 3"):
        image.elastic_transform(images[0])
