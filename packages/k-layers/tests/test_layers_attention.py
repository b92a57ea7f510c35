"""Attention, AdditiveAttention, MultiHeadAttention and GroupQueryAttention against NumPy references."""

import numpy as np
import pytest

from k_backends import dtypes
from k_layers import layers
from k_layers.layer import set_mask
from k_ops import core as kcore
from k_ops.symbolic import KerasTensor

from conftest import BACKEND, assert_close, needs_training, to_numpy

RNG = np.random.default_rng(0)
Z = "zeros"  # for layers whose weights are set right after building (skips costly random init)


def rand(*shape):
    return RNG.standard_normal(shape).astype("float32")


# -- NumPy references ----------------------------------------------------------------
def softmax(x, axis=-1):
    x = x - x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def masked_softmax(logits, keep, axis=-1):
    """Masked positions get probability 0 (rows with no allowed position are all 0)."""
    if keep is None:
        return softmax(logits, axis)
    w = softmax(np.where(keep, logits, -1e9), axis)
    return np.where(keep, w, 0.0)


def luong(q, v, k, scale=None, value_mask=None, query_mask=None, causal=False):
    scores = q @ np.swapaxes(k, -1, -2)
    if scale is not None:
        scores = scores * scale
    return _apply(scores, v, value_mask, query_mask, causal)


def _apply(scores, v, value_mask, query_mask, causal):
    keep = np.ones(scores.shape, bool)
    if value_mask is not None:
        keep &= value_mask[:, None, :]
    if causal:
        keep &= np.tril(np.ones(scores.shape[-2:], bool))
    weights = softmax(np.where(keep, scores, scores - 1e9))
    out = weights @ v
    if query_mask is not None:
        out = np.where(query_mask[..., None], out, 0.0)
    return out, weights


def mha_ref(q, v, k, w, num_heads, key_dim, mask=None, gate=False):
    """w: weights in Keras order (query, key, (gate), value, attention_output; kernel then bias)."""
    it = iter(w)
    qk, qb, kk, kb = next(it), next(it), next(it), next(it)
    if gate:
        gk, gb = next(it), next(it)
    vk, vb, ok, ob = next(it), next(it), next(it), next(it)
    qp = np.einsum("btd,dnh->btnh", q, qk) + qb
    kp = np.einsum("bsd,dnh->bsnh", k, kk) + kb
    vp = np.einsum("bsd,dnh->bsnh", v, vk) + vb
    rep = qp.shape[2] // kp.shape[2]
    kp, vp = np.repeat(kp, rep, axis=2), np.repeat(vp, rep, axis=2)
    logits = np.einsum("btnh,bsnh->bnts", qp, kp) / np.sqrt(key_dim)
    keep = None if mask is None else np.broadcast_to(mask[:, None], logits.shape)
    scores = masked_softmax(logits, keep)
    out = np.einsum("bnts,bsnh->btnh", scores, vp)
    if gate:
        out = out / (1 + np.exp(-(np.einsum("btd,dnh->btnh", q, gk) + gb)))
    return np.einsum("btnh,nhd->btd", out, ok) + ob, scores


def random_weights(layer, scale=0.5):
    return [rand(*w.shape) * scale for w in layer.weights]


# -- Attention / AdditiveAttention ---------------------------------------------------
@pytest.mark.parametrize("use_scale", [False, True])
def test_attention_dot(use_scale):
    q, v, k = rand(2, 3, 4), rand(2, 5, 4), rand(2, 5, 4)
    layer = layers.Attention(use_scale=use_scale)
    layer([q, v, k])
    if use_scale:
        layer.set_weights([np.array(0.7, "float32")])
    out, scores = layer([q, v, k], return_attention_scores=True)
    ref_out, ref_scores = luong(q, v, k, 0.7 if use_scale else None)
    assert_close(out, ref_out, dtype="float32", rtol=1e-4)
    assert_close(scores, ref_scores, rtol=1e-4)
    # Without a key, the value is the key.
    assert_close(layer([q, v]), luong(q, v, v, 0.7 if use_scale else None)[0], rtol=1e-4)


