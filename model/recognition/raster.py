"""The one rasterizer: strokes -> the grayscale image the network sees.

Training, the app, the CLI and the tests all call `rasterize` with a `Frame`
from `frame_for`, so the network always sees ink at the scale it was trained at.

Writing scale.  Users write at any size (a symbol 20 px or 200 px tall) and
CROHME devices use units that differ by orders of magnitude, so the ink is first
mapped into a normalised frame where the *writing scale* equals `TARGET_SCALE`
pixels.  The writing scale is estimated from the strokes alone (no symbol
segmentation is needed, so the app can do it too): the median over strokes of
each stroke's larger side, with dots and repeated points counted but unable to
pull the estimate below a floor.  Stroke width is a constant number of pixels in
the normalised frame, hence proportional to the writing scale.

Direction planes.  Pen ink carries what a scan does not: the direction of each
piece of stroke.  With `directions=True` the image has 1 + DIRECTIONS channels:
the ink, then the same ink split by the orientation of the segment that drew it
(0°, 45°, 90°, 135°, each ±22.5°, sign-less so that a stroke drawn either way
looks the same).  Crossing strokes (× against x, + against t) separate into
planes.  A point cloud (a scanned image) has no direction: its planes are empty,
and the network learns that case too (training blanks the planes of some windows).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

TARGET_SCALE = 20.0  # normalised pixels per unit of writing scale (a typical stroke)
THICKNESS = 2        # stroke width in normalised pixels at rendering time
MARGIN = 24          # normalised pixels of empty border around the ink (≥ half a window)
_SHIFT = 4           # fixed-point bits for sub-pixel polyline coordinates
_FAR = 1e6           # |pixel coordinate| bound; frames are at most MAX_SIDE wide
MIN_SCALE = 1e-6     # input units; smaller writing is treated as a dot
MAX_SIDE = 4096      # a normalised image side never exceeds this (memory bound)
DIRECTIONS = 4       # orientation planes with directions=True
TANGENT_SPAN = 6.0   # pixels of arc over which a segment's orientation is measured


class RasterError(ValueError):
    """Strokes that cannot be rendered (no finite points, absurd extent)."""


@dataclass(frozen=True)
class Frame:
    """Maps input coordinates to image pixels: pixel = (point - origin) * k."""
    k: float
    origin_x: float
    origin_y: float
    width: int
    height: int

    def to_pixels(self, pts: np.ndarray) -> np.ndarray:
        out = np.empty((len(pts), 2), dtype=np.float64)
        out[:, 0] = (pts[:, 0] - self.origin_x) * self.k
        out[:, 1] = (pts[:, 1] - self.origin_y) * self.k
        return out

    def to_input(self, px: np.ndarray) -> np.ndarray:
        px = np.asarray(px, dtype=np.float64)
        out = np.empty_like(px)
        out[..., 0] = px[..., 0] / self.k + self.origin_x
        out[..., 1] = px[..., 1] / self.k + self.origin_y
        return out


# Coordinates beyond this are not ink on any device; they would overflow the geometry.
COORD_LIMIT = 1e12


def usable_points(stroke) -> np.ndarray:
    """The x, y points of a stroke that can be drawn: finite and within COORD_LIMIT."""
    a = np.asarray(stroke, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] < 2:
        return np.zeros((0, 2))
    a = a[:, :2]
    return a[(np.abs(a) < COORD_LIMIT).all(axis=1)]  # NaN compares False, so it goes too


def clean_strokes(strokes) -> list[np.ndarray]:
    """x, y float arrays with unusable points dropped; empty strokes removed."""
    return [a for a in map(usable_points, strokes) if len(a)]


def stroke_extents(strokes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(N, 2) lowest and highest x, y of each non-empty stroke, in two numpy calls: per-stroke
    calls cost more than the arithmetic on a page of many short strokes, every recognition."""
    pts = np.concatenate(strokes)
    starts = np.cumsum([0] + [len(s) for s in strokes[:-1]])
    return np.minimum.reduceat(pts, starts, axis=0), np.maximum.reduceat(pts, starts, axis=0)


def writing_scale(strokes: list[np.ndarray], clean: bool = False) -> float:
    """Typical stroke size in input units (see the module docstring). `clean`: the strokes
    are usable points already (prepare_strokes'), not checked again."""
    strokes = strokes if clean else clean_strokes(strokes)
    if not strokes:
        raise RasterError("no ink: every stroke is empty or non-finite")
    return _scale_of(*stroke_extents(strokes))


def _scale_of(lows: np.ndarray, highs: np.ndarray) -> float:
    sides = (highs - lows).max(1)
    lo, hi = lows.min(0), highs.max(0)
    extent = float(max(hi - lo))
    # Below this the ink is one dot (or float noise): any scale renders it the same.
    tiny = max(MIN_SCALE, 1e-9 * float(np.abs(np.concatenate([lo, hi])).max()))
    if extent <= tiny:
        return 1.0
    # Dots and tiny strokes are real ink but say little about the writing size.
    floor = max(extent / 50.0, tiny)
    big = sides[sides > floor]
    est = float(np.median(big)) if len(big) else extent
    return max(est, floor)


