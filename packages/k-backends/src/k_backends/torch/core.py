"""Tensors, conversion, variable storage and device placement on PyTorch."""

import contextlib
import threading

import numpy as np
import torch

from k_backends import dtypes
from k_backends.inference import default_dtype
from k_backends.variables import Variable

try:
    import ml_dtypes
except ImportError:  # optional: without it, bfloat16 and float8 reach NumPy as float32
    ml_dtypes = None

_TORCH_DTYPES = {name: getattr(torch, name) for name in dtypes.ALLOWED_DTYPES if name != "string"}
_NAMES = {torch_dtype: name for name, torch_dtype in _TORCH_DTYPES.items()}
# NumPy has no bfloat16 or float8: they cross between torch and NumPy (ml_dtypes) as raw bits.
_RAW_BITS = {"bfloat16": (torch.int16, np.int16), "float8_e4m3fn": (torch.uint8, np.uint8),
             "float8_e5m2": (torch.uint8, np.uint8)}
_PY_SCALARS = (bool, int, float, complex)
# torch (2.13) has no CPU kernels for add, subtract, comparisons and more on uint16/32/64, so
# those compute in a signed type that holds them and cast back. uint64 borrows int64's bits:
# exact for add, subtract, multiply and bitwise ops, wrong for comparing or dividing >= 2**63.
COMPUTE_DTYPES = {torch.uint16: torch.int32, torch.uint32: torch.int64, torch.uint64: torch.int64}
_PY_VALUES = (list, tuple, *_PY_SCALARS)
_DEVICE_KINDS = {"cpu": "cpu", "gpu": "cuda", "cuda": "cuda", "mps": "mps"}

# An index-free device (torch.device("cuda")) means "the current one of that kind".
_DEFAULT_DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
class _DeviceState(threading.local):
    # A class default, so reading it in a thread that never entered a scope raises nothing
    # internally (getattr with a default on a bare threading.local costs ~0.3 µs).
    device = None


_local = _DeviceState()


def tensor_types():
    return (torch.Tensor,)


def to_torch_dtype(dtype):
    """The torch dtype for a kappa dtype name (or anything `standardize_dtype` reads)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    name = dtypes.standardize_dtype(dtype)
    if name not in _TORCH_DTYPES:
        raise ValueError(f"The torch backend has no {name} tensors; got dtype={dtype!r}.")
    return _TORCH_DTYPES[name]


def current_device():
    """The device new tensors go to: the innermost `device_scope`, else CUDA when available."""
    device = _local.device
    return _DEFAULT_DEVICE if device is None else device


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    if sparse:
        raise ValueError("The torch backend does not support sparse tensors yet (sparse support "
                         "comes later); got sparse=True.")
    if ragged:
        raise ValueError("The torch backend has no ragged tensors; got ragged=True.")
    if isinstance(x, Variable):
        x = x.value
    if isinstance(x, torch.Tensor):
        # A tensor stays where it is unless a device_scope asks for another device; checking
        # the device costs more than the rest of this path (x.device builds a new object).
        scoped = _local.device
        target = x.dtype if dtype is None else to_torch_dtype(dtype)
        if x.dtype is target and (scoped is None or _is_on(x, scoped)):
            return x
        return x.to(device=x.device if scoped is None else scoped, dtype=target)
    device = current_device()
    if isinstance(x, (np.ndarray, np.generic)) or (
            not isinstance(x, _PY_VALUES) and hasattr(x, "__array__")):
        x = _from_numpy(np.asarray(x))
        return x.to(device=device, dtype=x.dtype if dtype is None else to_torch_dtype(dtype))
    target = to_torch_dtype(default_dtype(x) if dtype is None else dtype)
    if isinstance(x, (list, tuple)) and _holds_arrays(x):
        return torch.stack([convert_to_tensor(item, target) for item in x])
    if not isinstance(x, _PY_VALUES):
        raise TypeError(f"Cannot convert {type(x).__name__} to a tensor: {x!r:.80}")
    return torch.tensor(x, dtype=target, device=device)


def _is_on(x, device):
    # Equality first: it is cheap, while reading `.type` off a device costs a few hundred ns.
    return x.device == device or (device.index is None and x.device.type == device.type)


def _holds_arrays(items):
    return any(isinstance(i, (torch.Tensor, Variable, np.ndarray))
               or (isinstance(i, (list, tuple)) and _holds_arrays(i)) for i in items)


def _from_numpy(array):
    """A CPU tensor sharing `array`'s memory where torch allows it."""
    if not array.flags.writeable or not array.dtype.isnative or any(s < 0 for s in array.strides):
        # torch shares memory only with writable, native-order, positively strided arrays.
        array = array.astype(array.dtype.newbyteorder("="))
    if array.dtype.name in _RAW_BITS:
        _, numpy_bits = _RAW_BITS[array.dtype.name]
        return torch.from_numpy(array.view(numpy_bits)).view(_TORCH_DTYPES[array.dtype.name])
    return torch.from_numpy(array)


