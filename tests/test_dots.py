"""Dots and small marks (issue 36): how the evaluation counts them."""
from __future__ import annotations

from collections import Counter

import pytest

from model.evaluation.evaluate import class_counts, class_figures

from .shared_data import DEV, requires_dev


def test_class_counts_follow_an_i_read_as_a_stem_and_a_prime():
    stem, dot, x = frozenset({0}), frozenset({1}), frozenset({2})
    truth = Counter({("i", stem | dot): 1, ("x", x): 1})
    read = Counter({("1", stem): 1, ("\\prime", dot): 1, ("x", x): 1})
    counts = class_counts(read, truth)
    figures = class_figures(counts, Counter({("i", "split"): 1}))
    assert figures["i"] == {"truth": 1, "right": 0, "recall": 0.0, "read": 0, "precision": 0.0,
                            "read_as": [], "split": 1, "merged": 0, "mixed": 0}
    assert figures["\\prime"]["read"] == 1 and figures["\\prime"]["precision"] == 0.0
    assert figures["1"]["truth"] == 0 and figures["1"]["read"] == 1
    # Read whole but as another class: counted where it went.
    counts = class_counts(Counter({("j", stem | dot): 1}), truth)
    assert class_figures(counts, Counter())["i"]["read_as"] == [["j", 1]]
    right = class_counts(truth, truth)
    assert class_figures(right, Counter())["i"]["recall"] == 1.0


# Hand-placed symbols, y downward, x-height about 10 (as tests/test_layout.py).
def _sym(label, box, strokes, score=0.9, alternatives=None):
    from model.recognition.result import Symbol
    return Symbol(label, score, box, strokes, alternatives or [(label, score)])


def _mark(label, stroke, box):
    """A symbol of one stroke, as sure as the tests' other symbols."""
    return _sym(label, box, [stroke])


def _e_to_the_i_pi(dot_label="\\prime"):
    """e^{iπ}: a small superscript stem read as 1 and its dot read apart."""
    return [_sym("e", (0, 10, 10, 20), [0]),
            _sym("1", (12, 4, 13.5, 10), [1], 0.8, [("1", 0.8), ("i", 0.1), ("l", 0.05)]),
            _sym(dot_label, (12, 0.5, 13.5, 2), [2], 0.6, [(dot_label, 0.6), (",", 0.2)]),
            _sym("\\pi", (15, 4, 21, 9), [3])]


def test_a_dot_above_a_short_stem_is_the_dot_of_an_i():
    from model.recognition.marks import read_marks
    for dot in ("\\prime", ".", "0"):
        symbols, index, made = read_marks(_e_to_the_i_pi(dot))
        assert [(s.label, s.strokes) for s in symbols] == [("e", [0]), ("i", [1, 2]), ("\\pi", [3])]
        assert index == [0, 1, 1, 2] and made == {1}
        assert symbols[1].box == (12, 0.5, 13.5, 10)
        assert [a for a, _ in symbols[1].alternatives][:2] == ["i", "1"]   # the menu still has 1


def test_the_whole_reading_of_e_to_the_i_pi():
    from model.recognition.layout.joint import assemble_joint
    expr, symbols = assemble_joint(_e_to_the_i_pi())
    assert "'" not in expr.latex and "1" not in expr.latex
    assert expr.latex.startswith("e^{i") and [s.label for s in symbols] == ["e", "i", "\\pi"]


def test_a_mark_is_a_dot_only_where_and_when_an_i_has_its_dot():
    from model.recognition.marks import read_marks
    stem = _sym("1", (0, 0, 2, 20), [0])
    beside = _sym(".", (4, 18, 5, 19), [1])                     # 1.5: a decimal point, on the line
    assert [s.label for s in read_marks([stem, beside])[0]] == ["1", "."]
    later = [stem, _sym("x", (30, 5, 40, 20), [1]), _sym(".", (0.5, -5, 1.5, -4), [2])]
    assert [s.label for s in read_marks(later)[0]] == ["1", "x", "."]   # not written with the stem
    big = [stem, _sym("0", (-6, -16, 8, -2), [1])]              # a 0 near as big as the stem
    assert [s.label for s in read_marks(big)[0]] == ["1", "0"]
    kept = _e_to_the_i_pi()
    assert [s.label for s in read_marks(kept, keep={2})[0]] == ["e", "1", "\\prime", "\\pi"]
    j = _e_to_the_i_pi()
    j[1] = _sym("j", (12, 4, 14, 14), [1])
    assert read_marks(j)[0][1].label == "j"


