import math

import numpy as np
import pytest

import k_ops
from k_ops import linalg

from conftest import BACKEND, RTOL, assert_close, check_symbolic, dtype_name, to_numpy

RNG = np.random.default_rng(0)
GENERAL = RNG.uniform(-1, 1, (2, 3, 3)) + 3 * np.eye(3)          # batched, well conditioned
SPD = GENERAL @ np.swapaxes(GENERAL, -1, -2) + np.eye(3)
RECT = RNG.uniform(-1, 1, (2, 4, 3))
TOL = {"float32": 1e-4, "float64": 1e-10, "float16": 1e-2, "bfloat16": 5e-2}


def _np(x):
    return to_numpy(x).astype("complex128" if np.iscomplexobj(to_numpy(x)) else "float64")


def _close(actual, expected, dtype):
    np.testing.assert_allclose(_np(actual), expected, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_det_inv_solve_match_numpy(dtype):
    x = GENERAL.astype(dtype)
    _close(linalg.det(x), np.linalg.det(GENERAL), dtype)
    _close(linalg.inv(x), np.linalg.inv(GENERAL), dtype)
    b = RNG.uniform(-1, 1, (2, 3, 2))
    _close(linalg.solve(x, b.astype(dtype)), np.linalg.solve(GENERAL, b), dtype)
    _close(linalg.solve(x, np.ones(3, dtype)), np.linalg.solve(GENERAL, np.ones((3, 1)))[..., 0], dtype)


@pytest.mark.parametrize("dtype, expected", [("int32", "float32"), ("int64", "float32"),
                                             ("float16", "float16"), ("bfloat16", "bfloat16"),
                                             ("float64", "float64")])
def test_int_inputs_become_floatx_and_half_floats_are_kept(dtype, expected):
    x = np.array([[3, 1], [1, 2]]).astype("float32")
    x = k_ops.cast(x, dtype)
    result = linalg.det(x)
    assert dtype_name(result) == expected
    np.testing.assert_allclose(to_numpy(result).astype("float64"), 5.0, rtol=RTOL[expected])
    assert dtype_name(linalg.inv(x)) == expected
    assert dtype_name(linalg.norm(x)) == expected


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_and_cholesky_inverse(upper):
    c = linalg.cholesky(SPD, upper=upper)
    lower = np.linalg.cholesky(SPD)
    _close(c, np.swapaxes(lower, -1, -2) if upper else lower, "float64")
    _close(linalg.cholesky_inverse(c, upper=upper), np.linalg.inv(SPD), "float64")
    check_symbolic(linalg.cholesky, SPD.astype("float32"), upper=upper)
    check_symbolic(linalg.cholesky_inverse, SPD, upper=upper)


NORMS = [
    (None, None), (None, 1), (2, 1), (1, -1), (0, 2), (math.inf, 1), (-math.inf, 1), (3, -1), (0.5, 1),
    ("fro", (1, 2)), ("nuc", (1, 2)), (1, (1, 2)), (-1, (1, 2)), (2, (2, 1)), (-2, (1, 2)),
    (math.inf, (1, 2)), (-math.inf, (-1, -2)),
]


@pytest.mark.parametrize("ord, axis", NORMS, ids=[f"{o}-{a}" for o, a in NORMS])
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_matches_numpy(ord, axis, keepdims):
    x = RECT
    expected = np.linalg.norm(x, ord, axis=axis, keepdims=keepdims)
    assert_close(linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims), expected, dtype="float64")
    check_symbolic(linalg.norm, x.astype("float32"), ord=ord, axis=axis, keepdims=keepdims)


def test_norm_of_1d_and_2d_inputs_without_axis():
    assert_close(linalg.norm([3.0, 4.0]), np.float32(5.0), dtype="float32")
    assert_close(linalg.norm(np.array([3, -4]), ord=1), np.float32(7.0), dtype="float32")
    m = RECT[0]
    assert_close(linalg.norm(m, ord=2), np.linalg.norm(m, 2), dtype="float64")
    assert_close(linalg.norm(m, ord=math.inf), np.linalg.norm(m, math.inf), dtype="float64")


