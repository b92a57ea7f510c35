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


# --- ctc_decode ------------------------------------------------------------------------------------

ctc_decode = k_ops.nn.ctc_decode


def greedy_reference(logits, lengths, merge_repeated=True, blank=0):
    """Best class per valid frame, repeats merged, blanks dropped; score -sum of the frame maxima."""
    batch, time, _ = logits.shape
    decoded = np.full((1, batch, time), -1, "int32")
    scores = np.zeros((batch, 1))
    for b in range(batch):
        best = list(np.argmax(logits[b, : lengths[b]], axis=-1))
        labels = _collapse(best, blank) if merge_repeated else [c for c in best if c != blank]
        decoded[0, b, : len(labels)] = labels
        scores[b, 0] = -np.max(logits[b, : lengths[b]], axis=-1).sum()
    return decoded, scores


def exhaustive_reference(logits, lengths, top_paths, blank=0):
    """The most probable label sequences, summing every path's probability (exact for tiny T, C)."""
    batch, time, classes = logits.shape
    decoded = np.full((top_paths, batch, time), -1, "int32")
    scores = np.zeros((batch, top_paths))
    for b in range(batch):
        frames = np.asarray(logits[b, : max(lengths[b], 1)], "float64")
        log_probs = frames - np.log(np.exp(frames).sum(-1, keepdims=True))
        totals = {}
        for path in itertools.product(range(classes), repeat=len(frames)):
            key = tuple(_collapse(list(path), blank))
            totals[key] = totals.get(key, 0.0) + np.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
        best = sorted(totals.items(), key=lambda item: -item[1])[:top_paths]
        for k, (labels, prob) in enumerate(best):
            decoded[k, b, : len(labels)] = labels
            scores[b, k] = np.log(prob)
    return decoded, scores


DECODE_LOGITS = np.random.default_rng(7).normal(size=(3, 4, 3)).astype("float32") * 2
DECODE_LENGTHS = np.array([4, 3, 1], "int32")


@pytest.mark.parametrize("merge_repeated", [True, False])
@pytest.mark.parametrize("blank", [0, 2])
def test_ctc_decode_greedy_matches_reference(merge_repeated, blank):
    # Repeats and blanks in known places (class 1 repeated, then a blank, then class 1 again).
    logits = DECODE_LOGITS.copy()
    logits[0] = np.eye(3)[[1, 1, blank, 1]] * 3
    decoded, scores = ctc_decode(DECODE_LOGITS if blank == 2 else logits, DECODE_LENGTHS,
                                 merge_repeated=merge_repeated, mask_index=blank)
    expected = greedy_reference(DECODE_LOGITS if blank == 2 else logits, DECODE_LENGTHS,
                                merge_repeated, blank)
    assert_close(decoded, expected[0], dtype="int32")
    assert_close(scores, expected[1], dtype="float32")


@pytest.mark.parametrize("blank", [0, 1])
@pytest.mark.parametrize("top_paths", [1, 3])
def test_ctc_decode_beam_search_matches_exhaustive(blank, top_paths):
    # A beam of 100 holds every prefix of 4 frames and 2 labels (31), so the search is exact.
    decoded, scores = ctc_decode(DECODE_LOGITS, DECODE_LENGTHS, strategy="beam_search", beam_width=100,
                                 top_paths=top_paths, mask_index=blank)
    expected = exhaustive_reference(DECODE_LOGITS, DECODE_LENGTHS, top_paths, blank)
    assert_close(decoded, expected[0], dtype="int32")
    assert_close(scores, expected[1], dtype="float32", rtol=1e-5, atol=1e-6)


# Values from Keras 3.15.1 (jax and tensorflow backends agree) on these inputs.
KERAS_LOGITS = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")
KERAS_LENGTHS = np.array([5, 3], "int32")
KERAS_CASES = [
    (dict(), [[[2, 3, 1, 3, -1], [1, 1, -1, -1, -1]]], [[-2.80947], [-2.490129]]),
    (dict(merge_repeated=False), [[[2, 2, 3, 1, 3], [1, 1, -1, -1, -1]]], [[-2.80947], [-2.490129]]),
    (dict(strategy="beam_search", beam_width=3, top_paths=3),
     [[[2, 3, -1, -1, -1], [1, -1, -1, -1, -1]], [[2, 3, 1, 3, -1], [1, 3, -1, -1, -1]],
      [[2, 3, 1, -1, -1], [1, 1, -1, -1, -1]]],
     [[-2.909841, -2.994072, -3.323159], [-1.584202, -2.019096, -2.024693]]),
    (dict(strategy="beam_search", beam_width=100, top_paths=2),
     [[[2, 3, -1, -1, -1], [1, -1, -1, -1, -1]], [[2, 1, 3, -1, -1], [1, 3, -1, -1, -1]]],
     [[-2.737496, -2.849725], [-1.584202, -1.848757]]),
]


