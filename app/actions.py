"""The window's actions as each part makes them: the same look and the same reach for all."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QWidget

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"


def make_action(window: QWidget, text, slot=None, shortcut=None, icon=None, checkable=False,
                tip=None) -> QAction:
    act = QAction(text, window)
    if isinstance(icon, str):
        act.setIcon(QIcon(str(ICONS / icon)))
    elif icon is not None:
        act.setIcon(window.style().standardIcon(icon))
    if shortcut is not None:
        act.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
    act.setCheckable(checkable)
    if tip:
        act.setToolTip(tip)
        act.setStatusTip(tip)
    if slot is not None:
        act.triggered.connect(slot)
    window.addAction(act)   # shortcuts work even for actions that are not in a toolbar
    return act


def keep_short(action: QAction, word: str) -> None:
    text = action.text()
    if text != word:
        action.setToolTip(text)
        action.setText(word)
