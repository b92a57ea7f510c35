"""Linear-algebra ops on PyTorch (k_ops.linalg)."""

import torch
import torch.utils._pytree as pytree

from k_backends.rules import linalg as rules
from k_backends.torch.core import convert_to_tensor, to_torch_dtype

__all__ = [
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor",
    "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd",
]


def _matrix(x, op, square=False):
    """`x` in the dtype to compute in, and the torch dtype of the result."""
    dtype = rules.result_dtype(x)
    m = convert_to_tensor(x, rules.compute_dtype(dtype))
    (rules.check_square if square else rules.check_matrix)(tuple(m.shape), op)
    return m, to_torch_dtype(dtype)


def _operands(a, b, op, square=True):
    """`a` and `b` as matrices of one broadcast batch shape (a vector `b` gets a column axis).

    The explicit batch keeps torch from reading a `b` of shape a.shape[:-1] as vectors.
    """
    dtype = rules.pair_dtype(a, b)
    compute = rules.compute_dtype(dtype)
    a, b = convert_to_tensor(a, compute), convert_to_tensor(b, compute)
    batch, is_vector = rules.solve_shapes(tuple(a.shape), tuple(b.shape), op, square)
    if is_vector:
        b = b[:, None]
    a = a.expand(batch + tuple(a.shape[-2:]))
    b = b.expand(batch + tuple(b.shape[-2:]))
    return a, b, to_torch_dtype(dtype), is_vector


def _result(x, dtype, is_vector):
    return (x[..., 0] if is_vector else x).to(dtype)


def cholesky(x, upper=False):
    m, dtype = _matrix(x, "cholesky", square=True)
    return torch.linalg.cholesky(m, upper=upper).to(dtype)


def cholesky_inverse(x, upper=False):
    m, dtype = _matrix(x, "cholesky_inverse", square=True)
    return torch.cholesky_inverse(m, upper=upper).to(dtype)


def det(x):
    m, dtype = _matrix(x, "det", square=True)
    return torch.linalg.det(m).to(dtype)


def eig(x):
    m, dtype = _matrix(x, "eig", square=True)
    w, v = torch.linalg.eig(m)
    complex_dtype = to_torch_dtype(rules.eig_dtype(rules.result_dtype(x)))
    return w.to(complex_dtype), v.to(complex_dtype)


def eigh(x):
    m, dtype = _matrix(x, "eigh", square=True)
    w, v = torch.linalg.eigh(m)
    return w.to(dtype), v.to(dtype)


def inv(x):
    m, dtype = _matrix(x, "inv", square=True)
    return torch.linalg.inv(m).to(dtype)


_TENSOR_LEAF = object()


def jvp(fun, primals, tangents, has_aux=False):
    primals = tuple(pytree.tree_map(convert_to_tensor, tuple(primals)))
    tangents = tuple(pytree.tree_map(convert_to_tensor, tuple(tangents)))
    if not has_aux:
        return torch.func.jvp(fun, primals, tangents)
    # torch.func.jvp takes only tensors as aux: the other leaves (ints, strings) go around it.
    kept = {}

    def split_aux(*args):
        outputs, aux = fun(*args)
        leaves, kept["spec"] = pytree.tree_flatten(aux)
        kept["leaves"] = [_TENSOR_LEAF if isinstance(leaf, torch.Tensor) else leaf for leaf in leaves]
        return outputs, [leaf for leaf in leaves if isinstance(leaf, torch.Tensor)]

    outputs, tangents_out, tensors = torch.func.jvp(split_aux, primals, tangents, has_aux=True)
    tensors = iter(tensors)
    leaves = [next(tensors) if leaf is _TENSOR_LEAF else leaf for leaf in kept["leaves"]]
    return outputs, tangents_out, pytree.tree_unflatten(leaves, kept["spec"])


def lstsq(a, b, rcond=None):
    a, b, dtype, is_vector = _operands(a, b, "lstsq", square=False)
    cutoff = rules.default_rcond(tuple(a.shape), rules.result_dtype(a)) if rcond is None else rcond
    return _result(torch.linalg.pinv(a, rtol=cutoff) @ b, dtype, is_vector)


def lu_factor(x):
    m, dtype = _matrix(x, "lu_factor", square=True)
    lu, pivots = torch.linalg.lu_factor(m)
    return lu.to(dtype), (pivots - 1).to(torch.int32)  # LAPACK's pivots count from 1


def matrix_rank(x, tol=None):
    m, dtype = _matrix(x, "matrix_rank")
    s = torch.linalg.svdvals(m)
    if tol is None:
        largest = s.amax(dim=-1, keepdim=True) if s.shape[-1] else torch.zeros_like(s[..., :1])
        tol = largest * rules.default_rcond(tuple(m.shape), rules.result_dtype(x))
    return (s > tol).sum(dim=-1).to(torch.int32)


def norm(x, ord=None, axis=None, keepdims=False):
    dtype = rules.result_dtype(x)
    m = convert_to_tensor(x, rules.compute_dtype(dtype))
    axes, is_matrix = rules.norm_plan(m.ndim, ord, axis)
    if ord is None and (axis is None or not is_matrix):
        value = torch.linalg.vector_norm(m, 2, dim=axes, keepdim=keepdims)
    elif is_matrix:
        value = torch.linalg.matrix_norm(m, "fro" if ord is None else ord, dim=axes, keepdim=keepdims)
    else:
        value = torch.linalg.vector_norm(m, ord, dim=axes, keepdim=keepdims)
    return value.to(to_torch_dtype(dtype))


def pinv(x, rcond=None):
    m, dtype = _matrix(x, "pinv")
    cutoff = rules.default_rcond(tuple(m.shape), rules.result_dtype(x)) if rcond is None else rcond
    return torch.linalg.pinv(m, rtol=cutoff).to(dtype)


def qr(x, mode="reduced"):
    m, dtype = _matrix(x, "qr")
    rules.qr_shapes(tuple(m.shape), mode)
    q, r = torch.linalg.qr(m, mode=mode)
    return q.to(dtype), r.to(dtype)


def solve(a, b):
    a, b, dtype, is_vector = _operands(a, b, "solve")
    return _result(torch.linalg.solve(a, b), dtype, is_vector)


def solve_triangular(a, b, lower=False):
    a, b, dtype, is_vector = _operands(a, b, "solve_triangular")
    return _result(torch.linalg.solve_triangular(a, b, upper=not lower), dtype, is_vector)


def svd(x, full_matrices=True, compute_uv=True):
    m, dtype = _matrix(x, "svd")
    if not compute_uv:
        return torch.linalg.svdvals(m).to(dtype)
    u, s, vh = torch.linalg.svd(m, full_matrices=full_matrices)
    return u.to(dtype), s.to(dtype), vh.to(dtype)
