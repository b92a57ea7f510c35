"""Core ops: conversion and dtype queries, slicing and scattering, casting, and control flow."""

from k_backends import dtypes
from k_backends.selection import current


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """Convert `x` (array-like, scalar, Variable or tensor) to a backend tensor.

    Args:
        x: the value.
        dtype: target dtype; inferred when None (Python floats become `floatx()`,
            Python ints `int32`, arrays keep theirs).
        sparse: whether to keep a sparse input sparse (None: keep as is).
        ragged: whether to keep a ragged input ragged (None: keep as is).

    Example:
    >>> kappa.ops.convert_to_tensor([1, 2]).dtype  # int32 on every backend
    """
    if dtype is not None:
        dtype = dtypes.standardize_dtype(dtype)
    return current().core.convert_to_tensor(x, dtype=dtype, sparse=sparse, ragged=ragged)


def convert_to_numpy(x):
    """Return `x` as a NumPy array (copying from the device if needed)."""
    return current().core.convert_to_numpy(x)


def is_tensor(x):
    """Whether `x` is a tensor of the selected backend (not a NumPy array or a scalar)."""
    return current().core.is_tensor(x)


def cast(x, dtype):
    """Cast `x` to `dtype`.

    Example:
    >>> kappa.ops.cast([1.7, -1.7], "int32")  # [1, -1]
    """
    return current().core.cast(x, dtypes.standardize_dtype(dtype))


def shape(x):
    """The shape of `x` as a tuple; a dimension is an int when known statically."""
    if hasattr(x, "shape") and not current().core.is_tensor(x):
        return tuple(x.shape)
    return current().core.shape(x)


def dtype(x):
    """The standardized dtype name of `x`, such as `"float32"`."""
    if isinstance(x, (bool, int, float, complex)):
        return dtypes.result_type(type(x))
    return dtypes.standardize_dtype(x.dtype)


def result_type(*dtypes_):
    """The dtype of combining `dtypes_` by kappa's (Keras 3's) promotion rules."""
    return dtypes.result_type(*dtypes_)


# -- slicing, scattering and casting ----------------------------------------------------------
import builtins  # noqa: E402
import functools  # noqa: E402

from k_backends.rules import core as rules  # noqa: E402
from k_ops import shapes  # noqa: E402
from k_ops.dispatch import symbolic  # noqa: E402
from k_ops.symbolic import KerasTensor  # noqa: E402


def _cast_spec(x, dtype):
    return KerasTensor(shapes.shape_of(x), dtypes.standardize_dtype(dtype))


# `cast` is defined above, next to the conversions; its symbolic path needs the dispatch imports.
cast = symbolic(_cast_spec)(cast)


def _check_block(op, inputs, start_indices, block_shape, block_name):
    rank = len(shapes.shape_of(inputs))
    if isinstance(start_indices, (list, tuple)) and len(start_indices) != rank:
        raise ValueError(f"{op} expected one start index per dimension of inputs (rank {rank}); got "
                         f"start_indices={start_indices!r}.")
    if len(block_shape) != rank:
        raise ValueError(f"{op} expected {block_name} of rank {rank} like inputs (shape "
                         f"{shapes.shape_of(inputs)}); got {block_name} {tuple(block_shape)}.")
    for d, n in zip(shapes.shape_of(inputs), block_shape, strict=True):
        if d is not None and n is not None and n > d:
            raise ValueError(f"{op}: {block_name} {tuple(block_shape)} does not fit in inputs of shape "
                             f"{shapes.shape_of(inputs)}.")


def _slice_spec(inputs, start_indices, shape):
    _check_block("slice", inputs, start_indices, tuple(shape), "shape")
    return KerasTensor(tuple(shape), shapes.standard_dtype(inputs))


