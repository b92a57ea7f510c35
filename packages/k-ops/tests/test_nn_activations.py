"""Activations of `k_ops.nn` against NumPy references: values, dtypes, symbolic specs, gradients."""

import math

import numpy as np
import pytest

import k_backends
from k_ops import nn
from k_ops.symbolic import KerasTensor

from conftest import ALL_DTYPES, BACKEND, FLOAT_DTYPES, assert_close, check_symbolic, reference_input

_erf = np.vectorize(math.erf)


def _sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def _softplus(x):
    return np.logaddexp(x, 0.0)


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


_SELU = (1.6732632423543772, 1.0507009873554805)

# name -> (NumPy reference, extra positional arguments)
CASES = {
    "relu6": (lambda x: np.clip(x, 0, 6), ()),
    "sigmoid": (_sigmoid, ()),
    "softplus": (_softplus, ()),
    "softsign": (lambda x: x / (1 + np.abs(x)), ()),
    "silu": (lambda x: x * _sigmoid(x), ()),
    "swish": (lambda x: x * _sigmoid(x), ()),
    "log_sigmoid": (lambda x: -_softplus(-x), ()),
    "leaky_relu": (lambda x: np.where(x >= 0, x, 0.2 * x), ()),
    "hard_sigmoid": (lambda x: np.clip(x + 3, 0, 6) / 6, ()),
    "hard_silu": (lambda x: x * np.clip(x + 3, 0, 6) / 6, ()),
    "hard_swish": (lambda x: x * np.clip(x + 3, 0, 6) / 6, ()),
    "elu": (_elu, ()),
    "selu": (lambda x: _SELU[1] * _elu(x, _SELU[0]), ()),
    "gelu": (lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))), ()),
    "celu": (lambda x: np.maximum(x, 0) + np.minimum(np.expm1(x), 0), ()),
    "hard_shrink": (lambda x: np.where(np.abs(x) > 0.5, x, 0), ()),
    "soft_shrink": (lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)), ()),
    "tanh_shrink": (lambda x: x - np.tanh(x), ()),
    "threshold": (lambda x: np.where(x > 1.0, x, -2.0), (1.0, -2.0)),
    "squareplus": (lambda x: (x + np.sqrt(x * x + 4)) / 2, ()),
    "sparse_plus": (lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)), ()),
    "sparse_sigmoid": (lambda x: np.clip((x + 1) / 2, 0, 1), ()),
    "softmax": (_softmax, ()),
    "log_softmax": (lambda x: np.log(_softmax(x)), ()),
}


# Every dtype kind once (int8 and int16 behave as int32 does), to keep the jax run short.
DTYPES = [d for d in ALL_DTYPES if d not in ("int8", "int16")]


def _expected_float(dtype):
    return dtype if dtype in FLOAT_DTYPES else "float32"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_float_activation(name, dtype):
    reference, extra = CASES[name]
    x = reference_input(dtype, (3, 4), seed=1)
    op = getattr(nn, name)
    result = op(x, *extra)
    expected = reference(np.asarray(x, dtype="float64"))
    assert_close(result, expected, dtype=_expected_float(dtype))
    check_symbolic(op, x, *extra)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("name", ["relu", "hard_tanh"])
def test_int_keeping_activation(name, dtype):
    x = reference_input(dtype, (3, 4), seed=2)
    reference = {"relu": lambda v: np.maximum(v, 0), "hard_tanh": lambda v: np.clip(v, -1, 1)}[name]
    expected_dtype = "float32" if dtype == "bool" else dtype
    result = getattr(nn, name)(x)
    expected = reference(np.asarray(x, dtype="float64")).astype(expected_dtype)
    assert_close(result, expected, dtype=expected_dtype)
    check_symbolic(getattr(nn, name), x)


def test_parameters_and_aliases():
    x = np.array([-2.0, -0.3, 0.0, 0.7, 3.0], "float32")
    assert_close(nn.leaky_relu(x, negative_slope=0.1), np.where(x >= 0, x, 0.1 * x))
    assert_close(nn.elu(x, alpha=2.0), _elu(x.astype("float64"), 2.0))
    assert_close(nn.celu(x, alpha=2.0), np.maximum(x, 0) + np.minimum(2 * np.expm1(x / 2.0), 0))
    assert_close(nn.hard_shrink(x, threshold=1.0), np.where(np.abs(x) > 1, x, 0))
    assert_close(nn.soft_shrink(x, threshold=1.0), np.where(x > 1, x - 1, np.where(x < -1, x + 1, 0)))
    assert_close(nn.squareplus(x, b=1), (x + np.sqrt(x * x + 1)) / 2)
    assert_close(nn.gelu(x, approximate=False), 0.5 * x * (1 + _erf(x / np.sqrt(2))))
    assert nn.swish is nn.silu and nn.hard_swish is nn.hard_silu


def test_numerical_stability():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], "float32")
    assert_close(nn.softplus(x), np.logaddexp(x.astype("float64"), 0))
    assert_close(nn.log_sigmoid(x), -np.logaddexp(-x.astype("float64"), 0))
    assert_close(nn.sigmoid(x), _sigmoid(x.astype("float64")))
    assert_close(nn.log_softmax(np.array([[1000.0, 0.0]], "float32")), [[0.0, -1000.0]])
    assert_close(nn.softmax(np.array([[1000.0, 999.0]], "float32")), _softmax(np.array([[1.0, 0.0]])))
    assert np.isfinite(k_backends.testing.values.to_numpy(nn.elu(x))).all()


