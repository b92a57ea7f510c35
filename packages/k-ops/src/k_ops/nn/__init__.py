"""The neural-network op family (`keras.ops.nn`), one module per group of ops."""

from k_ops.nn import activations, attention, convolution, ctc, encoding, losses, normalization, pooling
from k_ops.nn.activations import *  # noqa: F403
from k_ops.nn.attention import *  # noqa: F403
from k_ops.nn.convolution import *  # noqa: F403
from k_ops.nn.ctc import *  # noqa: F403
from k_ops.nn.encoding import *  # noqa: F403
from k_ops.nn.losses import *  # noqa: F403
from k_ops.nn.normalization import *  # noqa: F403
from k_ops.nn.pooling import *  # noqa: F403

__all__ = [name for group in (activations, normalization, encoding, losses, convolution, pooling,
                              attention, ctc)
           for name in group.__all__]
