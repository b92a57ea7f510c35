import colorsys

import numpy as np
import pytest

import k_ops
from k_ops import image

from conftest import BACKEND, assert_close, check_symbolic, to_numpy

BACKEND_FLOATS = ["float16", "float32", "float64"]


def _rgb(shape, dtype="float32", seed=0):
    return np.random.default_rng(seed).random(shape).astype(dtype)


def _gray_reference(x, channel_axis=-1):
    w = np.array([0.2989, 0.5870, 0.1140])
    r, g, b = (np.take(x.astype("float64"), i, axis=channel_axis) for i in range(3))
    return np.expand_dims(r * w[0] + g * w[1] + b * w[2], channel_axis)


def _colorsys(x, fn):
    flat = x.astype("float64").reshape(-1, 3)
    return np.array([fn(*p) for p in flat]).reshape(x.shape)


# -- colour spaces --------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_rgb_to_grayscale_matches_reference(dtype):
    x = _rgb((2, 3, 4, 3), dtype)
    assert_close(image.rgb_to_grayscale(x), _gray_reference(x), dtype=dtype)
    check_symbolic(image.rgb_to_grayscale, x)


def test_rgb_to_grayscale_integers_truncate_and_channels_first():
    x = np.array([[[10, 20, 250], [0, 255, 0]]], "uint8")
    assert_close(image.rgb_to_grayscale(x), np.array([[[43], [149]]], "uint8"), dtype="uint8")
    cf = _rgb((3, 4, 5))
    assert_close(image.rgb_to_grayscale(cf, data_format="channels_first"), _gray_reference(cf, 0),
                 dtype="float32")
    check_symbolic(image.rgb_to_grayscale, cf, data_format="channels_first")


@pytest.mark.parametrize("dtype", BACKEND_FLOATS)
def test_rgb_hsv_round_trip_matches_colorsys(dtype):
    x = _rgb((2, 3, 4, 3), dtype)
    x[0, 0, 0] = [0.5, 0.5, 0.5]  # grey: hue and saturation 0
    x[0, 0, 1] = [0.0, 0.0, 0.0]  # black
    hsv = image.rgb_to_hsv(x)
    atol = 3e-3 if dtype == "float16" else None
    assert_close(hsv, _colorsys(x, colorsys.rgb_to_hsv), dtype=dtype, atol=atol)
    assert_close(image.hsv_to_rgb(x), _colorsys(x, colorsys.hsv_to_rgb), dtype=dtype, atol=atol)
    assert_close(image.hsv_to_rgb(hsv), x.astype("float64"), atol=3e-3 if dtype == "float16" else 1e-5)
    check_symbolic(image.rgb_to_hsv, x)
    check_symbolic(image.hsv_to_rgb, x)


def test_hsv_channels_first_and_unbatched():
    x = _rgb((3, 2, 5))
    expected = np.moveaxis(_colorsys(np.moveaxis(x, 0, -1), colorsys.rgb_to_hsv), -1, 0)
    assert_close(image.rgb_to_hsv(x, data_format="channels_first"), expected, dtype="float32")


def test_colour_ops_reject_bad_input():
    with pytest.raises(ValueError, match="float dtype"):
        image.rgb_to_hsv(np.ones((2, 2, 3), "int32"))
    with pytest.raises(ValueError, match="3 channels"):
        image.rgb_to_grayscale(np.ones((2, 2, 4), "float32"))
    with pytest.raises(ValueError, match="rank 3"):
        image.hsv_to_rgb(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="data_format"):
        image.rgb_to_grayscale(np.ones((2, 2, 3)), data_format="nhwc")


# -- padding and cropping ---------------------------------------------------------
@pytest.mark.parametrize("dtype", ["uint8", "int32", "float32"])
def test_pad_images_matches_numpy(dtype):
    x = (np.arange(2 * 3 * 4 * 2) % 7).reshape(2, 3, 4, 2).astype(dtype)
    out = image.pad_images(x, top_padding=1, left_padding=2, target_height=6, target_width=7)
    assert_close(out, np.pad(x, [(0, 0), (1, 2), (2, 1), (0, 0)]), dtype=dtype)
    out = image.pad_images(x[0], bottom_padding=1, right_padding=0, target_height=5, target_width=4)
    assert_close(out, np.pad(x[0], [(1, 1), (0, 0), (0, 0)]), dtype=dtype)
    check_symbolic(image.pad_images, x, 1, 2, 3, 4)


def test_pad_and_crop_channels_first():
    x = _rgb((2, 3, 4, 5))
    out = image.pad_images(x, 1, 0, 2, 3, data_format="channels_first")
    assert_close(out, np.pad(x, [(0, 0), (0, 0), (1, 2), (0, 3)]))
    out = image.crop_images(x, 1, 2, target_height=2, target_width=1, data_format="channels_first")
    assert_close(out, x[:, :, 1:3, 2:3])
    check_symbolic(image.crop_images, x, 1, 2, target_height=2, target_width=1, data_format="channels_first")


@pytest.mark.parametrize("dtype", ["int32", "float16"])
def test_crop_images_matches_slicing(dtype):
    x = (np.arange(2 * 5 * 6 * 3) % 11).reshape(2, 5, 6, 3).astype(dtype)
    assert_close(image.crop_images(x, 1, 2, 1, 1), x[:, 1:4, 2:5], dtype=dtype)
    assert_close(image.crop_images(x, bottom_cropping=1, right_cropping=2, target_height=3, target_width=2),
                 x[:, 1:4, 2:4], dtype=dtype)
    assert_close(image.crop_images(x[0], 0, 0, target_height=5, target_width=6), x[0], dtype=dtype)
    check_symbolic(image.crop_images, x, 1, 2, 1, 1)