def quantize_k(k: float, steps_per_octave: int = 8) -> float:
    """Snap a zoom factor to a geometric grid (9% steps): small changes of the
    estimated writing scale then leave the frame, and every cached result, intact."""
    return float(2.0 ** (np.round(np.log2(k) * steps_per_octave) / steps_per_octave))


def frame_for(strokes: list[np.ndarray], scale: float | None = None,
              margin: int = MARGIN, quantize: bool = False, align: int = 1, clean: bool = False) -> Frame:
    """The frame that puts the writing scale at TARGET_SCALE pixels with `margin` around.

    With `align`, the frame's origin sits on a grid of `align` pixels anchored at
    input (0, 0): two frames with the same k then differ by whole multiples of
    `align` pixels, so a network of that stride sees the same windows in both.
    `clean`: the strokes are usable points already (prepare_strokes'), not checked again.
    """
    strokes = strokes if clean else clean_strokes(strokes)
    if not strokes:
        raise RasterError("no ink: every stroke is empty or non-finite")
    lows, highs = stroke_extents(strokes)
    scale = _scale_of(lows, highs) if scale is None else scale
    k = TARGET_SCALE / scale
    if quantize:
        k = quantize_k(k)
    lo, hi = lows.min(0), highs.max(0)
    span = float((hi - lo).max()) * k + 2 * margin
    if span > MAX_SIDE:
        # Ink spread far wider than its strokes (e.g. two dots a mile apart):
        # shrink rather than allocate a huge image.
        k *= (MAX_SIDE - 2 * margin - 2 * align) / max(float((hi - lo).max()) * k, 1e-9)
    x0 = np.floor((lo[0] * k - margin) / align) * align
    y0 = np.floor((lo[1] * k - margin) / align) * align
    w = int(np.ceil(hi[0] * k + margin - x0)) + 1
    h = int(np.ceil(hi[1] * k + margin - y0)) + 1
    return Frame(k, x0 / k, y0 / k, w, h)




def segment_planes(px: np.ndarray) -> np.ndarray:
    """The direction plane of each segment of a stroke in pixels (len(px) - 1 values).

    A segment's orientation is that of the chord spanning TANGENT_SPAN pixels of arc around it:
    points a pixel apart carry pixel jitter, which would scatter one straight stroke over every
    plane. Orientation survives translation and uniform scaling, so the planes of a stroke are
    computed once and serve every crop it appears in.
    """
    if len(px) < 2:
        return np.zeros(0, np.int64)
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(px, axis=0).T))])
    if arc[-1] <= 0:
        return np.zeros(len(px) - 1, np.int64)
    mid = (arc[:-1] + arc[1:]) / 2
    half = TANGENT_SPAN / 2
    a, b = np.clip(mid - half, 0, arc[-1]), np.clip(mid + half, 0, arc[-1])
    dx = np.interp(b, arc, px[:, 0]) - np.interp(a, arc, px[:, 0])
    dy = np.interp(b, arc, px[:, 1]) - np.interp(a, arc, px[:, 1])
    ang = np.mod(np.arctan2(dy, dx), np.pi)
    return np.round(ang / (np.pi / DIRECTIONS)).astype(np.int64) % DIRECTIONS


def _plane_runs(fixed: np.ndarray, planes: np.ndarray) -> dict[int, list[np.ndarray]]:
    """The polyline pieces of each plane; consecutive segments of one plane stay one polyline,
    so joins are drawn as in the ink."""
    cuts = np.flatnonzero(np.diff(planes)) + 1
    out: dict[int, list[np.ndarray]] = {}
    for a, b in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(planes)]])):
        out.setdefault(int(planes[a]), []).append(fixed[a:b + 1].reshape(-1, 1, 2))
    return out


