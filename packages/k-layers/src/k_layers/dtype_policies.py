"""Dtype policies: which dtype a layer computes in and which it keeps its variables in.

`"float32"` computes and stores in float32; `"mixed_float16"` / `"mixed_bfloat16"`
compute in the 16-bit type and keep float32 variables (read as 16-bit inside the
layer's call), the usual mixed-precision recipe. The quantized policies name a
quantization mode and the float policy it was made from.
"""

import threading

from k_backends import config, dtypes
from k_layers.serialization import builtin, deserialize_keras_object, serialize_keras_object

__all__ = ["DTypePolicy", "FloatDTypePolicy", "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy",
           "Int4DTypePolicy", "GPTQDTypePolicy", "AWQDTypePolicy", "DTypePolicyMap", "get", "serialize",
           "deserialize", "set_dtype_policy", "dtype_policy"]

QUANTIZATION_MODES = ("int8", "int4", "float8", "gptq", "awq")
_global = threading.local()


@builtin("keras.dtype_policies")
@builtin("keras")
class DTypePolicy:
    """A layer's compute dtype and variable dtype, from one name.

    Args:
        name: a dtype name ("float32", "bfloat16", ...) or "mixed_float16" /
            "mixed_bfloat16"; None means `kappa.config.floatx()`.

    Example:
    >>> policy = DTypePolicy("mixed_bfloat16")
    >>> policy.compute_dtype, policy.variable_dtype
    ('bfloat16', 'float32')
    """

    def __init__(self, name=None):
        if name is None:
            name = config.floatx()
        if not isinstance(name, str):
            raise TypeError(f"DTypePolicy expected a string name; got name={name!r}.")
        self._name = name
        self._compute_dtype, self._variable_dtype = self._parse(name)

    def _parse(self, name):
        if name in ("mixed_float16", "mixed_bfloat16"):
            return name[len("mixed_"):], "float32"
        try:
            dtype = dtypes.standardize_dtype(name)
        except (ValueError, TypeError):
            raise ValueError(f"DTypePolicy: {name!r} is not a dtype or 'mixed_float16' / "
                             "'mixed_bfloat16'.") from None
        return dtype, dtype

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        """The dtype layers compute in (inputs are cast to it)."""
        return self._compute_dtype

    @property
    def variable_dtype(self):
        """The dtype layers' variables are stored in."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        return None

    def convert_input(self, x, autocast, dtype):
        """Cast a float `x` to `dtype` when autocasting (ints and bools pass unchanged)."""
        from k_ops.core import cast

        current = dtypes.standardize_dtype(x.dtype)
        if autocast and dtypes.is_float_dtype(current) and current != dtype:
            return cast(x, dtype)
        return x

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash((type(self).__name__, self._name))

    def __repr__(self):
        return f'<{type(self).__name__} "{self._name}">'


@builtin("keras.dtype_policies")
class FloatDTypePolicy(DTypePolicy):
    """The float policies (kept for Keras 3 code that names this class)."""


@builtin("keras.dtype_policies")
class QuantizedDTypePolicy(DTypePolicy):
    """A quantized layer's policy: `mode` ("int8", "float8", ...) and the float policy it came from.

    Its name is `f"{mode}_from_{source_name}"`; compute and variable dtypes are the source's.
    """

    _modes = ("int8", "float8")

    def __init__(self, mode, source_name=None):
        if mode not in self._modes:
            raise ValueError(f"{type(self).__name__}: mode must be one of {self._modes}; got mode={mode!r}.")
        source_name = config.floatx() if source_name is None else source_name
        self._mode = mode
        self._source_name = source_name
        super().__init__(f"{mode}_from_{source_name}")

    def _parse(self, name):
        return DTypePolicy._parse(self, self._source_name)

    @property
    def quantization_mode(self):
        return self._mode

    def get_config(self):
        return {"mode": self._mode, "source_name": self._source_name}


@builtin("keras.dtype_policies")
class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """float8 quantization, which tracks `amax_history_length` steps of scaling statistics."""

    _modes = ("float8",)

    def __init__(self, mode, source_name=None, amax_history_length=1024):
        if isinstance(amax_history_length, bool) or not isinstance(amax_history_length, int) \
                or amax_history_length < 1:
            raise ValueError("QuantizedFloat8DTypePolicy: amax_history_length must be a positive int; "
                             f"got {amax_history_length!r}.")
        self.amax_history_length = amax_history_length
        super().__init__(mode, source_name)

    def get_config(self):
        return {**super().get_config(), "amax_history_length": self.amax_history_length}


@builtin("keras.dtype_policies")
class Int4DTypePolicy(QuantizedDTypePolicy):
    """int4 quantization."""

    _modes = ("int4",)


@builtin("keras.dtype_policies")
class GPTQDTypePolicy(QuantizedDTypePolicy):
    """GPTQ quantization; `mode` is "gptq/<bits>/<group_size>"."""

    _modes = None

    def __init__(self, mode, source_name=None):
        _check_grouped_mode(mode, "gptq", type(self).__name__)
        self._modes = (mode,)
        super().__init__(mode, source_name)


@builtin("keras.dtype_policies")
class AWQDTypePolicy(QuantizedDTypePolicy):
    """AWQ quantization; `mode` is "awq/<bits>/<group_size>"."""

    _modes = None

    def __init__(self, mode, source_name=None):
        _check_grouped_mode(mode, "awq", type(self).__name__)
        self._modes = (mode,)
        super().__init__(mode, source_name)


def _check_grouped_mode(mode, method, owner):
    parts = mode.split("/") if isinstance(mode, str) else []
    valid = len(parts) == 3 and parts[0] == method and parts[1].isdigit() and \
        (parts[2].isdigit() or parts[2] == "-1")
    if not valid:
        raise ValueError(f"{owner}: mode must look like '{method}/<bits>/<group_size>' (e.g. "
                         f"'{method}/4/128'); got mode={mode!r}.")


@builtin("keras.dtype_policies")
class DTypePolicyMap(DTypePolicy):
    """Policies by layer path: `policy_map["dense/kernel_layer"]`, falling back to `default_policy`.

    Keys are matched exactly, then as regular expressions (`"decoder/.*"`).
    """

    def __init__(self, default_policy=None, policy_map=None):
        self.default_policy = get(default_policy) if default_policy is not None else dtype_policy()
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError(f"DTypePolicyMap: policy_map must be a dict; got {type(policy_map).__name__}.")
        self._map = {}
        for key, policy in (policy_map or {}).items():
            self[key] = policy
        super().__init__(self.default_policy.name)

    def _parse(self, name):
        return self.default_policy.compute_dtype, self.default_policy.variable_dtype

    def __getitem__(self, key):
        import re

        if key in self._map:
            return self._map[key]
        matches = [policy for pattern, policy in self._map.items() if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(f"DTypePolicyMap: path {key!r} matches several patterns.")
        return matches[0] if matches else self.default_policy

    def __setitem__(self, key, policy):
        if key in self._map:
            raise ValueError(f"DTypePolicyMap: {key!r} already has a policy; delete it first.")
        self._map[key] = get(policy)

    def __delitem__(self, key):
        del self._map[key]

    def __contains__(self, key):
        return key in self._map

    def __len__(self):
        return len(self._map)

    def __iter__(self):
        return iter(self._map)

    def get_config(self):
        return {"default_policy": serialize(self.default_policy),
                "policy_map": {k: serialize(v) for k, v in self._map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["default_policy"] = deserialize(config["default_policy"], custom_objects)
        config["policy_map"] = {k: deserialize(v, custom_objects) for k, v in config["policy_map"].items()}
        return cls(**config)


def _quantized_from_name(name):
    mode, _, source = name.partition("_from_")
    if mode == "float8":
        return QuantizedFloat8DTypePolicy(mode, source)
    if mode == "int4":
        return Int4DTypePolicy(mode, source)
    if mode.startswith("gptq/"):
        return GPTQDTypePolicy(mode, source)
    if mode.startswith("awq/"):
        return AWQDTypePolicy(mode, source)
    return QuantizedDTypePolicy(mode, source)


def get(identifier):
    """A policy from a policy, a name ("mixed_float16", "int8_from_float32"), a config dict or None."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if "_from_" in identifier:
            return _quantized_from_name(identifier)
        return DTypePolicy(identifier)
    try:
        return DTypePolicy(dtypes.standardize_dtype(identifier))
    except (ValueError, TypeError):
        raise ValueError(f"Cannot interpret {identifier!r} as a dtype policy: give a DTypePolicy, a "
                         "dtype or policy name, or a config dict.") from None


def serialize(dtype_policy):
    return serialize_keras_object(dtype_policy)


def deserialize(config, custom_objects=None):
    policy = deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(policy, DTypePolicy):
        raise ValueError(f"deserialize expected a dtype policy config; got {config!r}.")
    return policy


def set_dtype_policy(policy):
    """Set the policy new layers get when they are not given a `dtype` (per thread)."""
    policy = get(policy)
    _global.policy = policy


def dtype_policy():
    """The policy new layers get by default: the one set, else floatx's."""
    policy = getattr(_global, "policy", None)
    return policy if policy is not None else DTypePolicy(config.floatx())
