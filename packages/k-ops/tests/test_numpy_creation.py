import numpy as np
import pytest

import k_backends
import k_ops
from k_backends.variables import Variable
from k_ops.symbolic import KerasTensor

from conftest import (
    ALL_DTYPES,
    BACKEND,
    FLOAT_DTYPES,
    assert_close,
    check_symbolic,
    dtype_name,
    reference_input,
    to_numpy,
)

NON_BOOL_DTYPES = [d for d in ALL_DTYPES if d != "bool"]
SHAPES = [(), 3, (2, 3), (0, 4), (2, 0, 1)]


def _np_shape(shape):
    return (shape,) if isinstance(shape, int) else shape


def _reference(dtype, shape, seed=0, **kwargs):
    return reference_input(dtype, shape, seed=seed, **kwargs)


def _f64(x):
    return np.asarray(x).astype("float64")


# -- from a shape ---------------------------------------------------------------------
FROM_SHAPE_CASES = [(None, shape) for shape in SHAPES] + [(dtype, (2, 3)) for dtype in ALL_DTYPES]


@pytest.mark.parametrize("dtype, shape", FROM_SHAPE_CASES, ids=str)
@pytest.mark.parametrize("name, value", [("zeros", 0), ("ones", 1), ("empty", None)])
def test_from_shape_gives_shape_dtype_and_values(name, value, dtype, shape):
    result = getattr(k_ops, name)(shape, dtype=dtype)
    expected_dtype = dtype or "float32"
    if value is None:
        assert dtype_name(result) == expected_dtype
        assert to_numpy(result).shape == _np_shape(shape)
    else:
        assert_close(result, np.full(_np_shape(shape), value).astype("float64"), dtype=expected_dtype)


@pytest.mark.parametrize("dtype", [None] + ALL_DTYPES)
@pytest.mark.parametrize("fill", [0, 3, 2.5, True])
def test_full_casts_its_fill_value_and_defaults_to_floatx(fill, dtype):
    result = k_ops.full((2, 3), fill, dtype=dtype)
    expected = np.full((2, 3), fill).astype("float64")
    if dtype is not None and dtype != "bool" and dtype not in FLOAT_DTYPES:
        expected = np.trunc(expected)
    if dtype == "bool":
        expected = expected.astype(bool)
    assert_close(result, expected, dtype=dtype or "float32")


def test_full_broadcasts_an_array_fill_value():
    fill = np.array([1, 2, 3], "int8")
    assert_close(k_ops.full((2, 3), fill), np.tile([1.0, 2.0, 3.0], (2, 1)), dtype="float32")
    assert_close(k_ops.full((2, 3), fill, dtype="int8"), np.tile(fill, (2, 1)), dtype="int8")


@pytest.mark.parametrize("floatx", ["float16", "float64"])
def test_default_dtype_follows_floatx(floatx):
    k_backends.set_floatx(floatx)
    for result in (k_ops.zeros(2), k_ops.ones((2,)), k_ops.empty(()), k_ops.full(2, 1), k_ops.eye(2),
                   k_ops.identity(2), k_ops.tri(2), k_ops.linspace(0, 1, 3), k_ops.hamming(3),
                   k_ops.arange(0.0, 1.0, 0.5)):
        assert dtype_name(result) == floatx


@pytest.mark.parametrize("shape", [-1, (2, -3), (2.0,), 2.5, "3", (True,), None], ids=str)
def test_bad_shapes_are_refused_with_the_shape_in_the_message(shape):
    with pytest.raises((TypeError, ValueError), match=r"zeros: .*shape"):
        k_ops.zeros(shape)


def test_a_keras_tensor_cannot_be_a_shape():
    with pytest.raises(TypeError, match="ones: shape must be ints, not KerasTensors"):
        k_ops.ones(KerasTensor((2,), "int32"))
    with pytest.raises(TypeError, match="full: shape must be ints"):
        k_ops.full((KerasTensor((), "int32"), 2), 1.0)


