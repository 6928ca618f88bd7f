"""Pen gestures on the canvas: which strokes a lasso encloses, and the scratch-out zig-zag.

Plain geometry on point arrays (no Qt), so each rule is tested on its own.
"""
from __future__ import annotations

import numpy as np
from matplotlib.path import Path

LASSO_SHARE = 0.5          # a stroke is selected when at least this share of its points is inside
SCRATCH_REVERSALS = 5      # turns along the main axis; no single CROHME dev stroke has more than 4
SCRATCH_HYSTERESIS = 0.3   # a turn counts once the pen has come back this share of the extent
SCRATCH_MIN_POINTS = 8
SCRATCH_MIN_EXTENT = 12.0  # px: a tiny scribble is a dot or a comma, not a scratch
SCRATCH_PATH_RATIO = 3.0   # path length over the main extent: a zig-zag retraces itself


def lasso_hits(strokes, polygon: np.ndarray) -> list[int]:
    """Indices of the strokes (objects with `.drawn`, an (N, 2+) array) the lasso encloses."""
    poly = np.asarray(polygon, dtype=np.float64)[:, :2]
    if len(poly) < 3:
        return []
    path = Path(np.vstack([poly, poly[:1]]), closed=True)
    lo, hi = poly.min(0), poly.max(0)
    out = []
    for i, s in enumerate(strokes):
        pts = s.drawn[:, :2]
        if (pts.max(0) < lo).any() or (pts.min(0) > hi).any():
            continue
        if path.contains_points(pts).mean() >= LASSO_SHARE:
            out.append(i)
    return out


def turns(values: np.ndarray, hysteresis: float) -> int:
    """How many times `values` changes direction by more than `hysteresis`."""
    count, direction = 0, 0
    lo = hi = extreme = float(values[0])
    for v in map(float, values[1:]):
        if direction == 0:   # no direction yet: wait for a clear first move
            lo, hi = min(lo, v), max(hi, v)
            if v > lo + hysteresis:
                direction, extreme = 1, v
            elif v < hi - hysteresis:
                direction, extreme = -1, v
        elif direction * (v - extreme) > 0:
            extreme = v      # still going the same way: the turn is measured from the farthest point
        elif abs(v - extreme) > hysteresis:
            count += 1
            direction, extreme = -direction, v
    return count


def is_scratch(points: np.ndarray) -> bool:
    """A zig-zag: many reversals along its main axis, the path retracing itself."""
    pts = np.asarray(points, dtype=np.float64)[:, :2]
    if len(pts) < SCRATCH_MIN_POINTS:
        return False
    centred = pts - pts.mean(0)
    # The main axis of the gesture, whatever its slant.
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    along = centred @ vt[0]
    extent = float(along.max() - along.min())
    if extent < SCRATCH_MIN_EXTENT:
        return False
    length = float(np.hypot(*np.diff(pts, axis=0).T).sum())
    if length < SCRATCH_PATH_RATIO * extent:
        return False
    return turns(along, SCRATCH_HYSTERESIS * extent) >= SCRATCH_REVERSALS


def _segments_cross(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether any segment of polyline `a` crosses any segment of polyline `b`."""
    if len(a) < 2 or len(b) < 2:
        return False
    p, r = a[:-1, None, :], (a[1:] - a[:-1])[:, None, :]
    q, s = b[None, :-1, :], (b[1:] - b[:-1])[None, :, :]
    denom = r[..., 0] * s[..., 1] - r[..., 1] * s[..., 0]
    qp = q - p
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (qp[..., 0] * s[..., 1] - qp[..., 1] * s[..., 0]) / denom
        u = (qp[..., 0] * r[..., 1] - qp[..., 1] * r[..., 0]) / denom
    return bool(np.any((denom != 0) & (t >= 0) & (t <= 1) & (u >= 0) & (u <= 1)))


def crossed(strokes, points: np.ndarray, reach: float = 2.0) -> list[int]:
    """Indices of the strokes the gesture `points` crosses (or passes within `reach` of a dot)."""
    g = np.asarray(points, dtype=np.float64)[:, :2]
    lo, hi = g.min(0) - reach, g.max(0) + reach
    out = []
    for i, s in enumerate(strokes):
        pts = s.drawn[:, :2]
        if (pts.max(0) < lo).any() or (pts.min(0) > hi).any():
            continue
        if len(pts) == 1:
            if np.hypot(*(g - pts[0]).T).min() <= reach + 2:
                out.append(i)
        elif _segments_cross(g, pts):
            out.append(i)
    return out