def test_pad_and_crop_reject_bad_arguments():
    x = np.ones((5, 6, 3), "float32")
    with pytest.raises(ValueError, match="exactly two"):
        image.pad_images(x, top_padding=1, left_padding=1, right_padding=1)
    with pytest.raises(ValueError, match="exactly two"):
        image.crop_images(x, 1, 1, 1, 1, target_height=3)
    with pytest.raises(ValueError, match=">= 0"):
        image.pad_images(x, -1, 0, 0, 0)
    with pytest.raises(ValueError, match="not reachable"):
        image.pad_images(x, 1, 0, target_height=3, target_width=6)
    with pytest.raises(ValueError, match="not reachable"):
        image.crop_images(x, 3, 0, target_height=3, target_width=6)
    with pytest.raises(ValueError, match="exceeds"):
        image.crop_images(x, 3, 0, 3, 0)


# -- gaussian blur -----------------------------------------------------------------
def _blur_reference(x, kernel_size, sigma):
    def kernel1d(n, s):
        t = np.arange(n) - (n - 1) / 2
        k = np.exp(-t ** 2 / (2 * s ** 2))
        return k / k.sum()
    k = np.outer(kernel1d(kernel_size[1], sigma[1]), kernel1d(kernel_size[0], sigma[0]))
    kh, kw = k.shape
    top, left = (kh - 1) // 2, (kw - 1) // 2
    p = np.pad(x.astype("float64"), [(0, 0), (top, kh - 1 - top), (left, kw - 1 - left), (0, 0)])
    out = np.zeros(x.shape)
    for i in range(kh):
        for j in range(kw):
            out += k[i, j] * p[:, i:i + x.shape[1], j:j + x.shape[2]]
    return out


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_gaussian_blur_matches_reference(dtype):
    x = _rgb((2, 6, 7, 3), dtype)
    out = image.gaussian_blur(x, kernel_size=(3, 5), sigma=(1.0, 2.0))
    assert_close(out, _blur_reference(x, (3, 5), (1.0, 2.0)), dtype=dtype)
    check_symbolic(image.gaussian_blur, x, (3, 5), (1.0, 2.0))


def test_gaussian_blur_even_kernel_unbatched_channels_first_and_ints():
    x = _rgb((6, 7, 2))
    assert_close(image.gaussian_blur(x, (2, 4), (1.0, 0.5)), _blur_reference(x[None], (2, 4), (1.0, 0.5))[0])
    cf = np.moveaxis(x, -1, 0)
    assert_close(image.gaussian_blur(cf, data_format="channels_first"),
                 np.moveaxis(_blur_reference(x[None], (3, 3), (1.0, 1.0))[0], -1, 0))
    ints = (np.arange(2 * 4 * 4 * 1) % 5).reshape(2, 4, 4, 1).astype("int32")
    assert_close(image.gaussian_blur(ints), _blur_reference(ints, (3, 3), (1.0, 1.0)), dtype="float32")
    with pytest.raises(ValueError, match="sigma"):
        image.gaussian_blur(x, sigma=(0.0, 1.0))


# -- sobel edges -------------------------------------------------------------------
def _sobel_reference(x):
    ky = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], "float64")
    p = np.pad(x.astype("float64"), [(0, 0), (1, 1), (1, 1), (0, 0)])
    out = np.zeros(x.shape + (2,))
    for i in range(3):
        for j in range(3):
            window = p[:, i:i + x.shape[1], j:j + x.shape[2]]
            out[..., 0] += ky[i, j] * window
            out[..., 1] += ky.T[i, j] * window
    return out


@pytest.mark.parametrize("dtype", ["int32", "float32"])
def test_sobel_edges_matches_reference(dtype):
    x = (np.random.default_rng(0).random((2, 5, 6, 3)) * 10).astype(dtype)
    assert_close(image.sobel_edges(x), _sobel_reference(x), dtype=dtype)
    check_symbolic(image.sobel_edges, x)


def test_sobel_edges_channels_first_and_rank():
    x = _rgb((2, 5, 6, 3))
    cf = np.moveaxis(x, -1, 1)
    assert_close(image.sobel_edges(cf, data_format="channels_first"),
                 np.moveaxis(_sobel_reference(x), 3, 1), dtype="float32")
    check_symbolic(image.sobel_edges, cf, data_format="channels_first")
    with pytest.raises(ValueError, match="rank 4"):
        image.sobel_edges(x[0])


@pytest.mark.skipif(BACKEND == "numpy", reason="NumPy has no autodiff")
@pytest.mark.parametrize("name", ["gaussian_blur", "rgb_to_hsv", "hsv_to_rgb", "sobel_edges"])
def test_gradients_match_finite_differences(name):
    from test_gradients import backend_gradient, numeric_gradient

    f = {
        "gaussian_blur": lambda t: image.gaussian_blur(t, (3, 3), (1.0, 1.5)),
        "rgb_to_hsv": image.rgb_to_hsv,
        "hsv_to_rgb": image.hsv_to_rgb,
        "sobel_edges": image.sobel_edges,
    }[name]
    x = np.random.default_rng(1).uniform(0.1, 0.9, (1, 3, 3, 3))
    weights = np.random.default_rng(2).random(to_numpy(f(x)).shape)
    assert_close(backend_gradient(f, x, weights), numeric_gradient(f, x, weights), rtol=1e-5, atol=1e-7)


def test_public_names():
    assert k_ops.image.pad_images is image.pad_images
