"""kappa's demo: a small convolutional network learns scikit-learn's handwritten digits.

It trains on the default backend (pick one with KAPPA_BACKEND=jax|torch|tensorflow), reports
the test accuracy, saves the model as a .keras file, loads it back, checks that the reloaded
model predicts the same, and prints where the file is. The data (1,797 8x8 images) ships
inside scikit-learn: nothing is downloaded.
"""

import os
import pathlib
import sys
import tempfile
import time

import numpy as np
from sklearn.datasets import load_digits

import kappa as keras
from kappa import layers


def load_data(seed=0):
    digits = load_digits()
    images = (digits.images / 16.0).astype("float32")[..., None]  # (n, 8, 8, 1) in [0, 1]
    labels = digits.target.astype("int32")
    order = np.random.default_rng(seed).permutation(len(images))
    images, labels = images[order], labels[order]
    split = int(0.8 * len(images))
    return (images[:split], labels[:split]), (images[split:], labels[split:])


def build_model():
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Conv2D(64, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(10, activation="softmax"),
    ], name="digits_cnn")


def main():
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = load_data()
    print(f"kappa {keras.version()} on the {keras.backend.backend()} backend; "
          f"{len(x_train)} training and {len(x_test)} test images")
    model = build_model()
    model.summary()
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=32, epochs=15, validation_split=0.1, verbose="auto")
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy {accuracy:.4f} (loss {loss:.4f}) after {seconds:.1f} s of training")

    directory = pathlib.Path(os.environ.get("KAPPA_DEMO_DIR") or tempfile.mkdtemp(prefix="kappa-demo-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "digits_cnn.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    before, after = model.predict(x_test, verbose=0), reloaded.predict(x_test, verbose=0)
    largest = float(np.max(np.abs(before - after)))
    same = largest <= 1e-5
    print(f"reloaded {path}: predictions {'match' if same else 'DIFFER'} (largest difference {largest:.2e})")
    if accuracy < 0.97 or not same:
        print("the demo did not reach its targets (test accuracy >= 0.97, identical reload)", file=sys.stderr)
        return 1
    print(f"saved model: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
