"""`TensorBoard`: training curves, weight histograms and the model graph as TensorBoard event files.

The files are the ones Keras 3 writes: `<log_dir>/train` and `<log_dir>/validation` runs, with scalars
`epoch_<metric>` (step = epoch), `batch_<metric>` (step = global batch, every `update_freq` batches),
`epoch_learning_rate`, `epoch_steps_per_second`, `evaluation_<metric>_vs_iterations` and histograms
`<weight path>/histogram`, all in TensorBoard's current tensor-based summary format.

Writing uses the `tensorboard` package itself (imported when a callback is made, never at import):
its protocol buffers, its summary builders (`scalar_pb`, `histogram_pb`) and its `RecordWriter`
(record framing and checksums). Its `EventFileWriter` is not used because it reaches files through
`tensorboard.compat.tf`, which imports TensorFlow whenever it is installed; on the jax or torch backend
that would load a second framework into the process. So the run directories are local paths.
"""

import itertools
import os
import socket
import struct
import tempfile
import time
import zlib

import numpy as np

from k_backends.selection import backend as backend_name
from k_ops import core as kcore
from k_train.callbacks.base import Callback

__all__ = ["TensorBoard"]

# Event files written by this process get distinct names even within one second.
_file_numbers = itertools.count()


def _tensorboard():
    """The pieces of the tensorboard package that write event files (a clear error when it is missing)."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.histogram.summary_v2 import histogram_pb
        from tensorboard.plugins.image import metadata as image_metadata
        from tensorboard.plugins.scalar.summary_v2 import scalar_pb
        from tensorboard.summary.writer.record_writer import RecordWriter
        from tensorboard.util import tensor_util
    except ImportError as error:
        raise ImportError("The TensorBoard callback writes its event files with the tensorboard package, "
                          "which is not installed: pip install tensorboard") from error
    return event_pb2, summary_pb2, scalar_pb, histogram_pb, image_metadata, tensor_util, RecordWriter


class _EventFile:
    """One run's event file: `Event` records appended to `events.out.tfevents.<time>.<host>.<pid>.<n>.v2`."""

    def __init__(self, directory):
        (self._event_pb2, self._summary_pb2, self._scalar_pb, self._histogram_pb, self._image_metadata,
         self._tensor_util, record_writer) = _tensorboard()
        os.makedirs(directory, exist_ok=True)
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}."
                f"{next(_file_numbers)}.v2")
        self.path = os.path.join(directory, name)
        self._records = record_writer(open(self.path, "wb"))
        self._add(self._event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))
        self.flush()

    def _add(self, event):
        self._records.write(event.SerializeToString())

    def _add_summary(self, summary, step):
        self._add(self._event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))

    def scalar(self, tag, value, step):
        self._add_summary(self._scalar_pb(tag, float(value)), step)

    def histogram(self, tag, values, step):
        self._add_summary(self._histogram_pb(tag, np.asarray(values, dtype="float64")), step)

    def images(self, tag, images, step, max_outputs=3):
        """`images`: uint8 of shape (n, height, width, channels) with 1, 3 or 4 channels."""
        n, height, width = images.shape[:3]
        encoded = [str(width).encode(), str(height).encode()]
        encoded += [_png(image) for image in images[:max_outputs]]
        tensor = self._tensor_util.make_tensor_proto(np.array(encoded, dtype=object), dtype="string")
        metadata = self._image_metadata.create_summary_metadata(display_name=tag, description="")
        summary = self._summary_pb2.Summary(
            value=[self._summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])
        self._add_summary(summary, step)

    def text_tensor(self, tag, text, plugin_name, content, step):
        """A string tensor for a plugin (the Keras model's JSON for the `graph_keras_model` plugin)."""
        plugin_data = self._summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin_name, content=content)
        metadata = self._summary_pb2.SummaryMetadata(plugin_data=plugin_data)
        tensor = self._tensor_util.make_tensor_proto(text.encode(), dtype="string")
        summary = self._summary_pb2.Summary(
            value=[self._summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])
        self._add_summary(summary, step)

    def graph(self, graph_def_bytes):
        self._add(self._event_pb2.Event(wall_time=time.time(), graph_def=graph_def_bytes))

    def flush(self):
        self._records.flush()

    def close(self):
        self._records.close()


def _png(image):
    """An 8-bit PNG (grayscale, RGB or RGBA by the channel count) of a uint8 (height, width, channels) array.

    tensorboard's own encoder (`tensorboard.util.encoder`) runs through TensorFlow, hence this one.
    """
    height, width, channels = image.shape
    color_type = {1: 0, 3: 2, 4: 6}[channels]
    rows = b"".join(b"\x00" + image[row].tobytes() for row in range(height))  # filter type 0 per row

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def _to_float(value):
    return float(np.asarray(kcore.convert_to_numpy(value)))


