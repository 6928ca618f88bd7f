"""The drawing canvas: ink input (mouse and stylus), the stroke eraser, undo, and
the overlays.

Finished strokes are painted once into a cache pixmap; a new stroke's segments
are painted into it as they arrive.  The cache is rebuilt only when strokes are
removed or reinserted (undo, erase), so the cost of a paint does not grow with
the number of strokes.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (QColor, QFont, QImage, QPainter, QPen, QPixmap, QPointingDevice, QPolygonF,
                           QUndoCommand, QUndoStack, QWindow)
from PySide6.QtWidgets import QMenu, QSizePolicy, QToolTip, QWidget

from .canvas_size import CANVAS_HEIGHT, CANVAS_WIDTH
from .gestures import crossed, is_scratch, lasso_hits
from .overlays import BoxView, PlacementView, hit_box, render_boxes, render_heatmap
from .strokes import INK_COLOR, Stroke, ink_pen, paint_stroke, pen_width

PAPER = QColor(255, 255, 255)
FRAME_COLOR = QColor(190, 190, 198)
HINT_COLOR = QColor(185, 185, 195)
HINT_FONT = QFont("DejaVu Sans", 16)
ERASER_RADIUS = 8.0
TAP_PX = 4.0     # a press that moves less than this on a label tag may be held to open its menu
# A dot is a tap of well under this (gui_latency.py sends taps; people's last about 0.1 s), so a
# press held this long on a tag without moving asks for the menu, and nothing else does.
HOLD_MS = 500
TAG_TIP = "Hold here, or right-click the box, for other readings"
SELECTION_COLOR = QColor(30, 110, 230)
SELECTION_PAD = 6.0
BACKGROUND_OPACITY = 0.55   # an opened image stays visible but clearly behind ink and boxes


class AddStroke(QUndoCommand):
    def __init__(self, canvas: "InkCanvas", stroke: Stroke, drawn: bool):
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

    def __init__(self, canvas: "InkCanvas", items: list[tuple[int, Stroke]], text: str,
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

    def __init__(self, canvas: "InkCanvas", pairs: list[tuple[Stroke, Stroke]], text: str = "Move"):
        super().__init__(text)
        self._canvas, self._pairs = canvas, pairs

    def redo(self):
        self._canvas._replace({id(a): b for a, b in self._pairs})

    def undo(self):
        self._canvas._replace({id(b): a for a, b in self._pairs})


class ReplaceStrokes(QUndoCommand):
    """All the ink at once (a history item brought back); undo returns what was there."""

    def __init__(self, canvas: "InkCanvas", new: list[Stroke], text: str):
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

    def __init__(self, canvas: "InkCanvas", which: str, after: dict, text: str):
        super().__init__(text)
        self._canvas, self._which = canvas, which
        self._before, self._after = dict(getattr(canvas, which)), after

    def redo(self):
        self._canvas._set_word(self._which, self._after)

    def undo(self):
        self._canvas._set_word(self._which, self._before)


class InkCanvas(QWidget):
    inkChanged = Signal()                   # finished ink changed (stroke, erase, undo, load)
    liveInk = Signal()                      # the stroke being drawn grew
    symbolActivated = Signal(int, QPoint)   # box index, global position for a popup
    backgroundChanged = Signal()
    selectionChanged = Signal()
    penDown = Signal()
    strokeFinished = Signal(object)         # a stroke was added: its points (N, 2|3)

    TOOLS = ("pen", "eraser", "correct", "lasso")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFixedSize(CANVAS_WIDTH, CANVAS_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAttribute(Qt.WidgetAttribute.WA_TabletTracking, False)
        # Hover over a box's label tag shows that a click there corrects the symbol.
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.undo_stack = QUndoStack(self)
        self.strokes: list[Stroke] = []
        self.version = 0
        self.tool = "pen"
        self._cache: QPixmap | None = None
        self._cache_valid = False
        self._live: list[tuple[float, ...]] | None = None
        self._live_pressure = False
        self._erasing: list[Stroke] | None = None
        self._erase_origin: dict[int, int] = {}
        self._eraser_pos: QPointF | None = None
        self._bboxes: np.ndarray | None = None
        self._background: QImage | None = None
        self._bg_rect: QRectF | None = None
        # overlays
        self.show_heatmap = True
        self.show_boxes = True
        self._boxes: list[BoxView] = []
        self._placements: list[PlacementView] = []
        self._hover: int | None = None        # the box whose tag is under the pointer
        self._tag_tap: tuple[int, QPoint] | None = None   # a press on a tag, until it moves
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.setInterval(HOLD_MS)
        self._hold.timeout.connect(self._held)
        self._through_menu = _InkThroughMenu(self)
        self.tool_cursor = Qt.CursorShape.CrossCursor
        self._heat_img: QImage | None = None
        self._heat_rect: QRectF | None = None
        self._selected: int | None = None
        self._overlay: QPixmap | None = None
        self._heat_layer: QPixmap | None = None
        self._tags: list[QRectF] = []
        self._placement_tags: list[QRectF] = []
        # The user's constraints: {frozenset of stroke uids: forced class, or None for
        # "one symbol, any class"}. Keyed by uid so they follow moved strokes.
        self.constraints: dict[frozenset, str | None] = {}
        # Where the user placed symbols: {uids of a symbol: (relation, uids of its base or None)}.
        self.placements: dict[frozenset, tuple[str, frozenset | None]] = {}
        self.selection: set[int] = set()         # uids of the selected strokes
        self.scratch_enabled = True
        self._lasso: list[tuple[float, float]] | None = None
        self._drag_from: QPointF | None = None
        self._drag_offset = QPointF(0, 0)

    def sizeHint(self) -> QSize:
        return QSize(CANVAS_WIDTH, CANVAS_HEIGHT)

    # ---- document ------------------------------------------------------------
    def add_stroke(self, points) -> Stroke:
        """Add a finished stroke (undoable); used for programmatic ink too."""
        stroke = Stroke(np.asarray(points, dtype=np.float64))
        self.undo_stack.push(AddStroke(self, stroke, drawn=False))
        return stroke

    def set_document(self, strokes, background: QImage | None = None, bg_rect: QRectF | None = None):
        """Replace everything (open file, restore); not undoable, so the stack starts afresh."""
        self._end_live()
        self.undo_stack.clear()
        self.strokes = [Stroke(np.asarray(s, dtype=np.float64)) for s in strokes if len(s)]
        self.constraints, self.placements, self.selection = {}, {}, set()
        self._background, self._bg_rect = background, bg_rect
        self._changed(rebuild=True)
        self.backgroundChanged.emit()

    def replace_all(self, strokes, text: str = "Replace ink"):
        """Put other ink in place of all of it (undoable)."""
        self._end_live()
        new = [Stroke(np.asarray(s, dtype=np.float64)) for s in strokes if len(s)]
        self.undo_stack.push(ReplaceStrokes(self, new, text))

    def clear(self):
        if not self.strokes and self._background is None:
            return
        bg = (self._background, self._bg_rect) if self._background is not None else None
        self.undo_stack.push(RemoveStrokes(self, list(enumerate(self.strokes)), "Clear", background=bg))

    @property
    def background(self) -> QImage | None:
        return self._background

    def point_arrays(self) -> list[np.ndarray]:
        return [s.points for s in self.strokes]

    def live_point_arrays(self) -> list[np.ndarray]:
        """Finished strokes plus the one being drawn (for live recognition)."""
        out = self.point_arrays()
        if self._live and len(self._live) > 1:
            out.append(np.array(self._live, dtype=np.float64))
        return out

    @property
    def drawing(self) -> bool:
        return self._live is not None

    # ---- selection and the user's constraints --------------------------------------
    def selected_indices(self) -> list[int]:
        return [i for i, s in enumerate(self.strokes) if s.uid in self.selection]

    def set_selection(self, indices) -> None:
        self.selection = {self.strokes[i].uid for i in indices if 0 <= i < len(self.strokes)}
        self.update()
        self.selectionChanged.emit()

    def selection_rect(self) -> QRectF | None:
        chosen = [self.strokes[i] for i in self.selected_indices()]
        if not chosen:
            return None
        r = chosen[0].rect()
        for s in chosen[1:]:
            r = r.united(s.rect())
        return r.adjusted(-SELECTION_PAD, -SELECTION_PAD, SELECTION_PAD, SELECTION_PAD)

    def delete_selection(self) -> bool:
        items = [(i, self.strokes[i]) for i in self.selected_indices()]
        if not items:
            return False
        self.undo_stack.push(RemoveStrokes(self, items, "Delete selection"))
        return True

    def move_selection(self, dx: float, dy: float) -> bool:
        pairs = [(self.strokes[i], self.strokes[i].moved(dx, dy)) for i in self.selected_indices()]
        if not pairs or (dx == 0 and dy == 0):
            return False
        self.undo_stack.push(MoveStrokes(self, pairs))
        return True

    def constrain(self, indices, label: str | None) -> bool:
        """Strokes `indices` are one symbol (of class `label`, or any class for None); undoable.
        Earlier constraints that share a stroke give way."""
        key = frozenset(self.strokes[i].uid for i in indices if 0 <= i < len(self.strokes))
        if not key:
            return False
        after = {k: v for k, v in self.constraints.items() if not (k & key)}
        after[key] = label
        text = "One symbol" if label is None else f"Read as {label}"
        self.undo_stack.push(UsersWord(self, "constraints", after, text))
        return True

    def place(self, indices, relation: str, base_indices) -> bool:
        """The symbol of strokes `indices` goes `relation` ("right", "sup", "sub") of the
        symbol of strokes `base_indices` (None: wherever that relation is likeliest); undoable.
        A placement of the same symbol gives way."""
        n = len(self.strokes)
        key = frozenset(self.strokes[i].uid for i in indices if 0 <= i < n)
        base = (frozenset(self.strokes[i].uid for i in base_indices if 0 <= i < n)
                if base_indices is not None else None)
        if not key or relation not in ("right", "sup", "sub") or (base is not None and not base):
            return False
        after = {k: v for k, v in self.placements.items() if k != key}
        after[key] = (relation, base)
        text = {"right": "Place on the line", "sup": "Make a superscript",
                "sub": "Make a subscript"}[relation]
        self.undo_stack.push(UsersWord(self, "placements", after, text))
        return True

    def placement_indices(self) -> dict[tuple[int, ...], tuple[str, tuple[int, ...] | None]]:
        """The placements whose strokes are all on the canvas, by stroke indices, as the
        recognizer takes them."""
        out = {}
        if not self.placements:
            return out
        at = {s.uid: i for i, s in enumerate(self.strokes)}
        for key, (relation, base) in self.placements.items():
            if all(u in at for u in key) and (base is None or all(u in at for u in base)):
                out[tuple(sorted(at[u] for u in key))] = (
                    relation, tuple(sorted(at[u] for u in base)) if base is not None else None)
        return out

    def constraint_indices(self) -> tuple[list[list[int]], dict[tuple[int, ...], str]]:
        """The constraints whose strokes are all on the canvas, as the recognizer takes them:
        forced groups, and forced labels by stroke indices."""
        groups, labels = [], {}
        if not self.constraints:   # the usual case: no pass over thousands of strokes
            return groups, labels
        at = {s.uid: i for i, s in enumerate(self.strokes)}
        for key, label in self.constraints.items():
            if all(u in at for u in key):
                idx = sorted(at[u] for u in key)
                if label is None:
                    groups.append(idx)
                else:
                    labels[tuple(idx)] = label
        return groups, labels

    # ---- mutations called by undo commands ---------------------------------------
    def _insert(self, items: list[tuple[int, Stroke]], painted: bool):
        appended = all(i >= len(self.strokes) for i, _ in items)
        for i, s in sorted(items, key=lambda t: t[0]):
            self.strokes.insert(i, s)
        if appended and self._cache_valid and not painted:
            p = self._cache_painter()
            for _, s in items:
                paint_stroke(p, s)
            p.end()
        elif not appended:
            self._repaint_region([s for _, s in items])
        self._changed()

    def _remove(self, strokes: list[Stroke]):
        gone = {id(s) for s in strokes}
        self.strokes = [s for s in self.strokes if id(s) not in gone]
        self._repaint_region(strokes)
        self._changed()

    def _replace(self, mapping: dict[int, Stroke]):
        self.strokes = [mapping.get(id(s), s) for s in self.strokes]
        self._changed(rebuild=True)

    def _set_strokes(self, strokes: list[Stroke]):
        self.strokes = list(strokes)
        self._changed(rebuild=True)

    def _set_word(self, which: str, value: dict):
        setattr(self, which, dict(value))
        self._changed()

    def _repaint_region(self, touched: list[Stroke]):
        """Redraw only where `touched` strokes lie: an undo on a page of 2,000
        strokes then costs what its neighbourhood costs, not the whole page."""
        if not self._cache_valid:
            return
        if len(touched) > 200 or not self.strokes or self._live is not None:
            self._cache_valid = False
            return
        pad = 2 * pen_width(1.0) + 2
        rects = [t.rect(pad) for t in touched]
        self._bboxes = None
        boxes = self._stroke_boxes()
        p = self._cache_painter()
        for r in rects:
            p.save()
            p.setClipRect(r)
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
            p.fillRect(r, Qt.GlobalColor.transparent)
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            hit = np.nonzero((boxes[:, 0] - pad <= r.right()) & (boxes[:, 2] + pad >= r.left()) &
                             (boxes[:, 1] - pad <= r.bottom()) & (boxes[:, 3] + pad >= r.top()))[0]
            for i in hit:
                paint_stroke(p, self.strokes[i])
            p.restore()
        p.end()

    def _stroke_boxes(self) -> np.ndarray:
        if self._bboxes is None:
            self._bboxes = np.array([s.bbox for s in self.strokes], dtype=np.float64).reshape(-1, 4)
        return self._bboxes

    def _set_background(self, image: QImage | None, rect: QRectF | None):
        self._background, self._bg_rect = image, rect
        self.backgroundChanged.emit()

    def _changed(self, rebuild: bool = False):
        self.version += 1
        self._bboxes = None
        if self.selection:
            present = {s.uid for s in self.strokes}
            if not self.selection <= present:
                self.selection &= present
                self.selectionChanged.emit()
        if rebuild:
            self._cache_valid = False
        self.update()
        self.inkChanged.emit()

    # ---- cache -----------------------------------------------------------------
    def _cache_painter(self) -> QPainter:
        p = QPainter(self._cache)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        return p

    def _ensure_cache(self):
        dpr = self.devicePixelRatioF()
        if self._cache is None or self._cache.devicePixelRatio() != dpr:
            # Physical-pixel backing store: ink stays sharp on HiDPI screens.
            self._cache = QPixmap(int(CANVAS_WIDTH * dpr), int(CANVAS_HEIGHT * dpr))
            self._cache.setDevicePixelRatio(dpr)
            self._cache_valid = False
            self._overlay = None
        if not self._cache_valid:
            self._cache.fill(Qt.GlobalColor.transparent)
            p = self._cache_painter()
            for s in self.strokes:
                paint_stroke(p, s)
            if self._live and len(self._live) > 1:
                paint_stroke(p, Stroke(np.array(self._live)))
            p.end()
            self._cache_valid = True

    # ---- overlays ---------------------------------------------------------------
    def set_overlays(self, boxes: list[BoxView], heat_img: QImage | None,
                     heat_rect: QRectF | None, placements: list[PlacementView] = ()):
        self._boxes, self._heat_img, self._heat_rect = boxes, heat_img, heat_rect
        self._placements = list(placements)
        self._selected = None
        self._hover = None
        self._overlay = None
        self.update()

    def set_overlay_visibility(self, heatmap: bool, boxes: bool):
        self.show_heatmap, self.show_boxes = heatmap, boxes
        self._overlay = None
        self.update()

    def select_box(self, index: int | None):
        self._selected = index
        self._overlay = None
        self.update()

    @property
    def boxes(self) -> list[BoxView]:
        return self._boxes

    def _ensure_overlay(self):
        if self._overlay is None:
            dpr = self.devicePixelRatioF()
            self._heat_layer = render_heatmap(self.size(), dpr, self._heat_img if self.show_heatmap else None,
                                              self._heat_rect)
            self._overlay, self._tags, self._placement_tags = render_boxes(self.size(), dpr,
                                                     self._boxes if self.show_boxes else [], self._selected,
                                                     self._hover,
                                                     self._placements if self.show_boxes else [])

    def tag_at(self, pos: QPointF) -> int | None:
        """The box whose label tag is under `pos` (a click there corrects, with any tool)."""
        if not self.show_boxes or not self._boxes:
            return None
        self._ensure_overlay()
        hit = next((i for i, tag in enumerate(self._tags) if tag.contains(pos)), None)
        if hit is None:  # the words of an unsure placement open its symbol's menu too
            hit = next((pl.index for pl, tag in zip(self._placements, self._placement_tags)
                        if tag.contains(pos)), None)
        return hit

    @property
    def pressed_on_tag(self) -> bool:
        """The stroke being drawn began on a label tag (and has not left it)."""
        return self._tag_tap is not None

    def tag_rects(self) -> list[list[float]]:
        """Each box's label tag as [x, y, w, h] on the canvas (for the window's trace)."""
        if not self.show_boxes or not self._boxes:
            return []
        self._ensure_overlay()
        return [[round(r.x(), 1), round(r.y(), 1), round(r.width(), 1), round(r.height(), 1)]
                for r in self._tags]

    def _update_hover(self, pos: QPointF | None, global_pos: QPoint | None = None):
        index = None if pos is None or self.tool not in ("pen", "correct") else self.tag_at(pos)
        if index == self._hover:
            return
        self._hover = index
        self._overlay = None
        self.update()
        if index is None:
            self.setCursor(self.tool_cursor)
            QToolTip.hideText()
        else:
            # With the Pen a click on the tag is a dot: the pen's cursor stays.
            self.setCursor(self.tool_cursor if self.tool == "pen" else Qt.CursorShape.PointingHandCursor)
            if global_pos is not None:
                QToolTip.showText(global_pos, TAG_TIP if self.tool == "pen" else
                                  "Click for other readings", self)

    def box_at(self, pos: QPointF) -> int | None:
        if not self.show_boxes or not self._boxes:
            return None
        self._ensure_overlay()
        for i, tag in enumerate(self._tags):
            if tag.contains(pos):
                return i
        return hit_box(self._boxes, pos)

    # ---- painting ---------------------------------------------------------------
    def paintEvent(self, event):
        self._ensure_cache()
        self._ensure_overlay()
        p = QPainter(self)
        p.fillRect(event.rect(), PAPER)
        if self._background is not None and self._bg_rect is not None:
            p.setOpacity(BACKGROUND_OPACITY if self.strokes else 1.0)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(self._bg_rect, self._background)
            p.setOpacity(1.0)
        if not self.strokes and self._background is None and self._live is None:
            p.setPen(HINT_COLOR)
            p.setFont(HINT_FONT)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Write an expression here")
        p.drawPixmap(0, 0, self._heat_layer)
        p.drawPixmap(0, 0, self._cache)
        p.drawPixmap(0, 0, self._overlay)
        p.setPen(FRAME_COLOR)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        self._paint_selection(p)
        if self._eraser_pos is not None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(QPen(QColor(120, 120, 120), 1, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(self._eraser_pos, ERASER_RADIUS, ERASER_RADIUS)
        p.end()

    def _paint_selection(self, p: QPainter):
        if self._lasso is None and not self.selection:
            return   # every paint of a long session passes here: no pass over the strokes
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._lasso is not None and len(self._lasso) > 1:
            p.setPen(QPen(SELECTION_COLOR, 1.2, Qt.PenStyle.DashLine))
            p.setBrush(QColor(30, 110, 230, 25))
            p.drawPolygon(QPolygonF([QPointF(x, y) for x, y in self._lasso]))
        rect = self.selection_rect()
        if rect is None:
            return
        p.save()
        p.translate(self._drag_offset)
        for i in self.selected_indices():
            paint_stroke(p, self.strokes[i], SELECTION_COLOR)
        p.setPen(QPen(SELECTION_COLOR, 1, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect)
        p.restore()

    # ---- input -----------------------------------------------------------------
    def _begin_live(self, pos: QPointF, pressure: float | None):
        self._ensure_cache()
        self._live_pressure = pressure is not None
        self._live = [self._point(pos, pressure)]
        self.penDown.emit()
        if not self.strokes:
            self.update()   # the empty-canvas hint must go at once, not segment by segment

    def _point(self, pos: QPointF, pressure):
        x = min(max(pos.x(), 0.0), CANVAS_WIDTH - 1.0)
        y = min(max(pos.y(), 0.0), CANVAS_HEIGHT - 1.0)
        return (x, y, float(pressure)) if self._live_pressure else (x, y)

    def _extend_live(self, pos: QPointF, pressure: float | None):
        if self._live is None:
            return
        pt = self._point(pos, pressure)
        last = self._live[-1]
        if pt[:2] == last[:2]:
            return
        self._live.append(pt)
        if self._tag_tap is not None and max(abs(pt[0] - self._live[0][0]),
                                             abs(pt[1] - self._live[0][1])) > TAP_PX:
            self._tag_tap = None      # a stroke that starts on a tag is ink, as any other
            self._hold.stop()
        width = pen_width(pt[2] if self._live_pressure else None)
        p = self._cache_painter()
        p.setPen(ink_pen(width, INK_COLOR))
        p.drawLine(QPointF(last[0], last[1]), QPointF(pt[0], pt[1]))
        p.end()
        pad = width + 2
        self.update(QRectF(QPointF(min(last[0], pt[0]) - pad, min(last[1], pt[1]) - pad),
                           QPointF(max(last[0], pt[0]) + pad, max(last[1], pt[1]) + pad)).toAlignedRect())
        self.liveInk.emit()

    def _finish_live(self):
        live, self._live = self._live, None
        self._tag_tap = None
        self._hold.stop()
        if not live:
            return
        stroke = Stroke(np.array(live, dtype=np.float64))
        if self.scratch_enabled and is_scratch(stroke.points):
            hits = crossed(self.strokes, stroke.points)
            if hits:
                # A scratch-out is a command, never ink: its segments, painted live, must go.
                self._cache_valid = False
                self.undo_stack.push(RemoveStrokes(self, [(i, self.strokes[i]) for i in hits],
                                                   "Scratch out"))
                return
        drawn = len(live) > 1   # a tap is a dot, which the segment painter never drew
        self.undo_stack.push(AddStroke(self, stroke, drawn=drawn))
        self.strokeFinished.emit(stroke.points)

    def _end_live(self):
        self._tag_tap = None
        self._hold.stop()
        if self._live is not None:
            self._live = None
            self._cache_valid = False

    def _held(self):
        """A press held on a tag: its symbol's menu, and the press is not ink."""
        # A release the UI thread has not read yet (it was busy) makes this press a tap, a dot:
        # read it first, so that only a press that is still down opens the menu.
        QCoreApplication.processEvents()
        if self._tag_tap is None or self._live is None:
            return
        index, global_pos = self._tag_tap
        self._end_live()
        self.update()
        self.symbolActivated.emit(index, global_pos)

    @contextmanager
    def ink_through_menus(self):
        """While a symbol's menu is open: a pen-down on the canvas closes it and is ink."""
        app = QCoreApplication.instance()
        app.installEventFilter(self._through_menu)
        try:
            yield
        finally:
            if not self._through_menu.forwarding:
                app.removeEventFilter(self._through_menu)

    def _erase_at(self, pos: QPointF):
        self._eraser_pos = pos
        if self.strokes:
            r = ERASER_RADIUS + 2
            b = self._stroke_boxes()
            near = np.nonzero((b[:, 0] - r <= pos.x()) & (b[:, 2] + r >= pos.x()) &
                              (b[:, 1] - r <= pos.y()) & (b[:, 3] + r >= pos.y()))[0]
            hits = [int(i) for i in near
                    if self.strokes[i].distance_to(pos.x(), pos.y()) <= ERASER_RADIUS]
            if hits:
                self._erasing.extend(self.strokes[i] for i in hits)
                self._remove([self.strokes[i] for i in hits])
        self.update()

    def _begin_erase(self, pos: QPointF):
        # Positions before the gesture, so undo reinserts each stroke where it was.
        self._erase_origin = {id(s): i for i, s in enumerate(self.strokes)}
        self._erasing = []
        self._erase_at(pos)

    def _finish_erase(self):
        erased, self._erasing = self._erasing or [], None
        items = [(self._erase_origin[id(s)], s) for s in erased]
        self._eraser_pos = None
        self.update()
        if items:
            self.undo_stack.push(RemoveStrokes(self, items, "Erase", applied=True))

    def _press(self, pos: QPointF, button, global_pos: QPoint, pressure=None, eraser=False):
        if (self._live is not None or self._erasing is not None or self._lasso is not None
                or self._drag_from is not None):
            return
        if button == Qt.MouseButton.LeftButton and self.tool == "lasso" and not eraser:
            rect = self.selection_rect()
            if rect is not None and rect.contains(pos):
                self._drag_from, self._drag_offset = QPointF(pos), QPointF(0, 0)
            else:
                self._lasso = [(pos.x(), pos.y())]
                if self.selection:
                    self.set_selection([])
            return
        if button == Qt.MouseButton.RightButton or (button == Qt.MouseButton.LeftButton and self.tool == "correct"):
            index = self.box_at(pos)
            if index is not None:
                self.symbolActivated.emit(index, global_pos)
            return
        if button != Qt.MouseButton.LeftButton:
            return
        if eraser or self.tool == "eraser":
            self._begin_erase(pos)
            return
        # With the Pen a tag is paper: a tap there is a dot (an i's dot lands on the tag of its
        # own stem), and a stroke begun there is ink. Only a press held still opens the menu.
        index = self.tag_at(pos)
        self._tag_tap = (index, global_pos) if index is not None else None
        self._begin_live(pos, pressure)
        if index is not None:
            self._hold.start()

    def _move(self, pos: QPointF, pressure=None):
        if self._lasso is not None:
            self._lasso.append((pos.x(), pos.y()))
            self.update()
        elif self._drag_from is not None:
            self._drag_offset = pos - self._drag_from
            self.update()
        elif self._erasing is not None:
            self._erase_at(pos)
        elif self._live is not None:
            self._extend_live(pos, pressure)

    def _release(self):
        if self._lasso is not None:
            lasso, self._lasso = self._lasso, None
            self.set_selection(lasso_hits(self.strokes, np.array(lasso)))
        elif self._drag_from is not None:
            d, self._drag_from, self._drag_offset = self._drag_offset, None, QPointF(0, 0)
            self.move_selection(d.x(), d.y())
            self.update()
        elif self._erasing is not None:
            self._finish_erase()
        elif self._live is not None:
            self._finish_live()

    def mousePressEvent(self, e):
        self._press(e.position(), e.button(), e.globalPosition().toPoint())

    def mouseMoveEvent(self, e):
        if e.buttons() == Qt.MouseButton.NoButton:
            self._update_hover(e.position(), e.globalPosition().toPoint())
        else:
            self._move(e.position())

    def leaveEvent(self, e):
        self._update_hover(None)
        super().leaveEvent(e)

    def mouseReleaseEvent(self, e):
        if e.button() == Qt.MouseButton.LeftButton:
            self._release()

    def tabletEvent(self, e):
        # Accepting stops Qt from synthesising mouse events for the same pen motion.
        e.accept()
        t = e.type()
        eraser = e.pointerType() == QPointingDevice.PointerType.Eraser
        if t == e.Type.TabletPress:
            self._press(e.position(), e.button(), e.globalPosition().toPoint(), e.pressure(), eraser)
        elif t == e.Type.TabletMove:
            self._move(e.position(), e.pressure())
        elif t == e.Type.TabletRelease:
            self._release()


