"""The progress line Keras prints while fitting, evaluating and predicting.

    verbose=1   a bar redrawn in place on a terminal, then the epoch's final line:
                23/23 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.9652 - loss: 0.1234
                (the bar is ━ for the steps done and ─ for those to come)
                (written once per epoch, without redrawing, when the output is not a terminal)
    verbose=2   one line per epoch:  23/23 - 0s - 2ms/step - accuracy: 0.9652 - loss: 0.1234

Values are shown with 4 decimals, or in scientific notation when below 1e-3, as Keras does.
"""

from __future__ import annotations

import math
import sys
import time


def _format_value(value: float) -> str:
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def _format_time(seconds_per_step: float, unit: str) -> str:
    if seconds_per_step >= 1 or seconds_per_step == 0:
        return f"{seconds_per_step:.0f}s/{unit}"
    if seconds_per_step >= 1e-3:
        return f"{seconds_per_step * 1e3:.0f}ms/{unit}"
    return f"{seconds_per_step * 1e6:.0f}us/{unit}"


class Progbar:
    """Progbar(target, verbose=1, unit_name="step"): call update(current, values) as steps complete."""

    width = 20
    interval = 0.05  # seconds between redraws on a terminal

    def __init__(self, target: int | None, verbose: int = 1, unit_name: str = "step", stream=None):
        self.target, self.verbose, self.unit_name = target, verbose, unit_name
        self.stream = stream or sys.stdout
        self.dynamic = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._width = 0

    def update(self, current: int, values: dict | None = None, finalize: bool | None = None) -> None:
        """Record that `current` steps are done; values are the metrics to show (name -> float)."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        now = time.perf_counter()
        if self.verbose == 2 and not finalize:
            return
        if self.verbose == 1 and not finalize and (not self.dynamic or now - self._last_draw < self.interval):
            return
        self._last_draw = now
        elapsed = now - self._start
        per_step = elapsed / current if current else 0.0
        metrics = "".join(f" - {name}: {_format_value(value)}" for name, value in (values or {}).items())
        digits = int(math.log10(self.target)) + 1 if self.target else 1
        count = f"{current:{digits}d}/{self.target}" if self.target else f"{current:7d}/Unknown"
        if self.verbose == 2:
            line = f"{count} - {elapsed:.0f}s - {_format_time(per_step, self.unit_name)}{metrics}"
        else:
            done = int(self.width * current / self.target) if self.target else 0
            bar = "━" * done + "─" * (self.width - done)
            if not finalize and self.target:
                eta = per_step * (self.target - current)
                when = f"{eta:.0f}s"
            else:
                when = f"{elapsed:.0f}s"
            line = f"{count} {bar} {when} {_format_time(per_step, self.unit_name)}{metrics}"
        if self.dynamic and self.verbose == 1:
            padding = " " * max(0, self._width - len(line))
            self._width = len(line)
            self.stream.write("\r" + line + padding + ("\n" if finalize else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