@pytest.mark.parametrize("axis", [0, 1, -1, (0, 1), (0, 2)])
def test_softmax_axes(axis):
    x = reference_input("float32", (2, 3, 4), seed=3)
    expected = _softmax(x.astype("float64"), axis=axis)
    assert_close(nn.softmax(x, axis=axis), expected)
    assert_close(nn.log_softmax(x, axis=axis), np.log(expected))
    check_symbolic(nn.softmax, x, axis=axis)
    check_symbolic(nn.log_softmax, x, axis=axis)


def _sparsemax(x):
    z = np.sort(x)[::-1]
    k = np.arange(1, len(z) + 1)
    cumulative = np.cumsum(z)
    support = 1 + k * z > cumulative
    tau = (cumulative[support][-1] - 1) / k[support][-1]
    return np.maximum(x - tau, 0)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_sparsemax(dtype):
    x = reference_input(dtype, (4, 5), seed=4, low=-2, high=2)
    result = nn.sparsemax(x)
    assert_close(result, np.stack([_sparsemax(row) for row in x.astype("float64")]),
                 dtype=_expected_float(dtype), atol=1e-6)
    assert_close(nn.sparsemax(x, axis=0), np.stack([_sparsemax(c) for c in x.T.astype("float64")]).T,
                 atol=1e-6)
    assert_close(nn.sparsemax([[0.1, 1.5, 1.2]]), [[0.0, 0.65, 0.35]])
    check_symbolic(nn.sparsemax, x, axis=0)


@pytest.mark.parametrize("dtype", ["float16", "float32", "int8"])
def test_glu(dtype):
    x = reference_input(dtype, (3, 6), seed=5)
    a, b = np.split(x.astype("float64"), 2, axis=-1)
    assert_close(nn.glu(x), a * _sigmoid(b), dtype=_expected_float(dtype))
    a, b = np.split(x[:2].astype("float64"), 2, axis=0)
    assert_close(nn.glu(x[:2], axis=0), a * _sigmoid(b))
    check_symbolic(nn.glu, x)


def test_errors():
    with pytest.raises(ValueError, match="even"):
        nn.glu(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="even"):
        nn.glu(KerasTensor((None, 3), "float32"))
    with pytest.raises(ValueError, match="out of range"):
        nn.softmax(np.ones((2, 3), "float32"), axis=2)
    with pytest.raises(ValueError, match="b >= 0"):
        nn.squareplus(np.ones(2, "float32"), b=-1)
    with pytest.raises(TypeError, match="real"):
        nn.sigmoid(np.ones(2, "complex64"))


def test_symbolic_unknown_dims():
    out = nn.softmax(KerasTensor((None, 5), "int32"))
    assert out.shape == (None, 5) and out.dtype == "float32"
    out = nn.glu(KerasTensor((None, 8), "bfloat16"), axis=-1)
    assert out.shape == (None, 4) and out.dtype == "bfloat16"


# -- gradients, by the backend's autodiff against central differences, in float64 -------------
GRADIENT_CASES = ["sigmoid", "softplus", "log_sigmoid", "silu", "elu", "selu", "gelu", "celu",
                  "softsign", "squareplus", "tanh_shrink", "softmax", "log_softmax", "glu"]


def _backend_gradient(f, x, weights):
    if BACKEND == "jax":
        import jax
        import jax.numpy as jnp

        return np.asarray(jax.grad(lambda t: jnp.sum(f(t) * weights))(jnp.asarray(x)))
    if BACKEND == "torch":
        import torch

        device = k_backends.current().core.current_device()
        t = torch.tensor(x, dtype=torch.float64, device=device, requires_grad=True)
        (grad,) = torch.autograd.grad((f(t) * torch.as_tensor(weights, device=device)).sum(), t)
        return grad.detach().cpu().numpy()
    import tensorflow as tf

    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        loss = tf.reduce_sum(f(t) * weights)
    return tape.gradient(loss, t).numpy()


@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend computes no gradients")
@pytest.mark.parametrize("name", GRADIENT_CASES)
def test_gradient(name):
    op = getattr(nn, name)
    rng = np.random.default_rng(6)
    x = rng.uniform(-3, 3, size=(2, 4))
    x[np.abs(x) < 0.05] += 0.1  # keep away from kinks
    weights = rng.normal(size=op(x).shape)
    grad = _backend_gradient(op, x, weights)
    step = 1e-6
    numeric = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += step
        down[index] -= step
        to_numpy = k_backends.testing.values.to_numpy
        numeric[index] = np.sum((to_numpy(op(up)) - to_numpy(op(down))) * weights) / (2 * step)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend computes no gradients")
def test_gradient_finite_in_saturation():
    x = np.array([-800.0, -40.0, 40.0, 800.0])
    for name in ("softplus", "log_sigmoid", "sigmoid", "elu", "celu"):
        grad = _backend_gradient(getattr(nn, name), x, np.ones(4))
        assert np.isfinite(grad).all(), f"{name}: {grad}"
