"""einops-style tensor rearrangement (`keras.ops.rearrange`), written from reshape and transpose.

Supported patterns: named axes, parenthesised groups (merging on the right, splitting on the
left with lengths given as keyword arguments) and '...'; anything else raises a ValueError.
"""

from k_backends.rules import attention as rules
from k_ops import numpy as knp
from k_ops import shapes
from k_ops.core import convert_to_tensor
from k_ops.symbolic import KerasTensor

__all__ = ["rearrange"]


def _target(sizes):
    if sum(s is None for s in sizes) > 1:
        raise ValueError(f"rearrange cannot reshape to {tuple(sizes)}: more than one unknown length.")
    return tuple(-1 if s is None else s for s in sizes)


def rearrange(tensor, pattern, **axes_lengths):
    """Reorder, merge and split axes as an einops pattern says.

    Example:
        >>> x = kappa.ops.ones((2, 3, 4))
        >>> kappa.ops.rearrange(x, "b h w -> b (h w)").shape  # (2, 12)
        >>> kappa.ops.rearrange(x, "b (h2 h) w -> b h h2 w", h2=1).shape  # (2, 3, 1, 4)
    """
    x = tensor if isinstance(tensor, KerasTensor) else convert_to_tensor(tensor)
    shape = shapes.shape_of(x)
    elementary, permutation, out = rules.rearrange_plan(pattern, shape, axes_lengths)
    if list(elementary) != list(shape):
        x = knp.reshape(x, _target(elementary))
    if permutation != sorted(permutation):
        x = knp.transpose(x, permutation)
    if [elementary[p] for p in permutation] != out or list(shapes.shape_of(x)) != out:
        x = knp.reshape(x, _target(out))
    return x
