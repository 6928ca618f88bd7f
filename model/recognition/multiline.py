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

from . import grids, heatmap_stitch, lines, raster
from .lim_letters import ARROWS
from .heatmap_cache import stroke_key
from .ink_input import prepare_strokes
from .notation.latex import to_latex, to_text
from .notation.tables import RELATIONS, table
from .result import LayoutNode, Recognition, Symbol, row_symbols, tree_nodes
from .writer import implied_x_height


def read(rec, strokes, want_heatmap: bool, constraints: dict | None = None,
         placements=None, point_ink: bool = False) -> Recognition | None:
    """The recognition of ink with several lines or a grid, or None when it has neither."""
    t0 = time.perf_counter()
    clean, index = prepare_strokes(strokes)
    if len(clean) < 2:
        return None
    scale = raster.writing_scale(clean, clean=True)
    # The geometry proposes where lines may break, limits' bands too; reading decides
    # (`_Reader.decided`).
    groups = lines.breaks(clean, scale, limits=False)
    said = _said_of_delimiters(constraints, index)
    found = [grids.find(clean, g, scale, _delimiter_reader(rec, clean, point_ink, said)) for g in groups]
    if len(groups) == 1 and not found[0]:
        return None
    split_ms = (time.perf_counter() - t0) * 1e3
    reader = _Reader(rec, strokes, clean, index, constraints, placements, point_ink, want_heatmap)
    if len(groups) > 1:
        kept = reader.decided(groups)
        if len(kept) < len(groups):
            # Only a joined line is searched for grids again (its delimiters are read anew).
            before = {tuple(g): f for g, f in zip(groups, found)}
            groups = kept
            found = [before[tuple(g)] if tuple(g) in before
                     else grids.find(clean, g, scale, _delimiter_reader(rec, clean, point_ink, said))
                     for g in groups]
    # A grid's rows are proposed breaks too: rows that one line's reading lays out across (a
    # sum's limits under it, inside tall parentheses) are no grid.
    found = [[grid for grid in gs if reader.rows_stand(grid)] for gs in found]
    if len(groups) == 1 and not found[0] and not reader.fixed:
        return reader.whole(t0)
    trees = [reader.line(clean, g, gs) for g, gs in zip(groups, found)]
    tree = joined(trees)
    # The delimiters are symbols too, after the pieces' (which the tree numbers): the window
    # boxes and tags them, and a misread bracket is corrected like any symbol.
    reader.symbols += [delimiter_symbol(label, parts, alts, clean, index)
                       for gs in found for g in gs for label, parts, alts in g.delimiters()]
    heat = None
    if want_heatmap:
        t = time.perf_counter()
        # The pieces' own heatmaps, not the network once more over the page (heatmap_stitch).
        heat = heatmap_stitch.stitched(rec.frame(clean, scale), reader.heats, rec.classes, rec.window, rec.stride)
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

    def __init__(self, rec, strokes, clean, index: list[int], constraints, placements, point_ink: bool,
                 want_heatmap: bool = False):
        self.rec, self.strokes, self.index, self.want_heatmap = rec, strokes, index, want_heatmap
        self.clean = clean   # the usable strokes, that `index` maps to the input's
        self.constraints, self.placements, self.point_ink = constraints or {}, placements or {}, point_ink
        self.symbols: list[Symbol] = []
        self.heats = []   # the heatmap of each piece read, in its own frame
        # Joined lines read with each part's symbols as read alone (`decided`), by their strokes.
        self.fixed: dict[tuple[int, ...], tuple[list[int], ...]] = {}
        self.timings: dict[str, float] = {}

    def decided(self, groups: list[list[int]], scripts: bool = True) -> list[list[int]]:
        """The proposed lines, top to bottom, each joined to the line above where reading the
        two as one line lays them out across the band (`one_line_across`): one line is the
        default, and a break stands only where the one-line reading finds no structure that
        spans it. `scripts=False`: a script is no reason to join (`one_line_across`)."""
        out = [list(groups[0])]
        for g in groups[1:]:
            both = sorted(out[-1] + g)
            scale = self.scale(both)
            facing = lines.limits_facing(self.clean, out[-1], g, scale) if scripts else []
            far = self.far_below(out[-1], g, facing or out[-1], scale)
            if far:
                facing = []
            if facing or may_lay_across(self.reading(out[-1]), self.reading(g), far_below=far):
                across = (self.given(out[-1]), self.given(g), scale,
                          self.whole_fractions(out[-1]) | self.whole_fractions(g), scripts)
                parts = next((p for p in self._tries(out[-1], g, facing)
                              if one_line_across(self.reading(both, p), *across)), False)
                if parts is not False:
                    if parts:
                        self.fixed[tuple(both)] = parts
                    out[-1] = both
                    continue
            out.append(list(g))
        return out

    def far_below(self, above: list[int], below: list[int], faced: list[int], scale: float) -> bool:
        """Whether the line below stands too far under the ink of the line above it faces
        (`faced`) to be its script (NEAR_BELOW writing scales), and that ink could hold no
        limits (no big operator among its symbols in its line, nor read by itself), nor be a bar
        over it (a minus across its middle), nor the line below a lim's limits (no arrow in it).
        Such a line is a new line, whatever its shape or length: the first strokes of a line
        written under another are not read with it (the reading that costs most)."""
        faced = [i for i in faced if i in set(above)]
        if not faced:
            return False
        boxes = lines.stroke_boxes([self.clean[i] for i in faced + list(below)])
        if boxes[len(faced):, 1].min() - boxes[:len(faced), 3].max() <= NEAR_BELOW * scale:
            return False
        order = sorted(above)
        near = set(faced)
        middle = (boxes[len(faced):, 0].min() + boxes[len(faced):, 2].max()) / 2
        facing = [s for s in self.reading(above).symbols if any(order[k] in near for k in s.strokes)]
        for s in facing:
            # A big operator's limits, or a fraction's denominator under its bar, hang farther.
            if _could_be(s, BIG_OPERATORS) or (_could_be(s, {"-"}) and s.box[0] <= middle <= s.box[2]):
                return False
        if any(_could_be(s, ARROWS) for s in self.reading(below).symbols):
            return False
        # The faced ink read by itself: a lim read as letters in its line ("|1.m", "lim") reads
        # as a lim there. Reading it costs a new line's first strokes most of their time, so
        # only where a lim could have been read apart: its m read as a letter of its own.
        if len(faced) == len(above) or not any(_could_be(s, LIM_ENDS) for s in facing):
            return True
        return not any(_could_be(s, BIG_OPERATORS) for s in self.reading(faced).symbols)

    def _tries(self, above: list[int], below: list[int], facing: list[int]):
        """The readings of two lines as one that `decided` asks in turn, as the parts whose
        symbols are kept as read alone (empty: none kept). First the plain one-line reading
        (a lim read as letters over its limits is read there, lim_letters.py). It may misread
        what each line reads right alone (a \\lim read as "| sin" once its limits are beside
        it), so then each line's symbols as read alone, the layout alone deciding. Last, where
        one line could be limits of ink it faces (`facing`), that ink's symbols as read alone
        when they hold a big operator: a \\lim read as "|_1 . m" in its line is a lim read by
        itself."""
        yield ()
        yield (list(above), list(below))
        if facing and any(s.label in BIG_OPERATORS for s in self.reading(facing).symbols):
            yield (list(facing),)

    def whole(self, t0: float) -> Recognition | None:
        """The proposed lines all joined as one, plainly: the one-line reading of the whole
        ink that deciding read already (kept by `read_alone`), a copy of it, rather than the
        one-line path reading it once more. None (the one-line path reads it) where some
        strokes were unusable, so its symbols would not number the input's strokes, or where
        its heatmap is wanted and no longer kept."""
        if len(self.clean) != len(self.strokes):
            return None
        r = self.reading(list(range(len(self.clean))))
        if self.want_heatmap and r.heatmap is None:   # kept without it (HEATMAPS_KEPT)
            return None
        return replace(r, symbols=list(r.symbols), heatmap=r.heatmap if self.want_heatmap else None,
                       ms=(time.perf_counter() - t0) * 1e3, timings=dict(self.timings))

    def rows_stand(self, grid: grids.Grid) -> bool:
        """Whether a grid's rows stay rows: no two neighbours that the one-line reading of
        both lays out across (`decided`'s test) by limits or a fraction: a matrix's cells are
        written at one size, and a row of a writer's short glyphs under tall ones is no script."""
        rows = [sorted(i for cell in row for i in cell) for row in grid.rows]
        return not any(r1 and r2 and len(self.decided([r1, r2], scripts=False)) == 1 for r1, r2 in zip(rows, rows[1:]))

    def whole_fractions(self, members: list[int]) -> set[tuple[int, ...]]:
        """The bars (their input strokes) that some strokes read alone make whole fractions of,
        a numerator and a denominator each: such a bar holds nothing across a band."""
        given = [self.index[i] for i in sorted(members)]
        r = self.reading(members)
        return {tuple(given[i] for i in r.symbols[n.symbol].strokes) for n in tree_nodes(r.tree)
                if n.symbol is not None and n.rels.get("num") and n.rels.get("den")}

    def own_heatmap(self, clean: list[np.ndarray]):
        """The network over some usable strokes in their own frame, as reading them alone runs it."""
        return self.rec.heatmap(clean, self.rec.frame(clean), self.point_ink)

    def scale(self, members: list[int]) -> float:
        return raster.writing_scale([self.strokes[self.index[i]] for i in members])

    def given(self, members: list[int]) -> set[int]:
        return {self.index[i] for i in members}

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
        if found and self.want_heatmap:
            # The delimiters are read squashed, in no piece: the line's own heatmap covers them.
            self.heats.append(self.own_heatmap([clean[i] for i in members]))
        out = self.piece(pieces[0])
        for g, after in zip(found, pieces[1:]):
            out.append(table(g.env, [[self.piece(c) for c in r] for r in g.rows]))
            out += self.piece(after)
        return out

    def reading(self, members: list[int], parts: tuple[list[int], ...] | None = None) -> Recognition:
        """The one-line reading of some strokes (indices into the usable strokes) alone, its
        symbols numbering those strokes among themselves. Kept across calls (`read_alone`):
        a line the new stroke did not touch is not read again. With `parts` (or where `decided`
        joined them so), the symbols each part reads alone are kept as they are (the user's own
        constraints first): only their layout is read."""
        parts = parts if parts is not None else self.fixed.get(tuple(sorted(members)))
        given = [self.index[i] for i in sorted(members)]     # input stroke indices
        local = {s: k for k, s in enumerate(given)}
        cons = {tuple(local[i] for i in key): label for key, label in self.constraints.items()
                if all(i in local for i in key)}
        taken = {i for key in cons for i in key}
        for part in parts or ():
            mine = [self.index[i] for i in sorted(part)]
            for sym in self.reading(part).symbols:
                key = tuple(sorted(local[mine[k]] for k in sym.strokes))
                if not taken.intersection(key):
                    cons[key] = sym.label
        places = {tuple(local[i] for i in key): (rel, tuple(local[i] for i in base) if base else None)
                  for key, (rel, base) in self.placements.items()
                  if all(i in local for i in key) and (base is None or all(i in local for i in base))}
        return read_alone(self.rec, [self.strokes[i] for i in given], self.point_ink, cons, places,
                          self.timings)

    def piece(self, members: list[int]) -> list[LayoutNode]:
        """The layout row of some strokes (indices into the usable strokes) read alone."""
        if not members:
            return []
        given = [self.index[i] for i in sorted(members)]
        r = self.reading(members)
        if self.want_heatmap and r.heatmap is None:   # kept without it (HEATMAPS_KEPT)
            r.heatmap = self.own_heatmap(prepare_strokes([self.strokes[i] for i in given])[0])
        if r.heatmap is not None:
            self.heats.append(r.heatmap)
        offset = len(self.symbols)
        self.symbols += [replace(s, strokes=[given[k] for k in s.strokes]) for s in r.symbols]
        return [_shifted(n, offset) for n in r.tree]


