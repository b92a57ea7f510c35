"""Tensors, conversion, variable storage and device placement on TensorFlow."""

import contextlib

import numpy as np
import tensorflow as tf

from k_backends import dtypes
from k_backends.inference import default_dtype
from k_backends.variables import Variable

_TF_DTYPES = {name: tf.as_dtype(name) for name in dtypes.ALLOWED_DTYPES}
_TENSOR_TYPES = (tf.Tensor, tf.Variable, tf.SparseTensor, tf.RaggedTensor)

# Wider dtypes to compute in where TF 2.21 has no kernel for an op on a small or unsigned dtype.
COMPUTE_DTYPES = {"bool": "int32", "uint8": "int32", "uint16": "int32", "int8": "int32",
          "int16": "int32", "uint32": "int64", "uint64": "int64"}


def _tf_dtype(dtype):
    return _TF_DTYPES[dtypes.standardize_dtype(dtype)]


def tensor_types():
    return _TENSOR_TYPES


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    if isinstance(x, tf.Tensor) and (dtype is None or x.dtype == _tf_dtype(dtype)):
        return x
    if isinstance(x, Variable):
        x = x.value
    if isinstance(x, tf.SparseTensor) and sparse is False:
        x = tf.sparse.to_dense(x)
    elif isinstance(x, tf.RaggedTensor) and ragged is False:
        x = x.to_tensor()
    elif isinstance(x, tf.Variable):
        x = tf.convert_to_tensor(x)
    elif not isinstance(x, _TENSOR_TYPES):
        return _from_values(x, dtype)
    if dtype is not None and x.dtype != _tf_dtype(dtype):
        # tf.convert_to_tensor(x, dtype) refuses to change a tensor's dtype; cast does.
        x = tf.cast(x, _tf_dtype(dtype))
    return x


def _from_values(x, dtype):
    """A tensor from Python scalars, NumPy values, or (nested) lists of them and of tensors."""
    dtype = _tf_dtype(default_dtype(x) if dtype is None else dtype)
    if isinstance(x, (list, tuple)) and _holds_tensors(x):
        # Stacking keeps symbolic tensors working inside tf.function.
        return tf.stack([convert_to_tensor(item, dtype) for item in x])
    # NumPy converts Python values that TF refuses (True to int8, 1.5 to int32) and
    # rejects those that TF would wrap around (300 to int8).
    return tf.constant(np.asarray(x, dtype=dtype.as_numpy_dtype))


def _holds_tensors(items):
    # isinstance rather than tf.is_tensor, which costs microseconds per item.
    return any(isinstance(i, _TENSOR_TYPES) or isinstance(i, Variable)
               or (isinstance(i, (list, tuple)) and _holds_tensors(i)) for i in items)


def variable_to_tensor(value, dtype=None, name=None, as_ref=False):
    """Conversion function that lets TF ops take a kappa `Variable` directly."""
    return tf.convert_to_tensor(value.value, dtype=dtype, name=name)


def convert_to_numpy(x):
    if isinstance(x, Variable):
        x = x.value
    if isinstance(x, tf.SparseTensor):
        x = tf.sparse.to_dense(x)
    elif isinstance(x, tf.RaggedTensor):
        x = x.to_tensor()
    if isinstance(x, (tf.Tensor, tf.Variable)):
        # .numpy() rather than np.asarray: the latter fails on 0-d bfloat16 tensors (TF 2.21).
        return np.asarray(x.numpy())
    return np.asarray(x)


def is_tensor(x):
    return tf.is_tensor(x)


def cast(x, dtype):
    return convert_to_tensor(x, dtype=dtype)


def shape(x):
    if not hasattr(x, "shape"):
        x = convert_to_tensor(x)
    static = tuple(x.shape)
    if None not in static or isinstance(x, tf.RaggedTensor):
        return static  # a ragged dimension has no single size
    dynamic = tf.shape(x)
    return tuple(dynamic[i] if d is None else d for i, d in enumerate(static))


def variable_storage(value, trainable, name):
    return tf.Variable(value, trainable=trainable, name=name)


def assign_storage(storage, value):
    storage.assign(value)
    return storage


def read_storage(storage):
    """A snapshot of the variable: later assigns do not change it.

    Reading (rather than handing out the tf.Variable) still lets a
    GradientTape trace the read back to the variable, and tf.function
    captures the variable and reads it at each call.
    """
    return storage.value()


@contextlib.contextmanager
def device_scope(device_name):
    kind, _, index = str(device_name).strip().lower().partition(":")
    spec = f"{kind.upper()}:{index or 0}"
    available = [d.name for d in tf.config.list_logical_devices()]
    if not any(name.endswith(f"/device:{spec}") for name in available):
        raise ValueError(f"device_scope: no device {device_name!r} here. "
                         f"Available devices: {available}.")
    with tf.device(spec):
        yield


# -- slicing, scattering and casting -------------------------------------------------
from k_backends.rules import core as _rules  # noqa: E402


def slice(inputs, start_indices, shape):
    inputs = convert_to_tensor(inputs)
    return tf.slice(inputs, tf.cast(start_indices, "int64"), tf.constant(tuple(shape), "int64"))


def slice_update(inputs, start_indices, updates):
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates, dtype=dtypes.standardize_dtype(inputs.dtype))
    if updates.shape.rank == 0:
        return tf.tensor_scatter_nd_update(inputs, tf.zeros((1, 0), "int64"), updates[None])
    # Every position of the updated block, offset by the start: (*updates.shape, rank) indices.
    grid = tf.meshgrid(*[tf.range(d, dtype="int64") for d in tf.unstack(tf.shape(updates, "int64"))],
                       indexing="ij")
    indices = tf.stack(grid, axis=-1) + tf.cast(start_indices, "int64")
    return tf.tensor_scatter_nd_update(inputs, indices, updates)


