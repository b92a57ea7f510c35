"""Linear algebra: decompositions, solvers, inverses and norms.

Every op takes leading batch dimensions (matrices are the last two). Floats keep
their dtype, ints and bools become floatx; `eig` gives complex results.
"""

from k_backends.rules import linalg as rules
from k_backends.selection import current
from k_ops import shapes
from k_ops.dispatch import symbolic
from k_ops.symbolic import KerasTensor

__all__ = [
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor",
    "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd",
]


# -- specs ------------------------------------------------------------------
def _square_spec(op):
    def spec(x, upper=False):
        shape = shapes.shape_of(x)
        rules.check_square(shape, op)
        return KerasTensor(shape, rules.result_dtype(x))
    return spec


def _det_spec(x):
    shape = shapes.shape_of(x)
    rules.check_square(shape, "det")
    return KerasTensor(shape[:-2], rules.result_dtype(x))


def _eig_spec(x):
    shape = shapes.shape_of(x)
    rules.check_square(shape, "eig")
    dtype = rules.eig_dtype(rules.result_dtype(x))
    return KerasTensor(shape[:-1], dtype), KerasTensor(shape, dtype)


def _eigh_spec(x):
    shape = shapes.shape_of(x)
    rules.check_square(shape, "eigh")
    dtype = rules.result_dtype(x)
    return KerasTensor(shape[:-1], dtype), KerasTensor(shape, dtype)


def _solve_spec(op, square=True):
    def spec(a, b, *args, **kwargs):
        out = rules.solution_shape(shapes.shape_of(a), shapes.shape_of(b), op, square)
        return KerasTensor(out, rules.pair_dtype(a, b))
    return spec


def _lu_factor_spec(x):
    shape = shapes.shape_of(x)
    rules.check_square(shape, "lu_factor")
    return KerasTensor(shape, rules.result_dtype(x)), KerasTensor(shape[:-1], "int32")


def _matrix_rank_spec(x, tol=None):
    shape = shapes.shape_of(x)
    rules.check_matrix(shape, "matrix_rank")
    return KerasTensor(shape[:-2], "int32")


def _norm_spec(x, ord=None, axis=None, keepdims=False):
    shape = shapes.shape_of(x)
    axes, _ = rules.norm_plan(len(shape), ord, axis)
    return KerasTensor(rules.norm_shape(shape, axes, keepdims), rules.result_dtype(x))


def _pinv_spec(x, rcond=None):
    shape = shapes.shape_of(x)
    rules.check_matrix(shape, "pinv")
    return KerasTensor(shape[:-2] + (shape[-1], shape[-2]), rules.result_dtype(x))


def _qr_spec(x, mode="reduced"):
    q, r = rules.qr_shapes(shapes.shape_of(x), mode)
    dtype = rules.result_dtype(x)
    return KerasTensor(q, dtype), KerasTensor(r, dtype)


def _svd_spec(x, full_matrices=True, compute_uv=True):
    dtype = rules.result_dtype(x)
    outputs = tuple(KerasTensor(s, dtype) for s in
                    rules.svd_shapes(shapes.shape_of(x), full_matrices, compute_uv))
    return outputs if compute_uv else outputs[0]


def _jvp_spec(fun, primals, tangents, has_aux=False):
    outputs = fun(*primals)
    if has_aux:
        outputs, aux = outputs
    tangents_out = _like(outputs)
    return (outputs, tangents_out, aux) if has_aux else (outputs, tangents_out)


def _like(outputs):
    if isinstance(outputs, (list, tuple)):
        return type(outputs)(_like(o) for o in outputs)
    if isinstance(outputs, dict):
        return {k: _like(v) for k, v in outputs.items()}
    return KerasTensor(shapes.shape_of(outputs), shapes.standard_dtype(outputs))


# -- ops --------------------------------------------------------------------
@symbolic(_square_spec("cholesky"))
def cholesky(x, upper=False):
    """The Cholesky factor of Hermitian positive-definite `x`: lower L with x = L L^H.

    With `upper=True`, the upper factor U = L^H (x = U^H U).

    Example:
    >>> kappa.ops.cholesky([[4.0, 2.0], [2.0, 5.0]])  # [[2, 0], [1, 2]]
    """
    return current().linalg.cholesky(x, upper=upper)


@symbolic(_square_spec("cholesky_inverse"))
def cholesky_inverse(x, upper=False):
    """The inverse of A from its Cholesky factor `x` (lower: A = x x^H; `upper=True`: A = x^H x)."""
    return current().linalg.cholesky_inverse(x, upper=upper)


@symbolic(_det_spec)
def det(x):
    """The determinant of each square matrix in `x`.

    Example:
    >>> kappa.ops.det([[1.0, 2.0], [3.0, 4.0]])  # -2.0
    """
    return current().linalg.det(x)


@symbolic(_eig_spec)
def eig(x):
    """Eigenvalues `w` (..., N) and right eigenvectors `v` (..., N, N) of square `x`, complex.

    The columns of `v` are unit vectors with x @ v = v * w; their phase is not unique.
    """
    return current().linalg.eig(x)


@symbolic(_eigh_spec)
def eigh(x):
    """Eigenvalues (ascending) and eigenvectors of Hermitian `x` (only its lower triangle is read).

    Example:
    >>> w, v = kappa.ops.eigh([[2.0, 1.0], [1.0, 2.0]])  # w = [1, 3]
    """
    return current().linalg.eigh(x)


