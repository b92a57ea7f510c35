"""Shape manipulation, joining and splitting on PyTorch.

Most of these ops return views of their input, as NumPy's do.
"""

import torch

from k_backends.inference import promoted
from k_backends.rules import manipulation as rules
from k_backends.torch.core import convert_to_tensor, current_device, to_torch_dtype

__all__ = [
    "reshape", "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze", "broadcast_to",
    "size", "view", "concatenate", "stack", "split", "array_split", "repeat", "tile", "pad",
    "flip", "roll", "rot90", "unravel_index",
]

# torch (2.13) lacks some data-movement kernels (rot90's flip) for uint16/32/64; a same-size
# signed view moves the same bits at no cost.
_SIGNED_TWINS = {torch.uint16: torch.int16, torch.uint32: torch.int32, torch.uint64: torch.int64}


# The default permutation of transpose, per rank.
_REVERSED = [tuple(range(n - 1, -1, -1)) for n in range(8)]


def _tensor(x):
    return x if isinstance(x, torch.Tensor) else convert_to_tensor(x)


def reshape(x, newshape):
    x = _tensor(x)
    try:
        # torch.reshape parses a shape tuple faster than the Tensor method (0.6 vs 1.0 µs).
        return torch.reshape(x, (newshape,) if isinstance(newshape, int) else newshape)
    except (RuntimeError, TypeError):
        rules.reshape_shape(tuple(x.shape), newshape)  # raises kappa's message, naming both shapes
        raise


def transpose(x, axes=None):
    x = _tensor(x)
    try:
        return torch.permute(x, _REVERSED[x.ndim] if axes is None and x.ndim < 8 else
                             tuple(range(x.ndim - 1, -1, -1)) if axes is None else axes)
    except (RuntimeError, TypeError, IndexError):
        rules.transpose_perm(tuple(x.shape), axes)  # raises kappa's message
        raise


def swapaxes(x, axis1, axis2):
    return _tensor(x).transpose(axis1, axis2)


def moveaxis(x, source, destination):
    x = _tensor(x)
    return x.permute(rules.moveaxis_perm(tuple(x.shape), source, destination))


def expand_dims(x, axis):
    x = _tensor(x)
    if type(axis) is int:
        return x.unsqueeze(axis)
    return x.reshape(rules.expand_dims_shape(tuple(x.shape), axis))


def squeeze(x, axis=None):
    x = _tensor(x)
    # torch.squeeze skips axes whose size is not 1; NumPy (and kappa) raise instead.
    axes = rules.squeeze_axes(tuple(x.shape), axis)
    return x.squeeze(axes) if axes else x


def broadcast_to(x, shape):
    x = _tensor(x)
    return x.expand(rules.broadcast_to_shape(tuple(x.shape), shape))


def size(x):
    return torch.tensor(_tensor(x).numel(), dtype=torch.int32, device=current_device())


def view(x, dtype=None):
    x = _tensor(x)
    if dtype is None:
        return x
    rules.view_shape(tuple(x.shape), x.dtype, dtype)  # validates, with kappa's message
    return x.contiguous().view(to_torch_dtype(dtype))


def _joined(xs):
    if xs and all(type(x) is torch.Tensor and x.dtype == xs[0].dtype for x in xs):
        return xs  # the common case, already one dtype: nothing to convert
    dtype = to_torch_dtype(promoted(*xs))
    return [convert_to_tensor(x, dtype) for x in xs]


def concatenate(xs, axis=0):
    return torch.cat(_joined(xs), dim=axis)


def stack(x, axis=0):
    return torch.stack(_joined(x), dim=axis)


def _pieces(x, indices_or_sections, axis, even):
    x = _tensor(x)
    bounds = rules.split_bounds(tuple(x.shape), indices_or_sections, axis, even)
    axis = rules.axis_in(axis, x.ndim)
    if rules.is_tiling(bounds, x.shape[axis]):
        return list(torch.split(x, [stop - start for start, stop in bounds], dim=axis))
    return [x.narrow(axis, start, stop - start) for start, stop in bounds]


def split(x, indices_or_sections, axis=0):
    return _pieces(x, indices_or_sections, axis, even=True)


def array_split(x, indices_or_sections, axis=0):
    return _pieces(x, indices_or_sections, axis, even=False)


def repeat(x, repeats, axis=None):
    x = _tensor(x)
    if isinstance(repeats, torch.Tensor):
        repeats = repeats.to(x.device)
    else:
        rules.repeat_shape(tuple(x.shape), repeats, axis)
        if not isinstance(repeats, int):
            repeats = torch.as_tensor(repeats, dtype=torch.int64, device=x.device)
    return torch.repeat_interleave(x, repeats, dim=axis)


def tile(x, repeats):
    x = _tensor(x)
    return x.tile(rules.tile_reps(tuple(x.shape), repeats))


def pad(x, pad_width, mode="constant", constant_values=None):
    x = _tensor(x)
    rules.check_pad_mode(mode, constant_values)
    widths = rules.pad_widths(pad_width, x.ndim)
    if mode in ("constant", "empty"):
        # torch lists (before, after) from the last axis backwards.
        flat = [w for pair in reversed(widths) for w in pair]
        return torch.nn.functional.pad(x, flat, value=rules.pad_fill(constant_values, x.dtype))
    for axis, (before, after) in enumerate(widths):
        if before or after:
            source = rules.pad_source_indices(x.shape[axis], before, after, mode)
            x = x.index_select(axis, torch.as_tensor(source, device=x.device))
    return x


def flip(x, axis=None):
    x = _tensor(x)
    dims = range(x.ndim) if axis is None else rules.axes_in(axis, x.ndim, tuple(x.shape))
    return torch.flip(x, tuple(dims))


def roll(x, shift, axis=None):
    x = _tensor(x)
    shifts, axes = rules.roll_args(tuple(x.shape), shift, axis)
    return torch.roll(x, shifts) if axes is None else torch.roll(x, shifts, axes)


def rot90(array, k=1, axes=(0, 1)):
    array = _tensor(array)
    k, axes = rules.rot90_plan(tuple(array.shape), k, axes)
    twin = _SIGNED_TWINS.get(array.dtype)
    if twin is None:
        return torch.rot90(array, k, axes)
    return torch.rot90(array.view(twin), k, axes).view(array.dtype)


def unravel_index(indices, shape):
    indices = _tensor(indices)
    dtype = to_torch_dtype(rules.unravel_dtype(indices.dtype))
    coords = torch.unravel_index(indices.to(torch.int64), rules.unravel_shape(shape))
    return tuple(c.to(dtype) for c in coords)