def test_attention_concat():
    q, v = rand(2, 3, 4), rand(2, 5, 4)
    layer = layers.Attention(use_scale=True, score_mode="concat")
    layer([q, v])
    layer.set_weights([np.array(0.5, "float32"), np.array(1.5, "float32")])
    scores = 1.5 * np.tanh(0.5 * (q[:, :, None] + v[:, None])).sum(-1)
    assert_close(layer([q, v]), _apply(scores, v, None, None, False)[0], rtol=1e-4)


def test_attention_masks_and_causal():
    q, v = rand(2, 4, 3), rand(2, 4, 3)
    qm = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
    vm = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    layer = layers.Attention()
    out = layer([q, v], mask=[qm, vm], use_causal_mask=True)
    assert_close(out, luong(q, v, v, value_mask=vm, query_mask=qm, causal=True)[0], rtol=1e-4)
    # The masks the inputs carry are used, and the query's passes on.
    qt, vt = kcore.convert_to_tensor(q), kcore.convert_to_tensor(v)
    set_mask(qt, kcore.convert_to_tensor(qm))
    set_mask(vt, kcore.convert_to_tensor(vm))
    out = layer([qt, vt])
    assert_close(out, luong(q, v, v, value_mask=vm, query_mask=qm)[0], rtol=1e-4)
    from k_layers.layer import get_mask
    np.testing.assert_array_equal(to_numpy(get_mask(out)), qm)


def test_additive_attention():
    q, v, k = rand(2, 3, 4), rand(2, 5, 4), rand(2, 5, 4)
    layer = layers.AdditiveAttention()
    layer([q, v, k])
    assert [w.path for w in layer.weights] == [f"{layer.name}/scale"]
    scale = rand(4)
    layer.set_weights([scale])
    scores = (scale * np.tanh(q[:, :, None] + k[:, None])).sum(-1)
    vm = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    out, weights = layer([q, v, k], mask=[None, vm], return_attention_scores=True)
    ref_out, ref_weights = _apply(scores, v, vm, None, False)
    assert_close(out, ref_out, rtol=1e-4)
    assert_close(weights, ref_weights, rtol=1e-4)
    plain = layers.AdditiveAttention(use_scale=False)
    assert_close(plain([q, v]), _apply(np.tanh(q[:, :, None] + v[:, None]).sum(-1), v, None, None, False)[0],
                 rtol=1e-4)
    assert plain.weights == []


def test_attention_dropout_training():
    q, v = rand(2, 3, 4), rand(2, 5, 4)
    layer = layers.Attention(dropout=0.5, seed=1)
    assert_close(layer([q, v]), luong(q, v, v)[0], rtol=1e-4)   # inference: no dropout
    out = to_numpy(layer([q, v], training=True))
    assert out.shape == (2, 3, 4) and not np.allclose(out, luong(q, v, v)[0], atol=1e-3)


def test_attention_symbolic_and_errors():
    layer = layers.Attention()
    out, scores = layer([KerasTensor((None, 3, 4)), KerasTensor((None, 5, 6))], return_attention_scores=True)
    assert out.shape == (None, 3, 6) and scores.shape == (None, 3, 5)
    assert layer.compute_output_shape([(2, 3, 4), (2, 5, 6)]) == (2, 3, 6)
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="cosine")
    with pytest.raises(ValueError, match=r"\[query, value\]"):
        layers.Attention()(rand(2, 3, 4))
    with pytest.raises(ValueError, match="dropout"):
        layers.Attention(dropout=2.0)


def test_attention_configs_match_keras():
    layer = layers.Attention(use_scale=True, score_mode="concat", dropout=0.1, seed=3, name="att2")
    assert layer.get_config() == {
        "name": "att2", "trainable": True,
        "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                  "registered_name": None},
        "use_scale": True, "score_mode": "concat", "dropout": 0.1, "seed": 3}
    add = layers.AdditiveAttention(name="add")
    assert add.get_config() == {
        "name": "add", "trainable": True,
        "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                  "registered_name": None},
        "use_scale": True, "dropout": 0.0, "seed": None}
    q, v = rand(2, 3, 4), rand(2, 5, 4)
    for original in (layer, add):
        original([q, v])
        clone = type(original).from_config(original.get_config())
        clone([q, v])
        clone.set_weights(original.get_weights())
        assert_close(clone([q, v]), to_numpy(original([q, v])), rtol=1e-5)
    restored = layers.deserialize(layers.serialize(add))
    assert type(restored) is layers.AdditiveAttention and restored.use_scale


