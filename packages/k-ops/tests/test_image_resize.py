"""resize and scale_and_translate against per-pixel NumPy references and values checked with Keras.

The references compute every output pixel directly from the kernel (half-pixel centres, the
kernel widened by the downsampling factor under antialias, zero outside the input), the way
jax.image.scale_and_translate defines them; the hard-coded values come from Keras 3.15.1's jax
backend (and TensorFlow's tf.image.resize for "area").
"""

import math

import numpy as np
import pytest

from k_ops import image
from k_ops.core import convert_to_tensor

from conftest import BACKEND, assert_close, check_symbolic, to_numpy


# -- reference: one output pixel at a time --------------------------------------------------
def _kernel(method, d):
    if method == "linear":
        return max(0.0, 1.0 - d)
    if method == "cubic":
        if d >= 2.0:
            return 0.0
        if d >= 1.0:
            return ((-0.5 * d + 2.5) * d - 4.0) * d + 2.0
        return ((1.5 * d - 2.5) * d) * d + 1.0
    radius = {"lanczos3": 3.0, "lanczos5": 5.0}[method]
    if d > radius:
        return 0.0
    if d <= 1e-3:
        return 1.0
    return radius * math.sin(math.pi * d) * math.sin(math.pi * d / radius) / (math.pi ** 2 * d * d)


def _axis_weights(i, in_size, scale, shift, method, antialias):
    """Weights of the input samples that make output sample `i` along one axis."""
    sample = (i + 0.5 - shift) / scale - 0.5
    if not -0.5 <= sample <= in_size - 0.5:
        return np.zeros(in_size)
    if method == "area":
        left, right = (i - shift) / scale, (i + 1 - shift) / scale
        w = np.array([max(0.0, min(right, j + 1.0) - max(left, j)) for j in range(in_size)])
    else:
        widen = max(1.0 / scale, 1.0) if antialias else 1.0
        w = np.array([_kernel(method, abs(sample - j) / widen) for j in range(in_size)])
    return w / w.sum() if abs(w.sum()) > 1000 * np.finfo(np.float32).eps else np.zeros(in_size)


def _reference_2d(x, out_hw, scale, shift, method, antialias):
    """x: (H, W, ...) float64; each output pixel is the weighted sum over the whole input plane."""
    (h, w), (oh, ow) = x.shape[:2], out_hw
    out = np.zeros((oh, ow) + x.shape[2:])
    for i in range(oh):
        wy = _axis_weights(i, h, scale[0], shift[0], method, antialias)
        for j in range(ow):
            wx = _axis_weights(j, w, scale[1], shift[1], method, antialias)
            out[i, j] = np.tensordot(np.outer(wy, wx), x, axes=[[0, 1], [0, 1]])
    return out


def _reference_resize(x, size, method, antialias):
    """Batched channels_last resize of float64 x, each axis left alone where its size is unchanged."""
    method = {"bilinear": "linear", "bicubic": "cubic"}.get(method, method)
    h, w = x.shape[1:3]
    plane = np.moveaxis(x, 0, -1)  # (H, W, C, N)
    out = _reference_2d(plane, size, (size[0] / h, size[1] / w), (0.0, 0.0), method, antialias)
    return np.moveaxis(out, -1, 0)


def _images(shape, dtype="float32", seed=0):
    return np.random.default_rng(seed).random(shape).astype(dtype)


# -- resize ------------------------------------------------------------------------------------
@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "lanczos3", "lanczos5", "area"])
@pytest.mark.parametrize("antialias", [False, True])
def test_resize_matches_reference(interpolation, antialias):
    x = _images((2, 6, 7, 2))
    for size in [(3, 4), (9, 11), (4, 13)]:
        expected = _reference_resize(x.astype("float64"), size, interpolation, antialias)
        result = image.resize(x, size, interpolation=interpolation, antialias=antialias)
        assert_close(result, expected, dtype="float32", rtol=1e-5, atol=1e-5)


