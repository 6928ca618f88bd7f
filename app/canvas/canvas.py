"""The drawing canvas: the strokes, the selection and the user's words on them (one symbol,
read as, placed), and their painting.  Input is input.py's, the overlays and their
tags tags.py's, the undo commands undo_commands.py's.

Finished strokes are painted once into a cache pixmap; a new stroke's segments
are painted into it as they arrive.  The cache is rebuilt only when strokes are
removed or reinserted (undo, erase), so the cost of a paint does not grow with
the number of strokes.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap, QPolygonF, QUndoStack
from PySide6.QtWidgets import QSizePolicy, QWidget

from .input import ERASER_RADIUS, PointerInput
from .overlays import BoxView, PlacementView
from .size import CANVAS_HEIGHT, CANVAS_WIDTH
from .strokes import Stroke, paint_stroke, pen_width
from .tags import HOLD_MS, InkThroughMenu, TagLayer
from .undo_commands import AddStroke, MoveStrokes, RemoveStrokes, ReplaceStrokes, UsersWord

PAPER = QColor(255, 255, 255)
FRAME_COLOR = QColor(190, 190, 198)
HINT_COLOR = QColor(185, 185, 195)
HINT_FONT = QFont("DejaVu Sans", 16)
SELECTION_COLOR = QColor(30, 110, 230)
SELECTION_PAD = 6.0
BACKGROUND_OPACITY = 0.55   # an opened image stays visible but clearly behind ink and boxes


class InkCanvas(PointerInput, TagLayer, QWidget):
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
        self._through_menu = InkThroughMenu(self)
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
