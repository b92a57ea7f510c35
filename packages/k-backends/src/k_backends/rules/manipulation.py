"""Shape rules of the manipulation ops, shared by every backend and the symbolic specs.

Each rule takes shapes as tuples of ints (None for a dimension unknown
symbolically) and plain Python arguments, validates them, and returns what
both paths need: an output shape, a permutation, slice bounds. Errors name
the argument, its value and the shape it was applied to.
"""

import math

import numpy as np

from k_backends import dtypes

PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap", "circular", "empty")
_ITEMSIZES = {"bool": 1, "float8_e4m3fn": 1, "float8_e5m2": 1, "complex64": 8, "complex128": 16}


def _is_int(value):
    return hasattr(value, "__index__") and not isinstance(value, bool)


def axis_in(axis, ndim, shape=None, name="axis"):
    """`axis` as a non-negative axis of a rank-`ndim` tensor, or an error naming it."""
    if not _is_int(axis):
        raise TypeError(f"{name} must be an int; got {name}={axis!r}.")
    axis = int(axis)
    if not -ndim <= axis < ndim:
        of = f"shape {shape}" if shape is not None else f"rank {ndim}"
        raise ValueError(f"{name}={axis} is out of range for a tensor of {of}.")
    return axis % ndim


def axes_in(axis, ndim, shape=None, name="axis"):
    """An int or a sequence of ints as a tuple of distinct non-negative axes (in the given order)."""
    items = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    out = tuple(axis_in(a, ndim, shape, name) for a in items)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}={axis!r} repeats an axis.")
    return out


