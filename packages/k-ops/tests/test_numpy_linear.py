import math

import numpy as np
import pytest

import k_ops
from k_backends import dtypes
from k_ops.symbolic import KerasTensor

from conftest import ALL_DTYPES, RTOL, assert_close, check_symbolic, dtype_name, reference_input, to_numpy


def _int8_accumulates_in_int32(dtype):
    return "int32" if dtype == "int8" else dtype


# name: (x1 shape, x2 shape, call, NumPy reference, result dtype for operands of one dtype)
PRODUCTS = {
    "matmul": ((2, 4, 3), (3, 5), k_ops.matmul, np.matmul, _int8_accumulates_in_int32),
    "dot": ((2, 3, 4), (5, 4, 2), k_ops.dot, np.dot, None),
    "tensordot": ((2, 3, 4), (3, 4, 5), k_ops.tensordot, np.tensordot, None),
    "einsum": ((2, 3), (3, 4), lambda a, b: k_ops.einsum("ij,jk->ki", a, b),
               lambda a, b: np.einsum("ij,jk->ki", a, b), _int8_accumulates_in_int32),
    "inner": ((2, 4), (3, 4), k_ops.inner, np.inner, None),
    "outer": ((2, 2), (3,), k_ops.outer, np.outer, None),
    "vdot": ((2, 3), (3, 2), k_ops.vdot, np.vdot, None),
    "kron": ((2, 3), (3, 1, 2), k_ops.kron, np.kron, None),
}


def _reference(reference, a, b, dtype, result_dtype):
    """NumPy's answer in float64 (ints: in int64, then wrapped to the result dtype like the op)."""
    if dtype == "bool":
        return reference(a, b)
    if dtype in ("float16", "bfloat16", "float32", "float64"):
        return reference(a.astype("float64"), b.astype("float64"))
    return reference(a.astype("int64"), b.astype("int64")).astype(result_dtype)


def _float_atol(reference, a, b, dtype):
    """Absolute tolerance for sums of products: the dtype's rtol times the largest |term| sum."""
    if dtype not in RTOL:
        return None
    return RTOL[dtype] * max(1.0, float(np.max(reference(np.abs(a.astype("float64")),
                                                         np.abs(b.astype("float64"))), initial=0)))


@pytest.mark.parametrize("name", sorted(PRODUCTS))
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_products_match_numpy(name, dtype):
    shape1, shape2, op, reference, result_rule = PRODUCTS[name]
    a = reference_input(dtype, shape1, seed=1, low=-3, high=3)
    b = reference_input(dtype, shape2, seed=2, low=-3, high=3)
    result_dtype = result_rule(dtype) if result_rule else dtype
    expected = _reference(reference, a, b, dtype, result_dtype)
    assert_close(op(a, b), expected, dtype=result_dtype, atol=_float_atol(reference, a, b, dtype))


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_products_symbolic_match_eager(name):
    shape1, shape2, op, _, _ = PRODUCTS[name]
    check_symbolic(op, np.ones(shape1, "float32"), np.ones(shape2, "int8"))


def test_matmul_of_int8_accumulates_in_int32():
    a, b = np.full((2, 3), 100, "int8"), np.full((3, 2), 100, "int8")
    assert_close(k_ops.matmul(a, b), np.full((2, 2), 30000), dtype="int32")
    check_symbolic(k_ops.matmul, a, b)


def test_einsum_of_int8_accumulates_in_int32_only_when_all_are_int8():
    a, b = np.full((2, 3), 100, "int8"), np.full((3, 2), 100, "int8")
    assert_close(k_ops.einsum("ij,jk->ik", a, b), np.full((2, 2), 30000), dtype="int32")
    assert dtype_name(k_ops.einsum("ij,jk->ik", a, b.astype("uint8"))) == "int16"
    assert dtype_name(k_ops.matmul(a, b.astype("uint8"))) == "int16"
    assert dtype_name(k_ops.dot(a, b)) == "int8"  # dot keeps the promoted dtype, as in Keras


