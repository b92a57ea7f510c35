"""NumPy-like ops on PyTorch, with kappa's dtype promotion."""

import torch

from k_backends.inference import promoted
from k_backends.torch.core import COMPUTE_DTYPES, convert_to_tensor, to_torch_dtype

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "power",
    "matmul", "bitwise_and", "bitwise_or", "bitwise_xor", "equal", "not_equal", "less",
    "less_equal", "greater", "greater_equal",
]

_PY_SCALARS = (bool, int, float, complex)



def _operand(x, dtype):
    if isinstance(x, _PY_SCALARS):
        # A 0-d CPU tensor joins an op on any device as a kernel argument: no copy, no sync.
        return torch.tensor(x, dtype=dtype)
    return convert_to_tensor(x, dtype)


def _binary(torch_func, *extra, bool_via=None):
    """An op whose operands are cast to kappa's result dtype first (torch promotes differently).

    `bool_via` is the dtype to compute in for bool operands where torch has no bool kernel.
    """
    def op(x1, x2):
        dtype = to_torch_dtype(promoted(x1, x2, *extra))
        compute = bool_via if dtype == torch.bool and bool_via else COMPUTE_DTYPES.get(dtype, dtype)
        if isinstance(x1, _PY_SCALARS) and isinstance(x2, _PY_SCALARS):
            a, b = convert_to_tensor(x1, compute), convert_to_tensor(x2, compute)
        else:
            a, b = _operand(x1, compute), _operand(x2, compute)
        out = torch_func(a, b)
        return out if out.dtype in (dtype, torch.bool) else out.to(dtype)
    op.__name__ = torch_func.__name__
    return op


add = _binary(torch.add)
subtract = _binary(torch.subtract)
multiply = _binary(torch.multiply)
divide = _binary(torch.true_divide, float)
true_divide = divide
# torch.floor_divide and torch.remainder round toward -inf, as NumPy and Python do.
floor_divide = _binary(torch.floor_divide, bool_via=torch.uint8)
mod = _binary(torch.remainder, bool_via=torch.uint8)
power = _binary(torch.pow, bool_via=torch.uint8)
# Bool matmul is any(a & b): a float32 count of the true pairs, nonzero where there is one.
matmul = _binary(torch.matmul, bool_via=torch.float32)
# On bool tensors torch's bitwise ops are the logical ones.
bitwise_and = _binary(torch.bitwise_and)
bitwise_or = _binary(torch.bitwise_or)
bitwise_xor = _binary(torch.bitwise_xor)

equal = _binary(torch.eq)
not_equal = _binary(torch.ne)
less = _binary(torch.lt)
less_equal = _binary(torch.le)
greater = _binary(torch.gt)
greater_equal = _binary(torch.ge)
