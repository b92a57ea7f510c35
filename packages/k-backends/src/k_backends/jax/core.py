"""Tensors, conversion, variable storage and device placement on JAX."""

import contextlib

import jax
import jax.numpy as jnp
import numpy as np

from k_backends import dtypes
from k_backends.inference import default_dtype
from k_backends.variables import Variable

_DEVICE_ALIASES = {"cuda": "gpu", "rocm": "gpu"}
_JNP_DTYPES = {name: jnp.dtype(name) for name in dtypes.ALLOWED_DTYPES if name != "string"}


def tensor_types():
    return (jax.Array,)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    if sparse:
        raise ValueError("The jax backend does not support sparse tensors yet; got sparse=True.")
    if ragged:
        raise ValueError("The jax backend has no ragged tensors; got ragged=True.")
    if isinstance(x, Variable):
        x = x.value
    if isinstance(x, jax.Array):  # tracers included
        if dtype is None or x.dtype == to_jax_dtype(dtype):
            return x
        return x.astype(to_jax_dtype(dtype))
    if dtype is None:
        dtype = default_dtype(x)
    return jnp.asarray(_unwrap_variables(x), dtype=to_jax_dtype(dtype))


def _unwrap_variables(x):
    if isinstance(x, (list, tuple)):
        return [_unwrap_variables(i) for i in x]
    if isinstance(x, Variable):
        return x.value
    return x


def convert_to_numpy(x):
    return np.asarray(x.value if isinstance(x, Variable) else x)


def is_tensor(x):
    return isinstance(x, jax.Array)


def cast(x, dtype):
    return convert_to_tensor(x, dtype=dtype)


def shape(x):
    return x.shape


def variable_storage(value, trainable, name):
    return jnp.asarray(value)


def read_storage(storage):
    return storage


def assign_storage(storage, value):
    # JAX arrays are immutable, so values handed out earlier stay unchanged.
    return jnp.asarray(value, dtype=storage.dtype)


@contextlib.contextmanager
def device_scope(device_name):
    with jax.default_device(_find_device(device_name)):
        yield


def _find_device(device_name):
    kind, _, index = str(device_name).strip().lower().partition(":")
    devices = _platform_devices(_DEVICE_ALIASES.get(kind, kind))
    index = index or "0"
    if index.isdigit() and int(index) < len(devices):
        return devices[int(index)]
    available = [f"{platform}:{i}" for platform in _platforms()
                 for i in range(len(_platform_devices(platform)))]
    raise ValueError(f"device_scope got device_name={device_name!r}, which is not a device "
                     f"here; available devices: {', '.join(available)}.")


def _platform_devices(platform):
    try:
        return jax.devices(platform)
    except RuntimeError:  # JAX's answer for a platform it does not know or has not got
        return []


def _platforms():
    default = jax.default_backend()
    return (default, "cpu") if default != "cpu" else ("cpu",)


def to_jax_dtype(dtype):
    """The jax.numpy dtype for a kappa dtype name (or anything `standardize_dtype` reads)."""
    name = dtypes.standardize_dtype(dtype)
    if name == "string":
        raise ValueError("The jax backend has no string tensors; got dtype='string'.")
    return _JNP_DTYPES[name]
