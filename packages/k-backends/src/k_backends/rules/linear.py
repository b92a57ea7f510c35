"""Rules of the products and contractions (k_ops.numpy.linear), shared by backends and specs.

Dtypes: a product of two int8 operands accumulates in int32 (Keras 3's choice for
`matmul` and `einsum`, so int8 quantized kernels can use int8 hardware); other
products keep the operands' promoted dtype, wrapping around on overflow as NumPy does.
"""

import functools
import re

from k_backends.inference import dtype_of, float_dtype, promoted


# -- dtypes ---------------------------------------------------------------
def matmul_dtype(x1, x2):
    """`matmul`'s result dtype: int32 for int8 @ int8, else the promoted dtype."""
    if dtype_of(x1) == "int8" and dtype_of(x2) == "int8":
        return "int32"
    return promoted(x1, x2)


def einsum_dtype(*operands):
    """`einsum`'s result dtype: int32 when every operand is int8, else the promoted dtype."""
    if operands and all(dtype_of(x) == "int8" for x in operands):
        return "int32"
    return promoted(*operands)


def correlate_dtype(x1, x2):
    """Floats keep their promoted dtype; 64-bit integers give float64, other ints and bools floatx."""
    dtype = promoted(x1, x2)
    if dtype in ("int64", "uint64"):
        return "float64"
    return float_dtype(dtype)


def cross_dtype(x1, x2):
    dtype = promoted(x1, x2)
    if dtype == "bool":
        raise TypeError("cross needs numbers: the cross product subtracts, and bools have no "
                        "subtraction; got two bool operands. Cast them to an int or float dtype first.")
    return dtype


def slogdet_dtype(x):
    """Floats keep their dtype; ints and bools give floatx."""
    return float_dtype(dtype_of(x))


# -- shapes and arguments ---------------------------------------------------
def tensordot_axes(axes, shape1, shape2):
    """`tensordot`'s `axes` (an int, or a pair of ints or int sequences) as two lists of axes.

    Raises a clear error for a bad `axes` or contracted dimensions that differ
    (None dimensions are taken to match).
    """
    ndim1, ndim2 = len(shape1), len(shape2)
    if isinstance(axes, bool):
        raise TypeError(f"tensordot expected axes to be an int or a pair of axis lists; got axes={axes!r}.")
    if hasattr(axes, "__index__"):
        n = int(axes)
        if n < 0 or n > min(ndim1, ndim2):
            raise ValueError(f"tensordot's axes={n} must be between 0 and the smaller rank of the "
                             f"operands; got shapes {tuple(shape1)} and {tuple(shape2)}.")
        first, second = list(range(ndim1 - n, ndim1)), list(range(n))
    else:
        try:
            first, second = axes
        except (TypeError, ValueError):
            raise ValueError(f"tensordot expected axes to be an int or a pair of axis lists; "
                             f"got axes={axes!r}.") from None
        first = _axis_list(first, ndim1, axes, "x1")
        second = _axis_list(second, ndim2, axes, "x2")
        if len(first) != len(second):
            raise ValueError(f"tensordot needs as many axes of x1 as of x2; got axes={axes!r}.")
    for a, b in zip(first, second, strict=True):
        d1, d2 = shape1[a], shape2[b]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(f"tensordot contracts axis {a} of x1 with axis {b} of x2, but their "
                             f"sizes differ: shapes {tuple(shape1)} and {tuple(shape2)}, axes={axes!r}.")
    return first, second


def _axis_list(axes, ndim, given, name):
    items = [axes] if hasattr(axes, "__index__") and not isinstance(axes, bool) else list(axes)
    out = []
    for a in items:
        if isinstance(a, bool) or not hasattr(a, "__index__"):
            raise TypeError(f"tensordot's axes must be ints; got axes={given!r}.")
        a = int(a)
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for {name} of rank {ndim} in tensordot's "
                             f"axes={given!r}.")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis for {name} in tensordot's axes={given!r}.")
    return out


