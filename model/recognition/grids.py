"""Matrices, vectors and cases in one line of ink: tall delimiters around rows of cells.

A delimiter grows with what it encloses, so no symbol class is new: a stroke taller than
`TALL` writing scales (with the short hooks at its ends that a `[` may be drawn with) is
read by the recognizer squashed back to the heights of a delimiter in a line, and kept when
those readings make it a bracket, a bar or a brace. A left one and the next right one of the same
height enclose a grid; a left brace with no partner encloses the rows to its right (cases).
The enclosed ink must break into at least two rows (`lines.breaks`, so a fraction inside
tall parentheses stays one row); columns are the vertical bands that no row's ink crosses,
wider than `COLUMN_GAP` writing scales (cases: the widest such band parts value and
condition).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import lines
from .notation.tables import CASES, MATRICES

TALL = 1.9           # a delimiter around two rows is at least this many writing scales high
NARROW = 0.6         # ... and at most this share of its height wide
WIDE = 1.0           # ... or, a `[` with long hooks drawn in one stroke, at most this wide
STEM = 0.15          # ... where the middle half of its height is at most this share of it wide
LINE_HEIGHTS = (1.0, 1.3, 1.8)  # the heights (writing scales) a delimiter is read squashed back to
SAME_HEIGHT = 0.6    # a pair shares at least this share of the taller one's height
COLUMN_GAP = 0.8     # columns are at least this many writing scales apart
HOOK = 1.5           # a hook of a bracket is smaller than this (writing scales)
HOOK_GAP = 0.5       # ... and within a tenth of the stem's height of its end, or this far (writing
                     # scales): a bar drawn apart floats above or below a stretched stem
BRACE_VOTES = 0.7    # summed over the LINE_HEIGHTS readings: a brace about a quarter of the time

OPENING = {"(": "pmatrix", "[": "bmatrix", "|": "vmatrix", "\\{": CASES}
OPENERS = {"(", "[", "\\{"}
DELIMITERS = {"(", ")", "[", "]", "|", "\\{", "\\}"}
BRACE_LIKE = {"\\sum"}  # what a brace drawn in two halves is read as (`find`)
# What a bar squashed to a line's height is read as: one straight stroke, a "|" where it stands
# tall beside rows (a stretched bar of a vmatrix read 1 mostly, its "|" votes a few hundredths).
BAR_LIKE = {"1", "l", "I"}


@dataclass
class Grid:
    env: str                       # pmatrix, bmatrix, vmatrix or cases
    left: list[int]                # the strokes of the opening delimiter
    right: list[int]               # ... of the closing one (none for cases)
    rows: list[list[list[int]]] = field(default_factory=list)  # strokes of each cell, by rows
    # What the readings gave each delimiter class, left and right (`find`'s read_delimiter).
    left_votes: dict[str, float] = field(default_factory=dict)
    right_votes: dict[str, float] = field(default_factory=dict)

    def delimiters(self) -> list[tuple[str, list[int], list[tuple[str, float]]]]:
        """(label, strokes, alternatives) of each delimiter the environment writes, the left
        one and the right one where it has one. A matrix's two are settled together
        (`pair_kind`), so each one's alternatives are the kinds' shares of both sides' votes,
        as that side's delimiter (a `]` at 0.7 says: a bmatrix, 0.7); a brace's are its own
        votes' shares, what a brace drawn in two halves reads as counted for it."""
        if self.env == CASES:
            votes = dict(self.left_votes)
            votes["\\{"] = votes.get("\\{", 0.0) + sum(votes.pop(k, 0.0) for k in BRACE_LIKE)
            return [("\\{", list(self.left), _shares(votes))]
        kinds = {env: self.left_votes.get(l, 0.0) + self.right_votes.get(r, 0.0) for env, (l, r) in MATRICES.items()}
        left, right = MATRICES[self.env]
        out = [(left, list(self.left), _shares({MATRICES[e][0]: v for e, v in kinds.items()}, left))]
        if self.right:
            out.append((right, list(self.right), _shares({MATRICES[e][1]: v for e, v in kinds.items()}, right)))
        return out

    @property
    def strokes(self) -> set[int]:
        return {*self.left, *self.right, *(i for r in self.rows for c in r for i in c)}


