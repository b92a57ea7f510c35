import numpy as np
import pytest

import k_backends
import k_ops
from k_backends.variables import Variable
from k_ops import KerasTensor

from conftest import ALL_DTYPES, BACKEND, assert_close, check_symbolic, dtype_name, reference_input, to_numpy

SORTABLE = ALL_DTYPES
NUMERIC = [d for d in ALL_DTYPES if d != "bool"]


def f64(x):
    return np.asarray(x).astype("float64")


# -- sorting -------------------------------------------------------------------
@pytest.mark.parametrize("dtype", SORTABLE)
@pytest.mark.parametrize("axis", [-1, 0, None])
def test_sort_and_argsort_match_numpy(dtype, axis):
    x = reference_input(dtype, (3, 4, 5), seed=3)
    assert_close(k_ops.sort(x, axis=axis), np.sort(x, axis=axis), dtype=dtype)
    # Stable: equal values keep their order, so the indices are NumPy's stable ones.
    assert_close(k_ops.argsort(x, axis=axis), np.argsort(x, axis=axis, kind="stable"), dtype="int32")


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0)])
def test_sort_of_empty_tensors(shape):
    x = np.zeros(shape, "float32")
    assert_close(k_ops.sort(x), np.sort(x), dtype="float32")
    assert_close(k_ops.argsort(x, axis=0), np.argsort(x, axis=0), dtype="int32")


@pytest.mark.parametrize("dtype", SORTABLE)
@pytest.mark.parametrize("axis,kth", [(-1, 2), (0, -1), (1, 0)])
def test_argpartition_puts_kth_element_in_place(dtype, axis, kth):
    x = reference_input(dtype, (4, 5, 6), seed=4)
    result = k_ops.argpartition(x, kth, axis=axis)
    assert dtype_name(result) == "int32"
    idx = to_numpy(result)
    assert sorted(np.moveaxis(idx, axis, -1)[0, 0]) == list(range(x.shape[axis]))
    parted = f64(np.take_along_axis(x, idx, axis=axis))
    expected_kth = np.take(np.sort(f64(x), axis=axis), [kth], axis=axis)
    np.testing.assert_array_equal(np.take(parted, [kth], axis=axis), expected_kth)
    k = kth % x.shape[axis]
    assert (np.take(parted, range(k), axis=axis) <= expected_kth).all()
    assert (np.take(parted, range(k + 1, x.shape[axis]), axis=axis) >= expected_kth).all()


# -- searching -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", SORTABLE)
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_matches_numpy(dtype, side):
    sequence = np.sort(reference_input(dtype, (7,), seed=5))
    values = reference_input(dtype, (2, 3), seed=6)
    expected = np.searchsorted(f64(sequence), f64(values), side=side)
    assert_close(k_ops.searchsorted(sequence, values, side=side), expected, dtype="int32")


@pytest.mark.parametrize("dtype", NUMERIC)
def test_digitize_matches_numpy(dtype):
    x = reference_input(dtype, (3, 4), seed=7)
    bins = np.array([-2.0, 0.0, 1.0, 3.0], "float32")
    expected = np.digitize(f64(x), f64(bins))
    assert_close(k_ops.digitize(x, bins), expected, dtype="int32")
    assert_close(k_ops.digitize([0.5, 1.0, 7.0], [1.0, 2.0]), [0, 1, 2], dtype="int32")


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("invert", [False, True])
def test_isin_matches_numpy(dtype, invert):
    x1 = reference_input(dtype, (3, 4), seed=8)
    x2 = reference_input(dtype, (5,), seed=9)
    expected = np.isin(f64(x1), f64(x2), invert=invert)
    assert_close(k_ops.isin(x1, x2, invert=invert), expected, dtype="bool")


def test_isin_with_empty_tensors():
    assert_close(k_ops.isin(np.zeros((0, 2)), [1.0]), np.zeros((0, 2), bool), dtype="bool")
    assert_close(k_ops.isin([1, 2], np.zeros((0,), "int32")), [False, False], dtype="bool")


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_nonzero_and_single_argument_where(dtype):
    x = reference_input(dtype, (3, 4), seed=10, low=-1, high=1)
    for result in (k_ops.nonzero(x), k_ops.where(x)):
        assert isinstance(result, tuple) and len(result) == 2
        for r, e in zip(result, np.nonzero(x), strict=True):
            assert_close(r, e, dtype="int32")


