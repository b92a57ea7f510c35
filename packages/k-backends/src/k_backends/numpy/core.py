"""Tensors, conversion and variable storage on NumPy."""

import builtins
import contextlib

import numpy as np

from k_backends import dtypes
from k_backends.inference import default_dtype
from k_backends.variables import Variable


def tensor_types():
    return (np.ndarray, np.generic)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    if sparse:
        raise ValueError("The numpy backend has no sparse tensors; got sparse=True.")
    if ragged:
        raise ValueError("The numpy backend has no ragged tensors; got ragged=True.")
    if isinstance(x, Variable):
        x = x.value
    if isinstance(x, np.ndarray):
        if dtype is None or x.dtype == to_numpy_dtype(dtype):
            return x
        return x.astype(to_numpy_dtype(dtype))
    if dtype is None:
        dtype = default_dtype(x)
    return np.asarray(_to_numpy_items(x), dtype=to_numpy_dtype(dtype))


def _to_numpy_items(x):
    if isinstance(x, (list, tuple)):
        return [_to_numpy_items(i) for i in x]
    if isinstance(x, Variable):
        return x.numpy()
    return x


def convert_to_numpy(x):
    return np.asarray(x.value if isinstance(x, Variable) else x)


def is_tensor(x):
    return isinstance(x, (np.ndarray, np.generic))


def cast(x, dtype):
    return convert_to_tensor(x, dtype=dtype)


def shape(x):
    return np.shape(x)


def variable_storage(value, trainable, name):
    return np.array(value)


def read_storage(storage):
    return storage


def assign_storage(storage, value):
    # A new array rather than an in-place write: values handed out earlier
    # (`v.value`) must not change under the caller.
    return np.array(value, dtype=storage.dtype)


@contextlib.contextmanager
def device_scope(device_name):
    kind = str(device_name).split(":")[0].lower()
    if kind != "cpu":
        raise ValueError(f"The numpy backend runs on the CPU only; got device_name={device_name!r}.")
    yield


def to_numpy_dtype(dtype):
    """The NumPy dtype for a kappa dtype name (bfloat16 and float8 from ml_dtypes)."""
    name = dtypes.standardize_dtype(dtype)
    if name in NUMPY_DTYPES:
        return NUMPY_DTYPES[name]
    if name == "string":
        return np.dtype(np.str_)
    raise ImportError(f"The numpy backend needs ml_dtypes for {name}: pip install ml_dtypes")


def _numpy_dtypes():
    table = {name: np.dtype(name) for name in dtypes.ALLOWED_DTYPES
             if name != "string" and name != "bfloat16" and not name.startswith("float8")}
    try:
        import ml_dtypes
    except ImportError:  # optional: without it the numpy backend has no bfloat16 or float8
        return table
    table.update({name: np.dtype(getattr(ml_dtypes, name))
                  for name in ("bfloat16",) + dtypes.FLOAT8_TYPES})
    return table


# Every dtype NumPy can hold here, by kappa name.
NUMPY_DTYPES = _numpy_dtypes()


# -- slicing, scattering and casting -------------------------------------------------
from k_backends.rules import core as _rules  # noqa: E402


def slice(inputs, start_indices, shape):
    inputs = convert_to_tensor(inputs)
    starts = [int(s) for s in np.asarray(start_indices).reshape(-1)]
    return inputs[tuple(builtins.slice(s, s + n) for s, n in zip(starts, shape, strict=True))]


def slice_update(inputs, start_indices, updates):
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates, dtype=inputs.dtype)
    starts = [int(s) for s in np.asarray(start_indices).reshape(-1)]
    out = inputs.copy()
    out[tuple(builtins.slice(s, s + n) for s, n in zip(starts, updates.shape, strict=True))] = updates
    return out


def _index_tuple(indices):
    indices = np.asarray(convert_to_numpy(indices))
    return tuple(np.moveaxis(indices, -1, 0))


def scatter(indices, values, shape):
    values = convert_to_tensor(values)
    out = np.zeros(tuple(shape), dtype=values.dtype)
    np.add.at(out, _index_tuple(indices), values)
    return out


_UFUNCS = {"add": np.add, "max": np.maximum, "min": np.minimum, "mul": np.multiply}


def scatter_update(inputs, indices, updates, reduction=None):
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates, dtype=inputs.dtype)
    out = inputs.copy()
    index = _index_tuple(indices)
    if reduction is None:
        out[index] = updates
    else:
        _UFUNCS[reduction].at(out, index, updates)
    return out


def stop_gradient(variable):
    return convert_to_tensor(variable)


def saturate_cast(x, dtype):
    x = convert_to_tensor(x)
    compute = _rules.saturate_compute_dtype(dtypes.standardize_dtype(x.dtype))
    low, high = _rules.saturate_bounds(compute, dtype)
    x = x.astype(to_numpy_dtype(compute))
    if low is not None or high is not None:
        x = np.clip(x, low, high)
    return x.astype(to_numpy_dtype(dtype))


def unstack(x, num=None, axis=0):
    x = convert_to_tensor(x)
    return [np.take(x, i, axis=axis) for i in range(x.shape[axis])]


# -- control flow: plain Python ----------------------------------------------------------
def cond(pred, true_fn, false_fn):
    return true_fn() if bool(pred) else false_fn()


while_loop = _rules.python_while_loop


def fori_loop(lower, upper, body_fun, init_val):
    value = init_val
    for i in range(int(lower), int(upper)):
        value = body_fun(i, value)
    return value


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    return _rules.python_scan(f, init, xs, length, reverse, np.stack, lambda x, i: x[i])


def associative_scan(f, elems, reverse=False, axis=0):
    return _rules.python_associative_scan(f, elems, reverse, axis, np.concatenate,
                                          lambda x, i: np.take(x, [i], axis=axis))


def map(f, xs):
    _, ys = scan(lambda carry, x: (carry, f(x)), (), xs)
    return ys


switch = _rules.python_switch


def vectorized_map(function, elements):
    return map(function, elements)


def custom_gradient(f):
    # NumPy computes no gradients: only the forward value is needed.
    return lambda *args, **kwargs: f(*args, **kwargs)[0]
