"""A function's name read as its letters: "s", "i", "n" written one after another, in a row, is
`\\sin`.

The decoder weighs a function's name as one symbol against its letters apart, and a writer who
spaces the letters gets them apart: `sin(2x+2)`, or `Sinx` with a capital S. As letters in a row
these names are almost never anything else: in train/ and train-extra/ the letters of sin, cos,
tan or log stand apart, written one after another, 3 times (`sinc`, `a_{tan}` and one file whose
segmentation parts a \\sin) against 2,034 names written as one symbol. So a run of symbols, each
written right after the one before and standing right of it on the same line, that spells a name
(each letter its reading, the same letter in the other case, or among its readings at
`LETTER_SHARE`; a c may be read as a bracket, an o as a 0 or a 6: `LOOKALIKE`), is that name. The network's own reading of the name as
one symbol is not asked: these runs are the ones it lost to the letters.
"""
from __future__ import annotations

import math

from .result import Symbol

NAMES = {"\\sin": "sin", "\\cos": "cos", "\\tan": "tan", "\\log": "log"}
LETTER_SHARE = 0.05   # a letter among a symbol's readings at least this likely may spell it
# Read as these, a letter still spells a name: a c written as a bracket, an o as a 0 or a 6
# (dev's `(0s(x+y)` and `(6sy`). None of these runs (`( 0 s`, `( 6 s`, `l 6 g`...) stands in
# the writing order of any train/ or train-extra/ truth.
LOOKALIKE = {"c": {"("}, "o": {"0", "6"}}
ROW_GAP = 1.0         # the next letter begins within this many of the run's letter heights
ROW_OVERLAP = 0.5     # ... and shares this much of the lower one's height with the last


def _share(s: Symbol, letter: str) -> float:
    """How likely `s` is `letter` (0 when it may not be)."""
    forms = {letter, letter.upper()} | LOOKALIKE.get(letter, set())
    if s.label in forms:
        return s.score
    return max((p for a, p in s.alternatives if a in forms and p >= LETTER_SHARE), default=0.0)


def _in_row(a: Symbol, b: Symbol, height: float) -> bool:
    gap = b.box[0] - a.box[2]
    shared = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
    lower = min(a.box[3] - a.box[1], b.box[3] - b.box[1])
    return (b.box[0] > (a.box[0] + a.box[2]) / 2 and gap <= ROW_GAP * height
            and shared >= ROW_OVERLAP * lower)


def function_words(symbols: list[Symbol], keep=frozenset()) -> dict[int, tuple[list[int], str, float]]:
    """{first letter's index: (every letter's index, the name, its likelihood)} for each run
    of symbols that spells a function's name (the module docstring)."""
    order = sorted((i for i, s in enumerate(symbols) if s.strokes and i not in keep),
                   key=lambda i: min(symbols[i].strokes))
    out, used = {}, set()
    for k, first in enumerate(order):
        for name, letters in NAMES.items():
            run = order[k:k + len(letters)]
            if len(run) < len(letters) or used & set(run):
                continue
            shares = []
            for i, c in zip(run, letters):    # most symbols spell no name's first letter
                shares.append(_share(symbols[i], c))
                if shares[-1] == 0.0:
                    break
            if shares[-1] == 0.0:
                continue
            height = max(symbols[i].box[3] - symbols[i].box[1] for i in run)
            follows = all(min(symbols[b].strokes) == max(symbols[a].strokes) + 1
                          and _in_row(symbols[a], symbols[b], height) for a, b in zip(run, run[1:]))
            if follows:
                out[first] = (run, name, math.prod(shares) ** (1 / len(run)))
                used |= set(run)
                break
    return out
