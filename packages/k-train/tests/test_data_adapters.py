import threading
import time
import warnings

import numpy as np
import pytest

import k_backends
from k_train.data import (
    PyDataset,
    get_adapter,
    pack_x_y_sample_weight,
    train_validation_split,
    unpack_x_y_sample_weight,
)
from k_train.data.adapters import PrefetchIterator

from conftest import BACKEND, to_numpy

only_tensorflow = pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.data is tested on tensorflow only")
only_torch = pytest.mark.skipif(BACKEND != "torch", reason="torch DataLoader is tested on torch only")


def is_backend_tensor(x):
    return k_backends.current().core.is_tensor(x)


def collect(adapter, tensors=True):
    """All batches of one epoch, leaves as NumPy; checks tensor leaves are the backend's."""
    adapter.on_epoch_begin()
    iterator = adapter.get_tensor_iterator() if tensors else adapter.get_numpy_iterator()
    batches = []
    for batch in iterator:
        def check(leaf):
            if tensors:
                assert is_backend_tensor(leaf), type(leaf)
            else:
                assert isinstance(leaf, np.ndarray), type(leaf)
            return np.asarray(to_numpy(leaf))
        batches.append(_map(check, batch))
    adapter.on_epoch_end()
    return batches


def _map(f, s):
    if isinstance(s, dict):
        return {k: _map(f, v) for k, v in s.items()}
    if isinstance(s, (list, tuple)):
        return type(s)(_map(f, v) for v in s)
    return f(s)


def data(n=10):
    x = np.arange(n * 2, dtype="float32").reshape(n, 2)
    return x, np.arange(n, dtype="int32")


@pytest.mark.parametrize("tensors", [True, False])
def test_array_adapter_batches_in_order_with_partial_batch(tensors):
    x, y = data(10)
    adapter = get_adapter(x, y, batch_size=4)
    assert (adapter.num_batches, adapter.batch_size, adapter.has_partial_batch) == (3, 4, True)
    assert adapter.partial_batch_size == 2
    batches = collect(adapter, tensors)
    assert [type(b) for b in batches] == [tuple] * 3
    assert [len(b) for b in batches] == [2, 2, 2]
    np.testing.assert_array_equal(batches[2][0], x[8:])
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)


def test_array_adapter_keeps_nested_structure_and_x_only():
    x, y = data(6)
    inputs = {"a": x, "b": [x[:, :1], (y,)]}
    adapter = get_adapter(inputs, {"out": y}, batch_size=3)
    batch = collect(adapter)[1]
    assert isinstance(batch, tuple) and len(batch) == 2
    assert set(batch[0]) == {"a", "b"} and isinstance(batch[0]["b"], list)
    assert isinstance(batch[0]["b"][1], tuple)
    np.testing.assert_array_equal(batch[0]["b"][1][0], y[3:])
    np.testing.assert_array_equal(batch[1]["out"], y[3:])
    only_x = collect(get_adapter(x, batch_size=6))
    assert not isinstance(only_x[0], tuple)
    pair = collect(get_adapter((x, x), batch_size=6))[0]
    assert isinstance(pair, tuple) and len(pair) == 1 and len(pair[0]) == 2


def test_array_adapter_casts_floats_to_floatx_and_accepts_backend_tensors():
    x, y = data(8)
    tensor_x = k_backends.current().core.convert_to_tensor(x)
    batches = collect(get_adapter(tensor_x, x.astype("float64"), batch_size=8))
    assert batches[0][1].dtype == np.float32
    np.testing.assert_array_equal(batches[0][0], x)


def test_steps_per_epoch_sets_the_batch_size():
    x, _ = data(10)
    adapter = get_adapter(x, steps_per_epoch=2)
    assert (adapter.batch_size, adapter.num_batches, adapter.has_partial_batch) == (5, 2, False)


@pytest.mark.parametrize("shuffle", [True, "batch"])
def test_shuffle_changes_order_not_content(shuffle):
    x, y = data(64)
    adapter = get_adapter(x, y, batch_size=16, shuffle=shuffle)
    np.random.seed(0)
    epochs = [collect(adapter) for _ in range(2)]
    for batches in epochs:
        seen_y = np.concatenate([b[1] for b in batches])
        assert not np.array_equal(seen_y, y)
        np.testing.assert_array_equal(np.sort(seen_y), y)
        for bx, by in batches:  # x and y stay paired
            np.testing.assert_array_equal(bx[:, 0], 2 * by)
        if shuffle == "batch":
            for i, (_, by) in enumerate(batches):
                np.testing.assert_array_equal(np.sort(by), y[16 * i:16 * (i + 1)])
    assert not np.array_equal(epochs[0][0][1], epochs[1][0][1])  # reshuffled every epoch


@pytest.mark.parametrize("y", [np.array([0, 1, 2, 1]), np.array([[0.], [1.], [2.], [1.]]),
                               np.eye(3)[[0, 1, 2, 1]]])
