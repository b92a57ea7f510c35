"""Random draws on PyTorch from a seed pair (see k_backends.seed)."""

import torch

from k_backends import dtypes
from k_backends.torch.core import convert_to_numpy, convert_to_tensor, current_device, to_torch_dtype


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


def _parameter(value, shape, precision):
    # torch's samplers take one parameter per output entry, so parameters are expanded to `shape`.
    return convert_to_tensor(value, precision).expand(tuple(shape))


def _precision(dtype):
    return "float64" if dtypes.standardize_dtype(dtype) == "float64" else "float32"


def categorical(logits, num_samples, dtype, seed):
    logits = convert_to_tensor(logits)
    probabilities = torch.softmax(logits.to(torch.float64 if logits.dtype == torch.float64 else
                                            torch.float32), dim=-1)
    draws = torch.multinomial(probabilities, num_samples, replacement=True, generator=_generator(seed))
    return draws.to(to_torch_dtype(dtype))


def dropout(inputs, rate, noise_shape, seed):
    inputs = convert_to_tensor(inputs)
    keep = torch.empty(tuple(noise_shape), device=inputs.device).uniform_(generator=_generator(seed)) >= rate
    return torch.where(keep, inputs / (1.0 - rate), torch.zeros((), dtype=inputs.dtype, device=inputs.device))


def shuffle(x, axis, seed):
    x = convert_to_tensor(x)
    permutation = torch.randperm(x.shape[axis], generator=_generator(seed), device=x.device)
    return torch.index_select(x, axis, permutation)


def gamma(shape, alpha, dtype, seed):
    # Drawn in float32 (float64 if asked): torch has no CPU gamma sampler for float16.
    alpha = _parameter(alpha, shape, _precision(dtype))
    return torch._standard_gamma(alpha, generator=_generator(seed)).to(to_torch_dtype(dtype))


def binomial(shape, counts, probabilities, dtype, seed):
    precision = _precision(dtype)
    draws = torch.binomial(_parameter(counts, shape, precision).contiguous(),
                           _parameter(probabilities, shape, precision).contiguous(),
                           generator=_generator(seed))
    return draws.to(to_torch_dtype(dtype))


def beta(shape, alpha, beta, dtype, seed):
    # A beta draw is the first entry of a two-class Dirichlet draw (torch's Beta does the same).
    precision = _precision(dtype)
    concentration = torch.stack([_parameter(alpha, shape, precision), _parameter(beta, shape, precision)],
                                dim=-1)
    draws = torch._sample_dirichlet(concentration, generator=_generator(seed))
    return draws[..., 0].to(to_torch_dtype(dtype))
