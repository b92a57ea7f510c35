import numpy as np
import pytest

import k_ops
from k_backends.seed import set_random_seed
from k_ops import random

from conftest import to_numpy


@pytest.mark.parametrize("draw", [
    lambda seed: random.normal((50,), seed=seed),
    lambda seed: random.uniform((50,), minval=2.0, maxval=3.0, seed=seed),
    lambda seed: random.randint((50,), 0, 10, seed=seed),
    lambda seed: random.truncated_normal((50,), seed=seed),
])
def test_public_draws_are_reproducible(draw):
    np.testing.assert_array_equal(to_numpy(draw(5)), to_numpy(draw(5)))
    generator = random.SeedGenerator(5)
    first, second = to_numpy(draw(generator)), to_numpy(draw(generator))
    assert not np.array_equal(first, second)
    set_random_seed(9)
    unseeded = to_numpy(draw(None))
    set_random_seed(9)
    np.testing.assert_array_equal(to_numpy(draw(None)), unseeded)


def test_default_dtypes():
    assert k_ops.dtype(random.normal((2,), seed=1)) == "float32"
    assert k_ops.dtype(random.randint((2,), 0, 3, seed=1)) == "int32"
    assert k_ops.dtype(random.uniform((2,), dtype="float16", seed=1)) == "float16"


def test_uniform_respects_bounds():
    x = to_numpy(random.uniform((1000,), minval=-2.0, maxval=-1.0, seed=3))
    assert x.min() >= -2.0 and x.max() < -1.0


@pytest.mark.parametrize("call,match", [
    (lambda: random.normal((2,), dtype="int32"), "dtype='int32'"),
    (lambda: random.randint((2,), 0, 5, dtype="float32"), "dtype='float32'"),
    (lambda: random.randint((2,), 5, 5), "minval=5, maxval=5"),
    (lambda: random.uniform((2, -1)), r"shape=\(2, -1\)"),
    (lambda: random.normal(3), "shape=3"),
    (lambda: random.normal((2,), seed=-4), "seed=-4"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