@symbolic(_slice_spec)
def slice(inputs, start_indices, shape):
    """The block of `inputs` of size `shape` starting at `start_indices` (one start per axis).

    The starts may be tensors (traced values on jax and tensorflow); the shape must be static.

    Example:
    >>> kappa.ops.slice(kappa.ops.arange(10), [2], [3])  # [2, 3, 4]
    """
    shape = tuple(int(d) for d in shape)
    _check_block("slice", inputs, start_indices, shape, "shape")
    return current().core.slice(inputs, start_indices, shape)


def _slice_update_spec(inputs, start_indices, updates):
    _check_block("slice_update", inputs, start_indices, shapes.shape_of(updates), "updates' shape")
    return KerasTensor(shapes.shape_of(inputs), shapes.standard_dtype(inputs))


@symbolic(_slice_update_spec)
def slice_update(inputs, start_indices, updates):
    """A copy of `inputs` with the block starting at `start_indices` replaced by `updates`.

    `updates` has the rank of `inputs` and is cast to its dtype.

    Example:
    >>> kappa.ops.slice_update(kappa.ops.zeros((4,)), [1], kappa.ops.ones((2,)))  # [0, 1, 1, 0]
    """
    _check_block("slice_update", inputs, start_indices, shapes.shape_of(updates), "updates' shape")
    return current().core.slice_update(inputs, start_indices, updates)


def _check_scatter(op, indices, updates, shape, updates_name):
    index_shape, updates_shape = shapes.shape_of(indices), shapes.shape_of(updates)
    if not index_shape or index_shape[-1] is None or index_shape[-1] > len(shape):
        raise ValueError(f"{op} expected indices of shape (..., k) with k <= {len(shape)} (the rank of "
                         f"the output); got indices of shape {index_shape}.")
    expected = index_shape[:-1] + tuple(shape[index_shape[-1]:])
    if len(expected) != len(updates_shape) or any(
            a is not None and b is not None and a != b for a, b in zip(expected, updates_shape, strict=True)):
        raise ValueError(f"{op} expected {updates_name} of shape {expected} (indices' batch shape "
                         f"{index_shape[:-1]} then the output's shape {tuple(shape)} after the first "
                         f"{index_shape[-1]} axes); got {updates_shape}.")


def _scatter_spec(indices, values, shape):
    shape = tuple(shape)
    _check_scatter("scatter", indices, values, shape, "values")
    return KerasTensor(shape, shapes.standard_dtype(values))


@symbolic(_scatter_spec)
def scatter(indices, values, shape):
    """A tensor of zeros of `shape` with `values` added at `indices` (repeated indices sum).

    Args:
        indices: int tensor of shape (..., k): each row indexes the first k axes.
        values: tensor of shape indices.shape[:-1] + shape[k:].
        shape: the output's shape.

    Example:
    >>> kappa.ops.scatter([[0], [2], [0]], [1.0, 2.0, 3.0], (4,))  # [4, 0, 2, 0]
    """
    shape = tuple(int(d) for d in shape)
    _check_scatter("scatter", indices, values, shape, "values")
    return current().core.scatter(indices, values, shape)


def _scatter_update_spec(inputs, indices, updates, reduction=None):
    rules.check_reduction(reduction)
    _check_scatter("scatter_update", indices, updates, shapes.shape_of(inputs), "updates")
    return KerasTensor(shapes.shape_of(inputs), shapes.standard_dtype(inputs))


@symbolic(_scatter_update_spec)
def scatter_update(inputs, indices, updates, reduction=None):
    """A copy of `inputs` with `updates` written at `indices`.

    Args:
        inputs: the tensor to update.
        indices: int tensor of shape (..., k): each row indexes the first k axes of `inputs`.
        updates: tensor of shape indices.shape[:-1] + inputs.shape[k:], cast to inputs' dtype.
        reduction: None to replace (with repeated indices, which update wins is unspecified), or
            "add", "max", "min", "mul" to combine the updates with the values already there.

    Example:
    >>> x = kappa.ops.ones((4,))
    >>> kappa.ops.scatter_update(x, [[1], [1]], [2.0, 3.0], reduction="add")  # [1, 6, 1, 1]
    """
    rules.check_reduction(reduction)
    _check_scatter("scatter_update", indices, updates, shapes.shape_of(inputs), "updates")
    return current().core.scatter_update(inputs, indices, updates, reduction)