def test_full_symbolic_refuses_a_fill_that_does_not_broadcast():
    with pytest.raises(ValueError, match=r"full: fill_value of shape \(4,\) does not broadcast to shape"):
        k_ops.full((2, 3), KerasTensor((4,)))


def test_shapes_accept_numpy_ints():
    assert to_numpy(k_ops.zeros((np.int64(2), np.int32(3)))).shape == (2, 3)


# -- like another tensor --------------------------------------------------------------
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("name, value", [("zeros_like", 0), ("ones_like", 1), ("empty_like", None)])
def test_like_ops_keep_the_input_dtype_and_shape(name, value, dtype):
    x = _reference(dtype, (2, 0, 3) if dtype == "int8" else (2, 3))
    result = getattr(k_ops, name)(x)
    assert dtype_name(result) == dtype
    if value is None:
        assert to_numpy(result).shape == x.shape
    else:
        assert_close(result, np.full(x.shape, value, "float64"), dtype=dtype)


@pytest.mark.parametrize("target", ["bool", "uint8", "int64", "bfloat16", "float64"])
def test_like_ops_take_a_dtype(target):
    x = np.ones((2,), "float32")
    for op in (k_ops.zeros_like, k_ops.ones_like, k_ops.empty_like):
        assert dtype_name(op(x, dtype=target)) == target
    assert_close(k_ops.full_like(x, 3, dtype=target), np.full((2,), 3.0).astype(
        "bool" if target == "bool" else "float64"), dtype=target)


@pytest.mark.parametrize("x, dtype", [([1, 2], "int32"), ([1.0, 2], "float32"), (3, "int32"),
                                      (2.5, "float32"), ([[True]], "bool")], ids=str)
def test_like_ops_give_python_values_kappas_default_dtypes(x, dtype):
    result = k_ops.zeros_like(x)
    assert_close(result, np.zeros(np.shape(x)), dtype=dtype)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_full_like_casts_fill_to_the_input_dtype(dtype):
    x = _reference(dtype, (2, 3))
    result = k_ops.full_like(x, 1.5)
    expected = np.full((2, 3), 1.5)
    if dtype == "bool":
        expected = expected.astype(bool)
    elif dtype not in FLOAT_DTYPES:
        expected = np.trunc(expected)
    assert_close(result, expected, dtype=dtype)


def test_full_like_broadcasts_an_array_fill():
    result = k_ops.full_like(np.zeros((2, 3), "float32"), np.arange(3))
    assert_close(result, np.tile(np.arange(3.0), (2, 1)), dtype="float32")


# -- array, copy ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_array_and_copy_keep_values_and_dtype(dtype):
    x = _reference(dtype, (2, 3))
    assert_close(k_ops.array(x), x, dtype=dtype)
    assert_close(k_ops.copy(x), x, dtype=dtype)


@pytest.mark.parametrize("x, dtype", [([1, 2], "int32"), ([1.0, 2], "float32"), ([True], "bool"),
                                      (7, "int32"), (np.float64(2.5), "float64")], ids=str)
def test_array_and_copy_of_python_values_use_default_dtypes(x, dtype):
    assert_close(k_ops.array(x), np.asarray(x), dtype=dtype)
    assert_close(k_ops.copy(x), np.asarray(x), dtype=dtype)


@pytest.mark.parametrize("target", ["bool", "int8", "int64", "float16", "float64"])
def test_array_casts_to_dtype(target):
    x = np.array([0.0, 1.0, 2.5], "float32")
    expected = x.astype(target) if target != "float16" else x
    assert_close(k_ops.array(x, dtype=target), expected, dtype=target)


@pytest.mark.parametrize("op", [k_ops.array, k_ops.copy])
def test_array_and_copy_do_not_share_memory_with_their_input(op):
    x = np.array([1.0, 2.0], "float32")
    result = op(x)
    x[0] = 5.0
    assert to_numpy(result)[0] == 1.0
    tensor = k_ops.convert_to_tensor([1.0, 2.0])
    copied = op(tensor)
    if BACKEND in ("numpy", "torch"):  # the backends whose tensors are mutable
        tensor[0] = 5.0
        assert to_numpy(copied)[0] == 1.0


