"""Rules of the core ops (slicing, scattering, casting, control flow), shared by backends and specs."""

from k_backends import dtypes

SCATTER_REDUCTIONS = (None, "add", "max", "min", "mul")
_INT_RANGES = {name: (0 if name.startswith("u") else -(2 ** (bits - 1)),
                      2 ** bits - 1 if name.startswith("u") else 2 ** (bits - 1) - 1)
               for name, bits in (("int8", 8), ("int16", 16), ("int32", 32), ("int64", 64),
                                  ("uint8", 8), ("uint16", 16), ("uint32", 32), ("uint64", 64))}
_FLOAT_MAX = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38,
              "float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308}
_FLOAT_MANTISSA_BITS = {"float32": 24, "float64": 53}


# -- nested structures (tuples, lists, dicts of tensors) --------------------------------
def flatten(structure):
    """The leaves of a nested structure of tuples, lists and dicts (dicts in sorted key order)."""
    if isinstance(structure, (tuple, list)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    return [structure]


def pack_like(structure, leaves):
    """`leaves` (a flat sequence) arranged as `structure`."""
    leaves = iter(leaves)

    def pack(s):
        if isinstance(s, (tuple, list)):
            return type(s)(pack(item) for item in s)
        if isinstance(s, dict):
            return {key: pack(s[key]) for key in sorted(s)}
        return next(leaves)
    return pack(structure)


def map_structure(func, *structures):
    """`func` applied leaf by leaf over structures of the same layout."""
    flats = [flatten(s) for s in structures]
    if any(len(f) != len(flats[0]) for f in flats):
        raise ValueError(f"structures differ: {[len(f) for f in flats]} leaves.")
    return pack_like(structures[0], [func(*leaves) for leaves in zip(*flats, strict=True)])


def same_layout(a, b):
    """Whether two nested structures have the same containers (leaves may differ)."""
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return (isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and len(a) == len(b)
                and all(same_layout(x, y) for x, y in zip(a, b, strict=True)))
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and sorted(a) == sorted(b)
                and all(same_layout(a[k], b[k]) for k in a))
    return True


# -- arguments ---------------------------------------------------------------------
def check_reduction(reduction):
    if reduction not in SCATTER_REDUCTIONS:
        raise ValueError(f"scatter_update expected reduction to be one of {SCATTER_REDUCTIONS}; "
                         f"got reduction={reduction!r}.")


def as_loop_vars(loop_vars):
    """`while_loop`'s loop_vars as a tuple of arguments, and whether they came as a tuple/list."""
    is_sequence = isinstance(loop_vars, (tuple, list))
    return (tuple(loop_vars) if is_sequence else (loop_vars,)), is_sequence


def as_body_result(result, is_sequence):
    """A while_loop body's result as a tuple of loop vars."""
    if is_sequence:
        return tuple(result) if isinstance(result, (tuple, list)) else (result,)
    return (result,)


# -- saturate_cast --------------------------------------------------------------------
def saturate_compute_dtype(dtype):
    """The dtype saturate_cast clips in: half floats in float32, ints (but uint64) in int64."""
    if dtype in ("float16", "bfloat16"):
        return "float32"
    if dtype in _INT_RANGES and dtype != "uint64":
        return "int64"
    return dtype


def saturate_bounds(compute_dtype, target_dtype):
    """(low, high) to clip `compute_dtype` values to before casting to `target_dtype` (None: no clip).

    The bounds are the target's range, rounded inward to values `compute_dtype` holds
    exactly (int32's maximum is not a float32).
    """
    target = dtypes.standardize_dtype(target_dtype)
    if target == "bool" or compute_dtype == "bool":
        return None, None
    if target in _INT_RANGES:
        low, high = _INT_RANGES[target]
    elif target in _FLOAT_MAX:
        low, high = -_FLOAT_MAX[target], _FLOAT_MAX[target]
    else:
        return None, None
    if compute_dtype in _INT_RANGES:
        in_low, in_high = _INT_RANGES[compute_dtype]
        low = None if low <= in_low else int(max(low, in_low))
        high = None if high >= in_high else int(min(high, in_high))
        return low, high
    if compute_dtype in _FLOAT_MAX:
        if target in _FLOAT_MAX and _FLOAT_MAX[target] >= _FLOAT_MAX[compute_dtype]:
            return None, None
        return (_round_inward(low, compute_dtype, target), _round_inward(high, compute_dtype, target))
    return None, None


def _round_inward(bound, float_dtype, target):
    if target in _FLOAT_MAX:
        return float(bound)
    # An integer bound with more significant bits than the float's mantissa: drop the low bits
    # toward zero, so the bound is exact in the float and still inside the target's range.
    bits = _FLOAT_MANTISSA_BITS[float_dtype]
    magnitude = abs(bound)
    excess = max(magnitude.bit_length() - bits, 0)
    magnitude = (magnitude >> excess) << excess
    return float(magnitude if bound >= 0 else -magnitude)


# -- control flow in Python (numpy and torch) -------------------------------------------
def python_while_loop(cond, body, loop_vars, maximum_iterations=None):
    """`while_loop` as a Python loop, for the backends that run control flow in Python."""
    loop_vars, is_sequence = as_loop_vars(loop_vars)
    step = 0
    while (maximum_iterations is None or step < maximum_iterations) and bool(cond(*loop_vars)):
        loop_vars = as_body_result(body(*loop_vars), is_sequence)
        step += 1
    return loop_vars if is_sequence else loop_vars[0]


def python_scan(f, init, xs, length, reverse, stack, take):
    """`scan` as a Python loop, for the backends that run control flow in Python."""
    leaves = flatten(xs) if xs is not None else []
    n = int(length) if length is not None else int(leaves[0].shape[0])
    carry, ys = init, []
    for i in (range(n - 1, -1, -1) if reverse else range(n)):
        x = None if xs is None else pack_like(xs, [take(leaf, i) for leaf in leaves])
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys:
        raise ValueError("scan needs at least one step; got length 0.")
    if ys[0] is None:
        return carry, None
    return carry, map_structure(lambda *items: stack(items), *ys)


def python_associative_scan(f, elems, reverse, axis, concatenate, take):
    """A sequential associative scan: combines slices (kept as size-1 axes) one after another.

    With reverse=True it scans the flipped elements and flips back, as jax.lax does.
    """
    leaves = flatten(elems)
    n = int(leaves[0].shape[axis])
    order = range(n - 1, -1, -1) if reverse else range(n)
    results, total = [], None
    for i in order:
        item = pack_like(elems, [take(leaf, i) for leaf in leaves])
        total = item if total is None else f(total, item)
        results.append(total)
    if reverse:
        results.reverse()
    return map_structure(lambda *items: concatenate(items, axis), *results)


def python_switch(index, branches, *operands):
    """`switch` in Python: index clipped into range, as jax.lax.switch does."""
    index = min(max(int(index), 0), len(branches) - 1)
    return branches[index](*operands)
