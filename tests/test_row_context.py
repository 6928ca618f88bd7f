"""Look-alikes settled by their place on their line (model/recognition/layout/row_context.py)."""
from __future__ import annotations

from collections import Counter

import pytest

from model.recognition.layout import assemble, row_context
from model.recognition.layout.joint import assemble_joint
from model.recognition.notation.canonical import from_layout
from model.recognition.result import Symbol


def sym(label, box, i, alternatives=None):
    alternatives = alternatives or [(label, 0.99)]
    return Symbol(label, dict(alternatives)[label], box, [i], alternatives)


def four_x_five():
    """4, then a glyph read as x (0.6) or \\times (0.35), then 5, all on one line."""
    alts = [("x", 0.6), ("\\times", 0.35)]
    return [sym("4", (0, 0, 8, 14), 0), sym("x", (11, 4, 19, 13), 1, alts),
            sym("5", (22, 0, 30, 14), 2)]


def toy_model(margin: float = 3.0, min_ratio: float = 0.05, min_count: int = 0) -> row_context.RowContext:
    counts = {"x": {"op digit - main": 50, "letter op - main": 200, "digit digit - main": 2},
              "\\times": {"digit digit - main": 200},
              "c": {"edge edge - main": 5}, "C": {"edge edge - main": 500},
              "1": {"edge edge - main": 5}, "|": {"edge edge - main": 500},
              "4": {"edge op - main": 300}}
    return row_context.RowContext(counts, weight=1.0, min_ratio=min_ratio, smoothing=5.0,
                                  margin=margin, min_count=min_count)


def test_neighbours_are_read_by_their_kind():
    kinds = {label: row_context.kind(label) for label in
             (None, "7", "\\times", "=", "x", "\\alpha", "(", "\\}", ",", "\\ldots", "\\cos", "\\sqrt")}
    assert kinds == {None: "edge", "7": "digit", "\\times": "op", "=": "op", "x": "letter",
                     "\\alpha": "letter", "(": "open", "\\}": "close", ",": "comma",
                     "\\ldots": "dot", "\\cos": "func", "\\sqrt": "other"}
    assert row_context.context(["4", "x", "5"], 1, False, "main") == "digit digit - main"
    assert row_context.context(["x"], 0, True, "script") == "edge edge S script"


def test_a_layout_tree_and_its_canonical_form_give_the_same_contexts():
    # 2 x^{2} + a over b: a superscript line, a numerator and a denominator.
    symbols = [sym("2", (0, 10, 8, 24), 0), sym("x", (10, 14, 18, 24), 1),
               sym("2", (19, 4, 24, 12), 2), sym("+", (28, 14, 36, 22), 3),
               sym("a", (42, 0, 50, 8), 4), sym("-", (40, 17, 54, 19), 5),
               sym("b", (42, 26, 50, 36), 6)]
    expr = assemble(symbols, lm=None)
    assert expr.latex == "2x^{2}+\\frac{a}{b}"
    tree = expr.tree
    mine = Counter((n.label, c) for n, c in row_context.layout_contexts(tree))
    truth = Counter((label, c) for label, c in row_context.truth_contexts(from_layout(tree))
                    if label != "\\frac")
    assert mine == truth
    assert mine[("x", "digit op S main")] == 1 and mine[("2", "edge edge - script")] == 1
    assert mine[("a", "edge edge - other")] == 1


def test_a_look_alike_is_taken_where_the_line_all_but_rules_the_label_out():
    m = toy_model()
    # An x between two digits: the \\times the counts put there, though the ink said x.
    assert m.choice("x", [("x", 0.6), ("\\times", 0.35)], "digit digit - main") == "\\times"
    # A \\times after an operator: an x.
    assert m.choice("\\times", [("\\times", 0.6), ("x", 0.35)], "op digit - main") == "x"
    # Where both stand, the ink decides.
    assert m.choice("x", [("x", 0.6), ("\\times", 0.35)], "letter op - main") == "x"


def test_what_the_look_alike_needs_to_be_taken():
    alts = [("x", 0.6), ("\\times", 0.35)]
    assert toy_model().choice("x", [("x", 0.99)], "digit digit - main") == "x"  # not among the alternatives
    assert toy_model(min_ratio=0.7).choice("x", alts, "digit digit - main") == "x"  # too far behind
    assert toy_model(margin=10.0).choice("x", alts, "digit digit - main") == "x"  # context not decisive
    # A context the look-alike was seen in only 50 times is not enough where 60 are asked for.
    assert toy_model(min_count=60).choice("\\times", [("\\times", 0.6), ("x", 0.35)],
                                          "op digit - main") == "\\times"
    assert toy_model(min_count=50).choice("\\times", [("\\times", 0.6), ("x", 0.35)],
                                          "op digit - main") == "x"
    # Two letters stand in the same places: the line never settles case; nor a bar, which
    # opens a line as often as it closes one (marks.absolute_bars reads it by its partner).
    assert toy_model().choice("c", [("c", 0.6), ("C", 0.35)], "edge edge - main") == "c"
    assert toy_model().choice("1", [("1", 0.6), ("|", 0.35)], "edge edge - main") == "1"


def test_the_joint_choice_relabels_by_the_line_and_reads_the_structure_again():
    m = toy_model()
    expr, symbols = assemble_joint(four_x_five(), lines=m)
    assert expr.latex == "4\\times5" and [s.label for s in symbols] == ["4", "\\times", "5"]
    assert symbols[1].alternatives[0] == ("\\times", 0.35)
    # A label the user fixed stays; without the model, the labels stay as decoded.
    assert assemble_joint(four_x_five(), keep={1}, lines=m)[0].latex == "4x5"
    assert assemble_joint(four_x_five(), lines=None)[0].latex == "4x5"


def test_the_shipped_counts_know_where_a_times_stands():
    m = row_context.default_model()
    assert m is not None
    assert m.log_likelihood("\\times", "op op - main") < m.log_likelihood("x", "op op - main") - 3
    assert m.log_likelihood("\\times", "digit digit - main") > m.log_likelihood("x", "digit digit - main") + 3
    held = m.meta["held_out"]
    assert held["chosen"]["n"] == held["without"]["n"] > 1000
    assert held["chosen"]["all_symbols_right"] >= held["without"]["all_symbols_right"]
    assert "CC BY-NC-SA" in m.meta["training_data"]
    # The shipped model settles the 4 x 5 of a writer whose x and \\times look alike.
    assert assemble_joint(four_x_five())[0].latex == "4\\times5"


def test_a_missing_or_broken_model_is_off_with_a_warning(tmp_path):
    with pytest.warns(UserWarning, match="row context model"):
        assert row_context.load(tmp_path / "missing.json") is None
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "row-context counts v1", "weight": 1}')
    with pytest.warns(UserWarning, match="unusable"):
        assert row_context.load(bad) is None
    bad.write_text("not json")
    with pytest.warns(UserWarning):
        assert row_context.load(bad) is None


def test_a_model_survives_its_json():
    m = toy_model()
    m.min_count = 7
    again = row_context.from_json(m.to_json())
    assert again.counts == m.counts and again.margin == m.margin and again.min_count == 7
    assert again.log_likelihood("x", "digit digit - main") == m.log_likelihood("x", "digit digit - main")