def test_class_weight_becomes_sample_weight(y):
    x = np.zeros((4, 2), "float32")
    (batch,) = collect(get_adapter(x, y, batch_size=4, class_weight={0: 0.5, 2: 3.0}))
    assert len(batch) == 3
    np.testing.assert_allclose(batch[2], [0.5, 1.0, 3.0, 1.0])
    assert batch[2].dtype == np.float32


def test_single_sample_weight_is_replicated_over_outputs():
    x, y = data(4)
    w = np.arange(4, dtype="float32")
    (batch,) = collect(get_adapter(x, [y, y], sample_weight=w, batch_size=4))
    assert isinstance(batch[2], list) and len(batch[2]) == 2
    np.testing.assert_array_equal(batch[2][1], w)


def test_array_errors():
    x, y = data(10)
    with pytest.raises(ValueError, match=r"cardinality.*x sizes: 10.*y sizes: 9"):
        get_adapter(x, y[:9])
    with pytest.raises(ValueError, match="both `class_weight` and `sample_weight`"):
        get_adapter(x, y, sample_weight=y, class_weight={0: 1.0})
    with pytest.raises(ValueError, match="single target"):
        get_adapter(x, [y, y], class_weight={0: 1.0})
    with pytest.raises(TypeError, match="Unsupported data.*str"):
        get_adapter("not data")
    with pytest.raises(TypeError, match="unsupported leaves: list_iterator"):
        get_adapter(x, iter([1]))
    with pytest.raises(ValueError, match="shuffle"):
        get_adapter(x, shuffle="epoch")


@pytest.mark.parametrize("form", ["x", "xy", "xyw"])
def test_generator_adapter_yields_its_batches(form):
    x, y = data(6)

    def gen():
        for i in range(3):
            s = slice(2 * i, 2 * i + 2)
            yield {"x": x[s], "xy": (x[s], y[s]), "xyw": (x[s], y[s], y[s] * 2.0)}[form]

    adapter = get_adapter(gen())
    assert adapter.num_batches is None and adapter.batch_size is None
    batches = collect(adapter)
    assert len(batches) == 3
    if form == "x":
        np.testing.assert_array_equal(batches[2], x[4:])
    else:
        assert isinstance(batches[2], tuple) and len(batches[2]) == len(form)
        np.testing.assert_array_equal(batches[2][1], y[4:])


def test_generator_is_read_on_across_epochs_without_losing_batches():
    adapter = get_adapter(iter([np.full((1,), i, "int32") for i in range(6)]))
    seen = []
    for _ in range(3):  # a training loop with steps_per_epoch=2
        iterator = adapter.get_tensor_iterator()
        seen += [int(to_numpy(next(iterator))[0]) for _ in range(2)]
    assert seen == list(range(6))


def test_generator_errors():
    x, y = data(4)
    with pytest.raises(ValueError, match="do not pass `batch_size`"):
        get_adapter((b for b in [x]), batch_size=2)
    with pytest.raises(ValueError, match="do not pass `y`"):
        get_adapter((b for b in [x]), y)
    with pytest.raises(ValueError, match="`class_weight` is not supported"):
        get_adapter((b for b in [x]), class_weight={0: 1.0})
    with pytest.warns(UserWarning, match="shuffle"):
        get_adapter((b for b in [x]), shuffle=True)


class Batches(PyDataset):
    def __init__(self, n=5, delay=0.0, form="xy", **kwargs):
        super().__init__(**kwargs)
        self.n, self.delay, self.form = n, delay, form
        self.threads = set()
        self.epochs_ended = 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        self.threads.add(threading.get_ident())
        time.sleep(self.delay)
        x = np.full((2, 3), index, "float32")
        y = np.array([index % 3, (index + 1) % 3])
        return {"x": x, "xy": [x, y], "dict": {"a": x}}[self.form]

    def on_epoch_end(self):
        self.epochs_ended += 1


@pytest.mark.parametrize("workers", [1, 2])
def test_py_dataset_batches_in_order(workers):
    dataset = Batches(delay=0.01 if workers > 1 else 0.0, workers=workers)
    adapter = get_adapter(dataset)
    assert adapter.num_batches == 5 and adapter.batch_size is None
    batches = collect(adapter)
    assert [type(b) for b in batches] == [tuple] * 5  # the list [x, y] becomes a tuple
    assert [int(b[0][0, 0]) for b in batches] == list(range(5))
    assert dataset.epochs_ended == 1
    if workers > 1:
        assert threading.get_ident() not in dataset.threads


def test_py_dataset_shuffle_class_weight_and_x_only():
    np.random.seed(1)
    batches = collect(get_adapter(Batches(n=8), shuffle=True, class_weight={1: 2.0}))
    order = [int(b[0][0, 0]) for b in batches]
    assert sorted(order) == list(range(8)) and order != list(range(8))
    for i, (_, _, w) in zip(order, batches, strict=True):
        np.testing.assert_allclose(w, np.where(np.array([i % 3, (i + 1) % 3]) == 1, 2.0, 1.0))
    (first, *_) = collect(get_adapter(Batches(form="x")))
    assert isinstance(first, tuple) and len(first) == 1
    assert set(collect(get_adapter(Batches(form="dict")))[0]) == {"a"}


