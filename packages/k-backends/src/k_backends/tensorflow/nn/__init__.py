"""Neural-network ops on TensorFlow, one module per group (the groups of k_ops.nn)."""

from k_backends.tensorflow.nn.convolution import *  # noqa: F403
from k_backends.tensorflow.nn.pooling import *  # noqa: F403