def test_a_prime_sits_beside_the_top_of_its_base():
    from model.recognition.marks import read_marks
    f = _sym("f", (0, 0, 8, 20), [0])
    prime = _sym("\\prime", (9, 0, 10, 5), [1], 0.9, [("\\prime", 0.9), ("1", 0.05)])
    assert [s.label for s in read_marks([f, prime])[0]] == ["f", "\\prime"]     # f'
    low = _sym("\\prime", (9, 14, 10, 22), [1], 0.7, [("\\prime", 0.7), ("1", 0.2), (",", 0.1)])
    symbols, _, made = read_marks([f, low])                                      # f_1
    assert [(s.label, s.score) for s in symbols] == [("f", 0.9), ("1", 0.2)] and made == {1}


def test_a_closing_brace_with_none_open_reads_as_its_other_reading():
    """A tall 3 closing a case's condition (y <= 3) read as a closing brace: none is open left
    of it, so it is its next reading; a brace that closes one opened before it stays."""
    from model.recognition.marks import read_marks
    from model.recognition.result import Symbol

    def sym(label, x, alternatives):
        return Symbol(label, alternatives[0][1], (x, 0.0, x + 10.0, 20.0), [int(x)], alternatives)
    y, leq = sym("y", 0, [("y", 0.98)]), sym("\\leq", 12, [("\\leq", 1.0)])
    three = sym("\\}", 24, [("\\}", 0.92), ("3", 0.06), (")", 0.01)])
    assert [s.label for s in read_marks([y, leq, three])[0]] == ["y", "\\leq", "3"]
    assert [s.label for s in read_marks([y, leq, three], keep={2})[0]] == ["y", "\\leq", "\\}"]
    opened = sym("\\{", -12, [("\\{", 0.9), ("(", 0.05)])
    assert [s.label for s in read_marks([opened, y, leq, three])[0]] == ["\\{", "y", "\\leq", "\\}"]


def test_a_bar_drawn_in_pieces_end_to_end_is_one_bar():
    """A fraction bar drawn again at its end (formulaire013: three strokes) is one `-`; a minus
    at another height, and strokes that overlap more than half (an = drawn as two minus
    signs), stay apart."""
    from model.recognition.marks import read_marks
    x = _mark("x", 0, (0, 0, 10, 10))
    bar = _mark("-", 1, (0, 14, 60, 15))
    minus = _mark("-", 2, (30, 4, 36, 5))         # inside the numerator, above the bar
    more = _mark("-", 3, (58, 15, 72, 16))        # the bar drawn on
    last = _mark("-", 4, (70, 14, 80, 15))
    out, index, made = read_marks([x, bar, minus, more, last])
    assert [s.label for s in out] == ["x", "-", "-"]
    assert out[1].strokes == [1, 3, 4] and out[1].box == (0, 14, 80, 16)
    assert index == [0, 1, 2, 1, 1] and made == {1}
    # Two strokes one over the other, overlapping all along, are no bar's pieces: an = .
    upper, lower = _mark("-", 1, (0, 10, 20, 11)), _mark("-", 2, (2, 13, 21, 14))
    assert [s.label for s in read_marks([x, upper, lower])[0]] == ["x", "="]


def test_a_minus_before_a_fraction_is_no_piece_of_its_bar():
    """-4/sqrt(7): the minus at the bar's height, a little left of it, stays a minus."""
    from model.recognition.marks import read_marks
    minus, four = _mark("-", 0, (0, 24, 10, 25)), _mark("4", 1, (16, 0, 26, 20))
    bar, seven = _mark("-", 2, (12, 24, 40, 25)), _mark("7", 3, (20, 28, 30, 48))
    assert [s.label for s in read_marks([minus, four, bar, seven])[0]] == ["-", "4", "-", "7"]