@symbolic(_square_spec("inv"))
def inv(x):
    """The inverse of each square matrix in `x`.

    Example:
    >>> kappa.ops.inv([[2.0, 0.0], [0.0, 4.0]])  # [[0.5, 0], [0, 0.25]]
    """
    return current().linalg.inv(x)


@symbolic(_jvp_spec)
def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode derivative: `fun(*primals)` and its directional derivative along `tangents`.

    Args:
        fun: a function of tensors returning a tensor or a structure of them (and an
            auxiliary value when `has_aux`).
        primals, tangents: tuples of the same structure, the point and the direction.
        has_aux: whether `fun` returns `(outputs, aux)`; `aux` is then returned last.

    Returns `(outputs, tangents_out)`, or `(outputs, tangents_out, aux)`. The numpy
    backend computes no derivatives and raises.

    Example:
    >>> y, dy = kappa.ops.jvp(lambda x: x * x, (3.0,), (1.0,))  # 9.0, 6.0
    """
    return current().linalg.jvp(fun, primals, tangents, has_aux=has_aux)


@symbolic(_solve_spec("lstsq", square=False))
def lstsq(a, b, rcond=None):
    """The least-squares solution x minimizing ||a x - b|| (the least-norm one when not unique).

    Args:
        a: matrices (..., M, N).
        b: a vector (M,) or matrices (..., M, K).
        rcond: singular values below `rcond` times the largest are taken as zero
            (default: max(M, N) times the machine epsilon).
    """
    return current().linalg.lstsq(a, b, rcond=rcond)


@symbolic(_lu_factor_spec)
def lu_factor(x):
    """The LU factorization with partial pivoting of square `x`, as SciPy's `lu_factor`.

    Returns `(lu, pivots)`: L (unit diagonal, not stored) and U packed in one
    matrix, and int32 pivots: row i was swapped with row pivots[i] (0-based).
    """
    return current().linalg.lu_factor(x)


@symbolic(_matrix_rank_spec)
def matrix_rank(x, tol=None):
    """The number of singular values of `x` above `tol` (an int32 per matrix).

    The default `tol` is the largest singular value times max(M, N) times the
    machine epsilon.
    """
    return current().linalg.matrix_rank(x, tol=tol)


@symbolic(_norm_spec)
def norm(x, ord=None, axis=None, keepdims=False):
    """A vector or matrix norm of `x`, as NumPy's `linalg.norm`.

    Args:
        x: the input.
        ord: for vectors None (2), inf, -inf, 0 (the count of nonzeros) or any
            number p (sum |x|^p)^(1/p); for matrices None or 'fro' (Frobenius), 'nuc'
            (sum of singular values), 1, -1, 2, -2, inf, -inf.
        axis: an int (vector norms), a pair of ints (matrix norms), or None: a 1-D
            or 2-D `x` is then a vector or a matrix; with ord=None any `x` gives the
            2-norm of all its elements.
        keepdims: whether to keep the reduced axes with size 1.

    Example:
    >>> kappa.ops.norm([3.0, 4.0])  # 5.0
    """
    return current().linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


@symbolic(_pinv_spec)
def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse of `x` (..., M, N), of shape (..., N, M).

    Singular values below `rcond` times the largest are dropped (default:
    max(M, N) times the machine epsilon).
    """
    return current().linalg.pinv(x, rcond=rcond)


@symbolic(_qr_spec)
def qr(x, mode="reduced"):
    """The QR decomposition x = q r, q with orthonormal columns, r upper triangular.

    Args:
        x: matrices (..., M, N).
        mode: "reduced" (q (..., M, K), r (..., K, N), K = min(M, N)) or
            "complete" (q (..., M, M), r (..., M, N)).

    Example:
    >>> q, r = kappa.ops.qr(kappa.ops.ones((3, 2)))  # q (3, 2), r (2, 2)
    """
    return current().linalg.qr(x, mode=mode)


@symbolic(_solve_spec("solve"))
def solve(a, b):
    """The solution x of a x = b for square `a` (..., M, M).

    `b` is a vector (M,) or matrices (..., M, K) whose batch dimensions
    broadcast with `a`'s.

    Example:
    >>> kappa.ops.solve([[2.0, 0.0], [0.0, 4.0]], [2.0, 2.0])  # [1, 0.5]
    """
    return current().linalg.solve(a, b)


@symbolic(_solve_spec("solve_triangular"))
def solve_triangular(a, b, lower=False):
    """Solve a x = b for triangular `a`: its upper triangle is read, or its lower with `lower=True`.

    `b` is a vector (M,) or matrices (..., M, K), as in `solve`.
    """
    return current().linalg.solve_triangular(a, b, lower=lower)


@symbolic(_svd_spec)
def svd(x, full_matrices=True, compute_uv=True):
    """The singular value decomposition x = u diag(s) vh, singular values descending.

    Args:
        x: matrices (..., M, N).
        full_matrices: square u (..., M, M) and vh (..., N, N) if True, else
            u (..., M, K) and vh (..., K, N) with K = min(M, N).
        compute_uv: if False, return only `s`.

    Example:
    >>> u, s, vh = kappa.ops.svd(kappa.ops.eye(3))  # s = [1, 1, 1]
    """
    return current().linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)
