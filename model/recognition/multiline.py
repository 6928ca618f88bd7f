"""Ink on several lines, or holding a matrix or cases, read as rows and cells.

`lines.breaks` parts the ink into lines and `grids.find` finds the matrices and cases in each;
every line piece and every cell is then read by the recognizer's own one-line path
(`Recognizer._recognize`) on its strokes alone, so it is read at the writing scale it would
have standing alone, and reads exactly as it would alone. The pieces come together as table
nodes (notation/tables.py):

* lines: `aligned`, with the alignment before the first relation of each line, when every
  line has one (a line with none, followed by one that begins with a relation, aligns at its
  end: that next line continues it); `gathered` otherwise;
* a grid: its environment, its rows of cells, between what the line holds before and after it.

`read` answers None for ink on one line without a grid: the one-line path reads it unchanged.
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from . import grids, lines, raster
from .ink_input import prepare_strokes
from .notation.latex import to_latex, to_text
from .notation.tables import RELATIONS, table
from .result import LayoutNode, Recognition, Symbol


def read(rec, strokes, want_heatmap: bool, constraints: dict | None = None,
         placements=None, point_ink: bool = False) -> Recognition | None:
    """The recognition of ink with several lines or a grid, or None when it has neither."""
    t0 = time.perf_counter()
    clean, index = prepare_strokes(strokes)
    if len(clean) < 2:
        return None
    scale = raster.writing_scale(clean, clean=True)
    groups = lines.breaks(clean, scale, operator=operator_reader(rec, clean, point_ink))
    found = [grids.find(clean, g, scale, _delimiter_reader(rec, clean, point_ink)) for g in groups]
    if len(groups) == 1 and not found[0]:
        return None
    split_ms = (time.perf_counter() - t0) * 1e3
    reader = _Reader(rec, strokes, index, constraints, placements, point_ink)
    trees = [reader.line(clean, g, gs) for g, gs in zip(groups, found)]
    tree = joined(trees)
    heat = None
    if want_heatmap:
        t = time.perf_counter()
        heat = rec.heatmap(clean, rec.frame(clean), point_ink)
        reader.timings["heatmap"] = reader.timings.get("heatmap", 0.0) + (time.perf_counter() - t) * 1e3
    reader.timings["lines"] = split_ms
    return Recognition(reader.symbols, to_text(tree), to_latex(tree), heat,
                       (time.perf_counter() - t0) * 1e3, reader.timings, tree)


def joined(trees: list[list[LayoutNode]]) -> list[LayoutNode]:
    """Lines (each a layout row) as one tree: the row itself when there is one line."""
    if len(trees) == 1:
        return trees[0]
    at = [first_relation(t) for t in trees]
    # A line without a relation aligns at its end when the next one begins with one.
    points = [a if a is not None else (len(t) if k + 1 < len(trees) and at[k + 1] == 0 else None)
              for k, (t, a) in enumerate(zip(trees, at))]
    if all(p is not None for p in points):
        return [table("aligned", [[t[:p], t[p:]] for t, p in zip(trees, points)])]
    return [table("gathered", [[t] for t in trees])]


def first_relation(row: list[LayoutNode]) -> int | None:
    for k, n in enumerate(row):
        if n.kind == "sym" and n.label in RELATIONS:
            return k
    return None


class _Reader:
    """Reads pieces of the ink with the one-line path and gathers their symbols, the tree
    nodes pointing into the one list of them."""

    def __init__(self, rec, strokes, index: list[int], constraints, placements, point_ink: bool):
        self.rec, self.strokes, self.index = rec, strokes, index
        self.constraints, self.placements, self.point_ink = constraints or {}, placements or {}, point_ink
        self.symbols: list[Symbol] = []
        self.timings: dict[str, float] = {}

    def line(self, clean, members: list[int], found: list[grids.Grid]) -> list[LayoutNode]:
        """One line: the pieces between its grids read alone, the grids as tables. Every
        stroke outside the grids goes to the piece on its side of the nearest grid's middle."""
        boxes = lines.stroke_boxes(clean)
        found = sorted(found, key=lambda g: boxes[g.left, 0].min())
        middles = [boxes[sorted(g.strokes)][:, [0, 2]].mean() for g in found]
        pieces: list[list[int]] = [[] for _ in range(len(found) + 1)]
        inside = {i for g in found for i in g.strokes}
        for i in members:
            if i not in inside:
                pieces[int(np.searchsorted(middles, (boxes[i, 0] + boxes[i, 2]) / 2))].append(i)
        out = self.piece(pieces[0])
        for g, after in zip(found, pieces[1:]):
            out.append(table(g.env, [[self.piece(c) for c in r] for r in g.rows]))
            out += self.piece(after)
        return out

    def piece(self, members: list[int]) -> list[LayoutNode]:
        """The layout row of some strokes (indices into the usable strokes) read alone."""
        if not members:
            return []
        given = [self.index[i] for i in sorted(members)]     # input stroke indices
        local = {s: k for k, s in enumerate(given)}
        cons = {tuple(local[i] for i in key): label for key, label in self.constraints.items()
                if all(i in local for i in key)}
        places = {tuple(local[i] for i in key): (rel, tuple(local[i] for i in base) if base else None)
                  for key, (rel, base) in self.placements.items()
                  if all(i in local for i in key) and (base is None or all(i in local for i in base))}
        r = self.rec._recognize([self.strokes[i] for i in given], False, self.point_ink,
                                constraints=cons or None, placements=places or None)
        for stage, ms in r.timings.items():
            self.timings[stage] = self.timings.get(stage, 0.0) + ms
        offset = len(self.symbols)
        self.symbols += [replace(s, strokes=[given[k] for k in s.strokes]) for s in r.symbols]
        return [_shifted(n, offset) for n in r.tree]