def test_a_sums_top_bar_drawn_apart_joins_the_sum():
    """MfrDB1516's two sums: each top bar is a stroke of its own, written just before the sum,
    on its top. A minus written elsewhere, or above the sum with room between (a fraction bar
    over it), stays a minus."""
    from model.recognition.marks import read_marks
    from model.recognition.result import Symbol

    def sym(label, strokes, box):
        return Symbol(label, 0.9, box, strokes, [(label, 0.9)])
    upper = sym("M", [0], (324, 131, 382, 194))
    top = sym("-", [1], (311, 219, 407, 227))
    total = sym("\\sum", [2, 3], (307, 238, 420, 374))
    out, index, made = read_marks([upper, top, total])
    assert [s.label for s in out] == ["M", "\\sum"]
    assert out[1].strokes == [1, 2, 3] and out[1].box == (307, 219, 420, 374)
    assert index == [0, 1, 1] and made == {1}
    # The same bar written after the limit, not next to the sum's strokes: a minus.
    late = sym("-", [9], (311, 219, 407, 227))
    assert [s.label for s in read_marks([upper, total, late])[0]] == ["M", "\\sum", "-"]
    # A bar a fifth of the sum's height above it: a fraction's.
    high = sym("-", [1], (300, 200, 420, 205))
    assert [s.label for s in read_marks([upper, high, total])[0]] == ["M", "-", "\\sum"]
    # A bar wider than the sum: no top of it.
    wide = sym("-", [1], (280, 228, 450, 234))
    assert [s.label for s in read_marks([upper, wide, total])[0]] == ["M", "-", "\\sum"]


def test_dots_in_a_row_are_one_ellipsis():
    """x_1, ..., x_n with its three dots read apart (as `.`, a small `0`, a tap): one `\\ldots`
    of their strokes; the commas either side stay the list's. Two dots, dots written apart in
    time, dots at two heights, and the small 0s of a "0.0" are no ellipsis."""
    from model.recognition.marks import read_marks
    from model.recognition.result import Symbol

    x1, c1 = _mark("x", 0, (0, 0, 10, 20)), _mark(",", 1, (12, 18, 14, 24))
    dots = [_mark(".", 2, (18, 18, 19, 19)), _mark("0", 3, (25, 17, 27, 19)), _mark(".", 4, (32, 18, 32, 18))]
    c2, xn = _mark(",", 5, (36, 18, 38, 24)), _mark("x", 6, (42, 0, 52, 20))
    out, index, made = read_marks([x1, c1] + dots + [c2, xn])
    assert [s.label for s in out] == ["x", ",", "\\ldots", ",", "x"]
    assert out[2].strokes == [2, 3, 4] and out[2].box == (18, 17, 32, 19)
    assert index == [0, 1, 2, 2, 2, 3, 4] and made == {2}
    # A \ldots read from two of the dots takes the third.
    two = Symbol("\\ldots", 0.8, (18, 17, 27, 19), [2, 3], [("\\ldots", 0.8)])
    out = read_marks([x1, c1, two, dots[2], c2, xn])[0]
    assert [s.label for s in out] == ["x", ",", "\\ldots", ",", "x"] and out[2].strokes == [2, 3, 4]
    # Two dots only.
    assert [s.label for s in read_marks([x1] + dots[:2] + [xn])[0]] == ["x", ".", "0", "x"]
    # The last dot written later, after the x.
    late = _mark(".", 9, (32, 18, 32, 18))
    assert "\\ldots" not in [s.label for s in read_marks([x1] + dots[:2] + [xn, late])[0]]
    # The middle dot raised to the x's middle.
    high = _mark(".", 3, (25, 9, 26, 10))
    assert "\\ldots" not in [s.label for s in read_marks([x1, dots[0], high, dots[2], xn])[0]]
    # 0.0 written small, each 0 dot-sized beside the x's: the point is a third of each 0.
    small = [_mark("0", 1, (12, 14, 16, 20)), _mark(".", 2, (18, 19, 19, 20)), _mark("0", 3, (21, 14, 25, 20))]
    assert [s.label for s in read_marks([x1] + small + [xn, xn])[0]] == ["x", "0", ".", "0", "x", "x"]
    # The user's word on a dot keeps it.
    assert "\\ldots" not in [s.label for s in read_marks([x1, c1] + dots + [c2, xn], keep={3})[0]]