# (op, args, kwargs, NumPy reference taking the same arguments)
def _f(*shape, seed=0):
    return reference_input("float64", shape, seed=seed, low=-2, high=2)


CASES = [
    ("matmul vector-vector", k_ops.matmul, (_f(3), _f(3, seed=1)), {}, np.matmul),
    ("matmul vector-matrix", k_ops.matmul, (_f(3), _f(2, 3, 4)), {}, np.matmul),
    ("matmul matrix-vector", k_ops.matmul, (_f(2, 4, 3), _f(3)), {}, np.matmul),
    ("matmul batch broadcast", k_ops.matmul, (_f(2, 1, 4, 3), _f(5, 3, 2)), {}, np.matmul),
    ("dot scalar", k_ops.dot, (np.float64(2.5), _f(2, 3)), {}, np.dot),
    ("dot vectors", k_ops.dot, (_f(4), _f(4, seed=1)), {}, np.dot),
    ("dot nd-vector", k_ops.dot, (_f(2, 3, 4), _f(4)), {}, np.dot),
    ("dot vector-nd", k_ops.dot, (_f(3), _f(2, 3, 4)), {}, np.dot),
    ("dot matrices", k_ops.dot, (_f(2, 3), _f(3, 4)), {}, np.dot),
    ("tensordot axes=0", k_ops.tensordot, (_f(2, 3), _f(4)), {"axes": 0}, np.tensordot),
    ("tensordot axes=1", k_ops.tensordot, (_f(2, 3), _f(3, 4)), {"axes": 1}, np.tensordot),
    ("tensordot lists", k_ops.tensordot, (_f(2, 3, 4), _f(4, 5, 3)), {"axes": [[1, 2], [2, 0]]},
     np.tensordot),
    ("tensordot ints", k_ops.tensordot, (_f(2, 3, 4), _f(4, 5)), {"axes": (2, 0)}, np.tensordot),
    ("tensordot negative", k_ops.tensordot, (_f(2, 3, 4), _f(4, 3)), {"axes": ([-1, -2], [0, 1])},
     np.tensordot),
    ("inner scalar", k_ops.inner, (_f(2, 3), np.float64(3.0)), {}, np.inner),
    ("inner vectors", k_ops.inner, (_f(3), _f(3, seed=1)), {}, np.inner),
    ("outer scalars", k_ops.outer, (np.float64(2.0), _f(3)), {}, np.outer),
    ("vdot vectors", k_ops.vdot, (_f(5), _f(5, seed=1)), {}, np.vdot),
    ("kron vectors", k_ops.kron, (_f(2), _f(3)), {}, np.kron),
    ("kron 3d", k_ops.kron, (_f(2, 1, 3), _f(2, 2)), {}, np.kron),
    ("cross 3d", k_ops.cross, (_f(4, 3), _f(4, 3, seed=1)), {}, np.cross),
    ("cross broadcast", k_ops.cross, (_f(2, 1, 3), _f(5, 3)), {}, np.cross),
    ("cross 2d", k_ops.cross, (_f(4, 2), _f(4, 2, seed=1)), {}, None),
    ("cross 2d-3d", k_ops.cross, (_f(4, 2), _f(4, 3, seed=1)), {}, None),
    ("cross axes", k_ops.cross, (_f(3, 4), _f(4, 3)), {"axisa": 0, "axisb": 1, "axisc": 0}, np.cross),
    ("cross axis", k_ops.cross, (_f(2, 3, 2), _f(2, 3, 2, seed=1)), {"axis": 1}, np.cross),
    ("diff", k_ops.diff, (_f(3, 5),), {}, np.diff),
    ("diff n=2 axis=0", k_ops.diff, (_f(4, 3),), {"n": 2, "axis": 0}, np.diff),
    ("diff n=0", k_ops.diff, (_f(4, 3),), {"n": 0}, np.diff),
    ("diff n beyond size", k_ops.diff, (_f(2, 3),), {"n": 5, "axis": -2}, np.diff),
    ("slogdet", k_ops.slogdet, (_f(3, 3),), {}, np.linalg.slogdet),
    ("slogdet batch", k_ops.slogdet, (_f(2, 4, 4),), {}, np.linalg.slogdet),
    ("slogdet singular", k_ops.slogdet, (np.ones((3, 3)),), {}, np.linalg.slogdet),
    ("slogdet negative", k_ops.slogdet, (np.diag([2.0, -3.0]),), {}, np.linalg.slogdet),
]
for _n1, _n2 in ((5, 3), (3, 5), (6, 4), (4, 6), (5, 2), (2, 5), (4, 4), (1, 1), (1, 4)):
    for _mode in ("valid", "same", "full"):
        CASES.append((f"correlate {_n1}x{_n2} {_mode}", k_ops.correlate, (_f(_n1), _f(_n2, seed=1)),
                      {"mode": _mode}, np.correlate))
