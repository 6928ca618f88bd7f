"""Recognition off the UI thread.

`RecognitionWorker` lives on a QThread and owns the Recognizer (built there,
since loading TorchScript is slow).  `RecognitionService` lives on the UI
thread and is the only thing the UI talks to: it keeps at most one job in
flight and remembers only the newest request, so a burst of ink updates costs
two inferences, not fifty, and the UI never waits on the network.
"""
from __future__ import annotations

import os
import traceback
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot


@dataclass
class Job:
    kind: str            # "ink" or "image"
    data: Any            # list of (N, 2|3) arrays, or an image array
    version: int = 0     # the document version the job describes; results carry it back
    live: bool = False   # includes a stroke still being drawn (a preview, not the final ink)
    # The user's constraints for ink: {"groups": [[stroke indices]], "labels": {(indices): class}}
    constraints: dict | None = None


THREADS_ENV = "MATHINK_THREADS"


def default_recognizer_factory(model_path):
    # Imported lazily: app/ holds no ML, and the GUI should start even if the model stack is broken.
    from model.recognition.recognize import Recognizer
    threads = os.environ.get(THREADS_ENV, "").strip()
    return Recognizer(model_path, threads=int(threads) if threads.isdigit() and int(threads) > 0 else None)


def describe_error(exc: BaseException) -> str:
    name = type(exc).__name__
    text = str(exc).strip()
    return f"{name}: {text}" if text else name


class RecognitionWorker(QObject):
    loaded = Signal()
    load_failed = Signal(str)
    finished = Signal(int, object, object)   # seq, Job, Recognition
    failed = Signal(int, str)                # seq, message

    def __init__(self, model_path=None, factory: Callable | None = None):
        super().__init__()
        self._model_path = model_path
        self._factory = factory or default_recognizer_factory
        self._rec = None
        self.calls = 0   # recognize calls actually made (read by tests and the status bar)

    @property
    def recognizer(self):
        return self._rec

    @Slot()
    def load(self):
        try:
            self._rec = self._factory(self._model_path)
        except BaseException as exc:  # noqa: BLE001 - any failure must reach the user, not kill the thread
            self.load_failed.emit(describe_error(exc))
            return
        self.loaded.emit()

    @Slot(int, object)
    def run(self, seq: int, job: Job):
        if self._rec is None:
            self.failed.emit(seq, "the recognizer is not loaded")
            return
        self.calls += 1
        try:
            if job.kind == "image":
                result = self._rec.recognize_image(job.data)
            else:
                result = self._rec.recognize(job.data, heatmap=True, **(job.constraints or {}))
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            self.failed.emit(seq, describe_error(exc))
            return
        self.finished.emit(seq, job, result)