@pytest.mark.parametrize("ord, axis, message", [
    (2, None, "explicit axis"), ("nuc", 1, "vector norm"), (3, (1, 2), "matrix norm"),
    (None, (0, 1, 2), "pair of ints"), (None, 5, "not a valid axis")])
def test_norm_rejects_bad_arguments(ord, axis, message):
    with pytest.raises(ValueError, match=message):
        linalg.norm(RECT, ord=ord, axis=axis)


@pytest.mark.parametrize("mode", ["reduced", "complete"])
@pytest.mark.parametrize("shape", [(2, 4, 3), (3, 2, 4)])
def test_qr_reconstructs(mode, shape):
    x = RNG.uniform(-1, 1, shape)
    q, r = (_np(t) for t in linalg.qr(x, mode=mode))
    np.testing.assert_allclose(q @ r, x, atol=1e-10)
    np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q, np.broadcast_to(np.eye(q.shape[-1]),
                                                                           q.shape[:-2] + (q.shape[-1],) * 2),
                               atol=1e-10)
    np.testing.assert_allclose(np.tril(r, -1), 0, atol=1e-10)
    check_symbolic(linalg.qr, x.astype("float32"), mode=mode)


@pytest.mark.parametrize("full_matrices", [True, False])
@pytest.mark.parametrize("shape", [(2, 4, 3), (3, 2, 4)])
def test_svd_reconstructs(full_matrices, shape):
    x = RNG.uniform(-1, 1, shape)
    u, s, vh = (_np(t) for t in linalg.svd(x, full_matrices=full_matrices))
    np.testing.assert_allclose(s, np.linalg.svd(x, compute_uv=False), atol=1e-10)
    k = s.shape[-1]
    np.testing.assert_allclose((u[..., :k] * s[..., None, :]) @ vh[..., :k, :], x, atol=1e-10)
    assert_close(linalg.svd(x, compute_uv=False), np.linalg.svd(x, compute_uv=False), dtype="float64")
    check_symbolic(linalg.svd, x.astype("float32"), full_matrices=full_matrices)
    check_symbolic(linalg.svd, x, compute_uv=False)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_eigh_reconstructs_and_sorts(dtype):
    w, v = (_np(t) for t in linalg.eigh(SPD.astype(dtype)))
    _close(w, np.linalg.eigvalsh(SPD), dtype)
    tol = TOL[dtype] * 100
    np.testing.assert_allclose((v * w[..., None, :]) @ np.swapaxes(v, -1, -2), SPD, rtol=tol, atol=tol)
    check_symbolic(linalg.eigh, SPD.astype(dtype))


@pytest.mark.parametrize("dtype, complex_dtype", [("float32", "complex64"), ("float64", "complex128")])
def test_eig_is_complex_and_reconstructs(dtype, complex_dtype):
    rotation = np.array([[0.0, -1.0], [1.0, 0.0]])  # eigenvalues +-i
    x = np.stack([rotation, GENERAL[0, :2, :2]]).astype(dtype)
    w, v = linalg.eig(x)
    assert dtype_name(w) == complex_dtype and dtype_name(v) == complex_dtype
    w, v = _np(w), _np(v)
    np.testing.assert_allclose(x @ v, v * w[..., None, :], atol=TOL[dtype] * 10)
    np.testing.assert_allclose(np.sort_complex(w[0]), [-1j, 1j], atol=TOL[dtype])
    check_symbolic(linalg.eig, x)


@pytest.mark.parametrize("lower", [False, True])
def test_solve_triangular_reads_one_triangle(lower):
    a = GENERAL
    triangle = np.tril(a) if lower else np.triu(a)
    b = RNG.uniform(-1, 1, (3, 2))
    _close(linalg.solve_triangular(a, b, lower=lower), np.linalg.solve(triangle, b), "float64")
    _close(linalg.solve_triangular(a, b[:, 0], lower=lower),
           np.linalg.solve(triangle, b[:, :1])[..., 0], "float64")
    check_symbolic(linalg.solve_triangular, a, b, lower=lower)


