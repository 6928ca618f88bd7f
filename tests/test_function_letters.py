"""A function's name read as its letters (function_letters.py)."""
from model.recognition.function_letters import function_words
from model.recognition.marks import read_marks
from model.recognition.result import Symbol

from .shared_data import DEV, requires_dev


def _sym(label, stroke, box, alternatives=None):
    strokes = stroke if isinstance(stroke, list) else [stroke]
    return Symbol(label, 0.9, box, strokes, alternatives or [(label, 0.9)])


def _sin_x(s="s", s_alternatives=None, i_box=(12, 2, 15, 20), n_stroke=3):
    return [_sym(s, 0, (0, 8, 10, 20), s_alternatives), _sym("i", [1, 2], i_box),
            _sym("n", n_stroke, (18, 8, 28, 20)), _sym("x", 4, (32, 8, 42, 20))]


def test_letters_in_a_row_that_spell_a_function_are_the_function():
    """sin x written with its letters apart; with a capital S (the letters in either case); cos
    with its o read as a 0 that might be an o."""
    out, index, made = read_marks(_sin_x())
    assert [s.label for s in out] == ["\\sin", "x"]
    assert out[0].strokes == [0, 1, 2, 3] and out[0].box == (0, 2, 28, 20)
    assert index == [0, 0, 0, 1] and made == {0}
    capital = _sin_x("S", [("S", 0.99), ("5", 0.01)])
    assert [s.label for s in read_marks(capital)[0]] == ["\\sin", "x"]
    cos = [_sym("c", 0, (0, 8, 10, 20)), _sym("0", 1, (12, 8, 22, 20), [("0", 0.9), ("o", 0.08)]),
           _sym("s", 2, (24, 8, 34, 20))]
    assert [s.label for s in read_marks(cos)[0]] == ["\\cos"]
    # Its c written as a bracket and its o read as a 6 (RIT_2014_188's `(6sy`).
    bracket = [_sym("(", 0, (0, 8, 10, 20)), _sym("6", 1, (12, 8, 22, 20)), _sym("s", 2, (24, 8, 34, 20))]
    assert [s.label for s in read_marks(bracket)[0]] == ["\\cos"]
    # A bracket, a 0 and an s written apart in time are no cos.
    late = [bracket[0], _sym("0", 1, (12, 8, 22, 20)), _sym("s", 5, (24, 8, 34, 20))]
    assert "\\cos" not in [s.label for s in read_marks(late)[0]]


def test_letters_that_do_not_spell_it_in_a_row_stay_letters():
    # An a that is an s only at 0.01: "ain".
    assert "\\sin" not in [s.label for s in read_marks(_sin_x("a", [("a", 0.99), ("s", 0.01)]))[0]]
    # The n written later (after the x).
    assert "\\sin" not in [s.label for s in read_marks(_sin_x(n_stroke=9))[0]]
    # The i a subscript of the s, below its line.
    assert "\\sin" not in [s.label for s in read_marks(_sin_x(i_box=(11, 18, 14, 30)))[0]]
    # The user's word on a letter keeps it.
    assert function_words(_sin_x(), keep={1}) == {}


@requires_dev
def test_a_dev_sine_written_as_letters_reads_as_the_function():
    """515_em_364: `Sin x - \\sin y`, its first S a capital read with an s among its readings."""
    from model.io.ink import read_inkml
    from model.recognition.recognize import Recognizer
    ink = read_inkml(next(DEV.rglob("515_em_364.inkml")))
    assert Recognizer().recognize(ink.strokes(), heatmap=False).latex == (
        "\\sin x-\\sin y=2\\cos(\\frac{x+y}{2})")


@requires_dev
def test_a_dev_cosine_with_its_c_read_as_a_bracket_reads_as_the_function():
    """29_em_167: its third cos was read `(0s`."""
    from model.io.ink import read_inkml
    from model.recognition.recognize import Recognizer
    ink = read_inkml(next(DEV.rglob("29_em_167.inkml")))
    assert Recognizer().recognize(ink.strokes(), heatmap=False).latex == (
        "\\cos(nx)=2\\cos(x)\\cos[(n-1)x]-\\cos[(n-2)x]")
