import warnings

import numpy as np
import pytest

import k_backends
import k_ops
from k_backends import dtypes
from k_backends.variables import Variable

from conftest import (
    ALL_DTYPES,
    FLOAT_DTYPES,
    assert_close,
    check_symbolic,
    dtype_name,
    reference_input,
    to_numpy,
)

# (axis, keepdims) cases on inputs of shape (2, 3, 4).
AXES = [(None, False), (None, True), (0, False), (-1, True), ((0, 2), False), ((-1, 1), True)]
SUM_DTYPES = {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "uint32", "uint16": "uint32"}


def sum_dtype(dtype):
    return SUM_DTYPES.get(dtype, dtype)


def numpy_dtype(dtype):
    return reference_input(dtype, ()).dtype


def statistic_dtype(dtype):
    return dtype if dtype in FLOAT_DTYPES else "float32"


def _quietly(func, *args, **kwargs):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return func(*args, **kwargs)


def _exact(np_func):
    """A reference computed in int64 / float64 / bool, then cast to the expected dtype."""
    def reference(x, dtype, **kwargs):
        wide = x.astype("float64" if x.dtype.kind in "fV" else "int64")
        return np.asarray(_quietly(np_func, wide, **kwargs)).astype(dtype)
    return reference


def rotating(dtypes_, cases):
    """(dtype, case) pairs giving each dtype one case, cycling through the cases.

    Every dtype and every case is covered without the full product: on JAX each new
    (op, shape, dtype, axis) costs a compilation, and the file must stay fast.
    """
    return [(d, cases[i % len(cases)]) for i, d in enumerate(dtypes_)]


# name: (reference, output dtype rule, value range)
REDUCTIONS = {
    "sum": (_exact(np.sum), sum_dtype, 5),
    "prod": (_exact(np.prod), sum_dtype, 2),
    "mean": (_exact(np.mean), statistic_dtype, 5),
    "std": (_exact(np.std), statistic_dtype, 5),
    "var": (_exact(np.var), statistic_dtype, 5),
    "median": (_exact(np.median), statistic_dtype, 5),
    "max": (_exact(np.max), lambda d: d, 5),
    "min": (_exact(np.min), lambda d: d, 5),
    "all": (_exact(np.all), lambda d: "bool", 1),
    "any": (_exact(np.any), lambda d: "bool", 1),
    "ptp": (_exact(np.ptp), lambda d: d, 5),
}
NAN_REDUCTIONS = {
    "nansum": (_exact(np.nansum), sum_dtype, 5),
    "nanprod": (_exact(np.nanprod), sum_dtype, 2),
    "nanmean": (_exact(np.nanmean), statistic_dtype, 5),
    "nanstd": (_exact(np.nanstd), statistic_dtype, 5),
    "nanvar": (_exact(np.nanvar), statistic_dtype, 5),
    "nanmax": (_exact(np.nanmax), lambda d: d, 5),
    "nanmin": (_exact(np.nanmin), lambda d: d, 5),
    "nanmedian": (_exact(np.nanmedian), statistic_dtype, 5),
}
NAN_DTYPES = ["bool", "int32", "float16", "bfloat16", "float32", "float64"]


def _input(dtype, shape, bound, seed=0, with_nans=False):
    x = reference_input(dtype, shape, seed=seed, low=-bound, high=bound)
    if dtype == "bool" and bound == 1:
        x[0, 0] = True  # so that `all` is true somewhere
    if with_nans and dtype in FLOAT_DTYPES:
        x[0, 0, 0] = x[1, 2, 3] = np.nan
        x[0, 1] = np.nan  # a slice of NaNs only along the last axis
    return x


def _check_reduction(table, name, dtype, axes, with_nans=False):
    reference, dtype_rule, bound = table[name]
    x = _input(dtype, (2, 3, 4), bound, with_nans=with_nans)
    kwargs = {"axis": axes[0], "keepdims": axes[1]}
    # Computed in int64 / float64 and cast back: int sums, products and ranges wrap as in NumPy.
    expected = reference(x, dtype_rule(dtype), **kwargs)
    assert_close(getattr(k_ops, name)(x, **kwargs), expected, dtype=dtype_rule(dtype))