def test_nonzero_of_empty_and_all_zero():
    result = k_ops.nonzero(np.zeros((2, 0, 3)))
    assert len(result) == 3 and all(to_numpy(r).shape == (0,) for r in result)
    assert_close(k_ops.nonzero(np.zeros(4))[0], np.zeros(0, "int32"), dtype="int32")


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_where_matches_numpy(dtype):
    condition = reference_input("bool", (3, 1), seed=11)
    x1, x2 = reference_input(dtype, (4,), seed=12), reference_input(dtype, (3, 4), seed=13)
    assert_close(k_ops.where(condition, x1, x2), np.where(condition, x1, x2), dtype=dtype)


@pytest.mark.parametrize("x1,x2,dtype", [
    (np.array([1, 2], "int8"), 0, "int8"),
    (np.array([1, 2], "int8"), 0.5, "float32"),
    (np.array([True, False]), 0, "int32"),
    (np.array([1, 2], "uint8"), np.array([1, 2], "int8"), "int16"),
    (np.array([1, 2], "int64"), np.array([1, 2], "float16"), "float16"),
])
def test_where_promotes_like_kappa(x1, x2, dtype):
    result = k_ops.where(np.array([True, False]), x1, x2)
    expected = np.where([True, False], f64(x1), f64(x2))
    assert_close(result, expected, dtype=dtype)


def test_where_condition_of_numbers_means_nonzero():
    assert_close(k_ops.where(np.array([0.0, 2.0]), 1, 2), [2, 1], dtype="int32")


@pytest.mark.parametrize("dtype", NUMERIC)
def test_select_matches_numpy(dtype):
    x = reference_input(dtype, (3, 4), seed=14)
    conditions = [f64(x) < 0, f64(x) > 2]
    choices = [x, reference_input(dtype, (4,), seed=15)]
    result = k_ops.select(conditions, choices, default=1)
    expected = np.select(conditions, [f64(c) for c in choices], 1)
    assert_close(result, expected, dtype=dtype)


def test_select_broadcasts_and_promotes():
    result = k_ops.select([np.array([[True], [False]])], [np.array([1, 2], "int8")], 0.5)
    assert_close(result, [[1.0, 2.0], [0.5, 0.5]], dtype="float32")


# -- take, take_along_axis -----------------------------------------------------------
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("axis", [None, 0, -1, 1])
def test_take_matches_numpy(dtype, axis):
    x = reference_input(dtype, (3, 4, 5), seed=16)
    indices = np.array([[0, -1], [2, 1]], "int32")
    assert_close(k_ops.take(x, indices, axis=axis), np.take(x, indices, axis=axis), dtype=dtype)
    assert_close(k_ops.take(x, -2, axis=axis), np.take(x, -2, axis=axis), dtype=dtype)
    assert_close(k_ops.take(x, [1], axis=axis), np.take(x, [1], axis=axis), dtype=dtype)


@pytest.mark.parametrize("index_dtype", ["int8", "uint8", "int64"])
def test_take_accepts_any_integer_indices(index_dtype):
    x = np.arange(6.0, dtype="float32")
    indices = np.array([5, 0], index_dtype)
    assert_close(k_ops.take(x, indices), [5.0, 0.0], dtype="float32")
    assert_close(k_ops.take(x, np.zeros((0,), index_dtype)), np.zeros(0), dtype="float32")


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("axis", [0, -1, 1])
def test_take_along_axis_matches_numpy(dtype, axis):
    x = reference_input(dtype, (3, 4, 5), seed=17)
    shape = [3, 4, 5]
    shape[axis] = 2
    indices = np.random.default_rng(0).integers(-x.shape[axis], x.shape[axis], size=shape)
    assert_close(k_ops.take_along_axis(x, indices, axis=axis),
                 np.take_along_axis(x, indices, axis=axis), dtype=dtype)


