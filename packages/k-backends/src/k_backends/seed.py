"""Seeds for random draws: `SeedGenerator`, the global seed, and `draw_seed`.

A drawn seed is a backend tensor of two int32 values (base seed, counter).
Every backend turns it into its own generator state, so a given seed gives
the same draws every time on a given backend (not across backends: each
framework has its own generator algorithm).
"""

import random

import numpy as np

from k_backends.selection import current
from k_backends.variables import Variable, name_scope

_MAX_SEED = 2**31 - 1
_global = {"seed": None, "generator": None}


def _check_seed(seed, argument):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= _MAX_SEED:
        raise ValueError(f"{argument} must be an int in [0, {_MAX_SEED}]; got {argument}={seed!r}.")
    return int(seed)


class SeedGenerator:
    """A stream of seeds for random ops, held in a variable so it can be saved.

    Args:
        seed: the base seed (int). `None` picks one from Python's `random`,
            which `set_random_seed` seeds.
        name: the name of its state variable's scope.

    Example:
    >>> gen = SeedGenerator(42)
    >>> a = kappa.random.normal((2,), seed=gen)
    >>> b = kappa.random.normal((2,), seed=gen)  # differs from a
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise TypeError(f"SeedGenerator got unexpected arguments: {sorted(kwargs)}.")
        if seed is None:
            seed = random.randint(1, _MAX_SEED)
        self._initial_seed = _check_seed(seed, "seed")
        self.name = name or "seed_generator"
        with name_scope(self.name):
            self.state = Variable(np.array([self._initial_seed, 0], dtype="int32"), dtype="int32",
                                  trainable=False, name="seed_generator_state")

    def next(self, ordered=True):
        """Return the current seed and advance the stream."""
        seed = self.state.value
        if ordered:
            self.state.assign(current().numpy.add(seed, np.array([0, 1], dtype="int32")))
        else:
            # Reordering-tolerant update: a pure function of the old state.
            mixed = current().numpy.mod(current().numpy.multiply(
                current().numpy.add(seed, 1), 5387), 933199)
            self.state.assign(mixed)
        return seed

    def get_config(self):
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def set_random_seed(seed):
    """Seed Python, NumPy, the global `SeedGenerator` and any loaded framework.

    After this, random ops called with `seed=None` repeat from run to run.
    """
    seed = _check_seed(seed, "seed")
    random.seed(seed)
    np.random.seed(seed)
    _global["seed"] = seed
    _global["generator"] = None
    backend_seed = getattr(current().random, "set_framework_seed", None)
    if backend_seed is not None:
        backend_seed(seed)


def global_seed_generator():
    """The generator that random ops use when called with `seed=None`."""
    generator = _global["generator"]
    if generator is None:
        generator = _global["generator"] = SeedGenerator(_global["seed"], name="global_seed_generator")
    return generator


def draw_seed(seed):
    """Turn a `seed` argument (int, SeedGenerator or None) into a seed tensor."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return global_seed_generator().next()
    seed = _check_seed(seed, "seed")
    return current().core.convert_to_tensor(np.array([seed, 0], dtype="int32"))