def _shares(votes: dict[str, float], label: str = "\\{") -> list[tuple[str, float]]:
    """Votes as shares, best first; all to `label` when nothing voted."""
    total = sum(votes.values())
    if total <= 0:
        return [(label, 1.0)]
    return sorted(((k, v / total) for k, v in votes.items() if v / total >= 0.005 or k == label),
                  key=lambda a: -a[1])


def _stem_width(stroke: np.ndarray, box) -> float:
    """How wide a stroke is over the middle half of its height: a bracket's stem, whatever
    its hooks' length."""
    y1, y2 = box[1], box[3]
    q = (y2 - y1) / 4
    # Along its path, not at its points only: a sparse stroke may have none in the middle.
    p = stroke[:, :2]
    at = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(p, axis=0).T))])
    s = np.linspace(0.0, at[-1], 200) if at[-1] > 0 else np.zeros(1)
    x, y = np.interp(s, at, p[:, 0]), np.interp(s, at, p[:, 1])
    mid = x[(y >= y1 + q) & (y <= y2 - q)]
    return float(np.ptp(mid)) if len(mid) else 0.0


def _tall(boxes, members: list[int], scale: float, strokes) -> list[int]:
    """The strokes that could be a delimiter around rows: tall and narrow, or (a `[` drawn in
    one stroke with long hooks) wider but with a narrow stem."""
    out = []
    for i in members:
        w, h = boxes[i, 2] - boxes[i, 0], boxes[i, 3] - boxes[i, 1]
        if h < TALL * scale:
            continue
        if w <= NARROW * h or (w <= WIDE * h
                               and _stem_width(strokes[i], boxes[i]) <= STEM * h):
            out.append(i)
    return out


def _hooks(boxes, tall: int, members: list[int], scale: float) -> list[int]:
    """Short strokes at the ends of a tall one: the top and bottom bars of a `[` or `]`."""
    x1, y1, x2, y2 = boxes[tall]
    h = y2 - y1
    out = []
    for i in members:
        if i == tall:
            continue
        b = boxes[i]
        if max(b[2] - b[0], b[3] - b[1]) >= HOOK * scale or b[3] - b[1] > 0.5 * (b[2] - b[0]):
            continue
        cy = (b[1] + b[3]) / 2
        near_end = min(abs(cy - y1), abs(cy - y2)) <= max(0.1 * h, HOOK_GAP * scale)
        touches = b[0] <= x2 + 0.1 * scale and b[2] >= x1 - 0.1 * scale
        if near_end and touches:
            out.append(i)
    return out


def _lower_half(boxes, tall: int, members: list[int], scale: float) -> list[int]:
    """The lower half of a brace drawn in two strokes: a stroke at least half as high that
    goes on from the tall one's lower end at the same left edge (the cusp between them)."""
    x1, y1, x2, y2 = boxes[tall]
    h = y2 - y1
    return [i for i in members if i != tall
            and boxes[i, 3] - boxes[i, 1] >= 0.5 * h and y1 + 0.5 * h <= boxes[i, 1] <= y2 + 0.3 * scale
            and abs(boxes[i, 0] - x1) <= 0.5 * scale and boxes[i, 3] > y2][:1]


def proposes(strokes: list[np.ndarray], members: list[int], scale: float) -> bool:
    """Whether `find` would read any delimiter of these strokes (a tall stroke with rows right of it)."""
    return bool(_openers(strokes, lines.stroke_boxes(strokes), members, scale)[2])


