"""The user's constraints reach detection: forced stroke groups and forced labels."""
import pytest

from model.io.ink import read_inkml
from model.recognition.recognize import DEFAULT_MODEL, InputError, Recognizer, constraints

from .test_app import SAMPLE


@pytest.fixture(scope="module")
def rec():
    return Recognizer(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def strokes():
    return read_inkml(SAMPLE).strokes()


def claimed(result):
    return sorted(i for s in result.symbols for i in s.strokes)


def test_a_forced_group_is_one_symbol_even_across_symbols(rec, strokes):
    free = rec.recognize(strokes, heatmap=False)
    assert len(free.symbols) >= 3
    # Two strokes the detector put in different symbols, and not adjacent in writing order.
    a, b = free.symbols[0].strokes[0], free.symbols[-1].strokes[-1]
    forced = rec.recognize(strokes, heatmap=False, groups=[[a, b]])
    assert [a, b] in [s.strokes for s in forced.symbols]
    assert claimed(forced) == list(range(len(strokes)))  # every other stroke still in one symbol


def test_a_forced_label_is_read_and_laid_out(rec, strokes):
    free = rec.recognize(strokes, heatmap=False)
    sym = free.symbols[0]
    label = "\\Delta" if sym.label != "\\Delta" else "\\pi"
    forced = rec.recognize(strokes, heatmap=False, labels={tuple(sym.strokes): label})
    got = {tuple(s.strokes): s for s in forced.symbols}[tuple(sym.strokes)]
    assert got.label == label and got.alternatives[0][0] == label
    assert forced.latex.startswith(label) and forced.latex != free.latex
    assert claimed(forced) == list(range(len(strokes)))


def test_constraints_are_checked():
    classes = ["x", "y", "<bg>"]
    with pytest.raises(InputError, match="unknown symbol class"):
        constraints([], {(0,): "\\nosuch"}, classes)
    with pytest.raises(InputError):
        constraints([], {(0,): "<bg>"}, classes)
    # A later constraint that shares a stroke replaces the earlier one; empty groups are dropped.
    assert constraints([[0, 1], [], [2]], {(1, 3): "x"}, classes) == {(2,): None, (1, 3): "x"}
