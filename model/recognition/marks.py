"""Small marks and pieces read by where they sit (issue 36): the dot of an i, a j or a `!`, the
prime, an absolute value's bars, a lone closing brace, a bar drawn in pieces or apart from its
sum, radical or plus, dots in a row, the two bars of an `=`, the bar of a `±`, and a function's
name read as its letters (function_letters.py).

The network reads each candidate alone and the decoder weighs splitting against merging, so a
stem and its dot can come back as two symbols: `1` and `.`, or `1` and a prime (`e^{1}'` for
e^{iπ}). Their places settle it:

- a dot above a short stem is the stem's dot: a mark read as a dot, a small circle, a prime or
  a comma, written just before or after a stem (`1`, `l`, `|`, `I`, a prime, or `i`/`j` read
  from the stem alone), small beside it, and right above it (label_parts' test for the dot of
  an i) makes one `i` with the stem (`j` where the stem was read as one);
- a dot right under a stem is a factorial's: such a mark written just before or after the
  stem, small beside it (BANG_DOT), under its bottom (BANG_GAP) and not right of its middle
  (BANG_SIDE) makes one `!`. A decimal point after a 1 sits right of the stem and on the line.
  One dev writer's `n!` came back as `n^{1}.` five times in one expression;
- a prime sits beside the top of what it follows; a "prime" whose middle lies below the
  middle of the symbol written before it is read as its best other reading (the `1` of a
  subscript, mostly);
- two bars around letters are an absolute value's: two strokes read as `1` (with `|` among
  their readings) or `|`, level and about as tall, the nearest such pair on the line, with one
  to four letters between them (a digit only as a small script: `|a_1|`), none taller than
  they are, with no digit right against either (ABS_NUMBER: the 1s of `1x10`), are both `|`.
  In the truth of train/ and train-extra/, 104 runs of one to three letters stand between two
  `|` and one between two `1`; on that truth, every `|` read as a 1, the rule takes 108 of the
  536 bars and no 1. Dev read `|A|` as `1A1`;
- a closing brace closes an opening one left of it: a `\\}` with none open is read as its best
  other reading (a tall 3 at the end of a case's condition). Of the 79 expressions with a
  closing brace in train/, train-extra/ and dev, none has one unopened;
- a bar drawn in pieces is one bar: flat strokes read as minus signs that continue each other
  end to end at one height (touching or just overlapping: BAR_GAP, BAR_LEVEL) are one `-`.
  Its pieces, written apart, are no candidate of consecutive strokes for the decoder, and a
  fraction bar drawn again at its end left its denominator beside it;
- dots in a row are an ellipsis: three or more dot-sized marks (read as dots, small circles,
  primes, or commas inside the run; never dashes: `\\cdots -` has its minus at the dots'
  height), written one after another, each just right of the last at its height, are one
  `\\ldots`; a `\\ldots` read from some of them takes the rest. The network reads each dot
  alone, and MathBrush's files (94 ellipses in train/) spell them as three `.`, so 23 of dev's
  40 came back as dots;
- two bars one over the other are an `=`: minus signs of about one width (EQUALS_WIDTH), mostly
  over each other (EQUALS_OVERLAP), EQUALS_GAP of their width apart, with nothing between
  them. Of train/'s 3,821 two-stroke `=` all but one were written in one go, and the
  decoder only joins consecutive strokes; dev's writers often drew the second bar after the
  next symbol (8 of its `=` came back as two minus signs);
- a bar lying across a symbol that has one is that symbol's: a minus sign whose middle lies
  inside the box of a plus, an =, a ±, or a symbol crossed by a bar (7, z, A, t, f, F, E, H, θ,
  ∈, ∀), BARRED_OVERLAP of its width within it, joins it: the bar drawn again, or drawn after
  the next symbol. In train/ and train-extra/ 2,527 such symbols (besides +, = and ±) have a bar
  stroke inside their box, and 1 true minus sign lies so in one of them (an f), none in a +, an
  = or a ±;
- a plus over a short bar is a ±: a minus sign under a plus (its middle PM_GAP of the plus's
  height under the plus's bottom), about as wide (PM_WIDTH), mostly under it (PM_OVERLAP), with
  nothing between them, makes one `\\pm` with it. The minus may come later: the decoder joins
  only consecutive strokes;
- a 1's base serif read apart is the 1's: a flat minus written right after a 1, at its foot
  and under its middle, at most SERIF_WIDTH of its height wide, with nothing but another bar
  right under it, joins it (a 1 over a short fraction bar has its denominator there). Dev's
  `\\frac{1}{1}` came back as `\\frac{1-}{-1}`;
- a sum's top bar drawn apart is the sum's: a minus written just before or after a `\\sum`,
  sitting on its top (SUM_TOP_GAP) and within its width, joins it. It read as a minus beside
  the upper limit, and the limit then stood alone as a line. Of the 194 sums in train/,
  train-extra/ and dev whose top bar is a stroke of its own, all sit so; no true minus does;
- a radical's top bar drawn apart is the radical's: a minus that begins at the radical's right
  end (RADICAL_START) at the height of its top (RADICAL_LEVEL) joins it, and what stands under
  the bar is then under the radical. Writers often draw the bar last, once they see how far the
  radicand reaches: 58 of the 146 radicals in train/ and train-extra/ with a bar of its own.

All are decided on geometry and the writing order alone, after the decoder, and the symbols
they make are not re-read by the joint choice (layout/joint.py). What they change on dev, right
and wrong: docs/how-it-works.md ("Small marks").
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .classes import GREEK
from .function_letters import function_words
from .label_parts import _fits
from .result import Symbol, union_box

STEMS = {"1", "l", "|", "I", "\\prime", "i", "j"}
DOT_READINGS = {".", "\\prime", ",", "0", "o"}
BRACES = {"\\{", "\\}"}
# A bar's pieces touch end to end (a gap of at most BAR_GAP symbol heights: a minus before a
# fraction stands further off its bar) with their middles within BAR_LEVEL of each other.
BAR_GAP = 0.05
BAR_LEVEL = 0.3
# A sum's top bar drawn apart: its bottom at most this share of the sum's height above the sum's
# top (or into it), and within the sum's width widened by SUM_TOP_SIDE of it on each side.
SUM_TOP_GAP = 0.15
SUM_TOP_SIDE = 0.1
# A radical's bar, in the radical's heights: its left end from RADICAL_START before to after the
# radical's right end, its middle within RADICAL_LEVEL of the radical's top (train/ and
# train-extra/'s 146 radicals with a bar of their own: 145 pass; of the 2,028 true minus signs
# in an expression with a radical, 2 do).
RADICAL_START = (-0.5, 0.35)
RADICAL_LEVEL = (-0.4, 0.25)
# What a minus lying across a symbol may be the bar of (the module docstring), and how much of
# the minus must lie within that symbol's box.
BARRED = {"+", "=", "\\pm", "7", "z", "Z", "A", "t", "f", "F", "E", "H", "\\theta", "\\in", "\\forall"}
BARRED_OVERLAP = 0.6
# A ± (train/ and train-extra/'s 153 three-stroke ±: the bar's middle 0.04 to 1.5 of the plus's
# height under its bottom for 98 %, 0.65 to 1.85 times its width, the narrower 0.62 or more
# under the other). Of the 530 true minus signs within two heights under a true plus there, all
# but 2 are fraction bars 3 or more times its width; with these settings none passes.
PM_GAP = (-0.1, 1.6)
PM_WIDTH = 2.5
PM_OVERLAP = 0.5
# Two bars around letters (absolute_bars): in the truth of train/ and train-extra/, 104 runs of
# one to three letters stand between two |, and 1 between two 1s.
ABS_HEIGHTS = 1.5   # the taller bar at most this times the shorter
ABS_OVERLAP = 0.6   # their heights in common, at least this share of the shorter's
ABS_CONTENT = 4     # at most this many symbols between them
ABS_SCRIPT = 0.6    # a digit between them is a script: at most this share of the bars' height
ABS_SLACK = 0.25    # what is between them lies within their height, give or take this share
ABS_TALL = 1.0      # and no letter between them is taller than they are (times this)
ABS_NUMBER = 0.5    # a digit this near outside either (of their height) makes them a number's 1s
# A 1's base serif read apart (serif_bars), in the 1's heights. In train/ and train-extra/, of the
# 254 two-stroke 1s with a flat last stroke (written right after the stem, every one), 231 pass;
# of the 1,406 one-stroke minus signs written right after a one-stroke 1, none (without the test
# of what lies under the bar, 78 would: fractions' bars). A minus written before a 1 is not
# taken: the held-out writers' n_{k-1} has one at its 1's foot.
SERIF_SIDE = 0.6
SERIF_GAP = 0.25
SERIF_WIDTH = 1.6
SERIF_FLAT = 0.5
SERIF_BELOW = 2.0
MAX_DOT = 0.6          # a dot's larger side, at most this share of its stem's height
# A factorial's dot, in stem heights (train/ and train-extra/'s 92 two-stroke `!`: its middle
# 0.54 left to 0.09 right of the stem's middle, its top 0.14 to 1.11 under the stem's bottom,
# its larger side at most 0.24). All 40 decimal points written right after a 1 in train/ and
# train-extra/ sit 0.09 or more right of the 1's middle, and 38 of them reach above its bottom:
# none passes.
BANG_SIDE = (-0.6, 0.15)
BANG_GAP = (0.05, 1.3)
BANG_DOT = 0.35
# An ellipsis's dots (train/ and train-extra/'s 159: larger side at most 0.44 of the
# expression's median symbol height for 95 %, gaps at most 1.18 of it for 95 % and 1.74 for all,
# middles within 0.15): each at most ELLIPSIS_DOT of that height, the next beginning within
# ELLIPSIS_GAP heights after the last ends, its middle within ELLIPSIS_LEVEL of the last's, and
# neither ELLIPSIS_LIKE times the other's size (the 0s of a small "0.0" are three times its point).
ELLIPSIS_READINGS = DOT_READINGS | {"\\cdot", "\\ldots"}
NOT_LETTERS = {".", ",", "\\prime", "-", "\\cdot", "\\ldots"}
ELLIPSIS_DOT = 0.5
ELLIPSIS_GAP = (-0.35, 1.5)  # it may overlap the last a little
ELLIPSIS_LEVEL = 0.3
ELLIPSIS_LIKE = 2.5
ELLIPSIS_DOTS = 3
# An = drawn as two bars (train/ and train-extra/'s 3,821: the wider at most 2.23 times the
# other for 99 %, overlapping by 0.70 of the narrower or more for 95 %, middles 0.18 to 1.23 of
# their mean width apart for 98 %; nearer, a slanted fraction bar over a symbol's flat stroke).
# So set, 3 pairs of true minus signs in all of train/ and train-extra/ would pass: fraction
# bars stacked with their numerator off to one side.
EQUALS_WIDTH = 2.3
EQUALS_OVERLAP = 0.6
EQUALS_GAP = (0.1, 1.25)


def _width(box) -> float:
    return float(box[2] - box[0])


def _height(box) -> float:
    return max(box[3] - box[1], 1e-6)


def _small_mark_of(stem: Symbol, mark: Symbol, largest: float) -> float | None:
    """The stem's height where `mark` is a one-stroke dot reading, at most `largest` of that
    height, written right after the stem or right before it; else None."""
    if mark.label not in DOT_READINGS or len(mark.strokes) != 1 or not stem.strokes:
        return None
    if not (mark.strokes[0] == max(stem.strokes) + 1 or mark.strokes[0] == min(stem.strokes) - 1):
        return None    # an i or a ! is written in one go: its dot right after its stem, or right before
    h = _height(stem.box)
    if max(mark.box[2] - mark.box[0], mark.box[3] - mark.box[1]) > largest * h:
        return None
    return h


def _dot_of(stem: Symbol, mark: Symbol) -> float | None:
    """How far `mark` is from sitting as `stem`'s dot (smaller is better), None if it does not."""
    if _small_mark_of(stem, mark, MAX_DOT) is None:
        return None
    return _fits(stem, mark, "above", True)


