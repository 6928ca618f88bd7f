"""Layout: from recognised symbols to the expression's 2-D structure.

The symbols are first grouped by the ones that dominate a region (fraction
bars, square roots, the limits of \\sum \\int \\lim), widest first, so that an
outer fraction claims an inner one and each region is parsed on its own.
Each region is then read left to right along baselines: a symbol either
continues a line (the main row or a script line) or starts a superscript or
subscript of the symbol before it.

All geometry is relative to a robust size: the median x-height of the symbols
whose class says how tall they are (an `x` is one x-height, a `b` or a digit
about 1.4, a `g` hangs below the baseline). Brackets, operators and dots say
little about size and are left out of that median.

Coordinates: y grows downward.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .regions import HEADS as LEARNED_HEADS
from .result import Symbol

# Beyond this many symbols the 2-D pass (quadratic) is skipped: the row is read
# left to right, which is the baseline behaviour and keeps the call fast.
MAX_STRUCTURED = 300
MAX_DEPTH = 24

_X_HEIGHT = set("acemnorsuvwxz") | {"\\alpha", "\\sigma", "\\pi", "\\infty", "\\cos"}
_ASCENDER = (set("bdhiklt0123456789ABCEFGHILMNPRSTVXY!")
             | {"\\Delta", "\\theta", "\\lambda", "\\sin", "\\tan", "\\lim", "\\forall",
                "\\exists"})
_DESCENDER = set("gpqy") | {"\\gamma", "\\mu"}
_BOTH = set("fj") | {"\\beta", "\\phi", "\\log"}
_TALL = {"(", ")", "[", "]", "\\{", "\\}", "|", "\\sum", "\\int", "\\sqrt", "/"}
_DOTS = {".", ",", "\\ldots"}
_NO_SCRIPTS = {"+", "-", "=", "\\times", "\\div", "\\pm", "\\neq", "\\leq", "\\geq", "\\lt",
               "\\gt", "\\in", "\\rightarrow", "(", "[", "\\{", ".", ",", "\\ldots", "/",
               "\\prime", "!", "\\forall", "\\exists"}
_OPERATORS = {"+", "-", "=", "\\times", "\\div", "\\pm", "\\neq", "\\leq", "\\geq", "\\lt",
              "\\gt", "\\in", "\\rightarrow"}
_RELATIONS = {"=", "\\neq", "\\leq", "\\geq", "\\lt", "\\gt", "\\in", "\\rightarrow"}
_CLOSING = {")", "]", "\\}"}
_LIMIT_OPS = {"\\sum", "\\int", "\\lim"}
_FUNCTIONS = {"\\sin", "\\cos", "\\tan", "\\log", "\\lim"}

# Decision thresholds, in x-heights of the base. First set on the CROHME 2014
# test set (dev); the later ones (SMALL_*, BRACKET_*, SIZE_PENALTY, RELATION_RETURN)
# tuned with ground-truth symbols on a fixed train/ subset
# (`python -m model.layout_eval .../crohme/train --sample 2000 --seed 0`), dev only checked.
SCRIPT_OFFSET = 0.45      # vertical offset of centre lines beyond which a symbol is a script
SMALL_RATIO = 0.75        # below this size ratio to the base a symbol is "smaller"
SMALL_SCRIPT_FACTOR = 0.8  # a clearly smaller symbol needs less offset
SMALL_FLOOR, SMALL_POWER = 0.4, 1.0  # ... and the smaller, the less
SAME_SIZE, SAME_SIZE_FACTOR = 0.85, 1.3  # scripts are smaller: a same-size neighbour rarely is one
BRACKET_FACTOR = 1.4      # a full-size bracket needs a clearer offset to open a script
OPERATOR_FACTOR = 1.5     # operators and dots rarely open a script: ask for a clearer offset
CLOSE_LINE = 1.6         # a symbol this close to an outer line returns to it
SIZE_PENALTY = 1.0        # cost of a symbol too big for the script line it is level with
OPERATOR_XH, BRACKET_XH = 0.9, 0.5  # x-height suggested by an operator's width, a bracket's height
RELATION_RETURN = 1.6     # a relation this close to an outer line returns to it
TALL_OFFSET = 0.33        # for tall bases, the offset as a share of the base's height
GROW_GAP = 0.6            # a numerator or denominator continues past its bar up to this gap


@dataclass
class LayoutNode:
    """One node of the layout tree: a symbol, a fraction or a root.

    rels maps a relation to a row (a list of nodes): "sub", "sup", "above",
    "below" on any node; "num"/"den" on a fraction; "arg"/"index" on a root.
    `symbol` is the index in the input list of the symbol the node stands for
    (the bar of a fraction, the radical of a root). `confidence` is the
    probability the relation model gave to the relation that placed the node
    (after the previous node of its row, or opening its script); 1.0 where the
    node was placed by a region (fraction, root, limits) or by the hand-set rules.
    """
    label: str
    kind: str = "sym"  # "sym" | "frac" | "sqrt"
    rels: dict[str, list["LayoutNode"]] = field(default_factory=dict)
    symbol: int | None = None
    confidence: float = 1.0


@dataclass
class Expression:
    tree: list[LayoutNode]
    text: str
    latex: str


class _Unit:
    """A symbol, or a dominating symbol with the regions it has claimed."""
    __slots__ = ("label", "kind", "index", "x1", "y1", "x2", "y2", "parts", "mid", "xh",
                 "scripts", "conf", "head")

    def __init__(self, label, index, box, kind="sym"):
        self.label, self.index, self.kind = label, index, kind
        self.x1, self.y1, self.x2, self.y2 = box
        self.parts: dict[str, list[_Unit]] = {}
        self.scripts: dict[str, list[_Unit]] = {}
        self.mid = 0.0
        self.xh: float | None = None
        self.conf = 1.0
        self.head: _Unit | None = None  # a composite's bar or radical

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


def _clean_box(box) -> tuple[float, float, float, float]:
    try:
        v = [float(b) for b in box][:4]
    except (TypeError, ValueError):
        v = []
    v = [b if math.isfinite(b) else 0.0 for b in v] + [0.0] * (4 - len(v))
    return min(v[0], v[2]), min(v[1], v[3]), max(v[0], v[2]), max(v[1], v[3])


def _estimate(u: _Unit, g: float) -> None:
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


def _size(units: list[_Unit]) -> float:
    sizes = sorted(u.xh for u in units if u.xh and u.xh > 0)
    if sizes:
        return sizes[len(sizes) // 2]
    hs = sorted(u.h for u in units if u.h > 0 and u.label not in _DOTS)
    if hs:
        return hs[len(hs) // 2] * 0.7
    ws = sorted(u.w for u in units if u.w > 0)
    return ws[len(ws) // 2] if ws else 1.0


# ---------------------------------------------------------------- dominance

def _fraction_parts(bar: _Unit, units: list[_Unit], g: float):
    # Numerators often overhang the bar a little; a long bar does not reach further.
    tol = min(0.1 * bar.w, g) + 0.1 * g
    lo, hi = bar.x1 - tol, bar.x2 + tol
    def inside(u):
        if u is bar or not lo <= u.cx <= hi:
            return False
        # Level with the bar and past its end: the "=" after a fraction, not part of it.
        return not (u.y1 < bar.cy < u.y2 and not bar.x1 <= u.cx <= bar.x2)
    above = [u for u in units if inside(u) and u.cy < bar.cy]
    below = [u for u in units if inside(u) and u.cy > bar.cy]
    if not above or not below:
        return None
    above, below = _grown(above, units, bar, -1, g), _grown(below, units, bar, 1, g)
    # The parts must touch the bar: a minus sign far below a numerator is not a fraction.
    if min(bar.cy - u.y2 for u in above) > 2.5 * g or min(u.y1 - bar.cy for u in below) > 2.5 * g:
        return None
    return above, below


def _grown(members: list[_Unit], units: list[_Unit], bar: _Unit, side: int, g: float) -> list[_Unit]:
    """A numerator or denominator written past the end of a short bar ("x+2" under a bar
    drawn over "x+"): take the symbols that continue its line to the right, wholly on its
    side of the bar."""
    members = list(members)
    taken = {id(u) for u in members}
    while True:
        top, bot = min(u.y1 for u in members), max(u.y2 for u in members)
        right = max(u.x2 for u in members)
        mid = (top + bot) / 2
        nxt = None
        for u in units:
            if u is bar or id(u) in taken or u.cx <= right - 0.2 * g:
                continue
            beyond = u.y2 < bar.cy if side < 0 else u.y1 > bar.cy
            if (beyond and top - 0.2 * g <= u.cy <= bot + 0.2 * g and abs(u.cy - mid) < 0.8 * g
                    and u.x1 - right <= GROW_GAP * g and (nxt is None or u.x1 < nxt.x1)):
                nxt = u
        if nxt is None:
            return members
        members.append(nxt)
        taken.add(id(nxt))


def _sqrt_parts(rad: _Unit, units: list[_Unit], g: float):
    # The radicand starts under the bar; its last symbol often sticks out to the right.
    inside = [u for u in units if u is not rad and rad.x1 <= u.cx
              and u.x1 < rad.x2 - 0.25 * min(u.w, rad.w)
              and rad.y1 <= u.cy <= rad.y2 + 0.2 * rad.h]
    if not inside:
        return None
    # An index (the 3 of a cube root) sits small over the hook, left of the radicand.
    index = [u for u in inside if u.cx < rad.x1 + 0.3 * rad.w and u.y2 < rad.y1 + 0.55 * rad.h
             and u.h < 0.5 * rad.h]
    arg = [u for u in inside if u not in index]
    if not arg:
        arg, index = inside, []
    elif index and min(u.x1 for u in arg) < max(u.x2 for u in index):
        arg, index = inside, []
    return arg, index


def _limit_parts(op: _Unit, units: list[_Unit], g: float):
    ext = 0.3 * op.w
    out = {}
    for rel, side in (("below", 1), ("above", -1)):
        def beyond(u):
            return u.y1 > op.y2 - 0.15 * op.h if side > 0 else u.y2 < op.y1 + 0.15 * op.h
        members = [u for u in units if u is not op and op.x1 - ext <= u.cx <= op.x2 + ext
                   and beyond(u)
                   and (u.y1 - op.y2 if side > 0 else op.y1 - u.y2) < 1.5 * g + 0.3 * op.h]
        if not members:
            continue
        # Grow sideways: "x -> 0" under \lim is often wider than the \lim.
        grown = True
        while grown:
            grown = False
            top, bot = min(u.y1 for u in members), max(u.y2 for u in members)
            right = max(u.x2 for u in members)
            for u in units:
                if (u is not op and u not in members and beyond(u) and top - 0.2 * g <= u.cy
                        <= bot + 0.2 * g and right - 0.1 * g <= u.x1 <= right + 1.2 * g):
                    members.append(u)
                    grown = True
        out[rel] = members
    if op.label == "\\lim":
        out.pop("above", None)
    return out or None


def composite(kind: str, head: _Unit, parts: dict[str, list[_Unit]]) -> _Unit:
    """A fraction or root as one unit of its line: the bar's or radical's label and
    index, the box of everything it claimed, the centre line of its line."""
    comp = _Unit(head.label, head.index, (head.x1, head.y1, head.x2, head.y2), kind)
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


def hand_set_parts(head: _Unit, units: list[_Unit], g: float) -> dict[str, list[_Unit]]:
    """What the hand-set rules let `head` claim among `units`, by part name
    ("num", "den", "arg", "index", "above", "below"); {} for nothing."""
    if head.label == "-":
        parts = _fraction_parts(head, units, g)
        return {"num": parts[0], "den": parts[1]} if parts else {}
    if head.label == "\\sqrt":
        parts = _sqrt_parts(head, units, g)
        return {"arg": parts[0], **({"index": parts[1]} if parts[1] else {})} if parts else {}
    return _limit_parts(head, units, g) or {}


def _claim(head: _Unit, units: list[_Unit], g: float, regions=None) -> _Unit | None:
    """The unit `head` makes with the regions it claims among `units`; None when it
    claims none (a minus sign, a radical with nothing under it)."""
    parts = hand_set_parts(head, units, g)
    if regions is not None and head.label in LEARNED_HEADS:  # \int keeps its rules
        # The rules' answer is one of the model's inputs: it learns where they fail.
        parts = regions.parts(head, units, g, parts)
    if not parts:
        return None
    if head.label == "-":
        return composite("frac", head, parts)
    if head.label == "\\sqrt":
        return composite("sqrt", head, parts)
    return _limited(head, parts)


def _limited(op: _Unit, parts: dict[str, list[_Unit]]) -> _Unit:
    """A limit operator with its limits: the operator's own box and centre line."""
    comp = _Unit(op.label, op.index, (op.x1, op.y1, op.x2, op.y2))
    comp.parts = parts
    comp.mid = op.mid
    return comp


