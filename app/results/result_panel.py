"""The result panel under the canvas: rendered formula, plain text, LaTeX.

Laid out to fit a 1366×768 laptop under the 1000×500 canvas: the buttons sit beside the
fields instead of on a row of their own, the preview takes the height the screen has
left, and nothing in the panel can widen the window (a long formula is scaled down to the
panel's width, a long text wraps).

The LaTeX field is editable: the preview and the Text field follow as the user types, and
LaTeX that mathtext cannot draw keeps the last preview that rendered and marks the field.
What happens to an edit when the ink changes is the main window's rule (docs/editing.md).
Previews render on a thread of their own (preview_thread): never on the UI thread.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QImage, QPixmap
from PySide6.QtWidgets import (QFrame, QGridLayout, QLabel, QLineEdit, QSizePolicy, QToolButton,
                               QVBoxLayout, QWidget)

from .preview_thread import PreviewRenderer

PREVIEW_MIN_HEIGHT = 56        # what a 1366x768 screen leaves under the canvas
PREVIEW_MAX_HEIGHT = 160
EDIT_PREVIEW_DELAY_MS = 150   # typing a command letter by letter renders once, not per key
BAD_LATEX_STYLE = "QLineEdit { border: 2px solid #c0392b; background: #fff3f2; }"


class FormulaView(QLabel):
    """The rendered formula, scaled down to fit the label (never up), so that a long result
    is shown small instead of widening the window."""

    def __init__(self):
        super().__init__()
        self._full: QPixmap | None = None
        self.corner: QLabel | None = None    # a note shown in the bottom-left corner
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(1, PREVIEW_MIN_HEIGHT)
        self.setMaximumHeight(PREVIEW_MAX_HEIGHT)
        self.setWordWrap(True)

    def show_formula(self, pm: QPixmap | None) -> None:
        self._full = pm
        self._fit()

    def full_pixmap(self) -> QPixmap | None:
        return self._full

    def show_text(self, text: str) -> None:
        self._full = None
        self.setPixmap(QPixmap())
        self.setText(text)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit()
        self.place_corner()

    def place_corner(self):
        if self.corner is not None:
            h = self.corner.sizeHint().height()
            self.corner.setGeometry(6, self.height() - h - 3, max(1, self.width() - 12), h)

    def _fit(self):
        pm = self._full
        if pm is None:
            if not self.text():
                self.setPixmap(QPixmap())
            return
        dpr = pm.devicePixelRatio()
        w, h = max(1, self.width() - 12), max(1, self.height() - 8)
        if pm.width() / dpr > w or pm.height() / dpr > h:
            pm = pm.scaled(int(w * dpr), int(h * dpr), Qt.AspectRatioMode.KeepAspectRatio,
                           Qt.TransformationMode.SmoothTransformation)
            pm.setDevicePixelRatio(dpr)
        self.setPixmap(pm)


def _button(action) -> QToolButton:
    b = QToolButton()
    b.setDefaultAction(action)
    b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return b


class ResultPanel(QWidget):
    latexEdited = Signal(str)      # the user changed the LaTeX by hand

    def __init__(self, latex_actions=(), text_widgets=(), parent=None, text_of_latex=None):
        """`latex_actions` get buttons beside the LaTeX field, `text_widgets` go beside the
        Text field; `text_of_latex(latex) -> str` gives the Text field of an edit (raises
        ValueError for LaTeX it cannot read)."""
        super().__init__(parent)
        self.latex = ""
        self.text = ""
        self.preview_error: str | None = None
        self.edited = False            # the LaTeX shown is the user's edit, not the recognition
        self._text_of_latex = text_of_latex
        self._edit_timer = QTimer(self)
        self._edit_timer.setSingleShot(True)
        self._edit_timer.setInterval(EDIT_PREVIEW_DELAY_MS)
        self._edit_timer.timeout.connect(self._render_edit)
        self.renderer = PreviewRenderer(self)
        self.renderer.rendered.connect(self._on_rendered)
        # The render awaited: (request number, "result" or "edit"); None when nothing is.
        self._awaited: tuple[int, str] | None = None

        self.preview = FormulaView()
        self.preview.setObjectName("preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setFrameShape(QFrame.Shape.StyledPanel)
        self.preview.setStyleSheet("#preview { background: white; }")
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.text_field = QLineEdit()
        self.text_field.setObjectName("text_field")
        self.text_field.setReadOnly(True)
        self.text_field.setPlaceholderText("Write an expression on the canvas")
        self.latex_field = QLineEdit()
        self.latex_field.setObjectName("latex_field")
        self.latex_field.setToolTip("Edit the LaTeX: the preview and the Text follow. New ink replaces "
                                    "the edit (the edited version goes to the history).")
        self.latex_field.setFont(mono)
        self.latex_field.textEdited.connect(self._on_edited)
        self.text_field.setFont(mono)
        # In the preview's corner: it takes no room of its own, and cannot widen the window.
        self.note = QLabel(self.preview)
        self.note.setObjectName("note")
        self.note.setStyleSheet("color: #8a5a00; background: transparent;")
        self.preview.corner = self.note

        self._grid = grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(4)
        grid.addWidget(QLabel("Text"), 0, 0)
        grid.addWidget(self.text_field, 0, 1)
        grid.addWidget(QLabel("LaTeX"), 1, 0)
        grid.addWidget(self.latex_field, 1, 1)
        grid.setColumnStretch(1, 1)
        self.add_buttons(latex_actions, text_widgets)
        grid.setColumnStretch(2, 0)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.preview, 1)
        layout.addLayout(grid)

    def add_buttons(self, latex_actions=(), text_widgets=()):
        """Buttons for `latex_actions` beside the LaTeX field, `text_widgets` beside the Text
        field, after those already there (the window adds them once the parts are made)."""
        for row, items in ((0, list(text_widgets)), (1, [_button(a) for a in latex_actions])):
            start = max((col + 1 for col in range(2, self._grid.columnCount())
                         if self._grid.itemAtPosition(row, col) is not None), default=2)
            for col, widget in enumerate(items, start):
                self._grid.addWidget(widget, row, col)

    def set_result(self, text: str, latex: str):
        """Show a recognition result; it replaces any edit."""
        self._edit_timer.stop()
        self.edited = False
        self.text, self.latex = text, latex
        self.text_field.setText(text)
        self.latex_field.setText(latex)
        self.latex_field.setStyleSheet("")
        self.text_field.setCursorPosition(0)
        self.latex_field.setCursorPosition(0)
        self._render_preview()

    def _on_edited(self, latex: str):
        self.edited = True
        self.latex = latex
        self._follow_edit_with_text(latex)
        self.latexEdited.emit(latex)
        self._edit_timer.start()

    def _follow_edit_with_text(self, latex: str):
        if self._text_of_latex is None:
            return
        try:
            self.text = self._text_of_latex(latex) if latex.strip() else ""
        except ValueError:
            return   # half-typed LaTeX: the Text keeps what the last readable edit said
        self.text_field.setText(self.text)
        self.text_field.setCursorPosition(0)

    def _request(self, kind: str) -> None:
        dpr = self.devicePixelRatioF() or 1.0
        seq = self.renderer.request(self.latex, 100 * dpr)
        self._awaited = (seq, kind)

    def _render_edit(self):
        """Preview an edit; LaTeX that does not render keeps the last good preview and marks the field."""
        if not self.latex.strip():
            self.latex_field.setStyleSheet("")
            self._render_preview()
            return
        self._request("edit")

    def _render_preview(self):
        self.preview_error = None
        self.note.clear()
        if not self.latex.strip():
            self._awaited = None
            self.preview.show_text("")
            return
        self._request("result")

    def _on_rendered(self, seq: int, png, error: str):
        if self._awaited is None or self._awaited[0] != seq:
            return   # an older request, or one made before the panel was cleared
        kind = self._awaited[1]
        self._awaited = None
        if png is None:
            self.preview_error = error
            if kind == "edit":
                self.latex_field.setStyleSheet(BAD_LATEX_STYLE)
                self._set_note("This LaTeX does not render; the preview shows the last that did", error)
            else:
                # A formula mathtext cannot draw is still a valid result: show it as text.
                self.preview.show_text(self.text or self.latex)
                self._set_note("Preview unavailable: mathtext cannot draw this LaTeX", error)
            return
        if kind == "edit":
            self.latex_field.setStyleSheet("")
            self.note.clear()
        self.preview_error = None
        self._show_png(png, self.devicePixelRatioF() or 1.0)

    def _set_note(self, text: str, detail: str):
        self.note.setText(text)
        self.preview.place_corner()
        self.note.setToolTip(f"{text}\n{detail}")

    def wait_rendered(self, timeout: float = 30.0) -> None:
        """Finish the pending preview now and show it (tests, and before reading the preview)."""
        self.renderer.wait(timeout)
        QCoreApplication.sendPostedEvents(self.renderer)
        QCoreApplication.sendPostedEvents(self)
        QCoreApplication.processEvents()

    def flush_edit(self):
        """Render a pending edit now (tests, and before copying or exporting)."""
        if self._edit_timer.isActive():
            self._edit_timer.stop()
            self._render_edit()
        self.wait_rendered()

    def _show_png(self, png: bytes, dpr: float):
        pm = QPixmap.fromImage(QImage.fromData(png, "PNG"))
        pm.setDevicePixelRatio(dpr)
        self.preview.show_formula(pm)

    def shutdown(self):
        # An edit's preview still due would be asked of a renderer that is gone.
        self._edit_timer.stop()
        self.renderer.shutdown()
