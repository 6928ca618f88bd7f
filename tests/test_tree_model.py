"""The model of whole readings: its inputs, its targets, its loading, and what it adds to the choice."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from model.recognition.layout import assemble, formula_lm, tree_model
from model.recognition.layout.formula_lm import choose
from model.recognition.result import LayoutNode, Placement, Symbol

from .shared_data import DEV, requires_dev


def node(label, symbol, kind="sym", **rels):
    return LayoutNode(label, kind, rels, symbol)


def x_sub_i_plus_1():
    """x_{i+1}: the x, then in its subscript i + 1."""
    return [Symbol("x", 1.0, (0, 10, 20, 30)), Symbol("i", 1.0, (22, 26, 27, 38)),
            Symbol("+", 1.0, (29, 28, 37, 36)), Symbol("1", 1.0, (39, 26, 43, 38))]


def test_targets_name_each_symbols_parent_and_relation_and_one_root():
    tree = [node("x", 0, sub=[node("i", 1), node("+", 2), node("1", 3)])]
    r = len(tree_model.RELATIONS)
    t = tree_model.targets(tree, 4)
    sub, right = tree_model.RELATIONS.index("sub"), tree_model.RELATIONS.index("right")
    assert list(t) == [4 * r, 0 * r + sub, 1 * r + right, 2 * r + right]
    frac = [LayoutNode("-", "frac", {"num": [node("a", 1)], "den": [node("b", 2)]}, 0)]
    above, below = tree_model.RELATIONS.index("above"), tree_model.RELATIONS.index("below")
    assert list(tree_model.targets(frac, 3)) == [3 * r, above, below]


def test_the_limits_of_a_sum_written_under_it_are_its_scripts_to_the_model():
    # The parser lays a sum's limits out "below" and "above"; the truth the model learnt from
    # calls them its scripts (a fraction's parts stay above and below: the test above).
    under = [node("\\sum", 0, below=[node("i", 1)], above=[node("n", 2)]), node("x", 3)]
    beside = [node("\\sum", 0, sub=[node("i", 1)], sup=[node("n", 2)]), node("x", 3)]
    assert list(tree_model.targets(under, 4)) == list(tree_model.targets(beside, 4))
    sub, sup = tree_model.RELATIONS.index("sub"), tree_model.RELATIONS.index("sup")
    assert list(tree_model.targets(under, 4))[1:3] == [sub, sup]
    symbols = [Symbol("\\int", 1.0, (0, 0, 10, 40)), Symbol("0", 1.0, (2, 42, 8, 50)),
               Symbol("1", 1.0, (2, -12, 8, -2)), Symbol("x", 1.0, (14, 15, 24, 25))]
    a, b = tree_model.default_model().logprobs(symbols, [
        [node("\\int", 0, below=[node("0", 1)], above=[node("1", 2)]), node("x", 3)],
        [node("\\int", 0, sub=[node("0", 1)], sup=[node("1", 2)]), node("x", 3)]])
    assert a == b and a > -5.0


def test_inputs_are_finite_for_any_boxes():
    odd = [Symbol("x", 1.0, (5, 5, 5, 5)), Symbol("x", 1.0, (5, 5, 5, 5)),
           Symbol("never-a-class", 1.0, (-1e9, 0, 1e9, 1e-9))]
    cls, one, pair = tree_model.encode(odd)
    assert cls.shape == (3,) and one.shape == (3, tree_model.N_SYMBOL_FEATURES)
    assert pair.shape == (3, 3, tree_model.N_PAIR_FEATURES)
    assert np.isfinite(one).all() and np.isfinite(pair).all()


def test_the_shipped_model_prefers_the_written_structure():
    model = tree_model.default_model()
    assert model is not None
    symbols = x_sub_i_plus_1()
    written = [node("x", 0, sub=[node("i", 1), node("+", 2), node("1", 3)])]
    flat = [node("x", 0, sub=[node("i", 1)]), node("+", 2), node("1", 3)]
    on_line = [node("x", 0), node("i", 1), node("+", 2), node("1", 3)]
    lw, lf, lo = model.logprobs(symbols, [written, flat, on_line])
    assert lw > lf and lw > lo and lw <= 0.0
    # a single symbol: nothing to place, so the model is not asked
    assert model.logprobs(symbols[:1], [[node("x", 0)]]) is None


def test_its_weight_in_the_choice_decides_between_readings():
    class Fixed:  # a stand-in whose opinion is known: the second reading
        meta = {}

        def logprobs(self, symbols, trees):
            return [-5.0, -0.1]
    a, b = [node("x", 0)], [node("y", 0)]
    readings = [(a, -0.1, 0), (b, -0.5, 1)]
    settings = {"weight": 0.0, "flip_penalty": 0.0, "tree_weight": 0.0}
    assert choose(readings, None, settings, [Symbol("x", 1.0, (0, 0, 1, 1))], Fixed()) is a
    settings["tree_weight"] = 1.0
    assert choose(readings, None, settings, [Symbol("x", 1.0, (0, 0, 1, 1))], Fixed()) is b
    assert choose(readings, None, settings) is a  # without the model: the parser's own


def test_a_placement_the_readings_disagree_on_gets_their_weighed_share():
    def placed(sym, rel, base, conf):
        return LayoutNode(sym[0], "sym", {}, sym[1], conf, Placement(base, rel))
    # x^2 chosen, x 2 its alternative: the 2's confidence is the readings' share that agree
    chosen = [LayoutNode("x", "sym", {"sup": [placed(("2", 1), "sup", 0, 0.1)]}, 0)]
    other = [LayoutNode("x", "sym", {}, 0), placed(("2", 1), "right", 0, 0.9)]
    formula_lm.agreed_confidence([(chosen, 0, 0), (other, 0, 1)], [0.0, -math.log(3)], 0)
    two = chosen[0].rels["sup"][0]
    assert two.confidence == pytest.approx(0.75)
    # softer at a higher temperature: nearer an even split
    formula_lm.agreed_confidence([(chosen, 0, 0), (other, 0, 1)], [0.0, -math.log(3)], 0, 4.0)
    assert 0.5 < two.confidence < 0.75
    # a placement no reading changes keeps the parser's share
    lone = [LayoutNode("x", "sym", {"sup": [placed(("2", 1), "sup", 0, 0.4)]}, 0)]
    formula_lm.agreed_confidence([(lone, 0, 0), (lone, 0, 1)], [0.0, -1.0], 0)
    assert lone[0].rels["sup"][0].confidence == 0.4


def test_the_marks_are_chosen_at_the_apps_threshold():
    from app.canvas.overlays import UNSURE
    from model.training.train_layout_tree import MARKED_BELOW
    assert MARKED_BELOW == UNSURE


@pytest.mark.parametrize("damage", ["missing", "garbage", "other-classes"])
def test_an_unusable_model_warns_and_the_layout_reads_without_it(tmp_path, damage):
    path = tmp_path / "layout_tree.pt"
    if damage == "garbage":
        path.write_bytes(b"not a model")
        path.with_suffix(".json").write_text(json.dumps(tree_model.default_model().meta))
    elif damage == "other-classes":
        import shutil
        shutil.copy(tree_model.DEFAULT_PATH, path)
        meta = dict(tree_model.default_model().meta, vocab=["x", "y"])
        path.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.warns(RuntimeWarning, match="layout tree model"):
        assert tree_model.load(path) is None
    assert assemble(x_sub_i_plus_1(), trees=None).latex == "x_{i+1}"  # the formula model's choice


def test_the_shipped_model_says_how_it_was_made():
    m = tree_model.default_model().meta
    assert "CC BY-NC-SA" in m["training_data"] and m["command"].startswith("python -m model train-layout-tree")
    assert m["n_expressions"]["train"] > 5000 and m["n_expressions"]["held_out"] > 1000
    # A choice made again (--choose-only) also says how many next-best trees it reads.
    assert set(m["choice"]) - {"next_best", "next_gap"} == {
        "weight", "flip_penalty", "max_flips", "min_share", "tree_weight", "confidence_temperature",
        "spanning_tree"}
    # A choice made again (--choose-only) keeps the training's figures beside its own.
    made = m.get("held_out_layout_before") or m["held_out_layout"]
    marks = {r["temperature"]: r for r in made["marks"]}
    assert max(r["f1"] for r in marks.values()) == marks[m["choice"]["confidence_temperature"]]["f1"]
    held = m["held_out_layout"]
    assert held["chosen"] >= held["best_without_spanning_tree"] >= made["formula_model_alone"] \
        >= made["parser_alone"] - 0.01
    assert formula_lm.choice_settings(formula_lm.default_model(), tree_model.default_model()) == {
        **formula_lm.choice_settings(formula_lm.default_model()), **m["choice"]}


@requires_dev
def test_train_layout_tree_trains_resumes_and_chooses_on_held_out_writers(tmp_path, capsys):
    from model.training.train_layout_tree import main
    out = tmp_path / "tree.pt"
    args = ["--data", str(DEV), "--limit", "400", "--epochs", "1", "--hidden", "16",
            "--layers", "1", "--cache", str(tmp_path), "--out", str(out)]
    assert main(args) == 0
    model = tree_model.load(out)
    assert model is not None and model.meta["history"][0]["epoch"] == 1
    assert model.meta["n_expressions"]["held_out"] > 5
    assert model.meta["choice"]["max_flips"] in (2, 4, 8)
    assert model.meta["choice"]["spanning_tree"] in (True, False)
    # a network trained now reads every symbol feature, the writer's frame among them
    assert model.meta["features"]["symbol"] == tree_model.N_SYMBOL_FEATURES == model.n_symbol
    # the choice again on the network trained: the number of readings kept, the weights anew
    assert main(args + ["--choose-only"]) == 0
    again = tree_model.load(out).meta
    assert again["choice_before"] == model.meta["choice"]
    assert again["choice"]["max_flips"] == model.meta["choice"]["max_flips"]
    assert again["history"] == model.meta["history"]
    # the checkpoint of the finished run is taken up again, not retrained
    assert main(args) == 0
    assert "resuming" in capsys.readouterr().err
    # the close readings tried may be narrowed to one setting; the choice is then that one
    assert main(args + ["--alternatives", "2,0.1"]) == 0
    assert tree_model.load(out).meta["choice"]["max_flips"] == 2
    # an ensemble of the same network twice reads as that network, with settings of its own
    ens = tmp_path / "ensemble.pt"
    assert main(args + ["--alternatives", "2,0.1", "--ensemble", f"{out},{out}", "--out", str(ens)]) == 0
    one, both = tree_model.load(out), tree_model.load(ens)
    assert [m["seed"] for m in both.meta["ensemble"]] == [1, 1]
    assert both.meta["choice"]["max_flips"] == 2 and "held_out_layout" in both.meta
    symbols = x_sub_i_plus_1()
    trees = [[node("x", 0, sub=[node("i", 1), node("+", 2), node("1", 3)])],
             [node("x", 0, sub=[node("i", 1)]), node("+", 2), node("1", 3)]]
    assert np.allclose(both.logprobs(symbols, trees), one.logprobs(symbols, trees), atol=1e-4)
    # a member that is not a model is refused, and nothing is written
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    assert main(args + ["--ensemble", f"{out},{tmp_path / 'junk.pt'}",
                        "--out", str(tmp_path / "no.pt")]) == 2
    assert not (tmp_path / "no.pt").exists()
    assert "not a usable layout tree model" in capsys.readouterr().err


def test_an_ensemble_gives_the_mean_of_its_members_probabilities():
    import torch
    torch.manual_seed(0)
    a, b = tree_model.network(16, 1, 0.0).eval(), tree_model.network(16, 1, 0.0).eval()
    n = 4
    x = (torch.randint(0, 5, (1, n)), torch.randn(1, n, tree_model.N_SYMBOL_FEATURES),
         torch.randn(1, n, n, tree_model.N_PAIR_FEATURES), torch.zeros(1, n, dtype=torch.bool))
    with torch.no_grad():
        mean = (a(*x).exp() + b(*x).exp()) / 2
        out = torch.jit.script(tree_model.ensemble([a, b]))(*x)
    assert torch.allclose(out.exp(), mean, atol=1e-6)
    assert torch.allclose(out.exp().sum(-1), torch.ones(1, n), atol=1e-5)
    assert not torch.allclose(a(*x), b(*x))  # two members that differ, so the mean is a mean
    with pytest.raises(ValueError):
        tree_model.ensemble([])


def test_relabelling_keeps_each_symbols_size_class_and_only_at_its_share():
    import torch
    from model.recognition import writer
    from model.training.train_layout_tree import relabel_table, relabelled
    table = relabel_table()
    vocab = tree_model.VOCAB
    cls = torch.tensor([[vocab.index(c) for c in ("x", "2", "C", "+", "\\sum", "g")] * 50])
    rng = np.random.default_rng(0)
    same = relabelled(cls, table, 0.0, rng)
    assert torch.equal(same, cls)
    moved = relabelled(cls, table, 1.0, rng)
    assert not torch.equal(moved, cls)
    for a, b in zip(cls.view(-1).tolist(), moved.view(-1).tolist()):
        assert writer.size_class(vocab[a]) == writer.size_class(vocab[b])
        if writer.size_class(vocab[a]) is None:  # + and \sum have no size class: kept
            assert a == b
    assert len({vocab[b] for a, b in zip(cls.view(-1).tolist(), moved.view(-1).tolist())
                if vocab[a] == "x"}) > 5
    assert torch.equal(cls, torch.tensor([[vocab.index(c) for c in ("x", "2", "C", "+", "\\sum", "g")] * 50]))
