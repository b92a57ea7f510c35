import numpy as np
import pytest

import k_ops
from k_backends import dtypes
from k_backends.variables import Variable
from k_ops import KerasTensor

from conftest import ALL_DTYPES, BACKEND, assert_close, check_symbolic, dtype_name, reference_input, to_numpy

# name: (input shape, kappa call, NumPy reference). Every case keeps its input's dtype.
SAME_DTYPE = {
    "reshape_minus_one": ((2, 3, 4), lambda x: k_ops.reshape(x, (4, -1)), lambda x: x.reshape(4, -1)),
    "reshape_int": ((2, 3, 4), lambda x: k_ops.reshape(x, 24), lambda x: x.reshape(24)),
    "reshape_empty": ((0, 3), lambda x: k_ops.reshape(x, (3, -1)), lambda x: x.reshape(3, 0)),
    "ravel": ((2, 3, 4), k_ops.ravel, np.ravel),
    "transpose_none": ((2, 3, 4), k_ops.transpose, np.transpose),
    "transpose_axes": ((2, 3, 4), lambda x: k_ops.transpose(x, (1, -1, 0)), lambda x: x.transpose(1, 2, 0)),
    "swapaxes": ((2, 3, 4), lambda x: k_ops.swapaxes(x, 0, -1), lambda x: np.swapaxes(x, 0, -1)),
    "moveaxis_int": ((2, 3, 4), lambda x: k_ops.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1)),
    "moveaxis_tuple": ((2, 3, 4), lambda x: k_ops.moveaxis(x, (0, 1), (-1, 0)),
                       lambda x: np.moveaxis(x, (0, 1), (-1, 0))),
    "expand_dims_int": ((2, 3), lambda x: k_ops.expand_dims(x, -1), lambda x: np.expand_dims(x, -1)),
    "expand_dims_tuple": ((2, 3), lambda x: k_ops.expand_dims(x, (0, -1, 2)),
                          lambda x: np.expand_dims(x, (0, -1, 2))),
    "squeeze_none": ((1, 2, 1, 3), k_ops.squeeze, np.squeeze),
    "squeeze_int": ((1, 2, 1, 3), lambda x: k_ops.squeeze(x, -2), lambda x: np.squeeze(x, -2)),
    "squeeze_tuple": ((1, 2, 1, 3), lambda x: k_ops.squeeze(x, (0, 2)), lambda x: np.squeeze(x, (0, 2))),
    "broadcast_to": ((3, 1), lambda x: k_ops.broadcast_to(x, (2, 3, 4)),
                     lambda x: np.broadcast_to(x, (2, 3, 4))),
    "flip_none": ((2, 3, 4), k_ops.flip, np.flip),
    "flip_tuple": ((2, 3, 4), lambda x: k_ops.flip(x, (0, -1)), lambda x: np.flip(x, (0, -1))),
    "fliplr": ((2, 3, 4), k_ops.fliplr, np.fliplr),
    "flipud": ((2, 3), k_ops.flipud, np.flipud),
    "roll_none": ((2, 3), lambda x: k_ops.roll(x, 4), lambda x: np.roll(x, 4)),
    "roll_axis": ((2, 3, 4), lambda x: k_ops.roll(x, -1, axis=2), lambda x: np.roll(x, -1, axis=2)),
    "roll_tuple": ((2, 3, 4), lambda x: k_ops.roll(x, (1, 2), axis=(0, -1)),
                   lambda x: np.roll(x, (1, 2), axis=(0, -1))),
    "rot90": ((2, 3), k_ops.rot90, np.rot90),
    "rot90_k2": ((2, 3), lambda x: k_ops.rot90(x, 2), lambda x: np.rot90(x, 2)),
    "rot90_k3_axes": ((2, 3, 4), lambda x: k_ops.rot90(x, -1, (2, 1)), lambda x: np.rot90(x, -1, (2, 1))),
    "tile_int": ((2, 3), lambda x: k_ops.tile(x, 2), lambda x: np.tile(x, 2)),
    "tile_longer": ((2, 3), lambda x: k_ops.tile(x, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3))),
    "tile_zero": ((2, 3), lambda x: k_ops.tile(x, (0, 2)), lambda x: np.tile(x, (0, 2))),
    "repeat_flat": ((2, 3), lambda x: k_ops.repeat(x, 2), lambda x: np.repeat(x, 2)),
    "repeat_counts": ((2, 3), lambda x: k_ops.repeat(x, [1, 0, 3], axis=-1),
                      lambda x: np.repeat(x, [1, 0, 3], axis=-1)),
    "pad_constant": ((2, 3), lambda x: k_ops.pad(x, ((1, 0), (2, 1))), lambda x: np.pad(x, ((1, 0), (2, 1)))),
    "pad_constant_values": ((2, 3), lambda x: k_ops.pad(x, 1, constant_values=2),
                            lambda x: np.pad(x, 1, constant_values=2)),
    "pad_empty_axis": ((0, 3), lambda x: k_ops.pad(x, (1, 2)), lambda x: np.pad(x, (1, 2))),
    "view_same_size": ((2, 3), lambda x: k_ops.view(x), lambda x: x),
}
PAD_MODES = ["edge", "reflect", "symmetric", "wrap", "circular"]
PAD_WIDTHS = [2, (1, 3), ((0, 0), (4, 1))]


