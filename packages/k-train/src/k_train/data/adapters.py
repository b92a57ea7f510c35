"""Data adapters: one interface over arrays, generators, `PyDataset`, `tf.data` and torch `DataLoader`.

`get_adapter(x, y, ...)` picks the adapter for `x`. Every adapter offers
`num_batches` (None when unknown), `batch_size`, `has_partial_batch`,
`get_numpy_iterator()`, `get_tensor_iterator()` (batches as tensors of the
selected backend, prepared one to two batches ahead in a background thread),
`on_epoch_begin()` and `on_epoch_end()`. Frameworks are recognised by class
name, so nothing here imports tensorflow or torch.
"""

import itertools
import math
import queue
import threading
import types
import warnings

import numpy as np

import k_backends
from k_train.data import batches as batch_utils
from k_train.data.py_dataset import PyDataset, iterate_batches

PREFETCH_SIZE = 2
_BATCH, _END, _ERROR = "batch", "end", "error"


def _fill_queue(source, convert, out, stop):
    """Run in the prefetch thread: convert batches from `source` into `out` until done or stopped."""

    def put(item):
        while not stop.is_set():
            try:
                out.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    try:
        for batch in source:
            if not put((_BATCH, batch_utils.map_structure(convert, batch))):
                return
        put((_END, None))
    except BaseException as error:  # handed to the consumer, which re-raises it
        put((_ERROR, error))
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


class PrefetchIterator:
    """Iterates batches that a background thread converts up to `size` batches ahead.

    Errors raised while reading or converting are re-raised by `next()`.
    Closing (or dropping) the iterator stops the thread.
    """

    def __init__(self, source, convert, size=PREFETCH_SIZE):
        self._queue = queue.Queue(maxsize=size)
        self._stop = threading.Event()
        self._is_done = False
        # The thread holds only the queue and the event, never `self`, so a dropped
        # iterator is collected and its `__del__` stops the thread.
        self._thread = threading.Thread(target=_fill_queue, args=(source, convert, self._queue, self._stop),
                                        name="kappa-prefetch", daemon=True)
        self._thread.start()

    def __iter__(self):
        return self

    def __next__(self):
        if self._is_done:
            raise StopIteration
        kind, value = self._queue.get()
        if kind == _BATCH:
            return value
        self._is_done = True
        self._thread.join()
        if kind == _ERROR:
            raise value
        raise StopIteration

    def close(self):
        """Stop the background thread and drop the batches it prepared."""
        self._is_done = True
        self._stop.set()

    def __del__(self):
        self._stop.set()


class DataAdapter:
    """The interface the training loop reads data through; subclasses define `_batches()`."""

    num_batches = None
    batch_size = None
    has_partial_batch = False
    partial_batch_size = None

    def _batches(self):
        """A fresh iterator over one epoch of batches, leaves in any framework's tensors."""
        raise NotImplementedError

    def _to_tensor(self, x):
        return batch_utils.to_tensor(x)

    def get_numpy_iterator(self):
        """One epoch of batches whose leaves are NumPy arrays."""
        return (batch_utils.map_structure(batch_utils.to_numpy, b) for b in self._batches())

    def get_tensor_iterator(self):
        """One epoch of batches as tensors of the selected backend, prefetched in a background thread."""
        return PrefetchIterator(self._batches(), self._to_tensor)

    def on_epoch_begin(self):
        """Called before each epoch's iterator is made (reshuffles where shuffling applies)."""

    def on_epoch_end(self):
        """Called after each epoch."""