def _bang_of(stem: Symbol, mark: Symbol) -> float | None:
    """How far `mark` is from sitting as the dot of a factorial `stem` (smaller is better),
    None if it does not."""
    h = _small_mark_of(stem, mark, BANG_DOT)
    if h is None:
        return None
    side = ((mark.box[0] + mark.box[2]) - (stem.box[0] + stem.box[2])) / 2 / h
    gap = (mark.box[1] - stem.box[3]) / h
    if not (BANG_SIDE[0] <= side <= BANG_SIDE[1] and BANG_GAP[0] <= gap <= BANG_GAP[1]):
        return None
    return abs(side) + gap


def dotted_stems(symbols: list[Symbol], keep=frozenset(), fits=_dot_of) -> list[tuple[int, int]]:
    """(stem index, dot index) of each stem and the mark that is its dot: an i's (`_dot_of`)
    or a factorial's (`_bang_of`)."""
    pairs, used = [], set(keep)
    for k, stem in enumerate(symbols):
        if k in used or stem.label not in STEMS:
            continue
        best = None
        for j, mark in enumerate(symbols):
            if j == k or j in used:
                continue
            d = fits(stem, mark)
            if d is not None and (best is None or d < best[0]):
                best = (d, j)
        if best is not None:
            pairs.append((k, best[1]))
            used |= {k, best[1]}
    return pairs