# Every dtype for the main form of each op (framework kernels differ by dtype); variants and
# composites of those ops take a few dtypes, which keeps the file fast on JAX, where each new
# shape and dtype compiles.
ALL_DTYPE_CASES = {"reshape_minus_one", "transpose_axes", "swapaxes", "moveaxis_tuple", "expand_dims_tuple",
                   "squeeze_tuple", "broadcast_to", "flip_tuple", "roll_none", "roll_tuple", "rot90",
                   "tile_longer", "repeat_counts", "pad_constant_values"}
FEW_DTYPES = ["bool", "int8", "float32"]
CASES = [(case, dtype) for case in sorted(SAME_DTYPE)
         for dtype in (ALL_DTYPES if case in ALL_DTYPE_CASES else FEW_DTYPES)]


@pytest.mark.parametrize("case,dtype", CASES)
def test_matches_numpy_and_keeps_dtype(case, dtype):
    shape, op, reference = SAME_DTYPE[case]
    x = reference_input(dtype, shape)
    assert_close(op(x), reference(x), dtype=dtype)


@pytest.mark.parametrize("mode", PAD_MODES)
@pytest.mark.parametrize("pad_width", PAD_WIDTHS, ids=str)
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "bfloat16", "float32"])
def test_pad_modes_match_numpy(mode, pad_width, dtype):
    x = reference_input(dtype, (2, 3))
    expected = np.pad(x, pad_width, mode="wrap" if mode == "circular" else mode)
    assert_close(k_ops.pad(x, pad_width, mode=mode), expected, dtype=dtype)


def test_pad_empty_mode_has_the_padded_shape():
    assert tuple(to_numpy(k_ops.pad(np.ones((2, 3)), 1, mode="empty")).shape) == (4, 5)


def test_pad_reflect_wider_than_the_axis_reflects_again():
    x = np.arange(3, dtype="float32")
    assert_close(k_ops.pad(x, (5, 4), mode="reflect"), np.pad(x, (5, 4), mode="reflect"))


def test_pad_fill_value_is_cast_like_numpy_and_range_checked():
    assert_close(k_ops.pad(np.ones(2, "int32"), 1, constant_values=-2.7), [-2, 1, 1, -2], dtype="int32")
    assert_close(k_ops.pad(np.ones(2, "bool"), 1, constant_values=0), [False, True, True, False])
    with pytest.raises(ValueError, match=r"constant_values=-1 does not fit in uint8"):
        k_ops.pad(np.ones(2, "uint8"), 1, constant_values=-1)


def test_scalars_lists_and_variables_are_accepted():
    assert_close(k_ops.reshape([[1, 2], [3, 4]], (-1,)), [1, 2, 3, 4], dtype="int32")
    assert_close(k_ops.expand_dims(2.5, 0), [2.5], dtype="float32")
    assert_close(k_ops.tile(True, 2), [True, True], dtype="bool")
    v = Variable(np.arange(6, dtype="float32").reshape(2, 3))
    assert_close(k_ops.transpose(v), np.arange(6).reshape(2, 3).T, dtype="float32")
    assert_close(k_ops.concatenate([v, np.zeros((1, 3), "float16")]),
                 np.concatenate([np.arange(6).reshape(2, 3), np.zeros((1, 3))]), dtype="float32")


