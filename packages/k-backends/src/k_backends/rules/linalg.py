"""Rules of the linear-algebra ops (k_ops.linalg), shared by backends and specs.

Dtypes: floats keep theirs, ints and bools become floatx; float16 and bfloat16
compute in float32 (no LAPACK kernels) and are cast back. `eig` gives complex
results (complex64 from 32-bit floats and narrower, complex128 from float64),
`matrix_rank` int32 and `lu_factor`'s pivots int32 (0-based, as SciPy's).
Every op takes leading batch dimensions.
"""

import math

from k_backends.inference import dtype_of, float_dtype, promoted

# LAPACK, cuSOLVER and the frameworks' decompositions have no half-float kernels.
_COMPUTE = {"float16": "float32", "bfloat16": "float32"}
_EPS = {"float32": 2.0 ** -23, "float64": 2.0 ** -52}
_VECTOR_ORDS = (None, 2, 1, 0, math.inf, -math.inf)
_MATRIX_ORDS = (None, "fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf)


# -- dtypes ---------------------------------------------------------------
def result_dtype(x):
    """Floats keep their dtype; ints and bools give floatx."""
    return float_dtype(dtype_of(x))


def pair_dtype(a, b):
    """The dtype of `solve`-like ops of two operands: their promoted dtype, ints giving floatx."""
    return float_dtype(promoted(a, b))


def compute_dtype(dtype):
    """The dtype to factorize `dtype` in: float32 for the half floats."""
    return _COMPUTE.get(dtype, dtype)


def eig_dtype(dtype):
    """The complex dtype of `eig`'s results for a real input of `dtype`."""
    if dtype.startswith("complex"):
        return dtype
    return "complex128" if dtype == "float64" else "complex64"


def eps(dtype):
    return _EPS.get(compute_dtype(dtype), _EPS["float32"])


# -- shapes and arguments -----------------------------------------------------
def check_matrix(shape, op, name="x"):
    shape = tuple(shape)
    if len(shape) < 2:
        raise ValueError(f"{op} needs matrices (rank 2 or more, the last two dimensions being rows and "
                         f"columns); got {name} of shape {shape}.")


def check_square(shape, op, name="x"):
    shape = tuple(shape)
    check_matrix(shape, op, name)
    if None not in shape[-2:] and shape[-1] != shape[-2]:
        raise ValueError(f"{op} needs square matrices in the last two dimensions; got {name} of "
                         f"shape {shape}.")


def broadcast(s1, s2, op):
    """NumPy broadcasting of two batch shapes that may hold None."""
    s1, s2 = tuple(s1), tuple(s2)
    n = max(len(s1), len(s2))
    a, b = (1,) * (n - len(s1)) + s1, (1,) * (n - len(s2)) + s2
    out = []
    for d1, d2 in zip(a, b, strict=True):
        if d1 == 1 or d1 == d2:
            out.append(d2)
        elif d2 == 1:
            out.append(d1)
        elif d1 is None or d2 is None:
            out.append(d1 if d2 is None else d2)
        else:
            raise ValueError(f"{op}: the batch dimensions {s1} and {s2} do not broadcast.")
    return tuple(out)


def solve_shapes(a_shape, b_shape, op, square=True):
    """Check `a` (..., M, N) and `b` (M,) or (..., M, K); returns (batch, is_vector).

    As in NumPy 2, `b` is a vector only when it is 1-D; otherwise it is a
    (batch of) matrices whose batch dimensions broadcast with `a`'s.
    """
    a_shape, b_shape = tuple(a_shape), tuple(b_shape)
    (check_square if square else check_matrix)(a_shape, op, "a")
    if not b_shape:
        raise ValueError(f"{op} needs b of rank 1 (a vector) or more (matrices); got a scalar b.")
    is_vector = len(b_shape) == 1
    rows = b_shape[0] if is_vector else b_shape[-2]
    if rows is not None and a_shape[-2] is not None and rows != a_shape[-2]:
        raise ValueError(f"{op}: a of shape {a_shape} has {a_shape[-2]} rows but b of shape {b_shape} "
                         f"has {rows}; they must match.")
    batch = a_shape[:-2] if is_vector else broadcast(a_shape[:-2], b_shape[:-2], op)
    return batch, is_vector


def solution_shape(a_shape, b_shape, op, square=True):
    batch, is_vector = solve_shapes(a_shape, b_shape, op, square)
    return batch + (a_shape[-1],) + (() if is_vector else (b_shape[-1],))


def qr_shapes(shape, mode):
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr expected mode to be 'reduced' or 'complete'; got mode={mode!r}.")
    check_matrix(shape, "qr")
    *batch, m, n = shape
    k = m if mode == "complete" else (None if m is None or n is None else min(m, n))
    return tuple(batch) + (m, k), tuple(batch) + (k, n)


def svd_shapes(shape, full_matrices, compute_uv):
    check_matrix(shape, "svd")
    *batch, m, n = shape
    batch = tuple(batch)
    k = None if m is None or n is None else min(m, n)
    s = batch + (k,)
    if not compute_uv:
        return (s,)
    if full_matrices:
        return batch + (m, m), s, batch + (n, n)
    return batch + (m, k), s, batch + (k, n)


def default_rcond(shape, dtype):
    """NumPy 2's cutoff for small singular values: max(M, N) times the machine epsilon."""
    return max(shape[-2], shape[-1]) * eps(dtype)


def norm_plan(ndim, ord, axis):
    """Validate `norm`'s arguments; returns (axes, is_matrix) with non-negative axes.

    With axis None: a 1-D or 2-D input takes `ord` as a vector or matrix norm; any
    other rank allows only ord=None, the 2-norm of all the elements.
    """
    if axis is None:
        if ord is not None and ndim not in (1, 2):
            raise ValueError(f"norm with ord={ord!r} needs a 1-D or 2-D input or an explicit axis; "
                             f"got an input of rank {ndim}.")
        axes = tuple(range(ndim))
        is_matrix = ndim == 2
        if ord is None:
            return axes, False
    else:
        items = (axis,) if hasattr(axis, "__index__") and not isinstance(axis, bool) else tuple(axis)
        if not 1 <= len(items) <= 2:
            raise ValueError(f"norm expected axis to be an int or a pair of ints; got axis={axis!r}.")
        axes = []
        for a in items:
            if isinstance(a, bool) or not hasattr(a, "__index__") or not -ndim <= int(a) < ndim:
                raise ValueError(f"norm's axis={axis!r} is not a valid axis for an input of rank {ndim}.")
            axes.append(int(a) % ndim)
        if len(set(axes)) != len(axes):
            raise ValueError(f"norm's axis={axis!r} repeats an axis.")
        axes = tuple(axes)
        is_matrix = len(axes) == 2
    if is_matrix and ord not in _MATRIX_ORDS:
        raise ValueError(f"norm: invalid ord={ord!r} for a matrix norm; expected one of None, 'fro', "
                         f"'nuc', 1, -1, 2, -2, inf, -inf.")
    if not is_matrix and (isinstance(ord, str) or (ord is not None and not isinstance(ord, (int, float)))):
        raise ValueError(f"norm: invalid ord={ord!r} for a vector norm; expected None, inf, -inf or a "
                         f"number.")
    return axes, is_matrix


def norm_shape(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)

