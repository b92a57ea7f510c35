"""Objects to and from Keras 3's JSON config shape, and the registry that makes it safe.

A serialized object is `{"module", "class_name", "config", "registered_name"}` (plus
`build_config` / `compile_config` for layers and models), exactly as Keras 3 writes it,
so configs move between kappa and Keras both ways. Built-in classes are written under
Keras's public module names (`keras.layers`, `keras.initializers`, ...).

Deserialization only ever builds classes and functions that are registered: kappa's
built-ins, objects registered with `register_keras_serializable`, and those passed as
`custom_objects` or in a `custom_object_scope`. A config never makes kappa import a module.
"""

import threading

import numpy as np

__all__ = ["register_keras_serializable", "get_registered_name", "get_registered_object",
           "CustomObjectScope", "custom_object_scope", "get_custom_objects", "serialize_keras_object",
           "deserialize_keras_object", "builtin"]

_BUILTINS = {}  # namespace ("keras.layers") -> {name: object}
_BUILTIN_NAMESPACE = {}  # id(object) -> namespace
_BUILTIN_REGISTERED = {}  # id(object) -> the registered_name Keras writes for it
_GLOBAL_CUSTOM = {}  # registered name ("package>Name") or plain name -> object
_REGISTERED_NAMES = {}  # id(object) -> registered name
_local = threading.local()


def builtin(namespace, *aliases, registered_name=None):
    """Register a kappa class or function under Keras's public `namespace` (a decorator).

    `registered_name` is written in configs for the few classes Keras writes one for
    (its Functional model).
    """
    def register(obj):
        table = _BUILTINS.setdefault(namespace, {})
        for name in (obj.__name__, *aliases):
            table[name] = obj
        _BUILTIN_NAMESPACE.setdefault(id(obj), namespace)
        if registered_name is not None:
            _BUILTIN_REGISTERED[id(obj)] = registered_name
        return obj
    return register


def builtin_objects(namespace):
    """The built-ins registered under `namespace`, by name."""
    return dict(_BUILTINS.get(namespace, {}))


def register_keras_serializable(package="Custom", name=None):
    """Register a class or function so configs can name it as `"package>name"`.

    Example:
    >>> @register_keras_serializable(package="my_lib")
    ... class Scale(kappa.layers.Layer): ...
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_keras_serializable: package must be a string without '>'; "
                         f"got package={package!r}.")

    def register(obj):
        obj_name = name if name is not None else obj.__name__
        registered = f"{package}>{obj_name}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register {obj.__name__}: a class needs a get_config() method.")
        _GLOBAL_CUSTOM[registered] = obj
        _REGISTERED_NAMES[id(obj)] = registered
        return obj
    return register


def get_registered_name(obj):
    """The name `obj` is serialized under: its registered name, else its own name."""
    return _REGISTERED_NAMES.get(id(obj), getattr(obj, "__name__", type(obj).__name__))


def get_custom_objects():
    """The global dict of custom objects (edit it to register objects by plain name)."""
    return _GLOBAL_CUSTOM


class CustomObjectScope:
    """Within this scope, configs may name the given objects.

    Example:
    >>> with CustomObjectScope({"Scale": Scale}):
    ...     model = kappa.models.model_from_json(text)
    """

    def __init__(self, custom_objects):
        if custom_objects is not None and not isinstance(custom_objects, dict):
            raise TypeError(f"custom_objects must be a dict; got {type(custom_objects).__name__}.")
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        _scopes().append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scopes().pop()


custom_object_scope = CustomObjectScope


def _scopes():
    scopes = getattr(_local, "scopes", None)
    if scopes is None:
        scopes = _local.scopes = []
    return scopes


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Find the object named `name` among custom objects, scopes, registrations and `module_objects`."""
    for table in (custom_objects or {}, *reversed(_scopes()), _GLOBAL_CUSTOM, module_objects or {}):
        if name in table:
            return table[name]
    return None


# -- serialize --------------------------------------------------------------------
def serialize_keras_object(obj):
    """`obj` as Keras 3's JSON-ready config (None, plain values and containers pass through)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if isinstance(obj, np.dtype):
        return str(obj)
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        items = [serialize_keras_object(x) for x in obj]
        return {"class_name": "__tuple__", "config": {"value": items}} if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return {str(k): serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
    if isinstance(obj, type):
        return {"class_name": obj.__name__, "config": None,
                "module": _module_of(obj), "registered_name": _registered(obj)}
    if callable(obj) and not hasattr(obj, "get_config"):
        return _serialize_function(obj)
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it has no get_config() method.")
    config = {"module": _module_of(type(obj)), "class_name": type(obj).__name__,
              "config": _json_ready(obj.get_config()), "registered_name": _registered(type(obj))}
    for key, method in (("build_config", "get_build_config"), ("compile_config", "get_compile_config")):
        getter = getattr(obj, method, None)
        if getter is not None:
            value = getter()
            if value is not None:
                config[key] = _json_ready(value)
    return config


def _serialize_function(fn):
    if getattr(fn, "__name__", "") == "<lambda>":
        raise ValueError("Cannot serialize a lambda by name; wrap it in a `Lambda` layer or register a "
                         "named function with register_keras_serializable.")
    registered = _REGISTERED_NAMES.get(id(fn))
    if registered is not None:
        return {"module": fn.__module__, "class_name": "function", "config": registered,
                "registered_name": registered}
    # Keras 3 writes plain functions this way (activations, losses, user functions).
    return {"module": "builtins", "class_name": "function", "config": fn.__name__,
            "registered_name": "function"}


def _module_of(cls):
    return _BUILTIN_NAMESPACE.get(id(cls), cls.__module__)


def _registered(cls):
    return _REGISTERED_NAMES.get(id(cls), _BUILTIN_REGISTERED.get(id(cls)))


def _json_ready(value):
    """Configs hold only JSON values: tuples become lists, NumPy scalars become numbers."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


