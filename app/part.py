"""What every part of the window shares: it speaks to the user only by signals (a line for
the status bar, a problem the window reports), and it keeps the folder the user last used,
which WindowSettings hands to all parts and keeps between runs."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget


class Part(QObject):
    message = Signal(str, int)          # a line for the status bar, shown for so many ms
    problem = Signal(str, str, bool)    # title, text, once: for the window's report
    folderUsed = Signal(str)            # a file was opened or saved in this folder

    def __init__(self, host: QWidget):
        # The window, as the widget its actions and dialogs belong to; never read for its parts.
        super().__init__(host)
        self.host = host
        self.last_dir = str(Path.home())

    def set_last_dir(self, folder: str) -> None:
        self.last_dir = folder

    def say(self, text: str, ms: int) -> None:
        self.message.emit(text, ms)

    def report(self, title: str, text: str, once: bool = False) -> None:
        self.problem.emit(title, text, once)


def is_current(job, version: int) -> bool:
    """The result of `job` is the recognizer's final answer for ink of this version."""
    return job is not None and not job.live and job.version == version