def cross_axes(shape1, shape2, axisa, axisb, axisc, axis):
    """The vector axes of `cross` (`axis` overrides all three) and the result's shape.

    Returns (axisa, axisb, axisc, shape): the first two non-negative in each
    operand, `axisc` non-negative in the result (None when the vectors are 2-D
    and the result has no vector axis).
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    axisa = _vector_axis(axisa, len(shape1), "axisa", shape1)
    axisb = _vector_axis(axisb, len(shape2), "axisb", shape2)
    n1, n2 = shape1[axisa], shape2[axisb]
    for n, name, shape in ((n1, "x1", shape1), (n2, "x2", shape2)):
        if n is not None and n not in (2, 3):
            raise ValueError(f"cross needs vectors of 2 or 3 components; {name} of shape "
                             f"{tuple(shape)} has {n} along its vector axis.")
    rest1 = shape1[:axisa] + shape1[axisa + 1:]
    rest2 = shape2[:axisb] + shape2[axisb + 1:]
    batch = _broadcast(rest1, rest2)
    if n1 == 2 and n2 == 2:
        return axisa, axisb, None, batch
    components = 3 if 3 in (n1, n2) else None
    axisc = _vector_axis(axisc, len(batch) + 1, "axisc", batch + (components,))
    return axisa, axisb, axisc, batch[:axisc] + (components,) + batch[axisc:]


def _vector_axis(axis, ndim, name, shape):
    if isinstance(axis, bool) or not hasattr(axis, "__index__"):
        raise TypeError(f"cross expected an int {name}; got {name}={axis!r}.")
    axis = int(axis)
    if ndim == 0 or not -ndim <= axis < ndim:
        raise ValueError(f"{name}={axis} is out of range for cross's operand of shape {tuple(shape)}.")
    return axis % ndim


def _broadcast(shape1, shape2):
    ndim = max(len(shape1), len(shape2))
    out = []
    for a, b in zip((1,) * (ndim - len(shape1)) + tuple(shape1),
                    (1,) * (ndim - len(shape2)) + tuple(shape2), strict=True):
        if a is not None and b is not None and a != b and 1 not in (a, b):
            raise ValueError(f"cannot broadcast shapes {tuple(shape1)} and {tuple(shape2)}.")
        out.append(b if a == 1 else a if b == 1 else a if a is not None else b)
    return tuple(out)


def correlate_length(n1, n2, mode):
    """The length of `correlate`'s output and where it starts in the full correlation."""
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate's mode must be 'valid', 'same' or 'full'; got mode={mode!r}.")
    if n1 is None or n2 is None:
        return None, None
    short, long = min(n1, n2), max(n1, n2)
    if mode == "full":
        return n1 + n2 - 1, 0
    if mode == "valid":
        return long - short + 1, short - 1
    # NumPy centres 'same' differently when it swaps the operands (x2 longer than x1).
    return long, (short - 1) // 2 if n1 >= n2 else short // 2


def check_correlate_shapes(shape1, shape2):
    shape1, shape2 = tuple(shape1), tuple(shape2)
    if len(shape1) != 1 or len(shape2) != 1:
        raise ValueError(f"correlate needs two 1-D inputs; got shapes {shape1} and {shape2}.")
    if shape1[0] == 0 or shape2[0] == 0:
        raise ValueError(f"correlate needs non-empty inputs; got shapes {shape1} and {shape2}.")


def check_vdot_sizes(shape1, shape2):
    n1, n2 = _size(shape1), _size(shape2)
    if n1 is not None and n2 is not None and n1 != n2:
        raise ValueError(f"incompatible shapes {tuple(shape1)} and {tuple(shape2)}: vdot needs operands "
                         f"of the same size; got {n1} and {n2} elements.")


def _size(shape):
    size = 1
    for d in shape:
        if d is None:
            return None
        size *= d
    return size


def check_square(shape):
    shape = tuple(shape)
    if len(shape) < 2 or (None not in shape[-2:] and shape[-1] != shape[-2]):
        raise ValueError(f"slogdet needs square matrices in the last two dimensions; got shape {shape}.")


# -- einsum -----------------------------------------------------------------
_LABEL = re.compile(r"[a-zA-Z]")


