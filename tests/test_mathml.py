"""MathML and LaTeX are written from one layout tree: reading either back gives one structure."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import cli
from model.evaluation.structure import tokens
from model.recognition.notation.canonical import LatexError, from_latex, from_layout, from_mathml
from model.recognition.classes import SYMBOLS
from model.recognition.notation.latex import to_latex
from model.recognition.result import LayoutNode
from model.recognition.notation.mathml import to_mathml

from .shared_data import DEV, requires_dev


def both(tree):
    return from_mathml(to_mathml(tree)), from_latex(to_latex(tree))


@pytest.mark.parametrize("label", SYMBOLS)
def test_every_class_alone_reads_back_as_itself(label):
    tree = [LayoutNode(label, symbol=0)]
    mathml, latex = both(tree)
    assert mathml == latex == from_layout(tree)
    assert tokens(mathml) == [label]


def S(label, **rels):
    return LayoutNode(label, rels=rels)


@pytest.mark.parametrize("tree, expected", [
    ([S("x", sup=[S("2")]), S("+"), S("1")], ["x", "^{", "2", "}", "+", "1"]),
    ([LayoutNode("-", "frac", {"num": [S("a")], "den": [S("b"), S("+"), S("1")]}),
      ], ["\\frac{", "a", "}{", "b", "+", "1", "}"]),
    ([LayoutNode("\\sqrt", "sqrt", {"arg": [S("x")], "index": [S("3")]})],
     ["\\sqrt[", "3", "]{", "x", "}"]),
    ([S("\\sum", below=[S("i"), S("="), S("1")], above=[S("n")]), S("i")],
     ["\\sum", "_{", "i", "=", "1", "}", "^{", "n", "}", "i"]),
    ([S("\\lim", below=[S("x"), S("\\rightarrow"), S("0")]), S("f")],
     ["\\lim", "_{", "x", "\\rightarrow", "0", "}", "f"]),
    ([S("\\int", sub=[S("0")], sup=[S("1")]), S("x")], ["\\int", "_{", "0", "}", "^{", "1", "}", "x"]),
    ([S("f", sup=[S("\\prime")]), S("(")], ["f", "\\prime", "("]),
    ([S("x", above=[S("-")], sub=[S("i")])], ["x", "_{", "i", "}", "\\above{", "-", "}"]),
    ([LayoutNode("-", "frac", {"num": [S("1")], "den": [S("2")]}, None), S("\\lt"), S("y")],
     ["\\frac{", "1", "}{", "2", "}", "\\lt", "y"]),
])
def test_structures_read_back_equal(tree, expected):
    mathml, latex = both(tree)
    assert mathml == latex == from_layout(tree)
    assert tokens(mathml) == expected


def test_dots_beside_an_operator_are_centred_and_dots_in_a_list_are_not():
    """One class, two typesettings (amsmath's rule for \\dots): `1+\\cdots+n`, `x_1,\\ldots,x_n`;
    both read back as the one class."""
    sums = [S("1"), S("+"), S("\\ldots"), S("+"), S("n")]
    assert to_latex(sums) == "1+\\cdots+n"
    assert to_latex([S("2"), S("\\times"), S("\\ldots")]) == "2\\times\\cdots"
    listed = [S("x", sub=[S("1")]), S(","), S("\\ldots"), S(","), S("x", sub=[S("n")])]
    assert to_latex(listed) == "x_{1},\\ldots,x_{n}"
    assert to_latex([S("a"), S("\\ldots"), S("b")]) == "a\\ldots b"
    assert to_latex([S(","), S("\\ldots"), S("+")]) == ",\\ldots+"    # a comma keeps it low
    assert from_latex(to_latex(sums)) == from_layout(sums)


def test_mathml_is_a_namespaced_math_element_with_escaped_text():
    out = to_mathml([S("a"), S("\\lt"), S("b")])
    assert out.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"')
    assert "<mo>&lt;</mo>" in out and to_mathml([]) == ""


@pytest.mark.parametrize("bad", ["\\frac{a}", "x^", "{a", "a}", "\\sqrt[3{x}"])
def test_latex_outside_the_subset_is_refused_clearly(bad):
    with pytest.raises(LatexError):
        from_latex(bad)


def _trees():
    label = st.sampled_from(SYMBOLS)
    leaf = label.map(lambda lab: LayoutNode(lab))

    def composite(kids):
        row = st.lists(kids, min_size=1, max_size=3)
        scripted = st.builds(lambda lab, rels: LayoutNode(lab, rels=rels), label,
                             st.dictionaries(st.sampled_from(["sub", "sup", "above", "below"]), row,
                                             max_size=2))
        frac = st.builds(lambda n, d: LayoutNode("-", "frac", {"num": n, "den": d}), row, row)
        root = st.builds(lambda a, i: LayoutNode("\\sqrt", "sqrt", {"arg": a, **({"index": i} if i else {})}),
                         row, st.one_of(st.none(), row))
        return st.one_of(scripted, frac, root)

    return st.lists(st.recursive(leaf, composite, max_leaves=10), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(_trees())
def test_random_trees_read_back_equal_from_mathml_and_latex(tree):
    mathml, latex = both(tree)
    assert mathml == latex


@requires_dev
def test_cli_mathml_matches_the_latex_on_every_dev_expression(capsys):
    """`python main.py recognize DIR --format json`: every line's MathML has the LaTeX's structure."""
    assert cli.main([str(DEV), "--format", "json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == len(sorted(DEV.rglob("*.inkml"))) > 900
    mismatched = [r["file"] for r in rows if from_mathml(r["mathml"]) != from_latex(r["latex"])]
    assert mismatched == []
    assert sum(bool(r["mathml"]) for r in rows) == len(rows)
    # --format mathml prints the same MathML as the JSON field.
    first = rows[0]
    assert cli.main([first["file"], "--format", "mathml"]) == 0
    assert capsys.readouterr().out == f"{first['file']}\t{first['mathml']}\n"