def _dotted(stem: Symbol, dot: Symbol) -> Symbol:
    ranked = [a for a, _ in stem.alternatives]
    label = "j" if stem.label == "j" or ("j" in ranked and ("i" not in ranked or
                                                             ranked.index("j") < ranked.index("i"))) else "i"
    return replace(stem, label=label, strokes=sorted(stem.strokes + dot.strokes),
                   box=union_box([stem.box, dot.box]),
                   alternatives=[(label, stem.score)] + [(a, p) for a, p in stem.alternatives if a != label],
                   personal=False)


def low_primes(symbols: list[Symbol], keep=frozenset()) -> list[tuple[int, str, float]]:
    """(index, the reading it gets instead, its probability) of each prime whose middle lies below
    the middle of the symbol written before it."""
    order = sorted(range(len(symbols)), key=lambda i: min(symbols[i].strokes, default=0))
    out = []
    for prev, i in zip(order, order[1:]):
        s, base = symbols[i], symbols[prev]
        if i in keep or s.label != "\\prime":
            continue
        middle = (s.box[1] + s.box[3]) / 2
        if middle <= (base.box[1] + base.box[3]) / 2:
            continue
        other = next(((a, p) for a, p in s.alternatives if a != "\\prime"), None)
        if other is not None:
            out.append((i, *other))
    return out


