"""`python -m model layout-reach DIR`: which truths can the layout reach at all?

The layout reads the symbols in one order (left to right by centre), lets fraction bars,
radicals and limit operators claim regions, and puts every other symbol on an open line or
opens a script. Some truths are not readings of that kind: `\\mathrm{kg}` written as two
letters and annotated as one, `q_{=}` (an = annotated as a subscript of q), a script whose
base the MathML places elsewhere. Here every file is parsed by an oracle: every region
claims exactly what the truth puts in it, and every symbol goes where the truth puts it,
whenever the parser's choices allow it. A truth the oracle cannot produce is out of reach of
this layout, whatever its models learn; the figures are given with and without those files
(the issue's bar counts all of them).

A second kind is reachable but written against its MathML: the truth needs a placement the
geometry gives less than AGAINST_INK of the parser's choices (the g of a `kg` written on the
line, annotated as a subscript). Those are counted among the reachable ones, apart.

Third, the choice's ceiling: the files whose truth is among the readings the shipped choice
weighs (the parser's, its close alternatives and the whole-reading model's tree, as `assemble`
makes them), and of those the ones it did not choose (`chosen_wrong`): a better choice among
the same readings can mend those and no more.

    python -m model layout-reach ../shared/data/crohme/dev [--json] [-v]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..evaluation.layout_eval import truth_symbols, with_truth
from ..evaluation.structure import same_structure
from ..io.crohme import inkml_files
from ..recognition.layout import assemble, formula_lm, tree_model
from ..recognition.layout.parse import choice_readings, parse
from ..recognition.notation.canonical import from_layout
from .relation_truth import TruthError, truth_tree
from .train_regions import head_parts
from .train_relations import is_script_line

ROOT_LINE = "root"
AGAINST_INK = 0.01


def line_identities(tree) -> dict[int, object]:
    """For each symbol of a truth tree, the line it is on: (base symbol, "sup"/"sub") for a
    script line, ROOT_LINE for the main line of a region (the expression, a numerator, a
    radicand, the limits of \\sum and \\lim)."""
    ident: dict[int, object] = {}
    pending = [(tree, ROOT_LINE)]
    while pending:
        row, line = pending.pop()
        for n in row:
            ident[n.symbol] = line
            for name, sub in n.rels.items():
                pending.append((sub, (n.symbol, name) if is_script_line(n, name) else ROOT_LINE))
    return ident


def region_parts(tree) -> dict[int, dict[int, str]]:
    """For each head of the truth (a fraction bar, a radical, a \\sum or \\lim with limits),
    the region class (regions.CLASSES) of every symbol under it (train_regions.head_parts,
    as the region model was trained)."""
    out: dict[int, dict[int, str]] = {}
    pending = [list(tree)]
    while pending:
        for n in pending.pop():
            parts = head_parts(n)
            if parts:
                out[n.symbol] = parts
            pending.extend(list(sub) for sub in n.rels.values())
    return out


class Oracle:
    """A parse policy that does what the truth says wherever the parser's choices allow it."""

    def __init__(self, tree):
        self.ident = line_identities(tree)
        self.parts = region_parts(tree)
        self.least = 1.0  # the smallest share, among the parser's choices, of one the truth took

    def members(self, p, head=None, units=None, classes=None):
        truth = self.parts.get(head.index, {}) if head is not None else {}
        return [classes.index(truth[u.index]) if truth.get(u.index) in classes else 0
                for u in units]

    def __call__(self, stack, opts, scores, u, best):
        j = oracle_choice(stack, opts, u, self.ident)
        if j is None:
            return best
        self.least = min(self.least, scores[j] / (sum(scores) or 1.0))
        return j


def _placed(stack) -> set[int]:
    out, pending = set(), list(stack[0].units)
    while pending:
        u = pending.pop()
        out.add(u.index)
        for line in u.scripts.values():
            pending.extend(line)
    return out


def oracle_choice(stack, opts, u, ident) -> int | None:
    """The index in `opts` of the choice that keeps the truth reachable; None if none does."""
    t = ident.get(u.index)
    if t is None:
        return None
    if t != ROOT_LINE and t[0] not in _placed(stack):
        t = ROOT_LINE  # its base is in another region: its main line
    for j, (_, k, r) in enumerate(opts):
        line = stack[k]
        here = ROOT_LINE if line.owner is None else (line.owner.index, line.rel)
        if r == "right" and here == t:
            return j
    if t != ROOT_LINE:
        for j, (_, k, r) in enumerate(opts):
            if r == t[1] and stack[k].ref().index == t[0]:
                return j
    return None


def weighed_readings(symbols) -> list:
    """The trees of the readings the shipped choice weighs for these symbols (as `assemble`)."""
    lm, trees = formula_lm.default_model(), tree_model.default_model()
    if lm is None and trees is None:
        return [parse(symbols)]
    return [t for t, _, _ in choice_readings(symbols, formula_lm.choice_settings(lm, trees), trees)]


def reach(files) -> dict:
    n = right = unreachable = right_reachable = against = against_right = among = 0
    examples, against_examples, chosen_wrong = [], [], []
    for f, ink, truth in with_truth(files):
        symbols = truth_symbols(ink)
        ok = same_structure(from_layout(assemble(symbols).tree), truth)
        weighed = ok or any(same_structure(from_layout(t), truth) for t in weighed_readings(symbols))
        among += weighed
        if weighed and not ok:
            chosen_wrong.append((f.name, ink.truth_latex or ""))
        try:
            oracle = Oracle(truth_tree(ink))
            reachable = same_structure(from_layout(parse(symbols, policy=oracle)), truth)
        except TruthError:  # MathML and ink do not line up: no layout reads it
            reachable, oracle = False, None
        if reachable and oracle.least < AGAINST_INK:
            against += 1
            against_right += ok
            against_examples.append((f.name, ink.truth_latex or ""))
        n += 1
        right += ok
        if reachable:
            right_reachable += ok
        else:
            unreachable += 1
            examples.append((f.name, ink.truth_latex or ""))
    rate = (lambda a, b: round(a / b, 4) if b else 0.0)
    return {"n": n, "exprate": rate(right, n), "unreachable": unreachable,
            "unreachable_share": rate(unreachable, n),
            "exprate_reachable": rate(right_reachable, n - unreachable),
            "right_of_unreachable": right - right_reachable,
            "against_the_ink": against, "right_of_against_the_ink": against_right,
            "exprate_reachable_with_the_ink": rate(right_reachable - against_right,
                                                   n - unreachable - against),
            "among_readings": among, "among_readings_share": rate(among, n),
            "chosen_wrong": len(chosen_wrong),
            "examples": examples, "against_the_ink_examples": against_examples,
            "chosen_wrong_examples": chosen_wrong}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m model layout-reach", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every unreachable truth")
    a = ap.parse_args(argv)
    files = sorted(inkml_files(a.dirs))
    if not files:
        print(f"error: no InkML files under {a.dirs}", file=sys.stderr)
        return 2
    m = reach(files)
    if a.verbose:
        for kind in ("examples", "against_the_ink_examples", "chosen_wrong_examples"):
            for name, latex in m[kind]:
                print(kind.replace("examples", "").strip("_") or "unreachable", name, latex, sep="\t")
    else:
        m["examples"] = m["examples"][:12]
        m["against_the_ink_examples"] = m["against_the_ink_examples"][:12]
        m["chosen_wrong_examples"] = m["chosen_wrong_examples"][:12]
    print(json.dumps(m) if a.json else m)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