@symbolic(shapes.same_as_input)
def stop_gradient(variable):
    """`variable`'s value, through which no gradient flows back.

    Example:
    >>> kappa.ops.stop_gradient(x)  # same values as x; d/dx of it is zero
    """
    return current().core.stop_gradient(variable)


def _saturate_cast_spec(x, dtype):
    return KerasTensor(shapes.shape_of(x), dtypes.standardize_dtype(dtype))


@symbolic(_saturate_cast_spec)
def saturate_cast(x, dtype):
    """Cast `x` to `dtype`, clipping values outside `dtype`'s range to its limits first.

    Example:
    >>> kappa.ops.saturate_cast([-1.0, 300.0], "uint8")  # [0, 255]
    """
    return current().core.saturate_cast(x, dtypes.standardize_dtype(dtype))


def _unstack_axis(x, num, axis):
    shape = shapes.shape_of(x)
    axis = shapes.canonicalize_axis(axis, len(shape))
    size = shape[axis]
    if size is None and num is None:
        raise ValueError(f"unstack needs num, or a known size along axis {axis}; got shape {shape}.")
    if num is not None and size is not None and num != size:
        raise ValueError(f"unstack got num={num}, but x has {size} entries along axis {axis} "
                         f"(shape {shape}).")
    return axis, size if size is not None else num


def _unstack_spec(x, num=None, axis=0):
    axis, size = _unstack_axis(x, num, axis)
    shape = shapes.shape_of(x)
    return [KerasTensor(shape[:axis] + shape[axis + 1:], shapes.standard_dtype(x)) for _ in range(size)]


@symbolic(_unstack_spec)
def unstack(x, num=None, axis=0):
    """The slices of `x` along `axis`, as a list of tensors of one rank less.

    Example:
    >>> a, b = kappa.ops.unstack(kappa.ops.ones((2, 3)))  # two tensors of shape (3,)
    """
    axis, _ = _unstack_axis(x, num, axis)
    return current().core.unstack(x, num, axis)


# -- control flow ---------------------------------------------------------------------------
# These compile on each backend (jax.lax, tf.while_loop and friends; plain Python on numpy and
# torch). With KerasTensors among the values they trace the functions symbolically instead.
def _is_symbolic(*structures):
    return builtins.any(isinstance(leaf, KerasTensor) for s in structures for leaf in rules.flatten(s))


def _spec_of(x):
    if isinstance(x, KerasTensor) or x is None:
        return x
    return KerasTensor(shapes.shape_of(x), shapes.standard_dtype(x))


def _specs(structure):
    return rules.map_structure(_spec_of, structure)


def _element_spec(x, axis=0):
    """The spec of one slice of `x` along `axis`."""
    shape = shapes.shape_of(x)
    return KerasTensor(shape[:axis] + shape[axis + 1:], shapes.standard_dtype(x))


def _stacked_spec(x, size):
    x = _spec_of(x)
    return None if x is None else KerasTensor((size,) + x.shape, x.dtype)


def _merged_specs(op, first, second):
    if not rules.same_layout(first, second):
        raise ValueError(f"{op}'s branches must return the same structure; got {first} and {second}.")

    def merge(a, b):
        if a.dtype != b.dtype or len(a.shape) != len(b.shape):
            raise ValueError(f"{op}'s branches must return tensors of the same dtype and rank; got "
                             f"{a.shape} {a.dtype} and {b.shape} {b.dtype}.")
        return KerasTensor(tuple(d if d == e else None for d, e in zip(a.shape, b.shape, strict=True)),
                           a.dtype)
    return rules.map_structure(merge, _specs(first), _specs(second))