@pytest.mark.parametrize("dtype,axes", rotating(ALL_DTYPES, AXES))
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_matches_numpy(name, dtype, axes):
    if name == "ptp" and dtype == "bool":
        pytest.skip("ptp of bools is an error (tested below)")
    _check_reduction(REDUCTIONS, name, dtype, axes)


@pytest.mark.parametrize("dtype,axes", rotating(NAN_DTYPES, AXES))
@pytest.mark.parametrize("name", sorted(NAN_REDUCTIONS))
def test_nan_reduction_skips_nans(name, dtype, axes):
    _check_reduction(NAN_REDUCTIONS, name, dtype, axes, with_nans=True)


def test_amax_and_amin_are_max_and_min():
    x = _input("float32", (2, 3, 4), 5)
    assert_close(k_ops.amax(x, axis=0), np.amax(x, axis=0), dtype="float32")
    assert_close(k_ops.amin(x, axis=0), np.amin(x, axis=0), dtype="float32")


@pytest.mark.parametrize("name", sorted(REDUCTIONS) + sorted(NAN_REDUCTIONS) + ["amax", "amin"])
def test_reduction_symbolic_matches_eager(name):
    x = _input("float32", (2, 3, 4), 5)
    op = getattr(k_ops, name)
    check_symbolic(op, x, axis=0)
    check_symbolic(op, x, axis=(-1, 1), keepdims=True)
    check_symbolic(op, x.astype("int8"), axis=0)


def test_an_empty_axis_tuple_reduces_nothing():
    # NumPy's reading of axis=(); torch's own dim=() would reduce every axis.
    x = _input("float32", (2, 3, 4), 5, with_nans=True)
    for name in ["sum", "prod", "mean", "var", "max", "all", "count_nonzero", "nansum", "nanmean", "nanstd",
                 "nanmax"]:
        expected = _quietly(getattr(np, name), x, axis=())
        result = getattr(k_ops, name)(x, axis=())
        assert_close(result, expected.astype(dtype_name(result)))


def test_plain_reductions_propagate_nans():
    x = np.array([[np.nan, 1.0, 3.0], [2.0, 0.5, 1.0]], "float32")
    for name in ["sum", "prod", "mean", "std", "var", "max", "min", "median", "ptp"]:
        result = to_numpy(getattr(k_ops, name)(x, axis=1))
        assert np.isnan(result[0]) and not np.isnan(result[1]), name


ARG_AXES = [(None, False), (None, True), (1, False), (-1, True), (0, False)]


@pytest.mark.parametrize("dtype,axes", rotating(ALL_DTYPES, ARG_AXES))
@pytest.mark.parametrize("name", ["argmax", "argmin", "nanargmax", "nanargmin"])
def test_arg_reductions_match_numpy(name, dtype, axes):
    x = reference_input(dtype, (3, 4, 5))
    np_func = getattr(np, name.replace("nan", ""))
    result = getattr(k_ops, name)(x, axis=axes[0], keepdims=axes[1])
    assert_close(result, np_func(x, axis=axes[0], keepdims=axes[1]).astype("int32"), dtype="int32")


def test_arg_reductions_take_the_first_of_ties():
    x = np.array([[1, 3, 3, 0], [2, 2, 0, 0]], "float32")
    assert_close(k_ops.argmax(x, axis=1), [1, 0], dtype="int32")
    assert_close(k_ops.argmin(x, axis=1), [3, 2], dtype="int32")


def test_nanarg_reductions_skip_nans_and_give_minus_one_for_all_nan_slices():
    x = np.array([[np.nan, 1.0, 3.0], [2.0, np.nan, np.nan], [np.nan] * 3], "float32")
    assert_close(k_ops.nanargmax(x, axis=1), [2, 0, -1], dtype="int32")
    assert_close(k_ops.nanargmin(x, axis=1, keepdims=True), [[1], [0], [-1]], dtype="int32")
    assert_close(k_ops.nanargmax(x), 2, dtype="int32")