class ArrayDataAdapter(DataAdapter):
    """Batches of nested NumPy arrays or tensors, optionally shuffled, with class weights applied."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                 class_weight=None):
        if shuffle not in (True, False, "batch"):
            raise ValueError(f'`shuffle` must be True, False or "batch"; got {shuffle!r}.')
        if sample_weight is not None and class_weight is not None:
            raise ValueError("You cannot pass both `class_weight` and `sample_weight`.")
        if sample_weight is not None and batch_utils.is_nested(y) and not batch_utils.is_nested(
                sample_weight):
            if not (len(sample_weight.shape) == 1
                    or (len(sample_weight.shape) == 2 and sample_weight.shape[1] == 1)):
                raise ValueError(
                    "With several outputs, a single `sample_weight` array must hold one weight per "
                    f"sample (shape (num_samples,)); got shape {tuple(sample_weight.shape)}. Pass one "
                    "array per output for non-scalar weights.")
            sample_weight = batch_utils.map_structure(lambda _: sample_weight, y)
        if class_weight is not None:
            if y is None or batch_utils.is_nested(y):
                raise ValueError("`class_weight` is only supported with a single target array `y`; "
                                 f"got y of type {type(y).__name__}.")
            sample_weight = batch_utils.class_weight_to_sample_weight(y, class_weight)
        inputs = batch_utils.pack_x_y_sample_weight(x, y, sample_weight)
        self._inputs = batch_utils.map_structure(_sliceable_numpy, inputs)
        self._num_samples = _check_cardinality(x, y, sample_weight)
        if not batch_size:
            batch_size = int(math.ceil(self._num_samples / steps)) if steps else 32
        self.batch_size = int(batch_size)
        self.num_batches = int(math.ceil(self._num_samples / self.batch_size))
        self.partial_batch_size = self._num_samples % self.batch_size or None
        self.has_partial_batch = self.partial_batch_size is not None
        self._shuffle = shuffle
        self._order = None

    def on_epoch_begin(self):
        if self._shuffle is True:
            self._order = np.random.permutation(self._num_samples)

    def _batches(self):
        order = self._order
        self._order = None  # an epoch not announced by on_epoch_begin still gets a fresh order
        if self._shuffle is True and order is None:
            order = np.random.permutation(self._num_samples)
        for i in range(self.num_batches):
            start, stop = i * self.batch_size, min((i + 1) * self.batch_size, self._num_samples)
            if self._shuffle == "batch":
                indices = start + np.random.permutation(stop - start)
            elif self._shuffle:
                indices = order[start:stop]
            else:
                indices = slice(start, stop)
            yield batch_utils.map_structure(lambda a, ix=indices: a[ix], self._inputs)


def _sliceable_numpy(x):
    # Floats become floatx, as Keras does for array inputs; the rest keep their dtype.
    array = batch_utils.to_numpy(x)
    floatx = k_backends.floatx()
    if array.dtype.kind == "f" and k_backends.standardize_dtype(array.dtype) != floatx:
        array = array.astype(floatx)
    return array


def _check_cardinality(x, y, sample_weight):
    sizes = {name: [int(a.shape[0]) for a in batch_utils.flatten(part)]
             for name, part in (("x", x), ("y", y), ("sample_weight", sample_weight))}
    distinct = {n for part in sizes.values() for n in part}
    if len(distinct) != 1:
        detail = "; ".join(f"{name} sizes: {', '.join(map(str, s))}" for name, s in sizes.items() if s)
        raise ValueError("Data cardinality is ambiguous: make sure all arrays contain the same number "
                         f"of samples. Got {detail}.")
    return distinct.pop()


class GeneratorDataAdapter(DataAdapter):
    """Batches from a Python generator or iterator, read on across epochs (it is never restarted).

    The tensor iterator is one prefetching iterator shared by all epochs, so
    batches read ahead at the end of an epoch are the next epoch's first.
    """

    def __init__(self, generator):
        self._generator = generator
        self._tensor_iterator = None

    def _batches(self):
        # A plain loop, not `yield from`: closing this epoch's iterator must not close the generator.
        for batch in self._generator:  # noqa: UP028
            yield batch

    def get_tensor_iterator(self):
        if self._tensor_iterator is None:
            self._tensor_iterator = PrefetchIterator(self._batches(), self._to_tensor)
        return self._tensor_iterator


class PyDatasetAdapter(DataAdapter):
    """Batches from a `PyDataset`, read by its workers; `shuffle` shuffles the batch order."""

    def __init__(self, dataset, class_weight=None, shuffle=False):
        self._dataset = dataset
        self._class_weight = class_weight
        self._shuffle = shuffle

    @property
    def num_batches(self):
        return self._dataset.num_batches

    def _batches(self):
        count = self._dataset.num_batches
        if count is None:
            indices = itertools.count()
        else:
            indices = np.random.permutation(count).tolist() if self._shuffle else range(count)
        for batch in iterate_batches(self._dataset, indices):
            yield _standardize_batch(batch, self._class_weight, "PyDataset.__getitem__()")

    def on_epoch_begin(self):
        self._dataset.on_epoch_begin()

    def on_epoch_end(self):
        self._dataset.on_epoch_end()


def _standardize_batch(batch, class_weight, source):
    """A batch as a dict or a tuple `(x,)`, `(x, y)` or `(x, y, sample_weight)`, class weights added."""
    if isinstance(batch, dict):
        if class_weight is not None:
            raise ValueError(f"`class_weight` needs batches `(x, y)`; {source} returned a dict.")
        return batch
    if isinstance(batch, list):
        batch = tuple(batch)
    elif not isinstance(batch, tuple):
        batch = (batch,)
    if len(batch) not in (1, 2, 3):
        raise ValueError(f"{source} must return `x`, `(x,)`, `(x, y)`, `(x, y, sample_weight)` or a "
                         f"dict; got a tuple of {len(batch)} elements.")
    if class_weight is not None:
        if len(batch) != 2 or batch_utils.is_nested(batch[1]):
            raise ValueError(f"`class_weight` needs batches `(x, y)` with a single target; {source} "
                             f"returned {len(batch)} elements. You cannot pass both `class_weight` and "
                             "sample weights.")
        batch = batch + (batch_utils.class_weight_to_sample_weight(batch[1], class_weight),)
    return batch


class TFDatasetAdapter(DataAdapter):
    """Batches of a `tf.data.Dataset` (already batched); tensors stay tensorflow's on that backend."""

    def __init__(self, dataset, class_weight=None):
        self._dataset = dataset
        self._class_weight = class_weight

    @property
    def num_batches(self):
        count = int(self._dataset.cardinality())
        return count if count >= 0 else None  # -1: infinite, -2: unknown

    @property
    def batch_size(self):
        specs = batch_utils.flatten(self._dataset.element_spec)
        shape = specs[0].shape if specs else None
        return shape[0] if shape is not None and shape.rank else None

    def _batches(self):
        for batch in self._dataset:
            if self._class_weight is not None:
                batch = _standardize_batch(batch, self._class_weight, "The tf.data.Dataset")
            yield batch