def test_take_along_axis_broadcasts_and_flattens():
    x = np.arange(12, dtype="float32").reshape(3, 4)
    indices = np.array([[0, 3, -1]])
    assert_close(k_ops.take_along_axis(x, indices, axis=1), np.take_along_axis(x, np.broadcast_to(
        indices, (3, 3)), axis=1), dtype="float32")
    flat = np.array([11, 0, -12])
    assert_close(k_ops.take_along_axis(x, flat), x.reshape(-1)[flat], dtype="float32")
    argsorted = k_ops.take_along_axis(x[::-1], k_ops.argsort(x[::-1], axis=0), axis=0)
    assert_close(argsorted, x, dtype="float32")


# -- get_item --------------------------------------------------------------
X = np.arange(2 * 3 * 4, dtype="float32").reshape(2, 3, 4)
MASK = X.sum(-1) > 20
KEYS = {
    "int": 1,
    "negative_int": -1,
    "ints": (1, 2, -1),
    "slice": slice(1, None),
    "slice_step": (slice(None), slice(None, None, 2)),
    "negative_step": (Ellipsis, slice(None, 0, -2)),
    "reverse": slice(None, None, -1),
    "empty_slice": (slice(None), slice(3, 1)),
    "newaxis": (None, 0, None),
    "ellipsis": (Ellipsis, 1),
    "ellipsis_middle": (0, Ellipsis, None, 2),
    "mask": MASK,
    "mask_all_dims": X > 5.5,
    "mask_last": (Ellipsis, np.array([True, False, True, True])),
    "mask_list": [True, False],
    "mask_and_slice": (MASK, slice(1, 3)),
    "int_array": np.array([1, 0, -1]),
    "int_list": [1, 1, 0],
    "int_array_2d": (slice(None), np.array([[0, 2], [-1, 1]])),
    "int_arrays_broadcast": (np.array([[0], [1]]), slice(None), np.array([0, 3, 1])),
    "int_arrays_adjacent": (slice(None), np.array([0, 2]), np.array([1, 3])),
    "int_and_array_apart": (0, slice(None), np.array([0, 2])),
    "int_and_array_adjacent": (slice(None), 1, np.array([0, 2])),
    "array_newaxis": (np.array([1, 0]), None, slice(None, 2)),
    "mask_and_array": (np.array([True, False]), slice(None), np.array([0, 2])),
    "empty_array": np.array([], "int32"),
    "empty_list": [],
    "empty_mask": X < -1,
    "uint8_array": (slice(None), np.array([2, 0], "uint8")),
}


def _numpy_key(key):
    def one(k):
        return np.asarray(k, dtype=None if k else "int64") if isinstance(k, list) else k
    return tuple(one(k) for k in key) if isinstance(key, tuple) else one(key)


@pytest.mark.parametrize("name", sorted(KEYS))
def test_get_item_matches_numpy(name):
    key = KEYS[name]
    numpy_key = _numpy_key(key)
    expected = X[numpy_key]
    assert_close(k_ops.get_item(X, key), expected, dtype="float32")
    backend_x = k_backends.current().core.convert_to_tensor(X)
    assert_close(k_ops.get_item(backend_x, key), expected, dtype="float32")
    symbolic = k_ops.get_item(KerasTensor(X.shape), key)
    assert all(s is None or s == e for s, e in zip(symbolic.shape, expected.shape, strict=True)), \
        f"symbolic {symbolic.shape} vs {expected.shape}"


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_get_item_keeps_dtype(dtype):
    x = reference_input(dtype, (3, 4), seed=18)
    assert_close(k_ops.get_item(x, (slice(None, None, -1), np.array([0, -1]))),
                 x[::-1, [0, -1]], dtype=dtype)
    assert_close(k_ops.get_item(x, f64(x) > 0), x[f64(x) > 0], dtype=dtype)


def test_get_item_with_backend_tensor_keys():
    core = k_backends.current().core
    x = core.convert_to_tensor(X)
    mask = core.convert_to_tensor(MASK)
    indices = core.convert_to_tensor(np.array([2, -1], "int64"))
    assert_close(k_ops.get_item(x, mask), X[MASK], dtype="float32")
    assert_close(k_ops.get_item(x, (Ellipsis, indices)), X[..., [2, -1]], dtype="float32")
    assert_close(k_ops.get_item(x, (core.convert_to_tensor(1), 2)), X[1, 2], dtype="float32")


