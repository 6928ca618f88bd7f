"""The strokes a label needs: when a user reads a symbol as `i`, its dot comes with it.

The detector may read an `i` as a stem and a separate `.` (shown as `i^{.}`), or an `=` as two
minus signs.  A correction to a label made of several parts takes the neighbouring symbol
that is that missing part, by geometry alone: a small mark above the stem of an i or j, a
flat bar above or below for =, under for ≤ ≥ ±, marks above and below for ÷, a dot under
the bar of a !.
"""
from __future__ import annotations

from dataclasses import replace

from .result import Symbol, union_box

# label -> the places where its other parts sit, each "above" or "below" the chosen symbol
PARTS: dict[str, tuple[str, ...]] = {
    "i": ("above",), "j": ("above",), "!": ("below",),
    "=": ("above|below",), "\\leq": ("below",), "\\geq": ("below",), "\\pm": ("below",),
    "\\div": ("above", "below"),
}
DOTS = {"i": True, "j": True, "!": True, "\\div": True}   # their parts are small marks, not bars


def _wh(box) -> tuple[float, float]:
    return max(box[2] - box[0], 1e-6), max(box[3] - box[1], 1e-6)


def _fits(main: Symbol, other: Symbol, where: str, dot: bool) -> float | None:
    """How far `other` is from being that part of `main` (smaller is better), None if it is not."""
    (x1, y1, x2, y2), (a1, b1, a2, b2) = main.box, other.box
    w, h = _wh(main.box)
    ow, oh = _wh(other.box)
    size = max(w, h)
    if dot:
        if max(ow, oh) > 0.6 * size:
            return None
        reach_x = 0.6 * size
    else:   # a bar: flat, and about as wide as the symbol
        if oh > 0.5 * ow or not (0.4 * w <= ow <= 2.5 * w):
            return None
        reach_x = 0.3 * w
    cx = (a1 + a2) / 2
    if not (x1 - reach_x <= cx <= x2 + reach_x):
        return None
    gap = y1 - b2 if where == "above" else b1 - y2
    if gap < -0.5 * oh or gap > 1.2 * size:
        return None
    return max(gap, 0.0) + abs(cx - (x1 + x2) / 2)


def strokes_for_label(symbols: list[Symbol], index: int, label: str) -> list[int]:
    """The strokes of symbols[index], plus those of the neighbours that `label` needs."""
    main = symbols[index]
    strokes = set(main.strokes)
    taken = {index}
    for spec in PARTS.get(label, ()):
        best = None
        for where in spec.split("|"):
            for j, other in enumerate(symbols):
                if j in taken or not other.strokes:
                    continue
                d = _fits(main, other, where, DOTS.get(label, False))
                if d is not None and (best is None or d < best[0]):
                    best = (d, j)
        if best is not None:
            taken.add(best[1])
            strokes |= set(symbols[best[1]].strokes)
    return sorted(strokes)


def relabelled(symbols: list[Symbol], index: int, label: str) -> list[Symbol]:
    """The symbols with symbols[index] read as `label`, its missing parts merged into it."""
    strokes = set(strokes_for_label(symbols, index, label))
    main = symbols[index].with_label(label)
    parts = [s for j, s in enumerate(symbols) if j != index and s.strokes and set(s.strokes) <= strokes]
    if parts:
        main = replace(main, strokes=sorted(strokes), box=union_box([main.box] + [p.box for p in parts]))
    gone = {id(p) for p in parts}
    return [main if j == index else s for j, s in enumerate(symbols) if id(s) not in gone]
