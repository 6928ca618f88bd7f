"""Plain-data results passed between the recognizer's stages and its clients."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .raster import Frame

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in the input's own coordinates


@dataclass
class Symbol:
    label: str                      # a class name from classes.SYMBOLS, e.g. "x", "\\sqrt", "-"
    score: float                    # probability of `label`, 0..1
    box: Box                        # the ink's bounding box, input coordinates
    strokes: list[int] = field(default_factory=list)  # indices of the input's strokes, ascending
    alternatives: list[tuple[str, float]] = field(default_factory=list)  # top-5 incl. label, best first

    def with_label(self, label: str) -> "Symbol":
        """The same ink read as another class (a user's correction)."""
        score = dict(self.alternatives).get(label, self.score)
        return replace(self, label=label, score=score)

    def to_json(self) -> dict:
        return {"label": self.label, "score": round(float(self.score), 4),
                "box": [round(float(v), 2) for v in self.box], "strokes": list(self.strokes),
                "alternatives": [[a, round(float(s), 4)] for a, s in self.alternatives]}


@dataclass
class Heatmap:
    """Per-window class probabilities of the network over the (normalised) canvas.

    probs[c, i, j] is the probability of class c for the window whose centre, in
    the network's image, is pixel (stride*j + (window-1)/2, stride*i + (window-1)/2);
    `frame` maps input coordinates to that image.
    """
    probs: np.ndarray               # (C+1, h, w) float32, softmax over classes
    classes: list[str]              # C symbol classes then background
    frame: Frame
    window: int
    stride: int

    def cell_center(self, i: float, j: float) -> tuple[float, float]:
        """Centre of cell (i, j) in input coordinates."""
        c = (self.window - 1) / 2
        x, y = self.frame.to_input(np.array([self.stride * j + c, self.stride * i + c]))
        return float(x), float(y)

    def extent(self) -> Box:
        """Input-coordinate rectangle spanned by the cells (each cell drawn as a stride×stride tile)."""
        h, w = self.probs.shape[1:]
        x1, y1 = self.cell_center(-0.5, -0.5)
        x2, y2 = self.cell_center(h - 0.5, w - 0.5)
        return (x1, y1, x2, y2)

    def confidence(self) -> tuple[np.ndarray, np.ndarray]:
        """(best symbol class index, its probability) per cell; background excluded."""
        sym = self.probs[:-1]
        return sym.argmax(0), sym.max(0)


@dataclass
class Recognition:
    symbols: list[Symbol]
    text: str
    latex: str
    heatmap: Heatmap | None = None
    ms: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # stage -> milliseconds
    tree: list = field(default_factory=list)  # the layout tree (layout.LayoutNode) `latex` comes from

    @property
    def mathml(self) -> str:
        """Presentation MathML written from the same tree as `latex`; built when asked for,
        so live recognition does not pay for it."""
        from .mathml import to_mathml
        return to_mathml(self.tree)

    def to_json(self) -> dict:
        return {"text": self.text, "latex": self.latex, "mathml": self.mathml, "ms": round(self.ms, 2),
                "symbols": [s.to_json() for s in self.symbols]}