@pytest.mark.parametrize("name", sorted(KEYS))
def test_variable_indexes_like_numpy(name):
    key = KEYS[name]
    numpy_key = _numpy_key(key)
    variable = Variable(X)
    assert_close(variable[key], X[numpy_key], dtype="float32")


def test_variable_keys_index_too():
    variable = Variable(X)
    mask = Variable(MASK, trainable=False)
    indices = Variable(np.array([1, 0]), trainable=False)
    assert_close(variable[mask], X[MASK], dtype="float32")
    assert_close(variable[..., indices], X[..., [1, 0]], dtype="float32")


def test_get_item_errors():
    with pytest.raises(IndexError, match="too many indices"):
        k_ops.get_item(KerasTensor((2, 3)), (0, 0, 0))
    with pytest.raises(IndexError, match="out of bounds"):
        k_ops.get_item(KerasTensor((2, 3)), (0, 5))
    with pytest.raises(IndexError, match="single Ellipsis"):
        k_ops.get_item(KerasTensor((2, 3)), (Ellipsis, Ellipsis))
    with pytest.raises(IndexError, match="does not match"):
        k_ops.get_item(KerasTensor((2, 3)), KerasTensor((3,), "bool"))
    with pytest.raises(IndexError, match="dtype float32"):
        k_ops.get_item(KerasTensor((2, 3)), KerasTensor((3,), "float32"))
    with pytest.raises(TypeError, match="Python bool"):
        k_ops.get_item(X, True)


def test_get_item_symbolic_shapes():
    x = KerasTensor((None, 3, 4))
    assert k_ops.get_item(x, (Ellipsis, 0)).shape == (None, 3)
    assert k_ops.get_item(x, (slice(None), None, slice(1, None, 2))).shape == (None, 1, 1, 4)
    assert k_ops.get_item(x, KerasTensor((None, 3), "bool")).shape == (None, 4)
    assert k_ops.get_item(x, (0, KerasTensor((5, 1), "int32"), KerasTensor((2,), "int32"))).shape == (5, 2)
    assert k_ops.get_item(x, (slice(None), 0, KerasTensor((2,), "int32"))).shape == (None, 2)
    assert k_ops.get_item(x, (0, slice(None), KerasTensor((2,), "int32"))).shape == (2, 3)
    assert x[1:, ::-1].shape == (None, 3, 4)


# -- diagonal, trace ---------------------------------------------------------
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("offset,axis1,axis2", [(0, 0, 1), (1, 0, 1), (-2, 0, 1), (1, -1, 0),
                                                (0, 1, 2), (7, 0, 2)])
def test_diagonal_matches_numpy(dtype, offset, axis1, axis2):
    x = reference_input(dtype, (4, 5, 3), seed=19)
    assert_close(k_ops.diagonal(x, offset, axis1, axis2), np.diagonal(x, offset, axis1, axis2), dtype=dtype)


TRACE_DTYPES = {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "uint32",
                "int32": "int32", "int64": "int64", "float16": "float16", "bfloat16": "bfloat16",
                "float32": "float32", "float64": "float64"}


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("offset,axis1,axis2", [(0, 0, 1), (1, 0, 1), (-1, 1, 2), (2, -1, 0)])
def test_trace_matches_numpy(dtype, offset, axis1, axis2):
    x = reference_input(dtype, (3, 4, 5), seed=20)
    expected = np.trace(f64(x), offset, axis1, axis2)
    assert_close(k_ops.trace(x, offset, axis1, axis2), expected, dtype=TRACE_DTYPES[dtype])


def test_diagonal_and_trace_errors():
    with pytest.raises(ValueError, match="rank at least 2"):
        k_ops.diagonal(KerasTensor((3,)))
    with pytest.raises(ValueError, match="must differ"):
        k_ops.trace(KerasTensor((3, 3)), axis1=1, axis2=-1)
    with pytest.raises(ValueError, match="must differ"):
        k_ops.trace(np.ones((3, 3)), axis1=1, axis2=-1)


# -- counting ------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32", "int64"])
@pytest.mark.parametrize("minlength", [0, 9])
def test_bincount_counts_like_numpy(dtype, minlength):
    x = np.array([1, 4, 1, 0, 4, 4], dtype)
    assert_close(k_ops.bincount(x, minlength=minlength), np.bincount(x, minlength=minlength), dtype="int32")


