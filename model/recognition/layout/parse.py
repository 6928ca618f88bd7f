"""The layout's parser: from recognised symbols to the expression's 2-D structure.

The symbols are first grouped by the ones that dominate a region (fraction
bars, square roots, the limits of \\sum \\int \\lim), widest first, so that an
outer fraction claims an inner one and each region is parsed on its own.
Each region is then read left to right along baselines: a symbol either
continues a line (the main row or a script line) or starts a superscript or
subscript of the symbol before it.

Which region a dominating symbol claims is the region model's answer (regions.py) or the
hand-set rules' (rules.py); which line a symbol joins, or which script it opens, is the
relation model's (relations.py) or the rules'. All geometry is relative to the robust size
of units.py. Coordinates: y grows downward.
"""
from __future__ import annotations

from ..result import LayoutNode, Symbol
from .regions import HEADS as LEARNED_HEADS
from .rules import hand_set_parts, rule_place
from .units import CLOSING, Unit, composite, make_units, region_size, scriptable

# Beyond this many symbols the 2-D pass (quadratic) is skipped: the row is read
# left to right, which is the baseline behaviour and keeps the call fast.
MAX_STRUCTURED = 300
MAX_DEPTH = 24


def _claim(head: Unit, units: list[Unit], g: float, regions=None) -> Unit | None:
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


def _limited(op: Unit, parts: dict[str, list[Unit]]) -> Unit:
    """A limit operator with its limits: the operator's own box and centre line."""
    comp = Unit(op.label, op.index, (op.x1, op.y1, op.x2, op.y2))
    comp.parts = parts
    comp.mid = op.mid
    return comp


def _dominate(units: list[Unit], g: float, regions=None) -> list[Unit]:
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

class _Line:
    __slots__ = ("units", "owner", "rel", "xh")

    def __init__(self, owner, rel, xh):
        self.units: list[Unit] = []
        self.owner, self.rel, self.xh = owner, rel, xh

    def ref(self) -> Unit:
        for u in reversed(self.units):
            if u.label != "\\prime":
                return u
        return self.units[-1]

    def add(self, u: Unit) -> None:
        self.units.append(u)
        sizes = sorted(v.xh for v in self.units if v.xh)
        if sizes:
            self.xh = sizes[len(sizes) // 2]


def _open_script(stack: list[_Line], k: int, rel: str, u: Unit) -> None:
    if k >= MAX_DEPTH:  # scripts of scripts this deep are noise: keep them on the line
        stack[-1].add(u)
        return
    owner = stack[k].ref()
    del stack[k + 1:]
    line = _Line(owner, rel, stack[k].xh * 0.7)
    line.units = owner.scripts.setdefault(rel, [])
    line.add(u)
    stack.append(line)


def _learned_place(stack: list[_Line], u: Unit, g: float, model, nxt=None) -> tuple[int, str]:
    """Where the relation model finds `u` most probable: after the last symbol of one of
    the open lines (k, "right"), or opening a script of it (k, "sup"/"sub")."""
    ks = range(len(stack) - 1, -1, -1)  # innermost line first
    if u.label == "\\prime":
        ks = ks[:1]  # f', x^2': a prime stays with what it follows
    refs = [stack[k].ref() for k in ks]
    p = model.pair_probs([(r, stack[k].owner, stack[k].rel) for r, k in zip(refs, ks)], u, g,
                         nxt)
    best = None
    for i, k in enumerate(ks):
        opts = [("right", p[i, 1])]
        if scriptable(refs[i]) and u.label not in CLOSING and u.label != "\\prime":
            opts += [("sup", p[i, 2]), ("sub", p[i, 3])]
        for rel, q in opts:
            if best is None or q > best[2]:
                best = (k, rel, q)
    k, rel, q = best
    u.conf = float(q)
    return k, rel


def _baselines(units: list[Unit], g: float, model=None) -> list[Unit]:
    units = sorted(units, key=lambda u: (u.cx, u.y1))
    root = _Line(None, None, g)
    stack = [root]
    for i, u in enumerate(units):
        if not root.units:
            root.add(u)
            continue
        if model is not None:
            k, rel = _learned_place(stack, u, g, model, units[i + 1] if i + 1 < len(units) else None)
        else:
            k, rel = rule_place(stack, u, g)
        if rel == "right":
            del stack[k + 1:]
            stack[k].add(u)
        else:
            _open_script(stack, k, rel, u)
    return root.units


# ---------------------------------------------------------------- the tree

def _parse(units: list[Unit], g: float, depth: int, model=None,
           regions=None) -> list[LayoutNode]:
    if not units:
        return []
    if depth > MAX_DEPTH or len(units) > MAX_STRUCTURED:
        return [LayoutNode(u.label, symbol=u.index) for u in sorted(units, key=lambda u: u.x1)]
    g_local = region_size(units, g) if depth else g
    row = _baselines(_dominate(units, g_local, regions), g_local, model)
    return [_to_node(u, g, depth, model, regions) for u in row]


def _to_node(u: Unit, g: float, depth: int, model=None, regions=None) -> LayoutNode:
    node = LayoutNode(u.label, u.kind, {}, u.index, u.conf)
    # Claimed regions are parsed afresh; script lines were already read on the way.
    for rel, members in u.parts.items():
        node.rels[rel] = _parse(members, g, depth + 1, model, regions)
    for rel, line in u.scripts.items():
        node.rels[rel] = node.rels.get(rel, []) + [_to_node(v, g, depth + 1, model, regions)
                                                   for v in line]
    return node


SHIPPED = object()  # "the shipped model", as a default argument


def parse(symbols: list[Symbol], relations=SHIPPED, regions=SHIPPED) -> list[LayoutNode]:
    """The layout tree the symbols form; never raises on odd input.

    `relations` is the relation model that decides scripts and baselines (default:
    the shipped one, relations.py); None, or a shipped model that cannot be loaded,
    means the hand-set thresholds (rules.py). `regions` is the model of what fraction
    bars, radicals and limit operators claim (regions.py); its default is the shipped
    one, or None (the hand-set region rules) when `relations` is None, so that None
    alone gives the whole hand-set layout."""
    if regions is SHIPPED:
        if relations is None:
            regions = None
        else:
            from .regions import default_model as default_regions
            regions = default_regions()
    if relations is SHIPPED:
        from .relations import default_model
        relations = default_model()
    units, g = make_units(symbols)
    if not units:
        return []
    return _parse(units, g, 0, relations, regions)
