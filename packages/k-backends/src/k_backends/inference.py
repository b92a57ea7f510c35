"""Backend-independent helpers for turning Python values into tensors."""

from k_backends import dtypes

_PY_SCALARS = (bool, int, float, complex)


def default_dtype(x):
    """The dtype a value gets when converted without an explicit dtype.

    Python scalars get kappa's defaults (bool, int32, floatx, complex64);
    anything with a `.dtype` keeps it; nested lists promote their elements
    by the usual rules, scalars being weak.
    """
    if isinstance(x, _PY_SCALARS):
        return dtypes.result_type(type(x))
    if isinstance(x, str):
        return "string"
    dtype = getattr(x, "dtype", None)
    if dtype is not None:
        return dtypes.standardize_dtype(dtype)
    if isinstance(x, (list, tuple)):
        kinds = set()
        _collect_element_dtypes(x, kinds)
        if not kinds:
            return dtypes.result_type()
        return dtypes.result_type(*kinds)
    raise TypeError(f"Cannot convert {type(x).__name__} to a tensor: {x!r:.80}")


def _collect_element_dtypes(items, kinds):
    for item in items:
        if isinstance(item, (list, tuple)):
            _collect_element_dtypes(item, kinds)
        elif isinstance(item, bool):
            kinds.add("bool")
        elif isinstance(item, (int, float)):
            kinds.add(type(item))
        elif isinstance(item, complex):
            kinds.add("complex64")
        elif isinstance(item, str):
            kinds.add("string")
        else:
            kinds.add(default_dtype(item))


def promoted(*values_and_extra):
    """The result dtype of combining values (and dtypes or Python types), scalars being weak.

    `promoted(x1, x2)` for a binary op; `promoted(x1, x2, float)` for one that
    computes in floats (true division).
    """
    return dtypes.result_type(*(v if v is int or v is float or isinstance(v, str) else dtype_of(v)
                                for v in values_and_extra))


def dtype_of(x):
    """A value's dtype for promotion: `int` / `float` for Python scalars (weak), else a name."""
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, (int, float)):
        return type(x)
    return default_dtype(x)


def float_dtype(dtype):
    """The dtype of a float-valued op on `dtype`: floats keep theirs, others become floatx."""
    if dtype is int or dtype is float or dtype is bool:
        return dtypes.result_type(float)
    name = dtypes.standardize_dtype(dtype)
    return name if dtypes.is_float_dtype(name) or dtypes.is_complex_dtype(name) else dtypes.result_type(float)
