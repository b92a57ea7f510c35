"""A model saved under each backend loads under every other one and predicts the same."""

import os
import subprocess
import sys

import numpy as np
import pytest

BACKENDS = ("numpy", "jax", "torch", "tensorflow")

# Saves a small model with layers whose layouts differ per framework (conv, LSTM, batch norm).
SAVE = r"""
import sys, numpy as np, kappa
from kappa import layers
kappa.utils.set_random_seed(1)
images = kappa.Input((6, 6, 2), name="images")
x = layers.Conv2D(3, 3, padding="same", activation="relu")(images)
x = layers.BatchNormalization()(x)
x = layers.Reshape((6, 18))(x)
x = layers.LSTM(4)(x)
model = kappa.Model(images, layers.Dense(2)(x))
weights = model.get_weights()
rng = np.random.default_rng(0)
model.set_weights([rng.normal(size=w.shape).astype(w.dtype) * 0.5 for w in weights])
model.save(sys.argv[1])
data = np.random.default_rng(1).random((3, 6, 6, 2)).astype("float32")
np.save(sys.argv[2], kappa.ops.convert_to_numpy(model(data)))
"""

LOAD = r"""
import sys, numpy as np, kappa
model = kappa.saving.load_model(sys.argv[1])
data = np.random.default_rng(1).random((3, 6, 6, 2)).astype("float32")
np.save(sys.argv[2], kappa.ops.convert_to_numpy(model(data)))
"""


def _run(backend, code, *args):
    env = {**os.environ, "KAPPA_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, f"{backend}: {result.stderr[-2000:]}"


@pytest.mark.parametrize("source", BACKENDS)
def test_saved_model_loads_on_every_backend(source, tmp_path):
    path, expected = tmp_path / f"{source}.keras", tmp_path / f"{source}.npy"
    _run(source, SAVE, str(path), str(expected))
    reference = np.load(expected)
    for target in BACKENDS:
        out = tmp_path / f"{source}-to-{target}.npy"
        _run(target, LOAD, str(path), str(out))
        np.testing.assert_allclose(np.load(out), reference, rtol=1e-4, atol=1e-5,
                                   err_msg=f"saved on {source}, loaded on {target}")