def _check_callable(op, **functions):
    for name, f in functions.items():
        if not callable(f):
            raise TypeError(f"{op} expected {name} to be callable; got {f!r}.")


def cond(pred, true_fn, false_fn):
    """`true_fn()` if `pred` is true, else `false_fn()`; both return the same structure.

    Example:
    >>> kappa.ops.cond(x > 0, lambda: x, lambda: -x)
    """
    _check_callable("cond", true_fn=true_fn, false_fn=false_fn)
    if isinstance(pred, KerasTensor):
        return _merged_specs("cond", true_fn(), false_fn())
    return current().core.cond(pred, true_fn, false_fn)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Run `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`, at most `maximum_iterations` times.

    `loop_vars` is a tuple or list (its items are passed as separate arguments) or a single
    tensor or dict; `body` returns the same structure with the same shapes and dtypes.

    Example:
    >>> i, total = kappa.ops.while_loop(lambda i, t: i < 5, lambda i, t: (i + 1, t + i), (0, 0))  # 5, 10
    """
    _check_callable("while_loop", cond=cond, body=body)
    if maximum_iterations is not None and (isinstance(maximum_iterations, bool)
                                           or int(maximum_iterations) < 0):
        raise ValueError(f"while_loop expected maximum_iterations to be None or an int >= 0; got "
                         f"{maximum_iterations!r}.")
    if _is_symbolic(loop_vars):
        return _specs(loop_vars)
    return current().core.while_loop(cond, body, loop_vars, maximum_iterations)


def fori_loop(lower, upper, body_fun, init_val):
    """Run `init_val = body_fun(i, init_val)` for i from `lower` up to `upper` (excluded).

    Example:
    >>> kappa.ops.fori_loop(0, 4, lambda i, total: total + i, 0)  # 6
    """
    _check_callable("fori_loop", body_fun=body_fun)
    if _is_symbolic(init_val, lower, upper):
        return _specs(init_val)
    return current().core.fori_loop(lower, upper, body_fun, init_val)


def _scan_length(op, xs, length):
    leaves = rules.flatten(xs) if xs is not None else []
    sizes = {shapes.shape_of(leaf)[0] for leaf in leaves if shapes.shape_of(leaf)}
    if builtins.any(not shapes.shape_of(leaf) for leaf in leaves):
        raise ValueError(f"{op} scans the first axis of xs, so xs must hold tensors of rank >= 1.")
    sizes.discard(None)
    if len(sizes) > 1:
        raise ValueError(f"{op} expected every tensor in xs to have the same first dimension; got "
                         f"{sorted(sizes)}.")
    if length is not None:
        if sizes and sizes != {length}:
            raise ValueError(f"{op} got length={length}, but xs has {sizes.pop()} entries.")
        return length
    if xs is None:
        raise ValueError(f"{op} needs xs or length; got neither.")
    return sizes.pop() if sizes else None


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop `carry, y = f(carry, x)` over the first axis of `xs`, stacking the ys.

    Args:
        f: function of (carry, x) returning (new carry, y); carry keeps its structure,
            shapes and dtypes.
        init: the first carry (a nested structure of tensors).
        xs: nested structure of tensors scanned along their first axis; None to loop
            `length` times with x=None.
        length: the number of steps, when xs is None.
        reverse: whether to scan from the last entry to the first.
        unroll: how many steps to unroll per loop iteration (a hint, used on jax).

    Returns:
        (final carry, stacked ys).

    Example:
    >>> total, partial = kappa.ops.scan(lambda c, x: (c + x, c + x), 0.0, kappa.ops.arange(4.0))
    """
    _check_callable("scan", f=f)
    size = _scan_length("scan", xs, length)
    if _is_symbolic(init, xs):
        x = None if xs is None else rules.map_structure(_element_spec, xs)
        carry, y = f(_specs(init), x)
        return _specs(init), (None if y is None else rules.map_structure(
            lambda leaf: _stacked_spec(leaf, size), y))
    return current().core.scan(f, init, xs, length, reverse, unroll)