class _InkThroughMenu(QObject):
    """An application event filter while a symbol's menu is open over the canvas.

    A menu is a popup: it grabs the pointer, and Qt drops the press that closes it, and then
    the moves and the release of that stroke as well (they reach the canvas's window, which
    has no pressed widget to give them to). So a user who writes on while the menu is open
    would lose a stroke. Here that press closes the menu and starts the stroke, and the
    stroke's moves and release, which arrive at whichever top-level window had the pointer,
    are given to the canvas until the release.
    """

    def __init__(self, canvas: InkCanvas):
        super().__init__(canvas)
        self.canvas = canvas
        self.forwarding = False

    def eventFilter(self, obj, e):
        t = e.type()
        if self.forwarding:
            # Window level only: each event is seen once, before any widget gets it.
            if not isinstance(obj, QWindow) or t not in (QEvent.Type.MouseMove, QEvent.Type.MouseButtonRelease,
                                                         QEvent.Type.MouseButtonPress):
                return False
            released = (t == QEvent.Type.MouseButtonRelease and e.button() == Qt.MouseButton.LeftButton)
            # A release no window saw (the pointer left the app) shows as a move with no button,
            # or as the next press: the stroke ends there, and that press goes its usual way.
            unseen = (t == QEvent.Type.MouseButtonPress or
                      (t == QEvent.Type.MouseMove and not e.buttons() & Qt.MouseButton.LeftButton))
            if t == QEvent.Type.MouseMove and not unseen:
                self.canvas._move(self.canvas.mapFromGlobal(e.globalPosition()))
            elif released or unseen:
                self.canvas._release()
                self.forwarding = False
                QCoreApplication.instance().removeEventFilter(self)
            return not unseen
        return self._menu_press(obj, e)

    def _menu_press(self, obj, e) -> bool:
        t = e.type()
        if (t == QEvent.Type.MouseButtonPress and isinstance(obj, QMenu)
                and e.button() == Qt.MouseButton.LeftButton):
            gp = e.globalPosition()
            pos = self.canvas.mapFromGlobal(gp)
            if (not obj.geometry().contains(gp.toPoint()) and self.canvas.isVisible()
                    and QRectF(self.canvas.rect()).contains(pos)):
                obj.close()
                self.canvas._press(pos, Qt.MouseButton.LeftButton, gp.toPoint())
                self.forwarding = self.canvas.drawing or self.canvas._erasing is not None or \
                    self.canvas._lasso is not None or self.canvas._drag_from is not None
                return True
        return False
