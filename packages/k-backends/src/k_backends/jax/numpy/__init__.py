"""NumPy-like ops on JAX, one module per group (the groups of k_ops.numpy)."""

from k_backends.jax.numpy.binary import *  # noqa: F403
from k_backends.jax.numpy.creation import *  # noqa: F403
from k_backends.jax.numpy.elementwise import *  # noqa: F403
from k_backends.jax.numpy.indexing import *  # noqa: F403
from k_backends.jax.numpy.linear import *  # noqa: F403
from k_backends.jax.numpy.manipulation import *  # noqa: F403
from k_backends.jax.numpy.reductions import *  # noqa: F403
