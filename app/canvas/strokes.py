"""Finished strokes: the ink data plus what is precomputed once for drawing and erasing.

A stroke is never mutated after it is finished, so the worker and the autosave
thread can hold references to its points without copying.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

INK_COLOR = QColor(20, 28, 60)
BASE_WIDTH = 2.6           # logical px at medium pressure
MAX_DRAWN_POINTS = 6000    # a million-point stroke is drawn from at most this many points
_UIDS = itertools.count(1)


def pen_width(pressure: float | None) -> float:
    if pressure is None:
        return BASE_WIDTH
    p = min(max(float(pressure), 0.0), 1.0)
    return BASE_WIDTH * (0.35 + 1.3 * p)


def decimate(points: np.ndarray, step: float = 0.5, limit: int = MAX_DRAWN_POINTS) -> np.ndarray:
    """Drop points that do not move the pen by `step` px, then thin uniformly to `limit`.

    Vectorised so that a stroke of a million points costs milliseconds, not seconds,
    on the UI thread; the recognizer still gets the full-resolution points.
    """
    pts = points
    if len(pts) > 2:
        q = np.round(pts[:, :2] / step)
        keep = np.ones(len(pts), dtype=bool)
        keep[1:] = np.any(q[1:] != q[:-1], axis=1)
        keep[-1] = True
        pts = pts[keep]
    if len(pts) > limit:
        idx = np.linspace(0, len(pts) - 1, limit).round().astype(np.int64)
        pts = pts[idx]
    return pts


def smooth_sparse(pts: np.ndarray, spacing: float = 4.0, passes: int = 2) -> np.ndarray:
    """Chaikin corner cutting for display when points lie far apart.

    Ink from coarse devices (integer units scaled up to the canvas) would
    otherwise show as a staircase; dense mouse or stylus ink is left untouched.
    """
    if len(pts) < 3 or len(pts) > MAX_DRAWN_POINTS // 4:
        return pts
    step = np.hypot(*np.diff(pts[:, :2], axis=0).T)
    if np.median(step) < spacing:
        return pts
    for _ in range(passes):
        a, b = pts[:-1], pts[1:]
        q, r = 0.75 * a + 0.25 * b, 0.25 * a + 0.75 * b
        mid = np.empty((2 * len(a), pts.shape[1]))
        mid[0::2], mid[1::2] = q, r
        pts = np.vstack([pts[:1], mid, pts[-1:]])
    return pts


@dataclass(eq=False)
class Stroke:
    points: np.ndarray                     # (N, 2) or (N, 3): x, y[, pressure], canvas px
    # Which written stroke this is: a moved copy keeps it, so the user's groupings and
    # readings (keyed by uid) follow the ink wherever it goes.
    uid: int = field(default_factory=lambda: next(_UIDS))
    drawn: np.ndarray = field(init=False)  # decimated copy used for painting and hit tests
    bbox: tuple[float, float, float, float] = field(init=False)

    def __post_init__(self):
        pts = np.asarray(self.points, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] < 2 or len(pts) == 0:
            raise ValueError("a stroke needs at least one (x, y) point")
        pts = pts[np.isfinite(pts[:, :2]).all(axis=1)]
        if len(pts) == 0:
            raise ValueError("a stroke has no finite point")
        pts.setflags(write=False)
        self.points = pts
        self.drawn = smooth_sparse(decimate(pts))
        lo, hi = pts[:, :2].min(0), pts[:, :2].max(0)
        self.bbox = (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))

    def moved(self, dx: float, dy: float) -> "Stroke":
        """The same stroke translated (a new object: strokes are never mutated)."""
        pts = self.points.copy()
        pts[:, 0] += dx
        pts[:, 1] += dy
        return Stroke(pts, uid=self.uid)

    @property
    def has_pressure(self) -> bool:
        return self.points.shape[1] >= 3

    def rect(self, pad: float = 0.0) -> QRectF:
        x1, y1, x2, y2 = self.bbox
        return QRectF(x1 - pad, y1 - pad, x2 - x1 + 2 * pad, y2 - y1 + 2 * pad)

    def distance_to(self, x: float, y: float) -> float:
        """Shortest distance from (x, y) to the drawn polyline."""
        p = self.drawn[:, :2]
        if len(p) == 1:
            return float(np.hypot(*(p[0] - (x, y))))
        a, b = p[:-1], p[1:]
        ab = b - a
        ap = np.array([x, y]) - a
        denom = np.maximum((ab * ab).sum(1), 1e-12)
        t = np.clip((ap * ab).sum(1) / denom, 0.0, 1.0)
        d = ap - ab * t[:, None]
        return float(np.sqrt((d * d).sum(1).min()))


def _polygon(pts: np.ndarray) -> QPolygonF:
    return QPolygonF([QPointF(float(x), float(y)) for x, y in pts[:, :2]])


def ink_pen(width: float, color: QColor = INK_COLOR) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def paint_stroke(painter: QPainter, stroke: Stroke, color: QColor = INK_COLOR) -> None:
    pts = stroke.drawn
    if len(pts) == 1:
        w = pen_width(pts[0, 2] if stroke.has_pressure else None)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(QPointF(pts[0, 0], pts[0, 1]), w / 2, w / 2)
        return
    if not stroke.has_pressure:
        painter.setPen(ink_pen(BASE_WIDTH, color))
        painter.drawPolyline(_polygon(pts))
        return
    # Runs of equal (quantised) width become one polyline each: per-segment
    # drawing would make repainting thousands of stylus strokes slow.
    widths = np.round(np.array([pen_width(p) for p in pts[:, 2]]) * 4) / 4
    seg_w = np.maximum(widths[:-1], widths[1:])
    start = 0
    for i in range(1, len(seg_w) + 1):
        if i == len(seg_w) or seg_w[i] != seg_w[start]:
            painter.setPen(ink_pen(float(seg_w[start]), color))
            painter.drawPolyline(_polygon(pts[start:i + 1]))
            start = i
