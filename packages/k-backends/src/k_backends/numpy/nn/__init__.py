"""Neural-network ops on NumPy, one module per group (the groups of k_ops.nn)."""

from k_backends.numpy.nn.convolution import *  # noqa: F403
from k_backends.numpy.nn.pooling import *  # noqa: F403