MAX_LINE_READINGS = 32   # line readings kept: a page's lines, its cells, and their last edits
HEATMAPS_KEPT = 12       # ... the newest with their heatmap (megabytes each); older ones draw it again
# The parts of a big operator that hold its limits (layout/regions.py claims ink above and
# below; the layout may hang them as scripts too).
LIMITS = {"above", "below", "sub", "sup"}
# Limits are at most LIMITS_WIDE_ELSE times as wide as their operator, or up to LIMITS_WIDE
# times where they stick out on its left by a quarter of its width at least, as centred limits
# do (of the 1,817 limits in train/ and train-extra/: i=2n+3m under a sum, 3.79 wide, starts 1.54
# widths left of it; x->pi/2+0 under a lim, 3.04 and 0.72). Of the sums' and lims' that do
# not, the widest are 2.87 (x->-inf under a lim) and 2.75 (i=2n+3m under a sum, from its left).
# A line written under a formula that begins with a sum starts where the sum starts.
LIMITS_WIDE = {"\\sum": 4.0, "\\lim": 3.2}
LIMITS_WIDE_ELSE = 2.9
LIMITS_OUT_LEFT = 0.25
# ... and at most this many writing scales from it: just over the farthest of the 1,090 limits
# written in train/ and train-extra/ (an integral's sit at its tip, 1.06 at most; 99 % of sums'
# within 1.4, of lims' within 1.7). A short line under a formula that begins with an operator
# is farther: a line, not its limits.
LIMITS_GAP = {"\\int": 1.2, "\\sum": 2.0, "\\lim": 2.1}
# An integral's limits of several symbols sit nearer: the 46 written under one in train/ and
# train-extra/ within 0.25 (a line of several symbols under a formula that begins with an
# integral is a line, 0.8 scales under it or more).
LIMITS_GAP_SEVERAL = {"\\int": 0.6}
# A \lim's limits hold an arrow (291 of the 293 in train/ and train-extra/), read so or among a
# symbol's alternatives (an arrow read as a "+"): a line under a formula that begins with a
# lim, without one, is a line (lim_letters.ARROWS).
# Upper limits sit nearer: of the 727 written there, a sum's within 1.3, an integral's 0.91.
LIMITS_GAP_ABOVE = {"\\int": 1.0, "\\sum": 1.4}
DOTS = {".", "\\cdot"}
SCRIPT_LINE = 2   # a line of at most this many symbols may be a script of the other line
SCRIPT_SIZE = 0.8  # ... when it is smaller than its base: a line written at the same size is a line
# A line under another, farther than this many writing scales below the ink it faces, is none of
# its scripts (a subscript hangs from its base, a lower limit is an operator's).
NEAR_BELOW = 1.0


