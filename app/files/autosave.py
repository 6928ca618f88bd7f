"""Autosave and crash recovery, one session per running instance.

The ink is written (atomically) a moment after each change, on a background
thread so that serialising a large drawing never stalls the pen.  Each running
instance has its own session: `autosave-<id>.inkml` and `session-<id>.lock` in
the data folder, so two instances never write the same file.  The instance
holds an exclusive flock on its lock file for as long as it runs; the kernel
drops it when the process dies, however it dies.  A lock file that nobody holds
therefore marks a session that crashed or was killed: a starting instance
claims one such session (taking its lock, so no other instance claims it too),
offers its ink and then carries on writing to it.  A clean exit removes the
lock, and an autosave without a lock is a finished session, deleted at the next
start.  (`autosave.inkml` + `session.lock`, the names of older versions, are
one more session.)
"""
from __future__ import annotations

import fcntl
import os
import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from model.io.ink import InkError, ink_from_strokes, read_inkml, write_inkml

DELAY_MS = 800
_SESSION_LOCK = re.compile(r"session(?:-([0-9a-z-]+))?\.lock")
_SESSION_AUTOSAVE = re.compile(r"autosave(?:-([0-9a-z-]+))?\.inkml")


def autosave_name(session: str) -> str:
    return f"autosave-{session}.inkml" if session else "autosave.inkml"


def lock_name(session: str) -> str:
    return f"session-{session}.lock" if session else "session.lock"


def _try_lock(path: Path) -> int | None:
    """An fd holding an exclusive flock on `path` (created if need be), or None if another holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


class Autosaver(QObject):
    failed = Signal(str)     # a write failed (disk full, permissions); reported, not fatal

    def __init__(self, directory: str | os.PathLike, delay_ms: int = DELAY_MS, parent=None):
        super().__init__(parent)
        self.directory = Path(directory)
        self.session = f"{os.getpid()}-{time.time_ns():x}"
        self._lock_fd: int | None = None
        self._claimed = False     # this instance took over a crashed session
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self._pending: list[np.ndarray] | None = None
        self._last: Future | None = None
        self._last_seconds = 0.0
        self.writes = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._write_pending)

    @property
    def path(self) -> Path:
        return self.directory / autosave_name(self.session)

    @property
    def lock_path(self) -> Path:
        return self.directory / lock_name(self.session)

    # ---- session -------------------------------------------------------------
    def previous_session_crashed(self) -> bool:
        """Claim a crashed session with ink in it, if there is one: True when this instance
        now owns it (`path` is its autosave, to offer for restore).  Also deletes the
        autosaves that finished sessions left behind."""
        if self._lock_fd is not None:
            return self._claimed
        try:
            names = sorted(os.listdir(self.directory))
        except OSError:
            return False
        for name in names:
            m = _SESSION_AUTOSAVE.fullmatch(name)
            if m and lock_name(m.group(1) or "") not in names:
                self._remove(self.directory / name)
        for name in names:
            m = _SESSION_LOCK.fullmatch(name)
            if not m:
                continue
            session = m.group(1) or ""
            try:
                fd = _try_lock(self.directory / name)
            except OSError:
                continue
            if fd is None:
                continue          # that instance is running: its ink is its own
            if not (self.directory / autosave_name(session)).exists():
                self._remove(self.directory / name)   # it crashed before writing anything
                os.close(fd)
                continue
            self.session, self._lock_fd, self._claimed = session, fd, True
            return True
        return False

    def start_session(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._lock_fd is None:
            self._lock_fd = _try_lock(self.lock_path)
            if self._lock_fd is None:   # cannot happen with a fresh id; never share a session
                raise OSError(f"session lock {self.lock_path} is held by another instance")
        os.ftruncate(self._lock_fd, 0)
        os.pwrite(self._lock_fd, f"{os.getpid()}\n".encode(), 0)

    def end_session(self):
        """Clean exit: write what is pending, then drop the lock (nothing to recover)."""
        self._timer.stop()
        if self._pending is not None:
            self._submit(self._pending)
            self._pending = None
        self._executor.shutdown(wait=True)
        self._remove(self.lock_path)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def load(self) -> list[np.ndarray]:
        """The autosaved strokes; raises InkError when the file is unreadable or corrupt."""
        return read_inkml(self.path).strokes()

    def discard(self):
        self._remove(self.path)

    @staticmethod
    def _remove(path: Path):
        try:
            path.unlink()
        except OSError:   # already gone, or not ours to remove: nothing to lose either way
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
