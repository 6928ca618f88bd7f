"""Incremental heatmaps: after a stroke, recompute only the windows it can change.

The network is translation-equivariant in steps of its stride and every frame
the recognizer uses is aligned to that stride (raster.frame_for(align=STRIDE)),
so a window is identified by its absolute cell (row, column) for a given zoom
k.  A window's scores depend only on the ink inside it: when strokes are added
or removed, only the cells whose window meets those strokes' boxes are run
again, on the smallest sub-image that covers them; the others are copied.
The result equals a full recompute (tests/test_incremental.py holds it to that).
"""
from __future__ import annotations

import hashlib

import numpy as np
import torch

from . import raster


_PAD = 4  # pixels


def stroke_key(s: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(s).tobytes(), digest_size=16).digest()


class HeatmapCache:
    def __init__(self, net, window: int, stride: int, directions: bool = False):
        self.net, self.window, self.stride, self.directions = net, window, stride, directions
        self._k = None
        self._probs = None          # (C+1, h, w) of the last call
        self._cell0 = (0, 0)        # absolute (row, col) of its first cell
        self._boxes: dict[bytes, np.ndarray] = {}  # stroke key -> input-coordinate box
        self._points = None
        self.last_cells_computed = 0

    @property
    def zoom(self) -> tuple:
        """(k, point ink) of the last call: a call at another zoom starts afresh."""
        return (self._k, self._points)

    @property
    def stroke_keys(self):
        return self._boxes.keys()

    def _run(self, image: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(image))
            logits = self.net(x[None, None] if x.ndim == 2 else x[None])
            return torch.softmax(logits[0], dim=0).numpy()

    def _render(self, strokes, frame: raster.Frame, r0: int, c0: int, rows: int, cols: int,
                points: bool) -> np.ndarray:
        """The pixels under cells [r0, r0+rows) × [c0, c0+cols) of the frame's grid.

        Drawn with a border that is then cut off: OpenCV anti-aliases a line that
        crosses the image edge differently from the same line inside an image, so
        the edge pixels of a sub-image would not match the whole image's.
        """
        s, win, pad = self.stride, self.window, _PAD
        sub = raster.Frame(frame.k, frame.origin_x + (c0 * s - pad) / frame.k,
                           frame.origin_y + (r0 * s - pad) / frame.k,
                           (cols - 1) * s + win + 2 * pad, (rows - 1) * s + win + 2 * pad)
        img = raster.rasterize(strokes, sub, points=points, shape=(sub.height, sub.width),
                               directions=self.directions)
        return img[..., pad:-pad, pad:-pad]

    def compute(self, strokes: list[np.ndarray], frame: raster.Frame, points: bool = False,
                keys: list[bytes] | None = None) -> np.ndarray:
        """Probabilities over the frame's cells (the frame must be aligned to the stride).
        `keys` are the strokes' `stroke_key`s when the caller has them already."""
        s, win = self.stride, self.window
        h = max(0, (max(frame.height, win) - win) // s + 1)
        w = max(0, (max(frame.width, win) - win) // s + 1)
        row0 = int(round(frame.origin_y * frame.k / s))
        col0 = int(round(frame.origin_x * frame.k / s))
        keys = keys if keys is not None else [stroke_key(st) for st in strokes]
        boxes = {k: np.array([*st.min(0), *st.max(0)]) for k, st in zip(keys, strokes)}

        reuse = (self._probs is not None and self._k == frame.k and self._points == points)
        if reuse:
            changed = [b for k, b in boxes.items() if k not in self._boxes]
            changed += [b for k, b in self._boxes.items() if k not in boxes]
        out = None
        if reuse:
            out = np.empty((self._probs.shape[0], h, w), np.float32)
            dirty = np.ones((h, w), bool)
            pr, pc = self._cell0
            ph, pw = self._probs.shape[1:]
            # Overlap of the old and new cell grids, in new-grid indices.
            r_a, r_b = max(pr - row0, 0), min(pr + ph - row0, h)
            c_a, c_b = max(pc - col0, 0), min(pc + pw - col0, w)
            if r_a < r_b and c_a < c_b:
                out[:, r_a:r_b, c_a:c_b] = self._probs[:, r_a + row0 - pr:r_b + row0 - pr,
                                                       c_a + col0 - pc:c_b + col0 - pc]
                dirty[r_a:r_b, c_a:c_b] = False
            pad = raster.THICKNESS + 2  # anti-aliased ink reaches past the points
            for b in changed:
                x1, y1 = (b[0] - frame.origin_x) * frame.k - pad, (b[1] - frame.origin_y) * frame.k - pad
                x2, y2 = (b[2] - frame.origin_x) * frame.k + pad, (b[3] - frame.origin_y) * frame.k + pad
                # Cells whose window [s*j, s*j+win) meets [x1, x2].
                ja, jb = max(int(np.floor((x1 - win + 1) / s)), 0), min(int(np.floor(x2 / s)), w - 1)
                ia, ib = max(int(np.floor((y1 - win + 1) / s)), 0), min(int(np.floor(y2 / s)), h - 1)
                if ja <= jb and ia <= ib:
                    dirty[ia:ib + 1, ja:jb + 1] = True
            if dirty.any():
                rows, cols = np.flatnonzero(dirty.any(1)), np.flatnonzero(dirty.any(0))
                r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
                img = self._render(strokes, frame, r0, c0, r1 - r0, c1 - c0, points)
                out[:, r0:r1, c0:c1] = self._run(img)
                self.last_cells_computed = int((r1 - r0) * (c1 - c0))
            else:
                self.last_cells_computed = 0
        if out is None:
            img = self._render(strokes, frame, 0, 0, max(h, 1), max(w, 1), points)
            out = self._run(img)
            self.last_cells_computed = int(out.shape[1] * out.shape[2])
        self._k, self._points, self._probs, self._cell0, self._boxes = frame.k, points, out, (row0, col0), boxes
        return out