def _draw(px_strokes: list[np.ndarray], h: int, w: int, thickness: int, points: bool,
          planes: list[np.ndarray] | None = None) -> np.ndarray:
    """The drawing itself, from coordinates already in pixels: uint8, ink = 255.

    (h, w); with `planes` (each stroke's `segment_planes`), (1 + DIRECTIONS, h, w): the ink,
    then the direction planes.  Point clouds have no direction: their planes stay empty.
    """
    img = np.zeros((h, w), dtype=np.uint8)
    dirs = np.zeros((DIRECTIONS, h, w), dtype=np.uint8) if planes is not None else None
    # Every stroke's pieces of one plane go to OpenCV in one call: a crop is drawn with a few
    # calls instead of a few per stroke (candidate crops are the recognizer's hot path).
    plane_runs: dict[int, list[np.ndarray]] = {}
    one = 1 << _SHIFT
    for n, px in enumerate(px_strokes):
        # Only a guard for the int32 fixed-point range: clipping nearer would bend the
        # segments that leave the image, and a sub-image would then differ from the
        # same pixels of the whole image (the incremental heatmap relies on that).
        px = np.clip(px, -_FAR, _FAR)
        if points:
            q = np.round(px).astype(np.int64)
            q = q[(q[:, 0] >= 0) & (q[:, 0] < w) & (q[:, 1] >= 0) & (q[:, 1] < h)]
            img[q[:, 1], q[:, 0]] = 255
            continue
        fixed = np.round(px * one).astype(np.int32)
        if len(fixed) > 1:
            # Consecutive duplicates cost time and add nothing.
            keep = np.ones(len(fixed), dtype=bool)
            keep[1:] = (np.diff(fixed, axis=0) != 0).any(axis=1)
            fixed = fixed[keep]
            if dirs is not None and len(fixed) > 1:
                # A segment survives where its end point does; its plane is unchanged.
                for plane, runs in _plane_runs(fixed, planes[n][keep[1:]]).items():
                    plane_runs.setdefault(plane, []).extend(runs)
        if len(fixed) == 1:
            cv2.circle(img, tuple(int(v) for v in fixed[0]), max(thickness, 1) * one // 2 + one // 2,
                       255, -1, cv2.LINE_AA, _SHIFT)
        else:
            cv2.polylines(img, [fixed.reshape(-1, 1, 2)], False, 255, thickness, cv2.LINE_AA, _SHIFT)
    if points and thickness > 1:
        img = cv2.dilate(img, np.ones((thickness, thickness), np.uint8))
        img = cv2.GaussianBlur(img, (3, 3), 0.6)
    if dirs is not None:
        for plane, runs in plane_runs.items():
            cv2.polylines(dirs[plane], runs, False, 255, thickness, cv2.LINE_AA, _SHIFT)
        return np.concatenate([img[None], dirs])
    return img


def rasterize(strokes, frame: Frame, thickness: int = THICKNESS,
              shape: tuple[int, int] | None = None, points: bool = False,
              directions: bool = False) -> np.ndarray:
    """Render strokes anti-aliased into a float32 image in [0, 1], ink = 1.

    `shape` (height, width) overrides the frame's size, e.g. for a fixed crop.
    With `points`, each stroke is an unordered cloud of ink points (the
    skeleton of a scanned symbol) drawn as dots of the stroke width.
    With `directions`, the result is (1 + DIRECTIONS, h, w): ink, then the
    orientation planes (see the module docstring).
    Deterministic: the same strokes and frame give the same bytes.
    """
    h, w = shape if shape is not None else (frame.height, frame.width)
    px = [frame.to_pixels(s) for s in clean_strokes(strokes)]
    planes = [segment_planes(p) for p in px] if directions else None
    return _draw(px, h, w, thickness, points, planes).astype(np.float32) / 255.0


def group_crops(px_strokes: list[np.ndarray], groups, size: int = 45, thickness: int = THICKNESS,
                fit: float = 40.0, points: bool = False, directions: bool = False) -> np.ndarray:
    """Crops (N, size, size) of stroke groups, each rendered alone and centred on its box
    ((N, 1 + DIRECTIONS, size, size) with `directions`).

    `px_strokes` are strokes already in a frame's pixels (frame.to_pixels), so a
    stroke shared by many candidate groups is transformed once; a group whose
    larger side exceeds `fit` pixels is shrunk about its centre to fit (tall
    brackets and integrals would otherwise spill out).  This is what
    `symbol_crop` draws, for many groups at once.
    """
    half = (size - 1) / 2.0
    shape = (len(groups), 1 + DIRECTIONS, size, size) if directions else (len(groups), size, size)
    out = np.empty(shape, np.float32)
    planes = [segment_planes(p) for p in px_strokes] if directions else None
    boxes = np.array([[*p.min(0), *p.max(0)] for p in px_strokes]) if px_strokes else np.zeros((0, 4))
    for n, group in enumerate(groups):
        group = list(group)
        parts = [px_strokes[i] for i in group]
        lo = boxes[group, :2].min(0)
        hi = boxes[group, 2:].max(0)
        c = (lo + hi) / 2
        side = float((hi - lo).max())
        f = fit / side if fit is not None and side > fit else 1.0
        out[n] = _draw([(p - c) * f + half for p in parts], size, size, thickness, points,
                       [planes[i] for i in group] if directions else None)
    out /= 255.0
    return out


def symbol_crop(strokes, frame: Frame, size: int = 45, thickness: int = THICKNESS,
                fit: float = 40.0, points: bool = False, directions: bool = False) -> np.ndarray:
    """One symbol's strokes alone, centred on their box, at the frame's scale."""
    strokes = clean_strokes(strokes)
    if not strokes:
        raise RasterError("no ink in symbol")
    px = [frame.to_pixels(s) for s in strokes]
    return group_crops(px, [range(len(px))], size, thickness, fit, points, directions)[0]
