"""Linear-algebra ops on NumPy (k_ops.linalg); `jvp` is unavailable: NumPy has no autodiff."""

import numpy as np

from k_backends.numpy.core import convert_to_tensor
from k_backends.rules import linalg as rules

__all__ = [
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor",
    "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd",
]


def _matrix(x, op, square=False):
    """`x` in the dtype to compute in, and the dtype of the result."""
    dtype = rules.result_dtype(x)
    m = convert_to_tensor(x, rules.compute_dtype(dtype))
    (rules.check_square if square else rules.check_matrix)(m.shape, op)
    return m, dtype


def _back(value, dtype):
    return convert_to_tensor(np.asarray(value), dtype)


def _adjoint(m):
    return np.conj(np.swapaxes(m, -1, -2))


def _operands(a, b, op, square=True):
    dtype = rules.pair_dtype(a, b)
    compute = rules.compute_dtype(dtype)
    a, b = convert_to_tensor(a, compute), convert_to_tensor(b, compute)
    batch, is_vector = rules.solve_shapes(a.shape, b.shape, op, square)
    if is_vector:
        b = b[:, None]
    return a, b, dtype, is_vector


def cholesky(x, upper=False):
    m, dtype = _matrix(x, "cholesky", square=True)
    lower = np.linalg.cholesky(m)
    return _back(_adjoint(lower) if upper else lower, dtype)


def cholesky_inverse(x, upper=False):
    m, dtype = _matrix(x, "cholesky_inverse", square=True)
    factor_inverse = np.linalg.inv(m)
    if upper:  # x = U with A = U^H U, so inv(A) = inv(U) inv(U)^H
        return _back(factor_inverse @ _adjoint(factor_inverse), dtype)
    return _back(_adjoint(factor_inverse) @ factor_inverse, dtype)


def det(x):
    m, dtype = _matrix(x, "det", square=True)
    return _back(np.linalg.det(m), dtype)


def eig(x):
    m, dtype = _matrix(x, "eig", square=True)
    w, v = np.linalg.eig(m)
    complex_dtype = rules.eig_dtype(dtype)
    return w.astype(complex_dtype), v.astype(complex_dtype)


def eigh(x):
    m, dtype = _matrix(x, "eigh", square=True)
    w, v = np.linalg.eigh(m)
    return _back(w, dtype), _back(v, dtype)


def inv(x):
    m, dtype = _matrix(x, "inv", square=True)
    return _back(np.linalg.inv(m), dtype)


def jvp(fun, primals, tangents, has_aux=False):
    raise RuntimeError("jvp: the numpy backend computes no derivatives (NumPy has no automatic "
                       "differentiation); use the jax, torch or tensorflow backend.")


def lstsq(a, b, rcond=None):
    a, b, dtype, is_vector = _operands(a, b, "lstsq", square=False)
    cutoff = rules.default_rcond(a.shape, dtype) if rcond is None else rcond
    x = np.linalg.pinv(a, rcond=cutoff) @ b
    return _back(x[..., 0] if is_vector else x, dtype)


def lu_factor(x):
    m, dtype = _matrix(x, "lu_factor", square=True)
    *batch, n, _ = m.shape
    lu = m.reshape((-1, n, n)).copy()
    pivots = np.zeros((lu.shape[0], n), "int32")
    rows = np.arange(lu.shape[0])
    for k in range(n):
        p = k + np.argmax(np.abs(lu[:, k:, k]), axis=1)
        pivots[:, k] = p
        row_k = lu[rows, k].copy()
        lu[rows, k] = lu[rows, p]
        lu[rows, p] = row_k
        pivot = lu[:, k, k]
        # A zero pivot means the column below is zero too: leave it, as LAPACK does.
        lu[:, k + 1:, k] /= np.where(pivot == 0, 1, pivot)[:, None]
        lu[:, k + 1:, k + 1:] -= lu[:, k + 1:, k:k + 1] * lu[:, k:k + 1, k + 1:]
    return _back(lu.reshape(m.shape), dtype), pivots.reshape(tuple(batch) + (n,))


def matrix_rank(x, tol=None):
    m, dtype = _matrix(x, "matrix_rank")
    s = np.linalg.svd(m, compute_uv=False)
    if tol is None:
        tol = np.max(s, axis=-1, initial=0, keepdims=True) * rules.default_rcond(m.shape, dtype)
    return np.sum(s > tol, axis=-1).astype("int32")


def norm(x, ord=None, axis=None, keepdims=False):
    dtype = rules.result_dtype(x)
    m = convert_to_tensor(x, rules.compute_dtype(dtype))
    axes, is_matrix = rules.norm_plan(m.ndim, ord, axis)
    if axis is None and ord is None:
        value = np.sqrt(np.sum(np.abs(m) ** 2, axis=axes, keepdims=keepdims))
    else:
        value = np.linalg.norm(m, ord, axis=axes, keepdims=keepdims)
    return _back(value, dtype)


def pinv(x, rcond=None):
    m, dtype = _matrix(x, "pinv")
    cutoff = rules.default_rcond(m.shape, dtype) if rcond is None else rcond
    return _back(np.linalg.pinv(m, rcond=cutoff), dtype)


def qr(x, mode="reduced"):
    m, dtype = _matrix(x, "qr")
    rules.qr_shapes(m.shape, mode)
    q, r = np.linalg.qr(m, mode=mode)
    return _back(q, dtype), _back(r, dtype)


def solve(a, b):
    a, b, dtype, is_vector = _operands(a, b, "solve")
    x = np.linalg.solve(a, b)
    return _back(x[..., 0] if is_vector else x, dtype)


def solve_triangular(a, b, lower=False):
    a, b, dtype, is_vector = _operands(a, b, "solve_triangular")
    # NumPy has no triangular solver: solve with the other triangle masked to zero.
    x = np.linalg.solve(np.tril(a) if lower else np.triu(a), b)
    return _back(x[..., 0] if is_vector else x, dtype)


def svd(x, full_matrices=True, compute_uv=True):
    m, dtype = _matrix(x, "svd")
    if not compute_uv:
        return _back(np.linalg.svd(m, compute_uv=False), dtype)
    u, s, vh = np.linalg.svd(m, full_matrices=full_matrices)
    return _back(u, dtype), _back(s, dtype), _back(vh, dtype)