def test_lstsq_pinv_and_matrix_rank():
    b = RNG.uniform(-1, 1, (4,))
    _close(linalg.lstsq(RECT[0], b), np.linalg.lstsq(RECT[0], b, rcond=None)[0], "float64")
    batch_b = RNG.uniform(-1, 1, (2, 4, 2))
    _close(linalg.lstsq(RECT, batch_b), np.linalg.pinv(RECT) @ batch_b, "float64")
    _close(linalg.pinv(RECT), np.linalg.pinv(RECT), "float64")
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert_close(linalg.matrix_rank(np.stack([singular, np.eye(2)])), np.array([1, 2]), dtype="int32")
    assert_close(linalg.matrix_rank(singular, tol=10.0), np.array(0), dtype="int32")
    check_symbolic(linalg.lstsq, RECT, np.ones((2, 4, 2)))
    check_symbolic(linalg.pinv, RECT)
    check_symbolic(linalg.matrix_rank, RECT)


def _unpack_lu(lu, pivots):
    n = lu.shape[-1]
    lower, upper = np.tril(lu, -1) + np.eye(n), np.triu(lu)
    order = np.arange(n)
    for i, p in enumerate(pivots):
        order[[i, p]] = order[[p, i]]
    return lower, upper, order


def test_lu_factor_gives_scipy_pivots():
    x = np.stack([GENERAL[0], np.array([[0.0, 1, 2], [3, 4, 5], [6, 7, 9]])])
    lu, pivots = linalg.lu_factor(x)
    assert dtype_name(pivots) == "int32"
    lu, pivots = _np(lu), to_numpy(pivots)
    assert pivots[1].tolist() == [2, 2, 2]  # partial pivoting picks the largest |entry|: 6, then ...
    for i in range(2):
        lower, upper, order = _unpack_lu(lu[i], pivots[i])
        np.testing.assert_allclose(lower @ upper, x[i][order], atol=1e-10)
    check_symbolic(linalg.lu_factor, x)


def test_solve_errors_name_the_shapes():
    with pytest.raises(ValueError, match="square"):
        linalg.inv(np.ones((2, 3)))
    with pytest.raises(ValueError, match="rows"):
        linalg.solve(np.eye(3), np.ones(2))
    with pytest.raises(ValueError, match="mode"):
        linalg.qr(np.eye(2), mode="r")
    with pytest.raises(ValueError, match="matrices"):
        linalg.svd(np.ones(3))


def test_symbolic_det_inv_solve():
    check_symbolic(linalg.det, GENERAL)
    check_symbolic(linalg.inv, np.eye(3, dtype="int32"))
    check_symbolic(linalg.solve, GENERAL, np.ones((2, 3, 4)))
    check_symbolic(linalg.solve, GENERAL, np.ones(3))


def test_top_level_names():
    assert k_ops.det is linalg.det and k_ops.norm is linalg.norm and k_ops.jvp is linalg.jvp


@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend computes no derivatives")
def test_jvp_is_the_directional_derivative():
    x = np.array([1.0, 2.0], "float32")
    y, dy = linalg.jvp(lambda t: k_ops.multiply(t, t), (x,), (np.array([1.0, 0.5], "float32"),))
    assert_close(y, x * x, dtype="float32")
    assert_close(dy, 2 * x * np.array([1.0, 0.5]), dtype="float32")
    y, dy, aux = linalg.jvp(lambda t: (k_ops.sum(t), 7), (x,), (np.ones(2, "float32"),), has_aux=True)
    assert_close(dy, np.float32(2.0), dtype="float32")
    assert aux == 7


@pytest.mark.skipif(BACKEND != "numpy", reason="numpy only")
def test_jvp_on_numpy_says_there_are_no_derivatives():
    with pytest.raises(RuntimeError, match="no derivatives"):
        linalg.jvp(lambda t: t, (np.ones(2),), (np.ones(2),))


@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend computes no derivatives")
def test_derivatives_flow_through_det_and_solve():
    x, h = GENERAL[0], RNG.uniform(-1, 1, (3, 3))
    _, d_det = linalg.jvp(linalg.det, (x,), (h,))
    _close(d_det, np.linalg.det(x) * np.trace(np.linalg.solve(x, h)), "float64")
    b = np.ones((3, 1))
    _, d_solve = linalg.jvp(lambda a: linalg.solve(a, b), (x,), (h,))
    _close(d_solve, -np.linalg.solve(x, h @ np.linalg.solve(x, b)), "float64")