def lone_closing_braces(symbols: list[Symbol], keep=frozenset()) -> list[tuple[int, str, float]]:
    """(index, the reading it gets instead, its probability) of each closing brace with no
    opening brace open left of it."""
    out, open_ = [], 0
    for i in sorted(range(len(symbols)), key=lambda i: symbols[i].box[0] + symbols[i].box[2]):
        s = symbols[i]
        if s.label == "\\{":
            open_ += 1
        elif s.label == "\\}":
            if open_:
                open_ -= 1
            elif i not in keep:
                other = next(((a, p) for a, p in s.alternatives if a not in BRACES), None)
                if other is not None:
                    out.append((i, *other))
    return out


def _letter(label: str) -> bool:
    return label.isalpha() or label in GREEK


def absolute_bars(symbols: list[Symbol], keep=frozenset()) -> list[tuple[int, str, float]]:
    """(index, "|", its probability) of each 1 that is one of two bars around letters: two
    strokes read as 1 or | (a 1 with | among its readings), level with each other (ABS_OVERLAP)
    and of about one height (ABS_HEIGHTS), the nearest such pair on the line, holding between
    them one to ABS_CONTENT symbols that are letters or a letter's small scripts (ABS_SCRIPT of
    the bars' height), every one within their height, with no digit right against either."""
    def bar(i):
        s = symbols[i]
        return i not in keep and (s.label == "|" or s.label == "1" and dict(s.alternatives).get("|", 0.0) > 0)

    cx = [(s.box[0] + s.box[2]) / 2 for s in symbols]
    bars = sorted((i for i in range(len(symbols)) if bar(i)), key=cx.__getitem__)
    out, used = [], set()
    for n, i in enumerate(bars):
        if i in used:
            continue
        right = next((j for j in bars[n + 1:] if j not in used and _level_bars(symbols[i], symbols[j])), None)
        if right is None:
            continue
        a, b = symbols[i].box, symbols[right].box
        span = (min(a[1], b[1]), max(a[3], b[3]), (_height(a) + _height(b)) / 2)   # top, bottom, height
        inside = [k for k in range(len(symbols)) if k not in (i, right) and cx[i] < cx[k] < cx[right]
                  and _level_with(symbols[k].box, span)]
        if (not 0 < len(inside) <= ABS_CONTENT or any(k in bars for k in inside)
                or not _letters_within([symbols[k] for k in inside], span)
                or _number_beside(symbols, a, b, span, set(inside) | {i, right})):
            continue
        used |= {i, right}
        out += [(k, "|", dict(symbols[k].alternatives).get("|", symbols[k].score))
                for k in (i, right) if symbols[k].label == "1"]
    return out


def _level_bars(a: Symbol, b: Symbol) -> bool:
    lo, hi = sorted((_height(a.box), _height(b.box)))
    over = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
    return hi <= ABS_HEIGHTS * lo and over >= ABS_OVERLAP * lo


