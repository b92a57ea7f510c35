"""Tensors, conversion and variable storage on NumPy."""

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