def test_resize_nearest_picks_floor_of_the_centre():
    x = _images((1, 5, 7, 3))
    for size in [(2, 3), (8, 11)]:
        rows = np.floor((np.arange(size[0]) + 0.5) * 5 / size[0]).astype(int)
        cols = np.floor((np.arange(size[1]) + 0.5) * 7 / size[1]).astype(int)
        assert_close(image.resize(x, size, interpolation="nearest"), x[:, rows][:, :, cols], dtype="float32")
    xi = (np.arange(60).reshape(4, 5, 3) % 7).astype("int16")
    rows, cols = [0, 1, 2, 2, 3], [0, 0, 1, 2, 2, 3, 4, 4]
    assert_close(image.resize(xi, (5, 8), interpolation="nearest"), xi[rows][:, cols], dtype="int16")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_resize_float_dtypes(dtype):
    x = _images((1, 4, 6, 3), "float32")
    expected = _reference_resize(x.astype("float64"), (6, 3), "bilinear", True)
    if dtype == "bfloat16":
        import ml_dtypes

        xd = x.astype(ml_dtypes.bfloat16)
        expected = _reference_resize(xd.astype("float64"), (6, 3), "bilinear", True)
    else:
        xd = x.astype(dtype)
    assert_close(image.resize(xd, (6, 3), antialias=True), expected, dtype=dtype)


def test_resize_channels_first_and_unbatched_agree():
    x = _images((2, 5, 6, 3))
    expected = to_numpy(image.resize(x, (4, 9), interpolation="bicubic"))
    cf = image.resize(np.moveaxis(x, -1, 1), (4, 9), interpolation="bicubic", data_format="channels_first")
    assert_close(cf, np.moveaxis(expected, -1, 1), rtol=1e-6, atol=1e-6)
    assert_close(image.resize(x[1], (4, 9), interpolation="bicubic"), expected[1], rtol=1e-6, atol=1e-6)
    cf1 = image.resize(np.moveaxis(x[0], -1, 0), (4, 9), interpolation="bicubic",
                       data_format="channels_first")
    assert_close(cf1, np.moveaxis(expected[0], -1, 0), rtol=1e-6, atol=1e-6)


def test_resize_integers_round_and_saturate_like_keras():
    # Values from keras.ops.image.resize on Keras 3.15.1's jax backend.
    x = (np.arange(4 * 5 * 2).reshape(4, 5, 2) * 7 % 256).astype("uint8")
    expected = {
        "bilinear": [[12, 20, 30, 40, 50, 60, 68], [105, 113, 123, 133, 143, 153, 161],
                     [198, 206, 216, 226, 236, 155, 41]],
        "nearest": [[0, 14, 14, 28, 42, 42, 56], [140, 154, 154, 168, 182, 182, 196],
                    [210, 224, 224, 238, 252, 252, 10]],
        "bicubic": [[6, 14, 25, 35, 45, 56, 64], [104, 112, 123, 133, 142, 161, 179],
                    [202, 210, 221, 231, 255, 152, 20]],
        "lanczos3": [[5, 12, 25, 34, 43, 55, 62], [104, 111, 124, 133, 137, 172, 201],
                     [203, 210, 221, 232, 255, 148, 17]],
    }
    for method, values in expected.items():
        result = image.resize(x, (3, 7), interpolation=method)
        assert_close(result[:, :, 0], np.array(values, "uint8"), dtype="uint8")
    check_symbolic(image.resize, x, (3, 7), interpolation="bicubic")


def test_resize_area_matches_tensorflow():
    # tf.image.resize(..., method="area") of the same image as floats.
    x = (np.arange(4 * 5 * 2).reshape(4, 5, 2) * 7 % 256).astype("float32")
    expected = [[17.5, 25.9, 34.3, 45.5, 56.7, 65.1, 73.5], [105.0, 113.4, 121.8, 133.0, 144.2, 152.6, 161.0],
                [192.5, 200.9, 209.3, 220.5, 231.7, 163.3, 56.5]]
    assert_close(image.resize(x, (3, 7), interpolation="area")[:, :, 0], np.array(expected), rtol=1e-5)


