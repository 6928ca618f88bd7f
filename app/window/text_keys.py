"""Keys typed into a text field stay in it.

The canvas tools have single-key shortcuts (P, E, K, L, G, R) and Delete clears the page;
as window-wide shortcuts they would also fire while the focus is in a text field, where
a read-only field (Text) would let Delete wipe the page.  Qt asks a focused widget first
(ShortcutOverride): accepting it for every key without Ctrl or Alt hands the key to the
field, so Ctrl+Z, Ctrl+C and the other chords still work everywhere.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt

_CHORD = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier


class KeysStayInField(QObject):
    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and not (event.modifiers() & _CHORD) \
                and event.key() != Qt.Key.Key_Escape:
            event.accept()
        return False


def keep_keys_in(*widgets) -> KeysStayInField:
    """Install the filter on `widgets`; keep the returned object alive (parent it)."""
    keeper = KeysStayInField(widgets[0] if widgets else None)
    for w in widgets:
        w.installEventFilter(keeper)
    return keeper
