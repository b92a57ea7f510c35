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
    loaded = frameworks_loaded_by("import k_backends\nk_backends.current()",
                                  env={"KAPPA_BACKEND": k_backends.backend()})
    assert loaded == ([k_backends.backend()] if k_backends.backend() in FRAMEWORKS else [])
