"""The picker's window: the canvas and the preview of the main window, and two ways out.

Enter (or Done) accepts the formula shown, Esc (or closing the window) gives up. Enter
pressed while the last stroke is still being read waits for that reading: what is accepted
is always the reading of all the ink on the canvas, or the user's edit of its LaTeX.
The canvas, the recognition service and the result panel are the main window's own parts;
only their wiring is the picker's.
"""
from __future__ import annotations

import sys

from PySide6.QtCore import QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QCursor, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from model.recognition.notation.latex import tables_json
from model.recognition.notation.mathml import latex_to_mathml, latex_to_text, to_mathml

from .. import settings as app_settings
from ..canvas.canvas import InkCanvas
from ..results.result_panel import ResultPanel
from ..results.results import LIVE_INTERVAL_MS
from ..recognition.trace import from_environment as trace_from_environment
from ..recognition.worker import Job, RecognitionService
from .output import Answer

TITLE = "MathInk — write a formula"
HINT = "Enter: done · Esc: cancel · Ctrl+Z: undo"
TITLE_BAR_GUESS = 32      # the window manager's frame is unknown until the window is shown


def answer_of_recognition(rec) -> Answer:
    return Answer(rec.latex, rec.text, to_mathml(rec.tree),
                  details={"symbols": [s.to_json() for s in rec.symbols], "tables": tables_json(rec.tree)})


def answer_of_edit(latex: str) -> Answer:
    """The user's own LaTeX: its text and MathML when MathInk can read it back, else the LaTeX
    itself as text and no MathML."""
    try:
        text = latex_to_text(latex)
    except ValueError:
        text = latex
    try:
        mathml = latex_to_mathml(latex)
    except ValueError:
        mathml = ""
    return Answer(latex, text, mathml, edited=True)