def _profile_range(profile_batch):
    """(start, stop) batches from `profile_batch`: an int >= 0, a pair, or a "start,stop" string."""
    message = ("TensorBoard: profile_batch must be a non-negative integer or a pair of positive integers "
               f"(start, stop) with start <= stop, or a string 'start,stop'; got {profile_batch!r}.")
    value = profile_batch
    if isinstance(value, str):
        try:
            value = [int(part) for part in value.split(",")]
        except ValueError:
            raise ValueError(message) from None
        value = value[0] if len(value) == 1 else value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        start = stop = int(value)
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        start, stop = value
    else:
        raise ValueError(message)
    if start < 0 or stop < start or (start == 0 and stop != 0):
        raise ValueError(message)
    return start, stop


def _train_graph_def(model):
    """The serialized GraphDef of the compiled train step on tensorflow, else None.

    Only a traced `tf.function` has an op graph; the jax, torch and eager (run_eagerly) steps have none,
    and, as in Keras, the graph is then simply not written.
    """
    if backend_name() != "tensorflow":
        return None
    compiled = model.__dict__.get("_kappa_compiled")
    step = compiled.steps.get("train") if compiled is not None else None
    function = getattr(step, "fn", None)
    # TensorFlow 2.16-2.21 keep a tf.function's traces behind this (private) method; the public
    # get_concrete_function would need the batch, which callbacks do not see.
    list_traces = getattr(function, "_list_all_concrete_functions", None)
    traces = list_traces() if list_traces is not None else []
    if not traces:
        return None
    return traces[0].graph.as_graph_def().SerializeToString()