EINSUMS = [
    ("ij,jk->ik", (2, 3), (3, 4)),
    ("ij,jk", (2, 3), (3, 4)),
    ("ba", (2, 3)),
    ("ii", (3, 3)),
    ("ii->i", (3, 3)),
    ("...ij,...jk->...ik", (2, 1, 2, 3), (4, 3, 5)),
    ("...ij,jk", (2, 2, 3), (3, 4)),
    ("i...,i->...", (3, 2, 5), (3,)),
    ("bi,bj,bk->bijk", (2, 3), (2, 2), (2, 4)),
    ("i,i->i", (1,), (3,)),
    (" ij , jk -> ik ", (2, 3), (3, 4)),
    ("ij->", (2, 3)),
    ("Ba,aC", (2, 3), (3, 4)),
]
for _sub, *_shapes in EINSUMS:
    CASES.append((f"einsum {_sub!r}", k_ops.einsum,
                  (_sub, *[_f(*s, seed=i) for i, s in enumerate(_shapes)]), {}, np.einsum))


def _numpy_cross(a, b, **kwargs):
    """NumPy 2 deprecates 2-component vectors in np.cross; pad them with a zero z."""
    def pad(v):
        return np.concatenate([v, np.zeros(v.shape[:-1] + (1,))], -1) if v.shape[-1] == 2 else v
    out = np.cross(pad(a), pad(b))
    return out[..., 2] if a.shape[-1] == 2 and b.shape[-1] == 2 else out


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_numpy(case):
    _, op, args, kwargs, reference = case
    expected = (reference or _numpy_cross)(*args, **kwargs)
    result = op(*args, **kwargs)
    if isinstance(expected, tuple) or type(expected).__name__ == "SlogdetResult":
        for r, e in zip(result, expected, strict=True):
            assert_close(r, e, dtype="float64")
    else:
        assert_close(result, expected, dtype="float64")
    # The same arguments as KerasTensors predict the eager shapes and dtypes.
    check_symbolic(op, *args, **kwargs)


ZERO_SIZE = [
    ("matmul (0, 3) @ (3, 4)", lambda: k_ops.matmul(np.ones((0, 3)), np.ones((3, 4))), np.zeros((0, 4))),
    ("matmul (2, 0) @ (0, 3)", lambda: k_ops.matmul(np.ones((2, 0)), np.ones((0, 3))), np.zeros((2, 3))),
    ("dot (2, 0) . (0,)", lambda: k_ops.dot(np.ones((2, 0)), np.ones((0,))), np.zeros((2,))),
    ("tensordot empty", lambda: k_ops.tensordot(np.ones((2, 0)), np.ones((0, 3)), 1), np.zeros((2, 3))),
    ("einsum empty", lambda: k_ops.einsum("ij,jk->ik", np.ones((2, 0)), np.ones((0, 3))), np.zeros((2, 3))),
    ("inner empty", lambda: k_ops.inner(np.ones((0, 2)), np.ones((3, 2))), np.zeros((0, 3))),
    ("outer empty", lambda: k_ops.outer(np.ones((0,)), np.ones((3,))), np.zeros((0, 3))),
    ("vdot empty", lambda: k_ops.vdot(np.ones((0,)), np.ones((0,))), np.zeros(())),
    ("kron empty", lambda: k_ops.kron(np.ones((0, 2)), np.ones((3, 2))), np.zeros((0, 4))),
    ("cross empty", lambda: k_ops.cross(np.ones((0, 3)), np.ones((0, 3))), np.zeros((0, 3))),
    ("diff empty", lambda: k_ops.diff(np.ones((3, 0))), np.zeros((3, 0))),
    ("slogdet empty batch", lambda: k_ops.slogdet(np.ones((0, 2, 2)))[1], np.zeros((0,))),
]


