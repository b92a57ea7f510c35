import itertools

import numpy as np
import pytest

from k_ops import image

from conftest import BACKEND, assert_close, check_symbolic, reference_input, to_numpy


# -- NumPy references -------------------------------------------------------------------
def _patches_reference(x, size, strides, dilation, padding, channels_first=False, n=2):
    """Patches by loops: (N, *spatial, C) -> (N, *out, prod(size) * C), Keras's vector order."""
    unbatched = x.ndim == n + 1
    if unbatched:
        x = x[None]
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    spans = [(k - 1) * d + 1 for k, d in zip(size, dilation, strict=True)]
    lengths = x.shape[1:-1]
    if padding == "same":
        outs = [-(-length // s) for length, s in zip(lengths, strides, strict=True)]
        totals = [max((o - 1) * s + sp - length, 0)
                  for o, s, sp, length in zip(outs, strides, spans, lengths, strict=True)]
        x = np.pad(x, [(0, 0)] + [(t // 2, t - t // 2) for t in totals] + [(0, 0)])
    else:
        outs = [(length - sp) // s + 1 for length, sp, s in zip(lengths, spans, strides, strict=True)]
    out = np.zeros((x.shape[0], *outs, int(np.prod(size)) * x.shape[-1]), x.dtype)
    for pos in itertools.product(*(range(o) for o in outs)):
        vector = []
        for offset in itertools.product(*(range(k) for k in size)):
            idx = tuple(p * s + o * d for p, s, o, d in zip(pos, strides, offset, dilation, strict=True))
            vector.append(x[(slice(None),) + idx])
        out[(slice(None),) + pos] = np.concatenate(vector, axis=-1)
    if channels_first:
        out = np.moveaxis(out, -1, 1)
    return out[0] if unbatched else out


def _ssim_reference(a, b, max_val=1.0, filter_size=11, sigma=1.5, k1=0.01, k2=0.03):
    """SSIM of channels-last images in float64 with a valid Gaussian window, mean over H, W, C."""
    a, b = a.astype("float64"), b.astype("float64")
    g = np.exp(-((np.arange(filter_size) - (filter_size - 1) / 2) ** 2) / (2 * sigma ** 2))
    g /= g.sum()
    w = np.outer(g, g)

    def window(t):
        h, wd = t.shape[-3] - filter_size + 1, t.shape[-2] - filter_size + 1
        out = np.zeros(t.shape[:-3] + (h, wd, t.shape[-1]))
        for i, j in itertools.product(range(filter_size), range(filter_size)):
            out += w[i, j] * t[..., i:i + h, j:j + wd, :]
        return out

    mu1, mu2 = window(a), window(b)
    v1, v2, cov = window(a * a) - mu1 ** 2, window(b * b) - mu2 ** 2, window(a * b) - mu1 * mu2
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    m = (2 * mu1 * mu2 + c1) * (2 * cov + c2) / ((mu1 ** 2 + mu2 ** 2 + c1) * (v1 + v2 + c2))
    return m.mean(axis=(-3, -2, -1))


# -- extract_patches ----------------------------------------------------------------------
CASES_2D = [
    (3, None, 1, "valid"),
    ((2, 3), (1, 2), 1, "same"),
    (3, 1, 2, "valid"),
    ((3, 2), 1, (2, 1), "same"),
    (4, 3, 1, "same"),
    (3, 2, 2, "same"),
]


FORMATS_2D = [("channels_last", c) for c in CASES_2D] + [("channels_first", c) for c in CASES_2D[1:3]]


@pytest.mark.parametrize(("data_format", "case"), FORMATS_2D, ids=str)
def test_extract_patches_matches_reference(data_format, case):
    size, strides, dilation, padding = case
    x = reference_input("float32", (2, 7, 9, 3))
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    sizes = (size, size) if isinstance(size, int) else size
    steps = sizes if strides is None else ((strides, strides) if isinstance(strides, int) else strides)
    dils = (dilation, dilation) if isinstance(dilation, int) else dilation
    expected = _patches_reference(x, sizes, steps, dils, padding, data_format == "channels_first")
    result = image.extract_patches(x, size, strides, dilation, padding, data_format)
    assert_close(result, expected, dtype="float32", rtol=0, atol=0)
    check_symbolic(image.extract_patches, x, size, strides, dilation, padding, data_format)


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64", "float16", "float64", "bool"])
def test_extract_patches_dtypes_are_exact_and_unbatched(dtype):
    x = reference_input(dtype, (5, 6, 2), low=-100, high=100)
    expected = _patches_reference(x, (2, 3), (1, 2), (1, 1), "same")
    result = image.extract_patches(x, (2, 3), (1, 2), padding="same")
    assert_close(result, expected, dtype=dtype, rtol=0, atol=0)
    check_symbolic(image.extract_patches, x, (2, 3), (1, 2), padding="same")


def test_extract_patches_keras_values():
    # Verified against Keras 3.15.1: the last 'same' patch of a 4x4 image keeps its one real pixel first.
    x = np.arange(2 * 4 * 4 * 2).reshape(2, 4, 4, 2).astype("int32")
    result = image.extract_patches(x, 2, 1, padding="same")
    assert tuple(to_numpy(result).shape) == (2, 4, 4, 8)
    assert_close(result[0, 3, 3], np.array([30, 31, 0, 0, 0, 0, 0, 0]), dtype="int32")
    assert tuple(to_numpy(image.extract_patches(np.ones((2, 20, 20, 3)), (5, 5))).shape) == (2, 4, 4, 75)


def test_extract_patches_errors():
    x = np.zeros((2, 6, 6, 3), "float32")
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        image.extract_patches(x, 2, padding="full")
    with pytest.raises(ValueError, match="size must be an int or a tuple of 2 ints >= 1"):
        image.extract_patches(x, (2, 0))
    with pytest.raises(ValueError, match="strides must be"):
        image.extract_patches(x, 2, strides=(1, 1, 1, 1))
    with pytest.raises(ValueError, match="rank 3 .* or 4"):
        image.extract_patches(np.zeros((6, 6)), 2)
    with pytest.raises(ValueError, match="does not fit"):
        image.extract_patches(x, 4, dilation_rate=2)
    with pytest.raises(ValueError, match="data_format"):
        image.extract_patches(x, 2, data_format="nhwc")


# -- extract_patches_3d --------------------------------------------------------------------
CASES_3D = [
    (2, None, 1, "valid"),
    ((2, 3, 2), (1, 2, 1), 1, "same"),
    (2, 1, 2, "valid"),
    (3, 2, 1, "same"),
]


FORMATS_3D = [("channels_last", c) for c in CASES_3D] + [("channels_first", CASES_3D[1])]


@pytest.mark.parametrize(("data_format", "case"), FORMATS_3D, ids=str)
def test_extract_patches_3d_matches_reference(data_format, case):
    size, strides, dilation, padding = case
    x = reference_input("float32", (2, 5, 6, 7, 2))
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    sizes = (size,) * 3 if isinstance(size, int) else size
    steps = sizes if strides is None else ((strides,) * 3 if isinstance(strides, int) else strides)
    expected = _patches_reference(x, sizes, steps, (dilation,) * 3, padding,
                                  data_format == "channels_first", n=3)
    result = image.extract_patches_3d(x, size, strides, dilation, padding, data_format)
    assert_close(result, expected, dtype="float32", rtol=0, atol=0)
    check_symbolic(image.extract_patches_3d, x, size, strides, dilation, padding, data_format)
    if not isinstance(size, int):  # a 3-tuple size makes extract_patches take volumes, as in Keras
        assert_close(image.extract_patches(x, size, strides, dilation, padding, data_format), expected,
                     rtol=0, atol=0)


def test_extract_patches_3d_integers_unbatched():
    x = reference_input("int16", (4, 5, 6, 3), low=-1000, high=1000)
    expected = _patches_reference(x, (2, 2, 3), (2, 2, 3), (1, 1, 1), "valid", n=3)
    assert_close(image.extract_patches_3d(x, (2, 2, 3)), expected, dtype="int16")
    assert tuple(to_numpy(image.extract_patches_3d(np.ones((10, 10, 10, 3)), 3)).shape) == (3, 3, 3, 81)
    check_symbolic(image.extract_patches_3d, x, (2, 2, 3))


def test_extract_patches_3d_errors():
    with pytest.raises(ValueError, match="volumes must be rank 4 .* or 5"):
        image.extract_patches_3d(np.zeros((4, 4, 3)), 2)
    with pytest.raises(ValueError, match="size must be an int or a tuple of 3 ints"):
        image.extract_patches_3d(np.zeros((4, 4, 4, 3)), (2, 2))
    with pytest.raises(ValueError, match="dilation_rate"):
        image.extract_patches_3d(np.zeros((4, 4, 4, 3)), 2, dilation_rate=0)


# -- ssim ------------------------------------------------------------------------------------
def _pair(shape, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.random(shape)
    return a, np.clip(a + 0.1 * rng.standard_normal(shape), 0, 1)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_ssim_matches_reference(dtype):
    a, b = _pair((2, 16, 17, 3))
    expected = _ssim_reference(a.astype(dtype), b.astype(dtype))
    result = image.ssim(a.astype(dtype), b.astype(dtype))
    assert_close(result, expected, dtype=dtype, rtol={"float16": 2e-3}.get(dtype, 1e-5), atol=1e-6)
    check_symbolic(image.ssim, a.astype(dtype), b.astype(dtype))


def test_ssim_arguments_channels_first_unbatched():
    a, b = _pair((13, 12, 2), seed=1)
    a, b = a * 255, b * 255
    kwargs = dict(max_val=255.0, filter_size=7, filter_sigma=1.0, k1=0.02, k2=0.05)
    expected = _ssim_reference(a, b, 255.0, 7, 1.0, 0.02, 0.05)
    cf = [np.ascontiguousarray(np.moveaxis(t, -1, 0)) for t in (a, b)]
    result = image.ssim(*cf, data_format="channels_first", **kwargs)
    assert_close(result, expected, dtype="float64", rtol=1e-10)
    assert_close(image.ssim(a, a, **kwargs), 1.0, rtol=1e-10)
    check_symbolic(image.ssim, *cf, data_format="channels_first", **kwargs)


def test_ssim_keras_values():
    # Verified against Keras 3.15.1 (tensorflow backend, float64).
    a = (np.arange(2 * 12 * 12 * 2).reshape(2, 12, 12, 2) % 7) / 6
    b = (np.arange(2 * 12 * 12 * 2).reshape(2, 12, 12, 2) % 5) / 4
    result = image.ssim(a, b, filter_size=5, filter_sigma=1.0)
    assert_close(result, np.array([0.02731693, -0.04336044]), dtype="float64", rtol=1e-6, atol=1e-8)


def test_ssim_errors():
    x = np.zeros((2, 16, 16, 3))
    with pytest.raises(ValueError, match="same shape"):
        image.ssim(x, np.zeros((2, 16, 15, 3)))
    with pytest.raises(ValueError, match="image2 must be rank 3"):
        image.ssim(x, np.zeros((16, 3)))
    with pytest.raises(ValueError, match="at least filter_size=11"):
        image.ssim(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match="filter_size must be an int >= 1"):
        image.ssim(x, x, filter_size=0)


@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend computes no gradients")
def test_gradients_match_finite_differences():
    from test_gradients import backend_gradient, numeric_gradient

    a, b = _pair((1, 3, 3, 1), seed=2)
    f = lambda t: image.ssim(t, b, filter_size=3, filter_sigma=1.0)  # noqa: E731
    assert_close(backend_gradient(f, a, np.ones(1)), numeric_gradient(f, a, np.ones(1)), rtol=1e-5, atol=1e-7)
    # extract_patches is a gather: its gradient adds each patch entry's weight back to its pixel.
    x = reference_input("float64", (1, 4, 5, 2))
    w = np.random.default_rng(3).random((1, 4, 3, 8))
    # Pixel k is labelled k + 1, so the zero padding (label 0) collects the weights that reach no pixel.
    labels = _patches_reference(np.arange(1, x.size + 1).reshape(x.shape), (2, 2), (1, 2), (1, 1), "same")
    expected = np.zeros(x.size + 1)
    np.add.at(expected, labels.ravel(), w.ravel())
    expected = expected[1:]
    g = lambda t: image.extract_patches(t, 2, (1, 2), padding="same")  # noqa: E731
    assert_close(backend_gradient(g, x, w), expected.reshape(x.shape), rtol=1e-12)