# -- arange -----------------------------------------------------------------------------
ARANGE_CASES = [
    ((5,), "int32"), ((2, 7), "int32"), ((0, 10, 3), "int32"), ((5, 0, -2), "int32"), ((5, 0), "int32"),
    ((0, 3), "int32"), ((5.0,), "float32"), ((0, 1, 0.25), "float32"), ((-1.5, 2), "float32"),
    ((1, -1, -0.5), "float32"), ((np.int8(5),), "int8"), ((np.int64(4),), "int64"),
    ((np.float64(3),), "float64"), ((np.uint8(2), 8, 2), "uint8"), ((np.float16(0), 2, 0.5), "float16"),
]


@pytest.mark.parametrize("args, dtype", ARANGE_CASES, ids=str)
def test_arange_matches_numpy_and_infers_dtype_from_its_arguments(args, dtype):
    expected = np.arange(*[float(a) for a in args])
    assert_close(k_ops.arange(*args), expected, dtype=dtype)


@pytest.mark.parametrize("dtype", NON_BOOL_DTYPES)
def test_arange_takes_a_dtype(dtype):
    assert_close(k_ops.arange(1, 7, 2, dtype=dtype), np.arange(1.0, 7.0, 2.0), dtype=dtype)
    assert_close(k_ops.arange(0, 2, 0.5, dtype=dtype), np.trunc(np.arange(0, 2, 0.5)) if dtype not in
                 FLOAT_DTYPES else np.arange(0, 2, 0.5), dtype=dtype)


def test_arange_accepts_a_scalar_tensor():
    assert_close(k_ops.arange(k_ops.convert_to_tensor(4)), np.arange(4), dtype="int32")


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((0, 5, 0), {}, ValueError, "step must not be zero"),
    ((True,), {}, TypeError, "not bools"),
    ((3,), {"dtype": "bool"}, TypeError, "bool"),
    (("3",), {}, TypeError, "stop must be a number"),
], ids=str)
def test_arange_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        k_ops.arange(*args, **kwargs)


# -- linspace, logspace, geomspace ------------------------------------------------------------
LINSPACE_CASES = [
    (0, 1, {}), (0, 1, {"num": 5}), (2, -3, {"num": 7, "endpoint": False}), (0, 1, {"num": 1}),
    (0, 1, {"num": 0}), (0.5, 4, {"num": 4}),
]


@pytest.mark.parametrize("start, stop, kwargs", LINSPACE_CASES, ids=str)
def test_linspace_matches_numpy(start, stop, kwargs):
    assert_close(k_ops.linspace(start, stop, **kwargs), np.linspace(start, stop, **kwargs), dtype="float32")


@pytest.mark.parametrize("num, endpoint", [(5, True), (4, False), (1, True), (1, False), (0, True)])
def test_linspace_returns_the_step(num, endpoint):
    samples, step = k_ops.linspace(1, 3, num, endpoint=endpoint, retstep=True)
    expected, expected_step = np.linspace(1.0, 3.0, num, endpoint=endpoint, retstep=True)
    assert_close(samples, expected, dtype="float32")
    assert_close(step, np.asarray(expected_step), dtype="float32")


@pytest.mark.parametrize("dtype", NON_BOOL_DTYPES)
def test_linspace_takes_a_dtype_and_floors_integers(dtype):
    result = k_ops.linspace(-3, 3, 6, dtype=dtype) if not dtype.startswith("u") else \
        k_ops.linspace(0, 7, 6, dtype=dtype)
    start, stop = (-3, 3) if not dtype.startswith("u") else (0, 7)
    expected = np.linspace(start, stop, 6)
    if dtype not in FLOAT_DTYPES:
        expected = np.floor(expected)
    assert_close(result, expected, dtype=dtype)


def test_linspace_step_of_integer_samples_is_a_float():
    samples, step = k_ops.linspace(0, 3, 3, retstep=True, dtype="int32")
    assert_close(samples, np.array([0, 1, 3]), dtype="int32")
    assert_close(step, np.asarray(1.5), dtype="float32")


