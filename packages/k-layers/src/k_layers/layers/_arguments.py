"""Argument checks shared by the shape-only layers (pooling, cropping, padding, upsampling).

Each helper takes the layer's class name so an error says which layer rejected what.
"""


from k_backends import config
from k_ops.symbolic import KerasTensor

__all__ = ["data_format_of", "int_tuple", "pair_tuples", "same_dtype_spec"]


def data_format_of(value, layer):
    """`value` as "channels_last"/"channels_first" (None reads `image_data_format()`)."""
    if value is None:
        return config.image_data_format()
    normalized = value.lower() if isinstance(value, str) else value
    if normalized not in ("channels_last", "channels_first"):
        raise ValueError(f"{layer}: data_format must be 'channels_last' or 'channels_first'; "
                         f"got data_format={value!r}.")
    return normalized


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def int_tuple(value, n, name, layer, allow_zero=False):
    """An int (repeated) or `n` ints as a tuple; each positive (or >= 0 with `allow_zero`)."""
    least = 0 if allow_zero else 1
    expectation = f"an int or a tuple of {n} ints, each >= {least}"
    if _is_int(value):
        items = (value,) * n
    else:
        try:
            items = tuple(value)
        except TypeError:
            raise TypeError(f"{layer}: {name} must be {expectation}; got {name}={value!r}.") from None
        if len(items) != n or not all(_is_int(v) for v in items):
            raise ValueError(f"{layer}: {name} must be {expectation}; got {name}={value!r}.")
    if any(v < least for v in items):
        raise ValueError(f"{layer}: {name} must be {expectation}; got {name}={value!r}.")
    return items


def pair_tuples(value, n, name, layer):
    """An int, `n` ints (symmetric) or `n` pairs, as `n` (before, after) pairs of ints >= 0."""
    if _is_int(value):
        if value < 0:
            raise ValueError(f"{layer}: {name} must not be negative; got {name}={value!r}.")
        return ((value, value),) * n
    try:
        items = tuple(value)
    except TypeError:
        raise TypeError(f"{layer}: {name} must be an int, a tuple of {n} ints or a tuple of {n} pairs of "
                        f"ints; got {name}={value!r}.") from None
    if len(items) != n:
        raise ValueError(f"{layer}: {name} must have {n} entries (one per spatial dimension); got "
                         f"{name}={value!r}.")
    ordinals = ["1st", "2nd", "3rd"]
    return tuple(int_tuple(item, 2, f"the {ordinals[i]} entry of {name}", layer, allow_zero=True)
                 for i, item in enumerate(items))


def same_dtype_spec(layer, inputs):
    """The symbolic output of a layer that only moves values: its shape rule, the input's dtype."""
    return KerasTensor(tuple(layer.compute_output_shape(tuple(inputs.shape))), inputs.dtype)
