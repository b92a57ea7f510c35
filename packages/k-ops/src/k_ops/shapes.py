"""Shape and dtype rules shared by the symbolic paths of many ops.

A spec function takes an op's arguments (some of them KerasTensors) and
returns the KerasTensor(s) the op would produce. The rules here cover the
common families: same-as-input, broadcasting binary, comparison, reduction.
Dtype rules come from `k_backends.inference`, which the backends apply too,
so a spec and the eager result agree by construction.
"""

import numpy as np

from k_backends import dtypes
from k_backends.inference import dtype_of, float_dtype, promoted
from k_ops.symbolic import KerasTensor


def shape_of(x):
    """The shape of a KerasTensor, tensor, array, Python scalar or (nested) list."""
    if isinstance(x, KerasTensor):
        return x.shape
    shape = getattr(x, "shape", None)
    if shape is not None:
        return tuple(None if d is None else int(d) for d in shape)
    if isinstance(x, (list, tuple)):
        if x and any(isinstance(i, (KerasTensor, list, tuple)) or hasattr(i, "shape") for i in x):
            return (len(x),) + shape_of(x[0])
        return (len(x),)
    return ()


def broadcast_shapes(*shapes):
    """NumPy broadcasting of shapes that may hold None; a clear error naming every shape."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for dims in zip(*[(1,) * (ndim - len(s)) + tuple(s) for s in shapes], strict=True):
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(f"cannot broadcast shapes {' and '.join(map(str, shapes))}.")
        if known:
            out.append(known.pop())
        elif None in dims:
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def canonicalize_axis(axis, ndim):
    """`axis` as a non-negative int below `ndim`, or an error naming both."""
    if isinstance(axis, bool) or not hasattr(axis, "__index__"):
        raise TypeError(f"expected an int axis; got axis={axis!r}.")
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis={axis} is out of range for a tensor of rank {ndim}.")
    return axis % ndim if ndim else 0


def canonicalize_axes(axis, ndim):
    """`axis` (None, int or sequence) as a sorted tuple of distinct non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if not isinstance(axis, (list, tuple)) else tuple(axis)
    out = tuple(sorted(canonicalize_axis(a, ndim) for a in axes))
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in axis={axis!r}.")
    return out


def reduced_shape(shape, axis, keepdims):
    axes = canonicalize_axes(axis, len(shape))
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def standard_dtype(x):
    """The dtype name a value has (Python scalars get their default dtype)."""
    d = dtype_of(x)
    return dtypes.result_type(d) if d in (int, float) else dtypes.standardize_dtype(d)


# -- common specs ---------------------------------------------------------
def same_as_input(x, *args, **kwargs):
    """Spec of an op whose output has its input's shape and dtype."""
    return KerasTensor(shape_of(x), standard_dtype(x))


def float_of_input(x, *args, **kwargs):
    """Spec of an elementwise op that returns floats (ints and bools become floatx)."""
    return KerasTensor(shape_of(x), float_dtype(dtype_of(x)))


def bool_of_input(x, *args, **kwargs):
    """Spec of an elementwise predicate."""
    return KerasTensor(shape_of(x), "bool")


def broadcasting_binary(x1, x2, *args, **kwargs):
    """Spec of a broadcasting binary op whose dtype is the operands' promoted dtype."""
    return KerasTensor(broadcast_shapes(shape_of(x1), shape_of(x2)), promoted(x1, x2))


def broadcasting_float_binary(x1, x2, *args, **kwargs):
    """Spec of a broadcasting binary op computed in floats (true division, arctan2, ...)."""
    return KerasTensor(broadcast_shapes(shape_of(x1), shape_of(x2)), promoted(x1, x2, float))


def comparison(x1, x2, *args, **kwargs):
    """Spec of a broadcasting binary op returning bools."""
    return KerasTensor(broadcast_shapes(shape_of(x1), shape_of(x2)), "bool")


def reduction(x, axis=None, keepdims=False, *args, **kwargs):
    """Spec of a reduction that keeps its input's dtype."""
    return KerasTensor(reduced_shape(shape_of(x), axis, keepdims), standard_dtype(x))


def as_numpy_shape(shape):
    """A concrete shape for NumPy (None dims become 1): for rules that reuse NumPy's shape logic."""
    return tuple(1 if d is None else d for d in shape)


def numpy_result_shape(func, *shapes):
    """The shape NumPy gives `func` applied to zero arrays of `shapes` (all dims known)."""
    return np.shape(func(*[np.zeros(s) for s in shapes]))
