"""The hand-set layout rules: what a fraction bar, a radical or a limit operator claims, and
which line (or new script) a symbol joins, from its offset to the open lines.

They are the whole layout when no model is loaded (`assemble(..., relations=None)`), and the
region model takes their answer as one of its inputs (`hand_set_parts`): it learns where
they fail. Thresholds are in x-heights of the base (units.py).
"""
from __future__ import annotations

from .units import CLOSING, DOTS, OPERATORS, RELATIONS, TALL, Unit, scriptable

# Decision thresholds, in x-heights of the base. First set on the CROHME 2014
# test set (dev); the later ones (SMALL_*, BRACKET_*, SIZE_PENALTY, RELATION_RETURN)
# tuned with ground-truth symbols on a fixed train/ subset
# (`python -m model layout-eval .../crohme/train --sample 2000 --seed 0`), dev only checked.
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


# ---------------------------------------------------------------- regions

def _fraction_parts(bar: Unit, units: list[Unit], g: float):
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


def _grown(members: list[Unit], units: list[Unit], bar: Unit, side: int, g: float) -> list[Unit]:
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


def _sqrt_parts(rad: Unit, units: list[Unit], g: float):
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


def _limit_parts(op: Unit, units: list[Unit], g: float):
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


def hand_set_parts(head: Unit, units: list[Unit], g: float) -> dict[str, list[Unit]]:
    """What the hand-set rules let `head` claim among `units`, by part name
    ("num", "den", "arg", "index", "above", "below"); {} for nothing."""
    if head.label == "-":
        parts = _fraction_parts(head, units, g)
        return {"num": parts[0], "den": parts[1]} if parts else {}
    if head.label == "\\sqrt":
        parts = _sqrt_parts(head, units, g)
        return {"arg": parts[0], **({"index": parts[1]} if parts[1] else {})} if parts else {}
    return _limit_parts(head, units, g) or {}


# ---------------------------------------------------------------- lines

def _offset(base: Unit, u: Unit, line_xh: float, g: float) -> float:
    """Signed vertical offset of `u` from `base` in units of the threshold:
    below -1 is a superscript, above 1 a subscript, between is the same line."""
    xh = base.xh if base.xh else line_xh
    xh = min(max(xh, 0.4 * g), 2.0 * g)
    threshold = SCRIPT_OFFSET
    if base.kind != "sym" or base.label in TALL:
        threshold = max(threshold, TALL_OFFSET * base.h / xh)
    if u.xh and base.xh and u.xh < SMALL_RATIO * base.xh:
        # The smaller the symbol, the less offset it needs to read as a script.
        # Not within a number, where digit sizes drift: 720 is not 7^{20}.
        ratio = u.xh / base.xh
        if u.label.isdigit() and base.label.isdigit():
            ratio = SMALL_RATIO
        threshold *= SMALL_SCRIPT_FACTOR * max(SMALL_FLOOR, ratio / SMALL_RATIO) ** SMALL_POWER
    if u.label in OPERATORS or u.label in DOTS:
        threshold *= OPERATOR_FACTOR
    elif u.xh and base.xh and u.xh >= SAME_SIZE * base.xh:
        threshold *= SAME_SIZE_FACTOR
    if u.label in TALL:
        threshold = max(threshold, TALL_OFFSET * u.h / xh)
        size = _apparent_xh(u)
        if size and base.xh and size >= SMALL_RATIO * base.xh:
            threshold *= BRACKET_FACTOR  # a full-size bracket rarely opens a script
    d = (u.mid - base.mid) / xh
    return d / threshold


def _apparent_xh(u: Unit) -> float | None:
    """The x-height a symbol suggests for its line: its own, or for operators and
    brackets a share of their width or height."""
    if u.xh:
        return u.xh
    if u.kind != "sym":
        return None
    if u.label in OPERATORS:
        return u.w * OPERATOR_XH
    if u.label in ("(", ")", "[", "]", "\\{", "\\}", "|"):
        return u.h * BRACKET_XH
    return None


def _line_cost(line, u: Unit, r: float) -> float:
    """How badly `u` fits on `line` (its offset `r` in thresholds is within the line's
    band): the offset, plus a penalty when `u` is too big for a script line."""
    cost = abs(r)
    if line.owner is not None:
        size = _apparent_xh(u)
        ref = line.ref()
        if size and ref.xh and line.owner.xh and size * size > ref.xh * line.owner.xh:
            cost += SIZE_PENALTY
    return cost


def rule_place(stack: list, u: Unit, g: float) -> tuple[int, str]:
    """Where the hand-set rules put `u` among the open lines (`stack`, outermost first):
    (k, "right") continues line k, (k, "sup") or (k, "sub") opens a script of its last symbol."""
    offsets = []  # (line depth, relation, offset in thresholds), innermost first
    for k in range(len(stack) - 1, -1, -1):
        r = _offset(stack[k].ref(), u, stack[k].xh, g)
        offsets.append((k, "sup" if r < -1 else "sub" if r > 1 else "right", r))
    same = [o for o in offsets if o[1] == "right"]
    if u.label in RELATIONS and len(stack) > 1:
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
        return k, "right"
    candidates = [(k, rel, r) for k, rel, r in offsets
                  if scriptable(stack[k].ref()) and u.label not in CLOSING]
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
            return bk, "right"
    return k, rel
