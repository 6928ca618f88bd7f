"""The formula language model and the layout's choice among the parser's close readings."""
from __future__ import annotations

import importlib
import json
import math
import random

import pytest

from model.recognition.layout import assemble, formula_lm
from model.recognition.layout.formula_lm import END, FormulaLM, choose, events
from model.recognition.result import LayoutNode, Symbol

from .shared_data import DEV, requires_dev

parse = importlib.import_module("model.recognition.layout.parse")


def node(label, **rels):
    return LayoutNode(label, rels=rels)


def sub_t_plus_1():      # x_{t+1}
    return [node("x", sub=[node("t"), node("+"), node("1")])]


def sub_t_then_plus_1():  # x_t + 1
    return [node("x", sub=[node("t")]), node("+"), node("1")]


def test_events_read_each_line_from_its_owner_to_its_end():
    ev = events([LayoutNode("-", "frac", {"num": [node("a")], "den": [node("b")]}), node("2")])
    assert ("main", "^", "<frac>") in ev and ("main", "<frac>", "2") in ev
    assert ("main", "2", END) in ev
    assert ("num", "^<frac>", "a") in ev and ("num", "a", END) in ev and ("den", "^<frac>", "b") in ev
    # limits written under a \sum are its subscript, as the truth and canonical.py read them
    assert ("sub", "^\\sum", "i") in events([node("\\sum", below=[node("i")])])


def test_counts_prefer_the_formula_that_was_written_more_often():
    lm = FormulaLM.count([sub_t_plus_1()] * 5 + [sub_t_then_plus_1()])
    assert lm.logprob(sub_t_plus_1()) > lm.logprob(sub_t_then_plus_1())
    # an unseen token still has a probability: smoothed, never zero
    assert math.isfinite(lm.logprob([node("\\alpha", sup=[node("+")])]))
    total = sum(lm.prob("sub", "t", w) for w in list(lm.uni) + ["never-seen"])
    assert total <= 1.0 + 1e-9


def test_the_model_round_trips_through_its_json(tmp_path):
    lm = FormulaLM.count([sub_t_plus_1(), sub_t_then_plus_1()], {"n_trees": 2})
    formula_lm.save(tmp_path / "lm.json", lm)
    back = formula_lm.load(tmp_path / "lm.json")
    assert back.logprob(sub_t_plus_1()) == pytest.approx(lm.logprob(sub_t_plus_1()))
    assert back.meta["n_trees"] == 2


@pytest.mark.parametrize("content", ["", "{not json", json.dumps({"context": 3})])
def test_a_missing_or_damaged_model_warns_and_the_parser_reads_alone(tmp_path, content):
    path = tmp_path / "lm.json"
    if content:
        path.write_text(content)
    with pytest.warns(RuntimeWarning, match="formula language model"):
        assert formula_lm.load(path) is None
    symbols = [Symbol("x", 1.0, (0, 10, 10, 20)), Symbol("2", 1.0, (12, 2, 18, 10))]
    assert assemble(symbols, lm=None).latex == "x^{2}"


def test_choose_weighs_the_parser_against_the_formula_model():
    lm = FormulaLM.count([sub_t_plus_1()] * 20)
    greedy, alt = (sub_t_then_plus_1(), -0.1, 0), (sub_t_plus_1(), -0.9, 1)
    settings = {"weight": 0.0, "flip_penalty": 0.0}
    assert choose([greedy, alt], lm, settings) is greedy[0]          # the parser alone
    settings = {"weight": 1.0, "flip_penalty": 0.0}
    assert choose([greedy, alt], lm, settings) is alt[0]             # the formula model decides
    settings = {"weight": 1.0, "flip_penalty": 100.0}
    assert choose([greedy, alt], lm, settings) is greedy[0]          # a change costs too much
    assert choose([greedy, alt], None) is greedy[0]


def _indices(tree):
    return [n.symbol for n in tree] + [i for n in tree for r in n.rels.values() for i in _indices(r)]