# -- splitting -------------------------------------------------------------------------------
SPLITS = [
    ("split", 3, 0), ("split", [1, 3], 0), ("split", [2, 5, 1], -1), ("split", [-2], 1),
    ("array_split", 4, 0), ("array_split", 2, 1), ("array_split", [1], 0),
    ("split", 2, 2),
]


@pytest.mark.parametrize("name,sections,axis", SPLITS, ids=str)
@pytest.mark.parametrize("dtype", ["bool", "int8", "int64", "float16", "bfloat16", "float32"])
def test_split_matches_numpy(name, sections, axis, dtype):
    x = reference_input(dtype, (6, 4, 0) if axis == 2 else (6, 4))
    result = getattr(k_ops, name)(x, sections, axis=axis)
    expected = getattr(np, name)(x, sections, axis=axis)
    assert isinstance(result, list) and len(result) == len(expected)
    for r, e in zip(result, expected, strict=True):
        assert_close(r, e, dtype=dtype)


@pytest.mark.parametrize("name,shape", [("hsplit", (6,)), ("hsplit", (2, 4, 3)), ("vsplit", (4, 3)),
                                        ("dsplit", (2, 3, 4))])
@pytest.mark.parametrize("sections", [2, [1, 3]], ids=str)
def test_hsplit_vsplit_dsplit_match_numpy(name, shape, sections):
    x = reference_input("float32", shape)
    result = getattr(k_ops, name)(x, sections)
    expected = getattr(np, name)(x, sections)
    assert len(result) == len(expected)
    for r, e in zip(result, expected, strict=True):
        assert_close(r, e, dtype="float32")


def test_split_into_unequal_sections_is_an_error():
    with pytest.raises(ValueError, match=r"cannot split axis 0 of size 5 .* into 2 equal sections"):
        k_ops.split(np.ones(5), 2)
    with pytest.raises(ValueError, match=r"split: cannot split axis 1 of size 5"):
        k_ops.split(KerasTensor((None, 5)), 2, axis=1)
    with pytest.raises(ValueError, match="vsplit needs a tensor of rank 2"):
        k_ops.vsplit(np.ones(4), 2)


# -- joining -----------------------------------------------------------------------------------
JOINS = {
    "concatenate": (lambda xs: k_ops.concatenate(xs, axis=-1), lambda xs: np.concatenate(xs, axis=-1)),
    "concatenate_0": (k_ops.concatenate, np.concatenate),
    "stack": (k_ops.stack, np.stack),
    "stack_last": (lambda xs: k_ops.stack(xs, axis=-1), lambda xs: np.stack(xs, axis=-1)),
    "hstack": (k_ops.hstack, np.hstack),
    "vstack": (k_ops.vstack, np.vstack),
    "dstack": (k_ops.dstack, np.dstack),
    "append_flat": (lambda xs: k_ops.append(*xs), lambda xs: np.append(*xs)),
    "append_axis": (lambda xs: k_ops.append(*xs, axis=1), lambda xs: np.append(*xs, axis=1)),
}
DTYPE_PAIRS = [("float32", "float32"), ("int8", "uint8"), ("bool", "int8"), ("int32", "float16"),
               ("bfloat16", "float16"), ("int64", "float64"), ("uint8", "bool")]


# The composites (hstack, append, ...) promote through concatenate: a few pairs suffice.
JOIN_CASES = [(name, *pair) for name in sorted(JOINS)
              for pair in (DTYPE_PAIRS if name.startswith(("concatenate", "stack")) else DTYPE_PAIRS[1:3])]


@pytest.mark.parametrize("name,dtype1,dtype2", JOIN_CASES)
def test_joins_match_numpy_and_promote(name, dtype1, dtype2):
    op, reference = JOINS[name]
    xs = [reference_input(dtype1, (2, 3), seed=1), reference_input(dtype2, (2, 3), seed=2)]
    expected_dtype = dtypes.result_type(dtype1, dtype2)
    result = op(xs)
    assert_close(result, reference([x.astype("float64") for x in xs]), dtype=expected_dtype)


@pytest.mark.parametrize("name", ["hstack", "vstack", "dstack"])
def test_stacks_of_1d_and_scalars_follow_numpy(name):
    op, reference = JOINS[name]
    xs = [np.arange(3, dtype="float32"), np.arange(3, 6, dtype="float32")]
    assert_close(op(xs), reference(xs), dtype="float32")


