"""Dtype names and the one promotion rule every backend applies.

Promotion follows Keras 3 (itself JAX's lattice): each dtype points to the
types just above it; the result of mixing dtypes is their least upper bound.
Python `int` and `float` are *weak*: they take the other operand's dtype when
it can hold them (`int8 + 1 -> int8`, `float16 + 1.0 -> float16`), and fall
back to the default precision when they stand alone. Unlike Keras 3.15, kappa
never narrows 64-bit types, so every backend gives the same answer.
"""

import functools

from k_backends import config

BOOL_TYPES = ("bool",)
UNSIGNED_TYPES = ("uint8", "uint16", "uint32", "uint64")
SIGNED_TYPES = ("int8", "int16", "int32", "int64")
INT_TYPES = UNSIGNED_TYPES + SIGNED_TYPES
FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
FLOAT8_TYPES = ("float8_e4m3fn", "float8_e5m2")
COMPLEX_TYPES = ("complex64", "complex128")
ALLOWED_DTYPES = BOOL_TYPES + INT_TYPES + FLOAT_TYPES + FLOAT8_TYPES + COMPLEX_TYPES + ("string",)

# A Python scalar's dtype when it must be materialized; the same on every backend.
PYTHON_DTYPES = {bool: "bool", int: "int32", float: "float32", complex: "complex64", str: "string"}
_ALIASES = {"int": "int32", "float": "float32", "double": "float64", "half": "float16",
            "str": "string", "complex": "complex64"}

# The promotion lattice: each type and the types directly above it.
# "int*" and "float*" are the weak kinds of Python int and float scalars.
_WEAK_INT, _WEAK_FLOAT = "int*", "float*"
_DIRECT_SUPERTYPES = {
    "bool": (_WEAK_INT,),
    _WEAK_INT: ("uint8", "int8", "complex64"),
    "uint8": ("uint16", "int16"),
    "uint16": ("uint32", "int32"),
    "uint32": ("uint64", "int64"),
    "uint64": (_WEAK_FLOAT,),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": (_WEAK_FLOAT,),
    _WEAK_FLOAT: ("bfloat16", "float16"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64", "complex64"),
    "float64": ("complex128",),
    "complex64": ("complex128",),
    "complex128": (),
}


def _upper_bounds():
    """Every type's set of types at or above it (the transitive closure)."""
    bounds = {}

    def visit(node):
        if node not in bounds:
            above = {node}
            for parent in _DIRECT_SUPERTYPES[node]:
                above |= visit(parent)
            bounds[node] = frozenset(above)
        return bounds[node]

    for node in _DIRECT_SUPERTYPES:
        visit(node)
    return bounds


_UPPER_BOUNDS = _upper_bounds()
_CACHE = {}


def standardize_dtype(dtype):
    """Return kappa's name for `dtype` (a string, Python type, NumPy or framework dtype).

    `None` means the default float type (`floatx()`).
    """
    try:
        return _CACHE[dtype]
    except (KeyError, TypeError):
        pass
    if dtype is None:
        return config.floatx()
    name = _dtype_name(dtype)
    if name not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype!r}. Expected one of {', '.join(ALLOWED_DTYPES)}.")
    try:
        _CACHE[dtype] = name
    except TypeError:
        pass
    return name


def _dtype_name(dtype):
    if isinstance(dtype, str):
        return _ALIASES.get(dtype, dtype)
    if dtype in PYTHON_DTYPES:
        return PYTHON_DTYPES[dtype]
    name = getattr(dtype, "name", None)  # NumPy, JAX and TensorFlow dtypes
    if isinstance(name, str):
        return _ALIASES.get(name, name)
    text = str(dtype)
    if text.startswith("torch."):
        return text[len("torch."):]
    return getattr(dtype, "__name__", text)  # NumPy scalar types such as np.float32


def is_float_dtype(dtype):
    """Whether `dtype` is a floating type (float8 included)."""
    name = standardize_dtype(dtype)
    return name.startswith("float") or name.startswith("bfloat")


def is_int_dtype(dtype):
    """Whether `dtype` is a signed or unsigned integer type."""
    name = standardize_dtype(dtype)
    return name.startswith("int") or name.startswith("uint")


def is_complex_dtype(dtype):
    return standardize_dtype(dtype).startswith("complex")


def result_type(*dtypes):
    """The dtype of combining values of `dtypes`, by Keras 3's promotion rules.

    Arguments are dtypes, or the Python types `bool`, `int`, `float` standing
    for scalars; `None` stands for `floatx()`. With no argument, `floatx()`.

    Example:
    >>> result_type("int8", "uint8")
    'int16'
    >>> result_type("float16", float)
    'float16'
    """
    return _result_type(dtypes, config.floatx())


@functools.lru_cache(maxsize=4096)
def _result_type(dtypes, floatx):
    if not dtypes:
        return floatx
    nodes = []
    weak = []
    for d in dtypes:
        if d is None:
            d = floatx
        is_weak = d is int or d is float
        name = standardize_dtype(d)
        if name in FLOAT8_TYPES:
            raise ValueError(f"float8 dtypes have no implicit promotion; cast explicitly first. "
                             f"Received dtypes={dtypes}.")
        if name == "string":
            if len(set(dtypes)) == 1:
                return "string"
            raise ValueError(f"string dtypes cannot be combined with other dtypes; got {dtypes}.")
        nodes.append(name)
        weak.append(is_weak)
    if all(weak):
        # Only Python scalars: promote their default dtypes, keep the result weak.
        return _resolve_weak(_least_upper_bound(frozenset(nodes)), floatx)
    if len(set(nodes)) == 1:
        return nodes[0]
    lattice_nodes = frozenset(_weak_kind(n) if w else n for n, w in zip(nodes, weak, strict=True))
    out = _least_upper_bound(lattice_nodes)
    if out in (_WEAK_INT, _WEAK_FLOAT):
        return _resolve_weak(out, floatx)
    return out


def _weak_kind(name):
    if name.startswith("float"):
        return _WEAK_FLOAT
    if name.startswith("complex"):
        return name
    return _WEAK_INT


def _resolve_weak(name, floatx):
    """A weak result takes the default precision: int* -> int32 (int64 under float64)."""
    if name == "bool":
        return name
    bits = floatx[-2:]
    if name.startswith("complex"):
        return name
    if name in (_WEAK_INT,) or name.startswith("int"):
        return f"int{bits}"
    if name.startswith("uint"):
        return f"uint{bits}"
    return f"float{bits}"


def _least_upper_bound(nodes):
    common = frozenset.intersection(*(_UPPER_BOUNDS[n] for n in nodes))
    least = [c for c in common if common <= _UPPER_BOUNDS[c]]
    if len(least) != 1:
        raise ValueError(f"Dtypes {sorted(nodes)} have no common promotion type; "
                         "cast them explicitly.")
    return least[0]