def _dominate(units: list[_Unit], g: float, regions=None) -> list[_Unit]:
    """Let fraction bars, roots and limit operators claim their regions, widest first."""
    units = list(units)
    tried: set[int] = set()
    while True:
        best = None
        for u in units:
            if u.kind != "sym" or id(u) in tried:
                continue
            if u.label in ("-", "\\sqrt", "\\sum", "\\int", "\\lim") and (
                    best is None or u.w > best.w):
                best = u
        if best is None:
            return units
        tried.add(id(best))
        comp = _claim(best, units, g, regions)
        if comp is None:
            continue
        claimed = {id(v) for vs in comp.parts.values() for v in vs}
        claimed.add(id(best))
        tried.add(id(comp))
        units = [v for v in units if id(v) not in claimed] + [comp]


# ---------------------------------------------------------------- baselines

def _offset(base: _Unit, u: _Unit, line_xh: float, g: float) -> float:
    """Signed vertical offset of `u` from `base` in units of the threshold:
    below -1 is a superscript, above 1 a subscript, between is the same line."""
    xh = base.xh if base.xh else line_xh
    xh = min(max(xh, 0.4 * g), 2.0 * g)
    threshold = SCRIPT_OFFSET
    if base.kind != "sym" or base.label in _TALL:
        threshold = max(threshold, TALL_OFFSET * base.h / xh)
    if u.xh and base.xh and u.xh < SMALL_RATIO * base.xh:
        # The smaller the symbol, the less offset it needs to read as a script.
        # Not within a number, where digit sizes drift: 720 is not 7^{20}.
        ratio = u.xh / base.xh
        if u.label.isdigit() and base.label.isdigit():
            ratio = SMALL_RATIO
        threshold *= SMALL_SCRIPT_FACTOR * max(SMALL_FLOOR, ratio / SMALL_RATIO) ** SMALL_POWER
    if u.label in _OPERATORS or u.label in _DOTS:
        threshold *= OPERATOR_FACTOR
    elif u.xh and base.xh and u.xh >= SAME_SIZE * base.xh:
        threshold *= SAME_SIZE_FACTOR
    if u.label in _TALL:
        threshold = max(threshold, TALL_OFFSET * u.h / xh)
        size = _apparent_xh(u)
        if size and base.xh and size >= SMALL_RATIO * base.xh:
            threshold *= BRACKET_FACTOR  # a full-size bracket rarely opens a script
    d = (u.mid - base.mid) / xh
    return d / threshold


