"""Every modal interaction in one replaceable object.

Tests (and scripted runs) pass their own `Dialogs` so that nothing ever blocks
on a message box, file chooser or popup menu.
"""
from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QLineEdit, QListWidget,
                               QListWidgetItem, QMenu, QMessageBox, QVBoxLayout, QWidget)

from .canvas.overlays import pretty_label

OPEN_FILTER = "Ink or image (*.inkml *.png *.jpg *.jpeg *.bmp);;InkML (*.inkml);;Images (*.png *.jpg *.jpeg *.bmp)"


PROFILE_FILTER = "MathInk handwriting (*.npz)"


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

    def open_profile_path(self, parent: QWidget | None, directory: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(parent, "Import my handwriting", directory, PROFILE_FILTER)
        return path or None

    def confirm_forget(self, parent: QWidget | None, samples: int) -> bool:
        answer = QMessageBox.question(
            parent, "Forget my handwriting?",
            f"MathInk has learnt {samples} of your symbols from your corrections and copies.\n"
            "Forget them all? Recognition goes back to how it reads anyone's writing.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def save_path(self, parent: QWidget | None, title: str, suggested: str, file_filter: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(parent, title, suggested, file_filter)
        return path or None

    def choose_alternative(self, parent: QWidget | None, symbol, global_pos: QPoint,
                           placements=()) -> "str | Placed | None":
        """The symbol's menu: its other readings, and where it may go (`placements`: the
        layout's options as PlacementOption, the current one first). A label, a Placed, or None."""
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
        menu.addSeparator()
        other = menu.addAction("Other symbol…")
        if placements:
            menu.addSeparator()
            head = menu.addAction("Place it …")
            head.setEnabled(False)
            for i, opt in enumerate(placements):
                act = menu.addAction(f"{opt.text}    {opt.share:.0%}")
                act.setData(i)  # an int (labels are str): Qt keeps it as it is
                act.setCheckable(True)
                act.setChecked(opt.current)
        chosen = menu.exec(global_pos)
        if chosen is other:
            from model.recognition.classes import SYMBOLS
            return self.choose_class(parent, symbol.alternatives, SYMBOLS, symbol.label)
        data = chosen.data() if chosen is not None else None
        if isinstance(data, int) and not isinstance(data, bool) and 0 <= data < len(placements):
            return Placed(placements[data].relation, placements[data].base)
        return data if isinstance(data, str) and data else None

    def choose_class(self, parent: QWidget | None, alternatives, classes, current) -> str | None:
        """'This symbol is …': the alternatives first, then every class; type to filter."""
        dialog = ClassChooser(parent, alternatives, classes, current)
        return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None


class PlacementOption(NamedTuple):
    """One place the layout weighed for a symbol, as its menu offers it."""
    text: str          # "superscript of x"
    relation: str      # "right" | "sup" | "sub"
    base: int | None   # the symbol it is placed against
    share: float       # the layout's share of its choices
    current: bool      # what the layout chose


class Placed(NamedTuple):
    """The user's choice of where a symbol goes."""
    relation: str
    base: int | None


class ClassChooser(QDialog):
    def __init__(self, parent, alternatives, classes, current):
        super().__init__(parent)
        self.setWindowTitle("This symbol is …")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Type to search (x, alpha, sum, <, …)")
        self.list = QListWidget()
        seen = set()
        for label, prob in alternatives or []:
            self._add(label, f"{pretty_label(label)}    {prob:.1%}")
            seen.add(label)
        for label in classes:
            if label not in seen:
                self._add(label, pretty_label(label) if pretty_label(label) == label
                          else f"{pretty_label(label)}    {label}")
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == current:
                self.list.setCurrentRow(i)
        self.search.textChanged.connect(self._filter)
        self.list.itemDoubleClicked.connect(lambda _: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(320, 420)

    def _add(self, label: str, text: str):
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, label)
        self.list.addItem(item)

    def _filter(self, text: str):
        needle = text.strip().lower().lstrip("\\")
        first = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            label = item.data(Qt.ItemDataRole.UserRole)
            hit = not needle or needle in label.lower() or needle in item.text().lower()
            item.setHidden(not hit)
            if hit and first is None:
                first = i
        if first is not None:
            self.list.setCurrentRow(first)

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None and not item.isHidden() else None
