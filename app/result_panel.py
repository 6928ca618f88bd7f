"""The result panel under the canvas: rendered formula, plain text, LaTeX."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QImage, QPixmap
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QToolButton,
                               QVBoxLayout, QWidget)

from .preview import PreviewError, render_png_cached

PREVIEW_HEIGHT = 110


class ResultPanel(QWidget):
    def __init__(self, actions=(), parent=None):
        super().__init__(parent)
        self.latex = ""
        self.text = ""
        self.preview_error: str | None = None

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
        self.latex_field.setReadOnly(True)   # read-only still allows selecting and copying
        self.latex_field.setFont(mono)
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
        self.text, self.latex = text, latex
        self.text_field.setText(text)
        self.latex_field.setText(latex)
        self.text_field.setCursorPosition(0)
        self.latex_field.setCursorPosition(0)
        self._render_preview()

    def _render_preview(self):
        self.preview_error = None
        self.note.clear()
        if not self.latex.strip():
            self.preview.setPixmap(QPixmap())
            self.preview.setText("")
            return
        dpr = self.devicePixelRatioF() or 1.0
        try:
            png = render_png_cached(self.latex, 100 * dpr)
        except PreviewError as exc:
            # A formula mathtext cannot draw is still a valid result: show it as text.
            self.preview_error = str(exc)
            self.preview.setPixmap(QPixmap())
            self.preview.setText(self.text or self.latex)
            self.note.setText("Preview unavailable: mathtext cannot draw this LaTeX")
            self.note.setToolTip(str(exc))
            return
        img = QImage.fromData(png, "PNG")
        pm = QPixmap.fromImage(img)
        pm.setDevicePixelRatio(dpr)
        if pm.height() / dpr > PREVIEW_HEIGHT - 8:
            pm = pm.scaledToHeight(int((PREVIEW_HEIGHT - 8) * dpr), Qt.TransformationMode.SmoothTransformation)
            pm.setDevicePixelRatio(dpr)
        self.preview.setPixmap(pm)
