import importlib

import pytest

from k_backends import selection
from k_backends.protocol import PROTOCOL
from k_backends.testing import missing_protocol_names


@pytest.mark.parametrize("name", selection.KNOWN_BACKENDS)
def test_backend_implements_the_whole_protocol(name):
    if name not in selection.installed_backends():
        pytest.skip(f"{name} is not installed in this environment")
    package = importlib.import_module(f"k_backends.{name}")
    assert missing_protocol_names(package) == []


def test_protocol_families_are_the_documented_ones():
    assert set(PROTOCOL) <= {"core", "numpy", "nn", "linalg", "math", "image", "random", "trainer"}
