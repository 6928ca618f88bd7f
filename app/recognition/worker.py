"""Recognition off the UI thread.

`RecognitionWorker` owns the Recognizer and runs on a thread of its own (the
model is loaded there, since loading TorchScript is slow); its results reach the
UI as queued Qt signals.  `RecognitionService` lives on the UI thread and is the
only thing the UI talks to: it keeps at most one job in flight and remembers only
the newest request, so a burst of ink updates costs two inferences, not fifty,
and the UI never waits on the network.

A recognition that does not return within `hang_seconds` is abandoned: its
worker is disconnected (whatever it says later is ignored) and a fresh worker
with a fresh recognizer takes over.  Code stuck in Python cannot be stopped, so
the worker runs on a daemon `threading.Thread`, not a QThread: the process may
exit with a stuck daemon thread still inside it, whereas destroying a QThread
that still runs aborts the whole program.
"""
from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from PySide6.QtCore import QObject, QTimer, Signal, Slot


@dataclass
class Job:
    kind: str            # "ink" or "image"
    data: Any            # list of (N, 2|3) arrays, or an image array
    version: int = 0     # the document version the job describes; results carry it back
    live: bool = False   # includes a stroke still being drawn (a preview, not the final ink)
    # The user's constraints for ink: {"groups": [[stroke indices]], "labels": {(indices): class}}
    constraints: dict | None = None


THREADS_ENV = "MATHINK_THREADS"
HANG_ENV = "MATHINK_HANG_SECONDS"
HANG_SECONDS = 10.0     # a 20-stroke expression takes ~30 ms; ten seconds is far beyond any real one
_STOP = object()        # tells a worker's loop to end
HANDWRITING = "handwriting"  # a job-queue item for the personal model, not a recognition


def ink_key(strokes, ids, label: str) -> bytes:
    """The same strokes with the same label are one sample, however often they are confirmed."""
    h = hashlib.blake2b(label.encode("utf-8"), digest_size=16)
    for i in sorted(ids):
        h.update(np.ascontiguousarray(np.asarray(strokes[i], np.float64)[:, :2]).tobytes())
    return h.digest()


def default_recognizer_factory(model_path):
    # Imported lazily: app/ holds no ML, and the GUI should start even if the model stack is broken.
    from model.recognition.recognize import Recognizer
    threads = os.environ.get(THREADS_ENV, "").strip()
    return Recognizer(model_path, threads=int(threads) if threads.isdigit() and int(threads) > 0 else None)


def preload_recognizer() -> None:
    """Import the recognizer's modules on the calling (UI) thread, before the window shows.

    Importing torch runs about 250 ms of C initialisation that holds the GIL; on the worker
    thread that is a 250 ms stall of the UI thread in the middle of the user's first stroke.
    Before the window exists it only delays the window.  An import error is left for the
    worker to report, as it always has."""
    try:
        import model.recognition.recognize  # noqa: F401
    except Exception:  # noqa: BLE001 - reported by the worker when it loads the model
        pass


def describe_error(exc: BaseException) -> str:
    name = type(exc).__name__
    text = str(exc).strip()
    return f"{name}: {text}" if text else name


def hang_seconds_from_env() -> float:
    try:
        value = float(os.environ.get(HANG_ENV, ""))
    except ValueError:
        return HANG_SECONDS
    return value if value > 0 else HANG_SECONDS


