"""Elementwise unary math, trigonometry, rounding and predicates on PyTorch."""

import torch

from k_backends.torch.core import COMPUTE_DTYPES, convert_to_tensor

__all__ = ["negative", "absolute", "bitwise_invert"]


def _unary(torch_func, bool_via=None):
    def op(x):
        x = convert_to_tensor(x)
        compute = bool_via if x.dtype == torch.bool and bool_via else COMPUTE_DTYPES.get(x.dtype)
        return torch_func(x) if compute is None else torch_func(x.to(compute)).to(x.dtype)
    op.__name__ = torch_func.__name__
    return op

negative = _unary(torch.negative)
absolute = _unary(torch.abs, bool_via=torch.uint8)
bitwise_invert = _unary(torch.bitwise_not)