# -- MultiHeadAttention --------------------------------------------------------------
def built_mha(q, v, k=None, **kwargs):
    layer = layers.MultiHeadAttention(kernel_initializer=Z, **kwargs)
    layer(q, v, k)
    weights = random_weights(layer)
    layer.set_weights(weights)
    return layer, weights


def test_mha_matches_reference_and_keras_weights():
    q, v, k = rand(2, 3, 4), rand(2, 5, 6), rand(2, 5, 6)
    layer, w = built_mha(q, v, k, num_heads=2, key_dim=3, name="mha")
    assert [(x.path, tuple(x.shape)) for x in layer.weights] == [
        ("mha/query/kernel", (4, 2, 3)), ("mha/query/bias", (2, 3)), ("mha/key/kernel", (6, 2, 3)),
        ("mha/key/bias", (2, 3)), ("mha/value/kernel", (6, 2, 3)), ("mha/value/bias", (2, 3)),
        ("mha/attention_output/kernel", (2, 3, 4)), ("mha/attention_output/bias", (4,))]
    assert layer.query_dense.equation == "abc,cde->abde"
    assert layer.output_dense.equation == "abcd,cde->abe"
    ref_out, ref_scores = mha_ref(q, v, k, w, 2, 3)
    fused = layer(q, v, k)   # dot_product_attention path
    assert_close(fused, ref_out, dtype="float32", rtol=1e-4, atol=1e-4)
    out, scores = layer(q, v, k, return_attention_scores=True)   # explicit einsum path
    assert_close(out, ref_out, rtol=1e-4, atol=1e-4)
    assert_close(scores, ref_scores, rtol=1e-4, atol=1e-5)


def test_mha_masks():
    q, v = rand(2, 3, 4), rand(2, 5, 4)
    layer, w = built_mha(q, v, num_heads=2, key_dim=3)
    qm = np.array([[1, 1, 1], [1, 1, 0]], bool)
    vm = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1]], bool)
    am = RNG.random((2, 3, 5)) > 0.3
    am[:, :, 0] = True
    causal = np.tril(np.ones((3, 5), bool))[None]
    cases = [
        (dict(use_causal_mask=True), causal),
        (dict(value_mask=vm), vm[:, None, :]),
        (dict(attention_mask=am), am),
        (dict(attention_mask=am, use_causal_mask=True, value_mask=vm), am & causal & vm[:, None, :]),
    ]
    for kwargs, keep in cases:
        keep = np.broadcast_to(keep, (2, 3, 5))
        ref_out, ref_scores = mha_ref(q, v, v, w, 2, 3, mask=keep)
        assert_close(layer(q, v, **kwargs), ref_out, rtol=1e-4, atol=1e-4)
        out, scores = layer(q, v, return_attention_scores=True, **kwargs)
        assert_close(out, ref_out, rtol=1e-4, atol=1e-4)
        assert_close(scores, ref_scores, rtol=1e-4, atol=1e-5)
    # Padding masks carried by the inputs; the query's mask passes on to the output.
    qt, vt = kcore.convert_to_tensor(q), kcore.convert_to_tensor(v)
    set_mask(qt, kcore.convert_to_tensor(qm))
    set_mask(vt, kcore.convert_to_tensor(vm))
    keep = qm[:, :, None] & vm[:, None, :]
    out = layer(qt, vt)
    # Row 2 of batch 1 has no allowed key: the fused kernel averages, so compare the other rows.
    ref_out = mha_ref(q, v, v, w, 2, 3, mask=keep)[0]
    assert_close(to_numpy(out)[qm], ref_out[qm], rtol=1e-4, atol=1e-4)
    from k_layers.layer import get_mask
    np.testing.assert_array_equal(to_numpy(get_mask(out)), qm)


def test_mha_sliding_window_gate_output_shape():
    q, v = rand(2, 3, 4), rand(2, 5, 4)
    layer, w = built_mha(q, v, num_heads=2, key_dim=3, sliding_window=2, use_gate=True, name="mha_g")
    assert [x.path for x in layer.weights][4:6] == ["mha_g/gate/kernel", "mha_g/gate/bias"]
    keep = np.broadcast_to(np.abs(np.arange(3)[:, None] - np.arange(5)[None]) < 2, (2, 3, 5))
    assert_close(layer(q, v), mha_ref(q, v, v, w, 2, 3, mask=keep, gate=True)[0], rtol=1e-4, atol=1e-4)
    shaped = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5, output_shape=(7,), use_bias=False,
                                    kernel_initializer=Z)
    out = shaped(q, v)
    assert tuple(out.shape) == (2, 3, 7)
    assert [tuple(x.shape) for x in shaped.weights] == [(4, 2, 3), (4, 2, 3), (4, 2, 5), (2, 5, 7)]


