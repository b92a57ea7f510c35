"""Which backend this process runs on, and loading it on first use.

The choice is made once: `KAPPA_BACKEND`, else `KERAS_BACKEND`, else the
config file's `"backend"`, else the first installed of `AUTO_ORDER`. Naming a
backend imports nothing; its framework is imported by `current()`.
"""

import importlib
import importlib.util
import os

from k_backends import config

KNOWN_BACKENDS = ("jax", "torch", "tensorflow", "numpy")
AUTO_ORDER = ("jax", "torch", "tensorflow", "numpy")
_FRAMEWORK_MODULE = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow", "numpy": "numpy"}

_state = {"name": None, "module": None}


def installed_backends():
    """Names of the backends whose framework is importable here."""
    return tuple(b for b in KNOWN_BACKENDS
                 if importlib.util.find_spec(_FRAMEWORK_MODULE[b]) is not None)


def _validate(name, source):
    if name not in KNOWN_BACKENDS or name not in installed_backends():
        state = "is not installed" if name in KNOWN_BACKENDS else "is not a kappa backend"
        raise ValueError(
            f"Backend {name!r} (from {source}) {state}. Installed backends: "
            f"{', '.join(installed_backends())}. Known backends: {', '.join(KNOWN_BACKENDS)}.")
    return name


def _choose():
    for variable in ("KAPPA_BACKEND", "KERAS_BACKEND"):
        value = os.environ.get(variable)
        if value:
            return _validate(value.strip().lower(), f"${variable}")
    from_file = config.read_config_file().get("backend")
    if from_file:
        return _validate(str(from_file).strip().lower(), config.config_path())
    for name in AUTO_ORDER:
        if importlib.util.find_spec(_FRAMEWORK_MODULE[name]) is not None:
            return name
    raise ImportError("kappa found no backend; numpy should always be installed.")


def backend():
    """The name of the selected backend: "jax", "torch", "tensorflow" or "numpy"."""
    name = _state["name"]
    if name is None:
        name = _state["name"] = _choose()
    return name


def set_backend(backend):
    """Choose the backend before it is first used in this process.

    kappa imports a framework once per process; switching after that would
    leave existing tensors and variables on the old one, so it is an error.
    """
    name = _validate(str(backend).strip().lower(), "set_backend")
    if _state["module"] is not None and name != _state["name"]:
        raise RuntimeError(
            f"kappa is already running on {_state['name']!r} in this process; it cannot "
            f"switch to {name!r}. Set KAPPA_BACKEND={name} before starting Python.")
    _state["name"] = name


def current():
    """The selected backend's implementation package, imported on first call."""
    module = _state["module"]
    if module is None:
        module = _state["module"] = importlib.import_module(f"k_backends.{backend()}")
    return module


def is_loaded():
    """Whether the backend's framework has been imported yet."""
    return _state["module"] is not None


def device(device_name):
    """Context manager placing tensors created inside it on `device_name` ("cpu", "gpu:0", ...).

    Example:
    >>> with kappa.device("cpu"):
    ...     x = kappa.ops.convert_to_tensor([1.0])
    """
    return current().core.device_scope(device_name)
