"""Insert (Ctrl+Enter): the LaTeX typed into the window that had the focus before MathInk.

On X11 the window before MathInk is known from the window manager (x11_focus.py), and
xdotool gives it the focus back and types the LaTeX there, as the user would.  Typing, not
pasting: every program takes typed keys, while the paste key differs (Ctrl+V, Ctrl+Shift+V
in a terminal, "+p in Vim) and pasting would clobber the user's clipboard.  Where that is not
possible (a Wayland session, no xdotool, no window before MathInk) Insert copies the LaTeX
instead and the status bar says why, in one line.
"""
from __future__ import annotations

import os
import shutil

from PySide6.QtCore import QProcess, QSocketNotifier, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from ..actions import make_action
from ..part import Part
from .x11_focus import ActiveWindows, X11Unavailable

TYPE_DELAY_MS = 4          # between typed keys: fast, and slow enough for a terminal to keep up
XDOTOOL_TIMEOUT_MS = 8000  # activation waits for the window manager; beyond this it is not coming


def why_insert_cannot(platform: str, environ=os.environ, which=shutil.which) -> str | None:
    """Why Insert cannot type into another window here (None: it can)."""
    if platform == "wayland" or (platform != "xcb" and environ.get("WAYLAND_DISPLAY")):
        return "Insert cannot type into other windows under Wayland"
    if platform != "xcb":
        return f"Insert types into other windows on X11 only (this display is {platform})"
    if which("xdotool") is None:
        return "Insert needs xdotool (apt install xdotool)"
    return None


class Insert(Part):
    formulaTaken = Signal()     # the formula was typed or copied (it may teach the profile)

    def __init__(self, host, panel):
        super().__init__(host)
        self.panel = panel
        self.act_insert = make_action(host, "Insert", self.insert, ["Ctrl+Return", "Ctrl+Enter"],
                                      tip="Type the LaTeX into the window you came from (Ctrl+Enter)")
        self.cannot = why_insert_cannot(QGuiApplication.platformName())
        self.windows: ActiveWindows | None = None
        self._process: QProcess | None = None
        self._target_name = ""
        if self.cannot is None:
            try:
                self.windows = ActiveWindows()
            except X11Unavailable as exc:
                self.cannot = f"Insert cannot follow the X focus ({exc})"
        if self.windows is not None:
            self._notifier = QSocketNotifier(self.windows.fd, QSocketNotifier.Type.Read, self)
            self._notifier.activated.connect(lambda: self.windows.pump())
        else:
            self.act_insert.setToolTip(f"{self.cannot}: Insert copies the LaTeX instead (Ctrl+Enter)")

    def target(self) -> int | None:
        """The window that had the focus before MathInk (None: none known)."""
        if self.windows is None:
            return None
        self.windows.pump()   # events Xlib queued during a round trip raise no notifier
        return self.windows.previous

    def insert(self):
        latex = self.panel.latex
        if not latex:
            self.say("Nothing to insert yet: write a formula", 4000)
            return
        if self._process is not None:
            return   # the last Insert is still typing
        target = self.target()
        if target is None:
            self._copy_instead(latex, self.cannot or "No window had the focus before MathInk")
            return
        self._target_name = self.windows.name_of(target)
        process = self._process = QProcess(self)
        process.setProgram("xdotool")
        # --clearmodifiers: the Ctrl of Ctrl+Enter may still be held when typing starts.
        process.setArguments(["windowactivate", "--sync", str(target),
                              "type", "--clearmodifiers", "--delay", str(TYPE_DELAY_MS), "--", latex])
        process.finished.connect(lambda code, _status: self._typed(latex, code))
        process.errorOccurred.connect(lambda _error: self._typed(latex, -1))
        QTimer.singleShot(XDOTOOL_TIMEOUT_MS + len(latex) * TYPE_DELAY_MS * 4,
                          lambda: self._process is process and process.kill())
        process.start()

    def _typed(self, latex: str, code: int):
        process, self._process = self._process, None
        if process is None:
            return   # errorOccurred and finished both report one failure
        process.deleteLater()
        if code == 0:
            name = f" “{self._target_name}”" if self._target_name else ""
            self.say(f"LaTeX inserted into{name}", 5000)
            self.formulaTaken.emit()
        else:
            self._copy_instead(latex, "xdotool could not type into that window")

    def _copy_instead(self, latex: str, why: str):
        QGuiApplication.clipboard().setText(latex)
        self.say(f"{why}: the LaTeX was copied instead, paste it with Ctrl+V", 10000)
        self.formulaTaken.emit()