def _level_with(box, span) -> bool:
    return box[1] < span[1] and box[3] > span[0]


def _letters_within(inside: list[Symbol], span) -> bool:
    """At least one letter, none taller than the bars, the rest a letter's small scripts, all
    within the bars' height (give or take ABS_SLACK)."""
    top, bottom, h = span
    letters = [_height(s.box) for s in inside if _letter(s.label)]
    scripts = all(s.label.isalnum() and _height(s.box) <= ABS_SCRIPT * h for s in inside if not _letter(s.label))
    within = all(s.box[1] >= top - ABS_SLACK * h and s.box[3] <= bottom + ABS_SLACK * h for s in inside)
    return bool(letters) and max(letters) <= ABS_TALL * h and scripts and within


def _number_beside(symbols: list[Symbol], a, b, span, skip: set[int]) -> bool:
    """Whether a digit lies right against the left bar's left or the right bar's right, level
    with them: the 1s of a number (1x10^2: 1 × 10)."""
    near = ABS_NUMBER * span[2]
    for k, s in enumerate(symbols):
        if k in skip or not s.label.isdigit() or not _level_with(s.box, span):
            continue
        mid = (s.box[0] + s.box[2]) / 2
        if (mid < (a[0] + a[2]) / 2 and s.box[2] >= a[0] - near
                or mid > (b[0] + b[2]) / 2 and s.box[0] <= b[2] + near):
            return True
    return False


def bar_pieces(symbols: list[Symbol], keep=frozenset()) -> dict[int, int]:
    """{piece index: the index of the bar it belongs to (its widest piece)} for minus signs
    that continue each other end to end: the next starts within BAR_GAP symbol heights of the
    end of the one before, overlaps it by at most half the shorter, and sits at its height
    (middles within BAR_LEVEL symbol heights)."""
    bars = sorted((i for i, s in enumerate(symbols) if s.label == "-" and i not in keep),
                  key=lambda i: symbols[i].box[0])
    if len(bars) < 2:
        return {}
    h = float(np.median([_height(s.box) for s in symbols if s.label != "-"] or [_height(symbols[bars[0]].box)]))
    def continues(a, b) -> bool:
        overlap = a[2] - b[0]
        return (-BAR_GAP * h <= overlap <= 0.5 * min(a[2] - a[0], b[2] - b[0])
                and abs((a[1] + a[3]) / 2 - (b[1] + b[3]) / 2) <= BAR_LEVEL * h)
    chains: list[list[int]] = []
    for i in bars:
        chain = next((c for c in chains if continues(symbols[c[-1]].box, symbols[i].box)), None)
        if chain is None:
            chains.append([i])
        else:
            chain.append(i)
    out = {}
    for chain in chains:
        widest = max(chain, key=lambda i: symbols[i].box[2] - symbols[i].box[0])
        out.update({i: widest for i in chain if i != widest})
    return out


def _lone_bars(symbols: list[Symbol], keep) -> list[int]:
    """The minus signs of one stroke that the user has not fixed: bars that may belong to
    another symbol."""
    return [i for i, s in enumerate(symbols) if s.label == "-" and len(s.strokes) == 1 and i not in keep]


def _bars_on(symbols: list[Symbol], keep, hosts: set[str], fits) -> dict[int, int]:
    """{minus index: the index of the first symbol labelled among `hosts` that the one-stroke
    minus `fits` (bar box, host box) as a part of}."""
    out = {}
    found = [j for j, s in enumerate(symbols) if s.label in hosts and j not in keep]
    for i in _lone_bars(symbols, keep):
        j = next((j for j in found if fits(symbols[i].box, symbols[j].box)), None)
        if j is not None:
            out[i] = j
    return out


def serif_bars(symbols: list[Symbol], keep=frozenset()) -> dict[int, int]:
    """{minus index: the index of the 1 whose base serif it is}: a flat minus written right
    after a 1, at the 1's bottom (SERIF_GAP of its height), under its middle
    (SERIF_SIDE), at most SERIF_WIDTH of its height wide, with no symbol but a bar right under
    it (a 1 over its fraction bar has its denominator there)."""
    out = {}
    ones = [j for j, s in enumerate(symbols) if s.label == "1" and j not in keep]
    for i in _lone_bars(symbols, keep):
        bar = symbols[i]
        for j in ones:
            stem = symbols[j]
            if _serif_of(stem, bar) and not _over_a_symbol(symbols, i, _height(stem.box)):
                out[i] = j
                break
    return out


