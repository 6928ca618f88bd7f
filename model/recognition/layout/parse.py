"""The layout's parser: from recognised symbols to the expression's 2-D structure.

The symbols are first grouped by the ones that dominate a region (fraction
bars, square roots, the limits of \\sum \\int \\lim), widest first, so that an
outer fraction claims an inner one and each region is parsed on its own.
Each region is then read left to right along baselines: a symbol either
continues a line (the main row or a script line) or starts a superscript or
subscript of the symbol before it. Read by their centres, symbols may leave a script
line too early; two such lines stay open beside the others (_Lines): a script its
owner's other script displaced (p_1^{e_1} read p, e, 1, 1), and the lines the last
symbol closed ((az^{-1}) with the 1 right of the bracket's middle).

Which region a dominating symbol claims is the region model's answer (regions.py) or the
hand-set rules' (rules.py); which line a symbol joins, or which script it opens, is the
relation model's (relations.py) or the rules'. All geometry is relative to the robust size
of units.py. Coordinates: y grows downward.

Every choice goes through an optional policy, which sees the choices and their scores:
`readings` uses it for the close alternatives that the formula model chooses among
(formula_lm.py) and for the user's placements; layout_reach.py for its oracle.
"""
from __future__ import annotations

import math

import numpy as np

from ..result import LayoutNode, Placement, Symbol
from .regions import HEADS as LEARNED_HEADS
from .proposals import NEXT_GAP
from .rules import hand_set_parts, rule_place
from .units import CLOSING, Unit, composite, make_units, region_size, scriptable, unit_key

# Beyond this many symbols the 2-D pass (quadratic) is skipped: the row is read
# left to right, which is the baseline behaviour and keeps the call fast.
MAX_STRUCTURED = 300
MAX_DEPTH = 24


def _claim(head: Unit, units: list[Unit], g: float, regions=None, policy=None) -> Unit | None:
    """The unit `head` makes with the regions it claims among `units`; None when it
    claims none (a minus sign, a radical with nothing under it)."""
    parts = hand_set_parts(head, units, g)
    if regions is not None and head.label in LEARNED_HEADS:  # \int keeps its rules
        # The rules' answer is one of the model's inputs: it learns where they fail.
        parts = regions.parts(head, units, g, parts,
                              policy if hasattr(policy, "members") else None)
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


def _dominate(units: list[Unit], g: float, regions=None, policy=None) -> list[Unit]:
    """Let fraction bars, roots and limit operators claim their regions, widest first."""
    units = list(units)
    tried: set[int] = set()
    while True:
        best = None
        for u in units:
            if u.kind != "sym" or u.parts or id(u) in tried:  # a limit with its limits is done
                continue
            if u.label in ("-", "\\sqrt", "\\sum", "\\int", "\\lim") and (
                    best is None or u.w > best.w):
                best = u
        if best is None:
            return units
        tried.add(id(best))
        comp = _claim(best, units, g, regions, policy)
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


class _Lines:
    """The open lines (`stack`, outermost first) and the script lines kept open beside them:
    reading the symbols by their centres, the parser would otherwise leave these too early.

    * a script displaced by its owner's other script (p_1^{e_1} read p, e, 1, 1: the e's line
      must still take the last 1), kept while its owner is the last symbol of its line;
    * the script lines the last symbol closed by going back to an outer line ((az^{-1}) with
      the 1 right of the bracket's middle, x^{n-2}+ with the 2 right of the +'s), kept for the
      next symbol only.

    The parser's choices see `view()`: the stack, then the lines kept beside it."""

    def __init__(self, root: _Line):
        self.stack = [root]
        self.sibling: list[tuple[int, _Line]] = []  # (level of its owner's line, the line)
        self.closed: tuple[int, list[_Line]] | None = None  # (level, the lines it closed)

    def view(self) -> list[_Line]:
        return self.stack + [ln for _, ln in self.sibling] + (
            [self.closed[1][-1]] if self.closed else [])

    def reopen(self, k: int) -> int:
        """Make line k of the view the innermost open line; its index in the stack."""
        stack = self.stack
        if k < len(stack):
            return k
        j = k - len(stack)
        if j < len(self.sibling):
            level, line = self.sibling.pop(j)
            chain = [line]
        else:
            level, chain = self.closed
        if level + 1 < len(stack):
            self._keep(level, stack[level + 1])
        del stack[level + 1:]
        stack.extend(chain)
        return len(stack) - 1

    def place(self, k: int, rel: str, u: Unit) -> None:
        """Put `u` after the last symbol of line k ("right") or open a script of it."""
        stack, closed = self.stack, None
        if rel == "right":
            if k + 1 < len(stack):
                closed = (k, stack[k + 1:])
            del stack[k + 1:]
            stack[k].add(u)
        else:
            if k + 1 < len(stack):
                self._keep(k, stack[k + 1])
            _open_script(stack, k, rel, u)
        self.closed = closed
        # Once a line has moved on past a script's owner (x^2_1 + y), nothing goes back to it.
        self.sibling = [(j, ln) for j, ln in self.sibling
                        if j < len(stack) and stack[j].ref() is ln.owner]

    def _keep(self, level: int, line: _Line) -> None:
        """Keep `line` beside the stack when a script of the same owner takes its place."""
        owner = self.stack[level].ref()
        if line.owner is owner:
            self.sibling = [(j, ln) for j, ln in self.sibling if ln.owner is not owner]
            self.sibling.append((level, line))