@pytest.mark.parametrize("name", ["argmax", "argmin", "nanargmax", "nanargmin", "count_nonzero"])
def test_index_ops_symbolic_matches_eager(name):
    x = reference_input("float32", (3, 4, 5))
    op = getattr(k_ops, name)
    check_symbolic(op, x, axis=1)
    if name != "count_nonzero":
        check_symbolic(op, x, keepdims=True)


@pytest.mark.parametrize("dtype,axis", rotating(ALL_DTYPES, [None, 0, -1, (0, 2)]))
def test_count_nonzero_matches_numpy(dtype, axis):
    x = reference_input(dtype, (2, 3, 4), low=-1, high=1)
    assert_close(k_ops.count_nonzero(x, axis=axis),
                 np.asarray(np.count_nonzero(x, axis=axis)).astype("int32"), dtype="int32")


# -- cumulative ops -----------------------------------------------------------
CUMULATIVE = {"cumsum": np.cumsum, "cumprod": np.cumprod, "nancumsum": np.nancumsum,
              "nancumprod": np.nancumprod}


@pytest.mark.parametrize("dtype,axis", rotating(ALL_DTYPES, [None, 0, -1]))
@pytest.mark.parametrize("name", sorted(CUMULATIVE))
def test_cumulative_matches_numpy(name, dtype, axis):
    x = reference_input(dtype, (2, 3, 2), low=-2, high=2)
    if name.startswith("nan") and dtype in FLOAT_DTYPES:
        x[0, 1, 1] = x[1, 0, 0] = np.nan
    expected_dtype = "int32" if dtype == "bool" else dtype
    wide = x.astype("float64" if expected_dtype in FLOAT_DTYPES else "int64")
    expected = CUMULATIVE[name](wide, axis=axis).astype(expected_dtype)
    assert_close(getattr(k_ops, name)(x, axis=axis), expected, dtype=expected_dtype)


@pytest.mark.parametrize("name", sorted(CUMULATIVE))
def test_cumulative_casts_to_the_given_dtype(name):
    x = np.array([[1, 2, 3], [4, 5, 6]], "int8")
    expected = CUMULATIVE[name](x.astype("float64"), axis=1)
    assert_close(getattr(k_ops, name)(x, axis=1, dtype="float32"), expected, dtype="float32")
    assert_close(getattr(k_ops, name)(x, dtype="int64"), CUMULATIVE[name](x.astype("int64")), dtype="int64")


@pytest.mark.parametrize("name", sorted(CUMULATIVE))
def test_cumulative_symbolic_matches_eager(name):
    op = getattr(k_ops, name)
    x = reference_input("int8", (2, 3, 2))
    check_symbolic(op, x)
    check_symbolic(op, x.astype(bool), axis=0, dtype="float16")


# -- quantiles ----------------------------------------------------------------
METHODS = ["linear", "lower", "higher", "midpoint", "nearest"]
QUANTILE_CASES = [(0.5, None, False), ([0.0, 0.3, 1.0], 1, False), (np.array([[0.25], [0.9]]), (0, -1), True),
                  (0.75, -1, True)]


def _check_quantile(dtype, method, case, x=None):
    x = reference_input(dtype, (3, 4, 5)) if x is None else x
    q, axis, keepdims = QUANTILE_CASES[case]
    expected = np.quantile(x.astype("float64"), q, axis=axis, method=method, keepdims=keepdims)
    kwargs = {"axis": axis, "method": method, "keepdims": keepdims}
    assert_close(k_ops.quantile(x, q, **kwargs), expected, dtype=statistic_dtype(dtype))
    assert_close(k_ops.percentile(x, np.asarray(q) * 100, **kwargs), expected, dtype=statistic_dtype(dtype))


@pytest.mark.parametrize("method,case", rotating(METHODS, range(len(QUANTILE_CASES)))
                         + [("linear", c) for c in range(1, len(QUANTILE_CASES))])
def test_quantile_methods_match_numpy(method, case):
    _check_quantile("float32", method, case)