def associative_scan(f, elems, reverse=False, axis=0):
    """Prefix combination of `elems` along `axis` by the associative function `f`.

    `f(a, b)` combines two blocks of the same structure elementwise (they keep `axis`);
    the result's entry i is f over entries 0..i (i..n-1 with reverse=True).

    Example:
    >>> kappa.ops.associative_scan(lambda a, b: a + b, kappa.ops.arange(4.0))  # [0, 1, 3, 6]
    """
    _check_callable("associative_scan", f=f)
    leaves = rules.flatten(elems)
    rank = len(shapes.shape_of(leaves[0]))
    axis = shapes.canonicalize_axis(axis, rank)
    sizes = {shapes.shape_of(leaf)[axis] for leaf in leaves} - {None}
    if len(sizes) > 1:
        raise ValueError(f"associative_scan expected every tensor in elems to have the same size "
                         f"along axis {axis}; got {sorted(sizes)}.")
    if _is_symbolic(elems):
        return _specs(elems)
    return current().core.associative_scan(f, elems, reverse, axis)


def map(f, xs):
    """`f` applied to each entry of `xs` along its first axis, the results stacked.

    Example:
    >>> kappa.ops.map(lambda row: kappa.ops.sum(row), kappa.ops.ones((3, 2)))  # [2, 2, 2]
    """
    _check_callable("map", f=f)
    size = _scan_length("map", xs, None)
    if _is_symbolic(xs):
        return rules.map_structure(lambda leaf: _stacked_spec(leaf, size),
                                   f(rules.map_structure(_element_spec, xs)))
    return current().core.map(f, xs)


def switch(index, branches, *operands):
    """`branches[index](*operands)`, with `index` clipped into range.

    Example:
    >>> kappa.ops.switch(1, [lambda x: x + 1, lambda x: x * 2], 5)  # 10
    """
    if not isinstance(branches, (list, tuple)) or not branches:
        raise ValueError(f"switch expected a non-empty list of branches; got {branches!r}.")
    _check_callable("switch", **{f"branches[{i}]": b for i, b in enumerate(branches)})
    if _is_symbolic(index, operands):
        outputs = [_specs(branch(*operands)) for branch in branches]
        merged = outputs[0]
        for other in outputs[1:]:
            merged = _merged_specs("switch", merged, other)
        return merged
    return current().core.switch(index, branches, *operands)


def vectorized_map(function, elements):
    """`function` applied to each entry of `elements` along the first axis, vectorized where the
    backend can (jax.vmap, tf.vectorized_map), the results stacked.

    Example:
    >>> kappa.ops.vectorized_map(lambda row: row * 2, kappa.ops.ones((3, 2)))
    """
    _check_callable("vectorized_map", function=function)
    size = _scan_length("vectorized_map", elements, None)
    if _is_symbolic(elements):
        return rules.map_structure(lambda leaf: _stacked_spec(leaf, size),
                                   function(rules.map_structure(_element_spec, elements)))
    return current().core.vectorized_map(function, elements)


def custom_gradient(f):
    """Decorate `f` so that its gradient comes from the function it returns.

    `f(*args)` returns `(output, grad_fn)`; `grad_fn(upstream)` gets the gradient of the
    loss with respect to `output` and returns the gradients with respect to `args` (one
    tensor, or a tuple with one per argument). Works the same on jax (jax.custom_gradient),
    torch (an autograd.Function) and tensorflow (tf.custom_gradient); on numpy only the
    output is computed.

    Example:
    >>> @kappa.ops.custom_gradient
    ... def clipped_identity(x):
    ...     return x, lambda upstream: kappa.ops.clip(upstream, -1.0, 1.0)
    """
    if not callable(f):
        raise TypeError(f"custom_gradient expected a callable; got {f!r}.")

    @functools.wraps(f)
    def call(*args):
        if _is_symbolic(args):
            return f(*args)[0]
        return current().core.custom_gradient(f)(*args)
    return call
