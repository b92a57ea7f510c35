"""NumPy-like ops on PyTorch, one module per group (the groups of k_ops.numpy)."""

from k_backends.torch.numpy.binary import *  # noqa: F403
from k_backends.torch.numpy.creation import *  # noqa: F403
from k_backends.torch.numpy.elementwise import *  # noqa: F403
from k_backends.torch.numpy.indexing import *  # noqa: F403
from k_backends.torch.numpy.linear import *  # noqa: F403
from k_backends.torch.numpy.manipulation import *  # noqa: F403
from k_backends.torch.numpy.reductions import *  # noqa: F403