@requires_dev
@pytest.mark.parametrize("name, latex", [("18_em_3", "q_{1},q_{2},\\ldots,q_{m}"),
                                         ("27_em_121", "1-z+z^{2}-z^{3}+z^{4}-z^{5}+\\cdots")])
def test_a_dev_ellipsis_whose_dots_the_network_reads_apart_is_one_symbol(name, latex):
    """The three dots of 18_em_3 read as three `.`, those of 27_em_121 as three small `0`s:
    each an ellipsis now, and the expression reads right."""
    from model.io.ink import read_inkml
    from model.recognition.recognize import Recognizer
    ink = read_inkml(next(DEV.rglob(f"{name}.inkml")))
    result = Recognizer().recognize(ink.strokes(), heatmap=False)
    assert result.latex == latex
    ellipsis = [s for s in result.symbols if s.label == "\\ldots"]
    truth = [sorted(ix) for label, ix in ink.symbol_stroke_indices() if label == "\\ldots"]
    assert [sorted(s.strokes) for s in ellipsis] == truth


def test_two_bars_one_over_the_other_are_an_equals():
    """B+B=B (517_em_411) with the = 's second bar drawn after the last B: the decoder joins
    only strokes written one after another, so it read two minus signs. Bars of very different
    widths, far apart, with a symbol between them (a fraction), or side by side, stay apart."""
    from model.recognition.marks import read_marks

    b1, plus, b2 = _mark("B", 0, (0, 0, 10, 20)), _mark("+", 1, (14, 5, 24, 15)), _mark("B", 2, (28, 0, 38, 20))
    upper, b3, lower = _mark("-", 3, (42, 6, 52, 7)), _mark("B", 4, (56, 0, 66, 20)), _mark("-", 5, (41, 13, 53, 14))
    out, index, made = read_marks([b1, plus, b2, upper, b3, lower])
    assert [s.label for s in out] == ["B", "+", "B", "=", "B"]
    assert out[3].strokes == [3, 5] and out[3].box == (41, 6, 53, 14)
    assert index == [0, 1, 2, 3, 4, 3] and made == {3}
    short = _mark("-", 5, (44, 13, 48, 14))
    assert "=" not in [s.label for s in read_marks([b1, upper, b3, short])[0]]
    far = _mark("-", 5, (41, 22, 53, 23))
    assert "=" not in [s.label for s in read_marks([b1, upper, b3, far])[0]]
    two = _mark("2", 6, (45, 8, 49, 12))
    assert "=" not in [s.label for s in read_marks([b1, upper, two, b3, lower])[0]]
    beside = _mark("-", 5, (60, 13, 70, 14))
    assert "=" not in [s.label for s in read_marks([b1, upper, b3, beside])[0]]


@requires_dev
def test_a_dev_equals_whose_second_bar_came_later_is_one_symbol():
    """517_em_411, B+B=B: the = 's lower bar drawn after the last B."""
    from model.io.ink import read_inkml
    from model.recognition.recognize import Recognizer
    ink = read_inkml(next(DEV.rglob("517_em_411.inkml")))
    result = Recognizer().recognize(ink.strokes(), heatmap=False)
    assert result.latex == "B+B=B"
    truth = [sorted(ix) for label, ix in ink.symbol_stroke_indices() if label == "="]
    assert [sorted(s.strokes) for s in result.symbols if s.label == "="] == truth