def _serif_of(stem: Symbol, bar: Symbol) -> bool:
    h = _height(stem.box)
    b, s = bar.box, stem.box
    after = bool(stem.strokes) and max(stem.strokes) + 1 == min(bar.strokes)  # before it: k-1's minus
    return (after and abs((b[0] + b[2]) / 2 - (s[0] + s[2]) / 2) <= SERIF_SIDE * h
            and abs((b[1] + b[3]) / 2 - s[3]) <= SERIF_GAP * h and _width(b) <= SERIF_WIDTH * h
            and _height(b) <= SERIF_FLAT * max(_width(b), 1e-6))


def _over_a_symbol(symbols: list[Symbol], i: int, h: float) -> bool:
    """Whether the first symbol right under bar i (overlapping it, within SERIF_BELOW of `h`)
    is a symbol and not another bar: the bar is then a fraction's."""
    b = symbols[i].box
    under = [(s.box[1], s.label) for k, s in enumerate(symbols)
             if k != i and s.box[0] < b[2] and s.box[2] > b[0] and s.box[1] > (b[1] + b[3]) / 2
             and s.box[1] - b[3] < SERIF_BELOW * h]
    return bool(under) and min(under)[1] not in ("-", "=", "\\rightarrow")


def _radical_top(bar, r) -> bool:
    h = _height(r)
    start, level = (bar[0] - r[2]) / h, ((bar[1] + bar[3]) / 2 - r[1]) / h
    return RADICAL_START[0] <= start <= RADICAL_START[1] and RADICAL_LEVEL[0] <= level <= RADICAL_LEVEL[1]


def _crossing(bar, a) -> bool:
    (x1, y1, x2, y2), w = bar, max(bar[2] - bar[0], 1e-6)
    return (a[0] <= (x1 + x2) / 2 <= a[2] and a[1] <= (y1 + y2) / 2 <= a[3]
            and min(x2, a[2]) - max(x1, a[0]) >= BARRED_OVERLAP * w)


def radical_tops(symbols: list[Symbol], keep=frozenset()) -> dict[int, int]:
    """{minus index: the index of the radical whose top bar it is}."""
    return _bars_on(symbols, keep, {"\\sqrt"}, _radical_top)


def crossing_bars(symbols: list[Symbol], keep=frozenset()) -> dict[int, int]:
    """{minus index: the index of the symbol it is the bar of (a plus's, a 7's...)}."""
    return _bars_on(symbols, keep, BARRED, _crossing)


def _nearest_first(pairs: list[tuple[float, int, int]]) -> dict[int, int]:
    """{a: b} of (distance, a, b) candidate pairs, the nearest first, each index used once."""
    out, used = {}, set()
    for _, a, b in sorted(pairs):
        if a not in used and b not in used:
            out[a] = b
            used |= {a, b}
    return out


def plus_minus(symbols: list[Symbol], keep=frozenset()) -> dict[int, int]:
    """{minus index: the index of the plus it makes a ± with}: the nearest minus under each plus."""
    pairs, bars = [], _lone_bars(symbols, keep)
    for j, plus in enumerate(symbols):
        if plus.label != "+" or j in keep:
            continue
        a, h, pw = plus.box, _height(plus.box), max(plus.box[2] - plus.box[0], 1e-6)
        for i in bars:
            b = symbols[i].box
            bw = max(b[2] - b[0], 1e-6)
            gap = ((b[1] + b[3]) / 2 - a[3]) / h
            overlap = (min(a[2], b[2]) - max(a[0], b[0])) / min(pw, bw)
            if (PM_GAP[0] <= gap <= PM_GAP[1] and 1 / PM_WIDTH <= bw / pw <= PM_WIDTH
                    and overlap >= PM_OVERLAP and not _between(symbols, j, i)):
                pairs.append((gap, i, j))
    return _nearest_first(pairs)


def sum_tops(symbols: list[Symbol], keep=frozenset()) -> dict[int, int]:
    """{minus index: the index of the sum whose top bar it is}: written just before or after
    the sum, on its top, within its width."""
    out = {}
    sums = [j for j, s in enumerate(symbols) if s.label == "\\sum" and j not in keep]
    for i, bar in enumerate(symbols):
        if bar.label != "-" or i in keep:
            continue
        for j in sums:
            top = symbols[j]
            h, w = _height(top.box), top.box[2] - top.box[0]
            next_to = max(bar.strokes) + 1 == min(top.strokes) or max(top.strokes) + 1 == min(bar.strokes)
            if (next_to and -SUM_TOP_GAP * h <= top.box[1] - bar.box[3] <= SUM_TOP_GAP * h
                    and bar.box[0] >= top.box[0] - SUM_TOP_SIDE * w and bar.box[2] <= top.box[2] + SUM_TOP_SIDE * w):
                out[i] = j
                break
    return out


