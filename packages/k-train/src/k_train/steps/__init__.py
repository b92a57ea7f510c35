"""One training / test / predict step per backend: `make(model, compiled, kind)` and `make_predict(model)`.

A step object has `begin()` (take the model's state), `run(batches)` (one or more batches,
`steps_per_execution` of them, in one compiled call; returns the logs as tensors) and
`end()` (give the state back to the model's variables).
"""
