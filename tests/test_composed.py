"""Issue 41's eight expressions composed of one dev writer's glyphs (model/evaluation/composed.py):
the ink the real-window check writes with the mouse, read here without the window."""
import numpy as np
import pytest

from model.evaluation import composed
from tests.shared_data import DEV, requires_dev


@pytest.fixture(scope="module")
def symbols():
    return composed.writers(DEV)


@requires_dev
def test_same_seed_same_ink(symbols):
    a, b = composed.compose(symbols, 0), composed.compose(symbols, 0)
    assert [e["name"] for e in a] == [name for name, *_ in composed.EXPRESSIONS]
    for x, y in zip(a, b):
        assert x["writer"] == y["writer"] and len(x["strokes"]) == len(y["strokes"])
        assert all(np.array_equal(s, t) for s, t in zip(x["strokes"], y["strokes"]))
    other = composed.compose(symbols, 1)
    assert any(x["writer"] != y["writer"] for x, y in zip(a, other))


@requires_dev
def test_each_written_by_one_writer_who_has_its_symbols(symbols):
    for (name, _, needs, _), e in zip(composed.EXPRESSIONS, composed.compose(symbols, 0)):
        assert e["writer"] is not None, name
        assert all(symbols[e["writer"]].get(lab) for lab in needs), name
        pts = np.vstack(e["strokes"])
        # At a hand's size: a few writing scales tall, wider than tall for the one-liners.
        assert 1.0 * composed.PIXELS < np.ptp(pts[:, 1]) < 12 * composed.PIXELS, name


@requires_dev
def test_the_eight_read_right(symbols):
    from model.recognition.recognize import Recognizer
    rec = Recognizer()
    wrong = []
    for e in composed.compose(symbols, 0):
        got = rec.recognize(e["strokes"], heatmap=False).latex
        rec.clear_caches()
        if not composed.same(got, e["truth"]):
            wrong.append((e["name"], got, e["truth"]))
    assert not wrong


def test_same_ignores_spaces_only():
    assert composed.same("\\frac{4}{ \\sqrt{7}}", "\\frac{4}{\\sqrt{7}}")
    assert not composed.same("\\frac{4}{\\pi}", "\\frac{4}{\\sqrt{7}}")


@requires_dev
def test_a_grids_delimiters_are_symbols_the_user_can_correct(symbols):
    """The bmatrix's brackets come back as symbols (boxed and tagged in the window, with the
    delimiter classes their squashed readings gave as alternatives), and the user's word on
    the left one decides the environment."""
    from model.recognition.recognize import Recognizer
    rec = Recognizer()
    e = next(e for e in composed.compose(symbols, 0) if e["name"] == "bmatrix")
    r = rec.recognize(e["strokes"], heatmap=False)
    assert r.latex.startswith("\\begin{bmatrix}"), r.latex
    brackets = [s for s in r.symbols if s.label in ("[", "]")]
    assert [s.label for s in brackets] == ["[", "]"]
    left, right = brackets
    assert left.box[2] < right.box[0]
    assert all(0.0 <= p <= 1.0 for s in brackets for _, p in s.alternatives)
    # Every stroke is in exactly one symbol: the cells' and the brackets'.
    held = sorted(i for s in r.symbols for i in s.strokes)
    assert held == list(range(len(e["strokes"])))
    rec.clear_caches()
    said = rec.recognize(e["strokes"], heatmap=False, labels={tuple(left.strokes): "("})
    assert said.latex.startswith("\\begin{pmatrix}"), said.latex
    assert [s.label for s in said.symbols if s.label in "()[]"] == ["(", ")"]
    # The word on one side outweighs the other side's reading, however sure.
    said = rec.recognize(e["strokes"], heatmap=False, labels={tuple(right.strokes): "|"})
    assert said.latex.startswith("\\begin{vmatrix}"), said.latex
    # A word that the bracket is no delimiter at all leaves no grid.
    said = rec.recognize(e["strokes"], heatmap=False, labels={tuple(left.strokes): "1"})
    assert "\\begin{" not in said.latex, said.latex
