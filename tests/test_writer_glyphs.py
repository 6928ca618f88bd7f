"""A look-alike settled by the writer's own glyph of the other reading (writer_glyphs.py)."""
import numpy as np

from model.recognition.writer_glyphs import ALIKE, SURER, may_settle, same_glyphs

from .shared_data import DEV, requires_dev


def _features(*rows):
    return np.array(rows, dtype=float)


def test_a_glyph_drawn_as_the_writers_surer_glyph_takes_its_label():
    # 2 x 3 and 4 × 5: the writer's two crosses look the same; one read x at 0.55.
    labels = ["2", "x", "3", "4", "\\times", "5"]
    scores = [0.99, 0.55, 0.99, 0.99, 0.95, 0.99]
    feats = _features([1, 0, 0, 0], [0, 1, 0.05, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0], [0.5, 0, 0, 1])
    assert same_glyphs(labels, scores, feats) == {1: "\\times"}


def test_no_change_where_the_glyphs_differ_or_neither_is_surer():
    labels, scores = ["x", "\\times"], [0.6, 0.95]
    unlike = _features([1, 0], [np.cos(np.arccos(ALIKE) + 0.05), np.sin(np.arccos(ALIKE) + 0.05)])
    assert same_glyphs(labels, scores, unlike) == {}
    same = _features([1, 0], [1, 0])
    assert same_glyphs(labels, [0.9, 0.9 + SURER / 2], same) == {}
    # Both ways at once never: only the less sure one moves.
    assert same_glyphs(labels, scores, same) == {0: "\\times"}


def test_a_glyph_more_like_one_of_its_own_reading_stays():
    # z, 2, z: the first z is like the 2, but more like the other z.
    labels, scores = ["z", "2", "z"], [0.6, 0.99, 0.9]
    feats = _features([1, 0.1, 0], [1, 0.3, 0], [1, 0.05, 0])
    assert same_glyphs(labels, scores, feats) == {}


def test_the_users_word_neither_changes_nor_lends():
    labels, scores = ["s", "S"], [0.6, 0.99]
    feats = _features([1, 0], [1, 0])
    assert same_glyphs(labels, scores, feats, keep={0}) == {}
    assert same_glyphs(labels, scores, feats, keep={1}) == {}


def test_only_look_alike_pairs_are_compared():
    assert not may_settle(["a", "b", "+", "="])
    assert may_settle(["a", "+", "t"])
    assert same_glyphs(["a", "d"], [0.5, 0.99], _features([1, 0], [1, 0])) == {}
    assert same_glyphs(["x"], [0.5], _features([1, 0])) == {}


@requires_dev
def test_the_recognizer_reads_a_writers_crosses_and_bars_alike():
    """Two dev files the rule reads right: a × read x beside the writer's other crosses
    (519_em_451), a | read 1 beside their other bars (518_em_437); off, as before."""
    from model.io.ink import read_inkml
    from model.recognition.recognize import Recognizer
    rec = Recognizer(threads=1)
    for name, right in (("519_em_451.inkml", "x=2\\times3\\times5\\times\\ldots\\times n"),
                        ("518_em_437.inkml", "|x+y|\\leq|x|+|y|")):
        strokes = read_inkml(DEV / "CROHME2014_test" / name).strokes()
        assert rec.recognize(strokes, heatmap=False).latex == right
        rec.use_glyphs = False
        rec.clear_caches()
        assert rec.recognize(strokes, heatmap=False).latex != right
        rec.use_glyphs = True
        rec.clear_caches()