def ellipses(symbols: list[Symbol], keep=frozenset()) -> dict[int, int]:
    """{dot index: the index of the ellipsis's first dot} for each run of dots that is an
    ellipsis (the module docstring): consecutive in the writing order, in a row."""
    heights = [_height(s.box) for s in symbols if s.label not in NOT_LETTERS]
    if not heights:
        return {}
    h = float(np.median(heights))

    def side(s: Symbol) -> float:   # a tap is a point: as large as a small dot
        return max(s.box[2] - s.box[0], s.box[3] - s.box[1], 0.1 * h)

    def dot(i: int) -> bool:
        s = symbols[i]
        if i in keep or s.label not in ELLIPSIS_READINGS or not s.strokes:
            return False
        if s.label == "\\ldots":
            return True
        return len(s.strokes) == 1 and side(s) <= ELLIPSIS_DOT * h

    def follows(a: Symbol, b: Symbol) -> bool:
        gap = b.box[0] - a.box[2]
        level = abs((a.box[1] + a.box[3]) / 2 - (b.box[1] + b.box[3]) / 2)
        like = side(a) / side(b) if a.label != "\\ldots" and b.label != "\\ldots" else 1.0
        return (min(b.strokes) == max(a.strokes) + 1 and ELLIPSIS_GAP[0] * h <= gap <= ELLIPSIS_GAP[1] * h
                and level <= ELLIPSIS_LEVEL * h and 1 / ELLIPSIS_LIKE <= like <= ELLIPSIS_LIKE)

    runs: list[list[int]] = []
    for i in sorted((i for i in range(len(symbols)) if dot(i)), key=lambda i: min(symbols[i].strokes)):
        if runs and follows(symbols[runs[-1][-1]], symbols[i]):
            runs[-1].append(i)
        else:
            runs.append([i])
    out = {}
    for run in runs:
        # A comma before or after the dots is the list's (x_2, \\ldots, x_n), not a dot.
        while run and symbols[run[0]].label == ",":
            run = run[1:]
        while run and symbols[run[-1]].label == ",":
            run = run[:-1]
        n = sum(len(symbols[i].strokes) if symbols[i].label == "\\ldots" else 1 for i in run)
        if len(run) > 1 and n >= ELLIPSIS_DOTS:
            out.update({i: run[0] for i in run[1:]})
    return out


def stacked_bars(symbols: list[Symbol], keep=frozenset()) -> dict[int, int]:
    """{the lower bar's index: the upper's} for each pair of minus signs that is an `=` (the
    module docstring): the nearest such pair first."""
    bars, pairs = _lone_bars(symbols, keep), []
    for i in bars:
        for j in bars:
            a, b = symbols[i].box, symbols[j].box
            wa, wb = a[2] - a[0], b[2] - b[0]
            narrow, mean = max(min(wa, wb), 1e-6), max((wa + wb) / 2, 1e-6)
            gap = (b[1] + b[3]) / 2 - (a[1] + a[3]) / 2      # j under i
            overlap = min(a[2], b[2]) - max(a[0], b[0])
            if (EQUALS_GAP[0] * mean <= gap <= EQUALS_GAP[1] * mean and overlap >= EQUALS_OVERLAP * narrow
                    and max(wa, wb) <= EQUALS_WIDTH * narrow and not _between(symbols, i, j)):
                pairs.append((gap / mean, j, i))   # the lower bar: the upper
    return _nearest_first(pairs)


def _between(symbols: list[Symbol], upper: int, lower: int) -> bool:
    """Whether another symbol lies between the two, within both their spans: a fraction bar
    between a numerator's plus and a denominator's minus, as wide as it is."""
    a, b = symbols[upper].box, symbols[lower].box
    x1, x2 = max(a[0], b[0]), min(a[2], b[2])
    for k, s in enumerate(symbols):
        if k not in (upper, lower) and s.box[0] <= x2 and s.box[2] >= x1 and s.box[1] < b[1] and s.box[3] > a[3]:
            return True
    return False