def test_py_dataset_with_processes():
    batches = collect(get_adapter(Batches(n=4, workers=2, use_multiprocessing=True)))
    assert [int(b[0][0, 0]) for b in batches] == [0, 1, 2, 3]


def test_py_dataset_without_super_init_warns_and_uses_defaults():
    class Bare(PyDataset):
        def __init__(self):  # no super().__init__()
            self.n = 1

        def __len__(self):
            return 1

        def __getitem__(self, index):
            return np.zeros((1, 1), "float32")

    with pytest.warns(UserWarning, match="super"):
        assert len(collect(get_adapter(Bare()))) == 1


def test_py_dataset_errors_surface_in_the_training_thread():
    class Broken(Batches):
        def __getitem__(self, index):
            raise RuntimeError(f"bad batch {index}")

    with pytest.raises(RuntimeError, match="bad batch 0"):
        collect(get_adapter(Broken(workers=2)))
    with pytest.raises(ValueError, match="do not pass `y`"):
        get_adapter(Batches(), np.zeros(3))


def test_prefetch_reads_ahead_while_the_step_runs():
    produced = []

    def source():
        for i in range(5):
            produced.append(i)
            yield np.full((1,), i, "float32")

    iterator = PrefetchIterator(source(), lambda a: a, size=2)
    time.sleep(0.2)
    assert produced == [0, 1, 2]  # two batches queued, one waiting to be put
    assert [int(b[0]) for b in iterator] == list(range(5))
    stopped = PrefetchIterator(iter(range(100)), lambda a: a, size=2)
    next(stopped)
    stopped.close()
    stopped._thread.join(timeout=2)
    assert not stopped._thread.is_alive()


def test_train_validation_split_takes_the_last_fraction():
    x, y = data(10)
    (tx, ty), (vx, vy) = train_validation_split((x, y), validation_split=0.25)
    np.testing.assert_array_equal(ty, y[:7])
    np.testing.assert_array_equal(vy, y[7:])
    np.testing.assert_array_equal(vx, x[7:])
    (t, _), (v, none) = train_validation_split(({"a": x}, None), 0.5)
    assert none is None and t["a"].shape == (5, 2)
    with pytest.raises(ValueError, match="too few"):
        train_validation_split(x[:1], 0.5)
    with pytest.raises(ValueError, match="only supported for NumPy arrays and tensors"):
        train_validation_split([1, 2, 3], 0.5)


def test_pack_and_unpack_like_keras():
    x = np.zeros(2)
    assert pack_x_y_sample_weight(x) is x
    assert pack_x_y_sample_weight([x]) == ([x],)
    assert pack_x_y_sample_weight(1, 2) == (1, 2)
    assert pack_x_y_sample_weight(1, 2, 3) == (1, 2, 3)
    assert unpack_x_y_sample_weight(x)[1:] == (None, None)
    assert unpack_x_y_sample_weight([1, 2]) == (1, 2, None)
    assert unpack_x_y_sample_weight((1,)) == (1, None, None)
    with pytest.raises(ValueError, match="4 elements"):
        unpack_x_y_sample_weight((1, 2, 3, 4))


@only_tensorflow
def test_tf_dataset_adapter():
    import tensorflow as tf

    x, y = data(10)
    dataset = tf.data.Dataset.from_tensor_slices(({"a": x}, y)).batch(4)
    adapter = get_adapter(dataset, class_weight={3: 5.0})
    assert (adapter.num_batches, adapter.batch_size) == (3, None)
    batches = collect(adapter)
    assert len(batches) == 3 and len(batches[2]) == 3
    np.testing.assert_array_equal(batches[2][0]["a"], x[8:])
    np.testing.assert_allclose(batches[0][2], [1, 1, 1, 5])
    assert get_adapter(dataset.repeat()).num_batches is None
    assert len(collect(get_adapter(dataset), tensors=False)) == 3
    with pytest.raises(ValueError, match="do not pass `y`"):
        get_adapter(dataset, y)


@only_torch
def test_torch_dataloader_adapter():
    import torch

    x, y = data(10)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)),
                                         batch_size=4)
    adapter = get_adapter(loader)
    assert (adapter.num_batches, adapter.batch_size, adapter.has_partial_batch) == (3, 4, True)
    batches = collect(adapter)
    assert [type(b) for b in batches] == [tuple] * 3
    np.testing.assert_array_equal(batches[2][1], y[8:])
    with pytest.raises(ValueError, match="`class_weight` is not supported"):
        get_adapter(loader, class_weight={0: 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert get_adapter(loader).num_batches == 3
