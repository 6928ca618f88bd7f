"""A recognition that hangs: abandoned after `hang_seconds`, a fresh worker takes over, the user
is told, the canvas stays usable, a late answer from the stuck worker is ignored, and the process
still exits cleanly with the stuck thread inside it."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from .test_app import WAIT_MS, FakeDialogs, data_dir, draw, line, make_window, wait_result  # noqa: F401,E402

ROOT = Path(__file__).resolve().parents[1]


class StuckOnce:
    """Wraps a real recognizer; its first recognize() blocks until `release` is set."""

    stuck_calls = 0

    def __init__(self, rec, release: threading.Event):
        self.rec = rec
        self.release = release

    def recognize(self, strokes, heatmap=True):
        if StuckOnce.stuck_calls == 0:
            StuckOnce.stuck_calls += 1
            self.release.wait(60)
        return self.rec.recognize(strokes, heatmap)

    def relayout(self, symbols):
        return self.rec.relayout(symbols)


def test_hung_recognition_is_abandoned_and_the_canvas_stays_usable(qtbot, make_window, monkeypatch):
    from model.recognition.recognize import Recognizer
    monkeypatch.setenv("MATHINK_HANG_SECONDS", "1.5")
    StuckOnce.stuck_calls = 0
    release = threading.Event()
    dialogs = FakeDialogs()
    win = make_window(None, dialogs, factory=lambda path: StuckOnce(Recognizer(path, threads=1), release))
    try:
        stuck_worker = win.service.worker
        draw(win.canvas, line(100, 100, 100, 250))          # this recognition hangs
        qtbot.waitUntil(lambda: win.service.abandoned == 1, timeout=WAIT_MS)
        assert win.service.worker is not stuck_worker
        assert any("abandoned" in text for _, text in dialogs.messages), dialogs.messages
        assert "abandoned" in win.statusBar().currentMessage()
        # The canvas kept working while the old worker is still stuck: more ink is drawn and recognized.
        draw(win.canvas, line(200, 100, 300, 250))
        rec = wait_result(qtbot, win)
        assert rec.symbols and len(win.canvas.strokes) == 2
        # The stuck call now returns; its stale answer must not replace the current one.
        release.set()
        stuck_thread = next(t for t, w in win.service._retired if w is stuck_worker)
        stuck_thread.join(30)
        assert not stuck_thread.is_alive()
        qtbot.wait(200)
        assert win.recognition is rec and win.service.abandoned == 1
    finally:
        release.set()


def test_worker_that_dies_mid_recognition_is_replaced(qtbot, make_window):
    from model.recognition.recognize import Recognizer

    class DiesOnce:
        died = False

        def __init__(self, rec):
            self.rec = rec

        def recognize(self, strokes, heatmap=True):
            if not DiesOnce.died:
                DiesOnce.died = True
                raise SystemExit("a library called exit() inside the worker")
            return self.rec.recognize(strokes, heatmap)

    dialogs = FakeDialogs()
    win = make_window(None, dialogs, factory=lambda path: DiesOnce(Recognizer(path, threads=1)))
    draw(win.canvas, line(100, 100, 100, 250))
    rec = wait_result(qtbot, win)               # retried on the new worker
    assert rec.symbols and DiesOnce.died
    assert any("stopped unexpectedly" in text for _, text in dialogs.messages)


STUCK_FOREVER = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QCoreApplication, QTimer
    from app.recognition.worker import Job, RecognitionService

    class Forever:
        def recognize(self, strokes, heatmap=True):
            while True:
                time.sleep(0.05)

    app = QCoreApplication([])
    service = RecognitionService(factory=lambda path: Forever(), hang_seconds=0.3)
    service.ready.connect(lambda: service.request(Job("ink", [])))
    messages = []
    service.restarted.connect(messages.append)
    service.restarted.connect(lambda m: QTimer.singleShot(100, app.quit))
    QTimer.singleShot(20000, app.quit)
    app.exec()
    service.shutdown()
    print("abandoned", service.abandoned, messages[0] if messages else "-", flush=True)
""")


def test_process_exits_cleanly_with_a_thread_stuck_forever():
    # A QThread still running at exit aborts the process ("QThread: Destroyed while thread is
    # still running"); the worker's daemon thread must not.
    r = subprocess.run([sys.executable, "-c", STUCK_FOREVER], cwd=ROOT, capture_output=True, text=True,
                       timeout=120, env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr
    assert "abandoned 1 recognition did not finish within 0.3 s" in r.stdout
    assert "Destroyed while thread" not in r.stderr