def may_lay_across(above: Recognition, below: Recognition, least: float = 0.05,
                   far_below: bool = False) -> bool:
    """Whether the one-line reading of two lines could lay out the band between them, by what
    each line read alone holds: a short line (a script, the dot of an i), a big operator (its
    limits), or a minus at the band's edge (a fraction's bar), each as its label or an
    alternative of at least `least`, or an arrow under a line (a lim's limits). Lines with
    none of these are two lines without reading them together: the reading that costs most is
    spared where it could change nothing. `far_below`: the line below stands farther under
    the other than a script does (`_Reader.far_below`), so its being short says nothing."""
    if len(above.symbols) <= SCRIPT_LINE or (len(below.symbols) <= SCRIPT_LINE and not far_below):
        return True
    if any(_could_be(s, BIG_OPERATORS, least) for s in above.symbols + below.symbols):
        return True
    # An arrow under a line: a lim's limits, the lim maybe read as letters (lim_letters.py).
    if any(_could_be(s, ARROWS, least) for s in below.symbols):
        return True
    # A bar at the band's edge: nearer it than a quarter of a symbol's height of its own line
    # (a minus sits at half that height).
    def reach(r):
        return 0.25 * float(np.median([_height(s) for s in r.symbols]))
    bottom, near_bottom = max(s.box[3] for s in above.symbols), reach(above)
    top, near_top = min(s.box[1] for s in below.symbols), reach(below)
    return (any(_could_be(s, {"-"}, least) and bottom - s.box[3] <= near_bottom for s in above.symbols)
            or any(_could_be(s, {"-"}, least) and s.box[1] - top <= near_top for s in below.symbols))


