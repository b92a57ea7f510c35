"""Products, contractions and other linear-algebra-like NumPy ops."""

import math

from k_backends.inference import promoted
from k_backends.rules import linear as rules
from k_backends.selection import current
from k_ops import shapes
from k_ops.dispatch import symbolic
from k_ops.symbolic import KerasTensor, any_symbolic

__all__ = [
    "matmul", "dot", "tensordot", "einsum", "inner", "outer", "vdot", "kron", "cross",
    "diff", "correlate", "slogdet", "vectorize",
]


# -- specs ------------------------------------------------------------------
def _matmul_spec(x1, x2):
    s1, s2 = shapes.shape_of(x1), shapes.shape_of(x2)
    if not s1 or not s2:
        raise ValueError(f"operands need rank 1 or more (multiply scales by a scalar); got "
                         f"shapes {s1} and {s2}.")
    a = (1,) + s1 if len(s1) == 1 else s1
    b = s2 + (1,) if len(s2) == 1 else s2
    if a[-1] is not None and b[-2] is not None and a[-1] != b[-2]:
        raise ValueError(f"incompatible shapes {s1} and {s2}: the last dimension of x1 ({a[-1]}) "
                         f"must equal the {'only' if len(s2) == 1 else 'second-to-last'} dimension "
                         f"of x2 ({b[-2]}).")
    try:
        batch = shapes.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        raise ValueError(f"incompatible shapes {s1} and {s2}: their batch dimensions "
                         f"{a[:-2]} and {b[:-2]} do not broadcast.") from None
    out = batch + (a[-2],) * (len(s1) > 1) + (b[-1],) * (len(s2) > 1)
    return KerasTensor(out, rules.matmul_dtype(x1, x2))


def _dot_spec(x1, x2):
    s1, s2 = shapes.shape_of(x1), shapes.shape_of(x2)
    dtype = promoted(x1, x2)
    if not s1 or not s2:
        return KerasTensor(s1 or s2, dtype)
    k2 = 0 if len(s2) == 1 else len(s2) - 2
    if s1[-1] is not None and s2[k2] is not None and s1[-1] != s2[k2]:
        raise ValueError(f"incompatible shapes {s1} and {s2}: dot contracts the last dimension of "
                         f"x1 ({s1[-1]}) with dimension {k2} of x2 ({s2[k2]}).")
    return KerasTensor(s1[:-1] + s2[:k2] + s2[k2 + 1:], dtype)


def _tensordot_spec(x1, x2, axes=2):
    s1, s2 = shapes.shape_of(x1), shapes.shape_of(x2)
    first, second = rules.tensordot_axes(axes, s1, s2)
    out = tuple(d for i, d in enumerate(s1) if i not in first) + tuple(
        d for i, d in enumerate(s2) if i not in second)
    return KerasTensor(out, promoted(x1, x2))


def _einsum_spec(subscripts, *operands, **kwargs):
    _check_einsum_kwargs(kwargs)
    _, out, _ = rules.einsum_plan(subscripts, tuple(shapes.shape_of(x) for x in operands))
    return KerasTensor(out, rules.einsum_dtype(*operands))


def _inner_spec(x1, x2):
    s1, s2 = shapes.shape_of(x1), shapes.shape_of(x2)
    if not s1 or not s2:
        return KerasTensor(s1 or s2, promoted(x1, x2))
    if s1[-1] is not None and s2[-1] is not None and s1[-1] != s2[-1]:
        raise ValueError(f"incompatible shapes {s1} and {s2}: inner needs equal last dimensions.")
    return KerasTensor(s1[:-1] + s2[:-1], promoted(x1, x2))


def _size(shape):
    return None if None in shape else math.prod(shape)


def _outer_spec(x1, x2):
    return KerasTensor((_size(shapes.shape_of(x1)), _size(shapes.shape_of(x2))), promoted(x1, x2))


def _vdot_spec(x1, x2):
    rules.check_vdot_sizes(shapes.shape_of(x1), shapes.shape_of(x2))
    return KerasTensor((), promoted(x1, x2))


def _kron_spec(x1, x2):
    s1, s2 = shapes.shape_of(x1), shapes.shape_of(x2)
    ndim = max(len(s1), len(s2))
    s1, s2 = (1,) * (ndim - len(s1)) + s1, (1,) * (ndim - len(s2)) + s2
    out = tuple(None if a is None or b is None else a * b for a, b in zip(s1, s2, strict=True))
    return KerasTensor(out, promoted(x1, x2))