@functools.lru_cache(maxsize=512)
def einsum_plan(subscripts, shapes):
    """Parse `subscripts` for operands of `shapes` (tuples, None for unknown dimensions).

    Returns (explicit, shape, broadcast): `explicit` spells the output out
    ("ij,jk->ik"), so every framework orders an implicit output the same way;
    `shape` is the output's shape; `broadcast` is, per operand, the shape to
    broadcast it to first where a label of size 1 meets a larger one (NumPy
    allows that), else None.
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum expected a subscripts string; got {subscripts!r}.")
    text = subscripts.replace(" ", "")
    inputs, arrow, output = text.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum subscripts {subscripts!r} name {len(terms)} operand(s), but "
                         f"{len(shapes)} were given.")
    sizes = {}
    ellipsis_shapes = []
    parsed = []
    for term, shape in zip(terms, shapes, strict=True):
        labels, ellipsis_ndim = _split_term(term, len(shape), subscripts, shape)
        parsed.append((labels, ellipsis_ndim))
        if ellipsis_ndim is not None:
            start = labels.index("...")
            ellipsis_shapes.append(tuple(shape[start:start + ellipsis_ndim]))
        for label, dim in zip(_expand(labels, ellipsis_ndim), shape, strict=True):
            if label[0] != ".":
                sizes.setdefault(label, []).append(dim)
    size = {label: _label_size(label, dims, subscripts, shapes) for label, dims in sizes.items()}
    ellipsis = _broadcast_all(ellipsis_shapes, subscripts, shapes)
    has_ellipsis = bool(ellipsis_shapes)
    if arrow:
        out_labels, out_ellipsis = _split_term(output, None, subscripts, None)
        for label in out_labels:
            if label != "..." and label not in size:
                raise ValueError(f"einsum output label {label!r} does not appear in the inputs of "
                                 f"{subscripts!r}.")
        if out_ellipsis is not None and not has_ellipsis and ellipsis:
            raise ValueError(f"einsum output has '...' but no input does: {subscripts!r}.")
    else:
        counts = {}
        for labels, _ in parsed:
            for label in labels:
                counts[label] = counts.get(label, 0) + 1
        out_labels = (["..."] if has_ellipsis else []) + sorted(
            label for label, n in counts.items() if n == 1 and label != "...")
    out_shape = []
    for label in out_labels:
        out_shape.extend(ellipsis if label == "..." else (size[label],))
    if not has_ellipsis:
        out_labels = [label for label in out_labels if label != "..."]
    explicit = ",".join("".join(labels) for labels, _ in parsed) + "->" + "".join(out_labels)
    broadcast = tuple(_broadcast_target(labels, ellipsis_ndim, shape, size, ellipsis)
                      for (labels, ellipsis_ndim), shape in zip(parsed, shapes, strict=True))
    return explicit, tuple(out_shape), broadcast


def _split_term(term, ndim, subscripts, shape):
    """A term's labels (with "..." as one item) and how many dimensions its ellipsis covers."""
    labels = []
    rest = term
    while rest:
        if rest.startswith("..."):
            if "..." in labels:
                raise ValueError(f"einsum subscripts {subscripts!r} repeat '...' in one term.")
            labels.append("...")
            rest = rest[3:]
        elif _LABEL.fullmatch(rest[0]):
            labels.append(rest[0])
            rest = rest[1:]
        else:
            raise ValueError(f"einsum subscripts may only hold letters, ',', '->' and '...'; got "
                             f"{subscripts!r}.")
    if ndim is None:  # the output term
        named = [label for label in labels if label != "..."]
        if len(set(named)) != len(named):
            raise ValueError(f"einsum output repeats a label: {subscripts!r}.")
        return labels, (0 if "..." in labels else None)
    named = len(labels) - ("..." in labels)
    if "..." in labels:
        if named > ndim:
            raise ValueError(f"einsum term {term!r} names {named} dimensions, but its operand has "
                             f"shape {tuple(shape)}.")
        return labels, ndim - named
    if named != ndim:
        raise ValueError(f"einsum term {term!r} names {named} dimensions, but its operand has "
                         f"shape {tuple(shape)}.")
    return labels, None


def _expand(labels, ellipsis_ndim):
    out = []
    for label in labels:
        out.extend([f".{i}" for i in range(ellipsis_ndim)] if label == "..." else [label])
    return out


def _label_size(label, dims, subscripts, shapes):
    known = {d for d in dims if d is not None and d != 1}
    if len(known) > 1:
        raise ValueError(f"einsum label {label!r} stands for dimensions of different sizes "
                         f"{sorted(known)} in {subscripts!r} with shapes {', '.join(map(str, shapes))}.")
    if known:
        return known.pop()
    return None if None in dims else 1


def _broadcast_all(shapes, subscripts, operand_shapes):
    out = ()
    for shape in shapes:
        try:
            out = _broadcast(out, shape)
        except ValueError:
            raise ValueError(f"einsum cannot broadcast the '...' dimensions of shapes "
                             f"{', '.join(map(str, operand_shapes))} ({subscripts!r}).") from None
    return out


def _broadcast_target(labels, ellipsis_ndim, shape, size, ellipsis):
    target = []
    for label, dim in zip(_expand(labels, ellipsis_ndim), shape, strict=True):
        target.append(dim if label[0] == "." else size[label])
    target = tuple(target)
    return None if target == tuple(shape) else target