BINCOUNT_WEIGHT_DTYPES = {"bool": "int32", "uint8": "int32", "int8": "int32", "int16": "int32",
                          "int32": "int32", "int64": "int64", "float16": "float16",
                          "bfloat16": "bfloat16", "float32": "float32", "float64": "float64"}


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_bincount_sums_weights(dtype):
    x = np.array([1, 4, 1, 0, 4, 4], "int32")
    weights = reference_input(dtype, (6,), seed=21)
    expected = np.bincount(x, weights=f64(weights))
    assert_close(k_ops.bincount(x, weights=weights), expected, dtype=BINCOUNT_WEIGHT_DTYPES[dtype])


def test_bincount_of_batches_and_empty():
    x = np.array([[0, 2, 2], [1, 1, 1]], "int32")
    assert_close(k_ops.bincount(x), [[1, 0, 2], [0, 3, 0]], dtype="int32")
    assert_close(k_ops.bincount(x, weights=np.ones((2, 3), "float32"), minlength=4),
                 [[1, 0, 2, 0], [0, 3, 0, 0]], dtype="float32")
    assert_close(k_ops.bincount(np.zeros(0, "int32"), minlength=3), [0, 0, 0], dtype="int32")
    assert_close(k_ops.bincount(np.zeros(0, "int32")), np.zeros(0), dtype="int32")


def test_bincount_errors():
    with pytest.raises(TypeError, match="integers"):
        k_ops.bincount(KerasTensor((3,), "float32"))
    with pytest.raises(ValueError, match="minlength"):
        k_ops.bincount([1, 2], minlength=-1)
    with pytest.raises(ValueError):
        k_ops.bincount(np.array([1, -2], "int32"))


HISTOGRAM_CASES = [(d, 10, None) for d in ALL_DTYPES] + [(d, 4, (-2, 2)) for d in ("int8", "float16")] + [
    ("float32", 3, None), ("float32", 1, (0.0, 0.0)), ("float64", 4, (-2, 2))]


@pytest.mark.parametrize("dtype,bins,range", HISTOGRAM_CASES)
def test_histogram_matches_numpy(dtype, bins, range):
    x = reference_input(dtype, (5, 7), seed=22)
    counts, edges = k_ops.histogram(x, bins=bins, range=range)
    values = f64(x)
    if range == (0.0, 0.0):
        range = (-0.5, 0.5)
    expected_counts, expected_edges = np.histogram(values, bins=bins, range=range)
    float_dtype = dtype if dtype in ("float16", "bfloat16", "float32", "float64") else "float32"
    assert_close(edges, expected_edges, dtype=float_dtype)
    assert_close(counts, expected_counts, dtype=float_dtype)


def test_histogram_of_equal_and_empty_values():
    counts, edges = k_ops.histogram(np.full(4, 3.0, "float32"), bins=2)
    assert_close(counts, [0.0, 4.0], dtype="float32")
    assert_close(edges, [2.5, 3.0, 3.5], dtype="float32")
    counts, edges = k_ops.histogram(np.zeros(0, "float32"), bins=2)
    assert_close(counts, [0.0, 0.0], dtype="float32")
    assert_close(edges, [0.0, 0.5, 1.0], dtype="float32")


def test_histogram_errors():
    with pytest.raises(ValueError, match="bins"):
        k_ops.histogram([1.0], bins=0)
    with pytest.raises(ValueError, match="range"):
        k_ops.histogram([1.0], range=(2, 1))


# -- unique ----------------------------------------------------------------
def _numpy_unique(x, axis=None, sorted=True, size=None, fill_value=0):
    values, index, inverse, counts = np.unique(x, return_index=True, return_inverse=True,
                                               return_counts=True, axis=axis)
    inverse = inverse.reshape(x.shape if axis is None else (-1,))
    ax = axis or 0
    if not sorted:
        order = np.argsort(index)
        values, index, counts = np.take(values, order, axis=ax), index[order], counts[order]
        inverse = np.argsort(order)[inverse]
    if size is not None:
        n = len(index)
        if n >= size:
            values, index, counts = np.take(values, range(size), axis=ax), index[:size], counts[:size]
        else:
            pad = list(values.shape)
            pad[ax] = size - n
            values = np.concatenate([values, np.full(pad, fill_value, values.dtype)], axis=ax)
            index = np.concatenate([index, np.full(size - n, index[0])])
            counts = np.concatenate([counts, np.zeros(size - n, counts.dtype)])
    return values, index, inverse, counts


