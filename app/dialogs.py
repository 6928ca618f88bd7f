"""Every modal interaction in one replaceable object.

Tests (and scripted runs) pass their own `Dialogs` so that nothing ever blocks
on a message box, file chooser or popup menu.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from .overlays import pretty_label

OPEN_FILTER = "Ink or image (*.inkml *.png *.jpg *.jpeg *.bmp);;InkML (*.inkml);;Images (*.png *.jpg *.jpeg *.bmp)"


class Dialogs:
    def message(self, parent: QWidget | None, title: str, text: str) -> None:
        # Non-modal: an error from the worker must not stop the user from writing.
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()

    def ask_restore(self, parent: QWidget | None, path: str) -> bool:
        answer = QMessageBox.question(
            parent, "Restore ink?",
            "MathInk did not exit cleanly last time.\nRestore the ink from that session?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes

    def open_path(self, parent: QWidget | None, directory: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(parent, "Open ink or image", directory, OPEN_FILTER)
        return path or None

    def save_path(self, parent: QWidget | None, title: str, suggested: str, file_filter: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(parent, title, suggested, file_filter)
        return path or None

    def choose_alternative(self, parent: QWidget | None, symbol, global_pos: QPoint) -> str | None:
        menu = QMenu(parent)
        menu.setToolTipsVisible(True)
        title = menu.addAction(f"Read as … (now {pretty_label(symbol.label)})")
        title.setEnabled(False)
        menu.addSeparator()
        for label, prob in symbol.alternatives or [(symbol.label, symbol.score)]:
            act = menu.addAction(f"{pretty_label(label)}    {prob:.1%}")
            act.setData(label)
            act.setCheckable(True)
            act.setChecked(label == symbol.label)
        chosen = menu.exec(global_pos)
        return chosen.data() if chosen is not None and chosen.data() else None
