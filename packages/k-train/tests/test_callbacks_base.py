"""Callback hooks and their order, History, the progress display, and the monitor callbacks."""

import csv
import http.server
import json
import os
import pty
import re
import subprocess
import sys
import threading
import urllib.parse

import numpy as np
import pytest

from k_layers import initializers, layers
from k_layers.models import Input, Sequential
from k_train.callbacks import (
    Callback,
    CallbackList,
    CSVLogger,
    History,
    LambdaCallback,
    ProgbarLogger,
    RemoteMonitor,
    TerminateOnNaN,
)
from k_train.progbar import Progbar

from conftest import needs_training

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 4)).astype("float32")
Y = (X[:, 0] > 0).astype("int32")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # any control character but "\t" and "\n"


def _model():
    model = Sequential([Input((4,)), layers.Dense(2, activation="softmax",
                                                  kernel_initializer=initializers.GlorotUniform(seed=1))])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def _record(name):
        if "batch" in name or "epoch" in name:
            def hook(self, index, logs=None):
                self.calls.append((name, index))
        else:
            def hook(self, logs=None):
                self.calls.append((name,))
        return hook

    for _name in ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_test_begin",
                  "on_test_end", "on_predict_begin", "on_predict_end", "on_train_batch_begin",
                  "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end",
                  "on_predict_batch_begin", "on_predict_batch_end"):
        locals()[_name] = _record(_name)
    del _name, _record


@needs_training
def test_hooks_run_in_keras_order_in_fit_evaluate_and_predict():
    model, recorder = _model(), Recorder()
    model.fit(X, Y, batch_size=20, epochs=2, validation_data=(X[:10], Y[:10]), verbose=0,
              callbacks=[recorder])
    expected = [("on_train_begin",)]
    for epoch in range(2):
        expected += [("on_epoch_begin", epoch),
                     ("on_train_batch_begin", 0), ("on_train_batch_end", 0),
                     ("on_train_batch_begin", 1), ("on_train_batch_end", 1),
                     ("on_test_begin",), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
                     ("on_test_end",), ("on_epoch_end", epoch)]
    expected.append(("on_train_end",))
    assert recorder.calls == expected
    recorder.calls.clear()
    model.evaluate(X, Y, batch_size=20, verbose=0, callbacks=[recorder])
    model.predict(X, batch_size=20, verbose=0, callbacks=[recorder])
    assert recorder.calls == [("on_test_begin",), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
                              ("on_test_batch_begin", 1), ("on_test_batch_end", 1), ("on_test_end",),
                              ("on_predict_begin",), ("on_predict_batch_begin", 0),
                              ("on_predict_batch_end", 0), ("on_predict_batch_begin", 1),
                              ("on_predict_batch_end", 1), ("on_predict_end",)]


@needs_training
def test_batch_hooks_with_steps_per_execution_get_the_group_bounds():
    model, recorder = _model(), Recorder()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", steps_per_execution=2)
    model.fit(X, Y, batch_size=10, epochs=1, verbose=0, callbacks=[recorder])
    batches = [c for c in recorder.calls if "batch" in c[0]]
    assert batches == [("on_train_batch_begin", 0), ("on_train_batch_end", 1),
                       ("on_train_batch_begin", 2), ("on_train_batch_end", 3)]


@needs_training
def test_fit_returns_history_with_sorted_per_epoch_floats_and_sets_model_history():
    model = _model()
    history = model.fit(X, Y, batch_size=20, epochs=3, validation_split=0.25, verbose=0)
    assert isinstance(history, History) and model.history is history
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.epoch == [0, 1, 2]
    assert all(isinstance(v, float) and len(values) == 3
               for values in history.history.values() for v in values)
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 2}


@needs_training
def test_stop_training_in_a_batch_hook_ends_fit_after_that_batch():
    class StopAtSecondBatch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.seen = batch
            if batch == 1:
                self.model.stop_training = True

    model, stopper = _model(), StopAtSecondBatch()
    history = model.fit(X, Y, batch_size=10, epochs=5, verbose=0, callbacks=[stopper])
    assert stopper.seen == 1 and history.epoch == [0]


