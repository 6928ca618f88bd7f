"""The result panel under the canvas: rendered formula, plain text, LaTeX.

The LaTeX field is editable: the preview follows as the user types, and LaTeX that
mathtext cannot draw keeps the last preview that rendered and marks the field.
What happens to an edit when the ink changes is the main window's rule (README).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QImage, QPixmap
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QToolButton,
                               QVBoxLayout, QWidget)

from .preview import PreviewError, render_png_cached

PREVIEW_HEIGHT = 110
EDIT_PREVIEW_DELAY_MS = 150   # typing a command letter by letter renders once, not per key
BAD_LATEX_STYLE = "QLineEdit { border: 2px solid #c0392b; background: #fff3f2; }"


class ResultPanel(QWidget):
    latexEdited = Signal(str)      # the user changed the LaTeX by hand

    def __init__(self, actions=(), parent=None, extra=()):
        super().__init__(parent)
        self.latex = ""
        self.text = ""
        self.preview_error: str | None = None
        self.edited = False            # the LaTeX shown is the user's edit, not the recognition
        self._edit_timer = QTimer(self)
        self._edit_timer.setSingleShot(True)
        self._edit_timer.setInterval(EDIT_PREVIEW_DELAY_MS)
        self._edit_timer.timeout.connect(self._render_edit)

        self.preview = QLabel()
        self.preview.setObjectName("preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(PREVIEW_HEIGHT)
        self.preview.setFrameShape(QFrame.Shape.StyledPanel)
        self.preview.setStyleSheet("#preview { background: white; }")
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.text_field = QLineEdit()
        self.text_field.setReadOnly(True)
        self.text_field.setPlaceholderText("Write an expression on the canvas")
        self.latex_field = QLineEdit()
        self.latex_field.setObjectName("latex_field")
        self.latex_field.setToolTip("Edit the LaTeX: the preview follows. New ink replaces the edit "
                                    "(the edited version goes to the history).")
        self.latex_field.setFont(mono)
        self.latex_field.textEdited.connect(self._on_edited)
        self.text_field.setFont(mono)

        grid = QGridLayout()
        grid.addWidget(QLabel("Text"), 0, 0)
        grid.addWidget(self.text_field, 0, 1)
        grid.addWidget(QLabel("LaTeX"), 1, 0)
        grid.addWidget(self.latex_field, 1, 1)

        buttons = QHBoxLayout()
        for action in actions:
            b = QToolButton()
            b.setDefaultAction(action)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            buttons.addWidget(b)
        for widget in extra:
            buttons.addWidget(widget)
        buttons.addStretch(1)
        self.note = QLabel()
        self.note.setStyleSheet("color: #8a5a00;")
        buttons.addWidget(self.note)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.preview)
        layout.addLayout(grid)
        layout.addLayout(buttons)

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
        self.latexEdited.emit(latex)
        self._edit_timer.start()

    def _png(self) -> tuple[bytes, float]:
        """The current LaTeX as PNG at the screen's pixel ratio; raises PreviewError."""
        dpr = self.devicePixelRatioF() or 1.0
        return render_png_cached(self.latex, 100 * dpr), dpr

    def _render_edit(self):
        """Preview an edit; LaTeX that does not render keeps the last good preview and marks the field."""
        if not self.latex.strip():
            self.latex_field.setStyleSheet("")
            self._render_preview()
            return
        try:
            png, dpr = self._png()
        except PreviewError as exc:
            self.preview_error = str(exc)
            self.latex_field.setStyleSheet(BAD_LATEX_STYLE)
            self.note.setText("This LaTeX does not render; the preview shows the last that did")
            self.note.setToolTip(str(exc))
            return
        self.latex_field.setStyleSheet("")
        self.preview_error = None
        self.note.clear()
        self._show_png(png, dpr)

    def flush_edit(self):
        """Render a pending edit now (tests, and before copying or exporting)."""
        if self._edit_timer.isActive():
            self._edit_timer.stop()
            self._render_edit()

    def _render_preview(self):
        self.preview_error = None
        self.note.clear()
        if not self.latex.strip():
            self.preview.setPixmap(QPixmap())
            self.preview.setText("")
            return
        try:
            png, dpr = self._png()
        except PreviewError as exc:
            # A formula mathtext cannot draw is still a valid result: show it as text.
            self.preview_error = str(exc)
            self.preview.setPixmap(QPixmap())
            self.preview.setText(self.text or self.latex)
            self.note.setText("Preview unavailable: mathtext cannot draw this LaTeX")
            self.note.setToolTip(str(exc))
            return
        self._show_png(png, dpr)

    def _show_png(self, png: bytes, dpr: float):
        img = QImage.fromData(png, "PNG")
        pm = QPixmap.fromImage(img)
        pm.setDevicePixelRatio(dpr)
        if pm.height() / dpr > PREVIEW_HEIGHT - 8:
            pm = pm.scaledToHeight(int((PREVIEW_HEIGHT - 8) * dpr), Qt.TransformationMode.SmoothTransformation)
            pm.setDevicePixelRatio(dpr)
        self.preview.setPixmap(pm)