def test_resize_crop_and_pad_to_aspect_ratio():
    # Values from Keras 3.15.1 (all backends agree).
    x = np.arange(24.0).reshape(2, 3, 4, 1)
    padded = image.resize(x, (4, 4), pad_to_aspect_ratio=True, fill_value=-1.0)
    assert_close(padded[0, :, :, 0], [[0.0, 1.0, 2.0, 3.0], [2.5, 3.5, 4.5, 5.5], [5.5, 6.5, 7.5, 8.5],
                                     [8.0, 9.0, 10.0, 11.0]], dtype="float64")
    cropped = image.resize(x, (3, 3), crop_to_aspect_ratio=True)
    assert_close(cropped[0, :, :, 0], [[0.0, 1.0, 2.0], [4.0, 5.0, 6.0], [8.0, 9.0, 10.0]], dtype="float64")
    # Padding the height, channels first: a (1, 3) image becomes (3, 3) with a row of 9 on each side.
    y = np.array([[[[1.0, 2.0, 3.0]]]], "float32")
    result = image.resize(y, (4, 4), interpolation="nearest", pad_to_aspect_ratio=True, fill_value=9.0,
                          data_format="channels_first")
    assert_close(result[0, 0], [[9.0] * 4, [1.0, 2.0, 2.0, 3.0], [1.0, 2.0, 2.0, 3.0], [9.0] * 4],
                 dtype="float32")
    # Padding the width, unbatched: a (4, 1) image becomes (4, 3).
    tall = image.resize(np.ones((4, 1, 1), "float32"), (4, 3), interpolation="nearest",
                        pad_to_aspect_ratio=True, fill_value=5.0)
    assert_close(tall[:, :, 0], np.tile([[5.0, 1.0, 5.0]], (4, 1)), dtype="float32")
    check_symbolic(image.resize, x, (4, 4), pad_to_aspect_ratio=True, fill_value=-1.0)
    check_symbolic(image.resize, x, (3, 3), crop_to_aspect_ratio=True)


def test_resize_symbolic_shapes():
    x = _images((2, 6, 7, 2))  # the shapes of test_resize_matches_reference: compiled once on jax
    check_symbolic(image.resize, x, (3, 4))
    check_symbolic(image.resize, x, (9, 11), interpolation="lanczos5", antialias=True)
    check_symbolic(image.resize, x.astype("uint8"), (3, 4), interpolation="area")
    check_symbolic(image.resize, np.moveaxis(x, -1, 1), (3, 4), data_format="channels_first")
    check_symbolic(image.resize, x[0], (4, 13), interpolation="nearest")


def test_resize_errors():
    x = _images((1, 4, 4, 3))
    with pytest.raises(ValueError, match="interpolation"):
        image.resize(x, (2, 2), interpolation="gaussian")
    with pytest.raises(ValueError, match="size"):
        image.resize(x, (2, 2, 2))
    with pytest.raises(ValueError, match="positive"):
        image.resize(x, (0, 2))
    with pytest.raises(ValueError, match="only one of"):
        image.resize(x, (2, 3), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="fill_mode"):
        image.resize(x, (2, 3), pad_to_aspect_ratio=True, fill_mode="reflect")
    with pytest.raises(ValueError, match="rank"):
        image.resize(x[0, 0], (2, 2))


# -- scale_and_translate ----------------------------------------------------------------------
@pytest.mark.parametrize("method", ["linear", "triangle", "bicubic", "lanczos3", "lanczos5"])
@pytest.mark.parametrize("antialias", [False, True])
def test_scale_and_translate_matches_reference(method, antialias):
    x = _images((2, 6, 7, 2))
    kind = {"triangle": "linear", "bicubic": "cubic"}.get(method, method)
    for scale, shift in [((2.0, 0.7), (-0.5, 1.3)), ((0.4, 1.5), (0.2, -2.0))]:
        result = image.scale_and_translate(x, (2, 5, 9, 2), np.array(scale), np.array(shift), (1, 2),
                                           method, antialias)
        plane = np.moveaxis(x.astype("float64"), 0, -1)
        expected = np.moveaxis(_reference_2d(plane, (5, 9), scale, shift, kind, antialias), -1, 0)
        assert_close(result, expected, dtype="float32", rtol=1e-5, atol=1e-5)