def test_every_reading_holds_every_symbol_once():
    # Random symbols make readings where a limit operator with its limits is claimed by
    # another's region (it once lost its limits there).
    rng = random.Random(3)
    labels = ["x", "2", "-", "\\sqrt", "\\sum", "\\lim", "(", ")", "y", "g", "=", "."]
    alternatives = 0
    for n in (7, 40, 120):
        symbols = [Symbol(rng.choice(labels), 1.0, (x, y, x + rng.uniform(0, 30), y + rng.uniform(0, 30)))
                   for x, y in ((rng.uniform(0, 200), rng.uniform(0, 100)) for _ in range(n))]
        rs = parse.readings(symbols, max_flips=6, min_share=0.05)
        alternatives += len(rs) - 1
        assert rs[0][2] == 0 and all(k == 1 for _, _, k in rs[1:])
        for tree, logp, _ in rs:
            assert sorted(_indices(tree)) == list(range(n)) and logp <= 0.0
    assert alternatives >= 6


def test_readings_start_with_the_parsers_own():
    symbols = [Symbol("d", 1.0, (373, 91, 448, 160)), Symbol("7", 1.0, (473, 81, 511, 134)),
               Symbol("-", 1.0, (444, 100, 468, 109))]
    (first, _, _), *others = parse.readings(symbols)
    assert _indices(first) == _indices(parse.parse(symbols))
    assert [n.label for n in first] == [n.label for n in parse.parse(symbols)]
    # the minus's runner-up (it opens the d's superscript) is among the alternatives
    assert any(n.rels.get("sup") for tree, _, _ in others for n in tree)


def test_the_shipped_model_says_how_it_was_made():
    lm = formula_lm.default_model()
    assert lm is not None
    m = lm.meta
    assert m["n_trees"] > 5000 and "CC BY-NC-SA" in m["training_data"]
    assert set(m["choice"]) == {"weight", "flip_penalty", "max_flips", "min_share"}
    held = m["held_out_layout"]
    assert held["chosen"] >= held["parser_alone"]
    assert m["command"].startswith("python -m model train-formula-lm")


@requires_dev
def test_train_formula_lm_counts_and_chooses_its_settings_on_held_out_writers(tmp_path, capsys):
    from model.training.train_formula_lm import main
    out = tmp_path / "lm.json"
    assert main(["--data", str(DEV), "--limit", "300", "--no-joint", "--out", str(out)]) == 0
    lm = formula_lm.load(out)
    m = lm.meta
    assert m["n_trees"] > 100 and m["n_held_out"] > 5
    assert m["choice"]["max_flips"] in (1, 2) and m["command"].startswith("python -m model train-formula-lm")
    best = max(g["right"] for g in m["grid"])
    assert round(best / m["n_held_out"], 4) == m["held_out_layout"]["chosen"] >= m["held_out_layout"]["parser_alone"]
    assert "joint" not in m  # --no-joint: the network is not run
    assert "held-out files" in capsys.readouterr().out


def test_joint_only_chooses_the_joint_settings_again_and_keeps_the_rest(tmp_path, monkeypatch, capsys):
    import json

    from model.training import train_formula_lm
    out = tmp_path / "lm.json"
    shipped = json.loads(formula_lm.DEFAULT_PATH.read_text())
    out.write_text(json.dumps(shipped))
    chosen = {"symbol_weight": 0.75, "min_ratio": 0.2, "max_alternatives": 2}
    seen = {}

    def tune(data, lm, limit=None):
        seen["counts"] = lm.to_json()["context"] == shipped["context"]
        return dict(chosen), {"n": 3, "layout_alone": 0.5, "chosen": 0.6, "grid": []}

    monkeypatch.setattr(train_formula_lm, "tune_joint", tune)
    assert train_formula_lm.main(["--joint-only", "--out", str(out)]) == 0
    after = json.loads(out.read_text())
    assert seen["counts"] and after["context"] == shipped["context"]
    assert after["meta"]["joint"] == chosen and after["meta"]["joint_before"] == shipped["meta"]["joint"]
    assert after["meta"]["choice"] == shipped["meta"]["choice"]
    assert after["meta"]["joint_command"].startswith("python -m model train-formula-lm --joint-only")
    assert "the joint choice" in capsys.readouterr().out
