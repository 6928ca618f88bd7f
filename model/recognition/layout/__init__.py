"""The layout stage: recognised symbols -> the expression's 2-D structure -> its written forms.

Read in this order:

    units.py      each symbol's box, centre line and x-height; the expression's robust size
    rules.py      the hand-set rules: what a bar, a radical or a limit claims; which line a
                  symbol joins
    relations.py  the learned relation model (right / sup / sub / none for a pair),
                  resources/models/relations.npz + .json
    regions.py    the learned region model (what a bar, a radical, a \\sum or a \\lim claims),
                  resources/models/regions.npz + .json
    parse.py      the parser that applies them: regions first, widest first, then baselines

`assemble` is the stage's one entry: the tree from parse.py, written by notation/.
"""
from __future__ import annotations

from ..notation.latex import to_latex, to_text
from ..result import Expression, Symbol
from .parse import SHIPPED, parse


def assemble(symbols: list[Symbol], relations=SHIPPED, regions=SHIPPED) -> Expression:
    """The expression the symbols form, as a tree, text and LaTeX; never raises on odd input.
    `relations` and `regions` as in `parse.parse` (None: the hand-set rules)."""
    tree = parse(symbols, relations, regions)
    return Expression(tree, to_text(tree), to_latex(tree))
