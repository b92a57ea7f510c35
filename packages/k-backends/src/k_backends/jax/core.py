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
    if isinstance(value, jax.core.Tracer):
        raise RuntimeError(
            "A Variable was assigned inside a jax-traced function (jax.jit, jax.grad, ...), which would "
            "leak the tracer. Run the code in a `kappa.StatelessScope(state_mapping)` and read the new "
            "values with `scope.get_current_value(variable)` (layers: `stateless_call`).")
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


# -- slicing, scattering and casting -------------------------------------------------
from k_backends.rules import core as _rules  # noqa: E402


def slice(inputs, start_indices, shape):
    inputs = convert_to_tensor(inputs)
    return jax.lax.dynamic_slice(inputs, _starts(start_indices), tuple(shape))


def _starts(start_indices):
    if isinstance(start_indices, (list, tuple)):
        return [convert_to_tensor(s) if not isinstance(s, int) else s for s in start_indices]
    return list(convert_to_tensor(start_indices))


def slice_update(inputs, start_indices, updates):
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates, dtype=inputs.dtype)
    return jax.lax.dynamic_update_slice(inputs, updates, _starts(start_indices))


def _index_tuple(indices):
    indices = convert_to_tensor(indices)
    return tuple(jnp.moveaxis(indices, -1, 0))


def scatter(indices, values, shape):
    values = convert_to_tensor(values)
    return jnp.zeros(tuple(shape), dtype=values.dtype).at[_index_tuple(indices)].add(values)


def scatter_update(inputs, indices, updates, reduction=None):
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates, dtype=inputs.dtype)
    at = inputs.at[_index_tuple(indices)]
    if reduction is None:
        return at.set(updates)
    return {"add": at.add, "max": at.max, "min": at.min, "mul": at.multiply}[reduction](updates)


def stop_gradient(variable):
    return jax.lax.stop_gradient(convert_to_tensor(variable))


def saturate_cast(x, dtype):
    x = convert_to_tensor(x)
    compute = _rules.saturate_compute_dtype(dtypes.standardize_dtype(x.dtype))
    low, high = _rules.saturate_bounds(compute, dtype)
    x = x.astype(to_jax_dtype(compute))
    if low is not None or high is not None:
        x = jnp.clip(x, low, high)
    return x.astype(to_jax_dtype(dtype))


def unstack(x, num=None, axis=0):
    x = convert_to_tensor(x)
    return [jnp.take(x, i, axis=axis) for i in range(x.shape[axis])]


# -- control flow: jax.lax, so it compiles under jit -----------------------------------
def cond(pred, true_fn, false_fn):
    return jax.lax.cond(pred, true_fn, false_fn)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    loop_vars, is_sequence = _rules.as_loop_vars(loop_vars)
    if maximum_iterations is None:
        result = jax.lax.while_loop(lambda state: cond(*state),
                                    lambda state: _rules.as_body_result(body(*state), is_sequence),
                                    loop_vars)
    else:
        def bounded_cond(state):
            step, state = state
            return jnp.logical_and(step < maximum_iterations, cond(*state))

        def bounded_body(state):
            step, state = state
            return step + 1, _rules.as_body_result(body(*state), is_sequence)
        _, result = jax.lax.while_loop(bounded_cond, bounded_body, (0, loop_vars))
    return result if is_sequence else result[0]


def fori_loop(lower, upper, body_fun, init_val):
    return jax.lax.fori_loop(lower, upper, body_fun, init_val)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    leaves = _rules.flatten((init, xs))
    steps = int(length) if length is not None else (int(_rules.flatten(xs)[0].shape[0]) if xs is not None
                                                    else 0)
    if steps == 0 or any(isinstance(x, jax.core.Tracer) for x in leaves):
        return jax.lax.scan(f, init, xs, length=length, reverse=reverse, unroll=unroll)
    # Eagerly, lax.scan would trace and compile the step function on every call (a layer's step
    # is a new closure each time, costing seconds); step by step, jax's cached primitives run it.
    return _rules.python_scan(f, init, xs, length, reverse, jnp.stack, lambda x, i: x[i])


def associative_scan(f, elems, reverse=False, axis=0):
    return jax.lax.associative_scan(f, elems, reverse=reverse, axis=axis)


def map(f, xs):
    return jax.lax.map(f, xs)


def switch(index, branches, *operands):
    return jax.lax.switch(index, branches, *operands)


def vectorized_map(function, elements):
    return jax.vmap(function)(elements)


def custom_gradient(f):
    return jax.custom_gradient(f)
