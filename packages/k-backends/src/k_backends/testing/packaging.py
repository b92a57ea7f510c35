"""Checks every kappa package runs on itself: metadata and a framework-free import."""

import importlib
import pathlib
import re

from k_backends.testing.isolation import frameworks_loaded_by

SIBLINGS = ("k-backends", "k-ops", "k-layers", "k-train", "k-quant", "k-export")


def check_kappa_package(package_root, module_name):
    """Assert that the package at `package_root` is laid out as kappa's packages are.

    Its version lives in `module.__version__` only, sibling dependencies carry
    a range within the current minor series, and importing it loads no framework.
    """
    import tomllib

    root = pathlib.Path(package_root)
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    module = importlib.import_module(module_name)
    assert project["dynamic"] == ["version"], "the version must live in __version__ only"
    assert re.fullmatch(r"\d+\.\d+\.\d+", module.__version__), module.__version__
    for requirement in project.get("dependencies", []):
        name = re.split(r"[<>=!\[ ]", requirement, maxsplit=1)[0]
        if name in SIBLINGS:
            assert re.search(r">=\d+\.\d+,<\d+\.\d+$", requirement), \
                f"{requirement!r} must pin a range such as >=0.1,<0.2"
    for name in ("README.md", "CHANGELOG.md"):
        assert (root / name).is_file(), f"{root.name} lacks {name}"
    assert frameworks_loaded_by(f"import {module_name}") == []