@pytest.mark.parametrize("case", ZERO_SIZE, ids=[c[0] for c in ZERO_SIZE])
def test_zero_size_dimensions(case):
    _, call, expected = case
    assert_close(call(), expected, dtype="float64")


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int32", "int64", "float16", "bfloat16",
                                   "float32", "float64"])
def test_diff_keeps_dtype(dtype):
    x = reference_input(dtype, (2, 5), seed=3)
    expected = np.diff(x) if dtype == "bool" else np.diff(x.astype("float64"))
    if dtype in ("uint8", "int8"):
        expected = np.diff(x.astype("int64")).astype(dtype)  # wraps around, as NumPy's does
    assert_close(k_ops.diff(x), expected, dtype=dtype)
    check_symbolic(k_ops.diff, x)


@pytest.mark.parametrize("dtype, expected", [
    ("bool", "float32"), ("int8", "float32"), ("uint8", "float32"), ("int32", "float32"),
    ("int64", "float64"), ("float16", "float16"), ("bfloat16", "bfloat16"), ("float64", "float64")])
def test_correlate_dtypes(dtype, expected):
    a, b = reference_input(dtype, (5,), seed=1), reference_input(dtype, (3,), seed=2)
    result = k_ops.correlate(a, b, mode="full")
    assert_close(result, np.correlate(a.astype("float64"), b.astype("float64"), "full"), dtype=expected)
    check_symbolic(k_ops.correlate, a, b, mode="full")


@pytest.mark.parametrize("dtype, expected", [
    ("int32", "float32"), ("bool", "float32"), ("float16", "float16"), ("bfloat16", "bfloat16"),
    ("float32", "float32")])
def test_slogdet_dtypes(dtype, expected):
    x = np.array([[3, 1], [1, 2]]).astype(reference_input(dtype, (1,)).dtype) if dtype != "bool" \
        else np.eye(2, dtype=bool)
    sign, logabsdet = k_ops.slogdet(x)
    ref_sign, ref_log = np.linalg.slogdet(x.astype("float64"))
    assert_close(sign, ref_sign, dtype=expected)
    assert_close(logabsdet, ref_log, dtype=expected, atol=RTOL[expected])
    check_symbolic(k_ops.slogdet, x)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32", "float16", "float32"])
def test_cross_dtypes(dtype):
    a, b = reference_input(dtype, (4, 3), seed=1), reference_input(dtype, (4, 3), seed=2)
    expected = np.cross(a.astype("int64" if dtype in ("uint8", "int8", "int32") else "float64"),
                        b.astype("int64" if dtype in ("uint8", "int8", "int32") else "float64"))
    assert_close(k_ops.cross(a, b), expected.astype(dtype) if dtype in ("uint8", "int8") else expected,
                 dtype=dtype, atol=RTOL.get(dtype, 0) * 50)


def test_operands_of_mixed_kinds_promote():
    assert_close(k_ops.dot([1, 2], [3, 4]), np.array(11), dtype="int32")
    assert_close(k_ops.outer(np.array([1, 2], "int8"), 2.5), np.array([[2.5], [5.0]]), dtype="float32")
    assert_close(k_ops.tensordot(np.ones((2, 3), "float16"), np.ones((3,), "int64"), 1),
                 np.full((2,), 3.0), dtype="float16")


