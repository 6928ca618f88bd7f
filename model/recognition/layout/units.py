"""The layout's units: each symbol's box, centre line and x-height, and the expression's size.

All geometry of the layout is relative to a robust size: the median x-height of the symbols
whose class says how tall they are (an `x` is one x-height, a `b` or a digit about 1.4, a `g`
hangs below the baseline). Brackets, operators and dots say little about size and are left
out of that median. Coordinates: y grows downward.

The relation and region models' training builds its samples from these same units
(`make_units`, `region_size`, `composite`), so training and use see the same features.
"""
from __future__ import annotations

import math

import numpy as np

from .. import writer

_X_HEIGHT = set("acemnorsuvwxz") | {"\\alpha", "\\sigma", "\\pi", "\\infty", "\\cos"}
_ASCENDER = (set("bdhiklt0123456789ABCEFGHILMNPRSTVXY!")
             | {"\\Delta", "\\theta", "\\lambda", "\\sin", "\\tan", "\\lim", "\\forall",
                "\\exists"})
_DESCENDER = set("gpqy") | {"\\gamma", "\\mu"}
_BOTH = set("fj") | {"\\beta", "\\phi", "\\log"}
TALL = {"(", ")", "[", "]", "\\{", "\\}", "|", "\\sum", "\\int", "\\sqrt", "/"}
DOTS = {".", ",", "\\ldots"}
NO_SCRIPTS = {"+", "-", "=", "\\times", "\\div", "\\pm", "\\neq", "\\leq", "\\geq", "\\lt",
              "\\gt", "\\in", "\\rightarrow", "(", "[", "\\{", ".", ",", "\\ldots", "/",
              "\\prime", "!", "\\forall", "\\exists"}
OPERATORS = {"+", "-", "=", "\\times", "\\div", "\\pm", "\\neq", "\\leq", "\\geq", "\\lt",
             "\\gt", "\\in", "\\rightarrow"}
RELATIONS = {"=", "\\neq", "\\leq", "\\geq", "\\lt", "\\gt", "\\in", "\\rightarrow"}
CLOSING = {")", "]", "\\}"}


class Unit:
    """A symbol, or a dominating symbol with the regions it has claimed."""
    __slots__ = ("label", "kind", "index", "x1", "y1", "x2", "y2", "parts", "mid", "xh",
                 "scripts", "conf", "head", "placement", "wsize", "wbase")

    def __init__(self, label, index, box, kind="sym"):
        self.label, self.index, self.kind = label, index, kind
        self.x1, self.y1, self.x2, self.y2 = box
        self.parts: dict[str, list[Unit]] = {}
        self.scripts: dict[str, list[Unit]] = {}
        self.mid = 0.0
        self.xh: float | None = None
        self.conf = 1.0
        self.placement = None  # result.Placement, set by the parser's learned choice
        self.head: Unit | None = None  # a composite's bar or radical
        # Against the writer's own frame in this expression (writer.py; None for symbols of no
        # size class and composites): log of its height to the writer's other symbols of its
        # class, and its baseline's offset below the main line in the writer's x-heights.
        self.wsize: float | None = None
        self.wbase: float | None = None

    @property
    def w(self):
        return self.x2 - self.x1

    @property
    def h(self):
        return self.y2 - self.y1

    @property
    def cx(self):
        return (self.x1 + self.x2) / 2

    @property
    def cy(self):
        return (self.y1 + self.y2) / 2


def unit_key(u: Unit | None) -> tuple | None:
    """What the models see of a unit (its symbol, kind, class and box): equal keys, equal
    answers, so the parses of one expression may share them."""
    if u is None:
        return None
    return (u.index, u.kind, u.label, u.x1, u.y1, u.x2, u.y2)


def scriptable(u: Unit) -> bool:
    return u.kind != "sym" or (u.label not in NO_SCRIPTS and u.label != "\\lim")


def _clean_box(box) -> tuple[float, float, float, float]:
    try:
        v = [float(b) for b in box][:4]
    except (TypeError, ValueError):
        v = []
    v = [b if math.isfinite(b) else 0.0 for b in v] + [0.0] * (4 - len(v))
    return min(v[0], v[2]), min(v[1], v[3]), max(v[0], v[2]), max(v[1], v[3])


