"""The Keras namespace laid out by the meta-package."""

import ast
import inspect
import json
import pathlib

import numpy as np
import pytest

import kappa

REFERENCE = pathlib.Path(__file__).resolve().parents[3].parent / "shared" / "keras_api" / "keras-3.15.1.json"


def test_keras_style_imports_work():
    from kappa import ops
    from kappa.ops import convert_to_tensor
    from kappa.random import SeedGenerator

    assert ops.convert_to_tensor is convert_to_tensor
    assert SeedGenerator is kappa.random.SeedGenerator


def test_backend_and_config_name_the_selected_backend():
    assert kappa.backend.backend() == kappa.config.backend()
    assert kappa.backend.backend() in ("jax", "torch", "tensorflow", "numpy")
    assert kappa.config.floatx() == "float32"


def test_variable_and_ops_work_together():
    v = kappa.Variable(np.array([1.0, 2.0], "float32"), name="v")
    w = kappa.ops.cast(v * 2, "float16")
    assert kappa.ops.dtype(w) == "float16"
    np.testing.assert_array_equal(kappa.ops.convert_to_numpy(w), [2.0, 4.0])


def test_device_and_name_scope():
    with kappa.name_scope("block"), kappa.device("cpu"):
        v = kappa.Variable(0.0, name="b")
    assert v.path == "block/b"


def test_set_random_seed_is_in_utils():
    kappa.utils.set_random_seed(3)
    a = kappa.ops.convert_to_numpy(kappa.random.uniform((4,)))
    kappa.utils.set_random_seed(3)
    np.testing.assert_array_equal(kappa.ops.convert_to_numpy(kappa.random.uniform((4,))), a)


def _reference():
    if not REFERENCE.is_file():
        pytest.skip(f"the Keras API reference is not at {REFERENCE}")
    return json.loads(REFERENCE.read_text())


def _exported_names():
    names = []
    for module_name in ("backend", "config", "ops", "ops.numpy", "ops.nn", "ops.linalg", "ops.image",
                        "random", "utils", "layers", "models", "initializers", "regularizers", "constraints",
                        "activations", "dtype_policies", "mixed_precision", "losses", "metrics", "optimizers",
                        "optimizers.schedules", "callbacks", "saving"):
        module = kappa
        for part in module_name.split("."):
            module = getattr(module, part)
        public = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
        names += [f"{module_name}.{n}" for n in public
                  if callable(getattr(module, n)) and not inspect.ismodule(getattr(module, n))]
    return names + ["KerasTensor", "Variable", "device", "name_scope", "version", "StatelessScope", "Layer",
                    "Model", "Sequential", "Input", "InputSpec", "DTypePolicy", "FloatDTypePolicy",
                    "Initializer", "Regularizer", "Loss", "Metric", "Optimizer"]


def _reference_parameters(signature):
    """Parameter names of a reference signature string such as "(x, axes=(0, 1), *, k=None)"."""
    if signature == "(/, *args, **kwargs)":  # a class without its own __init__, as Keras's listing prints it
        return []
    arguments = ast.parse(f"def f{signature}: pass").body[0].args
    ordered = [*arguments.posonlyargs, *arguments.args, arguments.vararg, *arguments.kwonlyargs,
               arguments.kwarg]
    names = [a.arg for a in ordered if a is not None]
    return [n for n in names if n != "self"]


@pytest.mark.parametrize("name", _exported_names())
def test_exported_names_follow_keras_signatures(name):
    reference = _reference().get(f"keras.{name}")
    if reference is None:
        pytest.skip(f"keras.{name} is not in the Keras 3.15.1 reference (a kappa addition)")
    obj = kappa
    for part in name.split("."):
        obj = getattr(obj, part)
    ours = [p for p in inspect.signature(obj).parameters if p != "self"]
    theirs = _reference_parameters(reference["signature"])
    assert ours == theirs, f"{name}: ours {ours}, Keras {theirs}"