UNIQUE_CASES = [(d, None) for d in ALL_DTYPES] + [
    (d, a) for d in ("bool", "int32", "bfloat16") for a in (0, -1)]


@pytest.mark.parametrize("dtype,axis", UNIQUE_CASES)
def test_unique_matches_numpy(dtype, axis):
    x = reference_input(dtype, (6, 3), seed=23, low=-1, high=1)
    x = np.concatenate([x, x[:2]], axis=0)
    result = k_ops.unique(x, return_index=True, return_inverse=True, return_counts=True, axis=axis)
    expected = _numpy_unique(x, axis=axis)
    assert_close(result[0], expected[0], dtype=dtype)
    for r, e in zip(result[1:], expected[1:], strict=True):
        assert_close(r, e, dtype="int32")
    assert_close(k_ops.unique(x, axis=axis), expected[0], dtype=dtype)


@pytest.mark.parametrize("axis,size,fill_value,sorted", [
    (None, None, None, False), (None, 2, None, True), (None, 2, None, False), (None, 8, -1, False),
    (None, 8, None, True), (1, None, None, False), (1, 2, None, False), (1, 8, -1, True),
    (1, 8, None, False)])
def test_unique_size_and_order(axis, size, fill_value, sorted):
    x = np.array([[3, 1, 3, 2, 1, 5], [0, 1, 0, 2, 1, 0]], "int32")
    result = k_ops.unique(x, sorted=sorted, return_index=True, return_inverse=True, return_counts=True,
                          axis=axis, size=size, fill_value=fill_value)
    expected = _numpy_unique(x, axis=axis, sorted=sorted, size=size,
                             fill_value=0 if fill_value is None else fill_value)
    for r, e in zip(result, expected, strict=True):
        assert_close(r, e)


def test_unique_of_empty_tensor():
    values, counts = k_ops.unique(np.zeros(0, "float32"), return_counts=True)
    assert_close(values, np.zeros(0), dtype="float32")
    assert_close(counts, np.zeros(0), dtype="int32")


def test_unique_symbolic_shapes():
    x = KerasTensor((4, 3), "int8")
    values, inverse = k_ops.unique(x, return_inverse=True)
    assert (values.shape, values.dtype, inverse.shape, inverse.dtype) == ((None,), "int8", (4, 3), "int32")
    values, index, counts = k_ops.unique(x, return_index=True, return_counts=True, axis=0, size=5)
    assert (values.shape, index.shape, counts.shape) == ((5, 3), (5,), (5,))