def _estimate(u: Unit, g: float) -> None:
    """Set the unit's centre line (middle of its x-height band) and own x-height."""
    lab, h = u.label, u.h
    u.xh = None
    if u.kind != "sym":
        return  # composites set their own centre line
    if lab in _X_HEIGHT:
        u.xh, u.mid = h, u.cy
    elif lab in _ASCENDER:
        u.xh = h / 1.4
        u.mid = u.y2 - u.xh / 2
    elif lab in _DESCENDER:
        u.xh = h / 1.4
        u.mid = u.y1 + u.xh / 2
    elif lab in _BOTH:
        u.xh, u.mid = h / 1.8, u.cy
    elif lab == ".":
        u.mid = u.y2 - g / 2
    elif lab == ",":
        u.mid = u.y1 - g / 4
    elif lab == "\\ldots":
        u.mid = u.cy - g / 4
    else:  # operators, brackets, big operators: centred on the line
        u.mid = u.cy


def _size(units: list[Unit]) -> float:
    sizes = sorted(u.xh for u in units if u.xh and u.xh > 0)
    if sizes:
        return sizes[len(sizes) // 2]
    hs = sorted(u.h for u in units if u.h > 0 and u.label not in DOTS)
    if hs:
        return hs[len(hs) // 2] * 0.7
    ws = sorted(u.w for u in units if u.w > 0)
    return ws[len(ws) // 2] if ws else 1.0


def make_units(symbols) -> tuple[list[Unit], float]:
    """The layout units of the symbols (box, centre line, x-height) and the
    expression's robust size; shared with the relation model's training."""
    units = []
    for i, s in enumerate(symbols or []):
        label = getattr(s, "label", "") or ""
        units.append(Unit(label, i, _clean_box(getattr(s, "box", (0, 0, 0, 0)))))
    for u in units:
        _estimate(u, 1.0)
    g = _size(units) if units else 1.0
    if not (g > 0 and math.isfinite(g)):
        g = 1.0
    for u in units:
        _estimate(u, g)
    _writer_measures(units)
    return units, g


def _writer_measures(units: list[Unit]) -> None:
    """Each unit's size and baseline against the writer's own letters in this expression:
    a subscript written a little lower and smaller is one, when the writer's others are larger."""
    if len(units) < 2:
        return
    key = tuple((u.label, u.x1, u.y1, u.x2, u.y2) for u in units)
    measures = _MEASURED.get(key)
    if measures is None:
        sizes = writer.own_sizes(units)
        fr = writer.frame(units)
        measures = []
        for u, size in zip(units, sizes):
            off = writer.baseline_offset(fr, u.label, (u.x1, u.y1, u.x2, u.y2))
            measures.append((float(size) if np.isfinite(size) else None,
                             off if off is not None and math.isfinite(off) else None))
        # The readings of one expression make its units again for each parse: measured once.
        _MEASURED[key] = measures
        if len(_MEASURED) > 16:
            _MEASURED.pop(next(iter(_MEASURED)))
    for u, (size, off) in zip(units, measures):
        u.wsize, u.wbase = size, off


_MEASURED: dict = {}  # the writer measures of the last few symbol lists, oldest first


def region_size(units: list[Unit], g: float) -> float:
    """The robust size a nested region is read with (its own, kept near the whole's)."""
    return min(max(_size(units), 0.4 * g), 1.5 * g)


def composite(kind: str, head: Unit, parts: dict[str, list[Unit]]) -> Unit:
    """A fraction or root as one unit of its line: the bar's or radical's label and
    index, the box of everything it claimed, the centre line of its line."""
    comp = Unit(head.label, head.index, (head.x1, head.y1, head.x2, head.y2), kind)
    comp.parts = parts
    comp.head = head
    members = [v for vs in parts.values() for v in vs]
    comp.x1 = min([comp.x1] + [v.x1 for v in members])
    comp.x2 = max([comp.x2] + [v.x2 for v in members])
    comp.y1 = min([comp.y1] + [v.y1 for v in members])
    comp.y2 = max([comp.y2] + [v.y2 for v in members])
    if kind == "frac":
        comp.mid = head.cy
    else:
        mids = sorted(u.mid for u in parts.get("arg", []) if u.xh)
        comp.mid = mids[len(mids) // 2] if mids else head.cy
    return comp
