"""Symbols and structure chosen together: a label the layout makes implausible is sent back.

The decoder reads the symbols with their neighbours' labels, but not with the structure
they form; the layout then takes them as given. Here, each symbol whose runner-up label
was close (at least `min_ratio` of the label's probability, each symbol's two closest, the
`max_alternatives` closest of all) gives another reading of the expression: that symbol
relabelled. Each reading is laid out (its best structure among the parser's close readings,
formula_lm.choose_scored) and the one with the best

    symbol_weight x log P(labels)  +  the layout's score (the parser's log shares + the
                                      formula model's and the whole-reading model's
                                      weighted log-probabilities)

is kept, among the readings whose structure differs from the symbols' own (a relabelling
that leaves the tree's shape as it is is the decoder's business: it has read each label with
its neighbours already, and the formula model would only say it again, preferring `764` to
`7b4`). So `x^{2}` against `\\times 2`, or a script on a comma, are settled by the whole
reading, not by the symbol alone. Symbols whose label the user fixed, or that their own
handwriting decided, are never relabelled. Before all this, a stem and its dot read apart are
joined into an i, and a prime that sits low is read otherwise (model/recognition/marks.py).

The settings are chosen by `python -m model train-formula-lm --joint` on the held-out
writers of train/ (whose ink the shipped network never saw) and stored in the formula
model's metadata (`joint`).
"""
from __future__ import annotations

import math
from dataclasses import replace

from ..marks import read_marks
from ..result import Expression, Symbol
from ..notation.latex import to_latex, to_text
from . import formula_lm, row_context, tree_model
from . import assemble
from .parse import SHIPPED, choice_readings

JOINT = {"symbol_weight": 1.0, "min_ratio": 0.2, "max_alternatives": 3}


def joint_settings(lm) -> dict:
    return {**JOINT, **((lm.meta or {}).get("joint", {}) if lm is not None else {})}


def relabelled(s: Symbol, label: str, p: float) -> Symbol:
    """The symbol read as its alternative `label` (probability `p`), that label first."""
    alts = [(label, p)] + [(a, q) for a, q in s.alternatives if a != label]
    return replace(s, label=label, score=p, alternatives=alts, personal=False)


def with_labels(symbols: list[Symbol], labels: dict[int, str]) -> list[Symbol]:
    """The symbols with each one in `labels` ({index: label}) read as that alternative, at its
    probability among the symbol's alternatives."""
    return [relabelled(s, labels[i], dict(s.alternatives).get(labels[i], 0.0)) if i in labels else s
            for i, s in enumerate(symbols)]


def alternatives(symbols: list[Symbol], keep=frozenset(), min_ratio: float = 0.2,
                 limit: int = 3) -> list[tuple[int, str, float, float]]:
    """(symbol index, runner-up label, its probability, log of its ratio to the label's) of
    each close runner-up, closest first: a symbol's first two, since the first may be what the
    decoder or the marks ruled out (a low prime read as a comma, whose 1 behind it is a
    subscript's)."""
    out = []
    for i, s in enumerate(symbols):
        if i in keep or len(s.alternatives) < 2 or s.score <= 0:
            continue
        for label, p in s.alternatives[1:3]:
            if p > 0 and p / s.score >= min_ratio:
                out.append((i, label, p, math.log(p / s.score)))
    out.sort(key=lambda a: -a[3])
    return out[:limit]


def shape(tree) -> tuple:
    """The tree without its labels: which nodes are fractions or roots, and what hangs where."""
    return tuple((n.kind, tuple((r, shape(v)) for r, v in sorted(n.rels.items()) if v))
                 for n in tree)


def layout_scored(symbols: list[Symbol], lm, settings: dict | None = None,
                  placements: dict | None = None, cache: dict | None = None):
    """The tree of the symbols and its layout score (see the module); `cache` as
    `parse.readings` takes it, shared by the readings of one expression."""
    trees = tree_model.default_model()
    c = settings or formula_lm.choice_settings(lm, trees)
    return formula_lm.choose_scored(choice_readings(symbols, c, trees, placements=placements,
                                                    cache=cache),
                                    lm, c, symbols, trees)