# -- symbolic shapes and errors ---------------------------------------------------------------------
def test_symbolic_shapes_with_unknown_dimensions():
    kt = KerasTensor
    assert k_ops.matmul(kt((None, 3)), kt((3, 4))).shape == (None, 4)
    assert k_ops.matmul(kt((None, 1, 2, 3)), kt((5, 3, None))).shape == (None, 5, 2, None)
    assert k_ops.matmul(kt((3,)), kt((None, 3, 4))).shape == (None, 4)
    assert k_ops.matmul(kt((None, None)), kt((7,))).shape == (None,)
    assert k_ops.dot(kt((None, 3)), kt((3, 4))).shape == (None, 4)
    assert k_ops.tensordot(kt((None, 3, 4)), kt((4, None)), axes=1).shape == (None, 3, None)
    assert k_ops.einsum("bij,bjk->bik", kt((None, 2, 3)), kt((None, 3, 4))).shape == (None, 2, 4)
    assert k_ops.einsum("...i,i", kt((None, 2, 3)), kt((None,))).shape == (None, 2)
    assert k_ops.outer(kt((None, 2)), kt((3,))).shape == (None, 3)
    assert k_ops.kron(kt((None, 2)), kt((3, 3))).shape == (None, 6)
    assert k_ops.diff(kt((None, 5)), n=2).shape == (None, 3)
    assert k_ops.correlate(kt((None,)), kt((3,))).shape == (None,)
    sign, logabsdet = k_ops.slogdet(kt((None, 3, 3)))
    assert sign.shape == logabsdet.shape == (None,)
    assert k_ops.cross(kt((None, 3)), kt((3,))).shape == (None, 3)


SYMBOLIC_ERRORS = [
    (lambda kt: k_ops.matmul(kt((2, 3)), kt((4, 5))), ValueError,
     r"matmul: incompatible shapes \(2, 3\) and \(4, 5\)"),
    (lambda kt: k_ops.matmul(kt((3,)), kt((4,))), ValueError, r"incompatible shapes \(3,\) and \(4,\)"),
    (lambda kt: k_ops.matmul(kt((2, 2, 3)), kt((4, 3, 5))), ValueError,
     r"incompatible shapes \(2, 2, 3\) and \(4, 3, 5\).*batch"),
    (lambda kt: k_ops.matmul(kt(()), kt((3,))), ValueError, "matmul: operands need rank 1 or more"),
    (lambda kt: k_ops.dot(kt((2, 3)), kt((4, 5))), ValueError, r"dot: incompatible shapes \(2, 3\)"),
    (lambda kt: k_ops.tensordot(kt((2, 3)), kt((4, 5)), axes=1), ValueError, r"sizes differ"),
    (lambda kt: k_ops.tensordot(kt((2, 3)), kt((3,)), axes=3), ValueError, r"axes=3"),
    (lambda kt: k_ops.tensordot(kt((2, 3)), kt((3, 4)), axes=([1], [0, 1])), ValueError, "as many axes"),
    (lambda kt: k_ops.tensordot(kt((2, 3)), kt((3,)), axes=([5], [0])), ValueError, "out of range"),
    (lambda kt: k_ops.einsum("ij,jk->ik", kt((2, 3))), ValueError, "1 were given"),
    (lambda kt: k_ops.einsum("ij,jk->ik", kt((2, 3)), kt((4, 5))), ValueError, "label 'j'"),
    (lambda kt: k_ops.einsum("ij->ik", kt((2, 3))), ValueError, "output label 'k'"),
    (lambda kt: k_ops.einsum("ijk", kt((2, 3))), ValueError, "names 3 dimensions"),
    (lambda kt: k_ops.einsum("i1", kt((2, 3))), ValueError, "only hold letters"),
    (lambda kt: k_ops.einsum("ij", kt((2, 3)), foo=1), TypeError, "foo"),
    (lambda kt: k_ops.inner(kt((2, 3)), kt((4,))), ValueError, "inner"),
    (lambda kt: k_ops.vdot(kt((2, 3)), kt((4,))), ValueError, "same size"),
    (lambda kt: k_ops.cross(kt((2, 4)), kt((2, 3))), ValueError, "2 or 3 components"),
    (lambda kt: k_ops.cross(kt((3,), "bool"), kt((3,), "bool")), TypeError, "bool"),
    (lambda kt: k_ops.diff(kt(())), ValueError, "rank 1 or more"),
    (lambda kt: k_ops.diff(kt((3,)), n=-1), ValueError, "n=-1"),
    (lambda kt: k_ops.diff(kt((3,)), axis=2), ValueError, "axis=2"),
    (lambda kt: k_ops.correlate(kt((2, 3)), kt((3,))), ValueError, "1-D"),
    (lambda kt: k_ops.correlate(kt((3,)), kt((3,)), mode="wide"), ValueError, "mode='wide'"),
    (lambda kt: k_ops.slogdet(kt((2, 3))), ValueError, "square"),
]


