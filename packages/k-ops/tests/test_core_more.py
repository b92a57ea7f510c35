"""Core ops: slicing, scattering, casting and control flow, against NumPy and hand-computed values."""

import numpy as np
import pytest

import k_ops
from k_ops.symbolic import KerasTensor

from conftest import ALL_DTYPES, BACKEND, assert_close, check_symbolic, reference_input, to_numpy

NUMERIC = [d for d in ALL_DTYPES if d != "bool"]


def compiled(fn):
    """`fn` under the backend's compiler (jax.jit, tf.function); as is on numpy and torch."""
    if BACKEND == "jax":
        import jax

        return jax.jit(fn)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.function(fn)
    return fn


def tensor(x, dtype=None):
    return k_ops.convert_to_tensor(np.asarray(x) if dtype is None else np.asarray(x, dtype))


# -- slice, slice_update ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_slice_matches_numpy(dtype):
    x = reference_input(dtype, (4, 5, 3))
    result = k_ops.slice(x, [1, 2, 0], (2, 3, 3))
    assert_close(result, x[1:3, 2:5, 0:3], dtype=dtype)
    check_symbolic(k_ops.slice, x, [1, 2, 0], (2, 3, 3))


def test_slice_takes_tensor_starts_under_compilation():
    x = np.arange(20.0).reshape(4, 5)
    f = compiled(lambda x, starts: k_ops.slice(x, starts, (2, 2)))
    assert_close(f(tensor(x), tensor([2, 1], "int32")), x[2:4, 1:3])


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_slice_update_casts_updates_to_inputs_dtype(dtype):
    x = reference_input(dtype, (4, 5))
    updates = reference_input("float32" if dtype != "bool" else "bool", (2, 3), seed=1)
    expected = x.copy()
    expected[1:3, 2:5] = updates.astype(x.dtype)
    assert_close(k_ops.slice_update(x, [1, 2], updates), expected, dtype=dtype)
    check_symbolic(k_ops.slice_update, x, [1, 2], updates)


def test_slice_update_under_compilation():
    x = np.zeros((3, 4), "float32")
    f = compiled(lambda x, starts: k_ops.slice_update(x, starts, tensor(np.ones((2, 2), "float32"))))
    expected = x.copy()
    expected[1:3, 2:4] = 1
    assert_close(f(tensor(x), tensor([1, 2], "int32")), expected)


def test_slice_rejects_wrong_rank():
    with pytest.raises(ValueError, match="shape"):
        k_ops.slice(np.zeros((3, 4)), [0, 0], (2,))
    with pytest.raises(ValueError, match="start index"):
        k_ops.slice(np.zeros((3, 4)), [0], (2, 2))
    with pytest.raises(ValueError, match="does not fit"):
        k_ops.slice(KerasTensor((3, 4)), [0, 0], (5, 2))


# -- scatter, scatter_update --------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int32", "int64", "float16", "float32", "float64"])
def test_scatter_sums_repeated_indices(dtype):
    indices = np.array([[0, 1], [2, 0], [0, 1]])
    values = np.array([1, 2, 3]).astype(dtype)
    expected = np.zeros((3, 2), dtype)
    np.add.at(expected, (indices[:, 0], indices[:, 1]), values)
    assert_close(k_ops.scatter(indices, values, (3, 2)), expected, dtype=dtype)
    check_symbolic(k_ops.scatter, indices, values, (3, 2))


def test_scatter_writes_rows_with_partial_indices():
    values = np.arange(6.0, dtype="float32").reshape(2, 3)
    expected = np.zeros((4, 3), "float32")
    expected[[3, 1]] = values
    assert_close(k_ops.scatter(np.array([[3], [1]]), values, (4, 3)), expected)


@pytest.mark.parametrize("reduction", ["add", "max", "min", "mul"])
@pytest.mark.parametrize("dtype", ["int32", "float32", "float64"])
def test_scatter_update_reductions_combine_repeated_indices(reduction, dtype):
    inputs = reference_input(dtype, (4, 3))
    indices = np.array([[1], [3], [1]])
    updates = reference_input(dtype, (3, 3), seed=2)
    expected = inputs.copy()
    ufunc = {"add": np.add, "max": np.maximum, "min": np.minimum, "mul": np.multiply}[reduction]
    ufunc.at(expected, (indices[:, 0],), updates)
    result = k_ops.scatter_update(inputs, indices, updates, reduction=reduction)
    assert_close(result, expected, dtype=dtype)
    check_symbolic(k_ops.scatter_update, inputs, indices, updates, reduction=reduction)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_scatter_update_replaces_entries(dtype):
    inputs = reference_input(dtype, (3, 4))
    indices = np.array([[0, 1], [2, 3]])
    updates = reference_input(dtype, (2,), seed=3)
    expected = inputs.copy()
    expected[[0, 2], [1, 3]] = updates
    assert_close(k_ops.scatter_update(inputs, indices, updates), expected, dtype=dtype)


