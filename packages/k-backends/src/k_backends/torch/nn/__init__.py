"""Neural-network ops on PyTorch, one module per group (the groups of k_ops.nn)."""

from k_backends.torch.nn.convolution import *  # noqa: F403
from k_backends.torch.nn.pooling import *  # noqa: F403