@needs_training
def test_callback_logs_are_floats_and_the_model_shows_current_weights():
    class WeightsAtBatchEnd(Callback):
        def __init__(self):
            super().__init__()
            self.kernels, self.logs = [], []

        def on_train_batch_end(self, batch, logs=None):
            self.logs.append(logs)
            self.kernels.append(np.array(self.model.get_weights()[0]))

    model, watcher = _model(), WeightsAtBatchEnd()
    start = np.array(model.get_weights()[0])
    model.fit(X, Y, batch_size=10, epochs=1, shuffle=False, verbose=0, callbacks=[watcher])
    assert all(isinstance(v, float) for logs in watcher.logs for v in logs.values())
    assert not np.allclose(watcher.kernels[0], start)
    assert not np.allclose(watcher.kernels[0], watcher.kernels[1])
    np.testing.assert_allclose(watcher.kernels[-1], model.get_weights()[0])


@needs_training
def test_batch_logs_stay_tensors_for_callbacks_that_accept_them():
    class TensorLogs(Callback):
        _accepts_tensor_logs = True

        def on_train_batch_end(self, batch, logs=None):
            self.loss = logs["loss"]

    model, callback = _model(), TensorLogs()
    model.fit(X, Y, batch_size=20, epochs=1, verbose=0, callbacks=[callback])
    assert not isinstance(callback.loss, (float, np.ndarray, np.generic))


def test_callback_list_adds_history_and_progbar_and_passes_params():
    mine = Callback()
    callbacks = CallbackList([mine], add_history=True, add_progbar=True, epochs=3, steps=5, verbose=0)
    assert callbacks.callbacks[0] is mine
    assert [type(c) for c in callbacks.callbacks[1:]] == [History, ProgbarLogger]
    assert mine.params == {"epochs": 3, "steps": 5, "verbose": 0}
    history = History()
    assert CallbackList([history], add_history=True).callbacks == [history]
    with pytest.raises(TypeError, match="Callback instances"):
        CallbackList([object()])