def test_join_of_python_scalars_and_lists_promotes_weakly():
    assert dtype_name(k_ops.stack([1, 2.5])) == "float32"
    assert dtype_name(k_ops.stack([np.ones(2, "float16"), [1, 2]])) == "float16"  # int32 list, float16
    assert dtype_name(k_ops.concatenate([np.ones(2, "int8"), np.zeros(0, "int16")])) == "int16"


def test_concatenate_with_empty_pieces():
    xs = [np.zeros((0, 3), "float32"), np.ones((2, 3), "float32")]
    assert_close(k_ops.concatenate(xs), np.concatenate(xs), dtype="float32")


# -- view, size, ndim, unravel_index ------------------------------------------------------------
VIEWS = [("float32", "int32", (2, 3)), ("float32", "int8", (2, 3)), ("float32", "float64", (3, 4)),
         ("int8", "int32", (2, 8)), ("float16", "bfloat16", (2, 3)), ("bool", "uint8", (2, 3)),
         ("uint8", "bool", (2, 3)), ("int64", "float16", (3,)), ("int16", "float16", ())]


@pytest.mark.parametrize("dtype,new_dtype,shape", VIEWS, ids=str)
def test_view_reinterprets_bytes_like_numpy(dtype, new_dtype, shape):
    x = np.asarray(reference_input(dtype, shape, low=0, high=1 if new_dtype == "bool" else 5))
    expected = x.view(dtypes.standardize_dtype(new_dtype) if new_dtype != "bfloat16" else x.dtype)
    result = k_ops.view(x, new_dtype)
    if new_dtype == "bfloat16":
        import ml_dtypes

        expected = x.view(ml_dtypes.bfloat16)
    assert dtype_name(result) == new_dtype
    assert to_numpy(result).shape == expected.shape
    np.testing.assert_array_equal(to_numpy(result).reshape(-1).view("uint8"),
                                  expected.reshape(-1).view("uint8"))
    check_symbolic(k_ops.view, x, new_dtype)


def test_view_errors_name_shape_and_dtypes():
    with pytest.raises(ValueError, match=r"shape \(2, 3\) and dtype int8 as int32"):
        k_ops.view(np.zeros((2, 3), "int8"), "int32")
    with pytest.raises(ValueError, match="cannot view a scalar"):
        k_ops.view(KerasTensor((), "float32"), "int8")


@pytest.mark.parametrize("shape", [(2, 3, 4), (), (0, 5)])
def test_size_and_ndim(shape):
    x = np.zeros(shape, "float32")
    n = k_ops.size(x)
    assert dtype_name(n) == "int32" and int(to_numpy(n)) == int(np.prod(shape))
    assert k_ops.ndim(x) == len(shape) and isinstance(k_ops.ndim(x), int)
    assert k_ops.ndim(KerasTensor((None,) + shape)) == len(shape) + 1
    check_symbolic(k_ops.size, x)


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
@pytest.mark.parametrize("shape", [(2, 3), (4, 1, 5), (7,)], ids=str)
def test_unravel_index_matches_numpy(dtype, shape):
    flat = np.array([[0, 5], [int(np.prod(shape)) - 1, 3]], dtype=dtype)
    result = k_ops.unravel_index(flat, shape)
    expected = np.unravel_index(flat, shape)
    assert isinstance(result, tuple) and len(result) == len(shape)
    for r, e in zip(result, expected, strict=True):
        assert_close(r, e.astype(dtype), dtype=dtype)
    check_symbolic(k_ops.unravel_index, flat, shape)


def test_unravel_index_of_a_python_int():
    assert [int(to_numpy(c)) for c in k_ops.unravel_index(5, (2, 3))] == [1, 2]


def test_unravel_index_needs_integer_indices():
    with pytest.raises(TypeError, match="indices must be integers"):
        k_ops.unravel_index(KerasTensor((3,), "float32"), (2, 3))