@pytest.mark.parametrize("axis", [0, 1, -1, 2, -3])
@pytest.mark.parametrize("start_dtype, stop_dtype, dtype", [
    ("float32", "float32", "float32"), ("float64", "float32", "float64"), ("int8", "int8", "float32"),
    ("float16", "float16", "float16"),
])
def test_linspace_of_arrays_broadcasts_and_puts_samples_on_axis(axis, start_dtype, stop_dtype, dtype):
    start = _reference(start_dtype, (2, 1), seed=1)
    stop = _reference(stop_dtype, (3,), seed=2)
    expected = np.linspace(_f64(start), _f64(stop), 4, axis=axis)
    assert_close(k_ops.linspace(start, stop, 4, axis=axis), expected, dtype=dtype)


def test_linspace_of_arrays_returns_a_step_per_element():
    samples, step = k_ops.linspace(np.zeros(2), np.array([1.0, 2.0]), 3, retstep=True)
    assert_close(step, np.array([0.5, 1.0]), dtype="float64")


@pytest.mark.parametrize("kwargs", [{"num": -1}, {"num": 2.5}, {"axis": 3}], ids=str)
def test_linspace_bad_arguments(kwargs):
    with pytest.raises((TypeError, ValueError), match="linspace: (num|axis)"):
        k_ops.linspace(np.zeros(2), np.ones(2), **{"num": 3, **kwargs})


@pytest.mark.parametrize("start, stop, kwargs", [
    (0, 2, {"num": 3}), (-1, 1, {"num": 5, "base": 2}), (0, 1, {"num": 4, "endpoint": False}),
    (0, 3, {"num": 4, "dtype": "int32"}), (1, 0, {"num": 0}),
], ids=str)
def test_logspace_matches_numpy(start, stop, kwargs):
    dtype = kwargs.get("dtype", "float32")
    expected = np.logspace(start, stop, **{**kwargs, "dtype": "float64"})
    if dtype == "int32":
        expected = np.trunc(expected)
    assert_close(k_ops.logspace(start, stop, **kwargs), expected, dtype=dtype)


def test_logspace_of_arrays_on_a_negative_axis():
    start, stop = np.array([0.0, 1.0]), np.array([2.0, 3.0], "float32")
    expected = np.logspace(start, stop, 3, axis=-1)
    assert_close(k_ops.logspace(start, stop, 3, axis=-1), expected, dtype="float64")


@pytest.mark.parametrize("start, stop, kwargs", [
    (1, 1000, {"num": 4}), (-1, -1000, {"num": 4}), (2, 32, {"num": 5, "endpoint": False}),
    (1, 100, {"num": 3, "dtype": "int32"}), (3.0, 3.0, {"num": 2}), (1, 10, {"num": 1}),
    (1, 10, {"num": 0}),
], ids=str)
def test_geomspace_matches_numpy(start, stop, kwargs):
    dtype = kwargs.get("dtype", "float32")
    expected = np.geomspace(start, stop, **{**kwargs, "dtype": "float64"})
    assert_close(k_ops.geomspace(start, stop, **kwargs), expected, dtype=dtype)


def test_geomspace_of_arrays_with_mixed_signs_along_an_axis():
    start, stop = np.array([-1.0, 2.0]), np.array([-100.0, 200.0])
    expected = np.geomspace(start, stop, 3, axis=1)
    assert_close(k_ops.geomspace(start, stop, 3, axis=1), expected, dtype="float64")


def test_geomspace_refuses_zero():
    with pytest.raises(ValueError, match="geomspace: a geometric sequence cannot include zero"):
        k_ops.geomspace(0, 10, 3)


# -- matrices ---------------------------------------------------------------------------------
@pytest.mark.parametrize("N, M, k", [(3, None, 0), (2, 4, 1), (4, 2, -1), (3, 3, 5), (0, 2, 0)])
@pytest.mark.parametrize("name", ["eye", "tri"])
def test_eye_and_tri_match_numpy(name, N, M, k):
    expected = getattr(np, name)(N, M, k)
    assert_close(getattr(k_ops, name)(N, M, k), expected, dtype="float32")


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("name", ["eye", "tri", "identity"])
def test_eye_tri_identity_take_a_dtype(name, dtype):
    result = getattr(k_ops, name)(3, dtype=dtype)
    expected = getattr(np, name)(3)
    assert_close(result, expected.astype(bool) if dtype == "bool" else expected, dtype=dtype)


