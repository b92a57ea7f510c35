"""CTC loss against a brute-force NumPy sum over every alignment (tiny T and C), plus gradients."""

import itertools

import numpy as np
import pytest

import k_backends
import k_ops
from k_ops.symbolic import KerasTensor

from conftest import BACKEND, assert_close, check_symbolic, to_numpy

ctc_loss = k_ops.nn.ctc_loss


def _collapse(path, blank):
    merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
    return [c for c in merged if c != blank]


def brute_force_ctc(target, logits, target_length, output_length, blank=0):
    """-log of the summed probability of every path over the valid frames that collapses to the target."""
    logits = np.asarray(logits, dtype="float64")
    losses = []
    for b in range(logits.shape[0]):
        frames = logits[b, : output_length[b]]
        probs = np.exp(frames - frames.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        label = list(target[b, : target_length[b]])
        total = 0.0
        for path in itertools.product(range(logits.shape[2]), repeat=len(frames)):
            if _collapse(path, blank) == label:
                total += np.prod([probs[t, c] for t, c in enumerate(path)])
        losses.append(-np.log(total))
    return np.array(losses)


# target, target_length, output_length, blank; every batch has the same shapes (logits (2, 4, 3)),
# so jax compiles the ops once.
CASES = [
    ([[1, 2], [2, 2]], [2, 1], [4, 4], 0),   # distinct labels; a single label
    ([[1, 1], [2, 1]], [2, 2], [4, 3], 0),   # a repeat needs a blank; a shorter sequence
    ([[1, 0], [2, 2]], [0, 2], [4, 4], 0),   # an empty target; a repeat
    ([[0, 1], [1, 1]], [2, 1], [2, 1], 2),   # blank is the last class; very short outputs
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_ctc_loss_matches_brute_force(case):
    *arrays, blank = CASES[case]
    target, target_length, output_length = (np.array(v, "int32") for v in arrays)
    logits = np.random.default_rng(case).normal(size=(2, 4, 3))
    expected = brute_force_ctc(target, logits, target_length, output_length, blank)
    result = ctc_loss(target, logits.astype("float32"), target_length, output_length, mask_index=blank)
    assert_close(result, expected, dtype="float32", rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype,expected_dtype", [("float64", "float64"), ("float16", "float32"),
                                                  ("bfloat16", "float32"), ("int32", "float32")])
def test_ctc_loss_dtypes(dtype, expected_dtype):
    target = np.array([[1, 2], [2, 1]], "int32")
    target_length, output_length = np.array([2, 2], "int32"), np.array([4, 3], "int32")
    logits = np.random.default_rng(0).normal(size=(2, 4, 3))
    if dtype == "int32":
        logits = np.round(logits)
    if dtype == "bfloat16":
        import ml_dtypes

        cast = logits.astype(ml_dtypes.bfloat16)
    else:
        cast = logits.astype(dtype)
    expected = brute_force_ctc(target, np.asarray(cast, "float64"), target_length, output_length)
    result = ctc_loss(target, cast, target_length, output_length)
    assert_close(result, expected, dtype=expected_dtype, rtol=1e-5 if dtype != "float64" else 1e-12)


def test_ctc_loss_impossible_target_is_large_and_finite():
    # [1, 1] needs 3 frames (a blank between the repeats); 2 are given.
    target, lengths = np.array([[1, 1], [1, 1]], "int32"), np.array([2, 2], "int32")
    result = to_numpy(ctc_loss(target, np.zeros((2, 4, 3), "float32"), lengths, lengths))
    assert np.all(np.isfinite(result)) and np.all(result > 1e4)


def test_ctc_loss_symbolic():
    target, logits = np.array([[1, 2], [2, 0]], "int32"), np.zeros((2, 4, 3), "float16")
    check_symbolic(ctc_loss, target, logits, np.array([2, 1], "int32"), np.array([4, 3], "int32"))
    spec = ctc_loss(KerasTensor((None, 5), "int32"), KerasTensor((None, 7, 4), "float64"),
                    KerasTensor((None,), "int32"), KerasTensor((None,), "int32"))
    assert spec.shape == (None,) and spec.dtype == "float64"


def test_ctc_loss_errors():
    target, logits, lengths = np.array([[1, 2]]), np.zeros((1, 4, 3), "float32"), np.array([2])
    with pytest.raises(ValueError, match="rank 3"):
        ctc_loss(target, logits[0], lengths, lengths)
    with pytest.raises(ValueError, match="rank 2"):
        ctc_loss(target[0], logits, lengths, lengths)
    with pytest.raises(ValueError, match="mask_index"):
        ctc_loss(target, logits, lengths, lengths, mask_index=3)
    with pytest.raises(TypeError, match="target"):
        ctc_loss(target.astype("float32"), logits, lengths, lengths)
    with pytest.raises(ValueError, match="batch"):
        ctc_loss(np.array([[1, 2], [1, 1]]), logits, lengths, lengths)


def _backend_gradient(f, x):
    if BACKEND == "jax":
        import jax

        return np.asarray(jax.grad(lambda t: f(t).sum())(x))
    if BACKEND == "torch":
        import torch

        device = k_backends.current().core.current_device()
        t = torch.tensor(x, dtype=torch.float64, device=device, requires_grad=True)
        (grad,) = torch.autograd.grad(f(t).sum(), t)
        return grad.detach().cpu().numpy()
    import tensorflow as tf

    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        loss = tf.reduce_sum(f(t))
    return tape.gradient(loss, t).numpy()


@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend computes no gradients")
def test_ctc_loss_gradient_matches_finite_differences():
    target = np.array([[1, 2], [1, 1]], "int32")
    target_length, output_length = np.array([2, 2], "int32"), np.array([4, 3], "int32")
    weights = np.array([0.7, -1.3])
    x = np.random.default_rng(3).normal(size=(2, 4, 3))

    def f(logits):
        return k_ops.numpy.multiply(ctc_loss(target, logits, target_length, output_length), weights)

    # Directional derivatives along a few random directions (cheaper than every coordinate).
    grad = _backend_gradient(f, x)
    eps = 1e-6
    for seed in range(2):
        direction = np.random.default_rng(10 + seed).normal(size=x.shape)
        up, down = to_numpy(f(x + eps * direction)).sum(), to_numpy(f(x - eps * direction)).sum()
        expected = (up - down) / (2 * eps)
        np.testing.assert_allclose(np.sum(grad * direction), expected, rtol=1e-6, atol=1e-8)
    # Each frame's gradient with respect to the logits sums to zero (softmax invariance).
    np.testing.assert_allclose(grad.sum(-1), 0.0, atol=1e-10)