def test_a_dot_right_under_a_stem_is_a_factorial():
    """n! with its stem read as a 1 and its dot as a point (RIT_2014_80's `4^{1}.`): the dot
    sits under the stem, where a decimal point after a 1 never does (it sits right of it, on
    the line). A dot written later, one far right, or one as large as a digit stays apart."""
    from model.recognition.marks import read_marks
    n, stem, dot = _mark("n", 0, (0, 10, 12, 22)), _mark("1", 1, (15, 0, 17, 20)), _mark(".", 2, (15, 25, 17, 27))
    out, index, made = read_marks([n, stem, dot])
    assert [(s.label, s.strokes) for s in out] == [("n", [0]), ("!", [1, 2])]
    assert out[1].box == (15, 0, 17, 27) and index == [0, 1, 1] and made == {1}
    point = _mark(".", 2, (19, 19, 20, 20))                    # 1.5: on the line, right of the 1
    assert [s.label for s in read_marks([n, stem, point])[0]] == ["n", "1", "."]
    right = _mark(".", 2, (22, 25, 23, 26))
    assert [s.label for s in read_marks([n, stem, right])[0]] == ["n", "1", "."]
    later = [n, stem, _mark("x", 2, (30, 10, 40, 20)), _mark(".", 3, (15, 25, 17, 27))]
    assert "!" not in [s.label for s in read_marks(later)[0]]
    big = _mark("0", 2, (12, 22, 22, 32))
    assert [s.label for s in read_marks([n, stem, big])[0]] == ["n", "1", "0"]
    assert [s.label for s in read_marks([n, stem, dot], keep={2})[0]] == ["n", "1", "."]


def test_a_bar_across_a_plus_or_a_seven_is_its_bar():
    """20_em_46's d_2+2: the plus's bar drawn again after the 2 read as a minus before it."""
    from model.recognition.marks import read_marks
    plus, two, again = _mark("+", 0, (0, 0, 20, 20)), _mark("2", 1, (25, 0, 35, 20)), _mark("-", 2, (-1, 9, 8, 11))
    out, index, made = read_marks([plus, two, again])
    assert [(s.label, s.strokes) for s in out] == [("+", [0, 2]), ("2", [1])]
    assert index == [0, 1, 0] and made == {0}
    minus = _mark("-", 2, (40, 9, 50, 11))                     # a minus after the 2 is one
    assert [s.label for s in read_marks([plus, two, minus])[0]] == ["+", "2", "-"]
    under = _mark("-", 2, (-5, 22, 60, 24))                    # a fraction bar under it
    assert [s.label for s in read_marks([plus, two, under])[0]] == ["+", "2", "-"]
    # 513_em_317's 7 with its bar drawn after the x beside it; an x has no bar.
    seven, x, bar = _mark("7", 0, (0, 0, 20, 30)), _mark("x", 1, (25, 10, 35, 30)), _mark("-", 2, (4, 14, 16, 16))
    assert [(s.label, s.strokes) for s in read_marks([seven, x, bar])[0]] == [("7", [0, 2]), ("x", [1])]
    assert [s.label for s in read_marks([_mark("x", 0, (0, 0, 20, 30)), x, bar])[0]] == ["x", "x", "-"]


def test_a_plus_over_a_short_bar_is_plus_minus():
    """514_em_345's denominator: ± with its bar drawn after the ∞ beside it. A fraction bar
    under a plus, a bar beside it, or one with a symbol between stays a minus."""
    from model.recognition.marks import read_marks
    plus, inf, bar = _mark("+", 0, (0, 0, 20, 20)), _mark("\\infty", 1, (25, 5, 50, 15)), _mark("-", 2, (-4, 28, 12, 30))
    out, index, made = read_marks([plus, inf, bar])
    assert [(s.label, s.strokes) for s in out] == [("\\pm", [0, 2]), ("\\infty", [1])]
    assert index == [0, 1, 0] and made == {0}
    wide = _mark("-", 2, (-5, 28, 60, 30))
    assert [s.label for s in read_marks([plus, inf, wide])[0]] == ["+", "\\infty", "-"]
    beside = _mark("-", 2, (30, 28, 45, 30))
    assert [s.label for s in read_marks([plus, inf, beside])[0]] == ["+", "\\infty", "-"]
    low = _mark("-", 2, (0, 60, 20, 62))
    assert [s.label for s in read_marks([plus, inf, low])[0]] == ["+", "\\infty", "-"]
    between = [plus, _mark("x", 1, (5, 21, 15, 27)), bar]
    assert [s.label for s in read_marks(between)[0]] == ["+", "x", "-"]


@requires_dev
@pytest.mark.parametrize("name, latex", [("20_em_46.inkml", "\\frac{d_{1}-2}{d_{1}}\\frac{d_{2}}{d_{2}+2}"),
                                         ("514_em_345.inkml", "\\frac{\\pm\\infty}{\\pm\\infty}")])