QUANTILE_DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "bfloat16", "float64"]


@pytest.mark.parametrize("dtype,case", rotating(QUANTILE_DTYPES, range(len(QUANTILE_CASES))))
def test_quantile_dtypes_match_numpy(dtype, case):
    _check_quantile(dtype, "linear", case)


def test_quantile_nearest_rounds_half_to_even():
    # 0.5 of 4 values and 0.25 of 3 values fall halfway between two; NumPy takes the even index.
    _check_quantile("float32", "nearest", 0, x=np.array([4.0, 1.0, 3.0, 2.0], "float32"))
    assert_close(k_ops.quantile(np.array([1.0, 2.0, 3.0], "float32"), 0.25, method="nearest"), 1.0)


@pytest.mark.parametrize("method,case", rotating(METHODS, [(0.4, 1), ([0.1, 0.5, 1.0], -1), (0.3, None)]))
def test_nanquantile_matches_numpy(method, case):
    q, axis = case
    x = reference_input("float32", (3, 6))
    x[0, 1] = x[1, 0] = x[1, 4] = np.nan
    if axis is not None:
        x[2] = np.nan
    expected = _quietly(np.nanquantile, x.astype("float64"), q, axis=axis, method=method)
    assert_close(k_ops.nanquantile(x, q, axis=axis, method=method), expected, dtype="float32")
    assert_close(k_ops.nanpercentile(x, np.multiply(q, 100), axis=axis, method=method), expected,
                 dtype="float32")


def test_quantile_of_a_slice_with_nan_is_nan():
    x = np.array([[np.nan, 1.0, 3.0], [2.0, 0.5, 1.0]], "float32")
    result = to_numpy(k_ops.quantile(x, 0.5, axis=1))
    assert np.isnan(result[0]) and result[1] == 1.0


@pytest.mark.parametrize("name", ["quantile", "percentile", "nanquantile", "nanpercentile"])
def test_quantile_symbolic_matches_eager(name):
    op = getattr(k_ops, name)
    x = reference_input("float32", (3, 4, 5))
    check_symbolic(op, x, np.array([0.1, 0.5], "float32"), axis=(0, 2), keepdims=True)
    check_symbolic(op, x.astype("int32"), 0.5, axis=1)


def test_quantile_rejects_bad_q_and_method():
    x = np.ones((2, 3), "float32")
    with pytest.raises(ValueError, match=r"q must lie in \[0, 1\]"):
        k_ops.quantile(x, 1.5)
    with pytest.raises(ValueError, match=r"q must lie in \[0, 100\]"):
        k_ops.percentile(x, [50, -1])
    with pytest.raises(ValueError, match="method must be one of"):
        k_ops.nanquantile(x, 0.5, method="hazen")
    with pytest.raises(ValueError, match="method must be one of"):
        k_ops.percentile(k_ops.KerasTensor((2, 3)), 50, method="closest")


# -- average, corrcoef, trapezoid --------------------------------------------
AVERAGE_CASES = ["axis=None", "axis=0", "axis=-1", "axis=(0, 2)", "1-D weights", "full weights",
                 "full weights, axis=-1"]


@pytest.mark.parametrize("dtype,case", rotating(ALL_DTYPES, AVERAGE_CASES) + [("float16", "1-D weights")])
def test_average_matches_numpy(dtype, case):
    x = reference_input(dtype, (2, 3, 4))
    wide = x.astype("float64")
    weighted_dtype = dtypes.result_type(dtype, "float32", float)
    if case.startswith("axis"):
        axis = eval(case.split("=")[1])
        assert_close(k_ops.average(x, axis=axis), np.average(wide, axis=axis), dtype=statistic_dtype(dtype))
    elif case == "1-D weights":
        w = np.array([1.0, 2.0, 0.5], "float32")
        assert_close(k_ops.average(x, axis=1, weights=w), np.average(wide, axis=1, weights=w),
                     dtype=weighted_dtype)
    else:
        axis = -1 if case.endswith("-1") else None
        w = reference_input("float32", (2, 3, 4), seed=3, low=0.5, high=2)
        assert_close(k_ops.average(x, axis=axis, weights=w), np.average(wide, axis=axis, weights=w),
                     dtype=weighted_dtype)