# -- symbolic shapes -----------------------------------------------------------------------------
SYMBOLIC = [
    (k_ops.reshape, ((2, 3, 4),), {"newshape": (-1, 4)}),
    (k_ops.transpose, ((2, 3, 4),), {"axes": (2, 0, 1)}),
    (k_ops.ravel, ((2, 3),), {}),
    (k_ops.swapaxes, ((2, 3, 4),), {"axis1": 0, "axis2": 2}),
    (k_ops.moveaxis, ((2, 3, 4),), {"source": 0, "destination": -1}),
    (k_ops.expand_dims, ((2, 3),), {"axis": (0, 3)}),
    (k_ops.squeeze, ((2, 1, 3),), {"axis": 1}),
    (k_ops.broadcast_to, ((2, 1),), {"shape": (3, 2, 4)}),
    (k_ops.flip, ((2, 3),), {"axis": 1}),
    (k_ops.fliplr, ((2, 3),), {}),
    (k_ops.flipud, ((2, 3),), {}),
    (k_ops.roll, ((2, 3),), {"shift": 1}),
    (k_ops.rot90, ((2, 3, 4),), {"k": 1, "axes": (1, 2)}),
    (k_ops.tile, ((2, 3),), {"repeats": (2, 1, 2)}),
    (k_ops.repeat, ((2, 3),), {"repeats": [1, 2, 3], "axis": 1}),
    (k_ops.repeat, ((2, 3),), {"repeats": 2}),
    (k_ops.pad, ((2, 3),), {"pad_width": ((1, 2), (0, 1))}),
    (k_ops.split, ((4, 6),), {"indices_or_sections": [1, 3], "axis": 1}),
    (k_ops.array_split, ((5, 6),), {"indices_or_sections": 3}),
    (k_ops.hsplit, ((4, 6),), {"indices_or_sections": 2}),
    (k_ops.vsplit, ((4, 6),), {"indices_or_sections": 2}),
    (k_ops.dsplit, ((4, 6, 2),), {"indices_or_sections": 2}),
]


@pytest.mark.parametrize("op,shapes,kwargs", SYMBOLIC, ids=lambda v: getattr(v, "__name__", None))
def test_symbolic_matches_eager(op, shapes, kwargs):
    check_symbolic(op, *[np.ones(s, "float32") for s in shapes], **kwargs)


@pytest.mark.parametrize("name", sorted(JOINS))
def test_symbolic_joins_match_eager(name):
    op = JOINS[name][0]
    check_symbolic(op, [np.ones((2, 3), "int8"), np.ones((2, 3), "float16")])


def test_symbolic_reshape_with_unknown_dims():
    x = KerasTensor((None, 6))
    assert k_ops.reshape(x, (-1, 2, 3)).shape == (None, 2, 3)
    assert k_ops.reshape(x, (3, -1)).shape == (3, None)
    assert k_ops.reshape(KerasTensor((2, 3, 4)), (-1, 4)).shape == (6, 4)
    assert k_ops.reshape(KerasTensor((2, 0)), (-1, 5)).shape == (0, 5)


def test_symbolic_reshape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\) .* "
                                         r"into shape \(4,\)"):
        k_ops.reshape(KerasTensor((2, 3)), (4,))
    with pytest.raises(ValueError, match="at most one -1"):
        k_ops.reshape(KerasTensor((2, 3)), (-1, -1))


def test_symbolic_shapes_with_unknown_dims():
    x = KerasTensor((None, 1, 3))
    assert k_ops.squeeze(x).shape == (None, 3)
    assert k_ops.squeeze(x, 0).shape == (1, 3)  # an unknown dim may be 1
    assert k_ops.concatenate([x, KerasTensor((2, 1, 3))]).shape == (None, 1, 3)
    assert k_ops.concatenate([x, x], axis=-1).shape == (None, 1, 6)
    assert k_ops.stack([x, x], axis=1).shape == (None, 2, 1, 3)
    assert k_ops.tile(x, 2).shape == (None, 1, 6)
    assert k_ops.repeat(x, 2).shape == (None,)
    assert k_ops.pad(x, 1).shape == (None, 3, 5)
    assert [p.shape for p in k_ops.split(x, 2)] == [(None, 1, 3)] * 2
    assert [p.shape for p in k_ops.split(x, [1], axis=0)] == [(1, 1, 3), (None, 1, 3)]
    assert k_ops.append(x, x).shape == (None,)
    assert k_ops.broadcast_to(x, (2, 5, 4, 3)).shape == (2, 5, 4, 3)


def test_symbolic_mixes_keras_tensors_and_arrays():
    out = k_ops.concatenate([KerasTensor((2, 3), "int8"), np.ones((1, 3), "uint8")])
    assert out.shape == (3, 3) and out.dtype == "int16"


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda s: np.ones(s, "float32"), lambda s: KerasTensor(s)],
                         ids=["eager", "symbolic"])
