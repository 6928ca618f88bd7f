"""The oracle parse that says which truths the layout can reach (model/training/layout_reach.py)."""
from __future__ import annotations

from model.evaluation.structure import same_structure
from model.recognition.layout.parse import parse
from model.recognition.notation.canonical import from_layout
from model.recognition.result import LayoutNode, Symbol
from model.training.layout_reach import (ROOT_LINE, Oracle, line_identities, reach, region_parts,
                                         weighed_readings)

from .shared_data import DEV, requires_dev


def sym(label, x1, y1, x2, y2):
    return Symbol(label, 1.0, (x1, y1, x2, y2))


def test_line_identities_and_region_parts_of_a_truth_tree():
    # \frac{x^{2}}{y} + \sum_{i} a  : symbols 0 x, 1 2, 2 bar, 3 y, 4 +, 5 sum, 6 i, 7 a
    tree = [LayoutNode("-", "frac", {"num": [LayoutNode("x", rels={"sup": [LayoutNode("2", symbol=1)]}, symbol=0)],
                                     "den": [LayoutNode("y", symbol=3)]}, 2),
            LayoutNode("+", symbol=4), LayoutNode("\\sum", rels={"sub": [LayoutNode("i", symbol=6)]}, symbol=5),
            LayoutNode("a", symbol=7)]
    ident = line_identities(tree)
    assert ident[1] == (0, "sup") and ident[6] == ROOT_LINE and ident[4] == ROOT_LINE
    parts = region_parts(tree)
    assert parts[2] == {0: "above", 1: "above", 3: "below"} and parts[5] == {6: "below"}


def test_the_oracle_reads_a_truth_the_geometry_argues_against():
    # x2 written on the line, annotated as x^{2}: the oracle still reaches it, and says the
    # geometry gave its choice little.
    symbols = [sym("x", 0, 10, 10, 20), sym("2", 12, 8, 20, 20)]
    truth = [LayoutNode("x", rels={"sup": [LayoutNode("2", symbol=1)]}, symbol=0)]
    oracle = Oracle(truth)
    got = parse(symbols, policy=oracle)
    assert same_structure(from_layout(got), from_layout(truth))
    assert oracle.least < 0.5
    assert not same_structure(from_layout(parse(symbols)), from_layout(truth))


@requires_dev
def test_reach_on_dev_files_counts_what_it_says():
    files = sorted((DEV).rglob("*.inkml"))[:60]
    m = reach(files)
    assert m["n"] > 40 and 0 <= m["unreachable"] + m["against_the_ink"] <= m["n"]
    assert len(m["examples"]) == m["unreachable"] and len(m["against_the_ink_examples"]) == m["against_the_ink"]
    assert m["exprate_reachable"] >= m["exprate"] - 1e-9 or m["right_of_unreachable"] > 0
    # Every right answer is one of the readings weighed; the rest of those the choice missed.
    right = round(m["exprate"] * m["n"])
    assert m["among_readings"] == right + m["chosen_wrong"] == right + len(m["chosen_wrong_examples"])
    assert m["among_readings"] <= m["n"]


def test_the_readings_weighed_hold_the_choice():
    from model.recognition.layout import assemble
    symbols = [sym("x", 0, 10, 10, 20), sym("2", 11, 2, 16, 9), sym("+", 20, 12, 28, 18)]
    chosen = from_layout(assemble(symbols).tree)
    assert any(same_structure(from_layout(t), chosen) for t in weighed_readings(symbols))