def _joined(first: Symbol, rest: list[Symbol], label: str, score: float | None = None) -> Symbol:
    """One symbol `label` of `first` and `rest` (an ellipsis's dots, an = 's bars, a name's
    letters), as sure as `score`, or as they were on average."""
    if score is None:
        score = float(np.mean([first.score] + [r.score for r in rest]))
    return replace(first, label=label, score=score,
                   strokes=sorted(first.strokes + [i for r in rest for i in r.strokes]),
                   box=union_box([first.box] + [r.box for r in rest]),
                   alternatives=[(label, score)], personal=False)


def _barred(bar: Symbol, pieces: list[Symbol]) -> Symbol:
    return replace(bar, strokes=sorted(bar.strokes + [i for p in pieces for i in p.strokes]),
                   box=union_box([bar.box] + [p.box for p in pieces]), personal=False)


def read_marks(symbols: list[Symbol], keep=frozenset()) -> tuple[list[Symbol], list[int | None], set[int]]:
    """The symbols with each stem's dot (an i's or a factorial's) and each bar that belongs to
    another symbol (a piece of a bar, a sum's or a radical's top, the bar across a plus or a 7,
    a 1's base serif) joined to it; each ellipsis's dots, each = 's bars, each ± and each function name's letters
    made one; each low prime, unopened closing brace and 1 that is an absolute value's bar read
    otherwise. Also the new index of each old symbol (a dot: its stem's; a piece: its bar's; a
    letter: its name's), and the indices of the symbols these rules made (not to be re-read).
    Symbols in `keep` (the user's word) are left as they are."""
    pairs = dotted_stems(symbols, keep)
    bangs = dotted_stems(symbols, keep | {i for pair in pairs for i in pair}, _bang_of)
    relabel = {i: (label, p) for i, label, p in low_primes(symbols, keep) + lone_closing_braces(symbols, keep)
               + absolute_bars(symbols, keep) if all(i not in pair for pair in pairs + bangs)}
    pieces = bar_pieces(symbols, keep)
    for extra in (sum_tops(symbols, keep), radical_tops(symbols, keep), crossing_bars(symbols, keep),
                  serif_bars(symbols, keep)):
        pieces |= {i: j for i, j in extra.items() if i not in pieces and i not in pieces.values()}
    taken = {i for pair in pairs + bangs for i in pair} | set(relabel) | set(pieces) | set(pieces.values())
    dots = ellipses(symbols, keep | taken)
    taken |= set(dots) | set(dots.values())
    equals = stacked_bars(symbols, keep | taken)
    taken |= set(equals) | set(equals.values())
    pms = plus_minus(symbols, keep | taken)
    taken |= set(pms) | set(pms.values())
    words = function_words(symbols, keep | taken)
    letters = {i: first for first, (run, _, _) in words.items() for i in run if i != first}
    if not pairs and not bangs and not relabel and not pieces and not dots and not equals and not pms and not words:
        return list(symbols), list(range(len(symbols))), set()
    dot_of = {k: j for k, j in pairs}
    joined = {j: k for k, j in pairs + bangs} | pieces | dots | equals | pms | letters  # a dot, a piece: what it joins
    # Each symbol that its parts make under a new label: (the label, the other parts, how sure).
    whole = {k: ("!", [j], None) for k, j in bangs}
    for parts, label in ((dots, "\\ldots"), (equals, "="), (pms, "\\pm")):
        for j, k in parts.items():
            whole.setdefault(k, (label, [], None))[1].append(j)
    whole |= {first: (name, [j for j in run if j != first], score) for first, (run, name, score) in words.items()}
    out, index, made = [], [None] * len(symbols), set()
    for i, s in enumerate(symbols):
        if i in joined:
            continue
        if i in dot_of:
            s = _dotted(s, symbols[dot_of[i]])
            made.add(len(out))
        elif i in pieces.values():
            s = _barred(s, [symbols[j] for j, k in pieces.items() if k == i])
            made.add(len(out))
        elif i in whole:
            label, rest, score = whole[i]
            s = _joined(s, [symbols[j] for j in rest], label, score)
            made.add(len(out))
        elif i in relabel:
            label, p = relabel[i]
            s = replace(s, label=label, score=p,
                        alternatives=[(label, p)] + [(a, q) for a, q in s.alternatives if a != label],
                        personal=False)
            made.add(len(out))
        index[i] = len(out)
        out.append(s)
    for j, k in joined.items():
        index[j] = index[k]
    return out, index, made