def test_average_promotes_with_weights():
    x = np.ones((2, 3), "int32")
    assert dtype_name(k_ops.average(x, axis=1, weights=np.ones(3, "int8"))) == "float32"
    assert dtype_name(k_ops.average(x, axis=1, weights=np.ones(3, "float64"))) == "float64"
    assert dtype_name(k_ops.average(x.astype("float16"), axis=1, weights=np.ones(3, "int32"))) == "float16"


def test_average_rejects_mismatched_weights():
    x = np.ones((2, 3), "float32")
    with pytest.raises(ValueError, match=r"weights must have x's shape \(2, 3\)"):
        k_ops.average(x, weights=np.ones(3, "float32"))
    with pytest.raises(ValueError, match=r"x.shape\[axis\] = 3 entries"):
        k_ops.average(x, axis=1, weights=np.ones(2, "float32"))
    with pytest.raises(ValueError, match="average: 1-D weights"):
        k_ops.average(k_ops.KerasTensor((2, 3)), axis=1, weights=k_ops.KerasTensor((2,)))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_corrcoef_matches_numpy(dtype):
    x = reference_input(dtype, (3, 6), seed=4)
    out = "float64" if dtype == "int64" else statistic_dtype(dtype)
    assert_close(k_ops.corrcoef(x), _quietly(np.corrcoef, x.astype("float64")), dtype=out,
                 rtol=4e-2 if dtype == "bfloat16" else None)


def test_corrcoef_of_one_variable_is_one():
    assert_close(k_ops.corrcoef(np.array([1.0, 2.0, 4.0], "float32")), 1.0, dtype="float32")
    assert_close(k_ops.corrcoef(np.array([1, 2, 4], "int64")), 1.0, dtype="float64")


def test_corrcoef_rejects_rank_3():
    with pytest.raises(ValueError, match=r"1-D or 2-D x .* shape \(2, 2, 2\)"):
        k_ops.corrcoef(np.ones((2, 2, 2), "float32"))
    with pytest.raises(ValueError, match="corrcoef: corrcoef expects"):
        k_ops.corrcoef(k_ops.KerasTensor((2, 2, 2)))


TRAPEZOID_CASES = ["default", "dx=0.5, axis=0", "1-D x, axis=1", "full x"]


@pytest.mark.parametrize("dtype,case", rotating(ALL_DTYPES, TRAPEZOID_CASES))
def test_trapezoid_matches_numpy(dtype, case):
    y = reference_input(dtype, (2, 3, 4))
    wide = y.astype("float64")
    if case == "default":
        assert_close(k_ops.trapezoid(y), np.trapezoid(wide), dtype=statistic_dtype(dtype))
    elif case == "dx=0.5, axis=0":
        assert_close(k_ops.trapezoid(y, dx=0.5, axis=0), np.trapezoid(wide, dx=0.5, axis=0),
                     dtype=statistic_dtype(dtype))
    elif case == "1-D x, axis=1":
        points = np.array([0.0, 1.0, 3.0], "float32")
        assert_close(k_ops.trapezoid(y, x=points, axis=1), np.trapezoid(wide, x=points, axis=1),
                     dtype=dtypes.result_type(dtype, "float32", float))
    else:
        grid = np.cumsum(reference_input("float32", (2, 3, 4), seed=5, low=0.1, high=1), axis=-1)
        assert_close(k_ops.trapezoid(y, x=grid), np.trapezoid(wide, x=grid.astype("float64")),
                     dtype=dtypes.result_type(dtype, "float32", float))


def test_trapezoid_of_one_point_is_zero():
    assert_close(k_ops.trapezoid(np.ones((3, 1), "float32")), np.zeros(3), dtype="float32")