# -- vectorize --------------------------------------------------------------
_ARGUMENT = r"\((?:\w+(?:,\w+)*)?\)"
_SIGNATURE = re.compile(rf"^{_ARGUMENT}(?:,{_ARGUMENT})*->{_ARGUMENT}(?:,{_ARGUMENT})*$")


@functools.lru_cache(maxsize=128)
def parse_signature(signature):
    """A generalized-ufunc signature "(m,n),(n)->(m)" as input and output core-dimension names."""
    if not isinstance(signature, str) or not _SIGNATURE.match(signature.replace(" ", "")):
        raise ValueError(f"vectorize's signature must look like '(m,n),(n)->(m)'; got "
                         f"signature={signature!r}.")
    inputs, outputs = signature.replace(" ", "").split("->")
    return _core_dims(inputs), _core_dims(outputs)


def _core_dims(text):
    return tuple(tuple(name for name in group.split(",") if name)
                 for group in re.findall(r"\(([^)]*)\)", text))


def vectorized(pyfunc, excluded, signature, *, convert, broadcast_to, reshape, map_leading):
    """NumPy's `vectorize` given four framework functions; each backend passes its own.

    `map_leading(f, tensors)` applies `f` to the slices along the leading axis
    of `tensors` and stacks its outputs (a tensor or a tuple of tensors): a
    Python loop, or the framework's vmap. Positional arguments whose index is
    in `excluded`, and keyword arguments whose name is, pass through unchanged.
    """
    in_core, out_core = parse_signature(signature) if signature else (None, None)

    def call(*args, **kwargs):
        names = [i for i in range(len(args)) if i not in excluded] + [
            k for k in kwargs if k not in excluded]
        if not names:
            return pyfunc(*args, **kwargs)
        values = [convert(args[n] if isinstance(n, int) else kwargs[n]) for n in names]
        cores = in_core if in_core is not None else ((),) * len(values)
        if len(cores) != len(values):
            raise ValueError(f"vectorize's signature {signature!r} has {len(cores)} input(s), but the "
                             f"function got {len(values)} vectorized argument(s).")
        loop, core_shapes = _loop_and_core_shapes(values, cores, signature)
        size = 1
        for d in loop:
            size *= d
        if size == 0:
            raise ValueError(f"vectorize cannot learn pyfunc's outputs from an empty loop (broadcast "
                             f"loop shape {loop}); call it on non-empty inputs.")
        flat = [reshape(broadcast_to(v, loop + c), (size,) + c)
                for v, c in zip(values, core_shapes, strict=True)]

        def call_one(*items):
            call_args, call_kwargs = list(args), dict(kwargs)
            for name, item in zip(names, items, strict=True):
                if isinstance(name, int):
                    call_args[name] = item
                else:
                    call_kwargs[name] = item
            return pyfunc(*call_args, **call_kwargs)

        outputs = map_leading(call_one, flat)
        many = isinstance(outputs, tuple)
        outputs = outputs if many else (outputs,)
        if out_core is not None and len(out_core) != len(outputs):
            raise ValueError(f"vectorize's signature {signature!r} declares {len(out_core)} output(s); "
                             f"pyfunc returned {len(outputs)}.")
        shaped = []
        for i, out in enumerate(outputs):
            core = tuple(out.shape)[1:]
            if out_core is not None and len(core) != len(out_core[i]):
                raise ValueError(f"vectorize's signature {signature!r} declares output {i} with "
                                 f"{len(out_core[i])} core dimension(s); pyfunc returned shape {core}.")
            shaped.append(reshape(out, loop + core))
        return tuple(shaped) if many else shaped[0]
    return call


def _loop_and_core_shapes(values, cores, signature):
    loop = ()
    core_shapes = []
    named = {}
    for value, core in zip(values, cores, strict=True):
        shape = tuple(int(d) for d in value.shape)
        if len(shape) < len(core):
            raise ValueError(f"vectorize's signature {signature!r} needs an argument of rank "
                             f"{len(core)} or more; got shape {shape}.")
        split = len(shape) - len(core)
        for name, d in zip(core, shape[split:], strict=True):
            if named.setdefault(name, d) != d:
                raise ValueError(f"vectorize's core dimension {name!r} of signature {signature!r} "
                                 f"has inconsistent sizes {named[name]} and {d}.")
        loop = _broadcast(loop, shape[:split])
        core_shapes.append(shape[split:])
    return loop, core_shapes
