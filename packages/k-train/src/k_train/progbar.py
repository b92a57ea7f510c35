"""`Progbar`: the progress display of fit / evaluate / predict (`kappa.utils.Progbar`).

Two display modes, chosen once when the bar is made:

- live (stdout is an interactive terminal, or a Jupyter kernel): the line is redrawn in
  place with a carriage return, at most once per `interval` seconds, in the familiar style
  `32/32 ━━━━━━━━━━━━ 1s 12ms/step - accuracy: 0.9100 - loss: 0.2800`;
- plain (stdout is a file, a pipe, a CI log): nothing until the bar finishes, then one line
  with no control characters: `32/32 - 1s - 12ms/step - accuracy: 0.9100 - loss: 0.2800`.

Values may be tensors of any backend. They are kept as they are and converted to numbers
only when a line is drawn, so updating the bar on every step never waits for the device;
a live bar syncs at most once per `interval`, a plain bar once at the end.
"""

import math
import sys
import time

import numpy as np

__all__ = ["Progbar"]

_BOLD, _GREEN, _DIM, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def to_number(value):
    """A tensor, array or Python number as a Python float (the mean of an array)."""
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, (np.ndarray, np.generic)):
        from k_ops import core as kcore

        value = kcore.convert_to_numpy(value)
    return float(np.mean(np.asarray(value, dtype="float64")))


def _is_interactive(stream):
    return bool(getattr(stream, "isatty", None) and stream.isatty()) or "ipykernel" in sys.modules


class Progbar:
    """A progress bar for a loop of `target` steps, with running values shown after it.

    Args:
        target: the total number of steps, or None when unknown.
        width: the width of the bar, in characters.
        verbose: 0 (silent), 1 (live bar; one line at the end when not a terminal) or
            2 (one line at the end).
        interval: the least time, in seconds, between two redraws of a live bar.
        stateful_metrics: names whose values are shown as given; every other name is
            averaged over the steps (weighted by the steps each update covers).
        stateless_metrics: the opposite choice: these names are averaged, every other name
            is shown as given. Pass at most one of the two.
        unit_name: the unit of the time per step (`"step"`, `"sample"`).

    Example:
        >>> bar = Progbar(3, verbose=2)
        >>> for step in range(1, 4):
        ...     bar.update(step, [("loss", 1.0 / step)])  # doctest: +ELLIPSIS
        3/3 - ...
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Progbar: pass stateful_metrics (names shown as given; the rest averaged) or "
                             "stateless_metrics (names averaged; the rest shown as given), not both.")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = None if stateless_metrics is not None else set(stateful_metrics or ())
        self.stateless_metrics = set(stateless_metrics) if stateless_metrics is not None else None
        self._dynamic_display = _is_interactive(sys.stdout)
        self._values = {}  # name -> [sum of value * steps, steps]; values may be tensors
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0
        self._first_step = None  # (time, step) of the first update past step 0
        self._prev_width = 0
        self._prefix = ""  # set by ProgbarLogger: "Epoch 3/10 - " on a plain display

    def _is_averaged(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def update(self, current, values=None, finalize=None):
        """Move the bar to step `current`.

        Args:
            current: the number of steps done.
            values: `(name, value)` pairs for the last step(s); see `stateful_metrics`.
            finalize: whether this is the last update; by default, whether `current`
                reached `target`.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            if self._is_averaged(name) and not finalize:
                steps = max(current - self._seen_so_far, 1)
                if name in self._values:
                    self._values[name][0] = self._values[name][0] + value * steps
                    self._values[name][1] += steps
                else:
                    self._values[name] = [value * steps, steps]
            else:
                self._values[name] = [value, 1]
        self._seen_so_far = current
        now = time.time()
        if self._first_step is None and current > 0:
            self._first_step = (now, current)
        if self.verbose == 1 and self._dynamic_display:
            if finalize or now - self._last_update >= self.interval:
                self._draw_live(current, now, finalize)
                self._last_update = now
        elif self.verbose in (1, 2) and finalize:
            self._write(self._prefix + self._plain_line(current, now) + "\n")

    def add(self, n, values=None):
        """Advance the bar by `n` steps."""
        self.update(self._seen_so_far + n, values)

    # -- drawing ---------------------------------------------------------------------------
    def _time_per_step(self, current, now):
        if not current:
            return 0.0
        # The first step includes compilation; leave it out once later steps exist.
        if self._first_step is not None and current > self._first_step[1]:
            first_time, first_count = self._first_step
            return (now - first_time) / (current - first_count)
        return (now - self._start) / current

    def _format_values(self):
        parts = []
        for name, (total, count) in self._values.items():
            number = to_number(total) / max(count, 1)
            parts.append(f"{name}: {number:.4f}" if abs(number) > 1e-3 else f"{name}: {number:.4e}")
        return "".join(f" - {part}" for part in parts)

    def _format_per_step(self, seconds):
        if seconds >= 1 or seconds == 0:
            return f"{seconds:.0f}s/{self.unit_name}"
        if seconds >= 1e-3:
            return f"{seconds * 1e3:.0f}ms/{self.unit_name}"
        return f"{seconds * 1e6:.0f}us/{self.unit_name}"

    def _counter(self, current):
        if self.target is None or self.target <= 0:
            return f"{current:7d}/Unknown"
        digits = int(math.log10(self.target)) + 1
        return f"{current:{digits}d}/{self.target}"

    def _plain_line(self, current, now):
        per_step = self._format_per_step(self._time_per_step(current, now))
        return f"{self._counter(current)} - {now - self._start:.0f}s - {per_step}{self._format_values()}"

    def _draw_live(self, current, now, finalize):
        counter = self._counter(current)
        visible = counter
        text = f"{_BOLD}{counter}{_RESET}"
        if self.target is not None and self.target > 0:
            done = min(int(self.width * current / self.target), self.width)
            text += f" {_GREEN}{'━' * done}{_RESET}{_DIM}{'━' * (self.width - done)}{_RESET}"
            visible += " " + "━" * self.width
        per_step = self._time_per_step(current, now)
        if self.target is not None and self.target > 0 and not finalize:
            timing = _format_eta(per_step * (self.target - current))
        else:
            timing = f"{now - self._start:.0f}s"
        info = f" {self._format_per_step(per_step)}{self._format_values()}"
        text += f" {_BOLD}{timing}{_RESET}{info}"
        visible += f" {timing}{info}"
        padding = " " * max(self._prev_width - len(visible), 0)
        self._prev_width = len(visible)
        self._write("\r" + text + padding + ("\n" if finalize else ""))

    @staticmethod
    def _write(text):
        sys.stdout.write(text)
        sys.stdout.flush()


def _format_eta(seconds):
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"