@pytest.mark.parametrize("case", range(len(KERAS_CASES)))
def test_ctc_decode_matches_keras(case):
    kwargs, expected_decoded, expected_scores = KERAS_CASES[case]
    decoded, scores = ctc_decode(KERAS_LOGITS, KERAS_LENGTHS, **kwargs)
    assert_close(decoded, np.array(expected_decoded, "int32"), dtype="int32")
    assert_close(scores, np.array(expected_scores), dtype="float32", rtol=1e-5, atol=1e-5)


def test_ctc_decode_beam_search_ties_match_keras():
    # Integer logits tie often; Keras's jax backend (checked) breaks ties this way.
    logits = np.array([[[0, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 1]]], "float32")
    decoded, scores = ctc_decode(logits, np.array([4]), strategy="beam_search", beam_width=2, top_paths=2)
    assert_close(decoded, np.array([[[1, 2, -1, -1]], [[1, -1, -1, -1]]], "int32"), dtype="int32")
    assert_close(scores, np.array([[-1.5074754, -2.923146]]), dtype="float32", rtol=1e-5)


@pytest.mark.parametrize("dtype,expected", [("float64", "float64"), ("float16", "float32"),
                                            ("int32", "float32")])
@pytest.mark.parametrize("strategy", ["greedy", "beam_search"])
def test_ctc_decode_dtypes(dtype, expected, strategy):
    logits = np.round(DECODE_LOGITS * 4) if dtype == "int32" else DECODE_LOGITS
    decoded, scores = ctc_decode(logits.astype(dtype), DECODE_LENGTHS, strategy=strategy, beam_width=4,
                                 top_paths=2 if strategy == "beam_search" else 1)
    assert k_backends.dtypes.standardize_dtype(to_numpy(decoded).dtype) == "int32"
    assert_close(scores, to_numpy(scores), dtype=expected)


@pytest.mark.parametrize("strategy", ["greedy", "beam_search"])
def test_ctc_decode_symbolic(strategy):
    check_symbolic(ctc_decode, DECODE_LOGITS, DECODE_LENGTHS, strategy=strategy, beam_width=5, top_paths=2)
    decoded, scores = ctc_decode(KerasTensor((None, 7, 4), "float64"), KerasTensor((None,), "int32"),
                                 strategy=strategy, top_paths=3)
    paths = 1 if strategy == "greedy" else 3
    assert decoded.shape == (paths, None, 7) and decoded.dtype == "int32"
    assert scores.shape == (None, paths) and scores.dtype == "float64"


def test_ctc_decode_errors():
    with pytest.raises(ValueError, match="strategy"):
        ctc_decode(DECODE_LOGITS, DECODE_LENGTHS, strategy="beam")
    with pytest.raises(ValueError, match="rank 3"):
        ctc_decode(DECODE_LOGITS[0], DECODE_LENGTHS)
    with pytest.raises(ValueError, match="batch"):
        ctc_decode(DECODE_LOGITS, DECODE_LENGTHS[:2])
    with pytest.raises(TypeError, match="sequence_lengths"):
        ctc_decode(DECODE_LOGITS, DECODE_LENGTHS.astype("float32"))
    with pytest.raises(ValueError, match="mask_index"):
        ctc_decode(DECODE_LOGITS, DECODE_LENGTHS, mask_index=3)
    with pytest.raises(ValueError, match="beam_width"):
        ctc_decode(DECODE_LOGITS, DECODE_LENGTHS, strategy="beam_search", beam_width=0)
    with pytest.raises(ValueError, match="top_paths <= beam_width"):
        ctc_decode(DECODE_LOGITS, DECODE_LENGTHS, strategy="beam_search", beam_width=2, top_paths=3)


@pytest.mark.skipif(BACKEND not in ("jax", "tensorflow"), reason="tracing is checked on jax and tensorflow")
def test_ctc_decode_beam_search_refuses_tracing_and_greedy_traces():
    def beam(x):
        return ctc_decode(x, DECODE_LENGTHS, strategy="beam_search")[0]

    def greedy(x):
        return ctc_decode(x, DECODE_LENGTHS)[0]

    if BACKEND == "jax":
        import jax

        trace = jax.jit
    else:
        import tensorflow as tf

        trace = tf.function
    with pytest.raises(RuntimeError, match="cannot be traced"):
        trace(beam)(DECODE_LOGITS)
    if BACKEND == "jax":  # (tracing greedy in a tf.function works too, but takes seconds)
        assert_close(trace(greedy)(DECODE_LOGITS), greedy_reference(DECODE_LOGITS, DECODE_LENGTHS)[0])