@pytest.mark.parametrize("index", range(len(SYMBOLIC_ERRORS)))
def test_symbolic_errors_are_clear(index):
    call, error, message = SYMBOLIC_ERRORS[index]
    with pytest.raises(error, match=message):
        call(KerasTensor)


EAGER_ERRORS = [
    (lambda: k_ops.tensordot(np.ones((2, 3)), np.ones((4,)), axes=1), ValueError, "sizes differ"),
    (lambda: k_ops.tensordot(np.ones((2, 3)), np.ones((3,)), axes="x"), ValueError, "axes='x'"),
    (lambda: k_ops.einsum("ij,jk", np.ones((2, 3)), np.ones((4, 5))), ValueError, "label 'j'"),
    (lambda: k_ops.einsum("ij", np.ones((2, 3)), dtype="float32"), TypeError, "dtype"),
    (lambda: k_ops.cross(np.ones(4), np.ones(3)), ValueError, "2 or 3 components"),
    (lambda: k_ops.cross(np.ones(3, bool), np.ones(3, bool)), TypeError, "bool"),
    (lambda: k_ops.diff(np.ones(3), n=1.5), ValueError, "n=1.5"),
    (lambda: k_ops.diff(np.float32(3.0)), ValueError, "rank 1 or more"),
    (lambda: k_ops.correlate(np.ones(3), np.ones(2), mode="wide"), ValueError, "mode='wide'"),
    (lambda: k_ops.correlate(np.ones((2, 3)), np.ones(2)), ValueError, "1-D"),
    (lambda: k_ops.correlate(np.ones(0), np.ones(2)), ValueError, "non-empty"),
    (lambda: k_ops.slogdet(np.ones((2, 3))), ValueError, "square"),
    (lambda: k_ops.vdot(np.ones((2, 3)), np.ones(4)), ValueError, "same size"),
    (lambda: k_ops.vectorize(3), TypeError, "callable"),
    (lambda: k_ops.vectorize(abs, signature="(n)->"), ValueError, "signature"),
    (lambda: k_ops.vectorize(abs, excluded={1.5}), TypeError, "excluded"),
]


@pytest.mark.parametrize("index", range(len(EAGER_ERRORS)))
def test_eager_errors_are_clear(index):
    call, error, message = EAGER_ERRORS[index]
    with pytest.raises(error, match=message):
        call()


# -- vectorize --------------------------------------------------------------------------------------
def test_vectorize_elementwise_broadcasts():
    f = k_ops.vectorize(lambda a, b: k_ops.add(k_ops.multiply(a, 2.0), b))
    a, b = _f(2, 3), _f(3, seed=1)
    assert_close(f(a, b), 2 * a + b, dtype="float64")


