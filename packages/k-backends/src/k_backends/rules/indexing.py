"""Rules of the indexing group shared by the backends and the symbolic specs.

The main one is NumPy's indexing (`get_item`): `parse_key` reads a key into
entries and `expanded_key` fills in the Ellipsis, so a backend without
NumPy-style indexing (TensorFlow) and the symbolic spec read keys alike.
"""

import operator

from k_backends import dtypes

NEWAXIS, SLICE, INT, MASK, ARRAY = "newaxis", "slice", "int", "mask", "array"
_ELLIPSIS = "ellipsis"


class Entry:
    """One element of an indexing key: its kind and the value itself."""

    __slots__ = ("kind", "value", "ndim")

    def __init__(self, kind, value, ndim=0):
        self.kind = kind
        self.value = value
        self.ndim = ndim  # dimensions of a mask or integer array

    @property
    def consumed(self):
        """How many dimensions of the indexed tensor this entry uses up."""
        if self.kind in (NEWAXIS, _ELLIPSIS):
            return 0
        return self.ndim if self.kind == MASK else 1

    def __repr__(self):
        return f"Entry({self.kind}, ndim={self.ndim})"


def _shape_and_dtype(value):
    from k_backends.inference import default_dtype

    if isinstance(value, (list, tuple)):
        import numpy as np

        array = np.asarray(value)
        if array.dtype == object:
            raise IndexError(f"an index list must be rectangular; got {value!r:.80}.")
        # An empty list indexes nothing: an integer array of length 0, as in NumPy.
        dtype = "int32" if array.size == 0 else default_dtype(value)
        return array.shape, dtype
    return tuple(value.shape), dtypes.standardize_dtype(value.dtype)


def _entry(item):
    if item is None:
        return Entry(NEWAXIS, None)
    if item is Ellipsis:
        return Entry(_ELLIPSIS, None)
    if isinstance(item, slice):
        return Entry(SLICE, item)
    if isinstance(item, bool):
        raise TypeError(f"a Python bool is not a valid index (got {item!r}); use a boolean "
                        "tensor of the indexed dimensions' shape as a mask.")
    if isinstance(item, int):
        return Entry(INT, item)
    if isinstance(item, (list, tuple)) or (hasattr(item, "shape") and hasattr(item, "dtype")):
        shape, dtype = _shape_and_dtype(item)
        if dtype == "bool":
            if not shape:
                raise TypeError("a 0-d boolean index is not supported; use a boolean mask "
                                "with the shape of the dimensions it selects.")
            return Entry(MASK, item, len(shape))
        if not dtypes.is_int_dtype(dtype):
            raise IndexError(f"only integers, slices, None, Ellipsis and integer or boolean "
                             f"tensors are valid indices; got an index of dtype {dtype}.")
        return Entry(INT, item) if not shape else Entry(ARRAY, item, len(shape))
    if hasattr(item, "__index__"):  # NumPy integer scalars
        return Entry(INT, operator.index(item))
    raise TypeError(f"only integers, slices, None, Ellipsis and integer or boolean tensors are "
                    f"valid indices; got {type(item).__name__}: {item!r:.80}.")


def parse_key(key, ndim):
    """The entries of `key` for a tensor of rank `ndim`, the Ellipsis filled with full slices.

    A tuple is a sequence of indices; a list is one integer (or boolean) array, as in NumPy.
    """
    entries = [_entry(k) for k in (key if isinstance(key, tuple) else (key,))]
    ellipses = [i for i, e in enumerate(entries) if e.kind == _ELLIPSIS]
    if len(ellipses) > 1:
        raise IndexError("an index can only have a single Ellipsis ('...').")
    consumed = sum(e.consumed for e in entries)
    if consumed > ndim:
        raise IndexError(f"too many indices: the key {_describe(key)} indexes {consumed} "
                         f"dimensions, but the tensor has rank {ndim}.")
    fill = [Entry(SLICE, slice(None))] * (ndim - consumed)
    if ellipses:
        i = ellipses[0]
        return entries[:i] + fill + entries[i + 1:]
    return entries + fill


def _describe(key):
    text = repr(key)
    return text if len(text) < 80 else text[:77] + "..."


def has_arrays(entries):
    """Whether the key uses advanced indexing (an integer array or a boolean mask)."""
    return any(e.kind in (MASK, ARRAY) for e in entries)


def advanced_is_contiguous(entries):
    """Whether the advanced entries (ints included, when arrays are present) sit side by side.

    NumPy places the broadcast shape of contiguous advanced indices where they
    stand, and in front of all other dimensions otherwise.
    """
    positions = [i for i, e in enumerate(entries) if e.kind in (MASK, ARRAY, INT)]
    return positions == list(range(positions[0], positions[0] + len(positions)))


def slice_length(s, dim):
    """The length of `s` applied to a dimension of size `dim` (None when unknown)."""
    if dim is None:
        return None
    if not all(v is None or isinstance(v, int) or hasattr(v, "__index__")
               for v in (s.start, s.stop, s.step)):
        return None
    try:
        start, stop, step = s.indices(dim)
    except TypeError:
        return None
    if step == 0:
        raise ValueError("slice step cannot be zero.")
    return len(range(start, stop, step))