@pytest.mark.parametrize("args, error, match", [
    ((-1,), ValueError, "N must be a non-negative int"), ((2.0,), TypeError, "N must be an int"),
    ((2, -2), ValueError, "M must be a non-negative int"), ((2, 2, 0.5), TypeError, "k must be an int"),
], ids=str)
@pytest.mark.parametrize("name", ["eye", "tri"])
def test_eye_and_tri_bad_arguments(name, args, error, match):
    with pytest.raises(error, match=f"{name}: {match}"):
        getattr(k_ops, name)(*args)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("k", [0, 1, -1, 5])
@pytest.mark.parametrize("name", ["tril", "triu"])
def test_tril_and_triu_match_numpy(name, k, dtype):
    x = _reference(dtype, (2, 3, 4), seed=3)
    assert_close(getattr(k_ops, name)(x, k), getattr(np, name)(x, k), dtype=dtype)


@pytest.mark.parametrize("name", ["tril", "triu"])
def test_tril_and_triu_of_empty_and_list_inputs(name):
    assert_close(getattr(k_ops, name)(np.zeros((0, 3), "float32")), np.zeros((0, 3)), dtype="float32")
    assert_close(getattr(k_ops, name)([[1, 2], [3, 4]]), getattr(np, name)([[1, 2], [3, 4]]), dtype="int32")


@pytest.mark.parametrize("name", ["tril", "triu"])
def test_tril_and_triu_need_two_dimensions(name):
    with pytest.raises(ValueError, match=rf"{name}: needs an input of rank 2 or more.*\(3,\)"):
        getattr(k_ops, name)(np.ones(3))
    with pytest.raises(ValueError, match=rf"{name}: needs an input of rank 2 or more"):
        getattr(k_ops, name)(KerasTensor((3,)))


DIAG_CASES = [(dtype, (3,), 1) for dtype in ALL_DTYPES] + [(dtype, (3, 4), -1) for dtype in ALL_DTYPES] + [
    ("float32", shape, k) for shape, k in [((3,), 0), ((3,), -2), ((0,), 1), ((3, 4), 0), ((3, 4), 2),
                                           ((3, 4), 7), ((3, 4), -5), ((0, 2), 0)]]


@pytest.mark.parametrize("dtype, shape, k", DIAG_CASES, ids=str)
def test_diag_matches_numpy(shape, k, dtype):
    x = _reference(dtype, shape, seed=4)
    assert_close(k_ops.diag(x, k), np.diag(x, k), dtype=dtype)


def test_diag_needs_one_or_two_dimensions():
    with pytest.raises(ValueError, match=r"diag: needs a 1-D or 2-D input; got .* shape \(2, 2, 2\)"):
        k_ops.diag(np.ones((2, 2, 2)))


@pytest.mark.parametrize("dtype, shape, k", [(dtype, (2, 2), 1) for dtype in ALL_DTYPES] + [
    ("float32", shape, k) for shape, k in [((3,), 0), ((2, 1, 2), -2), ((), 0), ((0,), 1)]], ids=str)
def test_diagflat_matches_numpy(shape, k, dtype):
    x = _reference(dtype, shape, seed=5)
    assert_close(k_ops.diagflat(x, k), np.diagflat(x, k), dtype=dtype)