class RecognitionWorker(QObject):
    """Signals are emitted from the worker's own thread, so they arrive queued on the UI thread."""

    loaded = Signal()
    load_failed = Signal(str)
    finished = Signal(int, object, object)   # seq, Job, Recognition
    failed = Signal(int, str)                # seq, message
    stopped = Signal()                       # the worker's thread has ended
    handwriting = Signal(int)                # samples in the personal model, after any change
    handwriting_problem = Signal(str)        # the profile could not be read, written or imported

    def __init__(self, model_path=None, factory: Callable | None = None, profile_path=None):
        super().__init__()
        self._model_path = model_path
        self._factory = factory or default_recognizer_factory
        self._profile_path = profile_path
        self._rec = None
        self.calls = 0   # recognize calls actually made (read by tests and the status bar)

    @property
    def recognizer(self):
        return self._rec

    def serve(self, jobs: queue.Queue):
        """The worker thread's body: load the model, then run jobs until told to stop."""
        try:
            self.load()
            while (item := jobs.get()) is not _STOP:
                if item[0] == HANDWRITING:
                    self.handwriting_op(*item[1:])
                else:
                    self.run(*item)
        except BaseException:  # noqa: BLE001 - e.g. SystemExit from a library: this thread ends here
            traceback.print_exc()
        finally:
            # The service hears of it and, unless it asked for the stop, starts a new worker.
            self.stopped.emit()

    @Slot()
    def load(self):
        try:
            self._rec = self._factory(self._model_path)
        except BaseException as exc:  # noqa: BLE001 - any failure must reach the user, not kill the thread
            self.load_failed.emit(describe_error(exc))
            return
        self._load_profile()
        self.loaded.emit()

    # ---- the personal model (model/recognition/personal.py) --------------------------
    def _load_profile(self):
        rec = self._rec
        if self._profile_path is None or not getattr(rec, "can_personalize", False):
            return
        from model.recognition import personal
        from model.recognition.decode import file_digest
        network = file_digest(rec.path)
        path = Path(self._profile_path)
        rec.personal = personal.PersonalModel(network)
        if path.exists():
            try:
                rec.personal = personal.load(path, network)
            except personal.ProfileError as exc:
                aside = path.with_name(f"{path.stem}.damaged-{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")
                try:
                    path.replace(aside)
                    where = f"it was set aside as {aside.name}"
                except OSError:
                    where = "it could not be moved aside"
                self.handwriting_problem.emit(f"Your handwriting profile could not be read ({exc}); {where} "
                                              "and learning starts afresh.")
        self.handwriting.emit(len(rec.personal))

    def handwriting_op(self, op: str, *args):
        """learn(strokes, [(stroke indices, label, read as)]), unlearn([keys]), forget(), export(path),
        import(path)."""
        rec = self._rec
        model = getattr(rec, "personal", None)
        if model is None:
            return
        from model.recognition import personal
        try:
            if op == "learn":
                strokes, items = args
                feats = rec.symbol_features(strokes, [ids for ids, _, _ in items])
                for (ids, label, read), f in zip(items, feats):
                    model.add(label, f, ink_key(strokes, ids, label))
                    model.corrected(read, label)
            elif op == "unlearn":
                for key in args[0]:
                    model.remove(key)
            elif op == "forget":
                model.forget()
            elif op == "export":
                personal.save(model, args[0])
                return
            elif op == "import":
                other = personal.load(args[0], model.network)
                for sample in other.samples:
                    model.add(sample.label, sample.features, sample.key)
            if self._profile_path is not None:
                personal.save(model, self._profile_path)
        except Exception as exc:  # noqa: BLE001 - the user's ink and the app go on without it
            traceback.print_exc()
            self.handwriting_problem.emit(f"Your handwriting profile: {op} failed ({describe_error(exc)}).")
        self.handwriting.emit(len(model))

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
    restarted = Signal(str)             # the worker died or hung and was replaced by a new one
    idle = Signal()                     # nothing in flight and nothing pending
    handwriting = Signal(int)           # samples the personal model holds, after each change
    handwriting_problem = Signal(str)   # the profile was damaged (set aside), or an operation failed

    MAX_RESTARTS = 5
    LOAD_WAIT_SECONDS = 120.0   # at shutdown, how long a model still loading may take to finish

    def __init__(self, model_path=None, factory: Callable | None = None, parent=None,
                 hang_seconds: float | None = None, profile_path=None):
        super().__init__(parent)
        self._model_path = model_path
        self._factory = factory
        self._profile_path = profile_path  # the personal model's file; None: no personal model
        self.handwriting_samples = 0
        self.hang_seconds = hang_seconds if hang_seconds is not None else hang_seconds_from_env()
        self.abandoned = 0            # recognitions given up as hung
        self._seq = 0                 # newest request number
        self._in_flight: int | None = None
        self._pending: tuple[int, Job] | None = None
        self._last_job: Job | None = None
        self._state = "loading"       # loading | ready | unavailable
        self._stopping = False
        self._restarts = 0
        self._calls_before = 0        # recognize calls made by workers that were replaced
        self.error_message = ""
        self._thread: threading.Thread | None = None
        self._jobs: queue.Queue | None = None
        self.worker: RecognitionWorker | None = None
        # Detached workers whose thread may still run; kept so that their last reference is
        # dropped here on the UI thread (the QObject's own thread) once that thread has ended.
        self._retired: list[tuple[threading.Thread, RecognitionWorker]] = []
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._on_hang)
        self._start_worker()

    # ---- lifecycle -------------------------------------------------------
    def _start_worker(self):
        self._retired = [(t, w) for t, w in self._retired if t.is_alive()]
        self.worker = worker = RecognitionWorker(self._model_path, self._factory, self._profile_path)
        worker.handwriting.connect(self._on_handwriting)
        worker.handwriting_problem.connect(self._on_handwriting_problem)
        worker.loaded.connect(self._on_loaded)
        worker.load_failed.connect(self._on_load_failed)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.stopped.connect(self._on_thread_finished)
        self._jobs = jobs = queue.Queue()
        self._state = "loading"
        # Daemon: a worker stuck in a hung call must never keep the process from exiting.
        self._thread = threading.Thread(target=worker.serve, args=(jobs,), name="recognition", daemon=True)
        self._thread.start()

    def _detach_worker(self):
        """Cut the current worker off: it is told to stop, and nothing it emits arrives any more."""
        worker, self.worker = self.worker, None
        thread, self._thread = self._thread, None
        if self._jobs is not None:
            self._jobs.put(_STOP)
        self._jobs = None
        self._watchdog.stop()
        if worker is None:
            return
        if thread is not None:
            self._retired.append((thread, worker))
        self._calls_before += worker.calls
        for sig in (worker.loaded, worker.load_failed, worker.finished, worker.failed, worker.stopped,
                    worker.handwriting, worker.handwriting_problem):
            try:
                sig.disconnect()
            except (RuntimeError, TypeError):
                pass

    def _from_current_worker(self) -> bool:
        # A queued signal may already be on its way when its worker is detached.
        return self.worker is not None and self.sender() is self.worker

    def _replace_worker(self, lost: int | None, message: str, retry: bool) -> None:
        self._in_flight = None
        self._detach_worker()
        if self._restarts >= self.MAX_RESTARTS:
            self._state = "unavailable"
            self._pending = None
            self.error_message = "recognition keeps failing (the worker stopped or hung); recognition is off"
            self.unavailable.emit(self.error_message)
            return
        self._restarts += 1
        if retry and lost is not None and self._pending is None:
            self._pending = (lost, self._last_job)
        self.restarted.emit(message)
        self._start_worker()

    @Slot()
    def _on_thread_finished(self):
        if self._stopping or not self._from_current_worker():
            return
        # The thread ended without being asked to: whatever was in flight is retried once.
        self._replace_worker(self._in_flight, "the recognition thread stopped unexpectedly and was restarted",
                             retry=True)

    @Slot()
    def _on_hang(self):
        if self._stopping or self._in_flight is None:
            return
        self.abandoned += 1
        # Not retried: the same ink would most likely hang again.  The next stroke asks anew.
        self._replace_worker(
            self._in_flight,
            f"recognition did not finish within {self.hang_seconds:g} s and was abandoned; "
            "the recognizer was restarted (your ink is untouched)", retry=False)
        if self._state != "unavailable" and self._pending is None:
            self.idle.emit()

    def shutdown(self):
        """Stop the worker.  A load or an inference in progress finishes first (the window is
        already hidden): a thread cut off inside torch while the interpreter finalises can take
        the process down.  Only one that has run past the hang limit is left behind."""
        self._stopping = True
        self._pending = None
        thread = self._thread
        wait = self.LOAD_WAIT_SECONDS if self._state == "loading" else self.hang_seconds
        self._detach_worker()
        if thread is not None:
            thread.join(wait)
        self._retired = [(t, w) for t, w in self._retired if t.is_alive()]

    @property
    def stuck_threads(self) -> int:
        """Worker threads still running after shutdown (abandoned as hung)."""
        return sum(t.is_alive() for t, _ in self._retired)

    # ---- requests ----------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    # ---- the personal model: queued behind the recognitions, run on the worker's thread ----
    def learn(self, strokes, items) -> None:
        """The user confirmed or corrected these symbols: [(stroke indices, label, the label
        they were read as), ...]; a confirmation reads as its own label."""
        items = [(list(ids), label, read) for ids, label, read in items if ids and label]
        if items and self._jobs is not None:
            self._jobs.put((HANDWRITING, "learn", [np.asarray(s, np.float64) for s in strokes], items))

    def unlearn(self, keys) -> None:
        """Take back samples (by ink_key): a correction the user undid or replaced."""
        if keys and self._jobs is not None:
            self._jobs.put((HANDWRITING, "unlearn", list(keys)))

    def forget_handwriting(self) -> None:
        if self._jobs is not None:
            self._jobs.put((HANDWRITING, "forget"))

    def export_handwriting(self, path) -> None:
        if self._jobs is not None:
            self._jobs.put((HANDWRITING, "export", str(path)))

    def import_handwriting(self, path) -> None:
        if self._jobs is not None:
            self._jobs.put((HANDWRITING, "import", str(path)))

    @Slot(int)
    def _on_handwriting(self, n: int):
        if self._from_current_worker():
            self.handwriting_samples = n
            self.handwriting.emit(n)

    @Slot(str)
    def _on_handwriting_problem(self, message: str):
        if self._from_current_worker():
            self.handwriting_problem.emit(message)

    @property
    def recognize_calls(self) -> int:
        return self._calls_before + (self.worker.calls if self.worker else 0)

    def relayout(self, symbols, placements=None):
        """Re-assemble corrected symbols (with the user's `placements`, by stroke indices);
        no network, so it runs right here on the UI thread."""
        rec = self.worker.recognizer if self.worker is not None else None
        if rec is None:
            raise RuntimeError("the recognizer is not loaded")
        return rec.relayout(symbols, placements) if placements else rec.relayout(symbols)

    @property
    def busy(self) -> bool:
        return self._in_flight is not None or self._pending is not None

    def request(self, job: Job) -> int:
        self._seq += 1
        if self._state == "unavailable" or self._stopping:   # shut down: the window is closing
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
        self._jobs.put((seq, job))
        self._watchdog.start(int(self.hang_seconds * 1000))

    # ---- worker signals ------------------------------------------------------
    @Slot()
    def _on_loaded(self):
        if not self._from_current_worker():
            return
        self._state = "ready"
        self.ready.emit()
        self._dispatch()

    @Slot(str)
    def _on_load_failed(self, message: str):
        if not self._from_current_worker():
            return
        self._state = "unavailable"
        self._pending = None
        self.error_message = message
        self.unavailable.emit(message)

    def _settle(self, seq: int) -> bool:
        """Mark `seq` done; True if it is still the newest request."""
        if self._in_flight == seq:
            self._in_flight = None
            self._watchdog.stop()
        current = seq == self._seq
        self._dispatch()
        if self._in_flight is None and self._pending is None:
            self.idle.emit()
        return current

    @Slot(int, object, object)
    def _on_finished(self, seq: int, job: Job, recognition):
        if not self._from_current_worker():
            return
        self._restarts = 0   # only back-to-back deaths without a single result switch recognition off
        current = self._settle(seq)
        if current:
            self.result.emit(job, recognition)

    @Slot(int, str)
    def _on_failed(self, seq: int, message: str):
        if not self._from_current_worker():
            return
        current = self._settle(seq)
        if current:
            self.error.emit(message)