def test_statistics_symbolic_match_eager():
    x = reference_input("float32", (2, 3, 4))
    check_symbolic(k_ops.average, x, axis=1, weights=np.ones(3, "float64"))
    check_symbolic(k_ops.average, x.astype("int8"), axis=(0, 2))
    check_symbolic(k_ops.average, x, weights=x)
    check_symbolic(k_ops.corrcoef, x[0])
    check_symbolic(k_ops.corrcoef, x[0, 0].astype("int64"))
    check_symbolic(k_ops.trapezoid, x)
    check_symbolic(k_ops.trapezoid, x.astype("float16"), x=np.arange(2, dtype="float32"), axis=0)
    check_symbolic(k_ops.trapezoid, x, x=x.astype("float64"), axis=-1)
    check_symbolic(k_ops.prod, x.astype("int8"), axis=0, dtype="float16")
    check_symbolic(k_ops.max, x, axis=1, initial=1.0)


# -- dtype arguments, initial, scalars ---------------------------------------
def test_prod_computes_in_the_given_dtype():
    x = np.array([[1, 2, 3], [4, 5, 6]], "int8")
    assert_close(k_ops.prod(x, axis=1, dtype="float32"), [6.0, 120.0], dtype="float32")
    assert_close(k_ops.prod(x, dtype="int64"), 720, dtype="int64")


def test_max_and_min_include_initial():
    x = np.array([[1.0, 5.0], [-3.0, 2.0]], "float32")
    assert_close(k_ops.max(x, axis=1, initial=3.0), [5.0, 3.0], dtype="float32")
    assert_close(k_ops.min(x, axis=0, initial=0), [-3.0, 0.0], dtype="float32")
    assert_close(k_ops.max(x.astype("int32"), initial=7), 7, dtype="int32")
    assert_close(k_ops.max(np.zeros((0, 2), "float32"), axis=0, initial=1.5), [1.5, 1.5], dtype="float32")


def test_python_scalars_and_lists():
    assert_close(k_ops.sum([1, 2, 3]), 6, dtype="int32")
    assert_close(k_ops.sum([True, True]), 2, dtype="int32")
    assert_close(k_ops.mean(3), 3.0, dtype="float32")
    assert_close(k_ops.max([[1.5, 2.5]], axis=-1), [2.5], dtype="float32")
    assert_close(k_ops.argmax(2.0), 0, dtype="int32")
    assert_close(k_ops.cumsum(4), [4], dtype="int32")


def test_variables_and_backend_tensors_are_accepted(backend):
    v = Variable(np.array([[1.0, 4.0], [2.0, 3.0]], "float32"))
    assert_close(k_ops.sum(v, axis=0), [3.0, 7.0], dtype="float32")
    assert_close(k_ops.argmax(v, axis=1), [1, 1], dtype="int32")
    assert_close(k_ops.quantile(v, 0.5), 2.5, dtype="float32")
    assert_close(k_ops.average(v, axis=1, weights=Variable(np.array([1.0, 3.0], "float32"))), [3.25, 2.75])
    x = backend.core.convert_to_tensor(np.array([3, 1, 2], "int8"))
    assert_close(k_ops.cumsum(x), [3, 4, 6], dtype="int8")
    assert_close(k_ops.median(x), 2.0, dtype="float32")


def test_statistics_of_ints_follow_floatx():
    k_backends.set_floatx("float64")
    x = np.array([1, 2, 4], "int32")
    for name in ["mean", "std", "var", "median", "nanmean", "average", "trapezoid"]:
        assert dtype_name(getattr(k_ops, name)(x)) == "float64", name
    assert dtype_name(k_ops.quantile(x, 0.5)) == "float64"
    assert k_ops.mean(k_ops.KerasTensor((3,), "int32")).dtype == "float64"


def test_half_precision_sums_accumulate_in_float32():
    x = np.full(4096, 0.1, "float32")
    for dtype in ["float16", "bfloat16"]:
        half = numpy_dtype(dtype)
        assert_close(k_ops.sum(x.astype(half)), np.sum(x.astype(half).astype("float64")), dtype=dtype)
        assert_close(k_ops.mean(x.astype(half)), np.mean(x.astype(half).astype("float64")), dtype=dtype)