def _choices(stack: list[_Line], u: Unit, n_open: int | None = None
             ) -> tuple[list[int], list[tuple[int, int, str]]]:
    """The open lines `u` may join, innermost first, and the choices among them: (row of
    that line in `ks`, k, relation), "right" continuing line k, "sup"/"sub" opening a
    script of its last symbol. `stack` may be the parser's view (_Lines.view): its first
    `n_open` lines the open ones, outermost first, then those kept beside them, last."""
    n_open = len(stack) if n_open is None else n_open
    ks = list(range(n_open - 1, -1, -1)) + list(range(n_open, len(stack)))  # innermost first
    if u.label == "\\prime":
        ks = ks[:1]  # f', x^2': a prime stays with what it follows
    opts = []
    for i, k in enumerate(ks):
        opts.append((i, k, "right"))
        if scriptable(stack[k].ref()) and u.label not in CLOSING and u.label != "\\prime":
            opts += [(i, k, "sup"), (i, k, "sub")]
    return ks, opts


_COLUMN = {"right": 1, "sup": 2, "sub": 3}


def _runner_up(scores: list[float], best: int) -> int | None:
    """The index of the best score but `best`; None when there is no other."""
    return max((j for j in range(len(scores)) if j != best), key=scores.__getitem__, default=None)


def _learned_place(stack: list[_Line], u: Unit, g: float, model, nxt=None,
                   policy=None, n_open: int | None = None) -> tuple[int, str]:
    """Where the model finds `u` most probable: after the last symbol of one of the open
    lines (k, "right"), or opening a script of it (k, "sup"/"sub"); `stack` and `n_open` as
    _choices takes them. A `policy` sees the state and the scores and may choose
    (`readings`; layout_reach's oracle)."""
    ks, opts = _choices(stack, u, n_open)
    lines = [(stack[k].ref(), stack[k].owner, stack[k].rel) for k in ks]
    cache = getattr(policy, "cache", None)
    key = None
    if cache is not None:  # the readings of one expression ask the same pairs again
        key = ("pair", g, unit_key(u), unit_key(nxt),
               tuple((unit_key(a), unit_key(o), r) for a, o, r in lines))
        p = cache.get(key)
    if key is None or p is None:
        p = model.pair_probs(lines, u, g, nxt)
        if key is not None:
            cache[key] = p
    scores = [float(p[i, _COLUMN[r]]) for i, _, r in opts]
    best = max(range(len(opts)), key=scores.__getitem__)
    if policy is not None:
        best = policy(stack, opts, scores, u, best)
    _, k, r = opts[best]
    total = sum(scores) or 1.0
    u.conf = scores[best] / total
    shares = [sc / total for sc in scores]
    options = tuple(sorted(((rr, _base(stack, kk), sh) for (_, kk, rr), sh in zip(opts, shares)),
                           key=lambda o: -o[2]))
    second = _runner_up(scores, best)
    if second is None:
        u.placement = Placement(_base(stack, k), r, options=options)
    else:
        _, k2, r2 = opts[second]
        u.placement = Placement(_base(stack, k), r, r2, _base(stack, k2), shares[second], options)
    return k, r


def _base(stack: list[_Line], k: int) -> int | None:
    """The symbol a placement is against: the line's last (a fraction: its bar)."""
    return stack[k].ref().index


