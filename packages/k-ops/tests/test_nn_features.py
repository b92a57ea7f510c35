"""Encodings, normalizations and losses of `k_ops.nn` against NumPy references."""

import numpy as np
import pytest

from k_ops import nn
from k_ops.symbolic import KerasTensor

from conftest import BACKEND, assert_close, check_symbolic, reference_input, to_numpy

EPS = 1e-7


# -- encoding -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
def test_one_hot(dtype):
    x = np.array([[0, 2], [1, 7]], dtype)
    expected = (x[..., None] == np.arange(3)).astype("float32")
    assert_close(nn.one_hot(x, 3), expected, dtype="float32")
    assert_close(nn.one_hot(x, 3, axis=0), np.moveaxis(expected, -1, 0))
    assert_close(nn.one_hot(x, 3, axis=1, dtype="int32"), np.moveaxis(expected, -1, 1).astype("int32"),
                 dtype="int32")
    check_symbolic(nn.one_hot, x, 3, axis=1)


def test_one_hot_negative_index_is_zeros():
    assert_close(nn.one_hot(np.array([-1, 1]), 2), [[0.0, 0.0], [0.0, 1.0]])


def test_multi_hot():
    x = np.array([[0, 2], [1, 1]], "int32")
    assert_close(nn.multi_hot(x, 3), [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype="float32")
    assert_close(nn.multi_hot(np.array([0, 2]), 3), [1.0, 0.0, 1.0])
    assert_close(nn.multi_hot(x, num_tokens=3, dtype="int32"), [[1, 0, 1], [0, 1, 0]], dtype="int32")
    check_symbolic(nn.multi_hot, x, 4)


def test_encoding_errors():
    with pytest.raises(TypeError, match="integer"):
        nn.one_hot(np.array([0.5]), 3)
    with pytest.raises(ValueError, match="sparse"):
        nn.one_hot(np.array([0]), 3, sparse=True)
    with pytest.raises(ValueError, match="num_classes"):
        nn.multi_hot(np.array([0]))
    with pytest.raises(ValueError, match="at least 1"):
        nn.one_hot(KerasTensor((None,), "int32"), 0)


# -- normalization ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64", "int32"])
def test_moments(dtype):
    x = reference_input(dtype, (3, 4, 2), seed=1)
    out = dtype if dtype != "int32" else "float32"
    reference = np.asarray(x, "float64")
    mean, variance = nn.moments(x, axes=[0, 2])
    assert_close(mean, reference.mean(axis=(0, 2)), dtype=out)
    assert_close(variance, reference.var(axis=(0, 2)), dtype=out, rtol=5e-2 if out == "bfloat16" else None)
    mean, variance = nn.moments(x, axes=1, keepdims=True)
    assert_close(variance, reference.var(axis=1, keepdims=True), rtol=5e-2 if out == "bfloat16" else None)
    check_symbolic(nn.moments, x, [0, 2])
    check_symbolic(nn.moments, x, 1, keepdims=True)


def _normalized(x, axis, eps):
    return (x - x.mean(axis=axis, keepdims=True)) / np.sqrt(x.var(axis=axis, keepdims=True) + eps)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_layer_and_rms_normalization(dtype):
    x = reference_input(dtype, (3, 5), seed=2)
    reference = x.astype("float64")
    gamma, beta = np.linspace(0.5, 1.5, 5).astype(dtype), np.linspace(-1, 1, 5).astype(dtype)
    assert_close(nn.layer_normalization(x), _normalized(reference, -1, 1e-5), dtype=dtype)
    assert_close(nn.layer_normalization(x, gamma, beta, epsilon=1e-3),
                 _normalized(reference, -1, 1e-3) * gamma.astype("float64") + beta.astype("float64"))
    assert_close(nn.layer_normalization(x, axis=0), _normalized(reference, 0, 1e-5))
    rms = reference / np.sqrt((reference ** 2).mean(-1, keepdims=True) + EPS)
    assert_close(nn.rms_normalization(x), rms, dtype=dtype)
    assert_close(nn.rms_normalization(x, scale=gamma), rms * gamma.astype("float64"))
    check_symbolic(nn.layer_normalization, x, gamma, beta)
    check_symbolic(nn.rms_normalization, x, gamma)


def test_batch_normalization():
    x = reference_input("float32", (2, 3, 4), seed=3)
    mean, variance = np.array([0.5, -1.0, 2.0], "float32"), np.array([1.0, 4.0, 0.25], "float32")
    offset, scale = np.array([1.0, 0.0, -1.0], "float32"), np.array([2.0, 1.0, 0.5], "float32")
    shape = (1, 3, 1)
    expected = ((x - mean.reshape(shape)) / np.sqrt(variance.reshape(shape) + 1e-3) * scale.reshape(shape)
                + offset.reshape(shape))
    assert_close(nn.batch_normalization(x, mean, variance, axis=1, offset=offset, scale=scale), expected)
    plain = (x - mean.reshape(shape)) / np.sqrt(variance.reshape(shape) + 0.1)
    assert_close(nn.batch_normalization(x, mean, variance, axis=1, epsilon=0.1), plain)
    check_symbolic(nn.batch_normalization, x, mean, variance, 1, offset, scale)
    with pytest.raises(ValueError, match="mean must have shape"):
        nn.batch_normalization(x, np.zeros(4, "float32"), variance, axis=1)


@pytest.mark.parametrize("order", [1, 2, 3, float("inf")])
def test_normalize(order):
    x = reference_input("float32", (3, 4), seed=4)
    norm = np.linalg.norm(x.astype("float64"), ord=order, axis=-1, keepdims=True)
    assert_close(nn.normalize(x, order=order), x / np.maximum(norm, EPS))
    norm0 = np.linalg.norm(x.astype("float64"), ord=order, axis=0, keepdims=True)
    assert_close(nn.normalize(x, axis=0, order=order), x / norm0)
    assert_close(nn.normalize(np.zeros((1, 2), "float32")), [[0.0, 0.0]])
    assert_close(nn.normalize(np.array([[3, 4]], "int32")), [[0.6, 0.8]], dtype="float32")
    check_symbolic(nn.normalize, x, 0, order)


def test_normalization_errors():
    with pytest.raises(ValueError, match="order"):
        nn.normalize(np.ones((2, 2), "float32"), order=0)
    with pytest.raises(ValueError, match="out of range"):
        nn.layer_normalization(KerasTensor((None, 3), "float32"), axis=2)
    with pytest.raises(ValueError, match="epsilon"):
        nn.rms_normalization(np.ones((2, 2), "float32"), epsilon=-1.0)


# -- losses -----------------------------------------------------------------------------------
def _log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_binary_crossentropy(dtype):
    rng = np.random.default_rng(5)
    target = rng.integers(0, 2, size=(3, 4)).astype(dtype)
    logits = rng.uniform(-4, 4, size=(3, 4)).astype(dtype)
    z, t = logits.astype("float64"), target.astype("float64")
    expected = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
    assert_close(nn.binary_crossentropy(target, logits, from_logits=True), expected, dtype=dtype)
    p = 1 / (1 + np.exp(-z))
    probabilities = p.astype(dtype)
    pc = np.clip(probabilities.astype("float64"), EPS, 1 - EPS)
    assert_close(nn.binary_crossentropy(target, probabilities), -(t * np.log(pc) + (1 - t) * np.log(1 - pc)),
                 dtype=dtype)
    check_symbolic(nn.binary_crossentropy, target, probabilities)


def test_crossentropy_clipping_and_stability():
    assert_close(nn.binary_crossentropy(np.array([0.0, 1.0], "float64"), np.array([0.0, 1.0])),
                 -np.log(np.array([1 - EPS, 1 - EPS])))
    big = np.array([[1000.0, -1000.0]], "float32")
    assert_close(nn.binary_crossentropy(np.array([[0.0, 1.0]], "float32"), big, from_logits=True),
                 [[1000.0, 1000.0]])
    assert_close(nn.categorical_crossentropy(np.array([[0.0, 1.0]], "float32"), big, from_logits=True),
                 [2000.0])
    loss = nn.categorical_crossentropy(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
    assert np.isfinite(to_numpy(loss)).all()


@pytest.mark.parametrize("axis", [-1, 0])
def test_categorical_crossentropy(axis):
    rng = np.random.default_rng(6)
    logits = rng.uniform(-3, 3, size=(4, 5)).astype("float32")
    target = np.eye(5, dtype="float32")[rng.integers(0, 5, size=4)]
    if axis == 0:
        target = np.eye(4, dtype="float32")[rng.integers(0, 4, size=5)].T
    lsm = _log_softmax(logits.astype("float64"), axis)
    assert_close(nn.categorical_crossentropy(target, logits, from_logits=True, axis=axis),
                 -(target * lsm).sum(axis=axis))
    probabilities = np.exp(lsm).astype("float32") * 3  # unnormalized: rescaled to sum to 1
    expected = -(target * np.log(np.clip(np.exp(lsm), EPS, 1 - EPS))).sum(axis=axis)
    assert_close(nn.categorical_crossentropy(target, probabilities, axis=axis), expected, rtol=1e-4)
    check_symbolic(nn.categorical_crossentropy, target, logits, True, axis)


@pytest.mark.parametrize("target_dtype", ["int32", "int64", "uint8"])
def test_sparse_categorical_crossentropy(target_dtype):
    rng = np.random.default_rng(7)
    logits = rng.uniform(-3, 3, size=(4, 5)).astype("float32")
    target = rng.integers(0, 5, size=4).astype(target_dtype)
    lsm = _log_softmax(logits.astype("float64"))
    expected = -lsm[np.arange(4), target]
    assert_close(nn.sparse_categorical_crossentropy(target, logits, from_logits=True), expected,
                 dtype="float32")
    assert_close(nn.sparse_categorical_crossentropy(target[:, None], logits, from_logits=True), expected)
    probabilities = np.exp(lsm).astype("float32")
    assert_close(nn.sparse_categorical_crossentropy(target, probabilities), expected, rtol=1e-4)
    assert_close(nn.sparse_categorical_crossentropy(target, logits.T, from_logits=True, axis=0), expected)
    check_symbolic(nn.sparse_categorical_crossentropy, target, logits, True)
    with pytest.raises(ValueError, match="target must have"):
        nn.sparse_categorical_crossentropy(np.zeros(3, target_dtype), logits)


def test_loss_shape_errors():
    with pytest.raises(ValueError, match="same shape"):
        nn.binary_crossentropy(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="same shape"):
        nn.categorical_crossentropy(KerasTensor((None, 3)), KerasTensor((None, 4)))
    with pytest.raises(ValueError, match="same shape"):
        nn.psnr(np.zeros(3), np.zeros(4), 1.0)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_psnr(dtype):
    x1 = reference_input(dtype, (4, 4), seed=8, low=0, high=10)
    x2 = reference_input(dtype, (4, 4), seed=9, low=0, high=10)
    mse = np.mean((x1.astype("float64") - x2.astype("float64")) ** 2)
    expected = 20 * np.log10(10.0) - 10 * np.log10(mse)
    assert_close(nn.psnr(x1, x2, 10.0), expected, dtype=dtype if dtype != "int32" else "float32")
    check_symbolic(nn.psnr, x1, x2, 10.0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_polar(dtype):
    magnitude = np.array([1.0, 2.0, 0.5], dtype)
    angle = np.array([0.0, 1.0, -2.5], dtype)
    complex_dtype = "complex64" if dtype == "float32" else "complex128"
    result = nn.polar(magnitude, angle)
    assert str(to_numpy(result).dtype) == complex_dtype
    np.testing.assert_allclose(to_numpy(result), magnitude * np.exp(1j * angle.astype("float64")), rtol=1e-6)
    spec = nn.polar(KerasTensor((None, 3), dtype), KerasTensor((3,), dtype))
    assert spec.shape == (None, 3) and spec.dtype == complex_dtype


@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend computes no gradients")
def test_loss_gradient_from_logits():
    from test_nn_activations import _backend_gradient

    rng = np.random.default_rng(10)
    logits = rng.uniform(-3, 3, size=(3, 4))
    target = np.eye(4)[[0, 3, 1]]
    grad = _backend_gradient(lambda z: nn.categorical_crossentropy(target, z, from_logits=True), logits,
                             np.ones(3))
    softmax = np.exp(_log_softmax(logits))
    np.testing.assert_allclose(grad, softmax - target, rtol=1e-6, atol=1e-9)
    grad = _backend_gradient(lambda z: nn.binary_crossentropy(target, z, from_logits=True), logits,
                             np.ones((3, 4)))
    np.testing.assert_allclose(grad, 1 / (1 + np.exp(-logits)) - target, rtol=1e-6, atol=1e-9)