def one_line_across(one: Recognition, above: set[int], below: set[int], scale: float = np.inf,
                    whole: set[tuple[int, ...]] = frozenset(), scripts: bool = True) -> bool:
    """Whether the one-line reading of two proposed lines (`one`, its symbols' strokes
    numbered among the two lines' strokes in order) lays the band out: a symbol with ink on
    both sides (the dot of an i far above its stem); a whole line held by parts of symbols of
    the other line: numerators or denominators (their bar and other part on the other side)
    and a big operator's limits (a \\lim's limits and a fraction's denominator under one
    band); or a whole line of a symbol or two, smaller than the symbol of the other line it is
    one script of (written far above its base). A line of nothing but dots is no line. Then the
    band is the layout's, not a new line. Where a line is only partly so held, and the rest is
    under or over the other line, the reading is two lines crammed into one, and the break
    stands; a rest wholly to the left or right of the other line is that line's own. `scale`:
    the two lines' writing scale, which bounds how far limits are from their operator; `whole`:
    the bars (their strokes) that are whole fractions in their own line read alone, whose
    numerator or denominator is not across the band; `scripts=False`: a line held as a script
    does not count."""
    members = sorted(above | below)
    side = {}
    for k, s in enumerate(one.symbols):
        sides = {members[i] in below for i in s.strokes}
        if len(sides) > 1:
            return True
        side[k] = sides.pop()
    # A dot is never a line of its own (lines.breaks): a stray one does not keep a line apart.
    line = {v: {k for k, w in side.items() if w == v and one.symbols[k].label not in DOTS}
            for v in (False, True)}
    if not line[False] or not line[True]:
        return True
    held_by_other = {False: set(), True: set()}
    # A fraction across the band lays out its bar and its part on the bar's side too: two
    # fractions cut at their bars, one bar on each side, hold each other's lines.
    laid = {False: set(), True: set()}
    for node in tree_nodes(one.tree):
        if node.symbol is None:
            continue
        mine = side[node.symbol]
        for rel, row in node.rels.items():
            # A row is held across when what stands in it is across; what hangs from those
            # may come back (a fraction whose numerator is across, as the denominator of a
            # fraction on this side: 2 over (3m-... over 2n-1)).
            direct = [n.symbol for n in row if n.symbol is not None]
            if not direct or any(side[k] == mine for k in direct):
                continue
            held = {k for k in row_symbols(row) if side[k] != mine and one.symbols[k].label not in DOTS}
            if not held:
                continue
            if rel in ("num", "den"):
                bar = tuple(members[i] for i in one.symbols[node.symbol].strokes)
                if bar in whole and not _nests(row, rel, side, mine):
                    continue
                other = set(row_symbols(node.rels.get("den" if rel == "num" else "num", [])))
                if other and all(side[k] == mine for k in other):
                    held_by_other[not mine] |= held
                    laid[mine] |= {node.symbol} | other
            elif (rel in LIMITS and node.label in BIG_OPERATORS
                  and _limits_of(one.symbols, held, node.symbol, scale, above=rel in ("above", "sup"))):
                held_by_other[not mine] |= held
            elif (scripts and rel in ("sup", "sub") and held == line[not mine] and len(held) <= SCRIPT_LINE
                  and max(_size(one.symbols[k], one.symbols[node.symbol]) for k in held) <= SCRIPT_SIZE
                  and _beside(one.symbols, held, node.symbol)):
                return True
    # The rest of a line may be beside the other line, not under it: an x< written lower than
    # the bar of the fraction it precedes. Two lines overlap; a line's left or right end does not.
    reach = {v: (min(one.symbols[k].box[0] for k in line[v]), max(one.symbols[k].box[2] for k in line[v]))
             for v in (False, True)}
    def beside(k, v):
        box = one.symbols[k].box
        return box[2] < reach[not v][0] or box[0] > reach[not v][1]
    return any(held_by_other[v] and all(k in held_by_other[v] or k in laid[v] or beside(k, v) for k in line[v])
               for v in (False, True))


