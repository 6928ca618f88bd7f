"""A look-alike settled by the writer's own glyph of the other reading (writer_glyphs.py)."""
import numpy as np

from model.recognition.writer_glyphs import ALIKE, LEAST, SURER, likeness_features, may_settle, same_glyphs

from .shared_data import DEV, requires_dev


def _features(*rows):
    return np.array(rows, dtype=float)


def _alts(label, score, other=None, p=0.0):
    return [(label, score)] + ([(other, p)] if other else [])


def test_a_glyph_drawn_as_the_writers_surer_glyph_takes_its_label():
    # 2 x 3 and 4 × 5: the writer's two crosses look the same; one read x at 0.55, × its next.
    labels = ["2", "x", "3", "4", "\\times", "5"]
    scores = [0.99, 0.55, 0.99, 0.99, 0.95, 0.99]
    alts = [_alts(l, p) for l, p in zip(labels, scores)]
    alts[1] = _alts("x", 0.55, "\\times", 0.4)
    feats = _features([1, 0, 0, 0], [0, 1, 0.05, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0], [0.5, 0, 0, 1])
    assert same_glyphs(labels, scores, alts, feats) == {1: "\\times"}
    # Not where × is no reading of it the network gives.
    alts[1] = _alts("x", 0.55, "\\times", LEAST / 2)
    assert same_glyphs(labels, scores, alts, feats) == {}


def test_no_change_where_the_glyphs_differ_or_neither_is_surer():
    labels, scores = ["x", "\\times"], [0.6, 0.95]
    alts = [_alts("x", 0.6, "\\times", 0.3), _alts("\\times", 0.95, "x", 0.05)]
    angle = np.arccos(ALIKE) + 0.05
    assert same_glyphs(labels, scores, alts, _features([1, 0], [np.cos(angle), np.sin(angle)])) == {}
    same = _features([1, 0], [1, 0])
    assert same_glyphs(labels, [0.9, 0.9 + SURER / 2], alts, same) == {}
    # Both ways at once never: only the less sure one moves.
    assert same_glyphs(labels, scores, alts, same) == {0: "\\times"}


def test_a_glyph_more_like_one_of_its_own_reading_stays():
    # z, 2, z: the first z is like the 2, but more like the other z.
    labels, scores = ["z", "2", "z"], [0.6, 0.99, 0.9]
    alts = [_alts("z", 0.6, "2", 0.4), _alts("2", 0.99), _alts("z", 0.9, "2", 0.1)]
    feats = _features([1, 0.1, 0], [1, 0.3, 0], [1, 0.05, 0])
    assert same_glyphs(labels, scores, alts, feats) == {}


def test_the_users_word_neither_changes_nor_lends():
    labels, scores = ["s", "S"], [0.6, 0.99]
    alts = [_alts("s", 0.6, "S", 0.4), _alts("S", 0.99, "s", 0.01)]
    feats = _features([1, 0], [1, 0])
    assert same_glyphs(labels, scores, alts, feats, keep={0}) == {}
    assert same_glyphs(labels, scores, alts, feats, keep={1}) == {}


def test_only_symbols_that_could_be_read_as_another_are_compared():
    assert not may_settle(["a", "+"], [_alts("a", 0.9, "d", 0.1), _alts("+", 0.9, "t", 0.1)])
    assert may_settle(["t", "+"], [_alts("t", 0.89, "+", 0.11), _alts("+", 0.99)])
    assert same_glyphs(["x"], [0.5], [_alts("x", 0.5, "y", 0.5)], _features([1, 0])) == {}


@requires_dev
def test_the_recognizer_reads_a_writers_crosses_and_bars_alike():
    """Two dev files the rule reads right: a × read x beside the writer's other crosses
    (519_em_451), a | read 1 beside their other bars (518_em_437); off, as before. The line
    (row_context.py) settles 519_em_451's × between two digits too, so it is off with it."""
    from model.io.ink import read_inkml
    from model.recognition.recognize import Recognizer
    rec = Recognizer(threads=1)
    for name, right in (("519_em_451.inkml", "x=2\\times3\\times5\\times\\cdots\\times n"),
                        ("518_em_437.inkml", "|x+y|\\leq|x|+|y|")):
        strokes = read_inkml(DEV / "CROHME2014_test" / name).strokes()
        assert rec.recognize(strokes, heatmap=False).latex == right
        rec.use_glyphs = rec.use_row_context = False
        rec.clear_caches()
        assert rec.recognize(strokes, heatmap=False).latex != right
        rec.use_glyphs = rec.use_row_context = True
        rec.clear_caches()


def test_two_crops_read_alike_down_to_their_unlikely_classes_are_alike():
    # Both lead with t, but one gives + its next share and the other gives f.
    plus_like = [0.80, 0.19, 0.0001, 0.0099]
    t_like = [0.80, 0.0001, 0.19, 0.0099]
    f = likeness_features([plus_like, plus_like, t_like])
    f = f / np.linalg.norm(f, axis=1, keepdims=True)
    assert f[0] @ f[1] > 0.99
    assert f[0] @ f[2] < ALIKE