def indexed_shape(shape, key, broadcast_shapes):
    """The shape of `x[key]` for `x` of `shape` (dims may be None), by NumPy's rules.

    `broadcast_shapes` broadcasts the shapes of integer arrays (None-aware).
    """
    entries = parse_key(key, len(shape))
    arrays = has_arrays(entries)
    out, advanced = [], []
    axis = 0
    for e in entries:
        if e.kind == NEWAXIS:
            out.append(1)
            continue
        if e.kind == SLICE:
            out.append(slice_length(e.value, shape[axis]))
        elif e.kind == INT:
            _check_int_in_bounds(e.value, shape[axis], axis)
            if arrays:
                advanced.append(())
        elif e.kind == ARRAY:
            advanced.append(_shape_and_dtype(e.value)[0])
        else:
            advanced.append((_mask_count(e.value, shape[axis:axis + e.ndim], axis),))
        axis += e.consumed
    if not arrays:
        return tuple(out)
    adv_shape = tuple(broadcast_shapes(*advanced))
    if advanced_is_contiguous(entries):
        first = next(i for i, e in enumerate(entries) if e.kind in (MASK, ARRAY, INT))
        # Dimensions before the first advanced entry: newaxes and slices only.
        return tuple(out[:first]) + adv_shape + tuple(out[first:])
    return adv_shape + tuple(out)


def _check_int_in_bounds(index, dim, axis):
    if isinstance(index, int) and dim is not None and not -dim <= index < dim:
        raise IndexError(f"index {index} is out of bounds for axis {axis} with size {dim}.")


def _mask_count(mask, dims, axis):
    """How many elements a boolean mask selects: known for concrete masks, else None."""
    mask_shape = _shape_and_dtype(mask)[0]
    for i, (m, d) in enumerate(zip(mask_shape, dims, strict=True)):
        if m is not None and d is not None and m != d:
            raise IndexError(f"boolean mask of shape {tuple(mask_shape)} does not match the "
                             f"indexed dimensions {tuple(dims)} (at axis {axis + i}).")
    if isinstance(mask, (list, tuple)) or type(mask).__module__ == "numpy":
        import numpy as np

        return int(np.count_nonzero(mask))
    return None


# -- dtype rules --------------------------------------------------------
INDEX_DTYPE = "int32"  # argsort, argpartition, nonzero, searchsorted, digitize, unique's extras


def trace_dtype(dtype):
    """The dtype of a trace (a sum): small ints widen to 32 bits, others keep theirs."""
    name = dtypes.standardize_dtype(dtype)
    if name in ("bool", "int8", "int16"):
        return "int32"
    if name in ("uint8", "uint16"):
        return "uint32"
    return name


def bincount_dtype(x_dtype, weights_dtype=None):
    """Counts are int32; weighted sums take the promoted dtype of `x` and `weights`."""
    if weights_dtype is None:
        return "int32"
    return dtypes.result_type(x_dtype, weights_dtype)


# -- argument checks shared by backends and specs --------------------------
def check_side(side):
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted expected side='left' or side='right'; got side={side!r}.")


def diagonal_axes(ndim, offset, axis1, axis2):
    """`axis1`, `axis2` as distinct non-negative axes of a tensor of rank `ndim` (at least 2)."""
    if ndim < 2:
        raise ValueError(f"diagonal and trace need a tensor of rank at least 2; got rank {ndim}.")
    if isinstance(offset, bool) or not hasattr(offset, "__index__"):
        raise TypeError(f"expected an int offset; got offset={offset!r}.")
    axes = []
    for name, axis in (("axis1", axis1), ("axis2", axis2)):
        if isinstance(axis, bool) or not hasattr(axis, "__index__") or not -ndim <= axis < ndim:
            raise ValueError(f"{name}={axis!r} is out of range for a tensor of rank {ndim}.")
        axes.append(int(axis) % ndim)
    if axes[0] == axes[1]:
        raise ValueError(f"axis1 and axis2 must differ; got axis1={axis1}, axis2={axis2} "
                         f"for a tensor of rank {ndim}.")
    return axes[0], axes[1]


def diagonal_length(d1, d2, offset):
    """The length of the `offset` diagonal of a (d1, d2) matrix (None when unknown)."""
    if offset >= 0:
        if d2 is None:
            return None
        return max(0, min(d1, d2 - offset)) if d1 is not None else (0 if d2 <= offset else None)
    if d1 is None:
        return None
    return max(0, min(d1 + offset, d2)) if d2 is not None else (0 if d1 <= -offset else None)


def diagonal_shape(shape, offset, axis1, axis2):
    a1, a2 = diagonal_axes(len(shape), offset, axis1, axis2)
    rest = tuple(d for i, d in enumerate(shape) if i not in (a1, a2))
    return rest + (diagonal_length(shape[a1], shape[a2], int(offset)),)


def check_unique_args(size, fill_value):
    if size is not None and (isinstance(size, bool) or not hasattr(size, "__index__") or size < 0):
        raise ValueError(f"unique expected size to be None or a non-negative int; got size={size!r}.")
    if fill_value is not None and size is None:
        raise ValueError("unique: fill_value only applies with a static size; pass size too.")