class RecognitionService(QObject):
    """UI-side façade: request() never blocks; results for stale requests are dropped."""

    result = Signal(object, object)     # Job, Recognition (only for the newest request)
    error = Signal(str)                 # a recognition failed; the service keeps going
    unavailable = Signal(str)           # the model could not be loaded
    ready = Signal()                    # the model is loaded
    restarted = Signal(str)             # the worker thread died and was recreated
    idle = Signal()                     # nothing in flight and nothing pending

    _submit = Signal(int, object)
    _load = Signal()

    MAX_RESTARTS = 5

    def __init__(self, model_path=None, factory: Callable | None = None, parent=None):
        super().__init__(parent)
        self._model_path = model_path
        self._factory = factory
        self._seq = 0                 # newest request number
        self._in_flight: int | None = None
        self._pending: tuple[int, Job] | None = None
        self._last_job: Job | None = None
        self._state = "loading"       # loading | ready | unavailable
        self._stopping = False
        self._restarts = 0
        self._calls_before = 0        # recognize calls made by workers that were replaced
        self.error_message = ""
        self._thread: QThread | None = None
        self.worker: RecognitionWorker | None = None
        self._start_worker()

    # ---- lifecycle -------------------------------------------------------
    def _start_worker(self):
        self._thread = QThread()
        self._thread.setObjectName("recognition")
        self.worker = RecognitionWorker(self._model_path, self._factory)
        self.worker.moveToThread(self._thread)
        self._submit.connect(self.worker.run)
        self._load.connect(self.worker.load)
        self.worker.loaded.connect(self._on_loaded)
        self.worker.load_failed.connect(self._on_load_failed)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self._thread.finished.connect(self._on_thread_finished)
        self._state = "loading"
        self._thread.start()
        self._load.emit()

    def _detach_worker(self):
        for sig in (self._submit, self._load):
            try:
                sig.disconnect()
            except (RuntimeError, TypeError):
                pass
        if self.worker is not None:
            self._calls_before += self.worker.calls
            self.worker.deleteLater()
        self.worker = None

    @Slot()
    def _on_thread_finished(self):
        if self._stopping or self.sender() is not self._thread:
            return
        # The thread ended without being asked to: whatever was in flight is lost.
        lost = self._in_flight
        self._in_flight = None
        self._detach_worker()
        if self._restarts >= self.MAX_RESTARTS:
            self._state = "unavailable"
            self.error_message = "the recognition thread keeps stopping; recognition is off"
            self.unavailable.emit(self.error_message)
            return
        self._restarts += 1
        if lost is not None and self._pending is None:
            self._pending = (lost, self._last_job)
        self.restarted.emit("the recognition thread stopped unexpectedly and was restarted")
        self._start_worker()

    def shutdown(self):
        self._stopping = True
        self._pending = None
        thread = self._thread
        if thread is not None and thread.isRunning():
            thread.quit()
            # An inference in progress finishes first (the window is already hidden).
            # No timeout: destroying a QThread that still runs aborts the process.
            thread.wait()
        self._detach_worker()

    # ---- requests ----------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    @property
    def recognize_calls(self) -> int:
        return self._calls_before + (self.worker.calls if self.worker else 0)

    def relayout(self, symbols):
        """Re-assemble corrected symbols; no network, so it runs right here on the UI thread."""
        rec = self.worker.recognizer if self.worker is not None else None
        if rec is None:
            raise RuntimeError("the recognizer is not loaded")
        return rec.relayout(symbols)

    @property
    def busy(self) -> bool:
        return self._in_flight is not None or self._pending is not None

    def request(self, job: Job) -> int:
        self._seq += 1
        if self._state == "unavailable":
            return self._seq
        self._pending = (self._seq, job)
        self._dispatch()
        return self._seq

    def cancel(self):
        """Forget any pending request and ignore the one in flight (e.g. the ink was cleared)."""
        self._seq += 1
        self._pending = None

    def _dispatch(self):
        if self._in_flight is not None or self._pending is None or self._state != "ready":
            return
        seq, job = self._pending
        self._pending = None
        self._in_flight = seq
        self._last_job = job
        self._submit.emit(seq, job)

    # ---- worker signals ------------------------------------------------------
    @Slot()
    def _on_loaded(self):
        self._state = "ready"
        self.ready.emit()
        self._dispatch()

    @Slot(str)
    def _on_load_failed(self, message: str):
        self._state = "unavailable"
        self._pending = None
        self.error_message = message
        self.unavailable.emit(message)

    def _settle(self, seq: int) -> bool:
        """Mark `seq` done; True if it is still the newest request."""
        if self._in_flight == seq:
            self._in_flight = None
        current = seq == self._seq
        self._dispatch()
        if self._in_flight is None and self._pending is None:
            self.idle.emit()
        return current

    @Slot(int, object, object)
    def _on_finished(self, seq: int, job: Job, recognition):
        self._restarts = 0   # only back-to-back deaths without a single result switch recognition off
        current = self._settle(seq)
        if current:
            self.result.emit(job, recognition)

    @Slot(int, str)
    def _on_failed(self, seq: int, message: str):
        current = self._settle(seq)
        if current:
            self.error.emit(message)

