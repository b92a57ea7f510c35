"""Indexing, sorting, searching and counting on PyTorch."""

import numpy as np
import torch

from k_backends import dtypes
from k_backends.inference import dtype_of, float_dtype, promoted
from k_backends.rules import indexing as rules
from k_backends.torch.core import COMPUTE_DTYPES, convert_to_tensor, current_device, to_torch_dtype
from k_backends.variables import Variable

__all__ = [
    "argpartition", "argsort", "bincount", "digitize", "get_item", "histogram", "isin", "nonzero",
    "searchsorted", "select", "sort", "take", "take_along_axis", "unique", "where", "diagonal",
    "trace",
]

_INDEX = torch.int32
_INT_TYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.uint16,
              torch.uint32, torch.uint64)


def _computable(x, bool_via=None):
    """`x` in a dtype torch has kernels for (uint16/32/64 widen; bools become `bool_via`)."""
    if x.dtype == torch.bool:
        return x if bool_via is None else x.to(bool_via)
    wide = COMPUTE_DTYPES.get(x.dtype)
    return x if wide is None else x.to(wide)


def _flat_or(x, axis):
    return (x.reshape(-1), 0) if axis is None else (x, axis)


def argsort(x, axis=-1):
    x, axis = _flat_or(convert_to_tensor(x), axis)
    return torch.argsort(_computable(x), dim=axis, stable=True).to(_INDEX)


def sort(x, axis=-1):
    x, axis = _flat_or(convert_to_tensor(x), axis)
    return torch.sort(_computable(x), dim=axis, stable=True).values.to(x.dtype)


def argpartition(x, kth, axis=-1):
    x = convert_to_tensor(x)
    size = x.shape[axis]
    if not -size <= kth < size:
        raise ValueError(f"kth={kth} is out of range for axis {axis} of size {size}.")
    # torch has no partial sort; a full (stable) sort is a valid partition.
    return argsort(x, axis=axis)


def searchsorted(sorted_sequence, values, side="left"):
    rules.check_side(side)
    dtype = to_torch_dtype(promoted(sorted_sequence, values))
    a, v = convert_to_tensor(sorted_sequence, dtype), convert_to_tensor(values, dtype)
    if a.ndim != 1:
        raise ValueError(f"sorted_sequence must be 1-D; got shape {tuple(a.shape)}.")
    a, v = _computable(a, torch.uint8), _computable(v, torch.uint8)
    found = torch.searchsorted(a, v.reshape(-1), right=side == "right", out_int32=True)
    return found.reshape(v.shape)


def digitize(x, bins):
    return searchsorted(bins, x, side="right")


def isin(x1, x2, assume_unique=False, invert=False):
    dtype = to_torch_dtype(promoted(x1, x2))
    a = _computable(convert_to_tensor(x1, dtype), torch.uint8)
    b = _computable(convert_to_tensor(x2, dtype), torch.uint8)
    return torch.isin(a, b, assume_unique=assume_unique, invert=invert)


def nonzero(x):
    x = convert_to_tensor(x)
    if x.ndim == 0:
        raise ValueError("nonzero of a scalar is not defined; reshape it to 1-D first.")
    return tuple(i.to(_INDEX) for i in torch.nonzero(_computable(x), as_tuple=True))


def where(condition, x1=None, x2=None):
    # Fast path: a bool tensor choosing between tensors of one dtype needs no promotion.
    if (isinstance(condition, torch.Tensor) and isinstance(x1, torch.Tensor)
            and isinstance(x2, torch.Tensor) and condition.dtype is torch.bool and x1.dtype is x2.dtype):
        return torch.where(condition, x1, x2)
    if x1 is None and x2 is None:
        return nonzero(condition)
    dtype = to_torch_dtype(promoted(x1, x2))
    condition = convert_to_tensor(condition).to(torch.bool)
    return torch.where(condition, convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype))


def select(condlist, choicelist, default=0):
    dtype = to_torch_dtype(promoted(*choicelist, default))
    result = convert_to_tensor(default, dtype)
    # The first true condition wins, so the last one is applied first.
    for condition, choice in zip(reversed(condlist), reversed(choicelist), strict=True):
        result = torch.where(convert_to_tensor(condition).to(torch.bool), convert_to_tensor(choice, dtype),
                             result)
    shape = torch.broadcast_shapes(*(convert_to_tensor(c).shape for c in condlist), result.shape)
    return result.expand(shape).clone()


