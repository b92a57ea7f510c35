"""Linear-algebra ops on TensorFlow (k_ops.linalg).

TF (2.21) returns a row permutation from `lu` (made into SciPy's row swaps
here), `v` rather than `vh` from `svd`, and lacks the matrix 2-norm, the nuclear
norm and the negative orders in `tf.norm`: `norm` is written from reductions.
"""

import math

import tensorflow as tf

from k_backends.rules import linalg as rules
from k_backends.tensorflow.core import convert_to_tensor

__all__ = [
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor",
    "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd",
]


def _matrix(x, op, square=False):
    """`x` in the dtype to compute in, and the dtype of the result."""
    dtype = rules.result_dtype(x)
    m = convert_to_tensor(x, rules.compute_dtype(dtype))
    (rules.check_square if square else rules.check_matrix)(tuple(m.shape), op)
    return m, dtype


def _operands(a, b, op, square=True):
    """`a` and `b` as matrices of one broadcast batch shape (a vector `b` gets a column axis)."""
    dtype = rules.pair_dtype(a, b)
    compute = rules.compute_dtype(dtype)
    a, b = convert_to_tensor(a, compute), convert_to_tensor(b, compute)
    batch, is_vector = rules.solve_shapes(tuple(a.shape), tuple(b.shape), op, square)
    if is_vector:
        b = b[:, None]
    a = tf.broadcast_to(a, batch + tuple(a.shape[-2:]))
    b = tf.broadcast_to(b, batch + tuple(b.shape[-2:]))
    return a, b, dtype, is_vector


def _result(x, dtype, is_vector):
    return tf.cast(x[..., 0] if is_vector else x, dtype)


def cholesky(x, upper=False):
    m, dtype = _matrix(x, "cholesky", square=True)
    lower = tf.linalg.cholesky(m)
    return tf.cast(tf.linalg.adjoint(lower) if upper else lower, dtype)


def cholesky_inverse(x, upper=False):
    m, dtype = _matrix(x, "cholesky_inverse", square=True)
    factor_inverse = tf.linalg.inv(m)
    if upper:  # x = U with A = U^H U, so inv(A) = inv(U) inv(U)^H
        return tf.cast(tf.matmul(factor_inverse, factor_inverse, adjoint_b=True), dtype)
    return tf.cast(tf.matmul(factor_inverse, factor_inverse, adjoint_a=True), dtype)


def det(x):
    m, dtype = _matrix(x, "det", square=True)
    return tf.cast(tf.linalg.det(m), dtype)


def eig(x):
    m, dtype = _matrix(x, "eig", square=True)
    w, v = tf.linalg.eig(m)
    complex_dtype = rules.eig_dtype(dtype)
    return tf.cast(w, complex_dtype), tf.cast(v, complex_dtype)


def eigh(x):
    m, dtype = _matrix(x, "eigh", square=True)
    w, v = tf.linalg.eigh(m)
    return tf.cast(w, dtype), tf.cast(v, dtype)


def inv(x):
    m, dtype = _matrix(x, "inv", square=True)
    return tf.cast(tf.linalg.inv(m), dtype)


def jvp(fun, primals, tangents, has_aux=False):
    primals = tf.nest.map_structure(convert_to_tensor, tuple(primals))
    tangents = tf.nest.map_structure(convert_to_tensor, tuple(tangents))
    with tf.autodiff.ForwardAccumulator(tf.nest.flatten(primals), tf.nest.flatten(tangents)) as acc:
        outputs = fun(*primals)
    aux = None
    if has_aux:
        outputs, aux = outputs
    tangents_out = tf.nest.map_structure(
        lambda y: acc.jvp(y, unconnected_gradients=tf.UnconnectedGradients.ZERO), outputs)
    return (outputs, tangents_out, aux) if has_aux else (outputs, tangents_out)


def lstsq(a, b, rcond=None):
    a, b, dtype, is_vector = _operands(a, b, "lstsq", square=False)
    cutoff = rules.default_rcond(tuple(a.shape), dtype) if rcond is None else rcond
    return _result(tf.matmul(tf.linalg.pinv(a, rcond=cutoff), b), dtype, is_vector)


def lu_factor(x):
    m, dtype = _matrix(x, "lu_factor", square=True)
    lu, permutation = tf.linalg.lu(m, output_idx_type=tf.int32)
    # Replay the row swaps that turn the identity order into the permutation: at step i the
    # row now at position j holds permutation[i] and changes places with row i.
    n = m.shape[-1]
    current = tf.broadcast_to(tf.range(n, dtype=tf.int32), tf.shape(permutation))
    positions = tf.range(n, dtype=tf.int32)
    pivots = []
    for i in range(n):
        wanted = permutation[..., i:i + 1]
        j = tf.argmax(tf.cast(tf.equal(current, wanted), tf.int32), axis=-1, output_type=tf.int32)
        pivots.append(j)
        at_i = current[..., i:i + 1]
        current = tf.where(positions == i, wanted, tf.where(positions == j[..., None], at_i, current))
    pivots = tf.stack(pivots, axis=-1) if pivots else tf.zeros(tf.shape(permutation), tf.int32)
    return tf.cast(lu, dtype), pivots


