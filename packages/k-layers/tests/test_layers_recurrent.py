"""RNN, SimpleRNN/LSTM/GRU and their cells, StackedRNNCells: against NumPy loops of the recurrences."""

import importlib

import numpy as np
import pytest
from _grad_steps import descend

from k_layers import layers
from k_layers.layer import Layer, clear_session
from k_ops.symbolic import KerasTensor

from conftest import BACKEND, assert_close, needs_training, to_numpy

RNG = np.random.RandomState(0)
X = RNG.uniform(-1, 1, (2, 5, 3)).astype("float32")
MASK = np.array([[True, False, True, True, False], [False, True, True, False, True]])


# -- NumPy references ---------------------------------------------------------------------
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def simple_step(w, x, states):
    kernel, recurrent, bias = w
    h = np.tanh(x @ kernel + bias + states[0] @ recurrent)
    return h, [h]


def lstm_step(w, x, states):
    kernel, recurrent, bias = w
    h, c = states
    u = h.shape[-1]
    z = x @ kernel + h @ recurrent + bias
    i, f, g, o = sigmoid(z[:, :u]), sigmoid(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), sigmoid(z[:, 3 * u:])
    c = f * c + i * g
    h = o * np.tanh(c)
    return h, [h, c]


def gru_step(w, x, states, reset_after=True):
    kernel, recurrent, bias = w
    h = states[0]
    u = h.shape[-1]
    if reset_after:
        xz = x @ kernel + bias[0]
        rz = h @ recurrent + bias[1]
        z, r = sigmoid(xz[:, :u] + rz[:, :u]), sigmoid(xz[:, u:2 * u] + rz[:, u:2 * u])
        hh = np.tanh(xz[:, 2 * u:] + r * rz[:, 2 * u:])
    else:
        xz = x @ kernel + bias
        z = sigmoid(xz[:, :u] + h @ recurrent[:, :u])
        r = sigmoid(xz[:, u:2 * u] + h @ recurrent[:, u:2 * u])
        hh = np.tanh(xz[:, 2 * u:] + (r * h) @ recurrent[:, 2 * u:])
    h = z * h + (1 - z) * hh
    return h, [h]


def run_ref(step, x, states, mask=None, go_backwards=False, zero_output=False):
    """Keras's loop: masked steps keep states and repeat (or zero) the output; outputs in processing order."""
    x = x.astype("float64")
    states = [s.astype("float64") for s in states]
    order = range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])
    prev = np.zeros((x.shape[0], step(x[:, 0], states)[0].shape[-1]))
    outputs = []
    for t in order:
        out, new = step(x[:, t], states)
        if mask is not None:
            keep = mask[:, t][:, None]
            new = [np.where(keep, n, s) for n, s in zip(new, states, strict=True)]
            out = np.where(keep, out, 0 if zero_output else prev)
        states, prev = new, out
        outputs.append(out)
    return np.stack(outputs, 1), states


def randomize(layer, scale=0.5):
    weights = [RNG.uniform(-scale, scale, w.shape).astype("float32") for w in layer.weights]
    layer.set_weights(weights)
    return [w.astype("float64") for w in weights]


# Layers whose weights the tests set: cheap initializers (orthogonal is slow to build on jax).
Z = {"kernel_initializer": "zeros", "recurrent_initializer": "zeros"}
KINDS = {
    "simple": (lambda **kw: layers.SimpleRNN(4, **Z, **kw), simple_step, 1),
    "lstm": (lambda **kw: layers.LSTM(4, **Z, **kw), lstm_step, 2),
    "gru": (lambda **kw: layers.GRU(4, **Z, **kw), gru_step, 1),
    "gru_before": (lambda **kw: layers.GRU(4, reset_after=False, **Z, **kw),
                   lambda w, x, s: gru_step(w, x, s, reset_after=False), 1),
}


# -- forward passes -------------------------------------------------------------------------
@pytest.mark.parametrize("kind, go_backwards, unroll", [
    ("simple", False, False), ("simple", True, False), ("lstm", False, False), ("lstm", True, True),
    ("gru", True, False), ("gru", False, True), ("gru_before", False, False), ("gru_before", True, False)])