class _Flips:
    """A policy that takes the model's choice, except the runner-up at the decisions in
    `flips` (counted in the order the parse makes them, which is the same in every parse
    of the same symbols up to the first flip); it sums the log shares of what it chose.
    `forced`: {symbol index: (relation, base symbol index or None)} the user's placements,
    taken wherever they are among the choices (and never flipped)."""

    def __init__(self, flips=(), forced: dict | None = None, cache: dict | None = None,
                 claims: dict | None = None):
        self.flips = set(flips)
        self.forced = forced or {}
        self.claims = claims  # {head symbol: {symbol: region class}}: what each head claims
        self.cache = cache  # the models' answers, shared by the parses of one expression
        self.n = 0
        self.logp = 0.0
        self.runner_up: list[float] = []  # each decision's runner-up share

    def __call__(self, stack, opts, scores, u, best):
        total = sum(scores) or 1.0
        want = self.forced.get(u.index)
        allowed = [] if want is None else [
            j for j, (_, k, r) in enumerate(opts)
            if r == want[0] and (want[1] is None or stack[k].ref().index == want[1])]
        if allowed:
            best = max(allowed, key=scores.__getitem__)
            self.runner_up.append(0.0)
        else:
            second = _runner_up(scores, best)
            self.runner_up.append(scores[second] / total if second is not None else 0.0)
            if self.n in self.flips and second is not None:
                best = second
        self.n += 1
        self.logp += math.log(max(scores[best] / total, 1e-12))
        return best

    def members(self, p, head=None, units=None, classes=None):
        """The region model's choice for each unit (a column of `p`), one decision each;
        where `claims` says what the head claims, that (a unit it does not list: none)."""
        pick = p.argmax(1)
        claimed = None
        if self.claims is not None and head is not None and classes is not None:
            claimed = self.claims.get(head.index, {})
        for i, row in enumerate(p):
            total = float(row.sum()) or 1.0
            order = np.argsort(-row)
            if claimed is not None:
                want = claimed.get(units[i].index, "none")
                if want in classes:
                    pick[i] = classes.index(want)
                self.runner_up.append(0.0)
            else:
                self.runner_up.append(float(row[order[1]]) / total if len(row) > 1 else 0.0)
            if self.n in self.flips and len(row) > 1 and claimed is None:
                pick[i] = order[1]
            self.n += 1
            self.logp += math.log(max(float(row[pick[i]]) / total, 1e-12))
        return pick


def _baselines(units: list[Unit], g: float, model=None, policy=None) -> list[Unit]:
    units = sorted(units, key=lambda u: (u.cx, u.y1))
    root = _Line(None, None, g)
    lines = _Lines(root)
    for i, u in enumerate(units):
        if not root.units:
            root.add(u)
            continue
        if model is not None:
            nxt = units[i + 1] if i + 1 < len(units) else None
            k, rel = _learned_place(lines.view(), u, g, model, nxt, policy, len(lines.stack))
            k = lines.reopen(k)
        else:  # the hand-set rules choose among the stack's lines alone, as they always did
            k, rel = rule_place(lines.stack, u, g)
        lines.place(k, rel, u)
    return root.units


# ---------------------------------------------------------------- the tree

def _parse(units: list[Unit], g: float, depth: int, model=None,
           regions=None, policy=None) -> list[LayoutNode]:
    if not units:
        return []
    if depth > MAX_DEPTH or len(units) > MAX_STRUCTURED:
        return [LayoutNode(u.label, symbol=u.index) for u in sorted(units, key=lambda u: u.x1)]
    g_local = region_size(units, g) if depth else g
    row = _baselines(_dominate(units, g_local, regions, policy), g_local, model, policy)
    return [_to_node(u, g, depth, model, regions, policy) for u in row]


def _to_node(u: Unit, g: float, depth: int, model=None, regions=None, policy=None) -> LayoutNode:
    node = LayoutNode(u.label, u.kind, {}, u.index, u.conf, u.placement)
    # Claimed regions are parsed afresh; script lines were already read on the way.
    for rel, members in u.parts.items():
        node.rels[rel] = _parse(members, g, depth + 1, model, regions, policy)
    for rel, line in u.scripts.items():
        node.rels[rel] = node.rels.get(rel, []) + [_to_node(v, g, depth + 1, model, regions,
                                                            policy) for v in line]
    return node


SHIPPED = object()  # "the shipped model", as a default argument


