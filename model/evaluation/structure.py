"""Comparing two expression structures: the convention every figure depends on.

Both sides are in the canonical form of `model.recognition.notation.canonical` (read from
the layout's tree, the CROHME truth's MathML, or LaTeX); its module docstring says how
labels, fractions, roots, scripts and limits are written there.

The token sequence (`tokens`) encodes the structure for edit distances:
a symbol is its label; `x_{i}^{2}` is `x _{ i } ^{ 2 }` (sub before sup);
a fraction is `\\frac{ num }{ den }`; a root `\\sqrt{ arg }` or
`\\sqrt[ index ]{ arg }`; `above`/`below` are `\\above{ ... }`/`\\below{ ... }`.
`\\frac{`, `\\sqrt{`, `\\sqrt[` are symbol tokens (they stand for the bar and
the radical sign); `_{ ^{ } }{ ]{ \\above{ \\below{` are structure tokens.
`symbol_errors` is the Levenshtein distance between the two token sequences,
so a wrong label costs 1 and a symbol moved into or out of a script costs 2
(its brackets). exprate_le1 / le2 count expressions with distance <= 1 / 2.
"""
from __future__ import annotations

from collections import Counter

from ..io.crohme import normalize_label
from ..recognition.notation.canonical import Row

STRUCTURE_TOKENS = {"_{", "^{", "}", "}{", "]{", "\\above{", "\\below{"}


# ---------------------------------------------------------------- comparing

def tokens(row: Row) -> list[str]:
    """The token sequence described in the module docstring."""
    out: list[str] = []
    for n in row:
        if n.label == "\\frac":
            out.append("\\frac{")
            out += tokens(n.rel("num") or ())
            out.append("}{")
            out += tokens(n.rel("den") or ())
            out.append("}")
        elif n.label == "\\sqrt" and (n.rel("arg") is not None or n.rel("index") is not None):
            if n.rel("index"):
                out.append("\\sqrt[")
                out += tokens(n.rel("index"))
                out.append("]{")
            else:
                out.append("\\sqrt{")
            out += tokens(n.rel("arg") or ())
            out.append("}")
        elif n.label:
            out.append(n.label)
        for name, opener in (("below", "\\below{"), ("sub", "_{"), ("above", "\\above{"),
                             ("sup", "^{")):
            r = n.rel(name)
            if r:
                out.append(opener)
                out += tokens(r)
                out.append("}")
    return out


def symbol_tokens(row: Row) -> list[str]:
    """The tokens that stand for one handwritten symbol each."""
    return [t for t in tokens(row) if t not in STRUCTURE_TOKENS]


def _levenshtein(a: list[str], b: list[str]) -> int:
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def symbol_errors(pred: Row, truth: Row) -> int:
    """Edit distance between the token sequences (see the module docstring)."""
    return _levenshtein(tokens(pred), tokens(truth))


def same_structure(pred: Row, truth: Row) -> bool:
    return tuple(pred) == tuple(truth)


def is_linear(truth: Row) -> bool:
    """True when the expression has no 2-D structure: no scripts, limits, fractions or roots."""
    return all(not n.rels and n.label != "\\frac" for n in truth)


def true_symbols(ink) -> Counter:
    """A file's true symbols as (label, stroke set) counts, to compare with `read_symbols`."""
    return Counter((normalize_label(label), frozenset(ids)) for label, ids in ink.symbol_stroke_indices())


def read_symbols(symbols) -> Counter:
    """A recognition's symbols as (label, stroke set) counts."""
    return Counter((s.label, frozenset(s.strokes)) for s in symbols)