def _svdvals(m):
    return tf.linalg.svd(m, compute_uv=False)


def matrix_rank(x, tol=None):
    m, dtype = _matrix(x, "matrix_rank")
    s = _svdvals(m)
    if tol is None:
        largest = tf.reduce_max(tf.concat([s, tf.zeros_like(s[..., :1])], axis=-1), axis=-1, keepdims=True)
        tol = largest * rules.default_rcond(tuple(m.shape), dtype)
    return tf.reduce_sum(tf.cast(s > tol, tf.int32), axis=-1)


def _vector_norm(m, ord, axes, keepdims):
    a = tf.abs(m)
    if ord is None or ord == 2:
        return tf.sqrt(tf.reduce_sum(tf.square(a), axis=axes, keepdims=keepdims))
    if ord == math.inf:
        return tf.reduce_max(a, axis=axes, keepdims=keepdims)
    if ord == -math.inf:
        return tf.reduce_min(a, axis=axes, keepdims=keepdims)
    if ord == 0:
        return tf.reduce_sum(tf.cast(a != 0, a.dtype), axis=axes, keepdims=keepdims)
    if ord == 1:
        return tf.reduce_sum(a, axis=axes, keepdims=keepdims)
    return tf.reduce_sum(a ** ord, axis=axes, keepdims=keepdims) ** (1.0 / ord)


def _matrix_norm(m, ord, axes, keepdims):
    rows, cols = axes
    if ord in (None, "fro"):
        return tf.sqrt(tf.reduce_sum(tf.square(tf.abs(m)), axis=axes, keepdims=keepdims))
    if ord in ("nuc", 2, -2):
        rest = [i for i in range(m.shape.rank) if i not in axes]
        s = _svdvals(tf.transpose(m, rest + [rows, cols]))
        value = {"nuc": tf.reduce_sum, 2: tf.reduce_max, -2: tf.reduce_min}[ord](s, axis=-1)
        for axis in sorted(axes) if keepdims else ():
            value = tf.expand_dims(value, axis)
        return value
    # 1 and inf: the largest absolute column (1) or row (inf) sum; -1 and -inf the smallest.
    summed, kept = (rows, cols) if abs(ord) == 1 else (cols, rows)
    sums = tf.reduce_sum(tf.abs(m), axis=summed, keepdims=True)
    reduce = tf.reduce_max if ord > 0 else tf.reduce_min
    value = reduce(sums, axis=kept, keepdims=True)
    return value if keepdims else tf.squeeze(value, axis=axes)


def norm(x, ord=None, axis=None, keepdims=False):
    dtype = rules.result_dtype(x)
    m = convert_to_tensor(x, rules.compute_dtype(dtype))
    axes, is_matrix = rules.norm_plan(m.shape.rank, ord, axis)
    if is_matrix:
        value = _matrix_norm(m, ord, axes, keepdims)
    else:
        value = _vector_norm(m, ord, list(axes), keepdims)
    return tf.cast(value, dtype)


def pinv(x, rcond=None):
    m, dtype = _matrix(x, "pinv")
    cutoff = rules.default_rcond(tuple(m.shape), dtype) if rcond is None else rcond
    return tf.cast(tf.linalg.pinv(m, rcond=cutoff), dtype)


def qr(x, mode="reduced"):
    m, dtype = _matrix(x, "qr")
    rules.qr_shapes(tuple(m.shape), mode)
    q, r = tf.linalg.qr(m, full_matrices=mode == "complete")
    return tf.cast(q, dtype), tf.cast(r, dtype)


def solve(a, b):
    a, b, dtype, is_vector = _operands(a, b, "solve")
    return _result(tf.linalg.solve(a, b), dtype, is_vector)


def solve_triangular(a, b, lower=False):
    a, b, dtype, is_vector = _operands(a, b, "solve_triangular")
    return _result(tf.linalg.triangular_solve(a, b, lower=lower), dtype, is_vector)


def svd(x, full_matrices=True, compute_uv=True):
    m, dtype = _matrix(x, "svd")
    if not compute_uv:
        return tf.cast(_svdvals(m), dtype)
    s, u, v = tf.linalg.svd(m, full_matrices=full_matrices)
    return tf.cast(u, dtype), tf.cast(s, dtype), tf.cast(tf.linalg.adjoint(v), dtype)