# -- deserialize ------------------------------------------------------------------
def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Build the object a config describes (the inverse of `serialize_keras_object`).

    Args:
        config: a dict in Keras 3's shape, a plain value, or a string naming a
            registered object.
        custom_objects: extra `{name: class_or_function}` the config may name.
        safe_mode: refuse configs that carry code (Lambda layers); set False
            only for files you trust.
        module_objects: (keyword) a `{name: object}` table to look names up in,
            e.g. the built-in initializers when deserializing an initializer.
    """
    module_objects = kwargs.pop("module_objects", None)
    if kwargs:
        raise TypeError(f"deserialize_keras_object got unexpected arguments: {sorted(kwargs)}.")
    with _SafeMode(safe_mode), CustomObjectScope(custom_objects):
        return _deserialize(config, custom_objects, module_objects)


class _SafeMode:
    def __init__(self, value):
        self.value = bool(value) if value is not None else None

    def __enter__(self):
        # The outermost deserialization decides (as in Keras): a from_config that deserializes
        # its sub-layers with the default safe_mode=True must not undo load_model(safe_mode=False).
        self.saved = getattr(_local, "safe_mode", None)
        if self.value is not None and self.saved is None:
            _local.safe_mode = self.value

    def __exit__(self, *exc):
        _local.safe_mode = self.saved


def in_safe_mode():
    """Whether the deserialization in progress refuses code (True unless safe_mode=False was given)."""
    value = getattr(_local, "safe_mode", None)
    return True if value is None else value


def _deserialize(config, custom_objects, module_objects):
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        obj = _lookup(config, None, custom_objects, module_objects)
        if obj is None:
            raise ValueError(f"Unknown object {config!r}: not a built-in, not registered and not in "
                             "custom_objects.")
        return obj
    if isinstance(config, list):
        return [_deserialize(c, custom_objects, module_objects) for c in config]
    if not isinstance(config, dict):
        raise TypeError(f"Cannot deserialize a {type(config).__name__}: {config!r}.")
    if "class_name" not in config:
        return {k: _deserialize(v, custom_objects, module_objects) for k, v in config.items()}
    class_name, inner = config["class_name"], config.get("config")
    if class_name == "__tuple__":
        return tuple(_deserialize(v, custom_objects, module_objects) for v in inner["value"])
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "function":
        name = config.get("registered_name")
        name = inner if name in (None, "function") else name
        obj = _lookup(name, config.get("module"), custom_objects, module_objects)
        if obj is None:
            raise ValueError(f"Unknown function {inner!r} (module {config.get('module')!r}): register it "
                             "with register_keras_serializable or pass it in custom_objects.")
        return obj
    cls = _lookup(config.get("registered_name") or class_name, config.get("module"), custom_objects,
                  module_objects)
    if cls is None and config.get("registered_name"):
        cls = _lookup(class_name, config.get("module"), custom_objects, module_objects)
    if cls is None:
        raise ValueError(f"Unknown class {class_name!r} (module {config.get('module')!r}): it is not a "
                         "kappa built-in; register it with register_keras_serializable or pass it in "
                         "custom_objects.")
    if not isinstance(cls, type):
        return cls
    if inner is None:
        return cls
    obj = cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)
    build_config = config.get("build_config")
    if build_config and hasattr(obj, "build_from_config"):
        obj.build_from_config(build_config)
    compile_config = config.get("compile_config")
    if compile_config and hasattr(obj, "compile_from_config"):
        obj.compile_from_config(compile_config)
    return obj


def _lookup(name, module, custom_objects, module_objects):
    obj = get_registered_object(name, custom_objects, module_objects)
    if obj is not None:
        return obj
    namespaces = [module, _keras_namespace(module)] if module else []
    if not namespaces and module_objects is None:
        namespaces = list(_BUILTINS)  # a bare name with no namespace: any built-in
    elif module and not module.startswith(("keras", "kappa")):
        namespaces += list(_BUILTINS)  # e.g. Keras's private module paths of a built-in class
    for namespace in namespaces:
        table = _BUILTINS.get(namespace, {})
        if name in table:
            return table[name]
    return None


def _keras_namespace(module):
    """`kappa.layers` and Keras's private paths (`keras.src.layers.core.dense`) name a public namespace."""
    if module.startswith("kappa"):
        module = "keras" + module[len("kappa"):]
    if module.startswith("keras.src."):
        parts = module.split(".")
        return "keras." + parts[2] if len(parts) > 2 else "keras"
    return module
