"""Argument and dtype rules of the creation ops, shared by every backend and the symbolic specs.

The rules work on Python values only (no framework is imported), so an op
validates and resolves its arguments the same way everywhere: the same
errors, the same output dtype and, for `arange`, the same length.
"""

import math
import operator

from k_backends import dtypes
from k_backends.inference import dtype_of, float_dtype, promoted


def _prefix(op):
    # Specs pass op=None: the symbolic decorator prefixes the op's name itself.
    return f"{op}: " if op else ""


def shape_arg(shape, op=None):
    """`shape` (an int or a sequence of them) as a tuple of non-negative ints.

    A dimension that is a framework tensor without a concrete value (TensorFlow
    graph mode) is kept as it is, for the backend to use; a whole shape tensor
    whose values are unknown is returned unchanged.
    """
    # The common cases first, without a second pass.
    if type(shape) is tuple and all(type(d) is int and d >= 0 for d in shape):
        return shape
    if type(shape) is int and shape >= 0:
        return (shape,)
    if isinstance(shape, bool) or isinstance(shape, (str, bytes, float)) or shape is None:
        raise TypeError(f"{_prefix(op)}shape must be an int or a tuple of ints; got shape={shape!r}.")
    if hasattr(shape, "__index__") and getattr(shape, "ndim", 0) == 0:
        return (_dim(shape, shape, op),)
    try:
        dims = tuple(shape)
    except TypeError:
        if hasattr(shape, "dtype"):
            return shape  # a shape tensor of unknown values (TF graph mode)
        raise TypeError(f"{_prefix(op)}shape must be an int or a tuple of ints; "
                        f"got shape={shape!r}.") from None
    return tuple(_dim(d, shape, op) for d in dims)


def _dim(d, shape, op=None):
    if isinstance(d, bool):
        raise TypeError(f"{_prefix(op)}a shape's dimensions must be ints; got shape={shape!r}.")
    try:
        n = operator.index(d)
    except TypeError:
        if hasattr(d, "dtype") and hasattr(d, "shape"):
            return d  # a dimension known only when the graph runs
        raise TypeError(f"{_prefix(op)}a shape's dimensions must be ints; got shape={shape!r}.") from None
    if n < 0:
        raise ValueError(f"{_prefix(op)}a shape's dimensions must be non-negative; got shape={shape!r}.")
    return n


def int_arg(value, name, op=None, non_negative=False, allow_none=False):
    """`value` as a Python int, or a clear error naming argument `name` of `op`."""
    if value is None and allow_none:
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        n = operator.index(value)
    except TypeError:
        raise TypeError(f"{_prefix(op)}{name} must be an int; got {name}={value!r}.") from None
    if non_negative and n < 0:
        raise ValueError(f"{_prefix(op)}{name} must be a non-negative int; got {name}={n}.")
    return n


def creation_dtype(dtype):
    """The dtype of a tensor made from a shape: `dtype`, or `floatx()` when None."""
    return dtypes.standardize_dtype(dtype)


def like_dtype(x, dtype):
    """The dtype of `zeros_like(x, dtype)` and its kin: `dtype`, else `x`'s (Python values: defaults)."""
    if dtype is not None:
        return dtypes.standardize_dtype(dtype)
    d = dtype_of(x)
    return dtypes.result_type(d) if d is int or d is float else dtypes.standardize_dtype(d)


