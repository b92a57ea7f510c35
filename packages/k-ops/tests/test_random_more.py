"""categorical, dropout, shuffle, gamma, binomial and beta: seeding, moments, dtypes, symbolic path, errors.

Moments are checked against the distributions' closed forms with large samples; each tolerance
is several standard errors wide, so a correct sampler fails with negligible probability.
"""

import numpy as np
import pytest

import k_backends
import k_ops
from k_backends.seed import set_random_seed
from k_ops import random
from k_ops.symbolic import KerasTensor

from conftest import BACKEND, FLOAT_DTYPES, check_symbolic, dtype_name, to_numpy

LOGITS = np.array([[0.0, 1.0, 2.0], [3.0, 0.0, -1.0]], "float32")
# One shape and parameter set per distribution throughout: jax compiles its gamma, beta and
# binomial samplers per shape and dtype (about 5 s each on a 2-core CPU), so every new shape costs.
SHAPE = (20000, 3)
ALPHA, BETA = np.array([0.5, 2.0, 5.0]), np.array([0.5, 5.0, 1.0])
COUNTS, PROBABILITIES = np.array([5.0, 10.0, 20.0]), np.array([0.1, 0.5, 0.0])

DRAWS = {
    "categorical": lambda seed, **kw: random.categorical(LOGITS, 30, seed=seed, **kw),
    "dropout": lambda seed: random.dropout(np.ones((4, 10), "float32"), 0.5, seed=seed),
    "shuffle": lambda seed: random.shuffle(np.arange(30, dtype="int32"), seed=seed),
    "gamma": lambda seed, **kw: random.gamma(SHAPE, ALPHA, seed=seed, **kw),
    "binomial": lambda seed, **kw: random.binomial(SHAPE, COUNTS, PROBABILITIES, seed=seed, **kw),
    "beta": lambda seed, **kw: random.beta(SHAPE, ALPHA, BETA, seed=seed, **kw),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_draws_repeat_for_an_int_seed_and_advance_with_a_seed_generator(name):
    draw = DRAWS[name]
    np.testing.assert_array_equal(to_numpy(draw(5)), to_numpy(draw(5)))
    assert not np.array_equal(to_numpy(draw(5)), to_numpy(draw(6)))
    generator = random.SeedGenerator(5)
    first, second = to_numpy(draw(generator)), to_numpy(draw(generator))
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(to_numpy(draw(random.SeedGenerator(5))), first)
    set_random_seed(9)
    unseeded = to_numpy(draw(None))
    set_random_seed(9)
    np.testing.assert_array_equal(to_numpy(draw(None)), unseeded)


# -- moments ---------------------------------------------------------------------------------------
def assert_within(actual, expected, tolerance):
    """Elementwise |actual - expected| <= tolerance, where the tolerance may differ per entry."""
    gap = np.abs(np.asarray(actual) - expected)
    assert (gap <= tolerance).all(), f"got {actual}, expected {expected} within {tolerance}"


def test_gamma_has_mean_and_variance_alpha():
    x = to_numpy(DRAWS["gamma"](1)).astype("float64")
    assert x.min() > 0
    assert_within(x.mean(axis=0), ALPHA, 5 * np.sqrt(ALPHA / SHAPE[0]))
    np.testing.assert_allclose(x.var(axis=0), ALPHA, rtol=0.1)


def test_beta_has_mean_a_over_a_plus_b():
    x = to_numpy(DRAWS["beta"](2)).astype("float64")
    assert x.min() >= 0 and x.max() <= 1
    mean = ALPHA / (ALPHA + BETA)
    var = ALPHA * BETA / ((ALPHA + BETA) ** 2 * (ALPHA + BETA + 1))
    assert_within(x.mean(axis=0), mean, 5 * np.sqrt(var / SHAPE[0]))
    np.testing.assert_allclose(x.var(axis=0), var, rtol=0.1)


def test_binomial_draws_whole_numbers_with_mean_n_times_p():
    x = to_numpy(DRAWS["binomial"](3)).astype("float64")
    np.testing.assert_array_equal(x, np.round(x))
    assert (x >= 0).all() and (x <= COUNTS).all()
    mean, var = COUNTS * PROBABILITIES, COUNTS * PROBABILITIES * (1 - PROBABILITIES)
    assert_within(x.mean(axis=0), mean, 5 * np.sqrt(var / SHAPE[0]))
    np.testing.assert_allclose(x.var(axis=0), var, rtol=0.1)


def test_categorical_frequencies_follow_softmax_of_logits():
    logits = np.array([[0.0, 1.0, 2.0, -1.0], [2.0, 2.0, -np.inf, 0.0]], "float32")
    x = to_numpy(random.categorical(logits, 20000, seed=4))
    assert x.shape == (2, 20000)
    assert (x[1] != 2).all(), "a class of logit -inf was drawn"
    finite = np.where(np.isinf(logits), -1e30, logits).astype("float64")
    softmax = np.exp(finite - finite.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    frequencies = np.stack([np.bincount(row, minlength=4) for row in x]) / 20000
    np.testing.assert_allclose(frequencies, softmax, atol=0.015)


@pytest.mark.parametrize("rate", [0.0, 0.3, 0.75])
def test_dropout_keeps_about_one_minus_rate_and_scales_kept_values(rate):
    x = to_numpy(random.dropout(np.full((200, 100), 3.0, "float32"), rate, seed=5))
    kept = x != 0
    assert abs(kept.mean() - (1 - rate)) < 0.02
    np.testing.assert_allclose(x[kept], 3.0 / (1 - rate), rtol=1e-6)


@pytest.mark.parametrize("noise_shape,axis", [((1, 100), 0), ((200, 1), 1), ((None, 1), 1), ((100,), 0)])
def test_dropout_noise_shape_broadcasts_the_mask(noise_shape, axis):
    x = to_numpy(random.dropout(np.ones((200, 100), "float32"), 0.5, noise_shape=noise_shape, seed=6))
    kept = x != 0
    # The mask is constant along the broadcast axis, and it still drops about half.
    assert (kept == kept.take([0], axis=axis)).all()
    assert 0.35 < kept.mean() < 0.65


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_shuffle_permutes_slices_along_the_axis(axis):
    x = np.arange(40 * 30, dtype="int32").reshape(40, 30)
    y = to_numpy(random.shuffle(x, axis=axis, seed=7))
    # One permutation for every slice: y is x indexed along `axis` by the order of its first slice.
    first = y.take(0, axis=1 - axis % 2)
    order = first // 30 if axis == 0 else first
    np.testing.assert_array_equal(np.sort(order), np.arange(x.shape[axis]))
    assert not np.array_equal(order, np.arange(x.shape[axis]))
    np.testing.assert_array_equal(y, x.take(order, axis=axis))


def test_shuffle_puts_each_entry_first_about_equally_often():
    firsts = [int(to_numpy(random.shuffle(np.arange(4), seed=s))[0]) for s in range(400)]
    assert np.bincount(firsts, minlength=4).min() > 60  # expected 100 each


# -- dtypes ----------------------------------------------------------------------------------------
def test_default_dtypes_follow_keras():
    assert dtype_name(DRAWS["categorical"](1)) == "int32"
    for name in ("gamma", "binomial", "beta"):
        assert dtype_name(DRAWS[name](1)) == "float32"
    k_backends.set_floatx("float64")
    for name in ("gamma", "binomial", "beta"):
        assert dtype_name(DRAWS[name](1)) == "float64"


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_parametrized_draws_have_the_requested_float_dtype(dtype):
    for name in ("gamma", "binomial", "beta"):
        x = DRAWS[name](1, dtype=dtype)
        assert dtype_name(x) == dtype
        assert np.isfinite(to_numpy(x).astype("float64")).all()


@pytest.mark.parametrize("dtype", ["int64", "uint8", "float32"])
def test_categorical_takes_int_and_float_dtypes(dtype):
    x = DRAWS["categorical"](1, dtype=dtype)
    assert dtype_name(x) == dtype
    assert set(np.unique(to_numpy(x))) <= {0, 1, 2}


def test_categorical_accepts_low_precision_and_int_logits():
    for logits in (k_ops.convert_to_tensor(LOGITS, dtype="float16"), [[0, 1], [1, 0]]):
        assert to_numpy(random.categorical(logits, 3, seed=1)).shape == (2, 3)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_dropout_keeps_the_input_dtype(dtype):
    x = random.dropout(k_ops.convert_to_tensor(np.ones((4, 8)), dtype=dtype), 0.5, seed=1)
    assert dtype_name(x) == dtype
    assert set(np.unique(to_numpy(x).astype("float64"))) <= {0.0, 2.0}


@pytest.mark.parametrize("dtype", ["int32", "float16", "bool"])
def test_shuffle_keeps_the_input_dtype(dtype):
    x = k_ops.convert_to_tensor(np.arange(6) % 2, dtype=dtype)
    assert dtype_name(random.shuffle(x, seed=1)) == dtype


# -- symbolic path ---------------------------------------------------------------------------------
def test_symbolic_outputs_match_eager_ones():
    x = np.ones((4, 3), "float32")
    check_symbolic(random.categorical, LOGITS, 5, seed=1)
    check_symbolic(random.categorical, LOGITS, 5, dtype="int64", seed=1)
    check_symbolic(random.dropout, x, 0.5, noise_shape=(1, None), seed=1)
    check_symbolic(random.shuffle, x, axis=1, seed=1)
    check_symbolic(random.shuffle, np.arange(4, dtype="int32"), seed=1)


def test_symbolic_calls_draw_nothing():
    generator = random.SeedGenerator(3)
    before = to_numpy(generator.state.value)
    x = KerasTensor((None, 3))
    assert random.categorical(x, 7, seed=generator).shape == (None, 7)
    assert random.dropout(x, 0.5, seed=generator).shape == (None, 3)
    assert random.shuffle(x, seed=generator).shape == (None, 3)
    np.testing.assert_array_equal(to_numpy(generator.state.value), before)


# -- errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("call,match", [
    (lambda: random.categorical(np.zeros(3), 2), r"categorical: expected `logits` of shape .*\(3,\)"),
    (lambda: random.categorical(KerasTensor((3,)), 2), r"categorical: expected `logits`.*\(3,\)"),
    (lambda: random.categorical(LOGITS, 0), "num_samples=0"),
    (lambda: random.categorical(LOGITS, 2.5), "num_samples=2.5"),
    (lambda: random.categorical(LOGITS, 2, dtype="bool"), "dtype='bool'"),
    (lambda: random.dropout(np.ones(3, "float32"), 1.0), r"rate=1.0"),
    (lambda: random.dropout(np.ones(3, "float32"), -0.1), r"rate=-0.1"),
    (lambda: random.dropout(np.ones(3, "float32"), "half"), "rate='half'"),
    (lambda: random.dropout(np.ones(3, "int32"), 0.5), "dtype int32"),
    (lambda: random.dropout(KerasTensor((2, 3), "int32"), 0.5), "dropout: .*dtype int32"),
    (lambda: random.dropout(np.ones((2, 3), "float32"), 0.5, noise_shape=(2, 2)), r"noise_shape=\(2, 2\)"),
    (lambda: random.dropout(np.ones(3, "float32"), 0.5, noise_shape=(1, 3)), r"noise_shape=\(1, 3\)"),
    (lambda: random.shuffle(np.ones((2, 3)), axis=2), "shuffle: axis=2"),
    (lambda: random.shuffle(np.float32(1.0)), "shuffle: .*scalar"),
    (lambda: random.gamma((2,), -1.0), "alpha=-1.0"),
    (lambda: random.gamma((2,), [1.0, float("nan")]), "alpha="),
    (lambda: random.gamma((2,), [1.0, 2.0, 3.0]), r"alpha of shape \(3,\)"),
    (lambda: random.gamma((2,), 1.0, dtype="int32"), "dtype='int32'"),
    (lambda: random.binomial((2,), -1, 0.5), "counts=-1"),
    (lambda: random.binomial((2,), 2.5, 0.5), "counts=2.5"),
    (lambda: random.binomial((2,), 3, 1.5), "probabilities=1.5"),
    (lambda: random.binomial((2,), 3, 0.5, dtype="int32"), "dtype='int32'"),
    (lambda: random.beta((2,), 1.0, 0.0), "beta=0.0"),
    (lambda: random.beta((2, -1), 1.0, 1.0), r"shape=\(2, -1\)"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# -- jax.jit -------------------------------------------------------------------------------------
@pytest.mark.skipif(BACKEND != "jax", reason="jax.jit needs the jax backend")
def test_seed_generator_state_passed_through_jax_jit_replays_the_eager_stream():
    # A jitted function is traced once, so a SeedGenerator's state goes in and comes out
    # through a StatelessScope; assigning it inside the trace would leak the tracer.
    import jax

    from k_backends.variables import StatelessScope

    x = np.ones((64,), "float32")
    generator = random.SeedGenerator(1)

    @jax.jit
    def step(x, state):
        with StatelessScope([(generator.state, state)]) as scope:
            y = random.dropout(x, 0.5, seed=generator)
        return y, scope.get_current_value(generator.state)

    state = generator.state.value
    first, state = step(x, state)
    second, state = step(x, state)
    generator.state.assign(state)  # hand the final state back; the traced one was a placeholder
    reference = random.SeedGenerator(1)
    np.testing.assert_array_equal(to_numpy(first), to_numpy(random.dropout(x, 0.5, seed=reference)))
    np.testing.assert_array_equal(to_numpy(second), to_numpy(random.dropout(x, 0.5, seed=reference)))
    np.testing.assert_array_equal(to_numpy(generator.state.value), to_numpy(reference.state.value))
