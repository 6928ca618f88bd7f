"""The learned relation model: features, loading, fallback, use in the layout, training pairs."""

import numpy as np
import pytest

from model.evaluation.layout_eval import oracle_layout_eval, truth_symbols
from model.evaluation.structure import same_structure
from model.recognition.notation.canonical import from_layout, from_mathml
from model.io.ink import parse_inkml
from model.recognition.layout import relations
from model.recognition.layout import assemble
from model.recognition.layout.units import make_units
from model.recognition.result import Symbol
from model.training.relation_truth import truth_tree
from model.training.train_relations import is_validation, region_pairs, writer_of

from .shared_data import requires_dev
from .test_relation_truth import inkml


def sym(label, x1, y1, x2, y2):
    return Symbol(label, 1.0, (x1, y1, x2, y2))


# x^2 + y_i = 1 written at x-height about 10 (y grows downward)
SCRIPTS = [sym("x", 0, 10, 10, 20), sym("2", 12, 1, 18, 10), sym("+", 22, 11, 30, 19),
           sym("y", 33, 10, 43, 24), sym("i", 45, 19, 48, 28), sym("=", 52, 13, 60, 17),
           sym("1", 64, 6, 67, 20)]
SCRIPTS_MATHML = ("<math><msup><mi>x</mi><mn>2</mn></msup><mo>+</mo><msub><mi>y</mi><mi>i</mi>"
                  "</msub><mo>=</mo><mn>1</mn></math>")


def test_shipped_model_loads_with_its_metadata():
    model = relations.load()
    assert model is not None
    assert model.meta["classes"] == list(relations.CLASSES)
    assert model.meta["n_features"] == relations.N_FEATURES
    assert model.meta["validation_layout"]["learned"]["exprate"] > 0


def test_features_are_finite_on_degenerate_boxes():
    units, g = make_units([sym("x", 0, 0, 0, 0), sym("2", 5, 5, 5, 5),
                           sym("-", float("nan"), 0, float("inf"), 1)])
    for a in units:
        for b in units:
            f = relations.pair_features(a, b, g, units[0], "sup")
            assert f.shape == (relations.N_FEATURES,) and np.isfinite(f).all()


def test_learned_layout_reads_scripts_and_returns_from_them():
    expr = assemble(SCRIPTS)
    assert expr.latex == "x^{2}+y_{i}=1"
    assert same_structure(from_layout(expr.tree), from_mathml(SCRIPTS_MATHML))
    confidences = [n.confidence for n in expr.tree] + [expr.tree[0].rels["sup"][0].confidence]
    assert all(0.4 < c <= 1.0 for c in confidences)  # each the likeliest of its options


@pytest.mark.parametrize("content", [b"", b"not a zip", None])
def test_missing_or_corrupt_model_falls_back_to_hand_set_rules(tmp_path, content):
    path = tmp_path / "relations.npz"
    if content is not None:
        path.write_bytes(content)
    with pytest.warns(RuntimeWarning, match="falls back to hand-set"):
        model = relations.load(path)
    assert model is None
    assert assemble(SCRIPTS, model).latex == "x^{2}+y_{i}=1"  # hand-set rules still read it


def test_model_of_another_feature_version_is_refused(tmp_path):
    path = tmp_path / "relations.npz"
    np.savez(path, mean=np.zeros(5), std=np.ones(5), w0=np.zeros((5, 4)), b0=np.zeros(4))
    with pytest.warns(RuntimeWarning, match="does not match"):
        assert relations.load(path) is None


def test_the_next_symbol_is_part_of_the_features():
    units, g = make_units(SCRIPTS)
    last = relations.pair_features(units[0], units[2], g)
    ahead = relations.pair_features(units[0], units[2], g, nxt=units[3])
    n = relations.N_GEOMETRY
    assert np.isfinite(ahead).all() and not np.array_equal(last[:n], ahead[:n])
    assert np.array_equal(last[n:], ahead[n:])  # the classes stay those of the pair