def test_mha_attention_axes():
    q, v = rand(2, 3, 2, 4), rand(2, 5, 2, 6)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1, 2), kernel_initializer=Z)
    out, scores = layer(q, v, return_attention_scores=True)
    assert tuple(out.shape) == (2, 3, 2, 4) and tuple(scores.shape) == (2, 2, 3, 2, 5, 2)
    assert layer._dot_product_equation == "afgde,abcde->adbcfg"
    # Attention over both axes = attention over the flattened sequence.
    w = layer.get_weights()
    ref_scores = mha_ref(q.reshape(2, 6, 4), v.reshape(2, 10, 6), v.reshape(2, 10, 6), w, 2, 3)[1]
    assert_close(to_numpy(scores).reshape(2, 2, 6, 10), ref_scores, rtol=1e-4, atol=1e-5)
    one_axis = layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=2, kernel_initializer=Z)
    assert tuple(one_axis(q, v[:, :3], return_attention_scores=True)[1].shape) == (2, 3, 2, 2, 2)


def test_mha_symbolic():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, output_shape=8, kernel_initializer=Z)
    out, scores = layer(KerasTensor((None, 3, 4)), KerasTensor((None, 5, 6)), return_attention_scores=True)
    assert out.shape == (None, 3, 8) and scores.shape == (None, 2, 3, 5)
    assert layer.compute_output_shape((None, 3, 4), (None, 5, 6)) == (None, 3, 8)
    assert layer.get_build_config() == {"shapes_dict": {"query_shape": (None, 3, 4),
                                                        "value_shape": (None, 5, 6)}}


def test_mha_errors():
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(num_heads=0, key_dim=2)
    with pytest.raises(ValueError, match="key_dim"):
        layers.MultiHeadAttention(num_heads=2, key_dim="4")
    with pytest.raises(ValueError, match="sliding_window"):
        layers.MultiHeadAttention(num_heads=2, key_dim=2, sliding_window=0)
    with pytest.raises(ValueError, match="attention_axes"):
        layers.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes="x")
    with pytest.raises(ValueError, match="flash_attention"):
        layers.MultiHeadAttention(num_heads=2, key_dim=2, dropout=0.1, flash_attention=True)
    with pytest.raises(ValueError, match="value and key"):
        layers.MultiHeadAttention(num_heads=2, key_dim=2)(rand(2, 3, 4), rand(2, 5, 4), rand(2, 6, 4))


def test_mha_dropout_training():
    q, v = rand(2, 3, 4), rand(2, 5, 4)
    layer, w = built_mha(q, v, num_heads=2, key_dim=3, dropout=0.5, seed=2)
    assert_close(layer(q, v), mha_ref(q, v, v, w, 2, 3)[0], rtol=1e-4, atol=1e-4)
    assert not np.allclose(to_numpy(layer(q, v, training=True)), mha_ref(q, v, v, w, 2, 3)[0], atol=1e-3)


_GLOROT = {"module": "keras.initializers", "class_name": "GlorotUniform",
           "config": {"seed": None, "input_axes": None, "output_axes": None}, "registered_name": None}
_ZEROS = {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None}
_FLOAT32 = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
            "registered_name": None}
_REST = {"kernel_initializer": _GLOROT, "bias_initializer": _ZEROS, "kernel_regularizer": None,
         "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
         "bias_constraint": None, "seed": None}