def _cross_spec(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    dtype = rules.cross_dtype(x1, x2)
    *_, out = rules.cross_axes(shapes.shape_of(x1), shapes.shape_of(x2), axisa, axisb, axisc, axis)
    return KerasTensor(out, dtype)


def _diff_spec(a, n=1, axis=-1):
    shape = shapes.shape_of(a)
    _check_diff_args(shape, n)
    axis = shapes.canonicalize_axis(axis, len(shape))
    d = shape[axis]
    out = shape[:axis] + (None if d is None else max(d - n, 0),) + shape[axis + 1:]
    return KerasTensor(out, shapes.standard_dtype(a))


def _correlate_spec(x1, x2, mode="valid"):
    s1, s2 = shapes.shape_of(x1), shapes.shape_of(x2)
    rules.check_correlate_shapes(s1, s2)
    length, _ = rules.correlate_length(s1[0], s2[0], mode)
    return KerasTensor((length,), rules.correlate_dtype(x1, x2))


def _slogdet_spec(x):
    shape = shapes.shape_of(x)
    rules.check_square(shape)
    dtype = rules.slogdet_dtype(x)
    return KerasTensor(shape[:-2], dtype), KerasTensor(shape[:-2], dtype)


# -- checks shared by a spec and its eager path -------------------------------
def _check_einsum_kwargs(kwargs):
    unknown = set(kwargs) - {"optimize"}
    if unknown:
        raise TypeError(f"einsum got unexpected keyword arguments {sorted(unknown)}; it accepts only "
                        "`optimize` (a hint some backends use for the contraction order).")


def _check_diff_args(shape, n):
    if isinstance(n, bool) or not hasattr(n, "__index__") or int(n) < 0:
        raise ValueError(f"expected n to be a non-negative int; got n={n!r}.")
    if not shape:
        raise ValueError("the input needs rank 1 or more; got a scalar.")




# -- ops --------------------------------------------------------------------
@symbolic(_matmul_spec)
def matmul(x1, x2):
    """The matrix product of `x1` and `x2`, NumPy's `matmul`: batch dimensions broadcast.

    A 1-D operand is a row (`x1`) or column (`x2`) vector whose dimension is
    dropped from the result. int8 @ int8 accumulates in int32.

    Example:
    >>> kappa.ops.matmul(kappa.ops.ones((2, 3)), kappa.ops.ones((3, 4))).shape  # (2, 4)
    """
    return current().numpy.matmul(x1, x2)


@symbolic(_dot_spec)
def dot(x1, x2):
    """NumPy's `dot`: the sum over the last axis of `x1` and the second-to-last of `x2`.

    With a scalar it multiplies; with two vectors it is their inner product;
    with a vector `x2` it contracts `x2`'s only axis.

    Example:
    >>> kappa.ops.dot([1, 2], [3, 4])  # 11
    """
    return current().numpy.dot(x1, x2)


@symbolic(_tensordot_spec)
def tensordot(x1, x2, axes=2):
    """Sum products over the given axes of `x1` and `x2`.

    Args:
        x1, x2: the operands.
        axes: an int N (the last N axes of `x1` with the first N of `x2`), or a
            pair `(axes_of_x1, axes_of_x2)` of ints or equal-length int lists.

    Example:
    >>> kappa.ops.tensordot(kappa.ops.ones((2, 3, 4)), kappa.ops.ones((4, 5)), axes=1).shape  # (2, 3, 5)
    """
    return current().numpy.tensordot(x1, x2, axes=axes)


@symbolic(_einsum_spec)
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation over `operands` as `subscripts` spells it (NumPy's notation).

    Labels are letters; `...` stands for broadcast dimensions; without `->` the
    output holds the labels used once, in alphabetical order, after the `...`
    dimensions. Only the `optimize` keyword is accepted (a hint). All-int8
    operands accumulate in int32.

    Example:
    >>> kappa.ops.einsum("...ij,...jk->...ik", kappa.ops.ones((5, 2, 3)), kappa.ops.ones((3, 4))).shape
    (5, 2, 4)
    """
    if kwargs:
        _check_einsum_kwargs(kwargs)
    return current().numpy.einsum(subscripts, *operands, **kwargs)


@symbolic(_inner_spec)
def inner(x1, x2):
    """The sum of products over the last axes of `x1` and `x2` (a scalar operand multiplies)."""
    return current().numpy.inner(x1, x2)


@symbolic(_outer_spec)
def outer(x1, x2):
    """The outer product of `x1` and `x2`, both flattened: shape `(x1.size, x2.size)`.

    Example:
    >>> kappa.ops.outer([1, 2], [3, 4, 5]).shape  # (2, 3)
    """
    return current().numpy.outer(x1, x2)


@symbolic(_vdot_spec)
def vdot(x1, x2):
    """The dot product of `x1` and `x2` flattened (complex `x1` conjugated); a scalar."""
    return current().numpy.vdot(x1, x2)


@symbolic(_kron_spec)
def kron(x1, x2):
    """The Kronecker product: blocks of `x2` scaled by each element of `x1`.

    Example:
    >>> kappa.ops.kron([[1, 2]], [[1], [10]])  # [[1, 2], [10, 20]]
    """
    return current().numpy.kron(x1, x2)


@symbolic(_cross_spec)
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 2- or 3-component vectors, broadcasting the other dimensions.

    Args:
        x1, x2: vectors along `axisa` of `x1` and `axisb` of `x2`.
        axisa, axisb: the vector axes of `x1` and `x2`.
        axisc: the vector axis of the result (absent when both are 2-D vectors,
            whose cross product is the scalar z component).
        axis: when given, overrides all three.

    Example:
    >>> kappa.ops.cross([1, 0, 0], [0, 1, 0])  # [0, 0, 1]
    """
    return current().numpy.cross(x1, x2, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


@symbolic(_diff_spec)
def diff(a, n=1, axis=-1):
    """The `n`-th discrete difference `a[i+1] - a[i]` along `axis` (bools: `a[i+1] != a[i]`).

    Example:
    >>> kappa.ops.diff([1, 4, 9, 16])  # [3, 5, 7]
    """
    if isinstance(n, bool) or not hasattr(n, "__index__") or n < 0:
        raise ValueError(f"diff expected n to be a non-negative int; got n={n!r}.")
    return current().numpy.diff(a, n=n, axis=axis)


@symbolic(_correlate_spec)
def correlate(x1, x2, mode="valid"):
    """The cross-correlation of two 1-D sequences, NumPy's `correlate`.

    Args:
        x1, x2: non-empty 1-D inputs.
        mode: "valid" (only full overlaps), "same" (the length of the longer)
            or "full" (every overlap).

    Integer inputs give floats (`floatx()`; float64 for 64-bit ints).

    Example:
    >>> kappa.ops.correlate([1, 2, 3], [0, 1, 0.5])  # [3.5]
    """
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate's mode must be 'valid', 'same' or 'full'; got mode={mode!r}.")
    return current().numpy.correlate(x1, x2, mode=mode)


@symbolic(_slogdet_spec)
def slogdet(x):
    """The sign and natural log of the absolute determinant of square matrices, as a pair.

    `x` has shape `(..., n, n)`; both outputs have shape `(...)`. A singular
    matrix gives sign 0 and log -inf.

    Example:
    >>> sign, logabsdet = kappa.ops.slogdet([[2.0, 0.0], [0.0, -3.0]])  # -1.0, log(6)
    """
    return current().numpy.slogdet(x)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """Turn `pyfunc` on single elements (or core blocks) into a function on whole tensors.

    Like NumPy's `vectorize`: the returned function broadcasts its tensor
    arguments and applies `pyfunc` to each element (or, with `signature`, to
    each block of core dimensions), stacking the results.

    Args:
        pyfunc: the function to vectorize; it may return a tensor or a tuple.
        excluded: positions (ints) and keyword names (strs) of arguments passed
            through unchanged.
        signature: a generalized-ufunc signature such as "(n),(n)->()".

    Example:
    >>> norm = kappa.ops.vectorize(lambda v: kappa.ops.sqrt(kappa.ops.sum(v * v)), signature="(n)->()")
    >>> norm(kappa.ops.ones((4, 9))).shape  # (4,)
    """
    if not callable(pyfunc):
        raise TypeError(f"vectorize expected a callable pyfunc; got {pyfunc!r}.")
    excluded = frozenset(excluded or ())
    for e in excluded:
        if not isinstance(e, (int, str)) or isinstance(e, bool):
            raise TypeError(f"vectorize's excluded must hold argument positions (ints) and keyword "
                            f"names (strs); got excluded={set(excluded)!r}.")
    if signature is not None:
        rules.parse_signature(signature)
    eager = current().numpy.vectorize(pyfunc, excluded=excluded, signature=signature)

    def vectorized(*args, **kwargs):
        if any_symbolic(args, kwargs):
            return _vectorize_spec(pyfunc, excluded, signature, args, kwargs)
        return eager(*args, **kwargs)
    vectorized.__name__ = getattr(pyfunc, "__name__", "vectorized")
    vectorized.__doc__ = getattr(pyfunc, "__doc__", None)
    return vectorized


def _vectorize_spec(pyfunc, excluded, signature, args, kwargs):
    """Symbolic outputs of a vectorized function: `pyfunc` traced on one core block."""
    names = [i for i in range(len(args)) if i not in excluded] + [k for k in kwargs if k not in excluded]
    values = [args[n] if isinstance(n, int) else kwargs[n] for n in names]
    in_core, out_core = rules.parse_signature(signature) if signature else (((),) * len(names), None)
    if len(in_core) != len(names):
        raise ValueError(f"vectorize's signature {signature!r} has {len(in_core)} input(s), but the "
                         f"function got {len(names)} vectorized argument(s).")
    loop = ()
    call_args, call_kwargs = list(args), dict(kwargs)
    for name, value, core in zip(names, values, in_core, strict=True):
        shape = shapes.shape_of(value)
        if len(shape) < len(core):
            raise ValueError(f"vectorize's signature {signature!r} needs argument {name!r} of rank "
                             f"{len(core)} or more; got shape {shape}.")
        split = len(shape) - len(core)
        loop = shapes.broadcast_shapes(loop, shape[:split])
        element = KerasTensor(shape[split:], shapes.standard_dtype(value))
        if isinstance(name, int):
            call_args[name] = element
        else:
            call_kwargs[name] = element
    outputs = pyfunc(*call_args, **call_kwargs)
    if isinstance(outputs, tuple):
        return tuple(KerasTensor(loop + shapes.shape_of(o), shapes.standard_dtype(o)) for o in outputs)
    return KerasTensor(loop + shapes.shape_of(outputs), shapes.standard_dtype(outputs))
