import math

import numpy as np
import pytest

import k_ops
from k_backends import dtypes

from conftest import (
    ALL_DTYPES,
    BACKEND,
    FLOAT_DTYPES,
    assert_close,
    check_symbolic,
    dtype_name,
    reference_input,
    to_numpy,
)

_erf = np.vectorize(math.erf)
_erfc = np.vectorize(math.erfc)


def _float_result(dtype):
    return dtype if dtype in FLOAT_DTYPES else dtypes.result_type(float)


def _erfinv(y):
    """erfinv by bisection on math.erf: slow but independent of the op under test."""
    low, high = np.full(y.shape, -6.0), np.full(y.shape, 6.0)
    for _ in range(200):
        mid = (low + high) / 2
        below = _erf(mid) < y
        low, high = np.where(below, mid, low), np.where(below, high, mid)
    return np.where(np.abs(y) == 1, np.copysign(np.inf, y), (low + high) / 2)


# name: (op, float64 reference, input range)
UNARY = {
    "erf": (k_ops.erf, _erf, (-4, 4)),
    "erfc": (k_ops.erfc, _erfc, (-4, 8)),
    "erfinv": (k_ops.erfinv, _erfinv, (-0.99, 0.99)),
    "rsqrt": (k_ops.rsqrt, lambda x: np.divide(1, np.sqrt(x), where=x > 0, out=np.full(x.shape, np.inf)),
              (0.1, 50)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_special_functions_match_reference(name, dtype):
    op, reference, (low, high) = UNARY[name]
    if dtype not in FLOAT_DTYPES and name in ("erfinv", "rsqrt"):
        low, high = (0, 1) if name == "erfinv" else (1, 5)
    x = reference_input(dtype, (3, 5), low=low, high=high)
    if name == "erfinv" and dtype in ("float16", "bfloat16"):
        # Far from +-1, where the low-precision input's rounding is not amplified.
        x = (x.astype("float64") * 0.8).astype(x.dtype)
    assert_close(op(x), reference(x.astype("float64")), dtype=_float_result(dtype))
    check_symbolic(op, x)


def test_erfc_keeps_precision_in_the_tail():
    assert_close(k_ops.erfc(np.array([5.0, 10.0, 26.0])), [math.erfc(5.0), math.erfc(10.0), math.erfc(26.0)],
                 dtype="float64", atol=0)


def test_erfinv_ends_and_outside():
    result = to_numpy(k_ops.erfinv(np.array([-1.0, 1.0, 1.5, 0.0])))
    np.testing.assert_array_equal(result[:2], [-np.inf, np.inf])
    assert np.isnan(result[2]) and result[3] == 0


def _logsumexp(x, axis, keepdims):
    x = x.astype("float64")
    peak = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return out if keepdims else np.squeeze(out, axis=axis)


@pytest.mark.parametrize("axis", [None, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", ["int32", "float16", "float64"])
def test_logsumexp_matches_numpy(dtype, axis, keepdims):
    x = reference_input(dtype, (2, 3, 4))
    assert_close(k_ops.logsumexp(x, axis=axis, keepdims=keepdims), _logsumexp(x, axis, keepdims),
                 dtype=_float_result(dtype))
    check_symbolic(k_ops.logsumexp, x, axis=axis, keepdims=keepdims)


def test_logsumexp_does_not_overflow():
    x = np.array([[1000.0, 1000.0], [-1000.0, -np.inf]], "float32")
    assert_close(k_ops.logsumexp(x, axis=1), [1000 + math.log(2), -1000.0], dtype="float32")
    assert to_numpy(k_ops.logsumexp(np.array([-np.inf, -np.inf]))) == -np.inf


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logdet_of_positive_definite_matrices(dtype):
    a = reference_input("float64", (3, 4, 4), seed=3)
    x = (a @ np.swapaxes(a, -1, -2) + 4 * np.eye(4)).astype(dtype)
    assert_close(k_ops.logdet(x), np.log(np.linalg.det(x.astype("float64"))), dtype=dtype, atol=1e-4)
    check_symbolic(k_ops.logdet, x)


def test_logdet_of_a_negative_determinant_is_nan():
    assert np.isnan(to_numpy(k_ops.logdet(np.array([[-1.0, 0.0], [0.0, 2.0]]))))


def test_logdet_rejects_non_square():
    with pytest.raises(ValueError, match="square"):
        k_ops.logdet(k_ops.KerasTensor((3, 2)))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_top_k_matches_sorting(dtype):
    x = reference_input(dtype, (3, 6), seed=4, low=-20, high=20)
    values, indices = k_ops.top_k(x, 3)
    # Ties keep the lower index first: a stable sort of the negated order.
    order = np.argsort(-x.astype("float64"), axis=-1, kind="stable")[:, :3]
    assert_close(indices, order, dtype="int32")
    assert_close(values, np.take_along_axis(x, order, axis=-1), dtype=dtype)
    check_symbolic(k_ops.top_k, x, 3)


def test_top_k_ties_take_the_lower_index_first():
    values, indices = k_ops.top_k(np.array([1.0, 3.0, 3.0, 2.0, 3.0]), 3, sorted=False)
    assert_close(values, [3.0, 3.0, 3.0])
    assert_close(indices, [1, 2, 4], dtype="int32")


def test_top_k_rejects_k_beyond_the_last_dimension():
    with pytest.raises(ValueError, match="k <= 4"):
        k_ops.top_k(np.ones((2, 4)), 5)
    with pytest.raises(ValueError, match="k <= 4"):
        k_ops.top_k(k_ops.KerasTensor((None, 4)), 5)


def test_in_top_k_counts_ties_and_rejects_non_finite():
    predictions = np.array([[0.1, 0.5, 0.5], [0.3, 0.6, 0.1], [np.nan, 0.2, 0.1], [0.2, 0.3, 0.5]], "float32")
    targets = np.array([1, 0, 0, 1])
    expected = [True, False, False, False]
    assert_close(k_ops.in_top_k(targets, predictions, 1), expected, dtype="bool")
    assert_close(k_ops.in_top_k(targets, predictions, 2), [True, True, False, True], dtype="bool")
    check_symbolic(k_ops.in_top_k, targets.astype("int32"), predictions, 2)


def test_in_top_k_rejects_mismatched_batches():
    with pytest.raises(ValueError, match="2 targets for 3 rows"):
        k_ops.in_top_k(k_ops.KerasTensor((2,), "int32"), k_ops.KerasTensor((3, 5)), 1)


SEGMENTS = {
    "segment_sum": (k_ops.segment_sum, np.add, 0),
    "segment_max": (k_ops.segment_max, np.maximum, "lowest"),
    "segment_min": (k_ops.segment_min, np.minimum, "highest"),
    "segment_prod": (k_ops.segment_prod, np.multiply, 1),
}


def _segment_reference(ufunc, empty, data, ids, count):
    is_float = data.dtype.kind == "f" or data.dtype.name == "bfloat16"
    if empty == "lowest":
        empty = -np.inf if is_float else np.iinfo(data.dtype).min
    elif empty == "highest":
        empty = np.inf if is_float else np.iinfo(data.dtype).max
    out = np.full((count,) + data.shape[1:], empty, dtype="float64" if is_float else data.dtype)
    ufunc.at(out, ids, data.astype(out.dtype))
    return out


@pytest.mark.parametrize("name", sorted(SEGMENTS))
@pytest.mark.parametrize("dtype", [d for d in ALL_DTYPES if d != "bool"])
def test_segment_reductions_match_numpy(name, dtype):
    op, ufunc, empty = SEGMENTS[name]
    data = reference_input(dtype, (6, 2), seed=5, low=-3, high=3)
    ids = np.array([0, 3, 0, 1, 3, 3], "int32")  # segment 2 is empty
    expected = _segment_reference(ufunc, empty, data, ids, 5)
    assert_close(op(data, ids, num_segments=5), expected, dtype=dtype)
    assert_close(op(data, ids), expected[:4], dtype=dtype)
    check_symbolic(op, data, ids, num_segments=5)


@pytest.mark.parametrize("name", sorted(SEGMENTS))
def test_segment_reductions_take_sorted_ids(name):
    op, ufunc, empty = SEGMENTS[name]
    data = reference_input("float32", (5, 3), seed=6)
    ids = np.array([0, 0, 1, 2, 2], "int32")
    assert_close(op(data, ids, num_segments=3, sorted=True), _segment_reference(ufunc, empty, data, ids, 3))


def test_segment_sum_drops_ids_out_of_range():
    result = k_ops.segment_sum(np.array([1.0, 2.0, 4.0, 8.0]), np.array([0, -1, 1, 2]), num_segments=2)
    assert_close(result, [1.0, 4.0])


def test_segment_symbolic_without_num_segments_is_unknown():
    out = k_ops.segment_max(k_ops.KerasTensor((5, 3)), k_ops.KerasTensor((5,), "int32"))
    assert out.shape == (None, 3) and out.dtype == "float32"


def test_segment_rejects_mismatched_ids():
    with pytest.raises(ValueError, match="segment_ids has 4 entries but data has 5 rows"):
        k_ops.segment_sum(np.ones((5, 2)), np.zeros(4, "int32"))
    with pytest.raises(ValueError, match="1-D"):
        k_ops.segment_sum(k_ops.KerasTensor((5, 2)), k_ops.KerasTensor((5, 1), "int32"))


# -- gradients ---------------------------------------------------------------
def _gradient(f, x):
    """d sum(f(x)) / dx with the backend's own autodiff."""
    if BACKEND == "jax":
        import jax

        return jax.grad(lambda v: f(v).sum())(x)
    if BACKEND == "torch":
        import torch

        v = torch.tensor(x, requires_grad=True)
        f(v).sum().backward()
        return v.grad
    import tensorflow as tf

    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(f(v))
    return tape.gradient(y, v)


GRADIENTS = {
    "logsumexp": (lambda v: k_ops.logsumexp(v, axis=-1),
                  lambda x: np.exp(x - _logsumexp(x, -1, True))),
    "erf": (k_ops.erf, lambda x: 2 / np.sqrt(np.pi) * np.exp(-x * x)),
    "erfinv": (k_ops.erfinv, lambda x: np.sqrt(np.pi) / 2 * np.exp(_erfinv(x) ** 2)),
    "rsqrt": (k_ops.rsqrt, lambda x: -0.5 * x ** -1.5),
}


@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend has no autodiff")
@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_gradients_match_closed_forms(name):
    f, derivative = GRADIENTS[name]
    x = np.array([[0.2, 0.5, 0.9], [0.3, 0.1, 0.7]])
    assert_close(_gradient(f, x), derivative(x), rtol=1e-6, atol=1e-9)


# -- FFTs ------------------------------------------------------------------------
def _complex_input(dtype, shape):
    return reference_input(dtype, shape, seed=7), reference_input(dtype, shape, seed=8)


def _fft_tolerance(dtype):
    return {"float16": 2e-2, "bfloat16": 1e-1, "float32": 1e-4, "float64": 1e-10}[dtype]


COMPLEX_FFTS = {
    "fft": (k_ops.fft, np.fft.fft, (3, 8)),
    "fft2": (k_ops.fft2, np.fft.fft2, (2, 4, 6)),
    "ifft2": (k_ops.ifft2, np.fft.ifft2, (2, 4, 6)),
}


@pytest.mark.parametrize("name", sorted(COMPLEX_FFTS))
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_complex_ffts_match_numpy(name, dtype):
    op, reference, shape = COMPLEX_FFTS[name]
    real, imag = _complex_input(dtype, shape)
    expected = reference(real.astype("float64") + 1j * imag.astype("float64"))
    out_real, out_imag = op((real, imag))
    tol = _fft_tolerance(dtype)
    assert_close(out_real, expected.real, dtype=dtype, rtol=tol, atol=tol * 10)
    assert_close(out_imag, expected.imag, dtype=dtype, rtol=tol, atol=tol * 10)
    check_symbolic(op, (real, imag))


@pytest.mark.parametrize("fft_length", [None, 6, 11])
@pytest.mark.parametrize("dtype", ["int32", "float32", "float64"])
def test_rfft_and_irfft_match_numpy(dtype, fft_length):
    x = reference_input(dtype, (3, 8), seed=9)
    expected = np.fft.rfft(x.astype("float64"), n=fft_length)
    result_dtype = _float_result(dtype)
    tol = _fft_tolerance(result_dtype)
    real, imag = k_ops.rfft(x, fft_length=fft_length)
    assert_close(real, expected.real, dtype=result_dtype, rtol=tol, atol=tol * 10)
    assert_close(imag, expected.imag, dtype=result_dtype, rtol=tol, atol=tol * 10)
    check_symbolic(k_ops.rfft, x, fft_length=fft_length)
    pair = (expected.real.astype(result_dtype), expected.imag.astype(result_dtype))
    assert_close(k_ops.irfft(pair, fft_length=fft_length), np.fft.irfft(expected, n=fft_length),
                 dtype=result_dtype, rtol=tol, atol=tol * 10)
    check_symbolic(k_ops.irfft, pair, fft_length=fft_length)


def test_irfft_inverts_rfft():
    x = reference_input("float64", (2, 10), seed=10)
    assert_close(k_ops.irfft(k_ops.rfft(x)), x, dtype="float64")


def test_ffts_reject_a_single_tensor_and_mismatched_parts():
    with pytest.raises(TypeError, match=r"tuple \(real, imag\)"):
        k_ops.fft(np.ones(4))
    with pytest.raises(ValueError, match="equal shapes"):
        k_ops.fft((np.ones(4), np.ones(3)))
    with pytest.raises(ValueError, match="rank 2"):
        k_ops.fft2((k_ops.KerasTensor((4,)), k_ops.KerasTensor((4,))))


@pytest.mark.parametrize("dtype", ["int32", "float32", "float64"])
def test_view_as_complex_and_back(dtype):
    x = reference_input(dtype, (3, 2), seed=11)
    complex_dtype = "complex128" if dtype == "float64" else "complex64"
    z = k_ops.view_as_complex(x)
    assert dtype_name(z) == complex_dtype
    np.testing.assert_array_equal(to_numpy(z), x[:, 0] + 1j * x[:, 1].astype("float64"))
    check_symbolic(k_ops.view_as_complex, x)
    back = k_ops.view_as_real(z)
    assert_close(back, x.astype("float64"), dtype="float64" if dtype == "float64" else "float32")
    check_symbolic(k_ops.view_as_real, np.asarray(to_numpy(z)))


def test_view_as_complex_and_real_reject_wrong_inputs():
    with pytest.raises(ValueError, match="last dimension of 2"):
        k_ops.view_as_complex(np.ones((2, 3)))
    with pytest.raises(TypeError, match="complex tensor"):
        k_ops.view_as_real(np.ones((2, 2)))


def _windows(x, length, stride):
    count = max(0, 1 + (x.shape[-1] - length) // stride)
    return np.stack([x[..., i * stride:i * stride + length] for i in range(count)], axis=-2)


@pytest.mark.parametrize("length,stride", [(3, 2), (4, 4), (1, 1), (10, 3)])
@pytest.mark.parametrize("dtype", ["int32", "float32", "bool"])
def test_extract_sequences_matches_slicing(dtype, length, stride):
    x = reference_input(dtype, (2, 3, 10), seed=12)
    assert_close(k_ops.extract_sequences(x, length, stride), _windows(x, length, stride), dtype=dtype)
    check_symbolic(k_ops.extract_sequences, x, length, stride)


def test_extract_sequences_rejects_bad_lengths():
    with pytest.raises(ValueError, match="positive int sequence_stride"):
        k_ops.extract_sequences(np.ones(5), 2, 0)
    with pytest.raises(ValueError, match="positive int sequence_length"):
        k_ops.extract_sequences(k_ops.KerasTensor((None, 5)), -1, 1)


def _stft_reference(x, sequence_length, sequence_stride, fft_length, window, center):
    x = x.astype("float64")
    if center:
        half = fft_length // 2
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)], mode="reflect")
    frames = _windows(x, fft_length, sequence_stride)
    if window is not None:
        n = np.arange(sequence_length)
        w = 0.5 - 0.5 * np.cos(2 * np.pi * n / sequence_length) if window == "hann" else \
            0.54 - 0.46 * np.cos(2 * np.pi * n / sequence_length)
        left = (fft_length - sequence_length) // 2
        frames = frames * np.pad(w, (left, fft_length - sequence_length - left))
    return np.fft.rfft(frames, n=fft_length)


@pytest.mark.parametrize("sequence_length,sequence_stride,fft_length,window,center", [
    (16, 8, 16, "hann", True), (12, 5, 16, "hamming", False), (8, 4, 8, None, True)])
def test_stft_matches_numpy(sequence_length, sequence_stride, fft_length, window, center):
    x = reference_input("float32", (2, 50), seed=13)
    expected = _stft_reference(x, sequence_length, sequence_stride, fft_length, window, center)
    real, imag = k_ops.stft(x, sequence_length, sequence_stride, fft_length, window=window, center=center)
    assert_close(real, expected.real, dtype="float32", rtol=1e-4, atol=1e-4)
    assert_close(imag, expected.imag, dtype="float32", rtol=1e-4, atol=1e-4)
    check_symbolic(k_ops.stft, x, sequence_length, sequence_stride, fft_length, window=window, center=center)


@pytest.mark.parametrize("window", ["hann", "hamming", None])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_istft_inverts_stft(dtype, window):
    x = reference_input(dtype, (2, 64), seed=14)
    pair = k_ops.stft(x, 16, 4, 16, window=window)
    assert_close(k_ops.istft(pair, 16, 4, 16, length=64, window=window), x, dtype=dtype, rtol=1e-4, atol=1e-4)
    pair = tuple(np.asarray(to_numpy(p)) for p in pair)
    check_symbolic(k_ops.istft, pair, 16, 4, 16, length=64, window=window)
    check_symbolic(k_ops.istft, pair, 16, 4, 16, window=window)


def test_stft_rejects_a_window_longer_than_the_fft():
    with pytest.raises(ValueError, match="sequence_length <= fft_length"):
        k_ops.stft(np.ones(32), 16, 4, 8)
