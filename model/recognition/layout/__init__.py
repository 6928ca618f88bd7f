"""The layout stage: recognised symbols -> the expression's 2-D structure -> its written forms.

Read in this order:

    units.py      each symbol's box, centre line and x-height; the expression's robust size
    rules.py      the hand-set rules: what a bar, a radical or a limit claims; which line a
                  symbol joins
    relations.py  the learned relation model (right / sup / sub / none for a pair),
                  resources/models/relations.npz + .json
    regions.py    the learned region model (what a bar, a radical, a \\sum or a \\lim claims),
                  resources/models/regions.npz + .json
    parse.py      the parser that applies them: regions first, widest first, then baselines;
                  `readings` gives its reading and the close alternatives
    formula_lm.py the tree-shaped formula language model that chooses among the readings,
                  resources/models/formula_lm.json
    tree_model.py the model of whole readings (each symbol's parent and relation, given all
                  the symbols), which scores the readings too, resources/models/layout_tree.pt

`assemble` is the stage's one entry: the tree from parse.py, written by notation/.
"""
from __future__ import annotations

from ..notation.latex import to_latex, to_text
from ..result import Expression, Symbol
from . import formula_lm, tree_model
from .parse import SHIPPED, choice_readings, parse, readings


def assemble(symbols: list[Symbol], relations=SHIPPED, regions=SHIPPED, lm=SHIPPED,
             placements: dict | None = None, trees=SHIPPED) -> Expression:
    """The expression the symbols form, as a tree, text and LaTeX; never raises on odd input.
    `relations` and `regions` as in `parse.parse` (None: the hand-set rules); `lm` is the
    formula language model that chooses among the parser's close readings (default: the
    shipped one; None: the parser's own reading); `trees` the model of whole readings that
    scores them too (default: the shipped one; None: without it). `placements`: {symbol index: (relation,
    base symbol index or None)} that the user fixed ("sup" of the x, "right" after the 2)."""
    if lm is SHIPPED:
        lm = formula_lm.default_model()
    if trees is SHIPPED:
        trees = tree_model.default_model()
    if relations is None:
        tree = parse(symbols, relations, regions)
    elif lm is None and trees is None:
        tree = readings(symbols, relations, regions, 0, 1.0, placements)[0][0]
    else:
        c = formula_lm.choice_settings(lm, trees)
        tree = formula_lm.choose(choice_readings(symbols, c, trees, relations, regions, placements),
                                 lm, c, symbols, trees)
    return Expression(tree, to_text(tree), to_latex(tree))
