"""Shape manipulation, joining and splitting.

Shape rules live in `k_backends.rules.manipulation`, applied by both the
symbolic specs here and the backends. Ops that NumPy defines in terms of
others (`ravel`, `append`, `hstack`, `hsplit`, `fliplr`, ...) are written
once here from the public ops, so their symbolic path is their own body.
"""

from k_backends import dtypes
from k_backends.inference import promoted
from k_backends.rules import manipulation as rules
from k_backends.selection import current
from k_ops.dispatch import symbolic
from k_ops.shapes import shape_of, standard_dtype
from k_ops.symbolic import KerasTensor

__all__ = [
    "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze",
    "broadcast_to", "ndim", "size", "view",
    "concatenate", "append", "stack", "hstack", "vstack", "dstack",
    "split", "array_split", "hsplit", "vsplit", "dsplit",
    "repeat", "tile", "pad", "flip", "fliplr", "flipud", "roll", "rot90", "unravel_index",
]


def _like(x, shape):
    """A KerasTensor of `shape` with `x`'s dtype."""
    return KerasTensor(shape, standard_dtype(x))


def _composite(op):
    """A public op written from other public ops: its symbolic path is its own body."""
    return symbolic(op)(op)


# -- reshaping --------------------------------------------------------------
@symbolic(lambda x, newshape: _like(x, rules.reshape_shape(shape_of(x), newshape)))
def reshape(x, newshape):
    """Give `x` the shape `newshape`, keeping its elements in order.

    Args:
        x: the tensor.
        newshape: an int or a tuple of ints; one dimension may be -1, inferred
            from the size of `x`.

    Example:
    >>> kappa.ops.reshape(kappa.ops.arange(6), (2, -1)).shape
    (2, 3)
    """
    return current().numpy.reshape(x, newshape)


@_composite
def ravel(x):
    """`x` flattened to one dimension."""
    return reshape(x, (-1,))


def _transpose_spec(x, axes=None):
    shape = shape_of(x)
    return _like(x, tuple(shape[a] for a in rules.transpose_perm(shape, axes)))


@symbolic(_transpose_spec)
def transpose(x, axes=None):
    """Permute the axes of `x`: output axis `i` is input axis `axes[i]` (all reversed when None).

    Example:
    >>> kappa.ops.transpose(kappa.ops.ones((2, 3, 4)), (2, 0, 1)).shape
    (4, 2, 3)
    """
    return current().numpy.transpose(x, axes)


def _swapaxes_spec(x, axis1, axis2):
    shape = list(shape_of(x))
    a = rules.axis_in(axis1, len(shape), tuple(shape), "axis1")
    b = rules.axis_in(axis2, len(shape), tuple(shape), "axis2")
    shape[a], shape[b] = shape[b], shape[a]
    return _like(x, tuple(shape))


@symbolic(_swapaxes_spec)
def swapaxes(x, axis1, axis2):
    """Exchange axes `axis1` and `axis2` of `x`."""
    return current().numpy.swapaxes(x, axis1, axis2)


def _moveaxis_spec(x, source, destination):
    shape = shape_of(x)
    return _like(x, tuple(shape[a] for a in rules.moveaxis_perm(shape, source, destination)))


