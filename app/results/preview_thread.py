"""The formula preview, rendered off the UI thread.

matplotlib's mathtext takes about 750 ms for its first formula (imports, font cache) and
10-20 ms for each later one.  On the UI thread either is a stall during which Qt merges the
mouse moves of the stroke being written, so every render runs on one thread of its own: the
first thing it does is warm matplotlib up, and a burst of requests renders only the newest.
matplotlib is not thread-safe, so everything that renders (the exports too) goes through
`call` on this same thread.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

from .preview import PreviewError, render, render_png_cached

WARM_UP_LATEX = r"x^{2}+\frac{1}{\sqrt{y}}"


class PreviewRenderer(QObject):
    """request() never blocks; `rendered` arrives queued on the UI thread, for the newest only."""

    rendered = Signal(int, object, str)   # request number, PNG bytes or None, error text

    def __init__(self, parent=None, warm_up: bool = True):
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="preview")
        self._lock = threading.Lock()
        self._newest = 0
        self._last: Future | None = None
        if warm_up:
            self._executor.submit(_warm_up)

    def request(self, latex: str, dpi: float) -> int:
        with self._lock:
            self._newest += 1
            seq = self._newest
        self._last = self._executor.submit(self._render, seq, latex, dpi)
        return seq

    @property
    def newest(self) -> int:
        return self._newest

    def _render(self, seq: int, latex: str, dpi: float):
        if seq != self._newest:
            return   # a newer request is queued behind this one: render that instead
        try:
            png, error = render_png_cached(latex, dpi), ""
        except PreviewError as exc:
            png, error = None, str(exc) or "mathtext cannot draw this LaTeX"
        except Exception as exc:  # noqa: BLE001 - a matplotlib bug must not end the render thread
            png, error = None, f"{type(exc).__name__}: {exc}"
        self.rendered.emit(seq, png, error)

    def wait(self, timeout: float = 30.0) -> None:
        """Block until every request made so far has been rendered (tests, exports)."""
        if self._last is not None:
            self._last.result(timeout)

    def call(self, fn, *args, timeout: float = 60.0, **kwargs):
        """Run `fn` on the render thread and return its result (raises what it raises)."""
        return self._executor.submit(fn, *args, **kwargs).result(timeout)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _warm_up() -> None:
    try:
        render(WARM_UP_LATEX)
    except Exception:  # noqa: BLE001 - a failed warm-up only means the first preview is slow
        pass