# -- meshgrid, vander -------------------------------------------------------------------------
@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("shapes_and_dtypes", [
    [((3,), "int32")], [((3,), "int32"), ((4,), "float32")],
    [((2,), "uint8"), ((3,), "bool"), ((4,), "float16")],
    [((2, 2), "int64"), ((0,), "float32")], [((), "float64"), ((3,), "int8")],
], ids=str)
def test_meshgrid_matches_numpy_and_keeps_each_dtype(shapes_and_dtypes, indexing):
    xs = [_reference(dtype, shape, seed=i) for i, (shape, dtype) in enumerate(shapes_and_dtypes)]
    results = k_ops.meshgrid(*xs, indexing=indexing)
    expected = np.meshgrid(*xs, indexing=indexing)
    assert isinstance(results, list) and len(results) == len(xs)
    for r, e, (_, dtype) in zip(results, expected, shapes_and_dtypes, strict=True):
        assert_close(r, e, dtype=dtype)


def test_meshgrid_of_python_lists():
    xs, ys = k_ops.meshgrid([1, 2, 3], [4.0, 5.0])
    assert_close(xs, np.meshgrid([1, 2, 3], [4.0, 5.0])[0], dtype="int32")
    assert_close(ys, np.meshgrid([1, 2, 3], [4.0, 5.0])[1], dtype="float32")


def test_meshgrid_refuses_an_unknown_indexing():
    with pytest.raises(ValueError, match="meshgrid: indexing must be 'xy' or 'ij'; got indexing='yx'"):
        k_ops.meshgrid(np.arange(2), indexing="yx")


VANDER_CASES = [(dtype, None, False) for dtype in ALL_DTYPES] + [
    ("float32", 0, False), ("int32", 1, True), ("int8", 4, True), ("float64", 2, False)]


@pytest.mark.parametrize("dtype, N, increasing", VANDER_CASES)
def test_vander_matches_numpy(N, increasing, dtype):
    x = _reference(dtype, (3,), seed=6, low=-3, high=3)
    expected = np.vander(_f64(x), N, increasing)
    if dtype == "bool":
        expected = expected.astype(bool)
    assert_close(k_ops.vander(x, N, increasing), expected, dtype=dtype)


def test_vander_wraps_integers_like_numpy():
    x = np.array([3, -7, 100], "int8")
    assert_close(k_ops.vander(x, 4), np.vander(x.astype("int64"), 4).astype("int8"), dtype="int8")


def test_vander_of_a_list_and_an_empty_input():
    assert_close(k_ops.vander([1, 2, 3]), np.vander([1, 2, 3]), dtype="int32")
    assert_close(k_ops.vander(np.zeros(0, "float32"), 2), np.zeros((0, 2)), dtype="float32")


@pytest.mark.parametrize("x, N, match", [(np.ones((2, 2)), None, r"vander: needs a 1-D input.*\(2, 2\)"),
                                         (np.ones(2), -1, "vander: N must be a non-negative int")])
def test_vander_bad_arguments(x, N, match):
    with pytest.raises(ValueError, match=match):
        k_ops.vander(x, N)


# -- windows ------------------------------------------------------------------------------------
WINDOWS = ["bartlett", "blackman", "hamming", "hanning"]


@pytest.mark.parametrize("M", [0, 1, 2, 5, 12])
@pytest.mark.parametrize("name", WINDOWS)
def test_windows_match_numpy_in_floatx(name, M):
    assert_close(getattr(k_ops, name)(M), getattr(np, name)(M), dtype="float32", atol=1e-6)


@pytest.mark.parametrize("M, beta", [(0, 1.0), (1, 5.0), (4, 2.0), (9, 0.0), (10, 14.0), (6, 3)])
def test_kaiser_matches_numpy(M, beta):
    assert_close(k_ops.kaiser(M, beta), np.kaiser(M, beta), dtype="float32", atol=1e-6)


@pytest.mark.parametrize("name", WINDOWS + ["kaiser"])
def test_windows_follow_floatx_and_take_a_scalar_tensor(name):
    k_backends.set_floatx("float64")
    args = (2.0,) if name == "kaiser" else ()
    result = getattr(k_ops, name)(k_ops.convert_to_tensor(7), *args)
    expected = np.kaiser(7, 2.0) if name == "kaiser" else getattr(np, name)(7)
    assert_close(result, expected, dtype="float64")


