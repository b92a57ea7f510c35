"""How much one eager `kappa.ops` call costs over the framework's own call.

For each backend (one subprocess each, with KAPPA_BACKEND set), times the
median per-call cost of a few common ops on 2x2 float32 tensors, through
`kappa.ops` and through the native function (np.add, jnp.add, torch.add,
tf.add, ...), and prints the ratio kappa/native and the microseconds added.

    PYTHONPATH=packages/k-backends/src:packages/k-ops/src:...:packages/kappa/src \
        python benchmarks/op_overhead.py [numpy jax torch tensorflow] [--rounds 201]

Both sides get the same tensors, created natively. The cost of the timing
loop itself (calling an empty lambda) is measured and subtracted from both,
so the numbers are the calls alone. An op not (yet) in `kappa.ops` is
reported as "not available".
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

BACKENDS = ("numpy", "jax", "torch", "tensorflow")
OPS = ("add", "multiply", "matmul", "sum", "reshape", "transpose", "where")
_MARKER = "OP_OVERHEAD_RESULT "


# -- worker: runs inside one backend's process ---------------------------------------------
def _native_ops(backend):
    """The 2x2 float32 tensor `x`, a bool tensor `c`, and the native call of each op."""
    if backend == "numpy":
        import numpy as np

        x, c = np.ones((2, 2), np.float32), np.array([[True, False], [False, True]])
        return x, c, {"add": np.add, "multiply": np.multiply, "matmul": np.matmul, "sum": np.sum,
                      "reshape": np.reshape, "transpose": np.transpose, "where": np.where}
    if backend == "jax":
        import jax.numpy as jnp

        x, c = jnp.ones((2, 2), jnp.float32), jnp.array([[True, False], [False, True]])
        return x, c, {"add": jnp.add, "multiply": jnp.multiply, "matmul": jnp.matmul, "sum": jnp.sum,
                      "reshape": jnp.reshape, "transpose": jnp.transpose, "where": jnp.where}
    if backend == "torch":
        import torch

        x, c = torch.ones((2, 2), dtype=torch.float32), torch.tensor([[True, False], [False, True]])
        return x, c, {"add": torch.add, "multiply": torch.mul, "matmul": torch.matmul, "sum": torch.sum,
                      "reshape": torch.reshape, "transpose": lambda t: torch.permute(t, (1, 0)),
                      "where": torch.where}
    if backend == "tensorflow":
        import tensorflow as tf

        x, c = tf.ones((2, 2), tf.float32), tf.constant([[True, False], [False, True]])
        return x, c, {"add": tf.add, "multiply": tf.multiply, "matmul": tf.matmul, "sum": tf.reduce_sum,
                      "reshape": tf.reshape, "transpose": tf.transpose, "where": tf.where}
    raise ValueError(f"Unknown backend {backend!r}; expected one of {BACKENDS}.")


def _calls(op, fn, x, c):
    """A no-argument callable doing one call of `fn` as `op` is called in the benchmark."""
    if op in ("add", "multiply", "matmul"):
        return lambda: fn(x, x)
    if op == "reshape":
        return lambda: fn(x, (4,))
    if op == "where":
        return lambda: fn(c, x, x)
    return lambda: fn(x)  # sum, transpose


def _per_call_us(call, number):
    start = time.perf_counter_ns()
    for _ in range(number):
        call()
    return (time.perf_counter_ns() - start) / number / 1e3


def _calibrate(call, target_s=0.001):
    """A loop length taking about `target_s` seconds (at least 20 calls)."""
    number = 20
    while _per_call_us(call, number) * number < target_s * 1e6 and number < 1_000_000:
        number *= 2
    return number


def run_worker(backend, rounds):
    import kappa

    x, c, native = _native_ops(backend)
    empty = lambda: None  # noqa: E731
    results = {}
    for op in OPS:
        kappa_fn = getattr(kappa.ops, op, None)
        if kappa_fn is None:
            results[op] = {"status": "not available"}
            continue
        native_call, kappa_call = _calls(op, native[op], x, c), _calls(op, kappa_fn, x, c)
        try:
            for call in (native_call, kappa_call):
                for _ in range(50):  # warm caches (jit dispatch, dtype tables)
                    call()
        except Exception as e:  # an op being written by another helper may still fail
            results[op] = {"status": f"error: {type(e).__name__}: {e}"[:120]}
            continue
        number = _calibrate(kappa_call)
        native_times, kappa_times, empty_times = [], [], []
        # Many short rounds, interleaved: a burst of load from other processes spoils a few
        # rounds of both sides rather than all of one side, and the median skips them.
        for _ in range(rounds):
            native_times.append(_per_call_us(native_call, number))
            kappa_times.append(_per_call_us(kappa_call, number))
            empty_times.append(_per_call_us(empty, number))
        loop = statistics.median(empty_times)
        native_us = statistics.median(native_times) - loop
        kappa_us = statistics.median(kappa_times) - loop
        results[op] = {"status": "ok", "native_us": native_us, "kappa_us": kappa_us,
                       "ratio": kappa_us / native_us, "added_us": kappa_us - native_us}
    print(_MARKER + json.dumps(results), flush=True)


# -- driver: one subprocess per backend, then the table ------------------------------------------
def installed_backends():
    return [b for b in BACKENDS if importlib.util.find_spec(b) is not None]


def run_backend(backend, rounds):
    env = dict(os.environ, KAPPA_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, __file__, "--worker", backend, "--rounds", str(rounds)],
                          env=env, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith(_MARKER):
            return json.loads(line[len(_MARKER):])
    raise RuntimeError(f"The {backend} benchmark failed (exit code {proc.returncode}):\n"
                       f"{proc.stderr[-3000:]}")


def format_table(all_results):
    lines = ["| backend | op | native (µs) | kappa (µs) | kappa/native | added (µs) |",
             "|---|---|---:|---:|---:|---:|"]
    for backend, results in all_results.items():
        for op in OPS:
            r = results[op]
            if r["status"] != "ok":
                lines.append(f"| {backend} | {op} | | | {r['status']} | |")
                continue
            lines.append(f"| {backend} | {op} | {r['native_us']:.2f} | {r['kappa_us']:.2f} | "
                         f"{r['ratio']:.2f} | {r['added_us']:+.2f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("backends", nargs="*", help=f"backends to time (default: installed ones of "
                                                    f"{', '.join(BACKENDS)})")
    parser.add_argument("--rounds", type=int, default=201, help="timed rounds per op (median taken)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(args.worker, args.rounds)
        return
    backends = args.backends or installed_backends()
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        parser.error(f"unknown backend(s) {unknown}; expected some of {', '.join(BACKENDS)}")
    results = {}
    for backend in backends:
        print(f"timing {backend} ...", file=sys.stderr, flush=True)
        results[backend] = run_backend(backend, args.rounds)
    print(format_table(results))


if __name__ == "__main__":
    main()