class TorchDataLoaderAdapter(DataAdapter):
    """Batches of a torch `DataLoader`; the collated list `[x, y]` becomes the tuple `(x, y)`."""

    def __init__(self, loader):
        self._loader = loader
        self.batch_size = loader.batch_size

    @property
    def num_batches(self):
        try:
            return len(self._loader)
        except TypeError:  # an IterableDataset without __len__
            return None

    @property
    def has_partial_batch(self):
        try:
            size = len(self._loader.dataset)
        except TypeError:
            return False
        return bool(self.batch_size) and not self._loader.drop_last and size % self.batch_size > 0

    def _batches(self):
        for batch in self._loader:
            yield tuple(batch) if isinstance(batch, list) else batch

    def _to_tensor(self, x):
        # Through NumPy (no copy for CPU tensors) so that the backend places the batch on its device.
        return batch_utils.to_tensor(batch_utils.to_numpy(x))


def _has_base(x, names, module):
    return any(cls.__name__ in names and module in cls.__module__ for cls in type(x).__mro__)


def is_tf_dataset(x):
    return _has_base(x, ("DatasetV2", "DistributedDataset", "DistributedDatasetsFromFunction"),
                     "tensorflow.python.")


def is_torch_dataloader(x):
    return _has_base(x, ("DataLoader",), "torch.utils.data")


