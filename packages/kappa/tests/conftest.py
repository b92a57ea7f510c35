from k_backends.testing.values import to_numpy as to_numpy

pytest_plugins = ["k_backends.testing.fixtures"]
