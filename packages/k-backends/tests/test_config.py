import json
import os
import subprocess
import sys

import pytest

import k_backends


def test_floatx_epsilon_and_image_data_format_round_trip():
    k_backends.set_floatx("float16")
    k_backends.set_epsilon(1e-5)
    k_backends.set_image_data_format("channels_first")
    assert k_backends.floatx() == "float16"
    assert k_backends.epsilon() == 1e-5
    assert k_backends.image_data_format() == "channels_first"


@pytest.mark.parametrize("setter,value", [
    (k_backends.set_floatx, "int32"),
    (k_backends.set_epsilon, -1.0),
    (k_backends.set_epsilon, "small"),
    (k_backends.set_image_data_format, "channels_middle"),
])
def test_setters_reject_bad_values_naming_them(setter, value):
    with pytest.raises(ValueError, match=repr(value).replace(".", r"\.")):
        setter(value)


def _run(code, home, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("KAPPA_BACKEND", "KERAS_BACKEND")}
    full_env.update(env, KAPPA_HOME=str(home))
    return subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True)


def test_config_file_is_created_with_defaults_in_kappa_home(tmp_path):
    home = tmp_path / "home"
    assert _run("import k_backends", home).returncode == 0
    assert not (home / "kappa.json").exists()  # importing touches no file
    result = _run("import k_backends; k_backends.floatx()", home)
    assert result.returncode == 0, result.stderr
    content = json.loads((home / "kappa.json").read_text())
    assert content == {"floatx": "float32", "epsilon": 1e-07, "image_data_format": "channels_last"}


def test_config_file_values_are_read(tmp_path):
    (tmp_path / "kappa.json").write_text(json.dumps(
        {"floatx": "float64", "epsilon": 0.001, "image_data_format": "channels_first"}))
    result = _run("import k_backends as k; print(k.floatx(), k.epsilon(), k.image_data_format())",
                  tmp_path)
    assert result.stdout.split() == ["float64", "0.001", "channels_first"], result.stderr


def test_corrupt_config_file_is_a_clear_error(tmp_path):
    (tmp_path / "kappa.json").write_text("{not json")
    result = _run("import k_backends; k_backends.floatx()", tmp_path)
    assert result.returncode != 0
    assert "kappa.json" in result.stderr and "Fix or delete the file" in result.stderr
