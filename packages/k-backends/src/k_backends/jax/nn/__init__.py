"""Neural-network ops on JAX, one module per group (the groups of k_ops.nn)."""

from k_backends.jax.nn.convolution import *  # noqa: F403
from k_backends.jax.nn.pooling import *  # noqa: F403