def place_at(window: QWidget, pointer: QPoint) -> None:
    """Centre the window on the pointer, kept inside the free area of the pointer's screen."""
    screen = QGuiApplication.screenAt(pointer) or QGuiApplication.primaryScreen()
    if screen is None:
        return
    area: QRect = screen.availableGeometry()
    hint = window.sizeHint()
    w, h = hint.width(), hint.height() + TITLE_BAR_GUESS
    x = min(max(pointer.x() - w // 2, area.left()), max(area.left(), area.right() + 1 - w))
    y = min(max(pointer.y() - h // 2, area.top()), max(area.top(), area.bottom() + 1 - h))
    window.move(x, y)


class PickerWindow(QWidget):
    finished = Signal(int)     # 0: accepted (`answer` holds the formula), 1: cancelled

    def __init__(self, model_path=None, recognizer_factory=None, profile_path=None, fmt: str = "latex"):
        super().__init__()
        self.format = fmt              # what the caller asked for: an edit must be writable in it
        self.setWindowTitle(TITLE)
        self.answer: Answer | None = None
        self.recognition = None
        self._result_version = -1      # the ink version `recognition` reads (-1: none)
        self._done_asked = False       # Enter came before the reading of the last stroke
        self._ended = False
        self.canvas = InkCanvas()
        self.canvas.scratch_enabled = app_settings.read_bool(app_settings.settings(),
                                                             "gestures/scratch_out", True)
        self.service = RecognitionService(model_path, recognizer_factory, parent=self,
                                          profile_path=profile_path)
        self.panel = ResultPanel(text_of_latex=latex_to_text)
        self.status = QLabel("Loading the model… you can write already")
        self.status.setObjectName("picker_status")
        self.done_button = QPushButton("Done")
        self.done_button.setDefault(True)
        self.done_button.setToolTip("Print the formula for the program that asked, and close (Enter)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Close without a formula (Esc)")
        self.undo_button = QPushButton("Undo")
        self.clear_button = QPushButton("Clear")
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_INTERVAL_MS)
        self._live_timer.timeout.connect(lambda: self._request(live=True))
        self._build()
        self._connect()
        self.trace = trace_from_environment(self)
        if self.trace is not None:
            self.canvas.strokeFinished.connect(
                lambda pts: self.trace.write("pen_up", points=len(pts), version=self.canvas.version,
                                             xy=pts[:, :2].round(1).tolist()))

    def _build(self):
        buttons = QHBoxLayout()
        for b in (self.undo_button, self.clear_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # Enter must stay Done, wherever the focus is
            buttons.addWidget(b)
        buttons.addWidget(self.status, 1)
        hint = QLabel(HINT)
        hint.setStyleSheet("color: #666;")
        buttons.addWidget(hint)
        for b in (self.cancel_button, self.done_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(6)
        layout.addWidget(self.canvas, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.panel, 1)
        layout.addLayout(buttons)

    def _connect(self):
        canvas, service = self.canvas, self.service
        canvas.inkChanged.connect(self._on_ink_changed)
        canvas.liveInk.connect(lambda: self._live_timer.isActive() or self._live_timer.start())
        service.result.connect(self._on_result)
        service.error.connect(self._on_error)
        service.unavailable.connect(self._on_unavailable)
        service.ready.connect(lambda: self._say("" if canvas.strokes else "Write a formula"))
        self.done_button.clicked.connect(self.done)
        self.cancel_button.clicked.connect(self.cancel)
        self.undo_button.clicked.connect(canvas.undo_stack.undo)
        self.clear_button.clicked.connect(canvas.clear)
        for keys, slot in (((Qt.Key.Key_Return,), self.done), ((Qt.Key.Key_Enter,), self.done),
                           ((Qt.Key.Key_Escape,), self.cancel),
                           ((QKeySequence.StandardKey.Undo,), canvas.undo_stack.undo),
                           ((QKeySequence.StandardKey.Redo,), canvas.undo_stack.redo)):
            for key in keys:
                QShortcut(QKeySequence(key), self, activated=slot)
        # The LaTeX field takes Enter itself (it is a line edit): there it accepts the edit.
        self.panel.latex_field.returnPressed.connect(self.done)

    def start_from(self, strokes) -> None:
        """Ink to begin with (--initial), fitted to the canvas; read at once."""
        self.canvas.set_document(strokes)

    # ---- showing ----------------------------------------------------------------------
    def show_at_pointer(self):
        """Open where the pointer is, in front, with the keyboard focus on the canvas."""
        place_at(self, QCursor.pos())
        self.show()
        self.raise_()
        self.activateWindow()
        self.canvas.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def showEvent(self, event):
        super().showEvent(event)
        if self.trace is not None:
            QTimer.singleShot(0, self._trace_window)

    def moveEvent(self, event):
        super().moveEvent(event)
        if self.trace is not None and self.isVisible():
            self._trace_window()

    def _trace_window(self):
        top_left = self.canvas.mapToGlobal(QPoint(0, 0))
        self.trace.write("window", canvas=[top_left.x(), top_left.y(), self.canvas.width(),
                                           self.canvas.height()])

    def _say(self, text: str):
        self.status.setText(text)

    # ---- recognition ------------------------------------------------------------------
    def _on_ink_changed(self):
        self._live_timer.stop()
        if self.service.state == "ready":
            self._say("")      # "write a formula first" and the like are answered by the ink
        self._request()

    def _request(self, live: bool = False):
        canvas = self.canvas
        if live and not canvas.drawing:
            return
        strokes = canvas.live_point_arrays() if live else canvas.point_arrays()
        if strokes:
            self.service.request(Job("ink", strokes, canvas.version, live))
        else:
            self.service.cancel()
            self.recognition, self._result_version = None, -1
            self.panel.set_result("", "")

    def _on_result(self, job: Job, recognition):
        if self.trace is not None and not job.live:
            self.trace.write("result", version=job.version, latex=recognition.latex)
        self.recognition = recognition
        self._result_version = -1 if job.live else job.version
        if not (self.panel.edited and job.version == self.canvas.version):
            self.panel.set_result(recognition.text, recognition.latex)
        if self._done_asked and self._is_current():
            self.done()

    def _on_error(self, message: str):
        self._done_asked = False
        self._say("This ink could not be read; change it, or Esc to cancel")
        print(f"mathink pick: recognition failed: {message}", file=sys.stderr, flush=True)

    def _on_unavailable(self, message: str):
        self._done_asked = False
        self._say("Recognition is unavailable (see the terminal); you can type the LaTeX below")
        print(f"mathink pick: the recognizer could not be loaded: {message}", file=sys.stderr, flush=True)

    def _is_current(self) -> bool:
        return self.recognition is not None and self._result_version == self.canvas.version

    # ---- the two ways out -------------------------------------------------------------
    def done(self):
        if self._ended:
            return
        if self.panel.edited and self.panel.latex.strip():
            answer = answer_of_edit(self.panel.latex.strip())
            if self.format == "mathml" and not answer.mathml:
                self._say("MathInk cannot write this LaTeX as MathML; change it, or Esc to cancel")
                return
            self._end(0, answer)
        elif not self.canvas.strokes:
            self._say("Write a formula first, or Esc to cancel")
        elif self._is_current():
            if not self.recognition.latex:
                self._say("Nothing was recognized in this ink; write again, or Esc to cancel")
                return
            self._end(0, answer_of_recognition(self.recognition))
        elif self.service.state == "unavailable":
            self._say("Recognition is unavailable: type the LaTeX below, or Esc to cancel")
        else:
            self._done_asked = True    # _on_result comes back here with the reading of all the ink
            self._say("Reading the last stroke…")

    def cancel(self):
        if not self._ended:
            self._end(1, None)

    def _end(self, code: int, answer: Answer | None):
        self._ended = True
        self.answer = answer
        self.hide()
        self.finished.emit(code)

    def closeEvent(self, event):
        self.cancel()   # closing the window is Esc: no formula
        super().closeEvent(event)

    def shutdown(self):
        """Stop the preview and recognition threads (in-process use; the command just exits)."""
        self.panel.shutdown()
        self.service.shutdown()