def readings(symbols: list[Symbol], relations=SHIPPED, regions=SHIPPED, max_flips: int = 4,
             min_share: float = 0.1, forced: dict | None = None, cache: dict | None = None,
             trees=None, next_best: int = 0, next_gap: float = NEXT_GAP
             ) -> list[tuple[list[LayoutNode], float, int]]:
    """The parser's reading and its close alternatives: each (tree, the sum of the log
    shares of its choices, how many choices differ from the parser's). An alternative takes
    the runner-up at one of the `max_flips` decisions whose runner-up had at least
    `min_share`, and the parser's choice everywhere after it. `forced`: the user's
    placements, as `_Flips` takes them, kept in every reading. `cache`: a dict in which the
    models' answers are kept for the next call on the same symbols (a relabelled reading).
    `trees`: the model of whole readings (tree_model.py), whose best tree, read by the parser
    (proposals.py), is added last when it differs from the parser's own (counted as one
    changed choice), and with `next_best` that many of its next-best trees too (2 changed
    choices each; `spanning_reading`)."""
    relations, regions = _models(relations, regions)
    cache = {} if cache is None else cache
    first = _Flips((), forced, cache)
    out = [(parse(symbols, relations, regions, first), first.logp, 0)]
    if relations is None:
        return out
    close = sorted(((s, j) for j, s in enumerate(first.runner_up) if s >= min_share),
                   reverse=True)[:max_flips]
    for _, j in close:
        alt = _Flips({j}, forced, cache)
        out.append((parse(symbols, relations, regions, alt), alt.logp, 1))
    if trees is not None:
        out += spanning_reading(symbols, trees, out, relations, regions, forced, cache,
                                next_best, next_gap)
    return out


def choice_readings(symbols: list[Symbol], settings: dict, trees, relations=SHIPPED,
                    regions=SHIPPED, placements: dict | None = None, cache: dict | None = None
                    ) -> list[tuple[list[LayoutNode], float, int]]:
    """The readings a choice with `settings` (formula_lm.choice_settings) weighs: `readings`
    with its number of alternatives, and the whole-reading model's trees where it reads them."""
    return readings(symbols, relations, regions, settings["max_flips"], settings["min_share"],
                    placements, cache, trees if settings.get("spanning_tree") else None,
                    settings["next_best"], settings["next_gap"])


def spanning_reading(symbols: list[Symbol], trees, known, relations=SHIPPED, regions=SHIPPED,
                     forced: dict | None = None, cache: dict | None = None, next_best: int = 0,
                     next_gap: float = NEXT_GAP) -> list[tuple[list[LayoutNode], float, int]]:
    """The whole-reading model's best tree (proposals.py) as the parser reads it with that
    tree's choices forced, as a reading (tree, log shares, 1); [] when the model is not asked
    or the reading is one of `known`'s. With `next_best`, also up to that many of the model's
    next-best trees that differ from its best at one symbol's place, within `next_gap` of it
    (proposals.next_best_edges), each read the same way and counted as 2 changed choices."""
    from .proposals import forced_choices, next_best_edges, spanning_edges
    relations, regions = _models(relations, regions)
    best = spanning_edges(symbols, trees)
    if best is None or relations is None:
        return []
    candidates = [(best, 1)]
    if next_best > 0:
        candidates += [(e, 2) for e in next_best_edges(trees._scores(symbols), next_best, next_gap)]
    known_links = [_edges_of(t) for t, _, _ in known]
    labels = [s.label for s in symbols]
    out = []
    for tree_edges, changed in candidates:
        # Mostly the parser has proposed the model's tree already: then there is nothing to read.
        if {e for e in tree_edges if e[0] is not None} in known_links:
            continue
        place, claims = forced_choices(tree_edges, labels)
        # The user's placements stand above the model's tree.
        mst = _Flips((), {**place, **(forced or {})}, {} if cache is None else cache, claims)
        tree = parse(symbols, relations, regions, mst)
        links = _edges_of(tree)
        if links in known_links:
            continue
        known_links.append(links)
        out.append((tree, mst.logp, changed))
    return out


def _edges_of(tree) -> set:
    from .tree_model import edges
    return set(edges(tree))


def _models(relations, regions):
    if regions is SHIPPED:
        if relations is None:
            regions = None
        else:
            from .regions import default_model as default_regions
            regions = default_regions()
    if relations is SHIPPED:
        from .relations import default_model
        relations = default_model()
    return relations, regions


def parse(symbols: list[Symbol], relations=SHIPPED, regions=SHIPPED,
          policy=None) -> list[LayoutNode]:
    """The layout tree the symbols form; never raises on odd input.

    `relations` is the relation model that decides scripts and baselines (default:
    the shipped one, relations.py); None, or a shipped model that cannot be loaded,
    means the hand-set thresholds (rules.py). `regions` is the model of what fraction
    bars, radicals and limit operators claim (regions.py); its default is the shipped
    one, or None (the hand-set region rules) when `relations` is None, so that None
    alone gives the whole hand-set layout."""
    relations, regions = _models(relations, regions)
    units, g = make_units(symbols)
    if not units:
        return []
    return _parse(units, g, 0, relations, regions, policy)
