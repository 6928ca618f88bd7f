"""The canvas's undo commands: each ink edit as a QUndoCommand that calls back into the
canvas's mutations (canvas.py), so Ctrl+Z and the history's undo share one stack."""
from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QUndoCommand

from .strokes import Stroke


class EditableInk(Protocol):
    """The mutations the commands call: InkCanvas (canvas.py) has them. Named here, below the
    canvas, so that the canvas imports its commands and not the other way round."""
    strokes: list[Stroke]

    def _insert(self, items: list[tuple[int, Stroke]], painted: bool) -> None: ...
    def _remove(self, strokes: list[Stroke]) -> None: ...
    def _replace(self, mapping: dict[int, Stroke]) -> None: ...
    def _set_strokes(self, strokes: list[Stroke]) -> None: ...
    def _set_word(self, which: str, value: dict) -> None: ...
    def _set_background(self, image: QImage | None, rect: QRectF | None) -> None: ...


class AddStroke(QUndoCommand):
    def __init__(self, canvas: EditableInk, stroke: Stroke, drawn: bool):
        super().__init__("Stroke")
        self._canvas, self._stroke, self._drawn = canvas, stroke, drawn

    def redo(self):
        # The live stroke is already in the cache; painting it again would only cost time.
        self._canvas._insert([(len(self._canvas.strokes), self._stroke)], painted=self._drawn)
        self._drawn = False

    def undo(self):
        self._canvas._remove([self._stroke])


class RemoveStrokes(QUndoCommand):
    """Erase (some strokes) or clear (all strokes and the background image)."""

    def __init__(self, canvas: EditableInk, items: list[tuple[int, Stroke]], text: str,
                 applied: bool = False, background=None):
        super().__init__(text)
        self._canvas, self._items, self._applied = canvas, sorted(items, key=lambda t: t[0]), applied
        self._background = background   # (QImage, QRectF) removed by a clear, restored by undo

    def redo(self):
        if not self._applied:
            # Background first: the ink-changed signal must see the cleared page.
            if self._background is not None:
                self._canvas._set_background(None, None)
            self._canvas._remove([s for _, s in self._items])
        self._applied = False

    def undo(self):
        if self._background is not None:
            self._canvas._set_background(*self._background)
        self._canvas._insert(self._items, painted=False)


class MoveStrokes(QUndoCommand):
    """Replace strokes by moved copies (same uid, same place in writing order)."""

    def __init__(self, canvas: EditableInk, pairs: list[tuple[Stroke, Stroke]], text: str = "Move"):
        super().__init__(text)
        self._canvas, self._pairs = canvas, pairs

    def redo(self):
        self._canvas._replace({id(a): b for a, b in self._pairs})

    def undo(self):
        self._canvas._replace({id(b): a for a, b in self._pairs})


class ReplaceStrokes(QUndoCommand):
    """All the ink at once (a history item brought back); undo returns what was there."""

    def __init__(self, canvas: EditableInk, new: list[Stroke], text: str):
        super().__init__(text)
        self._canvas, self._old, self._new = canvas, list(canvas.strokes), new

    def redo(self):
        self._canvas._set_strokes(self._new)

    def undo(self):
        self._canvas._set_strokes(self._old)


class UsersWord(QUndoCommand):
    """The user's word on the ink, one of the canvas's dicts keyed by stroke uids:
    "constraints" (which strokes form one symbol, and what it is) or "placements" (where a
    symbol goes: a superscript of the x, after the 2)."""

    def __init__(self, canvas: EditableInk, which: str, after: dict, text: str):
        super().__init__(text)
        self._canvas, self._which = canvas, which
        self._before, self._after = dict(getattr(canvas, which)), after

    def redo(self):
        self._canvas._set_word(self._which, self._after)

    def undo(self):
        self._canvas._set_word(self._which, self._before)
