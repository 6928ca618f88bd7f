"""Where ink written on several lines breaks into lines, from the strokes alone.

A line break is a horizontal band of the page that no ink crosses, wider than `GAP` writing
scales (raster.writing_scale: the ink's own size, so the same page written larger splits the
same way). Inside one expression such bands come from the layout, never from a new line: the
gap between a numerator or denominator and its bar, and the gap between a big operator and
its limits (or a symbol and a far script). So a band is refused as a break where the ink
beside it is laid out across it:

* a bar (a flat, wide stroke) at the band's edge, with ink of the other side within reach, is
  a fraction bar, its numerator or denominator across the band, when it is alone at its height,
  or when the other side's run lies within its span and ink that is not a bar lies just
  beyond it on its own side (not the "-" of "-x", not a stroke of "=");
* a low, narrow run of ink alone on one side of the band (less than `SCRIPT_HEIGHT` of the
  height and `SCRIPT_WIDTH` of the width of the run it faces, shorter than `SCRIPT_LONG`),
  under or over that run's ink, may be the limits of a big operator it faces. Limits are
  written at full size, so their size alone does not tell them from a short line: with
  `breaks(limits=False)` such a band is proposed, and the one-line reading of the two lines
  decides (multiline; `limits_facing` marks where it must be read); geometry alone (the
  default, without a recognizer) joins it when nearer than `SCRIPT_GAP` writing scales;
* ink diagonally across the band (the two sides share less than `DIAGONAL` of the narrower
  one's width) is a script beside its base, not a new line under it;
* dots (an i's, a stray tap) are never a line of their own; nor is one stroke over the top of
  a stem and small beside it, an i's dot written large on a page of little else (where the
  writing scale is half the dot's own size).

A radical covers its radicand, so no band crosses it. The values are set on CROHME dev
(`python -m model stacked dev --check-split`: no one-line dev expression is split) and hold on
train/.
"""
from __future__ import annotations

import numpy as np

from . import raster

GAP = 0.55            # a band at least this many writing scales high may break the lines
BAR_FLAT = 0.3        # a bar's height is at most this share of its width
BAR_WIDE = 0.6        # ... and it is at least this many writing scales wide
WITHIN_SPAN = 0.7     # ... with this share of the strokes across the band within its span
OWN_REACH = 1.2       # ... and on its own side within this
BAR_TOUCH = 0.05      # ... but not touching it: ink that meets a flat stroke may be of its symbol
                      # (a pi's legs under its top stroke), and the reading decides that band
BAR_REACH = 4.0       # a bar claims ink this many writing scales beyond it
SCRIPT_HEIGHT = 0.65  # a run lower than this share of the ink it faces is its script or limits
SCRIPT_WIDTH = 0.65   # ... and each piece of it narrower than this share of its width
SCRIPT_LONG = 4.0     # ... and than this many writing scales (limits are short: i=1, x->0)
PIECE_GAP = 1.0       # pieces of a run are this many writing scales apart (two sums' limits)
SCRIPT_GAP = 1.2      # ... and nearer to it than this many writing scales
UPPER_GAP = 1.0       # ... an upper one nearer than this
LIMITS_REACH = 2.2    # limits are never farther than this (multiline.LIMITS_GAP's widest)
DOT = 0.45            # a run of strokes all smaller than this (writing scales) is a dot, never a line
DOT_OF_STEM = 0.45    # one stroke smaller than this share of a stem's height over its top is its dot
STEM_NARROW = 0.35    # ... a stem: at most this share of its height wide
DOT_REACH = 1.0       # ... the dot at most this many stem heights above it
DIAGONAL = 0.3        # lines share at least this share of the narrower one's width


def stroke_boxes(strokes: list[np.ndarray]) -> np.ndarray:
    """(S, 4) each stroke's x1, y1, x2, y2: one pass over all the points (this runs before
    every reading, so it must cost little)."""
    if not strokes:
        return np.zeros((0, 4))
    pts = np.concatenate(strokes)
    starts = np.cumsum([0] + [len(s) for s in strokes[:-1]])
    return np.hstack([np.minimum.reduceat(pts, starts), np.maximum.reduceat(pts, starts)])


def bands(boxes: np.ndarray) -> list[tuple[float, float, list[int]]]:
    """Runs of ink, top to bottom: (top, bottom, stroke indices) where the strokes' vertical
    extents overlap or touch."""
    out: list[tuple[float, float, list[int]]] = []
    for i in np.argsort(boxes[:, 1], kind="stable"):
        y1, y2 = boxes[i, 1], boxes[i, 3]
        if out and y1 <= out[-1][1]:
            top, bottom, members = out[-1]
            out[-1] = (top, max(bottom, y2), members + [int(i)])
        else:
            out.append((float(y1), float(y2), [int(i)]))
    return out