@pytest.mark.parametrize("M, error", [(-1, ValueError), (2.5, TypeError), (True, TypeError)])
@pytest.mark.parametrize("name", WINDOWS)
def test_windows_refuse_bad_lengths(name, M, error):
    with pytest.raises(error, match=f"{name}: x \\(the window length\\) must be"):
        getattr(k_ops, name)(M)


# -- symbolic -------------------------------------------------------------------------------------
SYMBOLIC_CASES = [
    ("zeros_like", (np.ones((2, 3), "int8"),), {}),
    ("ones_like", (np.ones((2, 3), "int8"),), {"dtype": "float16"}),
    ("empty_like", (np.ones((4,), "bool"),), {}),
    ("full_like", (np.ones((2, 3), "uint8"), np.ones((3,), "float32")), {}),
    ("full", ((2, 3), np.ones((3,), "int32")), {}),
    ("full", ((2, 3), np.ones((3,), "int32")), {"dtype": "int64"}),
    ("array", (np.ones((2, 3), "int16"),), {}),
    ("array", (np.ones((2, 3), "int16"),), {"dtype": "float64"}),
    ("copy", (np.ones((2, 3), "float16"),), {}),
    ("linspace", (np.zeros((2, 1), "float32"), np.ones((3,), "float64"), 4), {"axis": -1}),
    ("linspace", (np.zeros((2,), "int8"), 1, 5), {"retstep": True}),
    ("linspace", (np.zeros((2,), "float32"), 1, 5), {"dtype": "int32", "retstep": True}),
    ("logspace", (np.zeros((2,), "float32"), 2.0, 3), {"axis": 1}),
    ("geomspace", (np.ones((2,), "float64"), 8.0, 3), {}),
    ("tril", (np.ones((2, 3, 4), "int32"),), {"k": 1}),
    ("triu", (np.ones((3, 4), "bool"),), {"k": -1}),
    ("diag", (np.ones((3,), "uint8"),), {"k": 2}),
    ("diag", (np.ones((3, 5), "float32"),), {"k": 1}),
    ("diag", (np.ones((3, 5), "float32"),), {"k": -4}),
    ("diagflat", (np.ones((2, 3), "int64"),), {"k": -1}),
    ("vander", (np.ones((3,), "float32"),), {}),
    ("vander", (np.ones((3,), "int8"), 5, True), {}),
    ("kaiser", (5, np.ones((), "float32")), {}),
]


@pytest.mark.parametrize("name, args, kwargs", SYMBOLIC_CASES, ids=lambda c: str(c)[:40])
def test_symbolic_matches_eager(name, args, kwargs):
    check_symbolic(getattr(k_ops, name), *args, **kwargs)


@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid_symbolic_matches_eager(indexing):
    check_symbolic(k_ops.meshgrid, np.ones((3,), "int32"), np.ones((2, 2), "float16"),
                   np.ones((5,), "bool"), indexing=indexing)


def test_ops_without_tensor_inputs_predict_their_output():
    cases = [
        (k_ops.zeros, ((2, 3),), {}), (k_ops.ones, (4,), {"dtype": "int8"}), (k_ops.empty, ((),), {}),
        (k_ops.full, ((2,), 1), {}), (k_ops.eye, (2, 3, 1), {}), (k_ops.identity, (3,), {"dtype": "bool"}),
        (k_ops.tri, (2,), {"dtype": "int32"}), (k_ops.bartlett, (5,), {}), (k_ops.hamming, (0,), {}),
        (k_ops.linspace, (0, 1, 4), {"retstep": True}), (k_ops.logspace, (0, 1, 4), {"dtype": "int32"}),
        (k_ops.geomspace, (1, 8, 4), {}),
    ]
    for op, args, kwargs in cases:
        spec = op.compute_output_spec(*args, **kwargs)
        eager = op(*args, **kwargs)
        for s, e in zip(spec if isinstance(spec, tuple) else (spec,),
                        eager if isinstance(eager, tuple) else (eager,), strict=True):
            assert (s.shape, s.dtype) == (to_numpy(e).shape, dtype_name(e)), op.__name__