def convert_to_numpy(x):
    if isinstance(x, Variable):
        x = x.value
    if isinstance(x, (list, tuple)):
        return np.asarray([convert_to_numpy(item) for item in x])
    if not isinstance(x, torch.Tensor):
        return np.asarray(x)
    name = _NAMES.get(x.dtype)
    if name not in _RAW_BITS:
        return x.numpy(force=True)
    if ml_dtypes is None:
        return x.float().numpy(force=True)
    torch_bits, _ = _RAW_BITS[name]
    return x.detach().view(torch_bits).numpy(force=True).view(getattr(ml_dtypes, name))


def is_tensor(x):
    return isinstance(x, torch.Tensor)


def cast(x, dtype):
    return convert_to_tensor(x, dtype=dtype)


def shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def variable_storage(value, trainable, name):
    # A private copy: the variable must not share memory with the caller's tensor or array.
    with _outside_inference_mode():
        data = _private_copy(value, value.device, value.dtype)
    return torch.nn.Parameter(data, requires_grad=bool(trainable) and _is_differentiable(data))


def read_storage(storage):
    # A fresh view: no copy, and gradients flow back to the Parameter. It keeps the values it
    # had because assign_storage swaps new memory in rather than writing into the old.
    return storage.view_as(storage)


def assign_storage(storage, value):
    # The Parameter object stays the same (optimizers, modules and autograd hold it); only its
    # memory is replaced, so tensors read earlier are unchanged, as on the other backends.
    with _outside_inference_mode():
        storage.data = _private_copy(value, storage.device, storage.dtype)
    return storage


def _private_copy(value, device, dtype):
    return value.detach().to(device, dtype, copy=True, memory_format=torch.contiguous_format)


def _outside_inference_mode():
    # Memory made under torch.inference_mode can never join autograd again, and a variable's
    # memory outlives the mode it was written in.
    if torch.is_inference_mode_enabled():
        return torch.inference_mode(False)
    return contextlib.nullcontext()


def set_storage_trainable(storage, trainable):
    storage.requires_grad_(bool(trainable) and _is_differentiable(storage))


def _is_differentiable(x):
    return x.is_floating_point() or x.is_complex()


def device_scope(device_name):
    """Create tensors on `device_name` inside the scope: "cpu", "gpu"/"cuda" (":index"), "mps"."""
    return _placed_on(_parse_device(device_name))


@contextlib.contextmanager
def _placed_on(device):
    saved = _local.device
    _local.device = device
    try:
        yield
    finally:
        _local.device = saved


def _parse_device(device_name):
    kind, _, index = str(device_name).strip().lower().partition(":")
    kind = _DEVICE_KINDS.get(kind)
    if kind is None or not (index == "" or index.isdigit()):
        raise ValueError(f"Unknown device {device_name!r}: expected cpu, gpu, cuda or mps, "
                         f"optionally with ':<index>'. Available devices: {_available_devices()}.")
    index = int(index) if index else None
    count = {"cpu": 1, "cuda": torch.cuda.device_count(),
             "mps": int(torch.backends.mps.is_available())}[kind]
    if (index or 0) >= count:
        raise ValueError(f"Device {device_name!r} is not available here. "
                         f"Available devices: {_available_devices()}.")
    return torch.device(kind) if kind == "cpu" or index is None else torch.device(kind, index)


def _available_devices():
    names = ["cpu"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if torch.backends.mps.is_available():
        names.append("mps")
    return ", ".join(names)


# -- slicing, scattering and casting -------------------------------------------------
import builtins  # noqa: E402
import warnings  # noqa: E402

from k_backends.rules import core as _rules  # noqa: E402


def _start_list(start_indices):
    if isinstance(start_indices, torch.Tensor):
        return [int(s) for s in start_indices.reshape(-1).tolist()]
    return [int(s) for s in start_indices]


def slice(inputs, start_indices, shape):
    inputs = convert_to_tensor(inputs)
    starts = _start_list(start_indices)
    return inputs[tuple(builtins.slice(s, s + n) for s, n in zip(starts, shape, strict=True))]


def slice_update(inputs, start_indices, updates):
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates, dtype=inputs.dtype).to(inputs.device)
    starts = _start_list(start_indices)
    out = inputs.clone()
    out[tuple(builtins.slice(s, s + n) for s, n in zip(starts, updates.shape, strict=True))] = updates
    return out


