"""The NumPy-like op family, one module per group of ops.

Each group module lists its public ops in `__all__`; the selected backend
implements each in `k_backends.<backend>.numpy.<group>`.
"""

from k_ops.numpy import binary, creation, elementwise, indexing, linear, manipulation, reductions
from k_ops.numpy.binary import *  # noqa: F403
from k_ops.numpy.creation import *  # noqa: F403
from k_ops.numpy.elementwise import *  # noqa: F403
from k_ops.numpy.indexing import *  # noqa: F403
from k_ops.numpy.linear import *  # noqa: F403
from k_ops.numpy.manipulation import *  # noqa: F403
from k_ops.numpy.reductions import *  # noqa: F403

__all__ = [name for group in (elementwise, binary, reductions, creation, manipulation, indexing, linear)
           for name in group.__all__]