# -- empty inputs -------------------------------------------------------------
def test_reductions_of_empty_slices_give_identities():
    empty = np.zeros((0, 3), "float32")
    assert_close(k_ops.sum(empty), 0.0, dtype="float32")
    assert_close(k_ops.sum(empty, axis=0), np.zeros(3), dtype="float32")
    assert_close(k_ops.prod(empty, axis=0, keepdims=True), np.ones((1, 3)), dtype="float32")
    assert_close(k_ops.prod(empty.astype("int8")), 1, dtype="int32")
    assert_close(k_ops.all(empty), True, dtype="bool")
    assert_close(k_ops.any(empty, axis=0), np.zeros(3, bool), dtype="bool")
    assert_close(k_ops.count_nonzero(empty, axis=0), np.zeros(3), dtype="int32")
    assert_close(k_ops.cumsum(empty), np.zeros(0), dtype="float32")
    assert np.isnan(to_numpy(k_ops.mean(empty)))
    assert np.all(np.isnan(to_numpy(k_ops.var(empty, axis=0))))


def test_reducing_zero_size_dims_that_are_not_reduced():
    empty = np.zeros((0, 3), "float32")
    for name in ["max", "min", "argmax", "argmin", "ptp", "median", "nanmax", "nanargmin", "std"]:
        result = getattr(k_ops, name)(empty, axis=1)
        assert to_numpy(result).shape == (0,), name


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin", "argmax", "argmin", "ptp", "median",
                                  "nanmax", "nanmin", "nanargmax", "nanargmin", "nanmedian"])
def test_ops_without_identity_reject_empty_slices(name):
    reported = name[1:] if name in ("amax", "amin") else name  # aliases report the op they run
    with pytest.raises(ValueError, match=f"{reported} of an empty slice: x has shape \\(0, 3\\)"):
        getattr(k_ops, name)(np.zeros((0, 3), "float32"))
    with pytest.raises(ValueError, match="of an empty slice"):
        getattr(k_ops, name)(np.zeros((0, 3), "float32"), axis=0)


def test_quantile_rejects_empty_slices():
    with pytest.raises(ValueError, match="quantile of an empty slice"):
        k_ops.quantile(np.zeros((2, 0), "float32"), 0.5, axis=1)


# -- bad arguments --------------------------------------------------------------
def test_ptp_rejects_bools():
    with pytest.raises(TypeError, match="ptp is not defined for bool"):
        k_ops.ptp(np.array([True, False]))
    with pytest.raises(TypeError, match="ptp is not defined for bool"):
        k_ops.ptp(k_ops.KerasTensor((2,), "bool"))


@pytest.mark.parametrize("name", ["argmax", "nanargmin", "cumsum", "nancumprod"])
def test_single_axis_ops_reject_tuples(name):
    with pytest.raises(TypeError, match=r"axis must be None or an int; got axis=\(0, 1\)"):
        getattr(k_ops, name)(np.ones((2, 3), "float32"), axis=(0, 1))
    with pytest.raises(TypeError, match=r"axis must be None or an int"):
        getattr(k_ops, name)(k_ops.KerasTensor((2, 3)), axis=(0, 1))


@pytest.mark.parametrize("name", ["sum", "mean", "max", "std", "all", "quantile", "argmax", "cumsum"])
def test_axis_out_of_range_is_an_error(name):
    op = getattr(k_ops, name)
    args = (0.5,) if name == "quantile" else ()
    with pytest.raises(ValueError, match="out of range for a tensor of rank 2"):
        op(k_ops.KerasTensor((2, 3)), *args, axis=2)
    with pytest.raises(Exception):  # noqa: B017 -- each framework raises its own error type eagerly
        op(np.ones((2, 3), "float32"), *args, axis=2)


def test_repeated_axis_is_a_symbolic_error():
    with pytest.raises(ValueError, match=r"sum: repeated axis in axis=\(1, -1\)"):
        k_ops.sum(k_ops.KerasTensor((2, 3)), axis=(1, -1))