class TensorBoard(Callback):
    """Write training logs for TensorBoard: scalars, weight histograms and images, the model graph.

    Args:
        log_dir: the directory of the runs; `train/` and `validation/` are created inside it.
        histogram_freq: every how many epochs to write a histogram of every weight (0: never).
        write_graph: write the model's layer graph (Sequential and Functional models) and, on
            tensorflow, the op graph of the compiled train step.
        write_images: with histograms, also write each weight as an image (min-max scaled to 0-255).
        write_steps_per_second: also write the training speed in steps per second.
        update_freq: "epoch" writes the logs once per epoch; "batch" or an integer N also writes
            the batch logs (`batch_<name>`) every N training batches.
        profile_batch: must be 0: profiling is not available in kappa (a range is validated and refused).
        embeddings_freq: every how many epochs to save the weights for the embeddings projector (0: never).
        embeddings_metadata: a metadata file for all Embedding layers, or a dict from layer name to file.

    Example:

    >>> import numpy as np, tempfile, kappa as keras
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile("sgd", "mse")
    >>> logs = tempfile.mkdtemp()
    >>> model.fit(np.ones((8, 4)), np.ones((8, 1)), epochs=2, verbose=0,
    ...           callbacks=[keras.callbacks.TensorBoard(logs, histogram_freq=1)])  # doctest: +SKIP
    """

    # Batch logs stay tensors until a batch is recorded (every `update_freq`): no device sync per step.
    _accepts_tensor_logs = True

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        _tensorboard()  # fail now, with the pip line, rather than at the end of the first epoch
        self.log_dir = os.fspath(log_dir)
        if "://" in self.log_dir:
            raise ValueError(f"TensorBoard: log_dir must be a local directory; got {self.log_dir!r}.")
        for name, value in (("histogram_freq", histogram_freq), ("embeddings_freq", embeddings_freq)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"TensorBoard: {name} must be an integer >= 0; got {value!r}.")
        if update_freq == "batch":
            update_freq = 1
        elif update_freq != "epoch" and (isinstance(update_freq, bool) or
                                         not isinstance(update_freq, (int, np.integer)) or update_freq < 1):
            raise ValueError("TensorBoard: update_freq must be 'epoch', 'batch' or an integer >= 1; "
                             f"got {update_freq!r}.")
        start, stop = _profile_range(profile_batch)
        if start or stop:
            raise ValueError(f"TensorBoard: profile_batch={profile_batch!r} asks for profiling, which kappa "
                             "does not offer; use profile_batch=0 (or the framework's own profiler).")
        self.histogram_freq = int(histogram_freq)
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self.embeddings_freq = int(embeddings_freq)
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._global_train_batch = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._epoch_start_iterations = 0.0
        self._should_write_train_graph = False

    # -- writers ------------------------------------------------------------------------------------
    def _writer(self, run):
        if run not in self._writers:
            self._writers[run] = _EventFile(os.path.join(self.log_dir, run))
        return self._writers[run]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _records_batch(self, step):
        return self.update_freq != "epoch" and step % self.update_freq == 0

    # -- hooks --------------------------------------------------------------------------------------
    def set_model(self, model):
        super().set_model(model)
        self._close_writers()
        self._should_write_train_graph = False
        if self.write_graph:
            self._write_model_config()
            self._should_write_train_graph = True
        if self.embeddings_freq:
            self._write_projector_config()

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_write_train_graph:
            self._should_write_train_graph = False
            graph_def = _train_graph_def(self.model)
            if graph_def is not None:
                self._writer("train").graph(graph_def)
        step = self._global_train_batch
        if not self._records_batch(step):
            return
        writer = self._writer("train")
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._batch_start_time
            writer.scalar("batch_steps_per_second", 1.0 / elapsed if elapsed > 0 else 0.0, step)
        for name, value in (logs or {}).items():
            writer.scalar(f"batch_{name}", _to_float(value), step)

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations") or not logs:
            return
        iterations = int(_to_float(optimizer.iterations))
        writer = self._writer("validation")
        for name, value in logs.items():
            writer.scalar(f"evaluation_{name}_vs_iterations", _to_float(value), iterations)
        writer.flush()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start_iterations = self._iterations()
            self._epoch_start_time = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self._write_epoch_logs(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            path = os.path.join(self.log_dir, "train", f"keras_embedding.ckpt-{epoch}.weights.h5")
            self.model.save_weights(path)
        for writer in self._writers.values():
            writer.flush()

    # -- what is written --------------------------------------------------------------------------
    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations"):
            return 0.0
        return _to_float(optimizer.iterations)

    def _learning_rates(self):
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # a LossScaleOptimizer's wrapped one
        if optimizer is None:
            return {}
        if hasattr(optimizer, "optimizers"):
            return {f"learning_rate_{inner.name}": _to_float(inner.learning_rate)
                    for inner in optimizer.optimizers}
        if hasattr(optimizer, "learning_rate"):
            return {"learning_rate": _to_float(optimizer.learning_rate)}
        return {}

    def _write_epoch_logs(self, epoch, logs):
        if not logs:
            return
        train_logs = {name: value for name, value in logs.items() if not name.startswith("val_")}
        val_logs = {name[len("val_"):]: value for name, value in logs.items() if name.startswith("val_")}
        train_logs.update(self._learning_rates())
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._epoch_start_time
            steps = self._iterations() - self._epoch_start_iterations
            train_logs["steps_per_second"] = steps / elapsed if elapsed > 0 else 0.0
        for run, run_logs in (("train", train_logs), ("validation", val_logs)):
            if run_logs:
                writer = self._writer(run)
                for name, value in run_logs.items():
                    writer.scalar(f"epoch_{name}", _to_float(value), epoch)

    def _write_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                tag = weight.path.replace(":", "_")
                values = np.asarray(kcore.convert_to_numpy(weight))
                writer.histogram(f"{tag}/histogram", values, epoch)
                if self.write_images:
                    images = _weight_images(values)
                    if images is not None:
                        writer.images(f"{tag}/image", images, epoch)

    def _write_model_config(self):
        """The layer graph TensorBoard draws for Keras models: the model's JSON, tag "keras", step 0."""
        if type(self.model).__name__ not in ("Sequential", "Functional"):
            return
        self._writer("train").text_tensor("keras", self.model.to_json(), "graph_keras_model", b"1", 0)

    def _write_projector_config(self):
        """`projector_config.pbtxt` naming every Embedding layer (and its metadata file) for the projector."""
        from google.protobuf import text_format
        from tensorboard.plugins import projector

        from k_layers.layers import Embedding

        metadata = self.embeddings_metadata
        unclaimed = dict(metadata) if isinstance(metadata, dict) else {}
        config = projector.ProjectorConfig()
        for layer in self.model.layers:
            if not isinstance(layer, Embedding):
                continue
            embedding = config.embeddings.add()
            # The name Keras writes: the first weighted layer's variable in a TF checkpoint.
            embedding.tensor_name = "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"
            if isinstance(metadata, str):
                embedding.metadata_path = metadata
            elif layer.name in unclaimed:
                embedding.metadata_path = unclaimed.pop(layer.name)
        if unclaimed:
            raise ValueError("TensorBoard: embeddings_metadata names layers that are not Embedding layers of "
                             f"the model: {sorted(unclaimed)}.")
        _write_atomically(os.path.join(self.log_dir, "projector_config.pbtxt"),
                          text_format.MessageToString(config).encode())


def _weight_images(values):
    """A weight as uint8 images (n, height, width, 1), as Keras lays them out, or None (e.g. 3-D kernels)."""
    image = np.squeeze(values)
    if image.ndim == 1:  # a bias: one row
        image = image.reshape(1, -1, 1)[None]
    elif image.ndim == 2:  # a dense kernel, wider than tall
        if image.shape[0] > image.shape[1]:
            image = image.T
        image = image[None, :, :, None]
    elif image.ndim == 3:  # a 1-D or depthwise kernel: one image per last-axis slice
        image = np.transpose(image, (2, 0, 1))[..., None]
    elif image.ndim != 4 or image.shape[-1] not in (1, 3, 4):
        return None
    low, high = float(np.min(image)), float(np.max(image))
    scaled = (image - low) / (high - low) if high > low else np.zeros_like(image, dtype="float64")
    return np.round(scaled * 255).astype("uint8")


def _write_atomically(path, data):
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