def test_a_dev_plus_with_a_bar_written_later_is_one_symbol(name, latex):
    from model.io.ink import read_inkml
    from model.recognition.recognize import Recognizer
    ink = read_inkml(next(DEV.rglob(name)))
    result = Recognizer().recognize(ink.strokes(), heatmap=False)
    assert result.latex == latex
    truth = sorted(sorted(ix) for label, ix in ink.symbol_stroke_indices() if label in ("+", "\\pm"))
    assert sorted(sorted(s.strokes) for s in result.symbols if s.label in ("+", "\\pm")) == truth


def test_a_radicals_bar_drawn_last_is_the_radicals():
    """507_em_77: the radical's bar drawn after its radicand, from the radical's right end on,
    at its top. A minus after the radical at the middle, or a fraction bar over it, stays one."""
    from model.recognition.marks import read_marks
    root, x, bar = _mark("\\sqrt", 0, (0, 0, 30, 40)), _mark("x", 1, (20, 15, 40, 35)), _mark("-", 2, (28, 1, 45, 3))
    out, index, made = read_marks([root, x, bar])
    assert [(s.label, s.strokes) for s in out] == [("\\sqrt", [0, 2]), ("x", [1])]
    assert out[0].box == (0, 0, 45, 40) and index == [0, 1, 0] and made == {0}
    minus = _mark("-", 2, (45, 19, 60, 21))
    assert [s.label for s in read_marks([root, x, minus])[0]] == ["\\sqrt", "x", "-"]
    over = _mark("-", 2, (-5, -20, 50, -18))
    assert [s.label for s in read_marks([root, x, over])[0]] == ["\\sqrt", "x", "-"]


@requires_dev
def test_a_dev_radical_with_its_bar_drawn_last_is_one_symbol():
    from model.io.ink import read_inkml
    from model.recognition.recognize import Recognizer
    ink = read_inkml(next(DEV.rglob("507_em_77.inkml")))
    result = Recognizer().recognize(ink.strokes(), heatmap=False)
    truth = sorted(sorted(ix) for label, ix in ink.symbol_stroke_indices() if label == "\\sqrt")
    assert sorted(sorted(s.strokes) for s in result.symbols if s.label == "\\sqrt") == truth


def test_the_marks_rules_can_be_left_out_to_measure_them():
    """`evaluate expressions --no-marks`: the stem and its dot stay two symbols."""
    from model.recognition.layout.joint import assemble_joint
    _, joined = assemble_joint(_e_to_the_i_pi())
    _, apart = assemble_joint(_e_to_the_i_pi(), marks=False)
    assert [s.label for s in joined] == ["e", "i", "\\pi"]
    assert [s.label for s in apart][:2] == ["e", "1"] and len(apart) == 4


@requires_dev
def test_a_recognizer_without_the_marks_rules_reads_the_later_bar_apart():
    from model.io.ink import read_inkml
    from model.recognition.recognize import Recognizer
    ink = read_inkml(next(DEV.rglob("514_em_345.inkml")))
    rec = Recognizer()
    assert rec.recognize(ink.strokes(), heatmap=False).latex.count("\\pm") == 2
    rec.use_marks = False
    assert rec.recognize(ink.strokes(), heatmap=False).latex.count("\\pm") == 1


