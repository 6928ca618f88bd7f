"""Symbols and structure chosen together (model/recognition/layout/joint.py)."""
from __future__ import annotations

import math

import pytest

from model.recognition.layout import formula_lm
from model.recognition.layout.joint import alternatives, assemble_joint, joint_settings, relabelled
from model.recognition.result import Symbol


def times_raised_2():
    # A raised 2 after a symbol read as × (0.5) or x (0.4): × takes no superscript.
    return [Symbol("\\times", 0.5, (0, 10, 10, 20), [0], [("\\times", 0.5), ("x", 0.4)]),
            Symbol("2", 0.99, (12, 0, 18, 9), [1], [("2", 0.99), ("z", 0.005)])]


def test_a_label_the_structure_makes_implausible_is_re_read():
    expr, symbols = assemble_joint(times_raised_2())
    assert expr.latex == "x^{2}"
    assert [s.label for s in symbols] == ["x", "2"]
    # the re-read symbol leads with its new label and keeps the old one as an alternative
    assert symbols[0].score == 0.4 and symbols[0].alternatives[:2] == [("x", 0.4), ("\\times", 0.5)]


def test_a_label_the_user_fixed_is_never_re_read():
    expr, symbols = assemble_joint(times_raised_2(), keep={0})
    assert expr.latex == "\\times2" and symbols[0].label == "\\times"


def test_without_the_formula_model_the_symbols_stay_as_decoded():
    expr, symbols = assemble_joint(times_raised_2(), lm=None)
    assert expr.latex == "\\times2" and [s.label for s in symbols] == ["\\times", "2"]


def test_strong_symbol_evidence_outweighs_the_structure():
    lm = formula_lm.default_model()
    heavy = {**joint_settings(lm), "symbol_weight": 50.0}
    # Without the line's say too (row_context.py): a \\times never opens a line.
    expr, _ = assemble_joint(times_raised_2(), settings=heavy, lines=None)
    assert expr.latex == "\\times2"


def test_only_close_runners_up_are_tried_closest_first():
    syms = times_raised_2() + [Symbol("y", 0.9, (30, 10, 40, 20), [2], [("y", 0.9), ("g", 0.3)])]
    alts = alternatives(syms, min_ratio=0.1, limit=3)
    assert [(i, label) for i, label, _, _ in alts] == [(0, "x"), (2, "g")]  # 0.8 before 0.33
    assert alternatives(syms, min_ratio=0.5, limit=3)[0][:2] == (0, "x")
    (i, label, p, log_ratio), = alternatives(syms, keep={0, 2}, min_ratio=0.001)
    assert (i, label, p) == (1, "z", 0.005) and log_ratio == pytest.approx(math.log(0.005 / 0.99))
    assert relabelled(syms[2], "g", 0.3).personal is False


def test_the_shipped_settings_were_chosen_on_held_out_writers():
    lm = formula_lm.default_model()
    held = lm.meta["held_out_joint"]
    assert held["n"] > 1000 and held["chosen"] >= held["layout_alone"]
    assert set(lm.meta["joint"]) == {"symbol_weight", "min_ratio", "max_alternatives"}


def test_a_symbols_second_runner_up_is_tried_too():
    # A low mark read as a comma (0.25), its prime (0.5) ruled out by where it sits, and a 1
    # (0.2) behind it that would be a subscript: the 1 is weighed as well.
    syms = [Symbol("c", 0.9, (0, 10, 10, 20), [0], [("c", 0.9)]),
            Symbol(",", 0.25, (11, 18, 13, 26), [1], [(",", 0.25), ("\\prime", 0.5), ("1", 0.2)])]
    alts = alternatives(syms, min_ratio=0.1, limit=3)
    assert [(i, label) for i, label, _, _ in alts] == [(1, "\\prime"), (1, "1")]
    assert [(i, label) for i, label, _, _ in alternatives(syms, min_ratio=0.1, limit=1)] == [(1, "\\prime")]