def _nests(row, rel: str, side: dict, mine: bool) -> bool:
    """Whether a fraction's part across the band is one fraction whose own part facing back
    (its numerator, under a denominator) is this side's ink: a fraction whole in its line
    read alone whose denominator becomes the numerator of one written under it."""
    if len(row) != 1 or not {"num", "den"} <= set(row[0].rels):
        return False
    back = row_symbols(row[0].rels["num" if rel == "den" else "den"])
    return bool(back) and all(side[k] == mine for k in back)


def _limits_of(symbols: list[Symbol], held: set[int], operator: int, scale: float = np.inf,
               above: bool = False) -> bool:
    """Whether ink could be limits of a big operator by where it is: no wider than LIMITS_WIDE
    times the operator and centred within a width of it (a whole line under a sum is no limit),
    no farther above or below it than LIMITS_GAP writing scales."""
    op = symbols[operator].box
    x1 = min(symbols[k].box[0] for k in held)
    x2 = max(symbols[k].box[2] for k in held)
    gap = (op[1] - max(symbols[k].box[3] for k in held) if above
           else min(symbols[k].box[1] for k in held) - op[3])
    w = max(op[2] - op[0], 1e-9)
    wide = (LIMITS_WIDE.get(symbols[operator].label, LIMITS_WIDE_ELSE) if x1 <= op[0] - LIMITS_OUT_LEFT * w
            else LIMITS_WIDE_ELSE)
    label = symbols[operator].label
    reach = (LIMITS_GAP_ABOVE if above else LIMITS_GAP).get(label, np.inf)
    if len(held) > 1 and not above:
        reach = min(reach, LIMITS_GAP_SEVERAL.get(label, np.inf))
    if label == "\\lim" and not any(_could_be(symbols[k], ARROWS, 0.0) for k in held):
        return False
    return x2 - x1 <= wide * w and op[0] - w <= (x1 + x2) / 2 <= op[2] + w and gap <= reach * scale