def _shifted(node: LayoutNode, offset: int) -> LayoutNode:
    """The node with its symbol indices (and those its placement names) moved by `offset`."""
    def moved(i):
        return None if i is None else i + offset
    p = node.placement
    if p is not None:
        p = replace(p, base=moved(p.base), second_base=moved(p.second_base),
                    options=tuple((rel, moved(b), share) for rel, b, share in p.options))
    return replace(node, symbol=moved(node.symbol), placement=p,
                   rels={k: [_shifted(n, offset) for n in v] for k, v in node.rels.items()})


def _delimiter_reader(rec, clean, point_ink: bool):
    """A delimiter's strokes read squashed back to the heights a bracket has in a line
    (grids.LINE_HEIGHTS): the probability those readings' alternatives give each delimiter
    class, summed ({} when no reading has a delimiter among them). One squash alone misreads
    a stretched brace or bracket often: its curls and hooks are drawn at their own size."""
    def read_delimiter(members: list[int], tall_box, scale: float) -> dict[str, float]:
        y1, h = tall_box[1], tall_box[3] - tall_box[1]
        votes: dict[str, float] = {}
        for height in grids.LINE_HEIGHTS:
            squash = height * scale / max(h, 1e-9)
            shrunk = [np.column_stack([clean[i][:, 0], y1 + (clean[i][:, 1] - y1) * squash]) for i in members]
            for s in rec._recognize(shrunk, False, point_ink).symbols:
                if 0 in s.strokes:   # the tall stroke's symbol
                    for label, p in s.alternatives:
                        if label in grids.DELIMITERS:
                            votes[label] = votes.get(label, 0.0) + p
        return votes
    return read_delimiter


BIG_OPERATORS = {"\\sum", "\\int", "\\lim"}


def operator_reader(rec, clean, point_ink: bool = False):
    """Whether some strokes, read alone, hold a big operator (lines.breaks asks where a low run
    faces them across a band: the limits of a \\sum, or a short line under a long one)."""
    def operator(members: list[int]) -> bool:
        r = rec._recognize([clean[i] for i in members], False, point_ink)
        return any(s.label in BIG_OPERATORS for s in r.symbols)
    return operator