def test_mha_config_matches_keras_and_round_trips():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5, output_shape=7, use_gate=True,
                                      use_bias=False, attention_axes=(1, 2), name="mha2")
    assert layer.get_config() == {
        "name": "mha2", "trainable": True, "dtype": _FLOAT32, "num_heads": 2, "key_dim": 3, "value_dim": 5,
        "dropout": 0.0, "use_bias": False, "use_gate": True, "output_shape": (7,), "attention_axes": (1, 2),
        "sliding_window": None, **_REST}
    restored = layers.deserialize(layers.serialize(layer))
    assert isinstance(restored, layers.MultiHeadAttention)
    assert restored.get_config() == layer.get_config()
    # Round trip of a built layer with known weights (zeros init skips costly random init on jax).
    q, v = rand(2, 3, 4, 4), rand(2, 5, 2, 6)
    layer = layers.MultiHeadAttention.from_config({**layer.get_config(), "kernel_initializer": Z})
    layer(q, v)
    layer.set_weights(random_weights(layer))
    clone = layers.MultiHeadAttention.from_config(layer.get_config())
    clone(q, v)
    clone.set_weights(layer.get_weights())
    assert_close(clone(q, v), to_numpy(layer(q, v)), rtol=1e-5)


# -- GroupQueryAttention -------------------------------------------------------------
def test_gqa_matches_reference():
    q, v, k = rand(2, 3, 4), rand(2, 5, 4), rand(2, 5, 6)
    layer = layers.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2,
                                       kernel_initializer=Z)
    assert layer.name.startswith("grouped_query_attention")
    layer(q, v, k)
    assert [tuple(x.shape) for x in layer.weights] == [(4, 4, 3), (4, 3), (6, 2, 3), (2, 3), (4, 2, 3),
                                                        (2, 3), (4, 3, 4), (4,)]
    w = random_weights(layer)
    layer.set_weights(w)
    ref_out, ref_scores = mha_ref(q, v, k, w, 4, 3)
    assert_close(layer(q, v, k), ref_out, rtol=1e-4, atol=1e-4)
    out, scores = layer(q, v, k, return_attention_scores=True)
    assert_close(out, ref_out, rtol=1e-4, atol=1e-4)
    assert_close(scores, ref_scores, rtol=1e-4, atol=1e-5)
    causal = np.broadcast_to(np.tril(np.ones((3, 5), bool)), (2, 3, 5))
    assert_close(layer(q, v, k, use_causal_mask=True), mha_ref(q, v, k, w, 4, 3, mask=causal)[0],
                 rtol=1e-4, atol=1e-4)
    vm = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    keep = np.broadcast_to(causal & vm[:, None], (2, 3, 5))
    out, scores = layer(q, v, k, value_mask=vm, use_causal_mask=True, return_attention_scores=True)
    assert_close(out, mha_ref(q, v, k, w, 4, 3, mask=keep)[0], rtol=1e-4, atol=1e-4)
    assert_close(scores, mha_ref(q, v, k, w, 4, 3, mask=keep)[1], rtol=1e-4, atol=1e-5)


def test_gqa_symbolic_config_errors():
    layer = layers.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2, use_gate=True,
                                       name="gqa")
    assert layer.get_config() == {
        "name": "gqa", "trainable": True, "dtype": _FLOAT32, "head_dim": 3, "num_query_heads": 4,
        "num_key_value_heads": 2, "use_bias": True, "use_gate": True, "sliding_window": None,
        "dropout": 0.0, **_REST}
    serialized = layers.serialize(layer)
    assert serialized["class_name"] == "GroupQueryAttention"
    serialized["class_name"] = "GroupedQueryAttention"   # Keras's class name is accepted too
    assert isinstance(layers.deserialize(serialized), layers.GroupQueryAttention)
    layer = layers.GroupQueryAttention.from_config({**layer.get_config(), "kernel_initializer": Z})
    out, scores = layer(KerasTensor((None, 3, 4)), KerasTensor((None, 5, 4)), return_attention_scores=True)
    assert out.shape == (None, 3, 4) and scores.shape == (None, 4, 3, 5)
    assert [x.path for x in layer.weights][4:6] == ["gqa/gate/kernel", "gqa/gate/bias"]
    q, v = rand(2, 3, 4), rand(2, 5, 4)
    layer(q, v)
    layer.set_weights(random_weights(layer))
    clone = layers.GroupQueryAttention.from_config(layer.get_config())
    clone(q, v)
    clone.set_weights(layer.get_weights())
    assert_close(clone(q, v), to_numpy(layer(q, v)), rtol=1e-5)
    with pytest.raises(ValueError, match="divisible"):
        layers.GroupQueryAttention(head_dim=2, num_query_heads=3, num_key_value_heads=2)
    with pytest.raises(ValueError, match="same last dimension"):
        layers.GroupQueryAttention(2, 2, 1)(KerasTensor((None, 3, 4)), KerasTensor((None, 5, 6)))