def test_squeeze_of_a_dimension_that_is_not_1_is_an_error(make):
    with pytest.raises(ValueError, match=r"cannot squeeze axis 1 of a tensor of shape \(1, 3\)"):
        k_ops.squeeze(make((1, 3)), axis=1)
    with pytest.raises(ValueError, match=r"cannot squeeze axis 1"):
        k_ops.squeeze(make((1, 3)), axis=(0, -1))


@pytest.mark.parametrize("call,match", [
    (lambda x: k_ops.transpose(x, (0, 0, 1)), "repeats an axis"),
    (lambda x: k_ops.transpose(x, (0, 1)), r"not a permutation of the 3 axes"),
    (lambda x: k_ops.expand_dims(x, 5), "out of range"),
    (lambda x: k_ops.moveaxis(x, (0, 1), 2), "as many axes"),
    (lambda x: k_ops.broadcast_to(x, (3, 3)), r"cannot broadcast a tensor of shape \(2, 3, 4\)"),
    (lambda x: k_ops.concatenate([x, KerasTensor((2, 5, 4))]), r"except along axis 0"),
    (lambda x: k_ops.stack([x, KerasTensor((2, 3))]), "same shape"),
    (lambda x: k_ops.rot90(x, axes=(1, 1)), "repeats an axis"),
    (lambda x: k_ops.rot90(KerasTensor((3,))), "rank 2 or more"),
    (lambda x: k_ops.repeat(x, [1, 2], axis=1), r"one per element along the axis \(3\)"),
    (lambda x: k_ops.pad(x, ((1, 2), (3, 4))), "pad_width"),
    (lambda x: k_ops.pad(x, 1, mode="median"), "mode='median'"),
    (lambda x: k_ops.pad(x, 1, mode="reflect", constant_values=0), "only to mode='constant'"),
    (lambda x: k_ops.roll(x, (1, 2, 3), axis=(0, 1)), "same length"),
    (lambda x: k_ops.flip(x, 3), "out of range"),
])
def test_bad_arguments_give_clear_symbolic_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call(KerasTensor((2, 3, 4)))


@pytest.mark.parametrize("call,match", [
    (lambda x: k_ops.pad(x, 1, mode="median"), "mode='median'"),
    (lambda x: k_ops.pad(x, -1), "must not be negative"),
    (lambda x: k_ops.pad(np.zeros((0, 2)), 1, mode="edge"), "empty axis"),
    (lambda x: k_ops.repeat(x, -1), "non-negative"),
    (lambda x: k_ops.tile(x, (-1, 2)), "non-negative"),
    (lambda x: k_ops.rot90(x, axes=(0, 2)), "out of range"),
    (lambda x: k_ops.array_split(x, 0), "positive number of sections"),
    (lambda x: k_ops.broadcast_to(x, (3, 3)), "cannot broadcast"),
])
def test_bad_arguments_give_clear_eager_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call(np.ones((2, 3), "float32"))


def test_eager_reshape_and_transpose_errors_are_kappas():
    with pytest.raises(ValueError, match=r"cannot reshape a tensor of shape \(2, 3\) .* into shape \(4,\)"):
        k_ops.reshape(np.ones((2, 3)), (4,))
    with pytest.raises(ValueError, match="axes=2 is out of range for a tensor of shape"):
        k_ops.transpose(np.ones((2, 3)), (0, 2))
    with pytest.raises(ValueError, match="not a permutation"):
        k_ops.transpose(np.ones((2, 3)), (1,))


def test_join_needs_a_sequence():
    with pytest.raises(TypeError, match="list or tuple"):
        k_ops.concatenate(np.ones((2, 3)))


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.function shapes are TensorFlow's")
def test_tensorflow_graph_with_unknown_batch():
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32)])
    def f(x):
        a, b = k_ops.array_split(x, 2)
        return (k_ops.view(x, "int8"), k_ops.squeeze(k_ops.expand_dims(x, 0), 0), a, b,
                k_ops.pad(x, ((0, 0), (1, 1)), mode="reflect"), k_ops.tile(x, 2))

    x = np.arange(20, dtype="float32").reshape(5, 4)
    out = f(x)
    assert tuple(out[0].shape) == (5, 16)
    assert_close(out[1], x)
    assert_close(out[2], x[:3])
    assert_close(out[3], x[3:])
    assert_close(out[4], np.pad(x, ((0, 0), (1, 1)), mode="reflect"))
    assert_close(out[5], np.tile(x, 2))