def _reject(kind, y, sample_weight, batch_size, shuffle, class_weight=None, class_weight_ok=True,
            shuffle_ok=False):
    for name, value, what in (("y", y, "the targets"),
                              ("sample_weight", sample_weight, "the sample weights")):
        if value is not None:
            raise ValueError(f"When `x` is a {kind}, do not pass `{name}`: {kind} batches must hold "
                             f"{what} (as `(x, y)` or `(x, y, sample_weight)`).")
    if batch_size is not None:
        raise ValueError(f"When `x` is a {kind}, do not pass `batch_size` (got {batch_size}): the {kind} "
                         "already yields batches.")
    if class_weight is not None and not class_weight_ok:
        raise ValueError(f"`class_weight` is not supported when `x` is a {kind}; return sample weights "
                         "from it as `(x, y, sample_weight)` instead.")
    if shuffle and not shuffle_ok:
        warnings.warn(f"`shuffle={shuffle!r}` is ignored when `x` is a {kind}: it should yield "
                      "batches already shuffled.", stacklevel=3)


def get_adapter(x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None, shuffle=False,
                class_weight=None):
    """The data adapter for `x` (and `y`, `sample_weight`), as `fit()` and `evaluate()` read data.

    Args:
        x: nested NumPy arrays or tensors, a `tf.data.Dataset`, a `PyDataset`, a
            torch `DataLoader`, a Python generator or iterator, or a `DataAdapter`.
        y: targets, only with array `x`.
        sample_weight: per-sample weights, only with array `x`.
        batch_size: samples per batch for array `x` (default 32, or derived
            from `steps_per_epoch`); other sources are batched already.
        steps_per_epoch: with array `x` and no `batch_size`, sets the batch
            size to cover the data in that many steps.
        shuffle: True, False or "batch" (shuffle within each batch) for
            arrays; for a `PyDataset`, True shuffles the batch order.
        class_weight: dict from class index to weight, turned into sample weights.

    Returns:
        A `DataAdapter`.

    Example:
    >>> adapter = get_adapter(np.zeros((10, 3)), np.ones(10), batch_size=4)
    >>> adapter.num_batches, adapter.has_partial_batch
    (3, True)
    """
    if isinstance(x, DataAdapter):
        return x
    arrays = (x, y, sample_weight)
    leaves = batch_utils.flatten(arrays)
    if leaves and all(batch_utils.is_array_like(a) for a in leaves):
        return ArrayDataAdapter(x, y, sample_weight, batch_size=batch_size, steps=steps_per_epoch,
                                shuffle=shuffle, class_weight=class_weight)
    if is_tf_dataset(x):
        _reject("tf.data.Dataset", y, sample_weight, batch_size, shuffle)
        return TFDatasetAdapter(x, class_weight=class_weight)
    if isinstance(x, PyDataset):
        endless = x.num_batches is None
        _reject("PyDataset", y, sample_weight, batch_size, shuffle, shuffle_ok=not endless)
        return PyDatasetAdapter(x, class_weight=class_weight, shuffle=shuffle and not endless)
    if is_torch_dataloader(x):
        _reject("torch DataLoader", y, sample_weight, batch_size, shuffle, class_weight,
                class_weight_ok=False)
        return TorchDataLoaderAdapter(x)
    if isinstance(x, types.GeneratorType) or (hasattr(x, "__next__") and hasattr(x, "__iter__")):
        _reject("generator", y, sample_weight, batch_size, shuffle, class_weight, class_weight_ok=False)
        return GeneratorDataAdapter(x)
    bad = sorted({type(a).__name__ for a in leaves if not batch_utils.is_array_like(a)})
    raise TypeError(
        "Unsupported data: `x` must be NumPy arrays or tensors (possibly nested in dicts, lists or "
        "tuples, with `y` and `sample_weight` likewise), a tf.data.Dataset, a keras PyDataset, a torch "
        f"DataLoader, or a Python generator; got x of type {type(x).__name__}"
        + (f" (unsupported leaves: {', '.join(bad)})." if bad else "."))