def scatter(indices, values, shape):
    values = convert_to_tensor(values)
    return tf.scatter_nd(tf.cast(indices, "int64"), values, tf.constant(tuple(shape), "int64"))


def scatter_update(inputs, indices, updates, reduction=None):
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates, dtype=dtypes.standardize_dtype(inputs.dtype))
    indices = tf.cast(indices, "int64")
    if reduction is None:
        return tf.tensor_scatter_nd_update(inputs, indices, updates)
    if reduction == "add":
        return tf.tensor_scatter_nd_add(inputs, indices, updates)
    if reduction == "max":
        return tf.tensor_scatter_nd_max(inputs, indices, updates)
    if reduction == "min":
        return tf.tensor_scatter_nd_min(inputs, indices, updates)
    # TF has no scatter-multiply: multiply the updates of each position together first
    # (positions without updates get 1), then multiply the inputs by that.
    ones = tf.ones_like(inputs)
    k = indices.shape[-1]
    leading = tf.shape(inputs, "int64")[:k]
    positions = tf.reshape(tf.reduce_sum(indices * _row_major_strides(leading), -1), [-1])
    count = tf.reduce_prod(leading)
    flat_updates = tf.reshape(updates, tf.concat([[-1], tf.shape(inputs, "int64")[k:]], 0))
    products = tf.math.unsorted_segment_prod(flat_updates, positions, count)
    return inputs * tf.reshape(products, tf.shape(ones))


def _row_major_strides(dims):
    return tf.math.cumprod(dims, exclusive=True, reverse=True)


def stop_gradient(variable):
    return tf.stop_gradient(convert_to_tensor(variable))


def saturate_cast(x, dtype):
    x = convert_to_tensor(x)
    compute = _rules.saturate_compute_dtype(dtypes.standardize_dtype(x.dtype))
    low, high = _rules.saturate_bounds(compute, dtype)
    x = tf.cast(x, compute)
    if low is not None:
        x = tf.maximum(x, tf.constant(low, compute))
    if high is not None:
        x = tf.minimum(x, tf.constant(high, compute))
    return tf.cast(x, dtypes.standardize_dtype(dtype))


def unstack(x, num=None, axis=0):
    return tf.unstack(convert_to_tensor(x), num=num, axis=axis)


# -- control flow: TF's functional ops, so it compiles under tf.function --------------------
def cond(pred, true_fn, false_fn):
    return tf.cond(tf.cast(pred, "bool"), true_fn, false_fn)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    loop_vars, is_sequence = _rules.as_loop_vars(loop_vars)
    result = tf.while_loop(lambda *state: cond(*state),
                           lambda *state: _rules.as_body_result(body(*state), is_sequence),
                           loop_vars, maximum_iterations=maximum_iterations)
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    return result if is_sequence else result[0]


def fori_loop(lower, upper, body_fun, init_val):
    _, value = tf.while_loop(lambda i, _: i < upper, lambda i, value: (i + 1, body_fun(i, value)),
                             (tf.convert_to_tensor(lower), init_val))
    return value


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    init_leaves = _rules.flatten(init)
    xs_leaves = _rules.flatten(xs) if xs is not None else []
    n = length if length is not None else tf.shape(xs_leaves[0])[0]
    # The first step is traced once to learn the outputs' structure and dtypes.
    first = None if xs is None else _rules.pack_like(xs, [leaf[0] for leaf in xs_leaves])
    _, y_example = f(init, first)
    # A step may return y=None (nothing to stack), as on the other backends.
    y_leaves = [] if y_example is None else [tf.convert_to_tensor(y) for y in _rules.flatten(y_example)]
    arrays = [tf.TensorArray(y.dtype, size=n, element_shape=y.shape) for y in y_leaves]

    def step(i, carry_leaves, arrays):
        index = n - 1 - i if reverse else i
        x = None if xs is None else _rules.pack_like(xs, [tf.gather(leaf, index) for leaf in xs_leaves])
        carry, y = f(_rules.pack_like(init, carry_leaves), x)
        y_leaves = [] if y is None else _rules.flatten(y)
        arrays = [a.write(index, v) for a, v in zip(arrays, y_leaves, strict=True)]
        return i + 1, [tf.convert_to_tensor(c) for c in _rules.flatten(carry)], arrays

    _, carry_leaves, arrays = tf.while_loop(
        lambda i, *_: i < n, step, (tf.constant(0), [tf.convert_to_tensor(c) for c in init_leaves], arrays),
        parallel_iterations=1)
    carry = _rules.pack_like(init, carry_leaves)
    if y_example is None:
        return carry, None
    return carry, _rules.pack_like(y_example, [a.stack() for a in arrays])


def associative_scan(f, elems, reverse=False, axis=0):
    leaves = _rules.flatten(elems)
    n = leaves[0].shape[axis]
    if n is None:
        raise ValueError("associative_scan on tensorflow needs a statically known length along axis; "
                         f"got shape {leaves[0].shape} and axis={axis}.")
    return _rules.python_associative_scan(
        f, elems, reverse, axis, lambda items, dim: tf.concat(items, dim),
        lambda x, i: tf.gather(x, [i], axis=axis))


def map(f, xs):
    _, ys = scan(lambda carry, x: (carry, f(x)), (), xs)
    return ys


def switch(index, branches, *operands):
    index = tf.clip_by_value(tf.cast(index, "int32"), 0, len(branches) - 1)
    return tf.switch_case(index, [lambda fn=fn: fn(*operands) for fn in branches])


def vectorized_map(function, elements):
    return tf.vectorized_map(function, elements)


def custom_gradient(f):
    return tf.custom_gradient(f)