def _is_bar(box, scale: float) -> bool:
    w, h = box[2] - box[0], box[3] - box[1]
    return w >= BAR_WIDE * scale and h <= BAR_FLAT * w


def _bar_across(boxes, edge_side: list[int], edge: float, far_side: list[int], down: bool,
                scale: float) -> bool:
    """Whether a bar at the band's edge on one side is a fraction's bar across the band: with
    ink of the other side's run within reach, and alone in its own run, or else with that run
    within its span and ink that is no bar just beyond it on its own side, not touching it (so
    the "-" of "-x", the strokes of "=", a radical's overline over the next line and the top
    stroke of a pi are no fraction bars)."""
    for i in edge_side:
        b = boxes[i]
        at_edge = (edge - b[3] if down else b[1] - edge) <= 0.3 * scale
        if not (at_edge and _is_bar(b, scale)):
            continue
        reaches = any((boxes[j, 1] - b[3] if down else b[1] - boxes[j, 3]) <= BAR_REACH * scale
                      and min(b[2], boxes[j, 2]) - max(b[0], boxes[j, 0]) > 0 for j in far_side)
        # Its numerator or denominator lies within its span: a line under a bar (or over a
        # radical's overline) does not.
        span = (b[0] - 0.3 * scale, b[2] + 0.3 * scale)
        within = np.mean([span[0] <= (boxes[j, 0] + boxes[j, 2]) / 2 <= span[1] for j in far_side])
        if not reaches or within < WITHIN_SPAN:
            continue
        # Alone at its height between two runs, or with ink that is no bar just beyond it on
        # its own side: a fraction's bar.
        if len(edge_side) == 1 or _claims_own_side(boxes, i, edge_side, down, scale):
            return True
    return False


def _claims_own_side(boxes, bar: int, side: list[int], down: bool, scale: float) -> bool:
    b = boxes[bar]
    for j in side:
        o = boxes[j]
        if j == bar or _is_bar(o, scale) or not b[0] <= (o[0] + o[2]) / 2 <= b[2]:
            continue
        gap = b[1] - o[3] if down else o[1] - b[3]
        if BAR_TOUCH * scale <= gap <= OWN_REACH * scale:
            return True
    return False


def _faces(boxes, small: list[int], other: list[int]) -> bool:
    """Whether the small run lies under or over the ink of the other side (within its width)."""
    lo = boxes[small, 0].min()
    hi = boxes[small, 2].max()
    olo, ohi = boxes[other, 0].min(), boxes[other, 2].max()
    return olo <= (lo + hi) / 2 <= ohi


def breaks(strokes: list[np.ndarray], scale: float | None = None, scripts: bool = True,
           limits: bool = True) -> list[list[int]]:
    """The strokes of each line, top to bottom (indices into `strokes`); one list when the
    ink is one line. `scripts=False`: no run is taken for limits or a script (the rows of a
    grid, where cells side by side would look like two sums' limits). `limits=False`: a band
    that a low run across it could make limits is proposed, not joined: whether they are
    limits is for the reading (a \\sum's limits, or a short line under a formula that begins
    with one)."""
    if not strokes:
        return []
    boxes = stroke_boxes(strokes)
    scale = raster.writing_scale(strokes) if scale is None else scale
    runs = bands(boxes)
    lines = [list(runs[0][2])]
    for k in range(1, len(runs)):
        above, below = runs[k - 1], runs[k]
        gap = below[0] - above[1]
        # Dots well apart from the ink above and nearer the ink below (the dot of an i at the
        # top of a line) start the line below.
        # Unless the line they start is diagonally off the line above: dots leading a
        # superscript's base (\cdots - c^{m-ME}, the script written far above, right of c).
        down = (gap >= GAP * scale and _is_dots(boxes, below[2], scale) and k + 1 < len(runs)
                and runs[k + 1][0] - below[1] < gap
                and not (scripts and gap < SCRIPT_GAP * scale and _diagonal(boxes, runs, k, lines[-1], scale)))
        if not down and (gap < GAP * scale
                         or _layout_across(boxes, runs, k, lines[-1], scale, scripts, limits)):
            lines[-1].extend(below[2])
        else:
            lines.append(list(below[2]))
    return [sorted(line) for line in lines]


