"""Linear-algebra ops on JAX (k_ops.linalg)."""

import jax
import jax.numpy as jnp

from k_backends.jax.core import convert_to_tensor
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


def _adjoint(m):
    return jnp.conj(jnp.swapaxes(m, -1, -2))


def _operands(a, b, op, square=True):
    """`a` and `b` as matrices of one broadcast batch shape (a vector `b` gets a column axis)."""
    dtype = rules.pair_dtype(a, b)
    compute = rules.compute_dtype(dtype)
    a, b = convert_to_tensor(a, compute), convert_to_tensor(b, compute)
    batch, is_vector = rules.solve_shapes(a.shape, b.shape, op, square)
    if is_vector:
        b = b[:, None]
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    return a, b, dtype, is_vector


def _result(x, dtype, is_vector):
    return (x[..., 0] if is_vector else x).astype(dtype)


def cholesky(x, upper=False):
    m, dtype = _matrix(x, "cholesky", square=True)
    return jnp.linalg.cholesky(m, upper=upper).astype(dtype)


def cholesky_inverse(x, upper=False):
    m, dtype = _matrix(x, "cholesky_inverse", square=True)
    factor_inverse = jnp.linalg.inv(m)
    if upper:  # x = U with A = U^H U, so inv(A) = inv(U) inv(U)^H
        return (factor_inverse @ _adjoint(factor_inverse)).astype(dtype)
    return (_adjoint(factor_inverse) @ factor_inverse).astype(dtype)


def det(x):
    m, dtype = _matrix(x, "det", square=True)
    return jnp.linalg.det(m).astype(dtype)


def eig(x):
    m, dtype = _matrix(x, "eig", square=True)
    w, v = jnp.linalg.eig(m)
    complex_dtype = rules.eig_dtype(dtype)
    return w.astype(complex_dtype), v.astype(complex_dtype)


def eigh(x):
    m, dtype = _matrix(x, "eigh", square=True)
    w, v = jnp.linalg.eigh(m)
    return w.astype(dtype), v.astype(dtype)


def inv(x):
    m, dtype = _matrix(x, "inv", square=True)
    return jnp.linalg.inv(m).astype(dtype)


def jvp(fun, primals, tangents, has_aux=False):
    primals = jax.tree_util.tree_map(convert_to_tensor, tuple(primals))
    tangents = jax.tree_util.tree_map(convert_to_tensor, tuple(tangents))
    return jax.jvp(fun, primals, tangents, has_aux=has_aux)


def lstsq(a, b, rcond=None):
    a, b, dtype, is_vector = _operands(a, b, "lstsq", square=False)
    cutoff = rules.default_rcond(a.shape, dtype) if rcond is None else rcond
    return _result(jnp.linalg.pinv(a, rtol=cutoff) @ b, dtype, is_vector)


def lu_factor(x):
    m, dtype = _matrix(x, "lu_factor", square=True)
    lu, pivots, _ = jax.lax.linalg.lu(m)
    return lu.astype(dtype), pivots.astype("int32")


def matrix_rank(x, tol=None):
    m, dtype = _matrix(x, "matrix_rank")
    s = jnp.linalg.svd(m, compute_uv=False)
    if tol is None:
        tol = jnp.max(s, axis=-1, initial=0, keepdims=True) * rules.default_rcond(m.shape, dtype)
    return jnp.sum(s > tol, axis=-1).astype("int32")


def norm(x, ord=None, axis=None, keepdims=False):
    dtype = rules.result_dtype(x)
    m = convert_to_tensor(x, rules.compute_dtype(dtype))
    axes, _ = rules.norm_plan(m.ndim, ord, axis)
    if axis is None and ord is None:
        value = jnp.sqrt(jnp.sum(jnp.abs(m) ** 2, axis=axes, keepdims=keepdims))
    else:
        value = jnp.linalg.norm(m, ord, axis=axes, keepdims=keepdims)
    return value.astype(dtype)


def pinv(x, rcond=None):
    m, dtype = _matrix(x, "pinv")
    cutoff = rules.default_rcond(m.shape, dtype) if rcond is None else rcond
    return jnp.linalg.pinv(m, rtol=cutoff).astype(dtype)


def qr(x, mode="reduced"):
    m, dtype = _matrix(x, "qr")
    rules.qr_shapes(m.shape, mode)
    q, r = jnp.linalg.qr(m, mode=mode)
    return q.astype(dtype), r.astype(dtype)


def solve(a, b):
    a, b, dtype, is_vector = _operands(a, b, "solve")
    return _result(jnp.linalg.solve(a, b), dtype, is_vector)


def solve_triangular(a, b, lower=False):
    a, b, dtype, is_vector = _operands(a, b, "solve_triangular")
    x = jax.lax.linalg.triangular_solve(a, b, left_side=True, lower=lower)
    return _result(x, dtype, is_vector)


def svd(x, full_matrices=True, compute_uv=True):
    m, dtype = _matrix(x, "svd")
    if not compute_uv:
        return jnp.linalg.svd(m, compute_uv=False).astype(dtype)
    u, s, vh = jnp.linalg.svd(m, full_matrices=full_matrices)
    return u.astype(dtype), s.astype(dtype), vh.astype(dtype)