def test_symbolic_arange_and_windows_have_an_unknown_length():
    assert k_ops.arange(KerasTensor((), "int8")).shape == (None,)
    assert k_ops.arange(KerasTensor((), "int8")).dtype == "int8"
    assert k_ops.arange(0, KerasTensor((), "int32"), 0.5).dtype == "float32"
    window = k_ops.hanning(KerasTensor((), "int32"))
    assert (window.shape, window.dtype) == ((None,), "float32")


def test_symbolic_diag_of_unknown_dims():
    assert k_ops.diag(KerasTensor((None,)), k=1).shape == (None, None)
    assert k_ops.diag(KerasTensor((None, 3))).shape == (None,)
    assert k_ops.diagflat(KerasTensor((None, 3))).shape == (None, None)
    assert k_ops.vander(KerasTensor((None,)), 3).shape == (None, 3)
    assert k_ops.meshgrid(KerasTensor((None,)), KerasTensor((2,)))[0].shape == (2, None)


# -- device placement -----------------------------------------------------------------------------
@pytest.mark.skipif(BACKEND != "torch", reason="torch places each new tensor itself")
def test_torch_creation_ops_use_the_current_device():
    from k_backends.torch.core import current_device

    device = current_device()
    outputs = [
        k_ops.zeros(2), k_ops.ones(2), k_ops.empty(2), k_ops.full(2, 1.0), k_ops.full(2, np.ones(2)),
        k_ops.zeros_like(np.ones(2)), k_ops.ones_like([1]), k_ops.empty_like(np.ones(2)),
        k_ops.full_like(np.ones(2), 3), k_ops.array([1, 2]), k_ops.copy(np.ones(2)), k_ops.arange(3),
        k_ops.arange(0, 1, 0.5), k_ops.linspace(0, 1, 3), k_ops.logspace(0, 1, 3), k_ops.geomspace(1, 2, 3),
        k_ops.eye(2), k_ops.identity(2), k_ops.tri(2), k_ops.tril(np.ones((2, 2))),
        k_ops.triu(np.ones((2, 2))), k_ops.diag(np.ones(2)), k_ops.diagflat(np.ones(2)),
        *k_ops.meshgrid(np.ones(2), np.ones(3)), k_ops.vander(np.ones(2)), k_ops.bartlett(3),
        k_ops.blackman(3), k_ops.hamming(3), k_ops.hanning(3), k_ops.kaiser(3, 1.0),
    ]
    for out in outputs:
        assert out.device.type == device.type, out


# -- variables and compiled functions ------------------------------------------------------------
def test_like_ops_and_array_take_a_variable():
    v = Variable(np.array([1.0, 2.0], "float16"))
    assert_close(k_ops.zeros_like(v), np.zeros(2), dtype="float16")
    assert_close(k_ops.full_like(v, 4, dtype="int8"), np.full(2, 4), dtype="int8")
    copied = k_ops.array(v)
    v.assign([5.0, 6.0])
    assert_close(copied, np.array([1.0, 2.0]), dtype="float16")


@pytest.mark.skipif(BACKEND not in ("jax", "tensorflow"), reason="traces a compiled function")
def test_creation_ops_work_inside_a_compiled_function():
    def f(x):
        return [k_ops.zeros(k_ops.shape(x)), k_ops.ones_like(x, "int8"), k_ops.full_like(x, 3),
                k_ops.tril(x), k_ops.triu(x, 1), k_ops.copy(x), k_ops.meshgrid(x[:, 0], x[0])[0],
                k_ops.linspace(x[:, 0], x[:, 1], 4, axis=-1), k_ops.vander(x[:, 0], 3), k_ops.diag(x[:, 0])]

    x = np.arange(6, dtype="float32").reshape(2, 3)
    if BACKEND == "jax":
        import jax

        compiled = jax.jit(f)
    else:
        import tensorflow as tf

        compiled = tf.function(f, input_signature=[tf.TensorSpec((None, 3), tf.float32)])
    for traced, eager in zip(compiled(x), f(x), strict=True):
        assert_close(traced, to_numpy(eager), dtype=dtype_name(eager))