def test_vectorize_with_signature():
    norm2 = k_ops.vectorize(lambda u, v: k_ops.dot(u, v), signature="(n),(n)->()")
    a, b = _f(4, 3), _f(3, seed=1)
    assert_close(norm2(a, b), a @ b, dtype="float64")
    rows = k_ops.vectorize(lambda m: k_ops.matmul(m, m), signature="(n,n)->(n,n)")
    m = _f(2, 3, 3)
    assert_close(rows(m), m @ m, dtype="float64")


def test_vectorize_excluded_and_keyword_arguments():
    scale = k_ops.vectorize(lambda x, factor, offset=0.0: k_ops.add(k_ops.multiply(x, factor), offset),
                            excluded={1})
    x = _f(3)
    assert_close(scale(x, 3.0), 3 * x, dtype="float64")
    # Keyword arguments are vectorized unless excluded by name, as in NumPy.
    offsets = np.array([1.0, 2.0, 3.0])
    assert_close(scale(x, 2.0, offset=offsets), 2 * x + offsets, dtype="float64")
    fixed = k_ops.vectorize(lambda x, offset: k_ops.add(x, offset), excluded={"offset"})
    assert_close(fixed(x, offset=1.0), x + 1.0, dtype="float64")


def test_vectorize_tuple_outputs():
    both = k_ops.vectorize(lambda v: (k_ops.dot(v, v), k_ops.multiply(v, 2.0)), signature="(n)->(),(n)")
    x = _f(2, 3)
    squares, doubled = both(x)
    assert_close(squares, np.sum(x * x, -1), dtype="float64")
    assert_close(doubled, 2 * x, dtype="float64")


def test_vectorize_symbolic():
    f = k_ops.vectorize(lambda u, v: k_ops.dot(u, v), signature="(n),(n)->()")
    out = f(KerasTensor((None, 5, 3)), KerasTensor((3,)))
    assert out.shape == (None, 5) and out.dtype == "float32"


def test_vectorize_errors_on_bad_calls():
    f = k_ops.vectorize(lambda u, v: k_ops.dot(u, v), signature="(n),(n)->()")
    with pytest.raises(ValueError, match="core dimension 'n'"):
        f(np.ones((2, 3)), np.ones(4))
    with pytest.raises(ValueError, match="2 input"):
        f(np.ones((2, 3)))
    with pytest.raises(ValueError, match="empty loop"):
        f(np.ones((0, 3)), np.ones(3))


def test_docstring_examples():
    assert_close(k_ops.diff([1, 4, 9, 16]), np.array([3, 5, 7]), dtype="int32")
    assert_close(k_ops.correlate([1, 2, 3], [0, 1, 0.5]), np.array([3.5]), dtype="float32")
    assert_close(k_ops.kron([[1, 2]], [[1], [10]]), np.array([[1, 2], [10, 20]]), dtype="int32")
    assert_close(k_ops.cross([1, 0, 0], [0, 1, 0]), np.array([0, 0, 1]), dtype="int32")
    sign, logabsdet = k_ops.slogdet([[2.0, 0.0], [0.0, -3.0]])
    assert_close(sign, -1.0, dtype="float32")
    assert_close(logabsdet, math.log(6.0), dtype="float32")
    assert dtypes.standardize_dtype(to_numpy(k_ops.vdot([1.0, 2.0], [3.0, 4.0])).dtype) == "float32"


def test_variables_are_accepted():
    from k_backends.variables import Variable

    m = _f(2, 3)
    v = Variable(m)
    assert_close(k_ops.dot(v, m.T), m @ m.T, dtype="float64")
    assert_close(k_ops.einsum("ij,ij->i", v, m), np.sum(m * m, -1), dtype="float64")
    assert_close(k_ops.tensordot(v, v, axes=([1], [1])), m @ m.T, dtype="float64")
    assert_close(k_ops.diff(v), np.diff(m), dtype="float64")
