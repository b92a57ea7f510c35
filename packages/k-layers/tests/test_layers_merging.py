import numpy as np
import pytest

from k_backends import dtypes
from k_layers import dtype_policies
from k_layers import layers as L
from k_layers.layer import get_mask, set_mask
from k_ops import core as kcore
from k_ops.symbolic import KerasTensor

from conftest import assert_close, to_numpy


def assert_bf16(result, expected, tol=5e-2):
    assert dtypes.standardize_dtype(result.dtype) == "bfloat16"
    assert_close(np.asarray(to_numpy(result)).astype("float32"), expected, rtol=tol, atol=tol)

RNG = np.random.default_rng(0)
A = RNG.normal(size=(2, 3, 4)).astype("float32")
B = RNG.normal(size=(2, 3, 4)).astype("float32")
C = RNG.normal(size=(2, 3, 4)).astype("float32")

ELEMENTWISE = {
    "Add": (L.Add, L.add, lambda xs: sum(xs)),
    "Subtract": (L.Subtract, L.subtract, lambda xs: xs[0] - xs[1]),
    "Multiply": (L.Multiply, L.multiply, lambda xs: xs[0] * xs[1] * (xs[2] if len(xs) > 2 else 1)),
    "Average": (L.Average, L.average, lambda xs: sum(xs) / len(xs)),
    "Maximum": (L.Maximum, L.maximum, lambda xs: np.max(np.stack(xs), axis=0)),
    "Minimum": (L.Minimum, L.minimum, lambda xs: np.min(np.stack(xs), axis=0)),
}


def _inputs(name):
    return [A, B] if name == "Subtract" else [A, B, C]


def _f64(xs):
    return [x.astype("float64") for x in xs]


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_forward_and_functional(name):
    cls, fn, ref = ELEMENTWISE[name]
    xs = _inputs(name)
    assert_close(cls()(xs), ref(_f64(xs)), dtype="float32")
    assert_close(fn(xs), ref(_f64(xs)), dtype="float32")
    assert_close(cls()(tuple(xs)), ref(_f64(xs)))


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_mixed_bfloat16(name):
    cls, _, ref = ELEMENTWISE[name]
    xs = _inputs(name)
    layer = cls(dtype="mixed_bfloat16")
    assert_bf16(layer(xs), ref(_f64(xs)), tol=5e-2)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_symbolic_shape_and_config(name):
    cls, _, _ = ELEMENTWISE[name]
    layer = cls(name="m")
    out = layer([KerasTensor((None, 3, 4)), KerasTensor((None, 1, 4))])
    assert out.shape == (None, 3, 4)
    assert layer.compute_output_shape([(None, 3, 4), (5, 1, 4)]) == (5, 3, 4)
    config = layer.get_config()
    assert config == {"name": "m", "trainable": True,
                      "dtype": dtype_policies.serialize(dtype_policies.get("float32"))}
    clone = cls.from_config(config)
    xs = _inputs(name)
    assert_close(clone(xs), to_numpy(cls()(xs)))


def test_broadcasting_between_ranks():
    x = RNG.normal(size=(2, 3)).astype("float32")
    y = RNG.normal(size=(2, 1, 3)).astype("float32")
    assert_close(L.Add()([x, y]), x[:, None, :] + y)          # rank-2 input gets an axis after the batch
    z = RNG.normal(size=(2, 4)).astype("float32")
    assert_close(L.Multiply()([A, z]), A * z[:, None, :])
    assert_close(L.Maximum()([A, A[:, :1, :]]), np.maximum(A, A[:, :1, :]))
    assert_close(L.Add()([A]), A)