def test_scatter_update_under_compilation():
    f = compiled(lambda x, i, u: k_ops.scatter_update(x, i, u, reduction="add"))
    result = f(tensor(np.zeros(4, "float32")), tensor([[1], [1]], "int32"), tensor([2.0, 3.0], "float32"))
    assert_close(result, np.array([0, 5, 0, 0], "float32"))


def test_scatter_errors_name_the_problem():
    with pytest.raises(ValueError, match="reduction"):
        k_ops.scatter_update(np.zeros(3), [[0]], [1.0], reduction="sum")
    with pytest.raises(ValueError, match="values of shape"):
        k_ops.scatter(np.array([[0], [1]]), np.zeros(3), (4,))
    with pytest.raises(ValueError, match="indices of shape"):
        k_ops.scatter(np.array([[0, 1, 2]]), np.zeros(1), (4, 2))


# -- stop_gradient, saturate_cast, unstack --------------------------------------------------------
def test_stop_gradient_keeps_values():
    x = reference_input("float32", (2, 3))
    assert_close(k_ops.stop_gradient(x), x, dtype="float32")
    check_symbolic(k_ops.stop_gradient, x)


@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend computes no gradients")
def test_stop_gradient_blocks_the_gradient():
    x = np.array([1.0, 2.0, 3.0])
    f = lambda t: k_ops.sum(t * t + k_ops.stop_gradient(t * t))  # noqa: E731
    if BACKEND == "jax":
        import jax

        grad = jax.grad(f)(tensor(x))
    elif BACKEND == "torch":
        import torch

        t = torch.tensor(x, requires_grad=True)
        f(t).backward()
        grad = t.grad
    else:
        import tensorflow as tf

        t = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = f(t)
        grad = tape.gradient(y, t)
    assert_close(grad, 2 * x)


@pytest.mark.parametrize("source, target, values, expected", [
    ("float32", "uint8", [-1.5, 300.0, 3.7, 255.0], [0, 255, 3, 255]),
    ("float64", "int8", [-1000.0, 1000.0, -3.7], [-128, 127, -3]),
    ("float32", "int32", [-1e10, 1e10, 5.0], [-2147483648, 2147483520, 5]),
    ("int32", "uint8", [-1, 300, 7], [0, 255, 7]),
    ("int64", "int16", [-40000, 40000, 12], [-32768, 32767, 12]),
    ("uint8", "int8", [200, 100, 0], [127, 100, 0]),
    ("float64", "float16", [1e6, -1e6, 1.5], [65504.0, -65504.0, 1.5]),
    ("int8", "int32", [-128, 127, 0], [-128, 127, 0]),
])
def test_saturate_cast_clips_to_the_target_range(source, target, values, expected):
    x = np.array(values, source)
    assert_close(k_ops.saturate_cast(x, target), np.array(expected, target), dtype=target)
    check_symbolic(k_ops.saturate_cast, x, target)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack_matches_numpy(dtype, axis):
    x = reference_input(dtype, (2, 3, 4))
    parts = k_ops.unstack(x, axis=axis)
    expected = [np.take(x, i, axis=axis) for i in range(x.shape[axis])]
    assert len(parts) == len(expected)
    for part, e in zip(parts, expected, strict=True):
        assert_close(part, e, dtype=dtype)
    check_symbolic(k_ops.unstack, x, num=x.shape[axis], axis=axis)


def test_unstack_checks_num():
    with pytest.raises(ValueError, match="num=3"):
        k_ops.unstack(np.zeros((2, 4)), num=3)
    assert len(k_ops.unstack(KerasTensor((None, 4)), num=5)) == 5


# -- control flow -------------------------------------------------------------------------------
def test_cond_picks_a_branch_eagerly_and_compiled():
    def f(x):
        return k_ops.cond(k_ops.sum(x) > 0, lambda: (x * 2, {"n": x + 1}), lambda: (-x, {"n": x - 1}))

    for fn in (f, compiled(f)):
        for sign in (1.0, -1.0):
            x = np.array([1.0, 2.0], "float32") * sign
            doubled, extra = fn(tensor(x))
            assert_close(doubled, x * 2 if sign > 0 else -x)
            assert_close(extra["n"], x + sign)


