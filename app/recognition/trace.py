"""A timing trace of the window, for the real-window harness (tests/gui_latency.py).

Off unless MATHINK_TRACE names a file.  Then the app writes one JSON line per event:
where the canvas is on the screen, each pen-down (and whether it began on a label tag) and
pen-up with the points the stroke kept, each final result with the ink version it answers and
the label tags it puts on the canvas, each symbol menu opened, and every stall of the UI thread
longer than STALL_MS (seen as a late tick of a PRECISE_MS timer).  Times are
time.monotonic() seconds, so the harness can line them up with its own clock.
"""
from __future__ import annotations

import json
import os
import time

from PySide6.QtCore import QObject, Qt, QTimer

TRACE_ENV = "MATHINK_TRACE"
TICK_MS = 5
STALL_MS = 8.0


class Trace(QObject):
    def __init__(self, path: str, parent=None):
        super().__init__(parent)
        self._file = open(path, "a", buffering=1, encoding="utf-8")   # line-buffered: a kill loses nothing
        self._last_tick = time.monotonic()
        self.longest_stall_ms = 0.0
        self._ticker = QTimer(self)
        self._ticker.setTimerType(Qt.TimerType.PreciseTimer)
        self._ticker.setInterval(TICK_MS)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()

    def write(self, event: str, **fields) -> None:
        if self._file.closed:
            return
        self._file.write(json.dumps({"event": event, "t": time.monotonic(), **fields}) + "\n")

    def _tick(self) -> None:
        now = time.monotonic()
        late_ms = (now - self._last_tick) * 1e3 - TICK_MS
        self._last_tick = now
        if late_ms > STALL_MS:
            self.longest_stall_ms = max(self.longest_stall_ms, late_ms)
            self.write("stall", ms=round(late_ms, 1))

    def close(self) -> None:
        self._ticker.stop()
        self._file.close()


def from_environment(parent=None) -> Trace | None:
    path = os.environ.get(TRACE_ENV, "").strip()
    if not path:
        return None
    try:
        return Trace(path, parent)
    except OSError as exc:   # a bad trace path must not keep the app from starting
        print(f"MathInk: cannot write the trace {path}: {exc}", flush=True)
        return None