def test_two_ones_around_letters_are_the_bars_of_an_absolute_value():
    """509_em_93's |S| and RIT_2014_45's |A| came back as 1s1 and 1A1: two strokes read as 1,
    with | among their readings, level and about as tall, around letters. Around digits, an
    operator, or something taller than they are, they stay 1s; subscript 1s around a letter too."""
    from model.recognition.marks import read_marks

    def one(stroke, box, bar=0.1):
        return _sym("1", box, [stroke], 0.9, [("1", 0.9), ("|", bar)] if bar else [("1", 0.9)])

    def labels(symbols):
        return [s.label for s in read_marks(symbols)[0]]

    left, right = one(0, (0, 0, 2, 30)), one(3, (30, 1, 32, 31))
    a, n = _mark("a", 1, (6, 10, 18, 22)), _mark("n", 2, (19, 20, 25, 26))
    out, index, made = read_marks([left, a, n, right])
    assert [s.label for s in out] == ["|", "a", "n", "|"] and made == {0, 3}
    assert out[0].score == 0.1 and index == [0, 1, 2, 3]
    assert labels([left, _mark("5", 1, (6, 4, 18, 28)), right]) == ["1", "5", "1"]  # 151
    assert labels([left, _mark("x", 1, (4, 10, 12, 20)), _mark("+", 2, (13, 10, 18, 20)),
                   _mark("y", 4, (20, 10, 28, 24)), right]) == ["1", "x", "+", "y", "1"]
    assert labels([left, _mark("A", 1, (6, -10, 24, 36)), right]) == ["1", "A", "1"]
    assert labels([left, a, one(3, (30, 1, 32, 31), bar=0)]) == ["1", "a", "1"]
    # 1x10^2 (519_em_443: 1 × 10): the second 1 is a number's, a 0 right against it.
    assert labels([left, _mark("x", 1, (6, 10, 18, 22)), right, _mark("0", 4, (34, 2, 46, 30))]) \
        == ["1", "x", "1", "0"]
    # x_1 y_1: the subscript 1s are shorter than the y between them.
    assert labels([_mark("x", 0, (0, 0, 10, 10)), one(1, (11, 8, 12, 15)), _mark("y", 2, (14, 0, 22, 14)),
                   one(3, (23, 8, 24, 15))]) == ["x", "1", "y", "1"]


@requires_dev
@pytest.mark.parametrize("name", ["509_em_93.inkml", "RIT_2014_45.inkml"])
def test_a_dev_absolute_value_read_as_ones_is_read_with_bars(name):
    # |S| and |A|: the bars come back as bars (509_em_93's S is still read as a small s).
    from model.io.ink import read_inkml
    from model.recognition.recognize import Recognizer
    ink = read_inkml(next(DEV.rglob(name)))
    result = Recognizer().recognize(ink.strokes(), heatmap=False)
    truth = sorted(sorted(ix) for label, ix in ink.symbol_stroke_indices() if label == "|")
    assert len(truth) == 2
    assert sorted(sorted(s.strokes) for s in result.symbols if s.label == "|") == truth
    assert result.latex.startswith("|") and result.latex.endswith("|")


def test_a_flat_bar_at_a_ones_foot_is_its_serif():
    """515_em_355's 1s came back as 1 and -: a flat bar written right after a 1, at its foot and
    under its middle, is its base serif. A 1 over a short fraction bar has its denominator right
    under the bar; a minus after a 1 at its middle, or written later, stays a minus."""
    from model.recognition.marks import read_marks
    one, serif = _mark("1", 0, (10, 0, 13, 30)), _mark("-", 1, (5, 29, 19, 31))
    out, index, made = read_marks([one, serif])
    assert [(s.label, s.strokes) for s in out] == [("1", [0, 1])] and index == [0, 0] and made == {0}
    # \\frac{1}{2}: the same bar with a 2 under it.
    assert [s.label for s in read_marks([one, serif, _mark("2", 2, (6, 38, 18, 60))])[0]] == ["1", "-", "2"]
    # \\frac{1-}{-1}'s numerator: its own fraction bar comes first under the serif.
    numerator = [one, serif, _mark("-", 2, (0, 40, 40, 42)), _mark("1", 3, (18, 48, 21, 70))]
    assert [s.label for s in read_marks(numerator)[0]] == ["1", "-", "1"]
    assert [s.label for s in read_marks([one, _mark("-", 1, (18, 14, 30, 16))])[0]] == ["1", "-"]
    later = [one, _mark("x", 1, (25, 10, 35, 30)), _mark("-", 2, (5, 29, 19, 31))]
    assert [s.label for s in read_marks(later)[0]] == ["1", "x", "-"]
    # n_{k-1}: a minus written before the 1, low beside a small 1, is the subscript's.
    before = [_mark("-", 0, (5, 29, 19, 31)), _mark("1", 1, (10, 0, 13, 30))]
    assert [s.label for s in read_marks(before)[0]] == ["-", "1"]
