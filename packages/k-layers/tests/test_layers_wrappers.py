import numpy as np
import pytest
from _grad_steps import descend

from k_layers.layer import Layer
from k_layers.layers.dense import Dense
from k_layers.layers.wrappers import Bidirectional, TimeDistributed
from k_layers.serialization import register_keras_serializable
from k_ops import core as k_core
from k_ops import numpy as knp
from k_ops.symbolic import KerasTensor

from conftest import assert_close, needs_training, to_numpy

RNG = np.random.default_rng(0)


@register_keras_serializable("kappa_tests")
class CumSum(Layer):
    """A tiny recurrent layer: h_t = h_{t-1} + scale * x_t (masked steps keep h)."""

    def __init__(self, return_sequences=False, return_state=False, go_backwards=False, **kwargs):
        super().__init__(**kwargs)
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = False

    def build(self, sequences_shape):
        self.scale = self.add_weight(shape=(sequences_shape[-1],), initializer="ones", name="scale")

    def call(self, sequences, initial_state=None, mask=None):
        x = sequences * self.scale
        if mask is not None:
            x = x * knp.expand_dims(k_core.cast(mask, x.dtype), -1)
        if self.go_backwards:
            x = knp.flip(x, 1)
        h = knp.cumsum(x, axis=1)
        if initial_state is not None:
            h = h + knp.expand_dims(initial_state[0], 1)
        out = h if self.return_sequences else h[:, -1]
        return [out, h[:, -1]] if self.return_state else out

    def compute_output_shape(self, sequences_shape):
        out = sequences_shape if self.return_sequences else (sequences_shape[0], sequences_shape[-1])
        state = (sequences_shape[0], sequences_shape[-1])
        return (out, state) if self.return_state else out

    def get_config(self):
        return {**super().get_config(), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards}


def _cumsum_ref(x, scale, backwards=False, mask=None):
    x = x * scale
    if mask is not None:
        x = x * mask[..., None]
    if backwards:
        x = x[:, ::-1]
    return np.cumsum(x, 1)


# -- TimeDistributed ----------------------------------------------------------------
def test_time_distributed_dense():
    x = RNG.normal(size=(2, 4, 5)).astype("float32")
    td = TimeDistributed(Dense(3), name="time_distributed")
    td.build(x.shape)
    k, b = RNG.normal(size=(5, 3)), RNG.normal(size=(3,))
    td.set_weights([k, b])
    assert [w.path for w in td.weights] == ["time_distributed/dense/kernel", "time_distributed/dense/bias"] \
        or [w.path.split("/")[0] for w in td.weights] == ["time_distributed"] * 2
    assert_close(td(x), x @ k + b, "float32", rtol=1e-5, atol=1e-5)
    assert td(KerasTensor((None, 4, 5))).shape == (None, 4, 3)
    assert td.compute_output_shape((None, 4, 5)) == (None, 4, 3)
    config = td.get_config()
    assert config["layer"]["class_name"] == "Dense"
    assert tuple(config["layer"]["build_config"]["input_shape"]) == (None, 5)
    clone = TimeDistributed.from_config(config)
    clone.set_weights(td.get_weights())
    assert_close(clone(x), to_numpy(td(x)), rtol=1e-6)


def test_time_distributed_mixed_bfloat16_and_errors():
    x = RNG.normal(size=(2, 4, 5)).astype("float32")
    td = TimeDistributed(Dense(3, dtype="mixed_bfloat16"), dtype="mixed_bfloat16")
    td.build(x.shape)
    k = RNG.normal(size=(5, 3)).astype("float32")
    td.set_weights([k, np.zeros(3)])
    assert_close(td(x), x @ k, "bfloat16", rtol=5e-2, atol=5e-2)
    with pytest.raises(ValueError, match="TimeDistributed"):
        TimeDistributed(Dense(2))(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="layer"):
        TimeDistributed("dense")


def test_time_distributed_passes_masks():
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    mask = np.array([[1, 1, 0], [1, 0, 0]], bool)
    td = TimeDistributed(Dense(2))
    y = td(x, mask=mask)
    assert np.array_equal(to_numpy(y._keras_mask) if hasattr(y, "_keras_mask") else mask, mask)
    assert np.array_equal(to_numpy(td.compute_mask(x, mask)), mask)


# -- Bidirectional ------------------------------------------------------------------
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge_modes(merge_mode):
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    bi = Bidirectional(CumSum(return_sequences=True, name="c"), merge_mode=merge_mode)
    bi.build(x.shape)
    sf, sb = RNG.normal(size=3), RNG.normal(size=3)
    bi.set_weights([sf, sb])
    f = _cumsum_ref(x, sf)
    b = _cumsum_ref(x, sb, backwards=True)[:, ::-1]
    expected = {"concat": np.concatenate([f, b], -1), "sum": f + b, "mul": f * b, "ave": (f + b) / 2}
    out = bi(x)
    if merge_mode is None:
        assert_close(out[0], f, rtol=1e-5, atol=1e-5)
        assert_close(out[1], b, rtol=1e-5, atol=1e-5)
    else:
        assert_close(out, expected[merge_mode], "float32", rtol=1e-5, atol=1e-5)
        width = 6 if merge_mode == "concat" else 3
        assert bi(KerasTensor((None, 4, 3))).shape == (None, 4, width)


