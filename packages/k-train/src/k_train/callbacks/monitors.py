"""Callbacks that watch or report training: `LambdaCallback`, `TerminateOnNaN`, `CSVLogger`,
`RemoteMonitor`."""

import csv
import io
import json
import math
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from k_train.callbacks.base import Callback

__all__ = ["LambdaCallback", "TerminateOnNaN", "CSVLogger", "RemoteMonitor"]


class LambdaCallback(Callback):
    """A callback made of plain functions, one per hook.

    Args:
        on_epoch_begin, on_epoch_end: called as `f(epoch, logs)`.
        on_train_begin, on_train_end: called as `f(logs)`.
        on_train_batch_begin, on_train_batch_end: called as `f(batch, logs)`.
        **kwargs: any other hook by name (`on_test_begin=...`, `on_predict_batch_end=...`).

    Example:
        >>> losses = []
        >>> record = LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin, "on_train_batch_end": on_train_batch_end}
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)


class TerminateOnNaN(Callback):
    """Stops training when a batch's loss is NaN or infinite.

    Args:
        raise_error: raise a `RuntimeError` at once instead of stopping after the batch.

    Example:
        >>> callback = TerminateOnNaN()  # model.fit(..., callbacks=[callback])
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(np.mean(loss))):
            return
        if self.raise_error:
            raise RuntimeError(f"TerminateOnNaN: the loss is {loss} at batch {batch}; stopping training.")
        print(f"Batch {batch}: invalid loss {loss}, terminating training", flush=True)
        self.model.stop_training = True


def write_atomically(path, text):
    """Replace `path` by a file holding `text`: a temporary file in the same folder is written,
    flushed and fsync'ed, then renamed over it, so a crash never leaves a partial file."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _csv_cell(value):
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) > 0:
        return "[" + ", ".join(str(v) for v in np.asarray(value).ravel()) + "]"
    if isinstance(value, np.generic):
        return value.item()
    return value


class CSVLogger(Callback):
    """Writes every epoch's logs as a row of a CSV file: `epoch`, then the logs' names sorted.

    The file is rewritten whole after each epoch (temporary file, fsync, rename), so it is
    always complete. A name that appears only in some epochs (validation every few epochs)
    gets its column when first seen, and "NA" where it has no value.

    Args:
        filename: the CSV file.
        separator: the character between cells.
        append: keep the rows of an existing file (training resumed) instead of replacing it.

    Example:
        >>> logger = CSVLogger("training.csv")  # model.fit(..., callbacks=[logger])
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self._rows = []

    def on_train_begin(self, logs=None):
        self._rows, self.keys = [], None
        if self.append and os.path.exists(self.filename):
            with open(self.filename, newline="", encoding="utf-8") as stream:
                reader = csv.DictReader(stream, delimiter=self.sep)
                self._rows = [dict(row) for row in reader]
                self.keys = [k for k in (reader.fieldnames or []) if k != "epoch"]

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        keys = list(self.keys or [])
        keys += sorted(k for k in logs if k not in keys)
        self.keys = keys
        row = {"epoch": epoch}
        row.update({k: _csv_cell(v) for k, v in logs.items()})
        self._rows.append(row)
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=["epoch", *keys], delimiter=self.sep, restval="NA",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(self._rows)
        write_atomically(self.filename, text.getvalue())

    def on_train_end(self, logs=None):
        self._rows = []


class RemoteMonitor(Callback):
    """POSTs every epoch's logs to a server, as JSON.

    Args:
        root: the server's root URL.
        path: the path the logs are posted to.
        field: the form field holding the JSON (when not `send_as_json`).
        headers: extra HTTP headers, a dict.
        send_as_json: send the logs as the request's JSON body instead of a form field.

    Example:
        >>> monitor = RemoteMonitor(root="http://localhost:9000")
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) and np.size(value) == 1 \
                else (value.tolist() if isinstance(value, np.ndarray) else value)
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except (urllib.error.URLError, OSError) as error:
            warnings.warn(f"RemoteMonitor: could not reach the server at {self.root}: {error}", stacklevel=2)
