"""Random draws on PyTorch from a seed pair (see k_backends.seed)."""

import torch

from k_backends.torch.core import convert_to_numpy, current_device, to_torch_dtype


def _generator(seed):
    # The CPU generator (mt19937) keeps only 32 bits of its seed, so the pair becomes 32 bits:
    # a bijective mix of the base seed plus the counter keeps distinct int seeds apart, and
    # (s, 0), (s, 1), ... apart. Reading the pair copies it to the host when it is on a GPU.
    base, counter = (int(s) for s in convert_to_numpy(seed).reshape(-1))
    generator = torch.Generator(device=current_device())
    generator.manual_seed((_mix32(base) + counter) & 0xFFFFFFFF)
    return generator


def _mix32(x):
    # Xor-shifts and an odd multiplier are each invertible on 32 bits, so the mix is a bijection.
    x &= 0xFFFFFFFF
    for _ in range(2):
        x = ((x ^ (x >> 16)) * 0x45D9F3B) & 0xFFFFFFFF
    return x ^ (x >> 16)


def _buffer(shape, dtype):
    # Draw in float32 (float64 if asked) and cast at the end, so low precision dtypes round once.
    precision = torch.float64 if to_torch_dtype(dtype) == torch.float64 else torch.float32
    return torch.empty(tuple(shape), dtype=precision, device=current_device())


def normal(shape, mean, stddev, dtype, seed):
    draws = _buffer(shape, dtype).normal_(generator=_generator(seed))
    return (draws * stddev + mean).to(to_torch_dtype(dtype))


def uniform(shape, minval, maxval, dtype, seed):
    draws = _buffer(shape, dtype).uniform_(generator=_generator(seed))
    return (minval + draws * (maxval - minval)).to(to_torch_dtype(dtype))


def randint(shape, minval, maxval, dtype, seed):
    draws = torch.randint(int(minval), int(maxval), tuple(shape), generator=_generator(seed),
                          dtype=torch.int64, device=current_device())
    return draws.to(to_torch_dtype(dtype))


def truncated_normal(shape, mean, stddev, dtype, seed):
    # Inverse-CDF sampling within two standard deviations: no resampling loop, no host sync.
    draws = torch.nn.init.trunc_normal_(_buffer(shape, dtype), 0.0, 1.0, -2.0, 2.0,
                                        generator=_generator(seed))
    return (draws * stddev + mean).to(to_torch_dtype(dtype))


def set_framework_seed(seed):
    """Seed torch's global generators (CPU and every GPU)."""
    torch.manual_seed(seed)