def _indices(indices, size):
    """`indices` as int64 with negative ones counted from the end of a dimension of `size`."""
    indices = convert_to_tensor(indices)
    if indices.dtype not in _INT_TYPES:
        raise TypeError(f"indices must be integers; got dtype {dtypes.standardize_dtype(indices.dtype)}.")
    indices = indices.to(torch.int64)
    return torch.where(indices < 0, indices + size, indices)


def take(x, indices, axis=None):
    x, axis = _flat_or(convert_to_tensor(x), axis)
    axis = axis % x.ndim
    indices = _indices(indices, x.shape[axis])
    taken = torch.index_select(x, axis, indices.reshape(-1))
    return taken.reshape(x.shape[:axis] + indices.shape + x.shape[axis + 1:])


def take_along_axis(x, indices, axis=None):
    x, axis = _flat_or(convert_to_tensor(x), axis)
    axis = axis % x.ndim
    indices = _indices(indices, x.shape[axis])
    # torch.gather does not broadcast: expand both to a common shape outside `axis`.
    x_rest, i_rest = list(x.shape), list(indices.shape)
    del x_rest[axis], i_rest[axis]
    rest = list(torch.broadcast_shapes(tuple(x_rest), tuple(i_rest)))
    x = x.expand(rest[:axis] + [x.shape[axis]] + rest[axis:])
    indices = indices.expand(rest[:axis] + [indices.shape[axis]] + rest[axis:])
    return torch.gather(_computable(x), axis, indices).to(x.dtype)


def get_item(x, key):
    x = convert_to_tensor(x)
    entries = rules.parse_key(key, x.ndim)
    # torch reads an int next to index arrays as a plain index (dropping the dimension first);
    # NumPy makes it part of the advanced index, which a one-element array reproduces.
    int_as_array = rules.has_arrays(entries)
    torch_key, axis = [], 0
    for e in entries:
        if e.kind == rules.SLICE and e.value.step is not None and e.value.step < 0:
            # torch slices only step forward: flip the dimension and step forward through it.
            x = torch.flip(x, (axis,))
            torch_key.append(_flipped_slice(e.value, x.shape[axis]))
        else:
            torch_key.append(_torch_index(e.value, int_as_array) if e.kind != rules.NEWAXIS else None)
        axis += e.consumed
    return x[tuple(torch_key)]


def _flipped_slice(s, size):
    start, stop, step = s.indices(size)
    length = len(range(start, stop, step))
    if not length:
        return slice(0, 0)
    first = size - 1 - start
    return slice(first, first + (length - 1) * -step + 1, -step)


def _torch_index(k, int_as_array):
    if isinstance(k, slice):
        return k
    if isinstance(k, Variable):
        k = k.value
    if isinstance(k, int):
        return torch.tensor([k], device=current_device()) if int_as_array else k
    if isinstance(k, list) and not k:
        k = np.zeros(0, "int64")
    k = convert_to_tensor(k)
    if k.dtype != torch.bool:
        # uint8 tensors would read as (deprecated) masks; other ints as the indices they are.
        k = k.to(torch.int64)
        if k.ndim == 0 and int_as_array:
            k = k.reshape(1)
    return k


def diagonal(x, offset=0, axis1=0, axis2=1):
    x = convert_to_tensor(x)
    rules.diagonal_axes(x.ndim, offset, axis1, axis2)
    return torch.diagonal(x, offset=offset, dim1=axis1, dim2=axis2)


_SUM_DTYPES = {torch.float16: torch.float32, torch.bfloat16: torch.float32, torch.uint32: torch.int64,
               torch.uint64: torch.int64}


def trace(x, offset=0, axis1=0, axis2=1):
    x = convert_to_tensor(x)
    rules.diagonal_axes(x.ndim, offset, axis1, axis2)
    dtype = to_torch_dtype(rules.trace_dtype(dtypes.standardize_dtype(x.dtype)))
    diag = torch.diagonal(_computable(x, torch.int32), offset=offset, dim1=axis1, dim2=axis2)
    return diag.sum(-1, dtype=_SUM_DTYPES.get(dtype, dtype)).to(dtype)


