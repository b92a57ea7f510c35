"""NumPy-like ops on NumPy, one module per group (the groups of k_ops.numpy)."""

from k_backends.numpy.numpy.binary import *  # noqa: F403
from k_backends.numpy.numpy.creation import *  # noqa: F403
from k_backends.numpy.numpy.elementwise import *  # noqa: F403
from k_backends.numpy.numpy.indexing import *  # noqa: F403
from k_backends.numpy.numpy.linear import *  # noqa: F403
from k_backends.numpy.numpy.manipulation import *  # noqa: F403
from k_backends.numpy.numpy.reductions import *  # noqa: F403
