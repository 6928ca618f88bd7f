"""A lim written as letters: "l", "i", "m" read apart ("|im", "li" read as a b, then m) over
limits that hold an arrow.

The network reads a lim's letters apart when the writer spaced them, and the layout then has
no operator to hang the limits from: `\\lim_{x\\to\\infty} f(x)` comes back as
`x^{b}\\rightarrow m_{\\infty}f(x)`. A lim's limits hold an arrow (291 of the 293 written in
train/ and train-extra/), so where ink holding an arrow lies under a run of two to four
symbols and nothing there reads as a lim, each such run is read once more as one symbol. The
network says whether it is a lim, and the layout whether the ink under it is its limits.

The network reads almost any few symbols made one as a lim (an integral and the letters after
it: 0.99), so its word alone does not settle it: the run lies over its limits (their span holds
its middle), is read as letters (`NOT_LIM_PARTS`: no sum, integral or relation), is written
before the arrow (as a lim is before its limits), and the layout must hang the arrow under it.
`reread` runs in the one-line path (`Recognizer._recognize`), so a line reads the same alone
and as a piece of several lines (multiline.py), and two proposed lines read as one get it too.
"""
from __future__ import annotations

import numpy as np

from .notation.tables import RELATIONS
from .result import Recognition, Symbol, row_symbols, tree_nodes

ARROWS = {"\\rightarrow", "\\to", "\\longrightarrow"}
# What a lim's letters are never read as.
NOT_LIM_PARTS = {"\\sum", "\\int"} | RELATIONS
LIM_LETTERS = (2, 3, 4)  # a lim read apart: l, i, m, the i's dot maybe apart; "li" read as a b, m
WIDEN = 0.5            # the l of a lim may stand this many symbol heights left of its limits
ROW = 0.6              # the limits' row: middles within this many symbol heights of the arrow's
ROW_GAP = 1.5          # ... each within this many symbol heights of the next, left to right


def runs_over(symbols: list[Symbol], limits: tuple[float, float]) -> list[list[int]]:
    """The runs of LIM_LETTERS symbols (indices, left to right) that could be a lim over limits
    spanning `limits` (x1, x2), widened by WIDEN symbol heights: each symbol's middle within
    that span, none read as NOT_LIM_PARTS, starting at the first symbol that ends right of
    where the span starts (limits start under their lim or left of it) or at the next."""
    if not symbols:
        return []
    widen = WIDEN * float(np.median([s.box[3] - s.box[1] for s in symbols]))
    x1, x2 = limits[0] - widen, limits[1] + widen
    order = sorted(range(len(symbols)), key=lambda k: symbols[k].box[0])
    start = next((n for n, k in enumerate(order) if symbols[k].box[2] > x1), None)
    if start is None:
        return []
    out = []
    for first in (start, start + 1):
        for count in LIM_LETTERS:
            run = order[first:first + count]
            if len(run) == count and all(symbols[k].label not in NOT_LIM_PARTS
                                         and x1 <= (symbols[k].box[0] + symbols[k].box[2]) / 2 <= x2
                                         for k in run):
                out.append(run)
    return out


def _lim_score(r: Recognition, strokes: list[int]) -> float | None:
    """The network's probability that the symbol of exactly these strokes is a lim, when the
    reading makes them one lim; None otherwise."""
    for s in r.symbols:
        if sorted(s.strokes) == strokes and s.label == "\\lim":
            return dict(s.alternatives).get("\\lim", s.score)
    return None


def _row_of(symbols: list[Symbol], arrow: int) -> list[int]:
    """The limits' row around an arrow: the symbols whose middles lie at its height, chained to
    it left and right."""
    h = float(np.median([s.box[3] - s.box[1] for s in symbols]))
    mid = (symbols[arrow].box[1] + symbols[arrow].box[3]) / 2
    level = [k for k, s in enumerate(symbols) if abs((s.box[1] + s.box[3]) / 2 - mid) <= ROW * h]
    level.sort(key=lambda k: symbols[k].box[0])
    at = level.index(arrow)
    lo = hi = at
    while lo > 0 and symbols[level[lo]].box[0] - symbols[level[lo - 1]].box[2] <= ROW_GAP * h:
        lo -= 1
    while hi + 1 < len(level) and symbols[level[hi + 1]].box[0] - symbols[level[hi]].box[2] <= ROW_GAP * h:
        hi += 1
    return level[lo:hi + 1]


def _holds(r: Recognition, lim_strokes: list[int], arrow_strokes: list[int]) -> bool:
    """Whether the reading hangs the arrow in the limits of the lim of these strokes."""
    for node in tree_nodes(r.tree):
        if node.symbol is None or sorted(r.symbols[node.symbol].strokes) != lim_strokes:
            continue
        return any(sorted(r.symbols[k].strokes) == arrow_strokes
                   for rel in ("sub", "below") for k in row_symbols(node.rels.get(rel, [])))
    return False


def reread(read, r: Recognition, constraints: dict | None) -> Recognition:
    """The one-line reading `r`, or where it holds an arrow and no lim, and a run of letters
    over the arrow's row read as one symbol is a lim with the arrow in its limits, that reading
    (the likeliest lim first). `read(constraints)` reads the same ink with other constraints
    (stroke tuples: label or None); the user's own stay."""
    symbols = r.symbols
    if len(symbols) < 4 or any(s.label == "\\lim" for s in symbols):
        return r
    cons = dict(constraints or {})
    taken = {i for key in cons for i in key}
    found = []
    for a in (k for k, s in enumerate(symbols) if s.label in ARROWS):
        row = _row_of(symbols, a)
        top = min(symbols[k].box[1] for k in row)
        span = (min(symbols[k].box[0] for k in row), max(symbols[k].box[2] for k in row))
        # A lim is written before its limits: what is over the row but written after the arrow
        # (the pi of x->pi/2) is the limits' own.
        first = min(symbols[a].strokes)
        over = [k for k, s in enumerate(symbols)
                if k not in row and (s.box[1] + s.box[3]) / 2 < top and max(s.strokes) < first]
        for run in runs_over([symbols[k] for k in over], span):
            group = sorted(i for n in run for i in symbols[over[n]].strokes)
            if taken.intersection(group):
                continue
            again = read({**cons, tuple(group): None})
            p = _lim_score(again, group)
            if p is not None and _holds(again, group, sorted(symbols[a].strokes)):
                found.append((-p, len(found), again))
    return min(found)[2] if found else r