def test_layers_match_numpy_loop(kind, go_backwards, unroll):
    make, step, n_states = KINDS[kind]
    layer = make(return_sequences=True, return_state=True, go_backwards=go_backwards, unroll=unroll)
    layer.build(X.shape)
    w = randomize(layer)
    init = [RNG.uniform(-1, 1, (2, 4)).astype("float32") for _ in range(n_states)]
    expected, states = run_ref(lambda x, s: step(w, x, s), X, init, MASK, go_backwards)
    result = layer(X, initial_state=init, mask=MASK)
    assert len(result) == 1 + n_states
    assert_close(result[0], expected, atol=1e-5)
    for got, want in zip(result[1:], states, strict=True):
        assert_close(got, want, atol=1e-5)
    # last output only, zero initial states, no mask
    last = make(go_backwards=go_backwards, unroll=unroll)
    last.build(X.shape)
    last.set_weights(layer.get_weights())
    expected, _ = run_ref(lambda x, s: step(w, x, s), X, [np.zeros((2, 4))] * n_states, None, go_backwards)
    assert_close(last(X), expected[:, -1], atol=1e-5)


def test_zero_output_for_mask_and_output_mask():
    layer = layers.SimpleRNN(4, **Z, return_sequences=True, zero_output_for_mask=True)
    layer(X)
    w = randomize(layer)
    expected, _ = run_ref(lambda x, s: simple_step(w, x, s), X, [np.zeros((2, 4))], MASK, zero_output=True)
    assert_close(layer(X, mask=MASK), expected, atol=1e-5)
    assert np.array_equal(to_numpy(layer.compute_mask(X, MASK)), MASK)
    assert layers.SimpleRNN(4, **Z).compute_mask(X, MASK) is None
    both = layers.LSTM(4, **Z, return_sequences=True, return_state=True)
    assert both.compute_mask(X, MASK)[1:] == [None, None]


def test_mask_from_embedding_zero_padding():
    tokens = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    emb = layers.Embedding(5, 3, mask_zero=True)
    rnn = layers.LSTM(4, **Z)
    rnn.build((2, 4, 3))
    randomize(rnn)
    out = rnn(emb(tokens))
    ref = layers.LSTM(4, **Z)
    ref.build((1, 2, 3))
    ref.set_weights(rnn.get_weights())
    vectors = to_numpy(emb(tokens))
    assert_close(out[:1], to_numpy(ref(vectors[:1, :2])), atol=1e-5)
    assert_close(out[1:], to_numpy(ref(vectors[1:, :1])), atol=1e-5)


def test_rnn_with_stacked_cells_matches_composition():
    rnn = layers.RNN([layers.LSTMCell(4, **Z), layers.GRUCell(3, **Z)], return_sequences=True,
                     return_state=True)
    out = rnn(X)
    assert [tuple(np.shape(s)) for s in out[1]] == [(2, 4), (2, 4)] and tuple(out[2].shape) == (2, 3)
    w = randomize(rnn)

    def step(x, s):
        h1, (h, c) = lstm_step(w[:3], x, s[:2])
        h2, (g,) = gru_step(w[3:], h1, s[2:])
        return h2, [h, c, g]

    expected, states = run_ref(step, X, [np.zeros((2, 4))] * 2 + [np.zeros((2, 3))], MASK)
    out = rnn(X, mask=MASK)
    assert_close(out[0], expected, atol=1e-5)
    for got, want in zip([out[1][0], out[1][1], out[2]], states, strict=True):
        assert_close(got, want, atol=1e-5)
    # initial_state: nested or flat
    init = [np.ones((2, 4), "float32"), np.ones((2, 4), "float32"), np.ones((2, 3), "float32")]
    nested = rnn(X, initial_state=[init[:2], init[2]])
    flat = rnn(X, initial_state=init)
    assert_close(nested[0], to_numpy(flat[0]))
    expected, _ = run_ref(step, X, init, None)
    assert_close(flat[0], expected, atol=1e-5)