def test_probabilities_sum_to_one():
    model = relations.load()
    units, g = make_units(SCRIPTS)
    p = model.pair_probs([(units[0], None, None), (units[1], units[0], "sup")], units[2], g)
    assert p.shape == (2, 4) and np.allclose(p.sum(1), 1.0)
    # the + is on x's line, after x; it does not continue the superscript
    assert p[0].argmax() == relations.CLASSES.index("right")
    assert p[1, relations.CLASSES.index("right")] < p[0, relations.CLASSES.index("right")]


def test_training_pairs_of_a_hand_made_file():
    text = inkml('<msup><mi xml:id="x_1">x</mi><mn xml:id="2_1">2</mn></msup>'
                 '<mo xml:id="+_1">+</mo><mi xml:id="y_1">y</mi>',
                 [("x", "x_1"), ("2", "2_1"), ("+", "+_1"), ("y", "y_1")])
    # the helper draws symbol k as a short vertical stroke at x = k: give them real boxes
    ink = parse_inkml(text)
    boxes = [(0, 10, 10, 20), (12, 1, 18, 10), (22, 11, 30, 19), (33, 10, 43, 20)]
    for t, (x1, y1, x2, y2) in zip(ink.traces, boxes):
        t.points = np.array([[x1, y1], [x2, y2]], float)
    x, y = region_pairs(truth_tree(ink), truth_symbols(ink), window=6)
    names = [relations.CLASSES[k] for k in y]
    # reading order x, 2, +, y: (x,2) sup; (x,+) right, (2,+) none; (x,y) (2,y) none, (+,y) right
    assert names == ["sup", "right", "none", "none", "none", "right"]
    assert len(x) == 6 and all(f.shape == (relations.N_FEATURES,) for f in x)


def test_writer_split_is_by_writer():
    class Ink:
        annotations = {"writer": "w7"}
    from pathlib import Path
    a = writer_of(Path("d/HAMEX/a1.inkml"), Ink())
    b = writer_of(Path("d/HAMEX/zz.inkml"), Ink())
    assert a == b == "HAMEX/w7"
    Ink.annotations = {}
    assert writer_of(Path("d/MathBrush/2009210-947-12.inkml"), Ink()) == "MathBrush/2009210-947"
    assert is_validation(a) == is_validation(b)


@requires_dev
def test_learned_layout_beats_hand_set_thresholds_on_dev():
    from .shared_data import DEV
    learned = oracle_layout_eval(DEV, limit=300)
    hand = oracle_layout_eval(DEV, limit=300, relations=None)
    assert learned["exprate"] > hand["exprate"]
    assert learned["linear_exprate"] >= hand["linear_exprate"]


def test_each_learned_placement_says_how_sure_it_was_and_what_came_second():
    from model.recognition.result import uncertain_placements
    # d^{-7} as dev's 23_em_50 writes it: the minus is level with the top of the d, so on
    # the line and superscript are close; the 7 is plainly after the minus.
    syms = [Symbol("d", 1.0, (373, 91, 448, 160), [0]), Symbol("7", 1.0, (473, 81, 511, 134), [1]),
            Symbol("-", 1.0, (444, 100, 468, 109), [2])]
    tree = assemble(syms).tree
    minus = next(n for n in tree if n.label == "-")
    assert minus.placement.base == 0 and {minus.placement.relation, minus.placement.second} == {
        "right", "sup"}
    # Unsure either way: the parser's shares of its choices sum to one; the readings weighed
    # (formula_lm.agreed_confidence) leave the minus on the line at under 0.75.
    assert 0.25 < minus.confidence < 0.75
    assert abs(sum(share for _, _, share in minus.placement.options) - 1.0) < 1e-6
    assert 0.25 < minus.placement.second_confidence < 0.75
    assert [n.symbol for n in uncertain_placements(tree, 0.75)] == [2]
    clear = assemble(SCRIPTS).tree
    assert uncertain_placements(clear, 0.75) == []
    assert tree[0].placement is None and tree[0].confidence == 1.0  # the first symbol: no choice