# -- reshaping ------------------------------------------------------------
def reshape_shape(shape, newshape):
    """The output shape of reshaping `shape` to `newshape` (one -1 allowed; None is unknown)."""
    target = tuple(newshape) if isinstance(newshape, (list, tuple)) else (newshape,)
    for d in target:
        if d is not None and (not _is_int(d) or int(d) < -1):
            raise ValueError(f"newshape={newshape!r} must hold non-negative ints and at most one -1.")
    target = tuple(None if d is None else int(d) for d in target)
    if target.count(-1) > 1:
        raise ValueError(f"newshape={newshape!r} may hold at most one -1.")
    if None in shape or None in target:
        return tuple(None if d == -1 else d for d in target)
    size = math.prod(shape)
    known = math.prod(d for d in target if d != -1)
    if -1 in target:
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape a tensor of shape {shape} ({size} elements) into "
                             f"shape {target}.")
        return tuple(size // known if d == -1 else d for d in target)
    if known != size:
        raise ValueError(f"cannot reshape a tensor of shape {shape} ({size} elements) into shape "
                         f"{target} ({known} elements).")
    return target


def transpose_perm(shape, axes):
    """The permutation `transpose` applies: `axes` validated, or all axes reversed when None."""
    ndim = len(shape)
    if axes is None:
        return tuple(range(ndim - 1, -1, -1))
    perm = axes_in(axes, ndim, shape, "axes") if isinstance(axes, (list, tuple)) else None
    if perm is None or len(perm) != ndim:
        raise ValueError(f"axes={axes!r} is not a permutation of the {ndim} axes of a tensor of "
                         f"shape {shape}.")
    return perm


def expand_dims_axes(shape, axis):
    """The sorted positions, in the output, of the new size-1 axes."""
    if not isinstance(axis, (list, tuple)) and not _is_int(axis):
        raise TypeError(f"axis must be an int or a tuple of ints; got axis={axis!r}.")
    count = len(axis) if isinstance(axis, (list, tuple)) else 1
    return tuple(sorted(axes_in(axis, len(shape) + count, None, "axis")))


def expand_dims_shape(shape, axis):
    out = list(shape)
    for a in expand_dims_axes(shape, axis):
        out.insert(a, 1)
    return tuple(out)


def squeeze_axes(shape, axis):
    """The axes `squeeze` removes: every size-1 axis when `axis` is None, else `axis` checked to be 1."""
    if axis is None:
        return tuple(i for i, d in enumerate(shape) if d == 1)
    axes = axes_in(axis, len(shape), shape)
    for a in axes:
        if shape[a] not in (1, None):
            raise ValueError(f"cannot squeeze axis {a} of a tensor of shape {shape}: its size is "
                             f"{shape[a]}, not 1.")
    return tuple(sorted(axes))


def squeeze_shape(shape, axis):
    axes = squeeze_axes(shape, axis)
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def moveaxis_perm(shape, source, destination):
    """The permutation that moves axes `source` to positions `destination`."""
    ndim = len(shape)
    src = axes_in(source, ndim, shape, "source")
    dst = axes_in(destination, ndim, shape, "destination")
    if len(src) != len(dst):
        raise ValueError(f"source={source!r} and destination={destination!r} must name as many "
                         "axes each.")
    rest = iter(a for a in range(ndim) if a not in src)
    placed = dict(zip(dst, src, strict=True))
    return tuple(placed[i] if i in placed else next(rest) for i in range(ndim))


def broadcast_to_shape(shape, target):
    """`target` as a tuple, checked to be a shape `shape` broadcasts to."""
    target = tuple(target) if isinstance(target, (list, tuple)) else (target,)
    if any(d is not None and (not _is_int(d) or int(d) < 0) for d in target):
        raise ValueError(f"shape={target!r} must hold non-negative ints.")
    target = tuple(None if d is None else int(d) for d in target)
    ok = len(shape) <= len(target) and all(
        d in (1, None) or t is None or d == t for d, t in zip(shape[::-1], target[::-1], strict=False))
    if not ok:
        raise ValueError(f"cannot broadcast a tensor of shape {shape} to shape {target}.")
    return target


# -- joining ----------------------------------------------------------------
def concatenate_shape(shapes, axis):
    """The shape of joining `shapes` along `axis`; every other dimension must agree."""
    if not shapes:
        raise ValueError("needs at least one tensor to join; got an empty sequence.")
    first = shapes[0]
    if not first:
        raise ValueError(f"cannot join scalars (shape ()) along an axis; got shapes {list(shapes)}.")
    axis = axis_in(axis, len(first), first)
    out = list(first)
    for s in shapes[1:]:
        same = len(s) == len(first) and all(i == axis or a is None or b is None or a == b
                                            for i, (a, b) in enumerate(zip(s, first, strict=True)))
        if not same:
            raise ValueError(f"every tensor must have the shape of the first except along axis {axis}; "
                             f"got shapes {list(shapes)}.")
        for i, d in enumerate(s):
            if out[i] is None and i != axis:
                out[i] = d
        out[axis] = None if out[axis] is None or s[axis] is None else out[axis] + s[axis]
    return tuple(out)


def stack_shape(shapes, axis):
    """The shape of stacking `shapes` (all equal) along a new axis `axis`."""
    if not shapes:
        raise ValueError("needs at least one tensor to stack; got an empty sequence.")
    first = list(shapes[0])
    axis = axis_in(axis, len(first) + 1, None)
    for s in shapes[1:]:
        if len(s) != len(first) or any(a is not None and b is not None and a != b
                                       for a, b in zip(s, first, strict=True)):
            raise ValueError(f"every tensor must have the same shape; got shapes {list(shapes)}.")
        first = [b if a is None else a for a, b in zip(first, s, strict=True)]
    first.insert(axis, len(shapes))
    return tuple(first)


# -- splitting ----------------------------------------------------------------
def split_bounds(shape, indices_or_sections, axis, even):
    """The (start, stop) of every piece along `axis`, NumPy's way.

    `indices_or_sections` is a number of sections (equal ones when `even`,
    else the first `size % n` one longer) or a sequence of split indices with
    slicing semantics. A bound is None where the size along `axis` is unknown.
    """
    axis = axis_in(axis, len(shape), shape)
    size = shape[axis]
    if _is_int(indices_or_sections):
        n = int(indices_or_sections)
        if n <= 0:
            raise ValueError(f"indices_or_sections={n} must be a positive number of sections.")
        if size is None:
            return [(None, None)] * n
        if even and size % n:
            raise ValueError(f"cannot split axis {axis} of size {size} (shape {shape}) into {n} equal "
                             "sections; use array_split for unequal ones.")
        small, extra = divmod(size, n)
        starts = [i * small + min(i, extra) for i in range(n + 1)]
        return list(zip(starts[:-1], starts[1:], strict=True))
    if isinstance(indices_or_sections, (list, tuple, np.ndarray)):
        indices = [int(i) if _is_int(i) else i for i in np.asarray(indices_or_sections).tolist()]
        if any(not isinstance(i, int) for i in indices):
            raise TypeError(f"indices_or_sections={indices_or_sections!r} must hold ints.")
        edges = [0, *indices, size]
        if size is None:
            return [(a, b) if a is not None and b is not None and a >= 0 and b >= 0 else (None, None)
                    for a, b in zip(edges[:-1], edges[1:], strict=True)]
        out = []
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            start, stop, _ = slice(a, b).indices(size)
            out.append((start, max(start, stop)))
        return out
    raise TypeError("indices_or_sections must be an int or a sequence of ints; got "
                    f"indices_or_sections={indices_or_sections!r}.")


def split_shapes(shape, indices_or_sections, axis, even):
    axis_ = axis_in(axis, len(shape), shape)
    out = []
    for start, stop in split_bounds(shape, indices_or_sections, axis, even):
        piece = list(shape)
        piece[axis_] = None if start is None or stop is None else max(stop - start, 0)
        out.append(tuple(piece))
    return out


def is_tiling(bounds, size):
    """Whether `bounds` cut [0, size) into consecutive pieces (so a native split applies)."""
    position = 0
    for start, stop in bounds:
        if start != position:
            return False
        position = stop
    return position == size


# -- repeating and padding ---------------------------------------------------
def repeat_shape(shape, repeats, axis):
    """The output shape of `repeat`; `repeats` is an int or a sequence matching the axis."""
    counts = np.asarray(repeats).tolist() if not _is_int(repeats) else int(repeats)
    counts = [counts] if isinstance(counts, int) else list(counts)
    if any(not isinstance(c, int) or c < 0 for c in counts):
        raise ValueError(f"repeats={repeats!r} must be non-negative ints.")
    if axis is None:
        size = None if None in shape else math.prod(shape)
        out, axis = [size], 0
    else:
        out = list(shape)
        axis = axis_in(axis, len(shape), shape)
    if len(counts) == 1:
        out[axis] = None if out[axis] is None else out[axis] * counts[0]
    elif out[axis] is not None and len(counts) != out[axis]:
        raise ValueError(f"repeats={repeats!r} must hold one count or one per element along the "
                         f"axis ({out[axis]}) of shape {shape}.")
    else:
        out[axis] = sum(counts)
    return tuple(out)


def tile_reps(shape, repeats):
    """`repeats` as a tuple as long as the output's rank (ones prepended)."""
    reps = (repeats,) if _is_int(repeats) else tuple(np.asarray(repeats).tolist())
    if any(not isinstance(r, int) or isinstance(r, bool) or r < 0 for r in reps):
        raise ValueError(f"repeats={repeats!r} must be non-negative ints.")
    return (1,) * (len(shape) - len(reps)) + reps


def tile_shape(shape, repeats):
    reps = tile_reps(shape, repeats)
    full = (1,) * (len(reps) - len(shape)) + tuple(shape)
    return tuple(None if d is None else d * r for d, r in zip(full, reps, strict=True))


def pad_widths(pad_width, ndim):
    """`pad_width` (int, (pad,), (before, after) or one pair per axis) as one pair per axis."""
    try:
        widths = np.asarray(pad_width)
        if widths.dtype.kind not in "iu" and widths.size:
            raise TypeError
        widths = np.broadcast_to(widths.astype(np.int64), (ndim, 2))
    except (TypeError, ValueError):
        raise ValueError(f"pad_width={pad_width!r} must be an int, (pad,), (before, after) or one "
                         f"(before, after) pair per axis of the rank-{ndim} input.") from None
    if (widths < 0).any():
        raise ValueError(f"pad_width={pad_width!r} must not be negative.")
    return tuple((int(b), int(a)) for b, a in widths)


def check_pad_mode(mode, constant_values):
    if mode not in PAD_MODES:
        raise ValueError(f"mode={mode!r} is not a padding mode kappa supports; expected one of "
                         f"{', '.join(PAD_MODES)}.")
    if constant_values is not None and mode != "constant":
        raise ValueError(f"constant_values={constant_values!r} applies only to mode='constant'; "
                         f"got mode={mode!r}.")


def pad_fill(constant_values, dtype):
    """The fill value of constant padding as a Python scalar of `dtype`'s kind (0 when None).

    Floats fill an integer tensor truncated toward zero, as a NumPy cast does;
    a value outside the integer dtype's range is an error on every backend.
    """
    name = dtypes.standardize_dtype(dtype)
    value = 0 if constant_values is None else constant_values
    if name == "bool":
        return bool(value)
    if dtypes.is_int_dtype(name):
        fill, info = int(value), np.iinfo(name)
        if not info.min <= fill <= info.max:
            raise ValueError(f"constant_values={constant_values!r} does not fit in {name} "
                             f"({info.min} to {info.max}).")
        return fill
    return complex(value) if dtypes.is_complex_dtype(name) else float(value)


def pad_shape(shape, pad_width):
    widths = pad_widths(pad_width, len(shape))
    return tuple(None if d is None else d + b + a for d, (b, a) in zip(shape, widths, strict=True))


def pad_source_indices(size, before, after, mode):
    """For an index-based mode, which input element each output element along one axis copies."""
    if size == 0:
        raise ValueError(f"cannot pad an empty axis with mode={mode!r}.")
    mode = "wrap" if mode == "circular" else mode
    return np.pad(np.arange(size, dtype=np.int64), (before, after), mode=mode)


# -- rotating, rolling and reinterpreting -------------------------------------------
def rot90_plan(shape, k, axes):
    """(k mod 4, (axis0, axis1)) for `rot90`, validated."""
    if len(shape) < 2:
        raise ValueError(f"rot90 needs a tensor of rank 2 or more; got shape {shape}.")
    if not _is_int(k):
        raise TypeError(f"k must be an int; got k={k!r}.")
    if not isinstance(axes, (list, tuple)) or len(axes) != 2:
        raise ValueError(f"axes={axes!r} must be two different axes.")
    a0, a1 = axes_in(axes, len(shape), shape, "axes")
    return int(k) % 4, (a0, a1)


def rot90_shape(shape, k, axes):
    k, (a0, a1) = rot90_plan(shape, k, axes)
    out = list(shape)
    if k % 2:
        out[a0], out[a1] = out[a1], out[a0]
    return tuple(out)


def roll_args(shape, shift, axis):
    """(shifts, axes) as equal-length tuples, or (shift, None) to roll the flattened tensor."""
    if axis is None:
        if not _is_int(shift):
            raise TypeError(f"shift must be an int when axis is None; got shift={shift!r}.")
        return int(shift), None
    axes = tuple(axis_in(a, len(shape), shape) for a in (axis if isinstance(axis, (list, tuple))
                                                         else (axis,)))
    shifts = tuple(shift) if isinstance(shift, (list, tuple)) else (shift,)
    if any(not _is_int(s) for s in shifts):
        raise TypeError(f"shift must be an int or a tuple of ints; got shift={shift!r}.")
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    elif len(axes) == 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ValueError(f"shift={shift!r} and axis={axis!r} must be the same length.")
    return tuple(int(s) for s in shifts), axes


def itemsize(dtype):
    name = dtypes.standardize_dtype(dtype)
    if name in _ITEMSIZES:
        return _ITEMSIZES[name]
    if name == "string":
        raise ValueError("string tensors have no fixed item size to view.")
    return int("".join(c for c in name if c.isdigit())) // 8


def view_shape(shape, dtype, new_dtype):
    """The shape of viewing a tensor's bytes as `new_dtype`: only the last axis changes size."""
    dtype, new_dtype = dtypes.standardize_dtype(dtype), dtypes.standardize_dtype(new_dtype)
    old, new = itemsize(dtype), itemsize(new_dtype)
    if old == new:
        return tuple(shape)
    if not shape:
        raise ValueError(f"cannot view a scalar of dtype {dtype} as {new_dtype}: their item sizes "
                         f"differ ({old} and {new} bytes).")
    last = shape[-1]
    if last is not None and (last * old) % new:
        raise ValueError(f"cannot view a tensor of shape {shape} and dtype {dtype} as {new_dtype}: "
                         f"the last axis holds {last * old} bytes, not a multiple of {new}.")
    return tuple(shape[:-1]) + (None if last is None else last * old // new,)


def unravel_shape(shape):
    """`shape` of `unravel_index` as a tuple of known non-negative ints."""
    dims = tuple(shape) if isinstance(shape, (list, tuple)) else (shape,)
    if any(not _is_int(d) or int(d) < 0 for d in dims):
        raise ValueError(f"shape={shape!r} must be a tuple of known non-negative ints.")
    return tuple(int(d) for d in dims)


def unravel_dtype(dtype):
    """The dtype of `unravel_index`'s coordinates: that of the (integer) indices."""
    if not dtypes.is_int_dtype(dtype):
        raise TypeError(f"indices must be integers; got dtype {dtype}.")
    return dtypes.standardize_dtype(dtype)