# -- symbolic agreement and errors ----------------------------------------------------
SYMBOLIC_CASES = {
    "argsort": (k_ops.argsort, (np.ones((3, 4), "float16"),), {"axis": 0}),
    "argsort_flat": (k_ops.argsort, (np.ones((3, 4), "int8"),), {"axis": None}),
    "sort": (k_ops.sort, (np.ones((3, 4), "uint8"),), {}),
    "argpartition": (k_ops.argpartition, (np.ones((3, 4), "float32"), 1), {"axis": 1}),
    "searchsorted": (k_ops.searchsorted, (np.arange(4.0), np.ones((2, 3), "int32")), {"side": "right"}),
    "digitize": (k_ops.digitize, (np.ones((2, 3), "int8"), np.arange(4.0)), {}),
    "isin": (k_ops.isin, (np.ones((2, 3), "int8"), np.arange(4)), {}),
    "nonzero": (k_ops.nonzero, (np.eye(3, dtype="float32"),), {}),
    "where1": (k_ops.where, (np.eye(3, dtype="bool"),), {}),
    "where3": (k_ops.where, (np.eye(3, dtype="bool"), np.ones(3, "int8"), 2.0), {}),
    "select": (k_ops.select, ([np.eye(3, dtype="bool")], [np.ones(3, "int16")]), {"default": 1}),
    "take": (k_ops.take, (np.ones((3, 4), "int64"), np.array([[0, 1]])), {"axis": 1}),
    "take_flat": (k_ops.take, (np.ones((3, 4), "bool"), np.array([0, 1])), {}),
    "take_along_axis": (k_ops.take_along_axis, (np.ones((3, 4)), np.zeros((3, 2), "int32")), {"axis": 1}),
    "get_item": (k_ops.get_item, (np.ones((3, 4)), (slice(None), np.array([0, -1]))), {}),
    "get_item_mask": (k_ops.get_item, (np.ones((3, 4)), np.eye(3, 4, dtype=bool)), {}),
    "diagonal": (k_ops.diagonal, (np.ones((3, 4, 5)),), {"offset": 1, "axis1": 2, "axis2": 0}),
    "trace": (k_ops.trace, (np.ones((3, 4, 5), "int8"),), {"offset": -1, "axis1": 1, "axis2": 2}),
    "bincount": (k_ops.bincount, (np.array([1, 2], "int32"),), {"weights": np.ones(2, "float16")}),
    "histogram": (k_ops.histogram, (np.arange(5),), {"bins": 3}),
    "unique": (k_ops.unique, (np.arange(5),), {"return_index": True, "return_counts": True}),
    "unique_size": (k_ops.unique, (np.ones((4, 2)),), {"return_inverse": True, "axis": 0, "size": 3}),
}


DATA_DEPENDENT = {"nonzero", "where1", "get_item_mask", "bincount", "unique"}


@pytest.mark.parametrize("name", sorted(SYMBOLIC_CASES))
def test_symbolic_matches_eager(name):
    op, args, kwargs = SYMBOLIC_CASES[name]
    if name not in DATA_DEPENDENT:
        check_symbolic(op, *args, **kwargs)
        return
    # Output lengths that depend on the values are None symbolically; the rest must agree.
    eager = op(*args, **kwargs)
    eager = list(eager) if isinstance(eager, tuple) else [eager]
    spec = op(*[KerasTensor(a.shape, dtype_name(a)) if isinstance(a, np.ndarray) else a for a in args],
              **{k: KerasTensor(v.shape, dtype_name(v)) if isinstance(v, np.ndarray) else v
                 for k, v in kwargs.items()})
    spec = list(spec) if isinstance(spec, tuple) else [spec]
    assert len(spec) == len(eager)
    for s, e in zip(spec, eager, strict=True):
        assert s.dtype == dtype_name(e)
        shape = to_numpy(e).shape
        assert len(s.shape) == len(shape)
        assert all(a is None or a == b for a, b in zip(s.shape, shape, strict=True))
        assert None in s.shape


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="side"):
        k_ops.searchsorted([1, 2], [1], side="middle")
    with pytest.raises(ValueError, match="1-D"):
        k_ops.searchsorted(KerasTensor((2, 2)), KerasTensor((2,)))
    with pytest.raises(ValueError, match="both x1 and x2"):
        k_ops.where([True], [1])
    with pytest.raises(ValueError, match="same, non-zero length"):
        k_ops.select([np.array([True])], [])
    with pytest.raises(TypeError, match="kth"):
        k_ops.argpartition([1, 2], 1.5)
    with pytest.raises(ValueError, match="kth=5"):
        k_ops.argpartition(KerasTensor((2, 3)), 5)
    with pytest.raises(TypeError, match="integers"):
        k_ops.take(KerasTensor((2, 3)), KerasTensor((2,), "float32"))
    with pytest.raises(ValueError, match="size"):
        k_ops.unique([1, 2], size=-1)
    with pytest.raises(ValueError, match="scalar"):
        k_ops.nonzero(KerasTensor(()))


@pytest.mark.skipif(BACKEND != "jax", reason="jit is jax's")
def test_unique_with_size_works_under_jit():
    import jax

    x = np.array([3, 1, 3, 2], "int32")
    values, counts = jax.jit(lambda t: k_ops.unique(t, return_counts=True, size=4, fill_value=-1))(x)
    assert_close(values, [1, 2, 3, -1], dtype="int32")
    assert_close(counts, [1, 1, 2, 0], dtype="int32")