def _could_be(s: Symbol, labels, least: float = 0.05) -> bool:
    return s.label in labels or any(a in labels and p >= least for a, p in s.alternatives)


def _beside(symbols: list[Symbol], held: set[int], base: int) -> bool:
    """Whether a script starts right of its base's middle: one right under or over its base
    is a line written there, not a script (a far script sits diagonally off its base)."""
    b = symbols[base].box
    return min(symbols[k].box[0] for k in held) >= (b[0] + b[2]) / 2


def _size(s: Symbol, base: Symbol) -> float:
    """A symbol's size against another's: of the x-heights their labels imply (an m as big as
    the x-height of a beta beside it is written at its size, half as tall), else of heights."""
    mine, theirs = implied_x_height(s.label, _height(s)), implied_x_height(base.label, _height(base))
    if mine is not None and theirs is not None:
        return mine / max(theirs, 1e-12)
    return _height(s) / max(_height(base), 1e-12)


def _height(s: Symbol) -> float:
    return s.box[3] - s.box[1]


def read_alone(rec, ink, point_ink: bool, cons: dict | None = None, places: dict | None = None,
               timings: dict | None = None) -> Recognition:
    """`rec._recognize` of this ink alone as one line, kept across calls in the recognizer's
    `_line_readings` by `reading_key` (its clear_caches forgets them); the stages' times of a
    fresh reading are added to `timings`."""
    cons, places = cons or {}, places or {}
    key = reading_key(rec, ink, point_ink, cons, places)
    kept = rec._line_readings
    r = kept.get(key)
    if r is not None:
        kept.move_to_end(key)
        return r
    # With its heatmap: detection computes it anyway, and the page's is stitched from the lines'.
    r = rec._recognize(ink, True, point_ink, constraints=cons or None, placements=places or None)
    if timings is not None:
        for stage, ms in r.timings.items():
            timings[stage] = timings.get(stage, 0.0) + ms
    kept[key] = r
    while len(kept) > MAX_LINE_READINGS:
        kept.popitem(last=False)
    for old in list(kept.values())[:max(len(kept) - HEATMAPS_KEPT, 0)]:
        old.heatmap = None
    return r