# -- mixed precision and training ----------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: layers.MultiHeadAttention(num_heads=2, key_dim=3, dtype="mixed_bfloat16", kernel_initializer=Z),
    lambda: layers.GroupQueryAttention(3, 2, 1, dtype="mixed_bfloat16", kernel_initializer=Z),
])
def test_mixed_bfloat16(make):
    q, v = rand(2, 3, 4), rand(2, 5, 4)
    layer = make()
    layer(q, v)
    w = random_weights(layer)
    layer.set_weights(w)
    assert all(dtypes.standardize_dtype(x.dtype) == "float32" for x in layer.weights)
    heads = layer.num_heads if isinstance(layer, layers.MultiHeadAttention) else layer.num_query_heads
    ref = mha_ref(q, v, v, w, heads, 3)[0]
    assert_close(layer(q, v), ref, dtype="bfloat16", rtol=0.1, atol=0.1)
    out, scores = layer(q, v, return_attention_scores=True)
    assert_close(out, ref, dtype="bfloat16", rtol=0.1, atol=0.1)


_JITTED = {}


def _loss_and_gradients(layer, loss_fn, inputs):
    """loss_fn(layer(*inputs)) and its gradients w.r.t. the trainable variables, by backend."""
    variables = layer.trainable_variables
    if BACKEND == "jax":
        import jax

        def loss(values):
            out, _ = layer.stateless_call(values, [v.value for v in layer.non_trainable_variables], *inputs)
            return loss_fn(out)

        step = _JITTED.setdefault(id(layer), jax.jit(jax.value_and_grad(loss)))
        value, grads = step([v.value for v in variables])
        return float(value), [np.asarray(g) for g in grads]
    if BACKEND == "torch":
        for v in variables:
            v._storage.grad = None
        loss = loss_fn(layer(*inputs))
        loss.backward()
        return float(to_numpy(loss)), [v._storage.grad.detach().cpu().numpy() for v in variables]
    import tensorflow as tf

    with tf.GradientTape() as tape:
        for v in variables:
            tape.watch(v._storage)
        loss = loss_fn(layer(*inputs))
    grads = tape.gradient(loss, [v._storage for v in variables])
    return float(to_numpy(loss)), [np.asarray(g) for g in grads]


@needs_training
@pytest.mark.parametrize("cls", ["mha", "gqa", "attention"])
def test_gradient_descent_reduces_loss(cls):
    from k_ops import numpy as knp

    q, v = rand(2, 3, 4), rand(2, 5, 4)
    target = rand(2, 3, 4)
    if cls == "mha":
        layer, inputs = layers.MultiHeadAttention(num_heads=2, key_dim=3, kernel_initializer=Z), (q, v)
    elif cls == "gqa":
        layer, inputs = layers.GroupQueryAttention(3, 2, 1, kernel_initializer=Z), (q, v)
    else:
        layer, inputs = layers.AdditiveAttention(), ([q, v],)
    layer(*inputs)
    layer.set_weights(random_weights(layer))

    def loss_fn(out):
        return knp.mean(knp.square(knp.subtract(out, target)))

    losses = []
    for _ in range(3):
        loss, grads = _loss_and_gradients(layer, loss_fn, inputs)
        losses.append(loss)
        assert all(np.all(np.isfinite(g)) for g in grads)
        for var, g in zip(layer.trainable_variables, grads, strict=True):
            var.assign(to_numpy(var.value) - 0.2 * g)
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("cls", [layers.Attention, layers.AdditiveAttention])
def test_luong_bahdanau_mixed_bfloat16(cls):
    q, v = rand(2, 3, 4), rand(2, 5, 4)
    layer = cls(use_scale=False, dtype="mixed_bfloat16")
    out, scores = layer([q, v], return_attention_scores=True)
    if cls is layers.Attention:
        logits = q @ np.swapaxes(v, -1, -2)
    else:
        logits = np.tanh(q[:, :, None] + v[:, None]).sum(-1)
    ref_out, ref_scores = _apply(logits, v, None, None, False)
    assert_close(out, ref_out, dtype="bfloat16", rtol=0.05, atol=0.05)
    assert_close(scores, ref_scores, dtype="bfloat16", rtol=0.05, atol=0.05)
