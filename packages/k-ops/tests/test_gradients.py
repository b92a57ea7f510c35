"""Gradients of differentiable ops, by each backend's autodiff, against central finite differences.

Every case is a function of one float64 tensor `x` built from public ops; the
test compares d sum(f(x) * w) / dx (w fixed random weights, so no symmetry can
hide an error) from jax.grad, torch.autograd or tf.GradientTape with NumPy's
central differences of the same op evaluated eagerly.
"""

import numpy as np
import pytest

import k_backends
import k_ops

from conftest import BACKEND, to_numpy

pytestmark = pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend computes no gradients")


class _Ops:
    """`k_ops` whose missing names skip the test: other op groups may not be written yet."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)  # pytest probes module attributes such as __wrapped__
        op = getattr(k_ops, name, None)
        if op is None:
            pytest.skip(f"k_ops has no {name} yet")
        return op


ops = _Ops()


def backend_gradient(f, x, weights):
    """The gradient of sum(f(x) * weights) at the NumPy array `x`, by the backend's autodiff."""
    if BACKEND == "jax":
        import jax
        import jax.numpy as jnp

        return np.asarray(jax.grad(lambda t: jnp.sum(f(t) * weights))(jnp.asarray(x)))
    if BACKEND == "torch":
        import torch

        device = k_backends.current().core.current_device()
        t = torch.tensor(x, dtype=torch.float64, device=device, requires_grad=True)
        loss = (f(t) * torch.as_tensor(weights, device=device)).sum()
        (grad,) = torch.autograd.grad(loss, t)
        return grad.detach().cpu().numpy()
    if BACKEND == "tensorflow":
        import tensorflow as tf

        t = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(t)
            loss = tf.reduce_sum(f(t) * weights)
        grad = tape.gradient(loss, t)
        assert grad is not None, "TensorFlow recorded no path from the input to the output"
        return tf.convert_to_tensor(grad).numpy()
    raise AssertionError(f"no gradient helper for the {BACKEND} backend")


