import pathlib

from k_backends.testing import check_kappa_package


def test_package_layout_and_framework_free_import():
    check_kappa_package(pathlib.Path(__file__).resolve().parents[1], "k_layers")