def test_scale_and_translate_keras_example_and_dtypes():
    x = np.arange(9, dtype="float32").reshape(3, 3)
    scale = np.array([2.0, 2.0], "float32")
    result = image.scale_and_translate(x, (5, 5), scale, -(scale / 2.0 - 0.5), (0, 1), "linear")
    expected = np.arange(5) * 0.5 + 1.5 * np.arange(5)[:, None]
    assert_close(result, expected, dtype="float32")
    # Integer images give floats, as jax.image.scale_and_translate; tensors for scale work too.
    xi = np.arange(12, dtype="uint8").reshape(3, 4)
    tensor_scale = convert_to_tensor(np.array([1.0, 2.0], "float32"))
    result = image.scale_and_translate(xi, (3, 8), tensor_scale, convert_to_tensor([0.0, 0.0]), (0, 1),
                                       "cubic")
    expected = _reference_2d(xi.astype("float64"), (3, 8), (1.0, 2.0), (0.0, 0.0), "cubic", True)
    assert_close(result, expected, dtype="float32", rtol=1e-5, atol=1e-5)
    half = image.scale_and_translate(x.astype("float16"), (3, 2), [1.0, 0.5], [0.0, 0.0], (0, 1), "linear")
    assert_close(half, _reference_2d(x.astype("float64"), (3, 2), (1.0, 0.5), (0.0, 0.0), "linear", True),
                 dtype="float16")
    # A single spatial dim given as a negative axis.
    one = image.scale_and_translate(x, (3, 6), [2.0], [0.0], (-1,), "linear", False)
    assert_close(one, _reference_2d(x[:, :, None].astype("float64"), (3, 6), (1.0, 2.0), (0.0, 0.0),
                                    "linear", False)[..., 0], dtype="float32")


def test_scale_and_translate_symbolic():
    x = _images((2, 6, 7, 3))
    check_symbolic(image.scale_and_translate, x, (2, 3, 9, 3), np.array([0.5, 1.2]), np.array([0.0, 0.5]),
                   (1, 2), "lanczos3")
    check_symbolic(image.scale_and_translate, x.astype("int32"), (2, 6, 4, 3), np.array([0.5]),
                   np.array([0.0]), (2,), "linear", False)


def test_scale_and_translate_errors():
    x = _images((4, 5))
    with pytest.raises(ValueError, match="method"):
        image.scale_and_translate(x, (4, 5), [1.0, 1.0], [0.0, 0.0], (0, 1), "nearest")
    with pytest.raises(ValueError, match="output_shape"):
        image.scale_and_translate(x, (4, 5, 1), [1.0, 1.0], [0.0, 0.0], (0, 1), "linear")
    with pytest.raises(ValueError, match="scale"):
        image.scale_and_translate(x, (4, 5), [1.0], [0.0, 0.0], (0, 1), "linear")
    with pytest.raises(ValueError, match="spatial_dims"):
        image.scale_and_translate(x, (4, 7), [1.0], [0.0], (0,), "linear")
    with pytest.raises(ValueError, match="out of range"):
        image.scale_and_translate(x, (4, 5), [1.0], [0.0], (2,), "linear")


@pytest.mark.skipif(BACKEND not in ("jax", "tensorflow"), reason="traces only on jax and tensorflow")
def test_scale_and_translate_with_traced_scale():
    # Traced scale and translation have no host value: the weights are built with tensor ops.
    x = _images((1, 6, 7, 2))
    scale, shift = np.array([0.7, 1.6], "float32"), np.array([0.3, -0.4], "float32")

    def f(s, t):
        return image.scale_and_translate(x, (1, 4, 9, 2), s, t, (1, 2), "cubic")

    if BACKEND == "jax":
        import jax

        result = jax.jit(f)(scale, shift)
    else:
        import tensorflow as tf

        result = tf.function(f, autograph=False)(tf.constant(scale), tf.constant(shift))
    plane = np.moveaxis(x.astype("float64"), 0, -1)
    expected = np.moveaxis(_reference_2d(plane, (4, 9), scale, shift, "cubic", True), -1, 0)
    assert_close(result, expected, dtype="float32", rtol=1e-5, atol=1e-5)


# -- gradients ----------------------------------------------------------------------------------
@pytest.mark.skipif(BACKEND == "numpy", reason="NumPy has no autodiff")
@pytest.mark.parametrize("name", ["resize", "scale_and_translate"])
def test_gradients_match_finite_differences(name):
    from test_gradients import backend_gradient, numeric_gradient

    f = {
        "resize": lambda t: image.resize(t, (3, 5), interpolation="bicubic", antialias=True),
        "scale_and_translate": lambda t: image.scale_and_translate(t, (1, 5, 2, 2), np.array([1.5, 0.6]),
                                                                   np.array([0.2, 0.1]), (1, 2), "lanczos3"),
    }[name]
    x = np.random.default_rng(1).uniform(0.1, 0.9, (1, 4, 3, 2))
    weights = np.random.default_rng(2).random(to_numpy(f(x)).shape)
    assert_close(backend_gradient(f, x, weights), numeric_gradient(f, x, weights), rtol=1e-5, atol=1e-7)
