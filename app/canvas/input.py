"""The canvas's pointer and tablet input: live ink painted segment by segment as it is
drawn, the stroke eraser, the lasso and the drag of a selection, and the scratch-out gesture."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QPointingDevice

from .gestures import crossed, is_scratch, lasso_hits
from .size import CANVAS_HEIGHT, CANVAS_WIDTH
from .strokes import INK_COLOR, Stroke, ink_pen, pen_width
from .tags import TAP_PX
from .undo_commands import AddStroke, RemoveStrokes

ERASER_RADIUS = 8.0


class PointerInput:
    """Mixed into InkCanvas (canvas.py), whose state it reads and sets."""

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
