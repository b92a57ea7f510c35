"""NumPy-like ops on TensorFlow, one module per group (the groups of k_ops.numpy)."""

from k_backends.tensorflow.numpy.binary import *  # noqa: F403
from k_backends.tensorflow.numpy.creation import *  # noqa: F403
from k_backends.tensorflow.numpy.elementwise import *  # noqa: F403
from k_backends.tensorflow.numpy.indexing import *  # noqa: F403
from k_backends.tensorflow.numpy.linear import *  # noqa: F403
from k_backends.tensorflow.numpy.manipulation import *  # noqa: F403
from k_backends.tensorflow.numpy.reductions import *  # noqa: F403