class MinimalCell(Layer):
    """A user cell with only state_size and call (as in Keras's guide)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="recurrent_kernel")

    def call(self, inputs, states):
        from k_ops import numpy as knp

        output = knp.matmul(inputs, self.kernel) + knp.matmul(states[0], self.recurrent_kernel)
        return output, [output]


def test_rnn_with_a_user_cell():
    rnn = layers.RNN(MinimalCell(3), return_sequences=True)
    rnn(X)
    k, r = randomize(rnn)
    expected, _ = run_ref(lambda x, s: (x @ k + s[0] @ r, [x @ k + s[0] @ r]), X, [np.zeros((2, 3))])
    assert_close(rnn(X), expected, atol=1e-5)


def test_cells_called_directly():
    cell = layers.LSTMCell(4, **Z)
    h, c = np.zeros((2, 4), "float32"), np.ones((2, 4), "float32")
    out, (h1, c1) = cell(X[:, 0], [h, c])
    w = randomize(cell)
    out, (h1, c1) = cell(X[:, 0], [h, c])
    ref, (rh, rc) = lstm_step(w, X[:, 0].astype("float64"), [h, c])
    assert_close(out, ref, atol=1e-5)
    assert_close(c1, rc, atol=1e-5)
    assert [tuple(np.shape(s)) for s in cell.get_initial_state(batch_size=3)] == [(3, 4), (3, 4)]


def test_stateful_carries_states_and_resets():
    layer = layers.GRU(4, **Z, stateful=True, return_sequences=True)
    first = to_numpy(layer(X[:, :2]))
    w = randomize(layer)
    layer.reset_states()
    a = to_numpy(layer(X[:, :2]))
    b = to_numpy(layer(X[:, 2:]))
    expected, _ = run_ref(lambda x, s: gru_step(w, x, s), X, [np.zeros((2, 4))])
    assert_close(np.concatenate([a, b], 1), expected, atol=1e-5)
    layer.reset_state()
    assert_close(layer(X[:, :2]), a, atol=1e-6)
    assert first.shape == (2, 2, 4)
    assert len(layer.weights) == 3 and [s.path for s in layer.states] == [f"{layer.name}/rnn_state"]
    with pytest.raises(ValueError, match="fixed batch size"):
        layers.LSTM(3, **Z, stateful=True)(KerasTensor((None, 5, 3)))


# -- dropout ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU])
def test_dropout_only_in_training(cls):
    glorot = {"recurrent_initializer": "glorot_uniform"}
    layer = cls(4, dropout=0.5, recurrent_dropout=0.5, seed=3, return_sequences=True, **glorot)
    plain = cls(4, return_sequences=True, **Z)
    infer = to_numpy(layer(X))
    plain(X)
    plain.set_weights(layer.get_weights())
    assert_close(infer, to_numpy(plain(X)), atol=1e-6)
    trained = to_numpy(layer(X, training=True))
    assert trained.shape == infer.shape and not np.allclose(trained, infer)
    assert np.all(np.isfinite(trained))
    # input dropout alone with a linear cell: the dropped input features are the same at every step
    cell = layers.SimpleRNNCell(2, dropout=0.5, seed=1, activation=None, kernel_initializer="ones",
                                recurrent_initializer="zeros")
    ones = np.ones((3, 6, 8), "float32")
    out = to_numpy(layers.RNN(cell, return_sequences=True)(ones, training=True))
    assert np.allclose(out, out[:, :1])


# -- symbolic shapes, masks and configs ------------------------------------------------------------
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("return_state", [False, True])
def test_symbolic_output_shapes(return_sequences, return_state):
    x = KerasTensor((None, 7, 3))
    kw = {**Z, "return_sequences": return_sequences, "return_state": return_state}
    for layer, n in [(layers.SimpleRNN(4, **kw), 1), (layers.LSTM(4, **kw), 2), (layers.GRU(4, **kw), 1)]:
        out = layer(x)
        shape = (None, 7, 4) if return_sequences else (None, 4)
        if return_state:
            assert [tuple(t.shape) for t in out] == [shape] + [(None, 4)] * n
        else:
            assert tuple(out.shape) == shape
    stacked = layers.RNN([layers.LSTMCell(5, **Z), layers.SimpleRNNCell(2, **Z)], return_state=True)(x)
    assert tuple(stacked[0].shape) == (None, 2) and [tuple(t.shape) for t in stacked[1]] == [(None, 5)] * 2


# What Keras 3.15.1 prints for LSTM(5, name="l").get_config() (after a call).
_INIT = {"module": "keras.initializers", "registered_name": None}
KERAS_LSTM_CONFIG = {
    "name": "l", "trainable": True,
    "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
              "registered_name": None},
    "return_sequences": False, "return_state": False, "go_backwards": False, "stateful": False,
    "unroll": False, "zero_output_for_mask": False, "units": 5, "activation": "tanh",
    "recurrent_activation": "sigmoid", "use_bias": True,
    "kernel_initializer": {**_INIT, "class_name": "GlorotUniform",
                           "config": {"seed": None, "input_axes": None, "output_axes": None}},
    "recurrent_initializer": {**_INIT, "class_name": "Orthogonal", "config": {"seed": None, "gain": 1.0}},
    "bias_initializer": {**_INIT, "class_name": "Zeros", "config": {}},
    "unit_forget_bias": True, "kernel_regularizer": None, "recurrent_regularizer": None,
    "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
    "recurrent_constraint": None, "bias_constraint": None, "dropout": 0.0, "recurrent_dropout": 0.0,
    "seed": None,
}
_BASE = ["name", "trainable", "dtype", "return_sequences", "return_state", "go_backwards", "stateful",
         "unroll", "zero_output_for_mask"]
_TAIL = ["kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
         "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout"]
_INITS = ["kernel_initializer", "recurrent_initializer", "bias_initializer"]
KERAS_KEYS = {  # key order of Keras's configs
    "SimpleRNN": _BASE + ["units", "activation", "use_bias", *_INITS, *_TAIL],
    "GRU": _BASE + ["units", "activation", "recurrent_activation", "use_bias", *_INITS, *_TAIL,
                    "reset_after", "seed"],
    "LSTMCell": ["name", "trainable", "dtype", "units", "activation", "recurrent_activation", "use_bias",
                 "unit_forget_bias", *_INITS, *_TAIL[:3], *_TAIL[4:], "seed"],
    "GRUCell": ["name", "trainable", "dtype", "units", "activation", "recurrent_activation", "use_bias",
                *_INITS, *_TAIL[:3], *_TAIL[4:], "reset_after", "seed"],
    "SimpleRNNCell": ["name", "trainable", "dtype", "units", "activation", "use_bias", *_INITS, *_TAIL[:3],
                      *_TAIL[4:], "seed"],
}


def test_exact_configs_as_keras():
    layer = layers.LSTM(5, name="l")
    assert layer.get_config() == KERAS_LSTM_CONFIG
    assert list(layer.get_config()) == list(KERAS_LSTM_CONFIG)
    assert list(layers.SimpleRNN(3).get_config()) == KERAS_KEYS["SimpleRNN"]
    assert list(layers.GRU(3).get_config()) == KERAS_KEYS["GRU"]
    for name in ("LSTMCell", "GRUCell", "SimpleRNNCell"):
        assert list(getattr(layers, name)(3).get_config()) == KERAS_KEYS[name]
    rnn = layers.RNN(layers.SimpleRNNCell(3, name="a"), name="rr").get_config()
    assert list(rnn) == _BASE + ["cell"]
    assert rnn["cell"]["class_name"] == "SimpleRNNCell" and rnn["cell"]["module"] == "keras.layers"
    stacked = layers.StackedRNNCells([layers.SimpleRNNCell(3), layers.GRUCell(2)], name="stk").get_config()
    assert list(stacked) == ["name", "trainable", "dtype", "cells"]
    assert [c["class_name"] for c in stacked["cells"]] == ["SimpleRNNCell", "GRUCell"]


def test_weight_names_and_shapes_as_keras():
    clear_session()
    cases = [(layers.SimpleRNN(5, **Z, name="s"), [((4, 5)), (5, 5), (5,)], "s/simple_rnn_cell"),
             (layers.LSTM(5, **Z, name="l"), [(4, 20), (5, 20), (20,)], "l/lstm_cell"),
             (layers.GRU(5, **Z, name="g"), [(4, 15), (5, 15), (2, 15)], "g/gru_cell"),
             (layers.GRU(5, **Z, reset_after=False, name="g2"), [(4, 15), (5, 15), (15,)], "g2/gru_cell")]
    for layer, shapes, prefix in cases:
        layer.build((2, 3, 4))
        names = ("kernel", "recurrent_kernel", "bias")
        assert [w.path for w in layer.weights] == [f"{prefix}/{n}" for n in names]
        assert [tuple(w.shape) for w in layer.weights] == shapes
    cells = [layers.SimpleRNNCell(3, **Z), layers.GRUCell(2, **Z)]
    stacked = layers.RNN(layers.StackedRNNCells(cells), name="st")
    stacked.build((2, 3, 4))
    assert [w.path for w in stacked.weights][::3] == ["st/stacked_rnn_cells/simple_rnn_cell/kernel",
                                                       "st/stacked_rnn_cells/gru_cell/kernel"]
    # unit_forget_bias: the forget block of the bias starts at one
    bias = to_numpy(cases[1][0].weights[2])
    assert np.array_equal(bias, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])


@pytest.mark.parametrize("make", [
    lambda: layers.LSTM(4, **Z, return_sequences=True, go_backwards=True),
    lambda: layers.GRU(4, **Z, reset_after=False, dropout=0.1, seed=2),
    lambda: layers.SimpleRNN(4, **Z, activation="relu", zero_output_for_mask=True, return_sequences=True),
    lambda: layers.RNN([layers.LSTMCell(4, **Z), layers.GRUCell(3, **Z)], return_state=True),
])
def test_config_round_trip(make):
    layer = make()
    out = layer(X, mask=MASK)
    clone = type(layer).from_config(layer.get_config())
    clone(X)
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == {**layer.get_config(), "name": clone.name} or \
        list(clone.get_config()) == list(layer.get_config())
    for a, b in zip(*(o if isinstance(o, list) else [o] for o in (out, clone(X, mask=MASK))), strict=True):
        assert_close(b if not isinstance(b, list) else b[0], to_numpy(a if not isinstance(a, list) else a[0]))
    restored = layers.deserialize(layers.serialize(layer))
    assert type(restored) is type(layer)


# -- dtypes, errors, compilation, training -------------------------------------------------------
def test_mixed_bfloat16():
    layer = layers.LSTM(4, **Z, dtype="mixed_bfloat16", return_sequences=True)
    ref = layers.LSTM(4, **Z, return_sequences=True)
    out = layer(X, mask=MASK)
    ref(X)
    ref.set_weights(layer.get_weights())
    assert all(w.dtype == "float32" for w in layer.weights)
    assert_close(out, to_numpy(ref(X, mask=MASK)), dtype="bfloat16", rtol=5e-2, atol=5e-2)


def test_errors_are_clear():
    with pytest.raises(ValueError, match="units"):
        layers.LSTM(0, **Z)
    with pytest.raises(ValueError, match="dropout"):
        layers.GRU(3, **Z, dropout=1.5)
    with pytest.raises(ValueError, match="use_cudnn"):
        layers.LSTM(3, **Z, use_cudnn="yes")
    with pytest.raises(ValueError, match="use_cudnn=True"):
        layers.GRU(3, **Z, use_cudnn=True)(X)
    with pytest.raises(ValueError, match="cell"):
        layers.RNN(object())
    with pytest.raises(ValueError, match="timesteps"):
        layers.SimpleRNN(3, **Z, name="flat")(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="initial_state has 1"):
        layers.LSTM(4, **Z)(X, initial_state=[np.zeros((2, 4), "float32")])
    assert layers.LSTM(3, **Z, use_cudnn=False)(X).shape == (2, 3)


@pytest.mark.skipif(BACKEND not in ("jax", "tensorflow"), reason="compiled-function check for jax / tf")
def test_compiles_under_jit_and_tf_function():
    layer = layers.GRU(4, **Z, return_sequences=True)
    eager = to_numpy(layer(X, mask=MASK))
    if BACKEND == "jax":
        jax = importlib.import_module("jax")
        trainable = [v.value for v in layer.trainable_variables]
        others = [v.value for v in layer.non_trainable_variables]
        fn = jax.jit(lambda t, n, x, m: layer.stateless_call(t, n, x, mask=m)[0])
        assert_close(fn(trainable, others, X, MASK), eager, atol=1e-5)
    else:
        tf = importlib.import_module("tensorflow")
        fn = tf.function(lambda x, m: layer(x, mask=m))
        assert_close(fn(tf.constant(X), tf.constant(MASK)), eager, atol=1e-5)


@needs_training
@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU])
def test_descent_reduces_loss(cls):
    layer = cls(3, recurrent_initializer="glorot_uniform")
    layer.build(X.shape)
    target = RNG.uniform(-0.5, 0.5, (2, 3)).astype("float32")
    losses = descend(layer, X, target, steps=5, lr=0.3)
    assert losses[-1] < losses[0]
