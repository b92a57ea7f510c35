"""A compiled model's .keras file keeps the optimizer: training continues exactly where it stopped."""

import numpy as np

from k_layers import layers, saving
from k_layers.models import Input, Sequential

from conftest import needs_training, to_numpy

RNG = np.random.default_rng(0)


@needs_training
def test_optimizer_state_survives_save_and_load(tmp_path):
    x, y = RNG.normal(size=(8, 4)).astype("float32"), RNG.normal(size=(8, 2)).astype("float32")
    model = Sequential([Input((4,)), layers.Dense(8, activation="relu"), layers.BatchNormalization(),
                        layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    for _ in range(2):
        model.train_on_batch(x, y)
    model.save(tmp_path / "m.keras")
    loaded = saving.load_model(tmp_path / "m.keras")
    assert int(to_numpy(loaded.optimizer.iterations.value)) == 2
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables, strict=True):
        np.testing.assert_array_equal(to_numpy(a.value), to_numpy(b.value))
    model.train_on_batch(x, y)  # continued training matches uninterrupted training
    loaded.train_on_batch(x, y)
    for a, b in zip(model.weights, loaded.weights, strict=True):
        np.testing.assert_allclose(to_numpy(a.value), to_numpy(b.value), rtol=1e-5, atol=1e-6)