def numeric_gradient(f, x, weights, eps=1e-6):
    """Central finite differences of sum(f(x) * weights), the op evaluated eagerly in float64."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        up = np.sum(to_numpy(f(x + step)) * weights)
        down = np.sum(to_numpy(f(x - step)) * weights)
        grad[i] = (up - down) / (2 * eps)
    return grad


def _x(*shape, seed=0, low=-1.0, high=1.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def _apart(*shape, seed=0, gap=0.1):
    """Values at least `gap` apart and away from 0 (no ties for max/sort, no kink for abs)."""
    n = int(np.prod(shape))
    values = (np.arange(n) - n // 2 + 0.5) * gap * 3
    return np.random.default_rng(seed).permutation(values).reshape(shape)


C = _x(3, 4, seed=7)  # a constant second operand
C_POS = _x(3, 4, seed=8, low=0.5, high=2.0)

# (id, f, x): f maps the one differentiable input to an output through public ops.
CASES = [
    # elementwise
    ("exp", lambda x: ops.exp(x), _x(3, 4)),
    ("log", lambda x: ops.log(x), _x(3, 4, low=0.5, high=2.0)),
    ("sin", lambda x: ops.sin(x), _x(3, 4)),
    ("cos", lambda x: ops.cos(x), _x(3, 4)),
    ("tan", lambda x: ops.tan(x), _x(3, 4)),
    ("tanh", lambda x: ops.tanh(x), _x(3, 4)),
    ("sqrt", lambda x: ops.sqrt(x), _x(3, 4, low=0.5, high=2.0)),
    ("square", lambda x: ops.square(x), _x(3, 4)),
    ("absolute", lambda x: ops.absolute(x), _apart(3, 4)),
    ("negative", lambda x: ops.negative(x), _x(3, 4)),
    ("reciprocal", lambda x: ops.reciprocal(x), _x(3, 4, low=0.5, high=2.0)),
    ("log1p", lambda x: ops.log1p(x), _x(3, 4)),
    ("expm1", lambda x: ops.expm1(x), _x(3, 4)),
    ("sinh", lambda x: ops.sinh(x), _x(3, 4)),
    ("cosh", lambda x: ops.cosh(x), _x(3, 4)),
    ("arctan", lambda x: ops.arctan(x), _x(3, 4)),
    ("arcsin", lambda x: ops.arcsin(x), _x(3, 4, low=-0.8, high=0.8)),
    ("arctanh", lambda x: ops.arctanh(x), _x(3, 4, low=-0.8, high=0.8)),
    ("clip", lambda x: ops.clip(x, -0.25, 0.25), _apart(3, 4, gap=0.05)),
    # binary, for each operand
    ("add", lambda x: ops.add(x, C), _x(3, 4)),
    ("subtract x2", lambda x: ops.subtract(C, x), _x(3, 4)),
    ("multiply", lambda x: ops.multiply(x, C), _x(3, 4)),
    ("divide x1", lambda x: ops.divide(x, C_POS), _x(3, 4)),
    ("divide x2", lambda x: ops.divide(C, x), _x(3, 4, low=0.5, high=2.0)),
    ("power base", lambda x: ops.power(x, C), _x(3, 4, low=0.5, high=2.0)),
    ("power exponent", lambda x: ops.power(C_POS, x), _x(3, 4)),
    ("maximum", lambda x: ops.maximum(x, 0.0), _apart(3, 4)),
    ("minimum", lambda x: ops.minimum(x, C), _apart(3, 4) + 0.01),
    ("arctan2", lambda x: ops.arctan2(x, C_POS), _x(3, 4)),
    ("hypot", lambda x: ops.hypot(x, C), _x(3, 4, low=0.5, high=2.0)),
    ("logaddexp", lambda x: ops.logaddexp(x, C), _x(3, 4)),
    # reductions
    ("sum axis", lambda x: ops.sum(x, axis=1), _x(3, 4)),
    ("mean", lambda x: ops.mean(x, axis=0, keepdims=True), _x(3, 4)),
    ("prod", lambda x: ops.prod(x, axis=-1), _x(3, 4, low=0.5, high=1.5)),
    ("max", lambda x: ops.max(x, axis=0), _apart(3, 4)),
    ("min", lambda x: ops.min(x), _apart(3, 4)),
    ("std", lambda x: ops.std(x, axis=1), _x(3, 4)),
    ("var", lambda x: ops.var(x), _x(3, 4)),
    ("cumsum", lambda x: ops.cumsum(x, axis=1), _x(3, 4)),
    ("cumprod", lambda x: ops.cumprod(x, axis=0), _x(3, 4, low=0.5, high=1.5)),
    # manipulation
    ("reshape", lambda x: ops.reshape(x, (2, 6)), _x(3, 4)),
    ("transpose", lambda x: ops.transpose(x), _x(3, 4)),
    ("concatenate", lambda x: ops.concatenate([x, C], axis=0), _x(3, 4)),
    ("stack", lambda x: ops.stack([C, x], axis=1), _x(3, 4)),
    ("pad", lambda x: ops.pad(x, ((1, 0), (0, 2))), _x(3, 4)),
    ("tile", lambda x: ops.tile(x, (2, 1)), _x(3, 4)),
    ("flip", lambda x: ops.flip(x, axis=1), _x(3, 4)),
    ("roll", lambda x: ops.roll(x, 1, axis=0), _x(3, 4)),
    ("repeat", lambda x: ops.repeat(x, 2, axis=1), _x(3, 4)),
    ("broadcast_to", lambda x: ops.broadcast_to(x, (2, 3, 4)), _x(3, 4)),
    # linear
    ("matmul", lambda x: ops.matmul(x, C.T), _x(3, 4)),
    ("matmul x2", lambda x: ops.matmul(C, x), _x(4, 2)),
    ("dot", lambda x: ops.dot(x, C[0]), _x(3, 4)),
    ("einsum", lambda x: ops.einsum("ij,kj->ik", x, C), _x(3, 4)),
    ("einsum trace", lambda x: ops.einsum("ii", x), _x(3, 3)),
    ("tensordot", lambda x: ops.tensordot(x, C, axes=([1], [1])), _x(3, 4)),
    ("outer", lambda x: ops.outer(x, C[0]), _x(3)),
    ("inner", lambda x: ops.inner(x, C), _x(2, 4)),
    ("vdot", lambda x: ops.vdot(x, C), _x(3, 4)),
    ("kron", lambda x: ops.kron(x, C[:2, :2]), _x(2, 2)),
    ("cross", lambda x: ops.cross(x, C[:, :3]), _x(3, 3)),
    ("diff", lambda x: ops.diff(x, n=2), _x(3, 4)),
    ("correlate", lambda x: ops.correlate(x, C[0], mode="full"), _x(5)),
    ("slogdet", lambda x: ops.slogdet(x)[1], _x(3, 3) + 2 * np.eye(3)),
    # indexing
    ("take", lambda x: ops.take(x, np.array([2, 0, 2]), axis=1), _x(3, 4)),
    ("take_along_axis", lambda x: ops.take_along_axis(x, np.array([[0], [3], [1]]), axis=1), _x(3, 4)),
    ("where", lambda x: ops.where(C > 0, x, -x), _x(3, 4)),
    ("sort", lambda x: ops.sort(x, axis=1), _apart(3, 4)),
    ("get_item", lambda x: ops.get_item(x, (slice(1, None), slice(None, None, 2))), _x(3, 4)),
    ("diagonal", lambda x: ops.diagonal(x), _x(3, 4)),
    ("trace", lambda x: ops.trace(x), _x(3, 4)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_gradient_matches_finite_differences(case):
    _, f, x = case
    try:
        value = to_numpy(f(x))
    except AttributeError as e:
        if "k_backends" in str(e) and "has no attribute" in str(e):
            pytest.skip(f"the {BACKEND} backend does not implement this op yet ({e})")
        raise
    weights = np.random.default_rng(1).uniform(0.5, 1.5, size=value.shape)
    expected = numeric_gradient(f, x, weights)
    actual = backend_gradient(f, x, weights)
    assert actual.shape == x.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


def test_enough_ops_are_checked():
    assert len(CASES) >= 40