@symbolic(_moveaxis_spec)
def moveaxis(x, source, destination):
    """Move axes `source` (an int or a sequence) to positions `destination`, keeping the others' order.

    Example:
    >>> kappa.ops.moveaxis(kappa.ops.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    return current().numpy.moveaxis(x, source, destination)


@symbolic(lambda x, axis: _like(x, rules.expand_dims_shape(shape_of(x), axis)))
def expand_dims(x, axis):
    """Insert size-1 axes at positions `axis` (an int or a tuple) of the output.

    Example:
    >>> kappa.ops.expand_dims(kappa.ops.ones((2, 3)), (0, -1)).shape
    (1, 2, 3, 1)
    """
    return current().numpy.expand_dims(x, axis)


@symbolic(lambda x, axis=None: _like(x, rules.squeeze_shape(shape_of(x), axis)))
def squeeze(x, axis=None):
    """Remove size-1 axes: all of them when `axis` is None, else `axis` (an error if not of size 1).

    Example:
    >>> kappa.ops.squeeze(kappa.ops.ones((1, 3, 1)), axis=0).shape
    (3, 1)
    """
    return current().numpy.squeeze(x, axis)


@symbolic(lambda x, shape: _like(x, rules.broadcast_to_shape(shape_of(x), shape)))
def broadcast_to(x, shape):
    """`x` broadcast to `shape` by NumPy's rules.

    Example:
    >>> kappa.ops.broadcast_to([1, 2, 3], (2, 3))  # [[1, 2, 3], [1, 2, 3]]
    """
    return current().numpy.broadcast_to(x, shape)


def ndim(x):
    """The number of axes of `x`, as a Python int (known statically, also for a KerasTensor)."""
    return len(shape_of(x))


@symbolic(lambda x: KerasTensor((), "int32"))
def size(x):
    """The number of elements of `x`, as an int32 scalar tensor."""
    return current().numpy.size(x)


def _view_spec(x, dtype=None):
    new = standard_dtype(x) if dtype is None else dtypes.standardize_dtype(dtype)
    return KerasTensor(rules.view_shape(shape_of(x), standard_dtype(x), new), new)


@symbolic(_view_spec)
def view(x, dtype=None):
    """The bytes of `x` reinterpreted as `dtype` (no conversion of values).

    When item sizes differ, the last axis grows or shrinks so the bytes fit.

    Example:
    >>> kappa.ops.view(kappa.ops.convert_to_tensor([1.0], "float32"), "int32")  # [1065353216]
    """
    return current().numpy.view(x, None if dtype is None else dtypes.standardize_dtype(dtype))


# -- joining -----------------------------------------------------------------
def _check_sequence(xs, name):
    if not isinstance(xs, (list, tuple)):
        raise TypeError(f"{name} must be a list or tuple of tensors; got {type(xs).__name__}.")


def _concatenate_spec(xs, axis=0):
    _check_sequence(xs, "xs")
    return KerasTensor(rules.concatenate_shape([shape_of(x) for x in xs], axis), promoted(*xs))


@symbolic(_concatenate_spec)
def concatenate(xs, axis=0):
    """Join the tensors `xs` along an existing axis; their dtypes promote to a common one.

    Example:
    >>> kappa.ops.concatenate([kappa.ops.ones((2, 3)), kappa.ops.zeros((1, 3))]).shape
    (3, 3)
    """
    _check_sequence(xs, "xs")
    return current().numpy.concatenate(xs, axis)


@_composite
def append(x1, x2, axis=None):
    """`x2` appended after `x1` along `axis`; both are flattened first when `axis` is None."""
    if axis is None:
        return concatenate([ravel(x1), ravel(x2)])
    return concatenate([x1, x2], axis=axis)


def _stack_spec(x, axis=0):
    _check_sequence(x, "x")
    return KerasTensor(rules.stack_shape([shape_of(a) for a in x], axis), promoted(*x))


@symbolic(_stack_spec)
def stack(x, axis=0):
    """Join the tensors `x` (all of one shape) along a new axis `axis`.

    Example:
    >>> kappa.ops.stack([[1, 2], [3, 4]], axis=1)  # [[1, 3], [2, 4]]
    """
    _check_sequence(x, "x")
    return current().numpy.stack(x, axis)


def _at_least(x, rank):
    """`x` with size-1 axes added NumPy's `atleast_{1,2,3}d` way."""
    n = ndim(x)
    if n >= rank:
        return x
    if rank == 3 and n == 2:
        return expand_dims(x, -1)
    if rank == 3 and n == 1:
        return expand_dims(x, (0, 2))
    return expand_dims(x, tuple(range(rank - n)))


@_composite
def hstack(xs):
    """Join `xs` column-wise: along axis 1, or axis 0 for 1-D tensors."""
    _check_sequence(xs, "xs")
    xs = [_at_least(x, 1) for x in xs]
    return concatenate(xs, axis=0 if xs and ndim(xs[0]) == 1 else 1)


@_composite
def vstack(xs):
    """Join `xs` row-wise, along axis 0 (1-D tensors become rows)."""
    _check_sequence(xs, "xs")
    return concatenate([_at_least(x, 2) for x in xs], axis=0)


@_composite
def dstack(xs):
    """Join `xs` depth-wise, along axis 2 (a 1-D tensor of size n becomes (1, n, 1))."""
    _check_sequence(xs, "xs")
    return concatenate([_at_least(x, 3) for x in xs], axis=2)


# -- splitting -------------------------------------------------------------------
def _split_spec(even):
    def spec(x, indices_or_sections, axis=0):
        return [_like(x, s) for s in rules.split_shapes(shape_of(x), indices_or_sections, axis, even)]
    return spec


@symbolic(_split_spec(even=True))
def split(x, indices_or_sections, axis=0):
    """Split `x` along `axis` into a list of tensors.

    Args:
        x: the tensor.
        indices_or_sections: a number of equal sections (an error if the axis
            does not divide evenly), or a sequence of indices to split at.
        axis: the axis to split.

    Example:
    >>> [p.shape for p in kappa.ops.split(kappa.ops.ones((6, 2)), [1, 4])]
    [(1, 2), (3, 2), (2, 2)]
    """
    return current().numpy.split(x, indices_or_sections, axis)


@symbolic(_split_spec(even=False))
def array_split(x, indices_or_sections, axis=0):
    """Like `split`, but `n` sections need not be equal: the first `size % n` get one more element."""
    return current().numpy.array_split(x, indices_or_sections, axis)


def _rank_at_least(x, rank, op):
    n = ndim(x)
    if n < rank:
        raise ValueError(f"{op} needs a tensor of rank {rank} or more; got shape {shape_of(x)}.")
    return n


@_composite
def hsplit(x, indices_or_sections):
    """`split` along axis 1 (axis 0 for 1-D tensors)."""
    n = _rank_at_least(x, 1, "hsplit")
    return split(x, indices_or_sections, axis=0 if n == 1 else 1)


