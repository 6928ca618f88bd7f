"""Plain-data results passed between the recognizer's stages and its clients.

The floor every stage stands on: it imports nothing of the pipeline, so any stage (and
the app) may use these types without pulling in another.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in the input's own coordinates


@dataclass
class Symbol:
    label: str                      # a class name from classes.SYMBOLS, e.g. "x", "\\sqrt", "-"
    score: float                    # probability of `label`, 0..1
    box: Box                        # the ink's bounding box, input coordinates
    strokes: list[int] = field(default_factory=list)  # indices of the input's strokes, ascending
    alternatives: list[tuple[str, float]] = field(default_factory=list)  # top-5 incl. label, best first
    personal: bool = False          # the user's own samples (personal.py) decided the label

    def with_label(self, label: str) -> "Symbol":
        """The same ink read as another class (a user's correction)."""
        score = dict(self.alternatives).get(label, self.score)
        return replace(self, label=label, score=score, personal=False)

    def to_json(self) -> dict:
        return {"label": self.label, "score": round(float(self.score), 4),
                "box": [round(float(v), 2) for v in self.box], "strokes": list(self.strokes),
                "alternatives": [[a, round(float(s), 4)] for a, s in self.alternatives],
                **({"personal": True} if self.personal else {})}


@dataclass
class Heatmap:
    """Per-window class probabilities of the network over the (normalised) canvas.

    probs[c, i, j] is the probability of class c for the window whose centre, in
    the network's image, is pixel (stride*j + (window-1)/2, stride*i + (window-1)/2);
    `frame` maps input coordinates to that image.
    """
    probs: np.ndarray               # (C+1, h, w) float32, softmax over classes
    classes: list[str]              # C symbol classes then background
    frame: "Frame"                  # raster.Frame: input coordinates <-> the network's image
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
class LayoutNode:
    """One node of the layout tree: a symbol, a fraction or a root.

    rels maps a relation to a row (a list of nodes): "sub", "sup", "above",
    "below" on any node; "num"/"den" on a fraction; "arg"/"index" on a root.
    `symbol` is the index in the input list of the symbol the node stands for
    (the bar of a fraction, the radical of a root). `confidence` is the share the
    layout's model gave the placement it chose (after the previous node of its line,
    or opening a script) among all the placements it weighed; 1.0 where the node was
    placed by a region (fraction, root, limits), by the hand-set rules, or is the first
    of its row. `placement` says what was chosen and what came second (None there).
    """
    label: str
    kind: str = "sym"  # "sym" | "frac" | "sqrt"
    rels: dict[str, list["LayoutNode"]] = field(default_factory=dict)
    symbol: int | None = None
    confidence: float = 1.0
    placement: "Placement | None" = None


@dataclass(frozen=True)
class Placement:
    """How the layout placed a node against the symbols before it.

    `relation` is "right" (it continues the line of symbol `base`), "sup" or "sub" (it
    opens a script of `base`); `second` and `second_base` the runner-up placement, and
    `second_confidence` its share; `options` every placement weighed, as (relation, base,
    share), the likeliest first."""
    base: int | None
    relation: str
    second: str | None = None
    second_base: int | None = None
    second_confidence: float = 0.0
    options: tuple = ()


def union_box(boxes) -> Box:
    """The box enclosing all of these boxes (a symbol with other ink joined to it)."""
    boxes = list(boxes)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def tree_nodes(tree: list[LayoutNode]):
    """Every node of a tree (or of a row), in no particular order."""
    pending = list(tree)
    while pending:
        n = pending.pop()
        yield n
        for row in n.rels.values():
            pending.extend(row)


def row_symbols(row: list[LayoutNode]) -> list[int]:
    """The symbol indices of every node in a row and under it."""
    return [n.symbol for n in tree_nodes(row) if n.symbol is not None]


def uncertain_placements(tree: list[LayoutNode], below: float) -> list[LayoutNode]:
    """The nodes of the tree whose placement the layout was less sure of than `below`,
    in reading order of the tree."""
    out, pending = [], [list(tree)]
    while pending:
        row = pending.pop(0)
        for n in row:
            if n.placement is not None and n.confidence < below:
                out.append(n)
            pending.extend(n.rels.values())
    return out


@dataclass
class Expression:
    """The layout stage's answer: the tree and the two forms written from it."""
    tree: list[LayoutNode]
    text: str
    latex: str


@dataclass
class Recognition:
    symbols: list[Symbol]
    text: str
    latex: str
    heatmap: Heatmap | None = None
    ms: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # stage -> milliseconds
    tree: list[LayoutNode] = field(default_factory=list)  # the layout tree `latex` comes from