def _flat_positions(indices, shape):
    """Indices of shape (..., k) as positions into the first k dimensions flattened into one."""
    indices = convert_to_tensor(indices).to(torch.int64)
    k = indices.shape[-1]
    strides = [1] * k
    for i in range(k - 2, -1, -1):
        strides[i] = strides[i + 1] * shape[i + 1]
    strides = torch.tensor(strides, dtype=torch.int64, device=indices.device)
    return (indices * strides).sum(-1).reshape(-1), k


_INDEX_REDUCE = {"max": "amax", "min": "amin", "mul": "prod"}


def _scatter_into(out, indices, updates, reduction):
    shape = tuple(out.shape)
    positions, k = _flat_positions(indices, shape)
    flat = out.reshape((-1,) + shape[k:])
    updates = updates.to(flat.device).reshape((positions.shape[0],) + shape[k:])
    positions = positions.to(flat.device)
    if reduction is None:
        flat = flat.index_copy(0, positions, updates)
    elif reduction == "add":
        flat = flat.index_add(0, positions, updates)
    else:
        with warnings.catch_warnings():
            # torch 2.x flags index_reduce as beta on every call; its results are what we test.
            warnings.filterwarnings("ignore", message="index_reduce", category=UserWarning)
            flat = flat.index_reduce(0, positions, updates, _INDEX_REDUCE[reduction], include_self=True)
    return flat.reshape(shape)


def scatter(indices, values, shape):
    values = convert_to_tensor(values)
    out = torch.zeros(tuple(shape), dtype=values.dtype, device=values.device)
    return _scatter_into(out, indices, values, "add")


def scatter_update(inputs, indices, updates, reduction=None):
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates, dtype=inputs.dtype)
    return _scatter_into(inputs, indices, updates, reduction)


def stop_gradient(variable):
    return convert_to_tensor(variable).detach()


def saturate_cast(x, dtype):
    x = convert_to_tensor(x)
    compute = _rules.saturate_compute_dtype(_NAMES[x.dtype])
    low, high = _rules.saturate_bounds(compute, dtype)
    x = x.to(to_torch_dtype(compute))
    if low is not None or high is not None:
        x = torch.clamp(x, low, high)
    return x.to(to_torch_dtype(dtype))


def unstack(x, num=None, axis=0):
    return list(torch.unbind(convert_to_tensor(x), dim=axis))


# -- control flow: plain Python (torch runs eagerly; torch.compile traces through it) ------
def cond(pred, true_fn, false_fn):
    return true_fn() if bool(pred) else false_fn()


while_loop = _rules.python_while_loop
switch = _rules.python_switch


def fori_loop(lower, upper, body_fun, init_val):
    value = init_val
    for i in range(int(lower), int(upper)):
        value = body_fun(i, value)
    return value


def _tensors(structure):
    return None if structure is None else _rules.map_structure(convert_to_tensor, structure)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    xs = _tensors(xs)
    return _rules.python_scan(f, init, xs, length, reverse, torch.stack, lambda x, i: x[i])


def associative_scan(f, elems, reverse=False, axis=0):
    elems = _tensors(elems)
    return _rules.python_associative_scan(
        f, elems, reverse, axis, lambda items, dim: torch.cat(items, dim),
        lambda x, i: torch.narrow(x, axis, i, 1))


def map(f, xs):
    _, ys = scan(lambda carry, x: (carry, f(x)), (), xs)
    return ys


def vectorized_map(function, elements):
    return map(function, elements)


class _CustomGradient(torch.autograd.Function):
    """Runs `f` (returning (output, grad_fn)) forward; backward calls its grad_fn."""

    @staticmethod
    def forward(ctx, f, *args):
        output, grad_fn = f(*args)
        ctx.grad_fn = grad_fn
        ctx.is_tensor = [isinstance(a, torch.Tensor) for a in args]
        return output

    @staticmethod
    def backward(ctx, *upstream):
        grads = ctx.grad_fn(*upstream)
        grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
        tensor_grads = iter(grads)
        # A gradient per tensor argument; the other arguments get None.
        return (None, *(next(tensor_grads, None) if is_tensor else None for is_tensor in ctx.is_tensor))


def custom_gradient(f):
    def call(*args):
        return _CustomGradient.apply(f, *args)
    return call