def test_legacy_on_batch_end_is_called_for_train_batches():
    seen = []

    class Legacy(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append((batch, logs))

    callbacks = CallbackList([Legacy()])
    callbacks.on_train_batch_end(4, {"loss": np.float32(0.5)})
    assert seen == [(4, {"loss": 0.5})]


# -- the progress display -------------------------------------------------------------------
def _epochs_through_logger(verbose, capsys, epochs=2, steps=4):
    logger = ProgbarLogger()
    callbacks = CallbackList([logger], verbose=verbose, epochs=epochs, steps=steps)
    callbacks.on_train_begin()
    for epoch in range(epochs):
        callbacks.on_epoch_begin(epoch)
        for step in range(steps):
            callbacks.on_train_batch_begin(step)
            callbacks.on_train_batch_end(step, {"loss": np.float32(1.0 / (step + 1)), "accuracy": 0.5})
        callbacks.on_epoch_end(epoch, {"loss": 0.25, "accuracy": 0.5})
    callbacks.on_train_end()
    return capsys.readouterr().out


@pytest.mark.parametrize("verbose", [1, 2, "auto"])
def test_progress_off_a_terminal_is_one_clean_line_per_epoch(verbose, capsys):
    out = _epochs_through_logger(verbose, capsys)
    assert not CONTROL.search(out)
    lines = out.splitlines()
    assert len(lines) == 2
    for epoch, line in enumerate(lines, 1):
        assert re.fullmatch(rf"Epoch {epoch}/2 - 4/4 - \d+s - \d+(us|ms|s)/step - accuracy: 0\.5000 - "
                            r"loss: 0\.2500", line), line


def test_progress_verbose_0_prints_nothing(capsys):
    assert _epochs_through_logger(0, capsys) == ""


def test_progbar_averages_stateless_values_and_shows_stateful_ones(capsys):
    bar = Progbar(4, verbose=2, stateful_metrics=["acc"])
    for step, loss in enumerate([4.0, 2.0, 2.0, 0.0], 1):
        bar.update(step, [("loss", loss), ("acc", step / 10)])
    out = capsys.readouterr().out
    # the final update shows the last values as given
    assert out.endswith(" - loss: 0.0000e+00 - acc: 0.4000\n")
    bar = Progbar(4, verbose=2, stateless_metrics=["loss"])
    for step, loss in enumerate([4.0, 2.0, 2.0, 0.0], 1):
        bar.update(step, [("loss", loss)], finalize=False)
    bar.update(4, finalize=True)
    assert capsys.readouterr().out.endswith(f" - loss: {np.mean([4.0, 2.0, 2.0, 0.0]):.4f}\n")
    with pytest.raises(ValueError, match="not both"):
        Progbar(1, stateful_metrics=[], stateless_metrics=[])


def test_progbar_on_a_pseudo_terminal_draws_a_live_bar():
    script = ("from k_train.progbar import Progbar\n"
              "bar = Progbar(32, interval=0.0)\n"
              "for step in range(1, 33):\n"
              "    bar.update(step, [('accuracy', 0.91), ('loss', 0.28)])\n")
    main, secondary = pty.openpty()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    process = subprocess.Popen([sys.executable, "-c", script], stdout=secondary, stderr=subprocess.PIPE,
                               env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.wait(timeout=60) == 0, process.stderr.read().decode()
    out = b"".join(chunks).decode()
    assert out.count("\r") >= 32  # redrawn in place
    last = re.sub(r"\x1b\[[0-9;]*m", "", out.rstrip().split("\r")[-1])
    pattern = r"32/32 ━{20} \d+s \d+(us|ms|s)/step - accuracy: 0\.9100 - loss: 0\.2800 *"
    assert re.fullmatch(pattern, last), last
    assert out.rstrip(" ").endswith("\n")


# -- LambdaCallback, TerminateOnNaN ---------------------------------------------------------
def test_lambda_callback_calls_the_given_functions_and_other_hooks_by_name():
    seen = []
    callback = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(("epoch", epoch, logs)),
                              on_train_batch_end=lambda batch, logs: seen.append(("batch", batch)),
                              on_test_begin=lambda logs: seen.append(("test",)))
    callbacks = CallbackList([callback])
    callbacks.on_train_batch_end(0, {"loss": 1.0})
    callbacks.on_epoch_end(2, {"loss": 1.0})
    callbacks.on_test_begin()
    callbacks.on_predict_begin()  # not given: nothing happens
    assert seen == [("batch", 0), ("epoch", 2, {"loss": 1.0}), ("test",)]


def test_terminate_on_nan_stops_or_raises():
    class Stub:
        stop_training = False

    callback = TerminateOnNaN()
    callback.set_model(Stub())
    callback.on_train_batch_end(0, {"loss": 1.0})
    assert not callback.model.stop_training
    callback.on_train_batch_end(1, {"loss": float("inf")})
    assert callback.model.stop_training
    with pytest.raises(RuntimeError, match="nan"):
        TerminateOnNaN(raise_error=True).on_train_batch_end(0, {"loss": float("nan")})


@needs_training
def test_terminate_on_nan_ends_fit_at_the_first_nan_batch():
    y = np.eye(2, dtype="float32")[Y]
    y[15] = np.nan  # the second batch of 10
    model = _model()
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    history = model.fit(X, y, batch_size=10, epochs=3, shuffle=False, verbose=0,
                        callbacks=[TerminateOnNaN()])
    assert history.epoch == [0] and np.isnan(history.history["loss"][0])


# -- CSVLogger -----------------------------------------------------------------------------
def _read_csv(path, separator=","):
    with open(path, newline="") as stream:
        return list(csv.reader(stream, delimiter=separator))


def _log_epochs(logger, epochs):
    logger.on_train_begin()
    for epoch, logs in epochs:
        logger.on_epoch_end(epoch, logs)
    logger.on_train_end()


def test_csv_logger_writes_a_complete_file_every_epoch(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path, separator=";")
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.25})
    assert _read_csv(path, ";") == [["epoch", "accuracy", "loss"], ["0", "0.25", "0.5"]]
    logger.on_epoch_end(1, {"loss": 0.25, "accuracy": 0.5, "val_loss": 0.75})
    assert _read_csv(path, ";") == [["epoch", "accuracy", "loss", "val_loss"], ["0", "0.25", "0.5", "NA"],
                                    ["1", "0.5", "0.25", "0.75"]]
    assert os.listdir(tmp_path) == ["log.csv"]  # no temporary file left behind


