"""The learned regions of fraction bars, radicals and limits: features, loading,
fallback, use in the layout, training samples."""

import numpy as np
import pytest

from model.evaluation.layout_eval import oracle_layout_eval, truth_symbols
from model.io.ink import parse_inkml, read_inkml
from model.recognition.layout import regions
from model.recognition.layout import assemble
from model.recognition.layout.rules import hand_set_parts
from model.recognition.layout.units import make_units
from model.recognition.result import Symbol
from model.training.relation_truth import truth_tree
from model.training.train_regions import head_samples

from .shared_data import DEV, requires_dev
from .test_relation_truth import inkml


def sym(label, x1, y1, x2, y2):
    return Symbol(label, 1.0, (x1, y1, x2, y2))


# 1/(x+2) - y : a fraction, then a minus sign that claims nothing
FRACTION = [sym("1", 18, 0, 22, 14), sym("-", 0, 18, 40, 20), sym("x", 2, 24, 12, 34),
            sym("+", 15, 25, 23, 33), sym("2", 26, 21, 34, 34), sym("-", 46, 19, 56, 21),
            sym("y", 60, 14, 70, 28)]


def test_shipped_model_loads_with_its_metadata():
    model = regions.load()
    assert model is not None
    assert model.meta["classes"] == list(regions.CLASSES)
    assert model.meta["heads"] == list(regions.HEADS)
    assert model.meta["n_features"] == regions.N_FEATURES
    figures = model.meta["validation_layout"]
    assert figures["learned_regions"]["exprate"] > figures["hand_set_regions"]["exprate"]


def test_features_are_finite_on_degenerate_boxes():
    units, g = make_units([sym("-", 0, 0, 0, 0), sym("2", 5, 5, 5, 5),
                           sym("x", float("nan"), 0, float("inf"), 1)])
    f = regions.member_features(units[0], units[1:], g, {"num": [units[1]]})
    assert f.shape == (2, regions.N_FEATURES) and np.isfinite(f).all()
    # the rules' answer is one-hot after the classes: "num" is the class "above", the rest "none"
    base = regions.N_GEOMETRY + len(regions.VOCAB) + len(regions.HEADS)
    rule = f[:, base:base + len(regions.CLASSES)]
    assert rule[0].argmax() == regions.CLASSES.index("above") and rule[1].argmax() == 0
    assert rule.sum(1).tolist() == [1.0, 1.0]


def test_neighbours_share_some_height():
    # a b c on a line, d above b; e far right and level with c
    units, _ = make_units([sym("a", 0, 10, 8, 20), sym("b", 10, 10, 18, 20),
                           sym("c", 20, 10, 28, 20), sym("d", 10, 0, 18, 8),
                           sym("e", 60, 12, 68, 22)])
    left, right = regions.neighbours(units)
    assert left.tolist() == [-1, 0, 1, -1, 2]
    assert right.tolist() == [1, 2, 4, -1, -1]


def test_learned_regions_read_a_fraction_and_leave_a_minus_sign():
    expr = assemble(FRACTION)
    assert expr.latex == "\\frac{1}{x+2}-y"
    units, g = make_units(FRACTION)
    parts = regions.load().parts(units[1], units, g, hand_set_parts(units[1], units, g))
    assert [u.label for u in parts["num"]] == ["1"]
    assert sorted(u.label for u in parts["den"]) == ["+", "2", "x"]
    assert regions.load().parts(units[5], units, g, {}) == {}


@pytest.mark.parametrize("content", [b"", b"not a zip", None])
def test_missing_or_corrupt_model_falls_back_to_hand_set_rules(tmp_path, content):
    path = tmp_path / "regions.npz"
    if content is not None:
        path.write_bytes(content)
    with pytest.warns(RuntimeWarning, match="falls back to hand-set region rules"):
        model = regions.load(path)
    assert model is None
    assert assemble(FRACTION, regions=model).latex == "\\frac{1}{x+2}-y"


def test_model_of_another_feature_version_is_refused(tmp_path):
    path = tmp_path / "regions.npz"
    np.savez(path, mean=np.zeros(5), std=np.ones(5), w0=np.zeros((5, 5)), b0=np.zeros(5))
    with pytest.warns(RuntimeWarning, match="does not match"):
        assert regions.load(path) is None


def test_training_samples_of_a_hand_made_file():
    # \frac{a}{b} - c : the bar claims a above and b below; the minus sign claims nothing
    text = inkml('<mfrac xml:id="-_1"><mi xml:id="a_1">a</mi><mi xml:id="b_1">b</mi></mfrac>'
                 '<mo xml:id="-_2">-</mo><mi xml:id="c_1">c</mi>',
                 [("a", "a_1"), ("-", "-_1"), ("b", "b_1"), ("-", "-_2"), ("c", "c_1")])
    ink = parse_inkml(text)
    boxes = [(2, 0, 10, 10), (0, 12, 12, 13), (2, 15, 10, 25), (16, 12, 22, 13), (26, 8, 34, 18)]
    for t, (x1, y1, x2, y2) in zip(ink.traces, boxes):
        t.points = np.array([[x1, y1], [x2, y2]], float)
    xs, ys = head_samples(truth_tree(ink), truth_symbols(ink))
    names = [regions.CLASSES[k] for k in ys]
    # the bar against a, b, -, c; then the minus sign against a, -, b, c
    assert names == ["above", "below", "none", "none"] + ["none"] * 4
    assert len(xs) == 8 and all(x.shape == (regions.N_FEATURES,) for x in xs)


@requires_dev
def test_learned_regions_close_brackets_around_a_fraction():
    # (a/b)^n = a^n/b^n: the hand-set rules give the fraction the brackets
    ink = read_inkml(DEV / "CROHME2014_test" / "516_em_396.inkml")
    symbols = truth_symbols(ink)
    assert assemble(symbols).latex == "(\\frac{a}{b})^{n}=\\frac{a^{n}}{b^{n}}"
    assert assemble(symbols, regions=None).latex == "\\frac{(a}{b})^{n}=\\frac{a^{n}}{b^{n}}"


@requires_dev
def test_learned_regions_do_not_lose_to_the_rules_on_dev():
    learned = oracle_layout_eval(DEV, limit=300)
    hand = oracle_layout_eval(DEV, limit=300, regions=None)
    assert learned["exprate"] >= hand["exprate"]
