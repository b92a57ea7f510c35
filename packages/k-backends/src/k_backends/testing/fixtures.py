"""pytest fixtures every kappa package's tests share; load with `pytest_plugins`.

    pytest_plugins = ["k_backends.testing.fixtures"]

Loading it points `KAPPA_HOME` at a temporary folder (unless already set), so
tests never touch the user's `~/.kappa` (kappa reads its config on first use,
which comes after the plugins load).
"""

import os
import tempfile

os.environ.setdefault("KAPPA_HOME", tempfile.mkdtemp(prefix="kappa-home-"))

import pytest  # noqa: E402

import k_backends  # noqa: E402


@pytest.fixture(scope="session")
def backend():
    """The selected backend's implementation package."""
    return k_backends.current()


@pytest.fixture(autouse=True)
def restore_config():
    """Undo a test's changes to floatx, epsilon and image_data_format."""
    saved = (k_backends.floatx(), k_backends.epsilon(), k_backends.image_data_format())
    yield
    k_backends.set_floatx(saved[0])
    k_backends.set_epsilon(saved[1])
    k_backends.set_image_data_format(saved[2])

