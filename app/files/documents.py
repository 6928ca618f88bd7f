"""Opening ink and images: InkML from any device (CROHME units included) and
photos/scans of handwriting, fitted into the canvas."""
from __future__ import annotations

import os

import numpy as np

from model.io.ink import InkError, read_inkml

from ..canvas.overlays import Transform

INK_SUFFIXES = (".inkml",)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
FIT_MARGIN = 40
MAX_FILL_HEIGHT = 0.6    # a lone symbol should not be blown up to fill the whole canvas


class DocumentError(ValueError):
    """A file that cannot be opened; the message names it and says why."""


def fit_strokes(strokes: list[np.ndarray], width: float, height: float,
                margin: float = FIT_MARGIN) -> list[np.ndarray]:
    """Scale and translate ink (keeping its aspect) so it sits centred in the canvas.

    Device units are arbitrary (CROHME files range from fractions to tens of
    thousands per symbol), so the file's own coordinates are never shown as-is.
    """
    strokes = [np.asarray(s, dtype=np.float64) for s in strokes if len(s)]
    if not strokes:
        return []
    xy = np.vstack([s[:, :2] for s in strokes])
    xy = xy[np.isfinite(xy).all(axis=1)]
    if not len(xy):
        return []
    lo, hi = xy.min(0), xy.max(0)
    w, h = hi - lo
    avail_w, avail_h = width - 2 * margin, height - 2 * margin
    candidates = []
    if w > 0:
        candidates.append(avail_w / w)
    if h > 0:
        candidates.append(min(avail_h, height * MAX_FILL_HEIGHT) / h)
    k = min(candidates) if candidates else 1.0
    cx, cy = (lo + hi) / 2
    out = []
    for s in strokes:
        t = s.copy()
        t[:, 0] = (s[:, 0] - cx) * k + width / 2
        t[:, 1] = (s[:, 1] - cy) * k + height / 2
        out.append(t)
    return out


def load_ink(path: str | os.PathLike, width: float, height: float) -> tuple[list[np.ndarray], str | None]:
    """Strokes fitted to the canvas, and the file's truth LaTeX if it has one."""
    try:
        ink = read_inkml(path)
    except InkError as exc:
        raise DocumentError(str(exc)) from None
    strokes = fit_strokes(ink.strokes(), width, height)
    if not strokes:
        raise DocumentError(f"{path}: the file holds no ink")
    return strokes, ink.truth_latex


def read_image(path: str | os.PathLike) -> np.ndarray:
    """The image as BGR uint8 (what the recognizer accepts); DocumentError if unreadable or too large."""
    from model.io.image_io import load_image
    from model.recognition.recognize import InputError
    try:
        return load_image(path, color=True)
    except InputError as exc:
        raise DocumentError(str(exc)) from None


def image_transform(img_w: int, img_h: int, width: float, height: float, margin: float = 10) -> Transform:
    """Image pixels -> canvas: fit inside the canvas, centred, aspect kept."""
    k = min((width - 2 * margin) / img_w, (height - 2 * margin) / img_h)
    return Transform(k, (width - img_w * k) / 2, (height - img_h * k) / 2)