def _openers(strokes, boxes, members: list[int], scale: float):
    """The tall strokes left to right, the lower half each has (a brace drawn in two), and
    those with rows to their right: only they can open a grid. The others (a \\sum, an
    integral, parentheses around a fraction) are not read again, and one line costs nothing."""
    tall = sorted(_tall(boxes, members, scale, strokes), key=lambda i: boxes[i, 0])
    halves: dict[int, list[int]] = {}
    for i in tall:
        if not any(i in h for h in halves.values()):
            halves[i] = _lower_half(boxes, i, members, scale)
    tall = [i for i in tall if i in halves]
    delimiters = tall + [j for h in halves.values() for j in h]
    openers = [i for i in tall
               if _rows_right_of(strokes, boxes, _box(boxes, [i] + halves[i]), members, delimiters, scale)]
    return tall, halves, openers


def find(strokes: list[np.ndarray], members: list[int], scale: float, read_delimiter) -> list[Grid]:
    """The grids in one line (`members`: its strokes' indices into `strokes`), left to right.
    `read_delimiter(strokes, box, scale)` gives how much its readings gave each delimiter class
    ({label: probability}, empty when none reads as one)."""
    boxes = lines.stroke_boxes(strokes)
    tall, halves, openers = _openers(strokes, boxes, members, scale)
    if not openers:
        return []
    tall = [i for i in tall if boxes[i, 0] >= boxes[openers[0], 0]]
    votes, parts = {}, {}
    for i in tall:
        parts[i] = [i] + halves[i] + _hooks(boxes, i, members, scale)
        votes[i] = read_delimiter(parts[i], _box(boxes, parts[i]), scale)
    # The label is the delimiter read most; what a brace may be misread as only helps a brace.
    labels = {i: max((k for k in v if k in DELIMITERS), key=v.get, default=None) for i, v in votes.items()}
    # A brace read about as much as a parenthesis is a brace where nothing closes it; so is
    # one drawn in two halves read as a sum (a long lower tail): rows stand right of it, where
    # a sum has its summand and its limits above and below.
    braces = {i for i, v in votes.items()
              if v.get("\\{", 0.0) + (sum(v.get(k, 0.0) for k in BRACE_LIKE) if halves[i] else 0.0) >= BRACE_VOTES}
    out: list[Grid] = []
    used: set[int] = set()
    for a, i in enumerate(tall):
        if i in used or (OPENING.get(labels[i]) is None and i not in braces):
            continue
        # The delimiter's extent with its hooks: a bracket's top bar may stand above its stem.
        top, bottom = boxes[parts[i], 1].min(), boxes[parts[i], 3].max()
        # Its partner: the next tall stroke as high that is not read as opening; a delimiter
        # stretched to several rows is often misread, so which one it is matters less than
        # that it closes. Without one, rows after a left brace are cases.
        partner = None
        if labels[i] != "\\{":
            for j in tall[a + 1:]:
                if j in used or labels[j] in OPENERS:
                    continue
                shared = min(bottom, boxes[j, 3]) - max(top, boxes[j, 1])
                if shared >= SAME_HEIGHT * max(bottom - top, boxes[j, 3] - boxes[j, 1]):
                    partner = j
                    break
        if partner is None:
            # Only a brace opens cases: an unclosed parenthesis or bracket beside rows is a
            # tall ( of a fraction's line, a \\lim's l, an integral (train/ has such files).
            if labels[i] != "\\{" and i not in braces:
                continue
            env = CASES
        else:
            env = pair_kind(votes[i], votes[partner])
        right_edge = boxes[partner, 0] if partner is not None else np.inf
        # Bits of ink at a delimiter, between its stem's edges (a bracket's bar drawn apart from
        # its stem) are the delimiter's, not a piece of the line to read.
        level = [k for k in members if k not in used and top <= (boxes[k, 1] + boxes[k, 3]) / 2 <= bottom
                 and k not in parts[i] and (partner is None or k not in parts[partner])]
        left_bits = [k for k in level if boxes[i, 0] - 0.5 * scale <= boxes[k, 0]
                     and (boxes[k, 0] + boxes[k, 2]) / 2 < boxes[i, 2] - 0.2 * scale]
        right_bits = [] if partner is None else [
            k for k in level if right_edge < (boxes[k, 0] + boxes[k, 2]) / 2
            and boxes[k, 2] <= boxes[partner, 2] + 0.5 * scale]
        left_part, right_part = parts[i] + left_bits, (parts[partner] + right_bits) if partner is not None else []
        taken = set(left_part) | set(right_part)
        inside = [k for k in members if k not in taken and k not in used
                  and boxes[i, 2] - 0.2 * scale <= (boxes[k, 0] + boxes[k, 2]) / 2 <= right_edge
                  and top <= (boxes[k, 1] + boxes[k, 3]) / 2 <= bottom]
        if not inside:
            continue
        rows = [[inside[k] for k in r] for r in lines.breaks([strokes[k] for k in inside], scale, scripts=False)]
        if len(rows) < 2 or not stacked(boxes, rows):
            continue
        grid = Grid(env, left_part, right_part, _cells(boxes, rows, scale, env == CASES),
                    votes[i], votes[partner] if partner is not None else {})
        out.append(grid)
        used |= grid.strokes
    return out