class _Line:
    __slots__ = ("units", "owner", "rel", "xh")

    def __init__(self, owner, rel, xh):
        self.units: list[_Unit] = []
        self.owner, self.rel, self.xh = owner, rel, xh

    def ref(self) -> _Unit:
        for u in reversed(self.units):
            if u.label != "\\prime":
                return u
        return self.units[-1]

    def add(self, u: _Unit) -> None:
        self.units.append(u)
        sizes = sorted(v.xh for v in self.units if v.xh)
        if sizes:
            self.xh = sizes[len(sizes) // 2]


def _apparent_xh(u: _Unit) -> float | None:
    """The x-height a symbol suggests for its line: its own, or for operators and
    brackets a share of their width or height."""
    if u.xh:
        return u.xh
    if u.kind != "sym":
        return None
    if u.label in _OPERATORS:
        return u.w * OPERATOR_XH
    if u.label in ("(", ")", "[", "]", "\\{", "\\}", "|"):
        return u.h * BRACKET_XH
    return None


def _line_cost(line: "_Line", u: _Unit, r: float) -> float:
    """How badly `u` fits on `line` (its offset `r` in thresholds is within the line's
    band): the offset, plus a penalty when `u` is too big for a script line."""
    cost = abs(r)
    if line.owner is not None:
        size = _apparent_xh(u)
        ref = line.ref()
        if size and ref.xh and line.owner.xh and size * size > ref.xh * line.owner.xh:
            cost += SIZE_PENALTY
    return cost


def _scriptable(u: _Unit) -> bool:
    return u.kind != "sym" or (u.label not in _NO_SCRIPTS and u.label != "\\lim")


def _open_script(stack: list[_Line], k: int, rel: str, u: _Unit) -> None:
    if k >= MAX_DEPTH:  # scripts of scripts this deep are noise: keep them on the line
        stack[-1].add(u)
        return
    owner = stack[k].ref()
    del stack[k + 1:]
    line = _Line(owner, rel, stack[k].xh * 0.7)
    line.units = owner.scripts.setdefault(rel, [])
    line.add(u)
    stack.append(line)


def _learned_place(stack: list[_Line], u: _Unit, g: float, model, nxt=None) -> None:
    """Put `u` where the relation model finds it most probable: after the last
    symbol of one of the open lines, or opening a script of it."""
    ks = range(len(stack) - 1, -1, -1)  # innermost line first
    if u.label == "\\prime":
        ks = ks[:1]  # f', x^2': a prime stays with what it follows
    refs = [stack[k].ref() for k in ks]
    p = model.pair_probs([(r, stack[k].owner, stack[k].rel) for r, k in zip(refs, ks)], u, g,
                         nxt)
    best = None
    for i, k in enumerate(ks):
        opts = [("right", p[i, 1])]
        if _scriptable(refs[i]) and u.label not in _CLOSING and u.label != "\\prime":
            opts += [("sup", p[i, 2]), ("sub", p[i, 3])]
        for rel, q in opts:
            if best is None or q > best[2]:
                best = (k, rel, q)
    k, rel, q = best
    u.conf = float(q)
    if rel == "right":
        del stack[k + 1:]
        stack[k].add(u)
    else:
        _open_script(stack, k, rel, u)


def _baselines(units: list[_Unit], g: float, model=None) -> list[_Unit]:
    units = sorted(units, key=lambda u: (u.cx, u.y1))
    root = _Line(None, None, g)
    stack = [root]
    for i, u in enumerate(units):
        if not root.units:
            root.add(u)
            continue
        if model is not None:
            _learned_place(stack, u, g, model, units[i + 1] if i + 1 < len(units) else None)
            continue
        offsets = []  # (line depth, relation, offset in thresholds), innermost first
        for k in range(len(stack) - 1, -1, -1):
            r = _offset(stack[k].ref(), u, stack[k].xh, g)
            offsets.append((k, "sup" if r < -1 else "sub" if r > 1 else "right", r))
        same = [o for o in offsets if o[1] == "right"]
        if u.label in _RELATIONS and len(stack) > 1:
            # Relations (=, <, ->) end a script far more often than they sit in one:
            # near an outer line, the outermost such line takes them.
            near = [o for o in offsets if abs(o[2]) < RELATION_RETURN]
            if near:
                same = [max(near, key=lambda o: -o[0])]
        if u.label == "\\prime":
            same = offsets[:1]
        if same:
            # On more than one line's level (x^2 + : the + is level with both the 2
            # and the x): the nearest line wins, the inner one on a tie.
            k = min(same, key=lambda o: _line_cost(stack[o[0]], u, o[2]))[0]
            del stack[k + 1:]
            stack[k].add(u)
            continue
        candidates = [(k, rel, r) for k, rel, r in offsets
                      if _scriptable(stack[k].ref()) and u.label not in _CLOSING]
        k, rel = (candidates[0][:2] if candidates else (None, None))
        stacked = False
        # x_i^2: the 2 comes after the i but stacks over it, so it belongs to x, not to i.
        for ck, crel, _ in candidates:
            inner = stack[ck + 1] if ck + 1 < len(stack) else None
            if (inner is not None and inner.owner is stack[ck].ref() and inner.rel != crel
                    and u.x1 < inner.units[0].x2):
                k, rel, stacked = ck, crel, True
                break
        if not stacked:
            # Back from a script: x^2 + ..., where the + sits a little high for x
            # but much lower than the 2; take the line it is closest to.
            bk, _, br = min(offsets, key=lambda o: abs(o[2]))
            if (bk != offsets[0][0] and abs(br) < CLOSE_LINE and abs(offsets[0][2]) > abs(br)
                    or not candidates):
                del stack[bk + 1:]
                stack[bk].add(u)
                continue
        _open_script(stack, k, rel, u)
    return root.units


def _parse(units: list[_Unit], g: float, depth: int, model=None,
           regions=None) -> list[LayoutNode]:
    if not units:
        return []
    if depth > MAX_DEPTH or len(units) > MAX_STRUCTURED:
        return [LayoutNode(u.label, symbol=u.index) for u in sorted(units, key=lambda u: u.x1)]
    g_local = region_size(units, g) if depth else g
    row = _baselines(_dominate(units, g_local, regions), g_local, model)
    return [_to_node(u, g, depth, model, regions) for u in row]


def _to_node(u: _Unit, g: float, depth: int, model=None, regions=None) -> LayoutNode:
    node = LayoutNode(u.label, u.kind, {}, u.index, u.conf)
    # Claimed regions are parsed afresh; script lines were already read on the way.
    for rel, members in u.parts.items():
        node.rels[rel] = _parse(members, g, depth + 1, model, regions)
    for rel, line in u.scripts.items():
        node.rels[rel] = node.rels.get(rel, []) + [_to_node(v, g, depth + 1, model, regions)
                                                   for v in line]
    return node


def make_units(symbols) -> tuple[list[_Unit], float]:
    """The layout units of the symbols (box, centre line, x-height) and the
    expression's robust size; shared with the relation model's training."""
    units = []
    for i, s in enumerate(symbols or []):
        label = getattr(s, "label", "") or ""
        units.append(_Unit(label, i, _clean_box(getattr(s, "box", (0, 0, 0, 0)))))
    for u in units:
        _estimate(u, 1.0)
    g = _size(units) if units else 1.0
    if not (g > 0 and math.isfinite(g)):
        g = 1.0
    for u in units:
        _estimate(u, g)
    return units, g


def region_size(units: list[_Unit], g: float) -> float:
    """The robust size a nested region is read with (its own, kept near the whole's)."""
    return min(max(_size(units), 0.4 * g), 1.5 * g)


_DEFAULT_MODEL = object()


def assemble(symbols: list[Symbol], relations=_DEFAULT_MODEL,
             regions=_DEFAULT_MODEL) -> Expression:
    """The expression the symbols form; never raises on odd input.

    `relations` is the relation model that decides scripts and baselines (default:
    the shipped one, model/recognition/relations.py); None, or a shipped model
    that cannot be loaded, means the hand-set thresholds. `regions` is the model of
    what fraction bars, radicals and limit operators claim (regions.py); its
    default is the shipped one, or None (the hand-set region rules) when
    `relations` is None, so that None alone gives the whole hand-set layout."""
    if regions is _DEFAULT_MODEL:
        if relations is None:
            regions = None
        else:
            from .regions import default_model as default_regions
            regions = default_regions()
    if relations is _DEFAULT_MODEL:
        from .relations import default_model
        relations = default_model()
    units, g = make_units(symbols)
    if not units:
        return Expression([], "", "")
    tree = _parse(units, g, 0, relations, regions)
    return Expression(tree, to_text(tree), to_latex(tree))


# ---------------------------------------------------------------- output

# A radical that claimed no radicand is written with an empty one: a bare `\sqrt` would
# take the next symbol as its argument, and the LaTeX would say more than the layout found.
_LATEX = {"\\lt": "<", "\\gt": ">", "\\prime": "'", "\\sqrt": "\\sqrt{}"}
_TEXT = {"\\alpha": "α", "\\beta": "β", "\\gamma": "γ", "\\theta": "θ", "\\pi": "π",
         "\\sigma": "σ", "\\phi": "φ", "\\mu": "μ", "\\lambda": "λ", "\\Delta": "Δ",
         "\\times": "×", "\\div": "÷", "\\pm": "±", "\\neq": "≠", "\\leq": "≤",
         "\\geq": "≥",
         "\\lt": "<", "\\gt": ">", "\\in": "∈", "\\rightarrow": "→", "\\sum": "∑",
         "\\int": "∫", "\\infty": "∞", "\\ldots": "…", "\\prime": "'", "\\forall": "∀",
         "\\exists": "∃", "\\{": "{", "\\}": "}", "\\sqrt": "√"}


def _join(parts: list[str]) -> str:
    out = ""
    for p in parts:
        # "\sin x", not "\sinx": a command name must not run into a following letter.
        if out and p and p[0].isalpha() and out[-1].isalpha() and _ends_with_command(out):
            out += " "
        out += p
    return out


def _ends_with_command(s: str) -> bool:
    i = len(s)
    while i > 0 and s[i - 1].isalpha():
        i -= 1
    return i > 0 and s[i - 1] == "\\"


def to_latex(row: list[LayoutNode]) -> str:
    parts = []
    for n in row:
        rels = n.rels
        if n.kind == "frac":
            parts.append("\\frac{%s}{%s}" % (to_latex(rels.get("num", [])),
                                              to_latex(rels.get("den", []))))
        elif n.kind == "sqrt":
            idx = rels.get("index")
            index = to_latex(idx) if idx else ""
            if "]" in index:   # a "]" in the index would close it early
                index = "{%s}" % index
            parts.append(("\\sqrt[%s]" % index if idx else "\\sqrt")
                         + "{%s}" % to_latex(rels.get("arg", [])))
        else:
            label = _LATEX.get(n.label, n.label)
            if n.label in _LIMIT_OPS:
                sub = rels.get("below", []) + rels.get("sub", [])
                sup = rels.get("above", []) + rels.get("sup", [])
            else:
                sub, sup = rels.get("sub"), rels.get("sup")
                if rels.get("above"):
                    label = "\\overset{%s}{%s}" % (to_latex(rels["above"]), label)
                if rels.get("below"):
                    label = "\\underset{%s}{%s}" % (to_latex(rels["below"]), label)
            parts.append(label)
            if sub:
                parts.append("_{%s}" % to_latex(sub))
            if sup:
                parts.append("^{%s}" % to_latex(sup))
            continue
        for rel, mark in (("sub", "_"), ("sup", "^")):
            if rels.get(rel):
                parts.append("%s{%s}" % (mark, to_latex(rels[rel])))
    return _join(parts)


def _group(row: list[LayoutNode]) -> str:
    s = to_text(row)
    return s if len(row) == 1 and not row[0].rels and len(s) <= 3 else "(%s)" % s


def to_text(row: list[LayoutNode]) -> str:
    parts = []
    for n in row:
        rels = n.rels
        if n.kind == "frac":
            parts.append("%s/%s" % (_group(rels.get("num", [])), _group(rels.get("den", []))))
        elif n.kind == "sqrt":
            idx = rels.get("index")
            parts.append(("root(%s, %s)" % (to_text(idx), to_text(rels.get("arg", []))))
                         if idx else "sqrt(%s)" % to_text(rels.get("arg", [])))
        else:
            parts.append(n.label[1:] if n.label in _FUNCTIONS else _TEXT.get(n.label, n.label))
        sub = rels.get("below", []) + rels.get("sub", [])
        sup = rels.get("above", []) + rels.get("sup", [])
        if sub:
            parts.append("_" + _group(sub))
        if sup:
            parts.append("^" + _group(sup))
        if n.label in _FUNCTIONS:
            parts.append(" ")  # "sin x", "lim_(x→0) f"
    return "".join(parts).strip()
