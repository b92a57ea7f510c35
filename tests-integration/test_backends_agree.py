"""With every framework installed: each backend conforms, and all give the same answers."""

import importlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from k_backends import selection
from k_backends.testing import frameworks_loaded_by, missing_protocol_names

BACKENDS = ("numpy", "jax", "torch", "tensorflow")

# Runs under one backend and prints what it computed, as JSON.
PROBE = r"""
import json, numpy as np, kappa
from k_backends import current
b = current()
names = ["bool", "uint8", "int8", "int16", "int32", "int64", "bfloat16", "float16", "float32", "float64"]
out = {"backend": kappa.backend.backend(), "dtypes": {}, "values": {}}
for d1 in names:
    for d2 in names:
        x1 = kappa.ops.convert_to_tensor(np.array([1, 0, 1]), dtype=d1)
        x2 = kappa.ops.convert_to_tensor(np.array([1, 1, 0]), dtype=d2)
        out["dtypes"][d1 + "+" + d2] = kappa.ops.dtype(b.numpy.add(x1, x2))
    for scalar in (1, 1.5, True):
        x = kappa.ops.convert_to_tensor(np.array([1, 2]), dtype=d1)
        out["dtypes"][d1 + "*" + repr(scalar)] = kappa.ops.dtype(b.numpy.multiply(x, scalar))
for value in (1, 1.5, True, [1, 2], [1, 2.5], [[True]]):
    out["dtypes"]["convert " + repr(value)] = kappa.ops.dtype(kappa.ops.convert_to_tensor(value))
a = np.linspace(-3, 3, 12, dtype="float32").reshape(3, 4)
w = kappa.Variable(np.linspace(1, 2, 8, dtype="float32").reshape(4, 2))
for name, fn in {"matmul": lambda: a @ w,
                 "divide": lambda: b.numpy.divide(a, 1.5),
                 "floor_divide": lambda: b.numpy.floor_divide(a, 0.7),
                 "mod": lambda: b.numpy.mod(a, 0.7),
                 "power": lambda: b.numpy.power(np.abs(a), 1.3)}.items():
    out["values"][name] = kappa.ops.convert_to_numpy(fn()).tolist()
print(json.dumps(out))
"""


def _probe(backend):
    env = dict(os.environ, KAPPA_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def probes():
    return {b: _probe(b) for b in BACKENDS}


def test_every_framework_is_installed_here():
    assert set(selection.installed_backends()) == set(BACKENDS)


@pytest.mark.parametrize("name", BACKENDS)
def test_each_backend_implements_the_protocol(name):
    assert missing_protocol_names(importlib.import_module(f"k_backends.{name}")) == []


def test_all_backends_give_the_same_dtypes(probes):
    reference = probes["numpy"]["dtypes"]
    for backend, probe in probes.items():
        assert probe["backend"] == backend
        differing = {k: (v, reference[k]) for k, v in probe["dtypes"].items() if v != reference[k]}
        assert differing == {}, f"{backend} differs from numpy: {differing}"


def test_all_backends_compute_the_same_values(probes):
    for backend, probe in probes.items():
        for name, values in probe["values"].items():
            np.testing.assert_allclose(values, probes["numpy"]["values"][name], rtol=1e-5,
                                       err_msg=f"{name} on {backend}")


def test_auto_selection_prefers_jax_when_everything_is_installed(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("KAPPA_BACKEND", "KERAS_BACKEND")}
    env["KAPPA_HOME"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-c", "import kappa; print(kappa.backend.backend())"],
                            env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "jax", result.stderr


@pytest.mark.parametrize("name", ["jax", "torch", "tensorflow"])
def test_using_one_backend_imports_no_other_framework(name):
    code = "import kappa\nkappa.ops.convert_to_tensor([1.0])"
    # TensorFlow imports jax by itself when both are installed; kappa adds nothing to that.
    assert frameworks_loaded_by(code, env={"KAPPA_BACKEND": name}) == frameworks_loaded_by(f"import {name}")
