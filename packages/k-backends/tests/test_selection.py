import json
import os
import subprocess
import sys

import pytest

import k_backends
from k_backends import selection

FRAMEWORKS = ("jax", "torch", "tensorflow")


def _run(code, home, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("KAPPA_BACKEND", "KERAS_BACKEND")}
    full_env.update(env, KAPPA_HOME=str(home))
    return subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True)


def _selected(home, **env):
    result = _run("import k_backends; print(k_backends.backend())", home, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_default_is_first_installed_in_auto_order(tmp_path):
    installed = selection.installed_backends()
    expected = next(b for b in selection.AUTO_ORDER if b in installed)
    assert _selected(tmp_path) == expected


def test_kappa_backend_wins_over_keras_backend_and_config(tmp_path):
    (tmp_path / "kappa.json").write_text(json.dumps({"backend": "numpy"}))
    current = k_backends.backend()
    assert _selected(tmp_path, KAPPA_BACKEND=current, KERAS_BACKEND="numpy") == current


def test_keras_backend_is_honoured(tmp_path):
    current = k_backends.backend()
    assert _selected(tmp_path, KERAS_BACKEND=current) == current


def test_config_file_backend_is_honoured(tmp_path):
    (tmp_path / "kappa.json").write_text(json.dumps({"backend": "numpy"}))
    assert _selected(tmp_path) == "numpy"


@pytest.mark.parametrize("name", ["jaxx", "mxnet"])
def test_unknown_backend_error_lists_installed_ones(tmp_path, name):
    result = _run("import k_backends; k_backends.backend()", tmp_path, KAPPA_BACKEND=name)
    assert result.returncode != 0
    assert f"Backend '{name}'" in result.stderr
    assert "Installed backends: " + ", ".join(selection.installed_backends()) in result.stderr


def test_uninstalled_backend_is_a_clear_error(tmp_path):
    missing = [b for b in FRAMEWORKS if b not in selection.installed_backends()]
    if not missing:
        pytest.skip("every framework is installed in this environment")
    result = _run("import k_backends; k_backends.backend()", tmp_path, KAPPA_BACKEND=missing[0])
    assert result.returncode != 0
    assert "is not installed" in result.stderr


def test_set_backend_after_first_use_is_refused(tmp_path):
    others = [b for b in selection.installed_backends() if b != k_backends.backend()]
    if not others:
        pytest.skip("only one backend is installed")
    code = (f"import k_backends; k_backends.current(); "
            f"k_backends.set_backend({others[0]!r})")
    result = _run(code, tmp_path, KAPPA_BACKEND=k_backends.backend())
    assert result.returncode != 0 and "cannot switch" in result.stderr


def test_set_backend_before_first_use_selects_it(tmp_path):
    code = "import k_backends; k_backends.set_backend('numpy'); print(k_backends.current().NAME)"
    result = _run(code, tmp_path, KAPPA_BACKEND=k_backends.backend())
    assert result.stdout.strip() == "numpy", result.stderr
