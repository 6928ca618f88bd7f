"""The strokes one recognition works through: usable points only, within bounds.

Shared by the one-line recognizer (recognize.py) and the reading of several lines and grids
(multiline.py), which must number and clean the strokes the same way.
"""
from __future__ import annotations

import numpy as np

from . import raster
from ..io.errors import InputError

# Bounds on what one call will work through: beyond them the input is not handwriting.
MAX_STROKES = 5_000
MAX_POINTS_PER_STROKE = 20_000   # longer strokes are decimated, not refused


def _decimate(a: np.ndarray, limit: int) -> np.ndarray:
    if len(a) <= limit:
        return a
    step = int(np.ceil(len(a) / limit))
    return np.vstack([a[::step], a[-1:]])


def prepare_strokes(strokes) -> tuple[list[np.ndarray], list[int]]:
    """The usable x, y points of each stroke (raster.usable_points), with its input index."""
    if len(strokes) > MAX_STROKES:
        raise InputError(f"too many strokes ({len(strokes)} > {MAX_STROKES})")
    out, idx = [], []
    for i, s in enumerate(strokes):
        a = raster.usable_points(s)
        if len(a):
            out.append(_decimate(a, MAX_POINTS_PER_STROKE))
            idx.append(i)
    return out, idx