def bincount(x, weights=None, minlength=0, sparse=False):
    if sparse:
        raise ValueError("The torch backend does not support sparse tensors yet; got sparse=True.")
    x = convert_to_tensor(x)
    if x.dtype not in _INT_TYPES or x.ndim not in (1, 2):
        raise ValueError(f"bincount takes 1-D or 2-D integers; got shape {tuple(x.shape)}, "
                         f"dtype {dtypes.standardize_dtype(x.dtype)}.")
    flat = x.to(torch.int64)
    if x.numel() and int(flat.min()) < 0:
        raise ValueError(f"bincount takes non-negative integers; got a minimum of {int(flat.min())}.")
    length = max(minlength, int(flat.max()) + 1 if x.numel() else 0)
    rows = x.shape[0] if x.ndim == 2 else 1
    if x.ndim == 2:  # each row counts into its own stretch of one long vector
        flat = flat + torch.arange(rows, device=flat.device)[:, None] * length
    flat = flat.reshape(-1)
    if weights is None:
        counts = torch.bincount(flat, minlength=rows * length).to(_INDEX)
    else:
        dtype = to_torch_dtype(rules.bincount_dtype(dtypes.standardize_dtype(x.dtype), dtype_of(weights)))
        values = _computable(convert_to_tensor(weights, dtype).reshape(-1))
        counts = torch.zeros(rows * length, dtype=values.dtype, device=flat.device)
        counts = counts.index_add_(0, flat, values).to(dtype)
    return counts.reshape(tuple(x.shape[:-1]) + (length,))


def histogram(x, bins=10, range=None):
    x = convert_to_tensor(x)
    dtype = to_torch_dtype(float_dtype(dtypes.standardize_dtype(x.dtype)))
    values = x.reshape(-1).to(torch.float64)
    if range is None:
        range = (values.min().item(), values.max().item()) if values.numel() else (0.0, 1.0)
    low, high = float(range[0]), float(range[1])
    if low == high:
        low, high = low - 0.5, high + 0.5
    edges = torch.linspace(low, high, bins + 1, dtype=torch.float64, device=values.device)
    # Bin i holds edges[i] <= v < edges[i + 1]; the last bin also holds its right edge.
    index = torch.clamp(torch.searchsorted(edges, values, right=True) - 1, 0, bins - 1)
    inside = ((values >= low) & (values <= high)).to(torch.float64)
    counts = torch.zeros(bins, dtype=torch.float64, device=values.device).index_add_(0, index, inside)
    return counts.to(dtype), edges.to(dtype)


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    rules.check_unique_args(size, fill_value)
    x = convert_to_tensor(x)
    source = _computable(x)
    if axis is not None:
        axis = axis % max(x.ndim, 1)
    values, inverse, counts = torch.unique(source.reshape(-1) if axis is None else source, sorted=True,
                                           return_inverse=True, return_counts=True, dim=axis)
    values = values.to(x.dtype)
    flat_inverse = inverse.reshape(-1)
    # The first occurrence of each distinct element: the smallest position mapping to it.
    positions = torch.arange(flat_inverse.numel(), device=flat_inverse.device)
    index = torch.full((counts.numel(),), flat_inverse.numel(), dtype=torch.int64, device=flat_inverse.device)
    index = index.scatter_reduce_(0, flat_inverse, positions, "amin")
    inverse = inverse.reshape(x.shape if axis is None else (-1,))
    along = axis or 0
    if not sorted:
        order = torch.argsort(index)
        values, index, counts = torch.index_select(values, along, order), index[order], counts[order]
        inverse = torch.argsort(order)[inverse]
    if size is not None:
        values, index, counts = _fit_size(values, index, counts, size, along, fill_value)
    outputs = [values] + [a.to(_INDEX) for a, wanted in
                          ((index, return_index), (inverse, return_inverse), (counts, return_counts))
                          if wanted]
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _fit_size(values, index, counts, size, axis, fill_value):
    """Cut or pad the unique results to `size`: values with `fill_value`, index with its first."""
    n = index.shape[0]
    if n >= size:
        return values.narrow(axis, 0, size), index[:size], counts[:size]
    pad_shape = list(values.shape)
    pad_shape[axis] = size - n
    pad = torch.full(pad_shape, 0 if fill_value is None else fill_value, dtype=values.dtype,
                     device=values.device)
    first = index[:1] if n else torch.zeros(1, dtype=index.dtype, device=index.device)
    return (torch.cat([values, pad], dim=axis), torch.cat([index, first.expand(size - n)]),
            torch.cat([counts, torch.zeros(size - n, dtype=counts.dtype, device=counts.device)]))
