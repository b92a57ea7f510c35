import numpy as np
import pytest

from k_backends import seed as seeds
from k_backends.dtypes import standardize_dtype
from k_backends.selection import backend as k_backends_name

from conftest import to_numpy


def _draw(backend, name, seed, shape=(2000,), dtype="float32"):
    drawn = seeds.draw_seed(seed)
    if name == "normal":
        return to_numpy(backend.random.normal(shape, 1.0, 2.0, dtype, drawn))
    if name == "uniform":
        return to_numpy(backend.random.uniform(shape, -1.0, 3.0, dtype, drawn))
    if name == "randint":
        return to_numpy(backend.random.randint(shape, 2, 7, "int32", drawn))
    return to_numpy(backend.random.truncated_normal(shape, 1.0, 2.0, dtype, drawn))


NAMES = ["normal", "uniform", "randint", "truncated_normal"]


@pytest.mark.parametrize("name", NAMES)
def test_same_int_seed_gives_same_draws(backend, name):
    np.testing.assert_array_equal(_draw(backend, name, 7), _draw(backend, name, 7))
    assert not np.array_equal(_draw(backend, name, 7), _draw(backend, name, 8))


@pytest.mark.parametrize("name", NAMES)
def test_seed_generator_advances_and_replays(backend, name):
    gen = seeds.SeedGenerator(3)
    first, second = _draw(backend, name, gen), _draw(backend, name, gen)
    assert not np.array_equal(first, second)
    replay = seeds.SeedGenerator(3)
    np.testing.assert_array_equal(_draw(backend, name, replay), first)


def test_global_seed_makes_unseeded_draws_repeat(backend):
    seeds.set_random_seed(11)
    a = _draw(backend, "normal", None)
    b = _draw(backend, "normal", None)
    seeds.set_random_seed(11)
    np.testing.assert_array_equal(_draw(backend, "normal", None), a)
    assert not np.array_equal(a, b)


def test_distributions_have_the_requested_moments_and_ranges(backend):
    normal = _draw(backend, "normal", 1, shape=(20000,))
    assert abs(normal.mean() - 1.0) < 0.05 and abs(normal.std() - 2.0) < 0.05
    uniform = _draw(backend, "uniform", 1, shape=(20000,))
    assert uniform.min() >= -1.0 and uniform.max() < 3.0 and abs(uniform.mean() - 1.0) < 0.05
    ints = _draw(backend, "randint", 1, shape=(20000,))
    assert set(np.unique(ints)) == {2, 3, 4, 5, 6}
    truncated = _draw(backend, "truncated_normal", 1, shape=(20000,))
    assert truncated.min() >= 1.0 - 4.0 and truncated.max() <= 1.0 + 4.0
    assert abs(truncated.std() - 2.0 * 0.8796) < 0.05  # std of a normal truncated at 2 sigma


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_draws_have_the_requested_dtype(backend, dtype):
    x = backend.random.normal((3,), 0.0, 1.0, dtype, seeds.draw_seed(1))
    assert standardize_dtype(x.dtype) == dtype


@pytest.mark.parametrize("bad", [-1, 2**31, 1.5, "7"])
def test_bad_seed_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="seed"):
        seeds.draw_seed(bad)
    with pytest.raises(ValueError, match="seed"):
        seeds.SeedGenerator(bad)


def test_seed_generator_is_stateless_inside_jax_jit(backend):
    if k_backends_name() != "jax":
        pytest.skip("jax.jit is specific to the jax backend")
    import jax

    from k_backends.variables import StatelessScope

    gen = seeds.SeedGenerator(5)

    @jax.jit
    def draw(state):
        with StatelessScope([(gen.state, state)]) as scope:
            values = backend.random.normal((4,), 0.0, 1.0, "float32", seeds.draw_seed(gen))
        return values, scope.get_current_value(gen.state)

    first, state = draw(gen.state.value)
    second, state = draw(state)
    assert to_numpy(gen.state.value).tolist() == [5, 0]  # never assigned
    assert to_numpy(state).tolist() == [5, 2]
    eager = seeds.SeedGenerator(5)
    np.testing.assert_allclose(to_numpy(first), _draw(backend, "normal", eager, (4,)) * 0.5 - 0.5, atol=1e-6)
    assert not np.array_equal(to_numpy(first), to_numpy(second))

    @jax.jit
    def leak(x):
        gen.state.assign(x)
        return x

    with pytest.raises(RuntimeError, match="StatelessScope"):
        leak(np.array([1, 2], "int32"))