def reading_key(rec, ink, point_ink: bool, cons: dict, places: dict) -> tuple:
    """What a one-line reading depends on: the ink, the user's words on it, the personal
    model's state and the recognizer's switches."""
    personal = getattr(rec, "personal", None)
    return (tuple(stroke_key(s) for s in ink), point_ink,
            tuple(sorted(cons.items(), key=repr)), tuple(sorted(places.items(), key=repr)),
            id(personal), getattr(personal, "version", 0), rec.joint, id(rec.context))


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


def _said_of_delimiters(constraints: dict | None, index: list[int]) -> dict[int, str | None]:
    """The user's word on strokes (usable-stroke index -> the label said of the symbol it is
    in, None where only its grouping was said)."""
    at = {s: k for k, s in enumerate(index)}
    return {at[i]: label for key, label in (constraints or {}).items() for i in key if i in at}


def delimiter_symbol(label: str, parts: list[int], alternatives, clean, index) -> Symbol:
    """A grid's delimiter as a symbol (`parts`: its usable strokes; grids.Grid.delimiters)."""
    pts = np.vstack([clean[i][:, :2] for i in parts])
    return Symbol(label, float(dict(alternatives).get(label, 0.0)),
                  tuple(float(v) for v in (*pts.min(0), *pts.max(0))),
                  sorted(index[i] for i in parts), list(alternatives)[:5])


def _delimiter_reader(rec, clean, point_ink: bool, said: dict[int, str | None] | None = None):
    """A delimiter's strokes read squashed back to the heights a bracket has in a line
    (grids.LINE_HEIGHTS): the probability those readings' alternatives give each delimiter
    class, summed ({} when no reading has a delimiter among them). One squash alone misreads
    a stretched brace or bracket often: its curls and hooks are drawn at their own size.
    Where the user said what its tall stroke is, that is all it reads as."""
    def read_delimiter(members: list[int], tall_box, scale: float) -> dict[str, float]:
        label = (said or {}).get(members[0])
        if label is not None:   # outweighs any reading of the other side (grids.pair_kind)
            return {label: SAID_VOTES}
        y1, h = tall_box[1], tall_box[3] - tall_box[1]
        votes: dict[str, float] = {}
        for height in grids.LINE_HEIGHTS:
            squash = height * scale / max(h, 1e-9)
            shrunk = [np.column_stack([clean[i][:, 0], y1 + (clean[i][:, 1] - y1) * squash]) for i in members]
            # Its parts (a brace's halves, a bracket's hooks) are one symbol, as they were found.
            one = {tuple(range(len(members))): None} if len(members) > 1 else None
            for s in rec._recognize(shrunk, False, point_ink, constraints=one).symbols:
                if 0 in s.strokes:   # the tall stroke's symbol
                    for label, p in s.alternatives:
                        label = "|" if label in grids.BAR_LIKE else label
                        if label in grids.DELIMITERS or label in grids.BRACE_LIKE:
                            votes[label] = votes.get(label, 0.0) + p
        return votes
    return read_delimiter


BIG_OPERATORS = {"\\sum", "\\int", "\\lim"}
# The votes the user's word on a delimiter counts for: the squashed readings give each side
# at most len(grids.LINE_HEIGHTS).
SAID_VOTES = 1000.0
# What the last letter of a lim read apart is read as (train/, train-extra/, dev: "|1.m",
# "lim", "| sin").
LIM_ENDS = {"m", "n"}
