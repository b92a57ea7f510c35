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


def promoted(x1, x2, *extra):
    """The result dtype of combining `x1` and `x2` (values), Python scalars being weak."""
    return dtypes.result_type(_operand_dtype(x1), _operand_dtype(x2), *extra)


def _operand_dtype(x):
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, (int, float)):
        return type(x)
    return default_dtype(x)