def pair_kind(left: dict[str, float], right: dict[str, float]) -> str:
    """The matrix two delimiters make, from how much each reading gave each kind on both sides
    together: one side read clearly settles the other's doubt ("[" with a ")"-ish right side)."""
    return max(MATRICES, key=lambda env: left.get(MATRICES[env][0], 0.0) + right.get(MATRICES[env][1], 0.0))


def _box(boxes, parts: list[int]) -> np.ndarray:
    return np.array([*boxes[parts, :2].min(0), *boxes[parts, 2:].max(0)])


def _rows_right_of(strokes, boxes, box, members: list[int], tall: list[int], scale: float) -> bool:
    top, bottom = box[1], box[3]
    right = [k for k in members if k not in tall and (boxes[k, 0] + boxes[k, 2]) / 2 > box[2] - 0.2 * scale
             and top <= (boxes[k, 1] + boxes[k, 3]) / 2 <= bottom]
    if len(right) < 2:
        return False
    rows = [[right[k] for k in r] for r in lines.breaks([strokes[k] for k in right], scale, scripts=False)]
    return len(rows) >= 2 and stacked(boxes, rows)


def stacked(boxes, rows: list[list[int]]) -> bool:
    """Whether each row stands under the one above, not beside it: rows of a matrix or cases
    share a column's width; a script beside its base ((x^3)^2 in tall parentheses) shares
    less than lines.DIAGONAL of the narrower one's width."""
    return all(lines._overlap(boxes, a, b) >= lines.DIAGONAL * min(lines._width(boxes, a), lines._width(boxes, b))
               for a, b in zip(rows, rows[1:]))


def _cells(boxes, rows: list[list[int]], scale: float, cases: bool) -> list[list[list[int]]]:
    """Each row's strokes parted into cells at the bands no row's ink crosses."""
    everything = [i for r in rows for i in r]
    order = sorted(everything, key=lambda i: boxes[i, 0])
    cuts: list[tuple[float, float]] = []   # (gap width, x where it cuts)
    right = boxes[order[0], 2]
    for i in order[1:]:
        if boxes[i, 0] - right >= COLUMN_GAP * scale:
            cuts.append((boxes[i, 0] - right, (boxes[i, 0] + right) / 2))
        right = max(right, boxes[i, 2])
    if cases and cuts:
        cuts = [max(cuts)]
    xs = sorted(x for _, x in cuts)
    out = []
    for r in rows:
        cells: list[list[int]] = [[] for _ in range(len(xs) + 1)]
        for i in r:
            cells[int(np.searchsorted(xs, (boxes[i, 0] + boxes[i, 2]) / 2))].append(i)
        out.append([sorted(c) for c in cells])
    return out