def test_cond_symbolic_merges_branch_shapes():
    x = KerasTensor((None, 3))
    out = k_ops.cond(KerasTensor((), "bool"), lambda: x * 2, lambda: x)
    assert out.shape == (None, 3) and out.dtype == "float32"
    with pytest.raises(ValueError, match="same dtype"):
        k_ops.cond(KerasTensor((), "bool"), lambda: x, lambda: x > 0)


def test_while_loop_with_tuple_and_maximum_iterations():
    def f(i, total):
        return k_ops.while_loop(lambda i, t: i < 10, lambda i, t: (i + 1, t + k_ops.cast(i, "float32")),
                                (i, total), maximum_iterations=4)

    for fn in (f, compiled(f)):
        i, total = fn(tensor(0, "int32"), tensor(0.0, "float32"))
        assert_close(i, np.array(4, "int32"))
        assert_close(total, np.array(6.0, "float32"))


def test_while_loop_with_single_tensor_and_dict():
    f = compiled(lambda x: k_ops.while_loop(lambda x: k_ops.sum(x) < 100, lambda x: x * 2, x))
    assert_close(f(tensor([1.0, 2.0], "float32")), np.array([64.0, 128.0], "float32"))
    g = compiled(lambda d: k_ops.while_loop(lambda d: d["a"] < 5,
                                            lambda d: {"a": d["a"] + 1, "b": d["b"] * 2}, d))
    out = g({"a": tensor(0, "int32"), "b": tensor(1.0, "float32")})
    assert_close(out["a"], np.array(5, "int32"))
    assert_close(out["b"], np.array(32.0, "float32"))
    spec = k_ops.while_loop(lambda a, b: a < 3, lambda a, b: (a, b),
                            (KerasTensor((2,)), KerasTensor((), "int32")))
    assert spec[0].shape == (2,) and spec[1].dtype == "int32"


def test_fori_loop_sums_indices():
    f = compiled(lambda x: k_ops.fori_loop(0, 5, lambda i, v: v + k_ops.cast(i, "float32"), x))
    assert_close(f(tensor(1.0, "float32")), np.array(11.0, "float32"))
    assert k_ops.fori_loop(0, 5, lambda i, v: v, KerasTensor((3,))).shape == (3,)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_accumulates_like_numpy_cumsum(reverse):
    xs = np.arange(1.0, 6.0, dtype="float32")

    def f(xs):
        return k_ops.scan(lambda carry, x: (carry + x, {"running": carry + x, "x2": x * 2}),
                          tensor(0.0, "float32"), xs, reverse=reverse)

    for fn in (f, compiled(f)):
        total, ys = fn(tensor(xs))
        expected = np.cumsum(xs[::-1])[::-1] if reverse else np.cumsum(xs)
        assert_close(total, np.array(15.0, "float32"))
        assert_close(ys["running"], expected)
        assert_close(ys["x2"], xs * 2)


def test_scan_with_length_and_nested_carry():
    def step(carry, _):
        a, b = carry
        return (b, a + b), a

    (a, b), ys = k_ops.scan(step, (tensor(0, "int32"), tensor(1, "int32")), length=6)
    assert_close(ys, np.array([0, 1, 1, 2, 3, 5], "int32"))
    assert_close(b, np.array(13, "int32"))
    carry, ys = k_ops.scan(lambda c, x: (c + x, c * x), KerasTensor((3,)), KerasTensor((7, 3)))
    assert carry.shape == (3,) and ys.shape == (7, 3)


def test_map_applies_to_each_row():
    x = reference_input("float32", (4, 3))
    f = compiled(lambda x: k_ops.map(lambda row: (k_ops.sum(row), row * 2), x))
    sums, doubled = f(tensor(x))
    assert_close(sums, x.sum(axis=1))
    assert_close(doubled, x * 2)
    spec = k_ops.map(lambda row: k_ops.sum(row), KerasTensor((5, 3)))
    assert spec.shape == (5,)


def test_switch_calls_the_indexed_branch_and_clips():
    branches = [lambda x: x + 1, lambda x: x * 2, lambda x: -x]
    f = compiled(lambda i, x: k_ops.switch(i, branches, x))
    x = np.array([1.0, 2.0], "float32")
    for index, expected in ((0, x + 1), (1, x * 2), (2, -x), (7, -x), (-3, x + 1)):
        assert_close(f(tensor(index, "int32"), tensor(x)), expected)
    assert k_ops.switch(KerasTensor((), "int32"), branches, KerasTensor((2,))).shape == (2,)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, 1])
