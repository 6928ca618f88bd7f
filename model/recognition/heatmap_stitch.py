"""The page's heatmap of ink read in pieces, put together from the pieces' own heatmaps.

Several lines, and a grid's cells, are each read alone in their own frame (multiline.py): the
windows the network ran over are those pieces' windows. Running it once more over the whole
page, only to draw it, cost as much as reading a line again, and all of it again whenever a
stroke moved the page's quantized zoom. The page's cells take instead the probabilities of
the nearest cell of a piece's heatmap, so what the window draws is what read each line.
"""
from __future__ import annotations

import numpy as np

from .raster import Frame
from .result import Heatmap


def grid_shape(frame: Frame, window: int, stride: int) -> tuple[int, int]:
    """Rows and columns of the network's cells over a frame (as HeatmapCache computes them)."""
    h = max(1, (max(frame.height, window) - window) // stride + 1)
    w = max(1, (max(frame.width, window) - window) // stride + 1)
    return h, w


def stitched(frame: Frame, pieces: list[Heatmap], classes: list[str], window: int, stride: int) -> Heatmap:
    """A heatmap over `frame` whose every cell holds the probabilities of the nearest cell of
    the piece heatmap that covers its centre with the most ink (least background); a cell no
    piece covers is background."""
    h, w = grid_shape(frame, window, stride)
    c = (window - 1) / 2
    jj, ii = np.meshgrid(np.arange(w), np.arange(h))
    centres = frame.to_input(np.stack([stride * jj + c, stride * ii + c], -1).reshape(-1, 2))
    out = np.zeros((len(classes), h * w), np.float32)
    out[-1] = 1.0
    best_background = np.full(h * w, np.inf)
    for piece in pieces:
        ph, pw = piece.probs.shape[1:]
        px = piece.frame.to_pixels(centres)
        j = np.rint((px[:, 0] - c) / stride).astype(np.int64)
        i = np.rint((px[:, 1] - c) / stride).astype(np.int64)
        inside = (i >= 0) & (i < ph) & (j >= 0) & (j < pw)
        cells = np.flatnonzero(inside)
        background = piece.probs[-1, i[cells], j[cells]]
        better = background < best_background[cells]
        cells, i, j = cells[better], i[cells][better], j[cells][better]
        best_background[cells] = background[better]
        out[:, cells] = piece.probs[:, i, j]
    return Heatmap(out.reshape(len(classes), h, w), classes, frame, window, stride)