def test_csv_logger_appends_to_or_replaces_an_existing_file(tmp_path):
    path = tmp_path / "log.csv"
    _log_epochs(CSVLogger(path), [(0, {"loss": 1.0}), (1, {"loss": 0.5})])
    _log_epochs(CSVLogger(path, append=True), [(2, {"loss": 0.25})])
    assert _read_csv(path) == [["epoch", "loss"], ["0", "1.0"], ["1", "0.5"], ["2", "0.25"]]
    _log_epochs(CSVLogger(path), [(0, {"loss": 2.0})])
    assert _read_csv(path) == [["epoch", "loss"], ["0", "2.0"]]


@needs_training
def test_csv_logger_records_what_history_records(tmp_path):
    path = tmp_path / "log.csv"
    history = _model().fit(X, Y, batch_size=20, epochs=2, validation_split=0.25, verbose=0,
                           callbacks=[CSVLogger(path)])
    rows = _read_csv(path)
    assert rows[0] == ["epoch", *history.history]
    for epoch, row in enumerate(rows[1:]):
        assert int(row[0]) == epoch
        np.testing.assert_allclose([float(v) for v in row[1:]],
                                   [values[epoch] for values in history.history.values()])


# -- RemoteMonitor -------------------------------------------------------------------------
@pytest.fixture
def server():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append((self.path, dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()


def test_remote_monitor_posts_the_logs_as_a_form_field(server):
    root, received = server
    monitor = RemoteMonitor(root=root, path="/epoch/", field="payload", headers={"X-Run": "7"})
    monitor.on_epoch_end(3, {"loss": np.float32(0.5), "accuracy": 0.25})
    (path, headers, body), = received
    assert path == "/epoch/" and headers["X-Run"] == "7"
    assert json.loads(urllib.parse.parse_qs(body)["payload"][0]) == {"epoch": 3, "loss": 0.5,
                                                                      "accuracy": 0.25}


def test_remote_monitor_posts_json_and_warns_when_the_server_is_down(server):
    root, received = server
    RemoteMonitor(root=root, send_as_json=True).on_epoch_end(0, {"loss": 1.5})
    (path, headers, body), = received
    assert path == "/publish/epoch/end/" and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"epoch": 0, "loss": 1.5}
    with pytest.warns(UserWarning, match="could not reach"):
        RemoteMonitor(root="http://127.0.0.1:9").on_epoch_end(0, {"loss": 1.0})


@needs_training
def test_evaluate_lists_the_loss_first_as_keras_does():
    model = _model()
    logs = model.evaluate(X, Y, verbose=0, return_dict=True)
    assert model.evaluate(X, Y, verbose=0) == [logs["loss"], logs["accuracy"]]


@needs_training
def test_a_progress_bar_off_a_terminal_converts_no_batch_logs(monkeypatch, capsys):
    from k_train.callbacks import base

    calls = []
    real = base.pythonify_logs
    monkeypatch.setattr(base, "pythonify_logs", lambda logs: calls.append(1) or real(logs))
    _model().fit(X, Y, batch_size=10, epochs=2, verbose=1)
    # train begin/end and each epoch's begin/end are converted; the 8 batches are not
    assert len(calls) == 2 + 2 * 2
    assert len(capsys.readouterr().out.splitlines()) == 2
