import numpy as np
import pytest

from k_backends.dtypes import standardize_dtype
from k_backends.variables import AutocastScope, Variable, name_scope

from conftest import to_numpy


def test_variable_from_value_keeps_shape_dtype_and_name():
    v = Variable(np.ones((2, 3), dtype="float32"), name="kernel")
    assert v.shape == (2, 3) and v.ndim == 2 and v.dtype == "float32"
    assert v.name == "kernel" and v.path == "kernel" and v.trainable
    np.testing.assert_array_equal(v.numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(np.asarray(v), np.ones((2, 3)))


def test_variable_from_callable_initializer():
    v = Variable(lambda shape, dtype: np.full(shape, 2.0, dtype=dtype), shape=(3,), dtype="float16")
    assert v.dtype == "float16"
    np.testing.assert_array_equal(v.numpy(), [2.0, 2.0, 2.0])


def test_callable_initializer_needs_shape():
    with pytest.raises(ValueError, match="needs `shape`"):
        Variable(lambda shape, dtype: np.zeros(shape))


def test_assign_assign_add_assign_sub():
    v = Variable([1.0, 2.0])
    v.assign([5.0, 6.0])
    v.assign_add([1.0, 1.0])
    v.assign_sub(np.array([0.5, 0.5], "float32"))
    np.testing.assert_allclose(v.numpy(), [5.5, 6.5])
    assert v.dtype == "float32"


def test_assign_keeps_earlier_values_unchanged():
    v = Variable([1.0, 2.0])
    before = v.value
    v.assign([3.0, 4.0])
    np.testing.assert_array_equal(to_numpy(before), [1.0, 2.0])


def test_assign_with_wrong_shape_names_both_shapes():
    v = Variable(np.zeros((2, 2)), name="w")
    with pytest.raises(ValueError, match=r"shape \(3,\).*'w' of shape \(2, 2\)"):
        v.assign(np.zeros(3))


def test_name_must_not_contain_slash():
    with pytest.raises(ValueError, match="without '/'"):
        Variable(1.0, name="a/b")


def test_name_scope_sets_path():
    with name_scope("outer"):
        with name_scope("inner"):
            v = Variable(0.0, name="bias")
    assert v.path == "outer/inner/bias"
    assert Variable(0.0, name="bias").path == "bias"


@pytest.mark.parametrize("argument,value", [("aggregation", "max"), ("synchronization", "sometimes")])
def test_bad_aggregation_and_synchronization(argument, value):
    with pytest.raises(ValueError, match=value):
        Variable(0.0, **{argument: value})


def test_arithmetic_operators_match_numpy():
    a = np.array([[1.0, -2.0], [3.0, 4.5]], "float32")
    b = np.array([[2.0, 2.0], [-1.0, 0.5]], "float32")
    v = Variable(a)
    for result, expected in [
        (v + b, a + b), (b + v, b + a), (v - 1, a - 1), (1 - v, 1 - a), (v * b, a * b),
        (v / b, a / b), (2 / v, 2 / a), (v // b, a // b), (v % b, a % b), (v ** 2, a ** 2),
        (v @ b, a @ b), (b @ v, b @ a), (-v, -a), (abs(v), abs(a)), (+v, a),
    ]:
        np.testing.assert_allclose(to_numpy(result), expected, rtol=1e-6)


def test_comparison_and_bitwise_operators_match_numpy():
    a = np.array([1, 2, 3], "int32")
    v = Variable(a)
    for result, expected in [
        (v == 2, a == 2), (v != 2, a != 2), (v < 2, a < 2), (v <= 2, a <= 2),
        (v > 2, a > 2), (v >= 2, a >= 2), (v & 1, a & 1), (v | 4, a | 4), (v ^ 3, a ^ 3),
        (~v, ~a),
    ]:
        np.testing.assert_array_equal(to_numpy(result), expected)
    flags = Variable(np.array([True, False]))
    np.testing.assert_array_equal(to_numpy(~flags), [False, True])


def test_operators_follow_promotion_rules():
    v = Variable(np.array([1, 2], "int8"))
    assert standardize_dtype((v + 1).dtype) == "int8"
    assert standardize_dtype((v + 1.5).dtype) == "float32"
    assert standardize_dtype((v + np.array([1, 1], "uint8")).dtype) == "int16"
    assert standardize_dtype((v / v).dtype) == "float32"


def test_indexing():
    a = np.arange(12, dtype="float32").reshape(3, 4)
    v = Variable(a)
    np.testing.assert_array_equal(to_numpy(v[1]), a[1])
    np.testing.assert_array_equal(to_numpy(v[:, 1:3]), a[:, 1:3])
    np.testing.assert_array_equal(to_numpy(v[..., -1]), a[..., -1])
    np.testing.assert_array_equal(to_numpy(v[None, 0]), a[None, 0])


def test_variables_are_hashable_by_identity():
    a, b = Variable(1.0), Variable(1.0)
    assert len({a, b}) == 2


def test_trainable_flag_can_change():
    v = Variable(1.0, trainable=False)
    assert not v.trainable
    v.trainable = True
    assert v.trainable


def test_autocast_scope_casts_float_variables_only():
    f = Variable(np.ones(2, "float32"))
    i = Variable(np.ones(2, "int32"))
    fixed = Variable(np.ones(2, "float32"), autocast=False)
    with AutocastScope("float16"):
        assert standardize_dtype(f.value.dtype) == "float16" and f.dtype == "float16"
        assert standardize_dtype(i.value.dtype) == "int32"
        assert standardize_dtype(fixed.value.dtype) == "float32"
    assert standardize_dtype(f.value.dtype) == "float32"


def test_scalar_conversions():
    v = Variable(3.0)
    assert float(v) == 3.0 and int(v) == 3 and bool(v)


def test_framework_functions_accept_variables():
    import k_backends

    v = Variable(np.array([1.0, 2.0], "float32"))
    name = k_backends.backend()
    if name == "jax":
        import jax.numpy as jnp

        out = jnp.asarray(v) + 1  # jax 0.10 takes a Variable through asarray, not at jit boundaries
    elif name == "torch":
        import torch

        out = torch.add(v, 1).detach()  # a trainable Variable's reads carry autograd history
    elif name == "tensorflow":
        import tensorflow as tf

        out = tf.add(v, 1.0)
    else:
        out = np.add(v, 1)
    np.testing.assert_array_equal(np.asarray(out), [2.0, 3.0])


def test_numpy_arrays_defer_to_variable_operators():
    v = Variable(np.array([1, 2], "int8"))
    assert standardize_dtype((np.array([1, 1], "int8") + v).dtype) == "int8"


# -- StatelessScope ----------------------------------------------------------------
def test_stateless_scope_reads_mapping_and_records_assignments():
    from k_backends.variables import StatelessScope
    v = Variable([1.0, 2.0], name="w")
    with StatelessScope([(v, np.array([10.0, 20.0], "float32"))]) as scope:
        np.testing.assert_array_equal(to_numpy(v.value), [10.0, 20.0])
        v.assign_add([1.0, 1.0])
        np.testing.assert_array_equal(to_numpy(v.value), [11.0, 21.0])
    np.testing.assert_array_equal(to_numpy(scope.get_current_value(v)), [11.0, 21.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])  # the variable itself is unchanged
    other = Variable(0.0)
    assert scope.get_current_value(other) is None


def test_stateless_scope_rejects_bad_mappings():
    from k_backends.variables import StatelessScope
    v = Variable([1.0, 2.0], name="w")
    with pytest.raises(ValueError, match="has shape"):
        StatelessScope([(v, np.zeros(3, "float32"))])
    with pytest.raises(ValueError, match=r"\(Variable, value\) pairs"):
        StatelessScope([np.zeros(2)])
