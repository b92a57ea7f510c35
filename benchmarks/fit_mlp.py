"""fit throughput of an MLP 784-256-256-10 (batch 128, Adam): kappa against a native loop per framework.

Each measurement runs in its own subprocess (`python fit_mlp.py --one <backend> <kappa|native>`),
kappa and native interleaved, three rounds; the table shows medians. "first epoch" includes
compilation; "samples/s" is over the following epochs. Not part of the test suite.

    PYTHONPATH=<every packages/*/src> python benchmarks/fit_mlp.py [jax torch tensorflow]
"""

import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

SAMPLES, BATCH, EPOCHS, LR = 8192, 128, 4, 1e-3


def data():
    rng = np.random.default_rng(0)
    x = rng.random((SAMPLES, 784), dtype=np.float32)
    y = (x[:, :10].argmax(-1)).astype("int32")
    return x, y


def run_kappa():
    import kappa
    from kappa import layers

    x, y = data()
    model = kappa.Sequential([kappa.Input((784,)), layers.Dense(256, activation="relu"),
                              layers.Dense(256, activation="relu"), layers.Dense(10)])
    model.compile(optimizer=kappa.optimizers.Adam(LR),
                  loss=kappa.losses.SparseCategoricalCrossentropy(from_logits=True))
    times = []

    class Timer(kappa.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0, callbacks=[Timer()])
    return times


def _batches(x, y):
    for start in range(0, SAMPLES, BATCH):
        yield x[start:start + BATCH], y[start:start + BATCH]


def run_native_jax():
    import jax
    import jax.numpy as jnp

    x, y = data()
    keys = jax.random.split(jax.random.PRNGKey(0), 3)
    sizes = [(784, 256), (256, 256), (256, 10)]
    params = [(jax.random.normal(k, s) * (2 / s[0]) ** 0.5, jnp.zeros(s[1]))
              for k, s in zip(keys, sizes, strict=True)]
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = (params, zeros, zeros, 0)

    def loss_fn(params, xb, yb):
        h = xb
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < 2:
                h = jax.nn.relu(h)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(h), yb[:, None], 1))

    @jax.jit
    def step(state, xb, yb):
        params, m, v, t = state
        grads = jax.grad(loss_fn)(params, xb, yb)
        t = t + 1
        m = jax.tree_util.tree_map(lambda a, g: 0.9 * a + 0.1 * g, m, grads)
        v = jax.tree_util.tree_map(lambda a, g: 0.999 * a + 0.001 * g * g, v, grads)
        lr = LR * jnp.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        params = jax.tree_util.tree_map(lambda p, a, b: p - lr * a / (jnp.sqrt(b) + 1e-7), params, m, v)
        return params, m, v, t

    times = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        for xb, yb in _batches(x, y):
            state = step(state, xb, yb)
        jax.block_until_ready(state[0])
        times.append(time.perf_counter() - start)
    return times


def run_native_torch():
    import torch

    x, y = data()
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                                torch.nn.ReLU(), torch.nn.Linear(256, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        for xb, yb in _batches(x, y):
            optimizer.zero_grad()
            loss = loss_fn(model(torch.from_numpy(xb)), torch.from_numpy(yb).long())
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    return times


def run_native_tensorflow():
    import tensorflow as tf

    x, y = data()
    rng = np.random.default_rng(1)
    sizes = [(784, 256), (256, 256), (256, 10)]
    variables = []
    for fan_in, fan_out in sizes:
        limit = (6 / (fan_in + fan_out)) ** 0.5
        variables += [tf.Variable(rng.uniform(-limit, limit, (fan_in, fan_out)).astype("float32")),
                      tf.Variable(np.zeros(fan_out, "float32"))]
    slots = [(tf.Variable(tf.zeros_like(v)), tf.Variable(tf.zeros_like(v))) for v in variables]
    t = tf.Variable(0.0)

    @tf.function(reduce_retracing=True)
    def step(xb, yb):
        with tf.GradientTape() as tape:
            h = xb
            for i in range(3):
                h = h @ variables[2 * i] + variables[2 * i + 1]
                if i < 2:
                    h = tf.nn.relu(h)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(yb, h))
        grads = tape.gradient(loss, variables)
        t.assign_add(1.0)
        lr = LR * tf.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        for v, g, (m, s) in zip(variables, grads, slots, strict=True):
            m.assign(0.9 * m + 0.1 * g)
            s.assign(0.999 * s + 0.001 * g * g)
            v.assign_sub(lr * m / (tf.sqrt(s) + 1e-7))

    times = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        for xb, yb in _batches(x, y):
            step(xb, yb)
        times.append(time.perf_counter() - start)
    return times


def one(backend, kind):
    os.environ["KAPPA_BACKEND"] = backend
    times = run_kappa() if kind == "kappa" else globals()[f"run_native_{backend}"]()
    print(json.dumps(times))


def main(backends):
    rows = []
    for backend in backends:
        results = {"kappa": [], "native": []}
        for _ in range(3):
            for kind in ("native", "kappa"):
                env = {**os.environ, "KAPPA_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
                out = subprocess.run([sys.executable, __file__, "--one", backend, kind], env=env,
                                     capture_output=True, text=True, check=True).stdout
                results[kind].append(json.loads(out.strip().splitlines()[-1]))
        summary = {}
        for kind, runs in results.items():
            first = statistics.median(r[0] for r in runs)
            steady = statistics.median(SAMPLES * (len(r) - 1) / sum(r[1:]) for r in runs)
            summary[kind] = (first, steady)
        rows.append((backend, summary))
    print("| backend | native first epoch (s) | kappa first epoch (s) | native samples/s | kappa samples/s | "
          "kappa/native throughput |")
    print("|---|---:|---:|---:|---:|---:|")
    for backend, s in rows:
        print(f"| {backend} | {s['native'][0]:.2f} | {s['kappa'][0]:.2f} | {s['native'][1]:,.0f} | "
              f"{s['kappa'][1]:,.0f} | {s['kappa'][1] / s['native'][1]:.2f} |")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        one(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1:] or ["jax", "torch", "tensorflow"])