def test_shape_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"'bad_add'.*incompatible shapes \(3,\) and \(4,\)"):
        L.Add(name="bad_add")([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match=r"'bad_batch'.*different batch sizes.*\(2, 3\), \(3, 3\)"):
        L.Average(name="bad_batch")([np.ones((2, 3)), np.ones((3, 3))])
    with pytest.raises(ValueError, match=r"'single'.*list of inputs"):
        L.Maximum(name="single")(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"'sub3'.*exactly 2 inputs"):
        L.Subtract(name="sub3")([np.ones((2, 3))] * 3)
    with pytest.raises(ValueError, match="incompatible"):
        L.Add()([KerasTensor((None, 3)), KerasTensor((None, 4))])


def _plain(x):
    return kcore.convert_to_tensor(np.array(x))   # a fresh tensor (numpy may share the array)


def _masked(x, mask):
    t = _plain(x)
    set_mask(t, kcore.convert_to_tensor(mask))
    return t


M1 = np.array([[True, False, True], [False, False, True]])
M2 = np.array([[False, False, True], [True, False, False]])


def test_mask_is_or_of_masks():
    for cls in (L.Add, L.Subtract, L.Average, L.Multiply, L.Maximum, L.Minimum):
        out = cls()([_masked(A, M1), _masked(B, M2)])
        assert_close(get_mask(out), M1 | M2)
        # a missing mask gives no output mask
        out = cls()([_masked(A, M1), _plain(B)])
        assert get_mask(out) is None


def test_multiply_mask_values():
    m1, m2 = M1[..., None], M2[..., None]
    out = L.Multiply()([_masked(A, M1), _masked(B, M2)])
    expected = np.where(m1, A, 1.0) * np.where(m2, B, 1.0)
    assert_close(out, np.where(m1 | m2, expected, 0.0))
    out = L.Multiply()([_masked(A, M1), _plain(B)])   # one mask: masked positions count as 1
    assert_close(out, np.where(m1, A, 1.0) * B)


@pytest.mark.parametrize("op", ["Maximum", "Minimum"])
def test_max_min_skip_masked_positions(op):
    npop = np.maximum if op == "Maximum" else np.minimum
    m1, m2 = M1[..., None], M2[..., None]
    out = getattr(L, op)()([_masked(A, M1), _masked(B, M2)])
    x = np.where(m2, B, A)
    first = np.where(m1, A, x)
    assert_close(out, npop(first, x))
    # where only one input is unmasked, its value passes through untouched
    only1, only2 = np.broadcast_to(m1 & ~m2, A.shape), np.broadcast_to(m2 & ~m1, A.shape)
    assert_close(to_numpy(out)[only1], A[only1])
    assert_close(to_numpy(out)[only2], B[only2])


def test_symbolic_mask():
    x, y = KerasTensor((None, 3, 4)), KerasTensor((None, 3, 4))
    x._keras_mask = KerasTensor((None, 3), "bool")
    y._keras_mask = KerasTensor((None, 3), "bool")
    out = L.Add()([x, y])
    assert out._keras_mask is not None and out._keras_mask.shape == (None, 3)


# -- Concatenate ------------------------------------------------------------------------
def test_concatenate_forward_shape_config():
    y = RNG.normal(size=(2, 1, 4)).astype("float32")
    assert_close(L.Concatenate(axis=1)([A, y]), np.concatenate([A, y], axis=1), dtype="float32")
    assert_close(L.concatenate([A, B]), np.concatenate([A, B], axis=-1))
    assert_close(L.concatenate([A, B], axis=0), np.concatenate([A, B], axis=0))
    out = L.Concatenate(dtype="mixed_bfloat16")([A, B])
    assert_bf16(out, np.concatenate([A, B], -1), tol=2e-2)
    layer = L.Concatenate(axis=1, name="c")
    assert layer([KerasTensor((None, 3, 4)), KerasTensor((None, 2, 4))]).shape == (None, 5, 4)
    assert layer.compute_output_shape([(None, 3, 4), (None, None, 4)]) == (None, None, 4)
    config = layer.get_config()
    assert {k: v for k, v in config.items() if k != "dtype"} == {"name": "c", "trainable": True, "axis": 1}
    clone = L.Concatenate.from_config(config)
    assert clone.axis == 1
    assert_close(clone([A, y]), np.concatenate([A, y], axis=1))


def test_concatenate_errors():
    with pytest.raises(ValueError, match=r"'cat'.*match except along.*\(2, 3\), \(3, 3\)"):
        L.Concatenate(name="cat")([np.ones((2, 3)), np.ones((3, 3))])
    with pytest.raises(ValueError, match="'cat2'"):
        L.Concatenate(axis=1, name="cat2")([np.ones((2, 3, 4)), np.ones((2, 3))])
    with pytest.raises(ValueError, match="'cat3'"):
        L.Concatenate(axis=1, name="cat3")([np.ones((2, 3, 4)), np.ones((2, 3, 5))])
    with pytest.raises(TypeError, match="axis"):
        L.Concatenate(axis="x")


def test_concatenate_mask():
    out = L.Concatenate(axis=1)([_masked(A, M1), _masked(B, M2)])
    assert_close(get_mask(out), np.concatenate([M1, M2], axis=1))
    out = L.Concatenate(axis=1)([_masked(A, M1), _plain(B)])
    assert_close(get_mask(out), np.concatenate([M1, np.ones_like(M2)], axis=1))
    out = L.Concatenate()([_masked(A, M1), _masked(B, M2)])   # along features: per-step OR
    assert_close(get_mask(out), M1 | M2)


# -- Dot ------------------------------------------------------------------------------------
def _l2(x, axis):
    return x / np.maximum(np.linalg.norm(x, axis=axis, keepdims=True), 1e-12)


def test_dot_forward_and_shapes():
    x = RNG.normal(size=(2, 3, 5)).astype("float64")
    y = RNG.normal(size=(2, 4, 3)).astype("float64")
    expected = np.einsum("bik,bji->bkj", x, y)
    assert_close(L.Dot(axes=(1, 2))([x.astype("float32"), y.astype("float32")]), expected, dtype="float32",
                 rtol=1e-4)
    assert_close(L.dot([x.astype("float32"), y.astype("float32")], axes=(1, 2)), expected, rtol=1e-4)
    u, v = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    assert_close(L.Dot(axes=1)([u.astype("float32"), v.astype("float32")]), (u * v).sum(-1, keepdims=True),
                 rtol=1e-4)
    assert_close(L.Dot(axes=-1, normalize=True)([u.astype("float32"), v.astype("float32")]),
                 (_l2(u, -1) * _l2(v, -1)).sum(-1, keepdims=True), rtol=1e-4)
    w = RNG.normal(size=(2, 5)).astype("float64")
    assert_close(L.Dot(axes=(2, 1))([x.astype("float32"), w.astype("float32")]),
                 np.einsum("bik,bk->bi", x, w), rtol=1e-4)
    out = L.Dot(axes=(1, 2), dtype="mixed_bfloat16")([x.astype("float32"), y.astype("float32")])
    assert_bf16(out, expected, tol=6e-2)
    layer = L.Dot(axes=(1, 2))
    assert layer([KerasTensor((None, 3, 5)), KerasTensor((None, 4, 3))]).shape == (None, 5, 4)
    assert L.Dot(axes=1).compute_output_shape([(None, 3), (None, 3)]) == (None, 1)
    assert L.Dot(axes=-1).compute_output_shape([(None, 3, 4), (None, 5, 4)]) == (None, 3, 5)


def test_dot_config_and_errors():
    layer = L.Dot(axes=(1, 2), normalize=True, name="d")
    config = layer.get_config()
    assert {k: v for k, v in config.items() if k != "dtype"} == \
        {"name": "d", "trainable": True, "axes": (1, 2), "normalize": True}
    clone = L.Dot.from_config(config)
    x, y = RNG.normal(size=(2, 3, 5)).astype("float32"), RNG.normal(size=(2, 4, 3)).astype("float32")
    assert_close(clone([x, y]), to_numpy(layer([x, y])))
    with pytest.raises(ValueError, match=r"'dd'.*size 3 at axis 1 != size 4"):
        L.Dot(axes=1, name="dd")([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match="batch axis 0"):
        L.Dot(axes=0)([np.ones((2, 3)), np.ones((2, 3))])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        L.Dot(axes=1)([np.ones((2, 3))] * 3)
    with pytest.raises(ValueError, match="two ints"):
        L.Dot(axes=[1, 2, 3])
    with pytest.raises(TypeError, match="axes"):
        L.Dot(axes="a")
    out = L.Dot(axes=-1)([_masked(A, M1), _masked(B, M2)])   # Dot drops masks
    assert get_mask(out) is None


def test_functional_forms_take_layer_kwargs():
    out = L.add([KerasTensor((None, 4)), KerasTensor((None, 4))], name="my_add")
    assert out.shape == (None, 4)
    out = L.concatenate([A, B], axis=1, dtype="float64")
    assert dtypes.standardize_dtype(out.dtype) == "float64"
