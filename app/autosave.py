"""Autosave and crash recovery.

The ink is written (atomically) a moment after each change, on a background
thread so that serialising a large drawing never stalls the pen.  A lock file
marks a running session; it is removed on a clean exit, so finding it at start-up
means the previous session crashed or was killed and its autosave is worth offering.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from model.io.ink import InkError, ink_from_strokes, read_inkml, write_inkml

AUTOSAVE_NAME = "autosave.inkml"
LOCK_NAME = "session.lock"
DELAY_MS = 800


class Autosaver(QObject):
    failed = Signal(str)     # a write failed (disk full, permissions); reported, not fatal

    def __init__(self, directory: str | os.PathLike, delay_ms: int = DELAY_MS, parent=None):
        super().__init__(parent)
        self.directory = Path(directory)
        self.path = self.directory / AUTOSAVE_NAME
        self.lock_path = self.directory / LOCK_NAME
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self._pending: list[np.ndarray] | None = None
        self._last: Future | None = None
        self._last_seconds = 0.0
        self.writes = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._write_pending)

    # ---- session -------------------------------------------------------------
    def previous_session_crashed(self) -> bool:
        return self.lock_path.exists() and self.path.exists()

    def start_session(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        self.lock_path.write_text(f"{os.getpid()}\n", encoding="utf-8")

    def end_session(self):
        """Clean exit: write what is pending, then drop the lock (nothing to recover)."""
        self._timer.stop()
        if self._pending is not None:
            self._submit(self._pending)
            self._pending = None
        self._executor.shutdown(wait=True)
        try:
            self.lock_path.unlink()
        except FileNotFoundError:
            pass

    def load(self) -> list[np.ndarray]:
        """The autosaved strokes; raises InkError when the file is unreadable or corrupt."""
        return read_inkml(self.path).strokes()

    def discard(self):
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    # ---- writing ---------------------------------------------------------------
    def schedule(self, strokes: list[np.ndarray]):
        self._pending = list(strokes)
        # Big drawings take longer to serialise; back off so autosave never hogs the CPU.
        self._timer.setInterval(max(self._timer.interval(), int(self._last_seconds * 3000)))
        self._timer.start()

    def flush(self, timeout: float = 30.0):
        self._timer.stop()
        if self._pending is not None:
            self._submit(self._pending)
            self._pending = None
        if self._last is not None:
            self._last.result(timeout)

    def _write_pending(self):
        if self._pending is not None:
            self._submit(self._pending)
            self._pending = None

    def _submit(self, strokes: list[np.ndarray]):
        self._last = self._executor.submit(self._write, strokes)

    def _write(self, strokes: list[np.ndarray]):
        start = time.perf_counter()
        try:
            write_inkml(ink_from_strokes(strokes), self.path)
        except (OSError, InkError, ValueError) as exc:
            self.failed.emit(f"Autosave failed: {exc}")
            return
        self.writes += 1
        self._last_seconds = time.perf_counter() - start