def test_bidirectional_states_initial_state_and_weights():
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    sf, sb = RNG.normal(size=3), RNG.normal(size=3)
    bi = Bidirectional(CumSum(return_state=True, name="c"), weights=[sf, sb])
    h0f, h0b = (RNG.normal(size=(2, 3)).astype("float32") for _ in range(2))
    out, hf, hb = bi(x, initial_state=[h0f, h0b])
    f = _cumsum_ref(x, sf)[:, -1] + h0f
    b = _cumsum_ref(x, sb, backwards=True)[:, -1] + h0b
    assert_close(out, np.concatenate([f, b], -1), rtol=1e-5, atol=1e-5)
    assert_close(hf, f, rtol=1e-5, atol=1e-5)
    assert_close(hb, b, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="initial_state"):
        bi(x, initial_state=[h0f])


def test_bidirectional_names_config_and_round_trip():
    bi = Bidirectional(CumSum(return_sequences=True, name="c"), merge_mode="sum", name="bidirectional")
    assert (bi.forward_layer.name, bi.backward_layer.name) == ("forward_c", "backward_c")
    assert (bi.forward_layer.go_backwards, bi.backward_layer.go_backwards) == (False, True)
    bi.build((None, 4, 3))
    assert [w.path for w in bi.weights] == ["bidirectional/forward_c/scale", "bidirectional/backward_c/scale"]
    config = bi.get_config()
    assert list(config) == ["name", "trainable", "dtype", "merge_mode", "layer", "backward_layer"]
    assert config["layer"]["config"]["name"] == "forward_c"
    assert config["backward_layer"]["config"]["go_backwards"] is True
    clone = Bidirectional.from_config(config)
    assert (clone.forward_layer.name, clone.backward_layer.name) == ("forward_c", "backward_c")
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    clone.build(x.shape)
    bi.set_weights([RNG.normal(size=3), RNG.normal(size=3)])
    clone.set_weights(bi.get_weights())
    assert_close(clone(x), to_numpy(bi(x)), rtol=1e-6)


def test_bidirectional_backward_layer_and_errors():
    bi = Bidirectional(CumSum(name="c"), backward_layer=CumSum(go_backwards=True, name="q"))
    assert bi.backward_layer.name == "q"
    with pytest.raises(ValueError, match="go_backwards"):
        Bidirectional(CumSum(), backward_layer=CumSum())
    with pytest.raises(ValueError, match="merge_mode"):
        Bidirectional(CumSum(), merge_mode="max")
    with pytest.raises(ValueError, match="recurrent"):
        Bidirectional(Dense(2))


def test_bidirectional_masks():
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
    bi = Bidirectional(CumSum(return_sequences=True), merge_mode="sum")
    bi.build(x.shape)
    y = bi(x, mask=mask)
    expected = _cumsum_ref(x, 1.0, mask=mask) + _cumsum_ref(x, 1.0, backwards=True, mask=mask)[:, ::-1]
    assert_close(y, expected, rtol=1e-5, atol=1e-5)
    assert np.array_equal(to_numpy(bi.compute_mask(x, mask)), mask)


@needs_training
def test_training_reduces_loss():
    x = RNG.normal(size=(4, 3, 2)).astype("float32")
    target = RNG.normal(size=(4, 3, 3)).astype("float32")
    td = TimeDistributed(Dense(3))
    td.build(x.shape)
    losses = descend(td, x, target, steps=5, lr=0.1)
    assert losses[-1] < losses[0]
    bi = Bidirectional(CumSum(), merge_mode="sum")
    bi.build(x.shape)
    losses = descend(bi, x, target[:, 0, :2], steps=5, lr=0.05)
    assert losses[-1] < losses[0]


def test_bidirectional_lstm():
    recurrent = pytest.importorskip("k_layers.layers.recurrent")
    if not hasattr(recurrent, "LSTM"):
        pytest.skip("LSTM is not available yet")
    bi = Bidirectional(recurrent.LSTM(3, return_state=True, name="lstm"), name="bidirectional")
    x = RNG.normal(size=(2, 4, 5)).astype("float32")
    out = bi(x)
    assert [tuple(o.shape) for o in out] == [(2, 6), (2, 3), (2, 3), (2, 3), (2, 3)]
    assert [w.path for w in bi.weights] == [
        f"bidirectional/{d}_lstm/lstm_cell/{n}" for d in ("forward", "backward")
        for n in ("kernel", "recurrent_kernel", "bias")]
    assert bi.get_config()["backward_layer"]["config"]["go_backwards"] is True
