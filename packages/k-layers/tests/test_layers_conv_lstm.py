import numpy as np
import pytest
from _grad_steps import descend

from k_layers.layers.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from k_ops.symbolic import KerasTensor

from conftest import assert_close, needs_training, to_numpy

RNG = np.random.default_rng(0)


def _conv(x, w, strides, padding, dilation):
    """N-D channels-last convolution of x (batch, spatial..., in) with w (spatial..., in, out)."""
    spatial = x.shape[1:-1]
    ks = w.shape[:-2]
    if padding == "same":
        outs = [-(-n // s) for n, s in zip(spatial, strides, strict=True)]
        pads = [max((o - 1) * s + (k - 1) * d + 1 - n, 0)
                for o, s, k, d, n in zip(outs, strides, ks, dilation, spatial, strict=True)]
        x = np.pad(x, [(0, 0)] + [(p // 2, p - p // 2) for p in pads] + [(0, 0)])
    spatial = x.shape[1:-1]
    outs = [(n - (k - 1) * d - 1) // s + 1 for n, k, d, s in zip(spatial, ks, dilation, strides, strict=True)]
    y = np.zeros((x.shape[0], *outs, w.shape[-1]))
    for offset in np.ndindex(*ks):
        index = tuple(slice(o * d, o * d + (n - 1) * s + 1, s)
                      for o, d, n, s in zip(offset, dilation, outs, strides, strict=True))
        y += np.einsum("b...i,io->b...o", x[(slice(None), *index)], w[offset])
    return y


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference(x, kernel, recurrent, bias, strides=1, padding="valid", dilation=1, go_backwards=False,
              return_sequences=False, h0=None, c0=None):
    rank = x.ndim - 3
    strides, dilation = (strides,) * rank, (dilation,) * rank
    x = x.astype("float64")
    steps = range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])
    h = c = None
    outputs = []
    for t in steps:
        z = _conv(x[:, t], kernel, strides, padding, dilation) + bias
        if h is None:
            h = np.zeros(z.shape[:-1] + (z.shape[-1] // 4,)) if h0 is None else h0
            c = np.zeros_like(h) if c0 is None else c0
        z = z + _conv(h, recurrent, (1,) * rank, "same", (1,) * rank)
        zi, zf, zc, zo = np.split(z, 4, axis=-1)
        c = _sigmoid(zf) * c + _sigmoid(zi) * np.tanh(zc)
        h = _sigmoid(zo) * np.tanh(c)
        outputs.append(h)
    return (np.stack(outputs, 1) if return_sequences else h), h, c


def _weights(layer):
    values = [RNG.normal(size=w.shape).astype("float32") * 0.3 for w in layer.weights]
    layer.set_weights(values)
    return values


CASES = [
    (ConvLSTM1D, (2, 4, 7, 3), dict(padding="valid")),
    (ConvLSTM1D, (2, 3, 8, 2), dict(padding="same", strides=2, go_backwards=True, return_sequences=True)),
    (ConvLSTM2D, (2, 3, 6, 5, 2), dict(padding="same", return_sequences=True)),
    (ConvLSTM2D, (1, 3, 7, 7, 2), dict(dilation_rate=2)),
    (ConvLSTM3D, (1, 2, 4, 4, 4, 1), dict(padding="same")),
]


@pytest.mark.parametrize("cls,shape,kwargs", CASES)
def test_forward_matches_reference(cls, shape, kwargs):
    layer = cls(4, 3, **kwargs)
    x = RNG.normal(size=shape).astype("float32")
    layer.build(shape)
    kernel, recurrent, bias = _weights(layer)
    expected, _, _ = reference(x, kernel, recurrent, bias, kwargs.get("strides", 1), kwargs.get("padding",
                               "valid"), kwargs.get("dilation_rate", 1), kwargs.get("go_backwards", False),
                               kwargs.get("return_sequences", False))
    assert_close(layer(x), expected, "float32", rtol=1e-4, atol=1e-5)
    assert layer.compute_output_shape(shape) == expected.shape
    symbolic = layer(KerasTensor((None, *shape[1:])))
    assert symbolic.shape == (None, *expected.shape[1:])


def test_return_state_initial_state_and_unroll():
    x = RNG.normal(size=(2, 3, 5, 2)).astype("float32")
    layer = ConvLSTM1D(3, 3, padding="same", return_state=True, return_sequences=True)
    layer.build(x.shape)
    k, r, b = _weights(layer)
    h0 = RNG.normal(size=(2, 5, 3)).astype("float32")
    c0 = RNG.normal(size=(2, 5, 3)).astype("float32")
    out, h, c = layer(x, initial_state=[h0, c0])
    ref = reference(x, k, r, b, padding="same", return_sequences=True, h0=h0, c0=c0)
    for got, want in zip((out, h, c), ref, strict=True):
        assert_close(got, want, "float32", rtol=1e-4, atol=1e-5)
    unrolled = ConvLSTM1D.from_config({**layer.get_config(), "unroll": True})
    unrolled.build(x.shape)
    unrolled.set_weights([k, r, b])
    assert_close(unrolled(x, initial_state=[h0, c0])[0], ref[0], rtol=1e-4, atol=1e-5)
    spec = layer(KerasTensor((None, 3, 5, 2)))
    assert [s.shape for s in spec] == [(None, 3, 5, 3), (None, 5, 3), (None, 5, 3)]


def test_channels_first():
    x = RNG.normal(size=(2, 3, 6, 5, 2)).astype("float32")
    layer = ConvLSTM2D(2, 3, padding="same", data_format="channels_first", return_sequences=True)
    layer.build(np.moveaxis(x, -1, 2).shape)
    k, r, b = _weights(layer)
    expected, _, _ = reference(x, k, r, b, padding="same", return_sequences=True)
    out = layer(np.moveaxis(x, -1, 2))
    assert_close(np.moveaxis(to_numpy(out), 2, -1), expected, rtol=1e-4, atol=1e-5)


def test_mask_keeps_previous_state():
    x = RNG.normal(size=(2, 4, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0]], bool)
    layer = ConvLSTM1D(2, 3, padding="same", return_sequences=True)
    layer.build(x.shape)
    k, r, b = _weights(layer)
    out = to_numpy(layer(x, mask=mask))
    short = reference(x[1:, :2], k, r, b, padding="same", return_sequences=True)[0]
    assert_close(out[1, 2], short[0, 1], rtol=1e-4, atol=1e-5)
    assert_close(out[1, 3], short[0, 1], rtol=1e-4, atol=1e-5)


def test_stateful_carries_and_resets():
    x = RNG.normal(size=(2, 2, 5, 1)).astype("float32")
    layer = ConvLSTM1D(2, 3, padding="same", stateful=True)
    layer.build(x.shape)
    k, r, b = _weights(layer)
    first = to_numpy(layer(x))
    second = to_numpy(layer(x))
    whole = reference(np.concatenate([x, x], 1), k, r, b, padding="same")[0]
    assert_close(second, whole, rtol=1e-4, atol=1e-5)
    layer.reset_states()
    assert_close(layer(x), first, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="fixed batch size"):
        ConvLSTM1D(2, 3, stateful=True).build((None, 2, 5, 1))


def test_dropout_only_in_training():
    x = RNG.normal(size=(2, 3, 5, 2)).astype("float32")
    layer = ConvLSTM1D(2, 3, padding="same", dropout=0.5, recurrent_dropout=0.5, seed=1)
    layer.build(x.shape)
    k, r, b = _weights(layer)
    assert_close(layer(x), reference(x, k, r, b, padding="same")[0], rtol=1e-4, atol=1e-5)
    assert not np.allclose(to_numpy(layer(x, training=True)), to_numpy(layer(x)))


def test_mixed_bfloat16():
    x = RNG.normal(size=(2, 3, 5, 2)).astype("float32")
    layer = ConvLSTM1D(2, 3, padding="same", dtype="mixed_bfloat16")
    layer.build(x.shape)
    k, r, b = _weights(layer)
    assert all(str(w.dtype) == "float32" for w in layer.weights)
    out = layer(x)
    assert_close(out, reference(x, k, r, b, padding="same")[0], "bfloat16", rtol=5e-2, atol=5e-2)


def test_weights_and_config():
    layer = ConvLSTM2D(4, 3, padding="same", return_sequences=True, name="conv_lstm2d")
    layer.build((None, 5, 8, 8, 3))
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [
        ("conv_lstm2d/conv_lstm_cell/kernel", (3, 3, 3, 16)),
        ("conv_lstm2d/conv_lstm_cell/recurrent_kernel", (3, 3, 4, 16)),
        ("conv_lstm2d/conv_lstm_cell/bias", (16,))]
    assert_close(layer.weights[2], np.r_[np.zeros(4), np.ones(4), np.zeros(8)])
    policy = {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'},
              'registered_name': None}
    assert layer.get_config() == {
        'name': 'conv_lstm2d', 'trainable': True, 'dtype': policy, 'return_sequences': True,
        'return_state': False, 'go_backwards': False, 'stateful': False, 'unroll': False,
        'zero_output_for_mask': False, 'filters': 4, 'kernel_size': (3, 3), 'strides': (1, 1),
        'padding': 'same', 'data_format': 'channels_last', 'dilation_rate': (1, 1), 'activation': 'tanh',
        'recurrent_activation': 'sigmoid', 'use_bias': True,
        'kernel_initializer': {'module': 'keras.initializers', 'class_name': 'GlorotUniform',
                               'config': {'seed': None, 'input_axes': None, 'output_axes': None},
                               'registered_name': None},
        'recurrent_initializer': {'module': 'keras.initializers', 'class_name': 'Orthogonal',
                                  'config': {'seed': None, 'gain': 1.0}, 'registered_name': None},
        'bias_initializer': {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {},
                             'registered_name': None},
        'unit_forget_bias': True, 'kernel_regularizer': None, 'recurrent_regularizer': None,
        'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None,
        'recurrent_constraint': None, 'bias_constraint': None, 'dropout': 0.0, 'recurrent_dropout': 0.0,
        'seed': None}
    x = RNG.normal(size=(1, 2, 5, 5, 3)).astype("float32")
    clone = ConvLSTM2D.from_config(layer.get_config())
    clone.build(x.shape)
    clone.set_weights(layer.get_weights())
    assert_close(clone(x), to_numpy(layer(x)), rtol=1e-5, atol=1e-6)


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="filters"):
        ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match="padding"):
        ConvLSTM2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="kernel_size"):
        ConvLSTM2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="dropout"):
        ConvLSTM1D(2, 3, dropout=2.0)
    with pytest.raises(ValueError, match="conv_lstm2d"):
        ConvLSTM2D(2, 3, name="conv_lstm2d")(np.ones((2, 3, 4, 4), "float32"))


@needs_training
def test_training_reduces_loss():
    x = RNG.normal(size=(2, 3, 6, 2)).astype("float32")
    target = RNG.normal(size=(2, 6, 3)).astype("float32") * 0.5
    layer = ConvLSTM1D(3, 3, padding="same")
    layer.build(x.shape)
    losses = descend(layer, x, target, steps=5, lr=0.5)
    assert losses[-1] < losses[0]
