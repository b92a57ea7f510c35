"""`InputSpec`: what a layer accepts (rank, dtype, fixed axes), checked on every call."""

from k_backends import dtypes
from k_layers.serialization import builtin

__all__ = ["InputSpec", "assert_input_compatibility"]


@builtin("keras")
@builtin("keras.layers")
class InputSpec:
    """The rank, dtype, shape and fixed axis sizes a layer's input must have.

    Args:
        dtype: the expected dtype.
        shape: the expected shape (None for any size in a dimension).
        ndim, max_ndim, min_ndim: the expected rank, or its bounds.
        axes: `{axis: size}` for axes whose size is fixed (after the first build).
        allow_last_axis_squeeze: accept a rank one lower or higher when the last axis is 1.
        name: the input's name (for dict inputs).
        optional: whether the input may be None.

    Example:
    >>> InputSpec(min_ndim=2, axes={-1: 16})  # any rank >= 2, last axis 16
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtypes.standardize_dtype(dtype) if dtype is not None else None
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            rank = self.ndim if self.ndim is not None else self.max_ndim
            if max(self.axes) >= rank:
                raise ValueError(f"InputSpec: axes {sorted(self.axes)} do not fit rank {rank}.")

    def __repr__(self):
        fields = {k: v for k, v in self.get_config().items() if v not in (None, {}, False)}
        return "InputSpec(" + ", ".join(f"{k}={v!r}" for k, v in fields.items()) + ")"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim, "max_ndim": self.max_ndim,
                "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raise a clear error when `inputs` do not match `input_spec` (a spec or a list of specs)."""
    if not input_spec:
        return
    specs = input_spec if isinstance(input_spec, (list, tuple)) else [input_spec]
    if isinstance(inputs, dict):
        names = [spec.name for spec in specs]
        if all(names):
            inputs = [inputs.get(name) for name in names]
        else:
            inputs = list(inputs.values())
    flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if len(flat) != len(specs):
        raise ValueError(f"Layer '{layer_name}' expects {len(specs)} input(s), but it received "
                         f"{len(flat)} input tensors.")
    for index, (spec, x) in enumerate(zip(specs, flat, strict=True)):
        if spec is None:
            continue
        if x is None:
            if spec.optional:
                continue
            raise ValueError(f"Layer '{layer_name}': input {index} is None but its spec is not optional.")
        _check_one(spec, x, index, layer_name)


def _check_one(spec, x, index, layer_name):
    shape = tuple(x.shape)
    rank = len(shape)
    where = f"Input {index} of layer '{layer_name}'"
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and rank != spec.ndim:
        raise ValueError(f"{where} is incompatible with the layer: expected ndim={spec.ndim}, found "
                         f"ndim={rank}. Full shape received: {shape}")
    if spec.max_ndim is not None and rank > spec.max_ndim:
        raise ValueError(f"{where} is incompatible with the layer: expected max_ndim={spec.max_ndim}, "
                         f"found ndim={rank}. Full shape received: {shape}")
    if spec.min_ndim is not None and rank < spec.min_ndim:
        raise ValueError(f"{where} is incompatible with the layer: expected min_ndim={spec.min_ndim}, "
                         f"found ndim={rank}. Full shape received: {shape}")
    if spec.dtype is not None:
        dtype = dtypes.standardize_dtype(x.dtype)
        if dtype != spec.dtype:
            raise ValueError(f"{where} is incompatible with the layer: expected dtype={spec.dtype}, found "
                             f"dtype={dtype}.")
    for axis, size in spec.axes.items():
        if size is None:
            continue
        if axis >= rank or axis < -rank:
            raise ValueError(f"{where} is incompatible with the layer: expected axis {axis} of input "
                             f"shape to have value {size}, but the input has rank {rank} (shape {shape}).")
        if shape[axis] is not None and shape[axis] not in (size if isinstance(size, (list, tuple)) else
                                                           (size,)):
            raise ValueError(f"{where} is incompatible with the layer: expected axis {axis} of input "
                             f"shape to have value {size}, but received input with shape {shape}")
    if spec.shape is not None:
        if len(spec.shape) != rank:
            raise ValueError(f"{where} is incompatible with the layer: expected shape={spec.shape}, "
                             f"found shape={shape}")
        for expected, actual in zip(spec.shape, shape, strict=True):
            if expected is not None and actual is not None and expected != actual:
                raise ValueError(f"{where} is incompatible with the layer: expected shape={spec.shape}, "
                                 f"found shape={shape}")