@_composite
def vsplit(x, indices_or_sections):
    """`split` along axis 0 of a tensor of rank 2 or more."""
    _rank_at_least(x, 2, "vsplit")
    return split(x, indices_or_sections, axis=0)


@_composite
def dsplit(x, indices_or_sections):
    """`split` along axis 2 of a tensor of rank 3 or more."""
    _rank_at_least(x, 3, "dsplit")
    return split(x, indices_or_sections, axis=2)


# -- repeating, padding, flipping and rotating -----------------------------------
def _repeat_spec(x, repeats, axis=None):
    shape = shape_of(x)
    if isinstance(repeats, KerasTensor):  # counts unknown until run: so is the repeated axis
        if axis is None:
            return _like(x, (None,))
        axis = rules.axis_in(axis, len(shape), shape)
        return _like(x, tuple(None if i == axis else d for i, d in enumerate(shape)))
    return _like(x, rules.repeat_shape(shape, repeats, axis))


@symbolic(_repeat_spec)
def repeat(x, repeats, axis=None):
    """Repeat each element of `x` `repeats` times along `axis` (of the flattened `x` when None).

    `repeats` is an int or one count per element along the axis.

    Example:
    >>> kappa.ops.repeat([1, 2], [1, 3])  # [1, 2, 2, 2]
    """
    return current().numpy.repeat(x, repeats, axis)


@symbolic(lambda x, repeats: _like(x, rules.tile_shape(shape_of(x), repeats)))
def tile(x, repeats):
    """Repeat the whole of `x` `repeats[i]` times along each axis `i` (prepending axes as needed).

    Example:
    >>> kappa.ops.tile([1, 2], (2, 2))  # [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    return current().numpy.tile(x, repeats)


def _pad_spec(x, pad_width, mode="constant", constant_values=None):
    rules.check_pad_mode(mode, constant_values)
    return _like(x, rules.pad_shape(shape_of(x), pad_width))


@symbolic(_pad_spec)
def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad `x` at the start and end of each axis.

    Args:
        x: the tensor.
        pad_width: an int (every side), `(pad,)`, `(before, after)` for every
            axis, or one `(before, after)` pair per axis.
        mode: "constant" (fill with `constant_values`, 0 by default), "edge"
            (repeat the edge value), "reflect" (mirror, edge excluded),
            "symmetric" (mirror, edge included), "wrap" or "circular"
            (continue from the other end), or "empty" (unspecified values; kappa
            writes zeros).
        constant_values: the scalar fill value; only with mode="constant".

    Example:
    >>> kappa.ops.pad([1, 2, 3], (1, 2), mode="edge")  # [1, 1, 2, 3, 3, 3]
    """
    rules.check_pad_mode(mode, constant_values)
    return current().numpy.pad(x, pad_width, mode, constant_values)


def _flip_spec(x, axis=None):
    if axis is not None:
        rules.axes_in(axis, ndim(x), shape_of(x))
    return _like(x, shape_of(x))


@symbolic(_flip_spec)
def flip(x, axis=None):
    """Reverse the order of elements along `axis` (an int, a tuple, or every axis when None)."""
    return current().numpy.flip(x, axis)


@_composite
def fliplr(x):
    """Reverse the order of columns (axis 1) of a tensor of rank 2 or more."""
    _rank_at_least(x, 2, "fliplr")
    return flip(x, axis=1)


@_composite
def flipud(x):
    """Reverse the order of rows (axis 0) of a tensor of rank 1 or more."""
    _rank_at_least(x, 1, "flipud")
    return flip(x, axis=0)


def _roll_spec(x, shift, axis=None):
    rules.roll_args(shape_of(x), shift, axis)
    return _like(x, shape_of(x))


@symbolic(_roll_spec)
def roll(x, shift, axis=None):
    """Shift elements of `x` by `shift` along `axis`, wrapping around (the flattened `x` when None).

    Example:
    >>> kappa.ops.roll([1, 2, 3, 4], 1)  # [4, 1, 2, 3]
    """
    return current().numpy.roll(x, shift, axis)


@symbolic(lambda array, k=1, axes=(0, 1): _like(array, rules.rot90_shape(shape_of(array), k, axes)))
def rot90(array, k=1, axes=(0, 1)):
    """Rotate `array` by 90 degrees `k` times, from axis `axes[0]` towards `axes[1]`.

    Example:
    >>> kappa.ops.rot90([[1, 2], [3, 4]])  # [[2, 4], [1, 3]]
    """
    return current().numpy.rot90(array, k, axes)


def _unravel_index_spec(indices, shape):
    dims = rules.unravel_shape(shape)
    dtype = rules.unravel_dtype(standard_dtype(indices))
    return tuple(KerasTensor(shape_of(indices), dtype) for _ in dims)


@symbolic(_unravel_index_spec)
def unravel_index(indices, shape):
    """The coordinates, in a tensor of `shape`, of flat `indices`: a tuple of one tensor per axis.

    Example:
    >>> kappa.ops.unravel_index([5, 1], (2, 3))  # ([1, 0], [2, 1])
    """
    return current().numpy.unravel_index(indices, shape)
