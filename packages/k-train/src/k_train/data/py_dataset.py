"""`PyDataset`: a dataset written in Python, read batch by batch, optionally in parallel.

A subclass defines `__getitem__(index)` (one batch) and `__len__` (or the
`num_batches` property; `None` means endless). `iterate_batches` reads a
range of indices in order, with `workers` threads or processes reading up to
`max_queue_size` batches ahead.
"""

import collections
import concurrent.futures
import itertools
import multiprocessing
import warnings

_DEFAULTS = {"_workers": 1, "_use_multiprocessing": False, "_max_queue_size": 10}


class PyDataset:
    """Base class for a dataset that produces batches from Python code.

    Subclasses implement `__getitem__(index)` returning one batch (`x`,
    `(x,)`, `(x, y)`, `(x, y, sample_weight)` or a dict) and `__len__`
    (or override `num_batches`, returning `None` for an endless dataset),
    and call `super().__init__(**kwargs)`.

    Args:
        workers: how many threads (or processes) read batches in parallel;
            1 reads them in the training thread.
        use_multiprocessing: read with processes instead of threads. The
            dataset is pickled to each process, once per epoch.
        max_queue_size: how many batches the workers may read ahead.

    Example:
    >>> import numpy as np
    >>> class Squares(PyDataset):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x = np.arange(10.0)
    ...     def __len__(self):
    ...         return 5
    ...     def __getitem__(self, index):
    ...         x = self.x[2 * index:2 * index + 2]
    ...         return x, x ** 2
    >>> Squares()[1]
    (array([2., 3.]), array([4., 9.]))
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _settings_or_defaults(self):
        missing = [name for name in _DEFAULTS if not hasattr(self, name)]
        for name in missing:
            setattr(self, name, _DEFAULTS[name])
        if missing:
            warnings.warn(
                f"{type(self).__name__} did not call `super().__init__(**kwargs)` in its constructor; "
                "using workers=1, use_multiprocessing=False, max_queue_size=10. Pass those arguments "
                "to the PyDataset constructor, not to fit().", stacklevel=3)

    @property
    def workers(self):
        self._settings_or_defaults()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._settings_or_defaults()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._settings_or_defaults()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """The batch at position `index`."""
        raise NotImplementedError(f"{type(self).__name__} must implement `__getitem__(self, index)`.")

    def __iter__(self):
        count = self.num_batches
        for index in itertools.count() if count is None else range(count):
            yield self[index]

    @property
    def num_batches(self):
        """How many batches the dataset holds, or `None` when it is endless."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__len__` or the `num_batches` property "
            "(returning None for an endless dataset).")

    def on_epoch_begin(self):
        """Called at the start of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch (e.g. to reshuffle the dataset's own order)."""


# The dataset a worker process reads from; set once per pool by `_set_process_dataset`.
_process_dataset = None


def _set_process_dataset(dataset):
    global _process_dataset
    _process_dataset = dataset


def _read_in_process(index):
    return _process_dataset[index]


def _executor(dataset):
    """A pool reading `dataset` in parallel, or None when batches are read in the calling thread."""
    workers = dataset.workers
    if dataset.use_multiprocessing and workers > 0:
        # "spawn": forking a process that already runs jax, torch or tensorflow threads can deadlock.
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_set_process_dataset, initargs=(dataset,))
    if workers > 1:
        return concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="PyDataset")
    return None


def iterate_batches(dataset, indices):
    """Yield `dataset[i]` for each of `indices` in order, reading ahead with the dataset's workers.

    Args:
        dataset: a `PyDataset`.
        indices: an iterable of batch indices (may be endless).

    Returns:
        A generator of batches; closing it stops the workers.
    """
    executor = _executor(dataset)
    if executor is None:
        for index in indices:
            yield dataset[index]
        return
    read = _read_in_process if dataset.use_multiprocessing else dataset.__getitem__
    ahead = max(1, dataset.max_queue_size)
    indices = iter(indices)
    pending = collections.deque()
    try:
        for index in itertools.islice(indices, ahead):
            pending.append(executor.submit(read, index))
        while pending:
            batch = pending.popleft().result()
            for index in itertools.islice(indices, 1):
                pending.append(executor.submit(read, index))
            yield batch
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
