"""compile / fit / evaluate / predict and the *_on_batch methods on every backend."""

import numpy as np
import pytest

from k_layers import layers
from k_layers.models import Input, Model, Sequential

from conftest import BACKEND, TRAINS, assert_close, needs_training

RNG = np.random.default_rng(0)
X = RNG.normal(size=(96, 4)).astype("float32")
Y = (X[:, 0] + X[:, 1] > 0).astype("int32")


def _mlp(seed=1, units=8):
    model = Sequential([Input((4,)), layers.Dense(units, activation="relu",
                                                  kernel_initializer=_init(seed)),
                        layers.Dense(2, activation="softmax", kernel_initializer=_init(seed + 1))])
    return model


def _init(seed):
    from k_layers import initializers

    return initializers.GlorotUniform(seed=seed)


@needs_training
def test_fit_learns_the_digits():
    datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn ships the digits data")
    digits = datasets.load_digits()
    x = (digits.data / 16.0).astype("float32")
    y = digits.target.astype("int32")
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    model = Sequential([Input((64,)), layers.Dense(64, activation="relu", kernel_initializer=_init(0)),
                        layers.Dense(10, activation="softmax", kernel_initializer=_init(1))])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=12, validation_split=0.2, verbose=0)
    assert history.history["val_accuracy"][-1] >= 0.95
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}


@pytest.mark.skipif(TRAINS, reason="only the numpy backend refuses to train")
def test_numpy_backend_refuses_to_train_but_evaluates_and_predicts():
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    with pytest.raises(RuntimeError, match="numpy backend"):
        model.fit(X, Y, verbose=0)
    loss, accuracy = model.evaluate(X, Y, verbose=0)
    assert np.isfinite(loss) and 0.0 <= accuracy <= 1.0
    assert model.predict(X, batch_size=10).shape == (96, 2)


def test_evaluate_matches_the_loss_computed_by_hand():
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    probabilities = model.predict(X, batch_size=17)
    assert probabilities.shape == (96, 2)
    expected_loss = -np.mean(np.log(np.clip(probabilities[np.arange(96), Y], 1e-7, 1.0)))
    logs = model.evaluate(X, Y, batch_size=32, verbose=0, return_dict=True)
    assert abs(logs["loss"] - expected_loss) < 1e-4
    assert abs(logs["accuracy"] - np.mean(probabilities.argmax(-1) == Y)) < 1e-6
    assert_close(model.predict_on_batch(X[:5]), probabilities[:5], rtol=1e-5)


@needs_training
def test_steps_per_execution_gives_the_same_weights():
    results = []
    for steps in (1, 4):
        model = _mlp(seed=3)
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", steps_per_execution=steps)
        model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        results.append(model.get_weights())
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@needs_training
def test_multi_output_losses_by_name_and_logs():
    inputs = Input((4,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    outputs = {"cls": layers.Dense(2, activation="softmax", name="cls")(hidden),
               "reg": layers.Dense(1, name="reg")(hidden)}
    model = Model(inputs, outputs)
    model.compile(optimizer="adam", loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
                  loss_weights={"cls": 1.0, "reg": 0.5}, metrics={"cls": ["accuracy"], "reg": ["mae"]})
    targets = {"cls": Y, "reg": X[:, :1] * 2.0}
    history = model.fit(X, targets, batch_size=16, epochs=3, verbose=0)
    assert {"loss", "cls_accuracy", "reg_mae"} <= set(history.history)
    assert history.history["loss"][-1] < history.history["loss"][0]
    predictions = model.predict(X, verbose=0)
    assert predictions["cls"].shape == (96, 2) and predictions["reg"].shape == (96, 1)


@needs_training
def test_train_and_test_on_batch_and_sample_weights():
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    first = model.test_on_batch(X, Y, return_dict=True)
    for _ in range(20):
        model.train_on_batch(X, Y)
    assert model.test_on_batch(X, Y, return_dict=True)["loss"] < first["loss"]
    zero = model.evaluate(X, Y, sample_weight=np.zeros(96, "float32"), verbose=0, return_dict=True)
    assert zero["loss"] == 0.0


@needs_training
def test_a_custom_train_step_is_used():
    calls = []

    if BACKEND == "jax":
        class Custom(Model):
            def train_step(self, state, data):
                calls.append("traced")
                return {"constant": 1.0}, state
    elif BACKEND == "torch":
        class Custom(Model):
            def train_step(self, data):
                calls.append("called")
                return {"constant": 1.0}
    else:
        class Custom(Model):
            def train_step(self, data):
                calls.append("traced")
                return {"constant": 1.0}

    model = _Subclassed(Custom)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(X, X[:, :2], batch_size=32, epochs=1, verbose=0)
    assert calls and history.history["constant"] == [1.0]


def _Subclassed(base):
    class TwoLayer(base):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    return TwoLayer()


def test_fit_needs_compile():
    with pytest.raises(RuntimeError, match="compile"):
        _mlp().fit(X, Y, verbose=0)


def _batches(batch=16):
    while True:  # endless, as generators given to fit with steps_per_epoch usually are
        for start in range(0, 96, batch):
            yield X[start:start + batch], Y[start:start + batch]


@needs_training
def test_every_data_source_feeds_fit():
    from k_train.data import PyDataset

    class Batches(PyDataset):
        def __len__(self):
            return 6

        def __getitem__(self, index):
            return X[index * 16:(index + 1) * 16], Y[index * 16:(index + 1) * 16]

    sources = [("generator", lambda: _batches(), 6), ("py_dataset", lambda: Batches(workers=2), None)]
    if BACKEND == "tensorflow":
        import tensorflow as tf

        sources.append(("tf.data", lambda: tf.data.Dataset.from_tensor_slices((X, Y)).batch(16), None))
    if BACKEND == "torch":
        import torch

        dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
        sources.append(("DataLoader", lambda: torch.utils.data.DataLoader(dataset, batch_size=16), None))
    for name, make, steps in sources:
        model = _mlp()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(make(), epochs=2, steps_per_epoch=steps, verbose=0)
        assert len(history.history["loss"]) == 2, name
        assert np.isfinite(history.history["loss"]).all(), name
        logs = model.evaluate(make(), steps=steps, verbose=0, return_dict=True)
        assert set(logs) == {"loss", "accuracy"}, name


@needs_training
def test_class_weight_and_validation_data():
    model = _mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(X, Y, class_weight={0: 1.0, 1: 3.0}, validation_data=(X[:32], Y[:32]), epochs=2,
                        validation_freq=2, verbose=0)
    assert "val_loss" in history.history and len(history.history["val_loss"]) == 1


@needs_training
def test_fit_stops_when_a_finite_generator_runs_out():
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    finite = ((X[i:i + 16], Y[i:i + 16]) for i in range(0, 96, 16))
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(finite, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 1


@needs_training
def test_mixed_float16_training_scales_the_loss():
    from k_train.optimizers import LossScaleOptimizer

    model = Sequential([Input((4,)), layers.Dense(8, activation="relu", dtype="mixed_float16"),
                        layers.Dense(2, activation="softmax", dtype="float32")])
    model.dtype_policy = "mixed_float16"
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert isinstance(model.optimizer, LossScaleOptimizer)
    history = model.fit(X, Y, batch_size=16, epochs=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.layers[0].kernel.dtype == "float32"