def test_associative_scan_cumulative_sum_and_max(reverse, axis):
    x = reference_input("float32", (4, 5))
    flip = (lambda a: np.flip(a, axis)) if reverse else (lambda a: a)
    out = k_ops.associative_scan(lambda a, b: (a[0] + b[0], k_ops.maximum(a[1], b[1])), (x, x),
                                 reverse=reverse, axis=axis)
    assert_close(out[0], flip(np.cumsum(flip(x), axis=axis)))
    assert_close(out[1], flip(np.maximum.accumulate(flip(x), axis=axis)))


def test_associative_scan_keeps_argument_order():
    # "take the first" is associative but not commutative.
    x = np.arange(4.0, dtype="float32")
    assert_close(k_ops.associative_scan(lambda a, b: a, x), np.zeros(4, "float32"))
    assert_close(k_ops.associative_scan(lambda a, b: a, x, reverse=True), np.full(4, 3.0, "float32"))


def test_vectorized_map_applies_to_each_entry():
    x = reference_input("float32", (3, 4))
    out = k_ops.vectorized_map(lambda row: k_ops.sum(row * row), x)
    assert_close(out, (x * x).sum(axis=1))
    pairs = k_ops.vectorized_map(lambda e: e[0] * e[1], (x, x))
    assert_close(pairs, x * x)
    assert k_ops.vectorized_map(lambda row: row[:2], KerasTensor((6, 4))).shape == (6, 2)


def test_control_flow_rejects_non_callables():
    with pytest.raises(TypeError, match="true_fn"):
        k_ops.cond(True, 1, lambda: 2)
    with pytest.raises(ValueError, match="xs or length"):
        k_ops.scan(lambda c, x: (c, x), 0.0)
    with pytest.raises(ValueError, match="branches"):
        k_ops.switch(0, [], 1)


def test_results_convert_to_numpy():
    # Values from every op above come back as the backend's tensors.
    assert to_numpy(k_ops.slice(np.arange(5), [1], [2])).tolist() == [1, 2]


# -- custom_gradient ----------------------------------------------------------------------------
@k_ops.custom_gradient
def _scaled_gradient_square(x, y):
    """x * x * y forward; a made-up gradient (100 * upstream, -1 * upstream) backward."""
    return x * x * y, lambda upstream: (upstream * 100.0, -upstream)


@k_ops.custom_gradient
def _clipped_identity(x):
    return x, lambda upstream: k_ops.clip(upstream, -1.0, 1.0)


def _gradients(f, *values):
    """The gradients of sum(f(*values)) with respect to each value, by the backend's autodiff."""
    if BACKEND == "jax":
        import jax

        return jax.jit(jax.grad(lambda *a: k_ops.sum(f(*a)), argnums=tuple(range(len(values)))))(
            *[tensor(v) for v in values])
    if BACKEND == "torch":
        import torch

        ts = [torch.tensor(v, requires_grad=True) for v in values]
        k_ops.sum(f(*ts)).backward()
        return [t.grad for t in ts]
    import tensorflow as tf

    @tf.function
    def grads(*ts):
        with tf.GradientTape() as tape:
            tape.watch(ts)
            y = k_ops.sum(f(*ts))
        return tape.gradient(y, ts)
    return grads(*[tf.constant(v) for v in values])


def test_custom_gradient_computes_the_forward_value():
    x, y = np.array([1.0, -2.0], "float32"), np.array([3.0, 4.0], "float32")
    assert_close(_scaled_gradient_square(tensor(x), tensor(y)), x * x * y)
    assert _clipped_identity(KerasTensor((None, 2))).shape == (None, 2)


@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend computes no gradients")
def test_custom_gradient_replaces_the_gradient():
    x, y = np.array([1.0, -2.0], "float32"), np.array([3.0, 4.0], "float32")
    gx, gy = _gradients(_scaled_gradient_square, x, y)
    assert_close(gx, np.full(2, 100.0, "float32"))
    assert_close(gy, np.full(2, -1.0, "float32"))
    (g,) = _gradients(lambda x: _clipped_identity(x) * 5.0, x)
    assert_close(g, np.ones(2, "float32"))


def test_custom_gradient_rejects_non_callables():
    with pytest.raises(TypeError, match="callable"):
        k_ops.custom_gradient(3)