# -- arange ----------------------------------------------------------------
def arange_plan(start, stop, step, dtype):
    """Resolve `arange`'s arguments: `(start, step, length, dtype)`.

    `arange(n)` counts from 0; the default step is 1. Without a dtype, the
    result follows the arguments' dtypes (Python ints give int32, floats
    floatx, NumPy scalars keep theirs). The length is NumPy's,
    `ceil((stop - start) / step)`, computed here so all backends agree.
    """
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if type(start) is int and type(stop) is int and type(step) is int:  # the common case, exactly
        dtype = promoted(start, stop, step) if dtype is None else dtypes.standardize_dtype(dtype)
        if step == 0 or dtype == "bool":
            return _refuse(step, dtype)
        return start, step, max(0, -((start - stop) // step)), dtype
    values = (start, stop, step)
    for value, name in zip(values, ("start", "stop", "step"), strict=True):
        if isinstance(value, (str, bytes)) or value is None:
            raise TypeError(f"arange: {name} must be a number (or a tensor holding one); "
                            f"got {name}={value!r}.")
    if dtype is None:
        if any(isinstance(v, bool) or dtype_of(v) == "bool" for v in values):
            raise TypeError(f"arange: start, stop and step must be numbers, not bools; got "
                            f"start={start!r}, stop={stop!r}, step={step!r}.")
        dtype = promoted(*values)
    else:
        dtype = dtypes.standardize_dtype(dtype)
    start, stop, step = (_python_number(v, name) for v, name in zip(values, ("start", "stop", "step"),
                                                                        strict=True))
    if step == 0 or dtype == "bool":
        return _refuse(step, dtype)
    return start, step, max(0, math.ceil((stop - start) / step)), dtype


def _refuse(step, dtype):
    if dtype == "bool":
        raise TypeError("arange cannot make bool tensors; got dtype='bool'.")
    raise ValueError("arange: step must not be zero; got step=0.")


def _python_number(value, name):
    if isinstance(value, (int, float)):
        return value
    try:
        return operator.index(value)
    except TypeError:
        pass
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"arange: {name} must be a number (or a tensor holding one); "
                        f"got {name}={value!r}.") from None


# -- linspace, logspace, geomspace ------------------------------------------------
def spaced_dtype(start, stop, dtype):
    """The output dtype of `linspace` and kin: `dtype`, else the promotion of start, stop and float."""
    if dtype is not None:
        return dtypes.standardize_dtype(dtype)
    return promoted(start, stop, float)


def spaced_compute_dtype(start, stop, dtype):
    """The float dtype to compute a linspace-like op in before casting to `dtype`.

    float64 for integer outputs (they are floored, so float32's rounding
    would move values across integers) and for float64 inputs; float32
    otherwise (float16 and bfloat16 results are computed in float32).
    """
    if dtype == "float64" or not (dtypes.is_float_dtype(dtype) or dtypes.is_complex_dtype(dtype)):
        return "float64"
    if "float64" in (dtype_of(start), dtype_of(stop)):
        return "float64"
    return "float32"


def step_dtype(dtype):
    """The dtype of `linspace(..., retstep=True)`'s step: the output's, or floatx for ints."""
    return float_dtype(dtype)


def num_arg(num, op=None):
    return int_arg(num, "num", op, non_negative=True)


def spaced_axis(axis, ndim, op=None):
    """`axis` of a linspace-like op's output (rank `ndim` + 1) as a non-negative int."""
    axis = int_arg(axis, "axis", op)
    if not -ndim - 1 <= axis <= ndim:
        raise ValueError(f"{_prefix(op)}axis={axis} is out of range for an output of rank {ndim + 1}.")
    return axis % (ndim + 1)


def check_geomspace_ends(start, stop):
    """NumPy's error for a geometric sequence that would include zero (Python numbers only)."""
    for name, value in (("start", start), ("stop", stop)):
        if isinstance(value, (int, float)) and value == 0:
            raise ValueError(f"geomspace: a geometric sequence cannot include zero; got {name}=0.")


# -- matrices -----------------------------------------------------------------
def eye_args(N, M, k, op=None):
    """Validated `(N, M, k)` of `eye` and `tri`; M defaults to N."""
    N = int_arg(N, "N", op, non_negative=True)
    M = N if M is None else int_arg(M, "M", op, non_negative=True)
    return N, M, int_arg(k, "k", op)


def diag_shape(shape, k, op=None):
    """Output shape of `diag(x, k)` for `x` of `shape` (1-D builds a matrix, 2-D takes a diagonal)."""
    k = int_arg(k, "k", op)
    if len(shape) == 1:
        n = None if shape[0] is None else shape[0] + abs(k)
        return (n, n)
    if len(shape) == 2:
        rows, cols = shape
        if rows is None or cols is None:
            return (None,)
        return (max(0, min(rows + min(k, 0), cols - max(k, 0))),)
    raise ValueError(f"{_prefix(op)}needs a 1-D or 2-D input; got an input of shape {tuple(shape)}.")


def check_triangular(shape, k, op=None):
    int_arg(k, "k", op)
    if len(shape) < 2:
        raise ValueError(f"{_prefix(op)}needs an input of rank 2 or more (it works on the last two "
                         f"dimensions); got an input of shape {tuple(shape)}.")


def vander_shape(shape, N, op=None):
    """Output shape of `vander(x, N)`: `(len(x), N)`, N defaulting to len(x)."""
    if len(shape) != 1:
        raise ValueError(f"{_prefix(op)}needs a 1-D input; got an input of shape {tuple(shape)}.")
    N = int_arg(N, "N", op, non_negative=True, allow_none=True)
    return (shape[0], shape[0] if N is None else N)


def meshgrid_indexing(indexing, op=None):
    if indexing not in ("xy", "ij"):
        raise ValueError(f"{_prefix(op)}indexing must be 'xy' or 'ij'; got indexing={indexing!r}.")
    return indexing


def meshgrid_shape(lengths, indexing):
    """The shape of every `meshgrid` output for 1-D inputs of `lengths`."""
    shape = list(lengths)
    if indexing == "xy" and len(shape) > 1:
        shape[0], shape[1] = shape[1], shape[0]
    return tuple(shape)


# -- windows ----------------------------------------------------------------
def window_length(x, op=None):
    """The window length `x` (an int or a tensor holding one) as a non-negative Python int."""
    return int_arg(x, "x (the window length)", op, non_negative=True)
