"""Importing kappa's packages imports no framework until the backend is used."""

import importlib.util
import json
import os
import subprocess
import sys

import k_backends

FRAMEWORKS = ("jax", "torch", "tensorflow")
KAPPA_PACKAGES = [p for p in ("k_backends", "k_ops", "k_layers", "k_train", "k_quant",
                              "k_export", "kappa") if importlib.util.find_spec(p)]


def _loaded_frameworks(code, tmp_path):
    env = dict(os.environ, KAPPA_HOME=str(tmp_path), KAPPA_BACKEND=k_backends.backend())
    script = code + "\nimport json, sys; print(json.dumps(sorted(m for m in " \
        f"{FRAMEWORKS!r} if m in sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_every_kappa_package_imports_no_framework(tmp_path):
    imports = "\n".join(f"import {p}" for p in KAPPA_PACKAGES)
    assert _loaded_frameworks(imports + "\nk_backends.backend()", tmp_path) == []


def test_first_use_imports_only_the_selected_framework(tmp_path):
    loaded = _loaded_frameworks("import k_backends\nk_backends.current()", tmp_path)
    expected = [k_backends.backend()] if k_backends.backend() in FRAMEWORKS else []
    assert loaded == expected