def joint_readings(symbols: list[Symbol], lm, keep=frozenset(), min_ratio: float = 0.2,
                   limit: int = 3, placements: dict | None = None):
    """The symbols' own reading (tree, layout score) and, for each of the `limit` closest
    runners-up of at least `min_ratio` (`alternatives`), closest first: (its ratio, its
    log-ratio, the relabelled symbols, their tree, its layout score, whether its structure
    differs from the own reading's). Only those that differ may be chosen."""
    c = formula_lm.choice_settings(lm, tree_model.default_model())
    cache: dict = {}
    own_tree, own_score = layout_scored(symbols, lm, c, placements, cache)
    own = shape(own_tree)
    alts = []
    for i, label, p, log_ratio in alternatives(symbols, keep, min_ratio, limit):
        alt = list(symbols)
        alt[i] = relabelled(symbols[i], label, p)
        tree, score = layout_scored(alt, lm, c, placements, cache)
        alts.append((p / symbols[i].score, log_ratio, alt, tree, score, shape(tree) != own))
    return (own_tree, own_score), alts


def with_marks(symbols: list[Symbol], keep=frozenset(), placements: dict | None = None):
    """The symbols with the small marks read by where they sit (marks.py: the dot of an i, a
    low prime, ...), the indices not to relabel (`keep`'s and the symbols the marks made), and
    the user's `placements` on the new indices; what the user placed stays as it is."""
    placed = set(placements or {}) | {b for _, b in (placements or {}).values() if b is not None}
    symbols, index, made = read_marks(symbols, set(keep) | placed)
    keep = {index[i] for i in keep if index[i] is not None} | made
    if placements:
        placements = {index[i]: (rel, None if b is None else index[b]) for i, (rel, b) in placements.items()}
    return symbols, keep, placements


def settled_by_line(tree, symbols: list[Symbol], keep, lm, lines,
                    placements: dict | None = None) -> tuple[Expression, list[Symbol]]:
    """The expression and the symbols once `lines` (row_context.py; None: off) has settled the
    look-alikes of the chosen `tree` by their place on their line."""
    new = lines.relabels(tree, symbols, keep) if lines is not None else {}
    if new:
        # The structure is read again for the new labels: a \times carries no scripts, an x may.
        symbols = with_labels(symbols, new)
        return assemble(symbols, lm=lm, placements=placements), symbols
    return Expression(tree, to_text(tree), to_latex(tree)), symbols


def assemble_joint(symbols: list[Symbol], keep=frozenset(), lm=SHIPPED,
                   settings: dict | None = None,
                   placements: dict | None = None, marks: bool = True,
                   lines=SHIPPED) -> tuple[Expression, list[Symbol]]:
    """The expression and the symbols as the joint choice reads them (a symbol may come back
    relabelled); `keep`: indices of symbols whose label is not to change; `placements` the
    user's, as `assemble` takes them; `marks`: whether the small marks are read by where they
    sit first (marks.py; off only to measure what they add); `lines`: the model that settles
    look-alikes by their place on their line (row_context.py; None: off)."""
    if lm is SHIPPED:
        lm = formula_lm.default_model()
    if marks:
        symbols, keep, placements = with_marks(symbols, keep, placements)
    if lm is None:
        return assemble(symbols, lm=None, placements=placements), list(symbols)
    j = settings or joint_settings(lm)
    (best_tree, best), alts = joint_readings(symbols, lm, keep, j["min_ratio"],
                                             j["max_alternatives"], placements)
    chosen = list(symbols)
    for _, log_ratio, alt, tree, score, differs in alts:
        score += j["symbol_weight"] * log_ratio
        if differs and score > best:
            best_tree, best, chosen = tree, score, alt
    if lines is SHIPPED:
        lines = row_context.default_model()
    return settled_by_line(best_tree, chosen, keep, lm, lines, placements)