def _layout_across(boxes, runs, k: int, line_above: list[int], scale: float, scripts: bool,
                   limits: bool = True) -> bool:
    """Whether the band between runs k-1 and k is crossed by the layout (module docstring)."""
    above, below = runs[k - 1], runs[k]
    if (_bar_across(boxes, above[2], above[1], below[2], True, scale)
            or _bar_across(boxes, below[2], below[0], above[2], False, scale)):
        return True
    # A dot (of an i, a stray tap) belongs to the ink it is nearest.
    if _is_dots(boxes, below[2], scale) or (above[2] == line_above and (
            _is_dots(boxes, above[2], scale) or _dot_of_stem(boxes, above[2], below))):
        return True
    if not scripts or below[0] - above[1] >= SCRIPT_GAP * scale:
        return False
    # Ink beside the line rather than under it, diagonally across the band: a script.
    if _diagonal(boxes, runs, k, line_above, scale):
        return True
    if not limits:
        return False
    under = _next_line(runs, k, scale)
    # Limits under the ink right above the band: a low, narrow run below it ...
    if _script_of(boxes, under, above[2], scale):
        return True
    # ... or over the ink below (upper limits), when that run is all the line holds so far;
    # upper limits sit close to their operator.
    return (above[2] == line_above and below[0] - above[1] < UPPER_GAP * scale
            and _script_of(boxes, above[2], below[2], scale))


def _diagonal(boxes, runs, k: int, line_above: list[int], scale: float) -> bool:
    """Whether the line that would start at run k shares less than DIAGONAL of the narrower
    one's width with the line above. What lies below the band as far as the next band that
    could break a line is that line (its top run may be a script or a numerator far right)."""
    under = _next_line(runs, k, scale)
    return _overlap(boxes, line_above, under) < DIAGONAL * min(_width(boxes, line_above), _width(boxes, under))


def limits_facing(strokes: list[np.ndarray], above: list[int], below: list[int], scale: float) -> list[int]:
    """Where, of two lines `breaks(limits=False)` proposed, one could be the other's limits by
    its shape (a low, narrow run under the line above, or over the line below, within
    `LIMITS_REACH` writing scales): the strokes of the other line it faces, within its span
    widened by a writing scale, where a big operator would be. [] where neither could."""
    boxes = stroke_boxes(strokes)
    if boxes[below, 1].min() - boxes[above, 3].max() >= LIMITS_REACH * scale:
        return []
    for low, other in ((below, above), (above, below)):
        if _script_of(boxes, low, other, scale):
            lo, hi = boxes[low, 0].min() - scale, boxes[low, 2].max() + scale
            return sorted(i for i in other if boxes[i, 2] >= lo and boxes[i, 0] <= hi)
    return []


def _next_line(runs, k: int, scale: float) -> list[int]:
    out = list(runs[k][2])
    for m in range(k + 1, len(runs)):
        if runs[m][0] - runs[m - 1][1] >= GAP * scale:
            break
        out += runs[m][2]
    return out


def _script_of(boxes, run: list[int], line: list[int], scale: float) -> bool:
    if _height(boxes, run) >= SCRIPT_HEIGHT * _height(boxes, line):
        return False
    wide = min(SCRIPT_WIDTH * _width(boxes, line), SCRIPT_LONG * scale)
    return all(_width(boxes, piece) < wide and _faces(boxes, piece, line)
               for piece in _pieces(boxes, run, scale))


def _pieces(boxes, members: list[int], scale: float) -> list[list[int]]:
    """The run's ink in pieces left to right, split where it leaves PIECE_GAP across."""
    out: list[list[int]] = []
    right = -np.inf
    for i in sorted(members, key=lambda i: boxes[i, 0]):
        if out and boxes[i, 0] - right < PIECE_GAP * scale:
            out[-1].append(i)
        else:
            out.append([i])
        right = max(right, boxes[i, 2])
    return out


def _overlap(boxes, a: list[int], b: list[int]) -> float:
    return float(min(boxes[a, 2].max(), boxes[b, 2].max()) - max(boxes[a, 0].min(), boxes[b, 0].min()))


def _is_dots(boxes, members: list[int], scale: float) -> bool:
    sides = np.maximum(boxes[members, 2] - boxes[members, 0], boxes[members, 3] - boxes[members, 1])
    return bool((sides < DOT * scale).all())


def _dot_of_stem(boxes, run: list[int], below) -> bool:
    """Whether the run is one stroke over the top of a stem of the run `below` (top, bottom,
    members) and small beside it: measured against the stem, not the writing scale."""
    if len(run) != 1:
        return False
    d = boxes[run[0]]
    side = max(d[2] - d[0], d[3] - d[1])
    middle = (d[0] + d[2]) / 2
    for j in below[2]:
        s = boxes[j]
        height = s[3] - s[1]
        if (s[1] - below[0] <= 0.1 * height and s[2] - s[0] <= STEM_NARROW * height
                and side < DOT_OF_STEM * height and s[1] - d[3] <= DOT_REACH * height
                and s[0] - side <= middle <= s[2] + side):
            return True
    return False


def _width(boxes, members: list[int]) -> float:
    return float(boxes[members, 2].max() - boxes[members, 0].min())


def _height(boxes, members: list[int]) -> float:
    return float(boxes[members, 3].max() - boxes[members, 1].min())
