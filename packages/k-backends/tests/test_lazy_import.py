"""Importing kappa's packages imports no framework until the backend is used."""

import importlib.util

import k_backends
from k_backends.testing import frameworks_loaded_by
from k_backends.testing.isolation import FRAMEWORKS

KAPPA_PACKAGES = [p for p in ("k_backends", "k_ops", "k_layers", "k_train", "k_quant",
                              "k_export", "kappa") if importlib.util.find_spec(p)]


def test_importing_every_kappa_package_imports_no_framework():
    imports = "\n".join(f"import {p}" for p in KAPPA_PACKAGES)
    assert frameworks_loaded_by(imports + "\nk_backends.backend()") == []


def test_first_use_imports_only_the_selected_framework():
    name = k_backends.backend()
    loaded = frameworks_loaded_by("import k_backends\nk_backends.current()", env={"KAPPA_BACKEND": name})
    # TensorFlow 2.21 imports jax by itself when jax is installed; that is not kappa's doing.
    expected = frameworks_loaded_by(f"import {name}") if name in FRAMEWORKS else []
    assert loaded == expected and (name in loaded or name == "numpy")
