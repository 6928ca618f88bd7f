"""Starting the desktop app."""
from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSocketNotifier, Qt
from PySide6.QtWidgets import QApplication

from . import settings as app_settings

ROOT = Path(__file__).resolve().parent.parent
# SIGTERM: what a desktop session sends at logout; SIGHUP: the terminal went away; SIGINT: Ctrl+C.
CLOSING_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def close_on_signals(window) -> QSocketNotifier:
    """Turn SIGTERM/SIGHUP/SIGINT into an ordinary close of `window` (ink saved, lock removed).

    Python runs signal handlers only when the interpreter gets control, and Qt's event loop
    is C++: the wakeup fd makes the signal wake the loop, whose notifier slot gives Python
    the moment to run the handler. Keep the returned notifier alive.
    """
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, window)

    def drain():
        try:
            reader.recv(64)
        except OSError:
            pass

    notifier.activated.connect(drain)
    notifier._sockets = (reader, writer)   # the fds must live as long as the notifier

    def on_signal(signum, _frame):
        window.close()

    for sig in CLOSING_SIGNALS:
        signal.signal(sig, on_signal)
    return notifier


def keep_every_pointer_event() -> None:
    """No merging of mouse, pen or touch moves.

    Qt merges queued motion events whenever the UI thread falls behind; a merged event is a
    point of the stroke lost for good (a stroke kept as little more than its end points reads
    as another symbol).  The canvas wants every point the pointer sent.  Called before and
    after the QApplication is made: the xcb platform turns compression on while it starts,
    and reads the attribute again for every event."""
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_CompressHighFrequencyEvents, False)
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_CompressTabletEvents, False)


def make_application() -> QApplication:
    QCoreApplication.setOrganizationName(app_settings.ORG)
    QCoreApplication.setApplicationName(app_settings.APP)
    existing = QApplication.instance()
    if existing is not None:
        return existing
    keep_every_pointer_event()
    app = QApplication(sys.argv[:1])
    keep_every_pointer_event()
    return app


def run_gui(model_path=None, open_file=None) -> int:
    app = make_application()
    from PySide6.QtGui import QIcon
    from .window.main_window import MainWindow
    from .recognition.worker import preload_recognizer
    preload_recognizer()
    icon = ROOT / "resources" / "icons" / "mathink.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    window = MainWindow(model_path)
    notifier = close_on_signals(window)  # noqa: F841 - held for the lifetime of the loop
    window.show()
    if open_file:
        window.open_path(open_file)
    code = app.exec()
    window.close()   # a no-op after a normal close; saves the ink if the loop ended otherwise
    if window.stuck_threads:
        # A hung recognition is still running (its ink and the autosave are safe): end the
        # process here rather than let interpreter shutdown tear down a thread inside torch.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
