import os
import tempfile

# Keep the tests away from the user's ~/.kappa; must run before k_backends is imported.
os.environ.setdefault("KAPPA_HOME", tempfile.mkdtemp(prefix="kappa-home-"))

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import k_backends  # noqa: E402


@pytest.fixture(scope="session")
def backend():
    """The selected backend's implementation package."""
    return k_backends.current()


@pytest.fixture(autouse=True)
def restore_config():
    saved = (k_backends.floatx(), k_backends.epsilon(), k_backends.image_data_format())
    yield
    k_backends.set_floatx(saved[0])
    k_backends.set_epsilon(saved[1])
    k_backends.set_image_data_format(saved[2])


def to_numpy(x):
    return np.asarray(k_backends.current().core.convert_to_numpy(x))
