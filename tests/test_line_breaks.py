"""A break between lines is a reading decision (issue 41): the geometry proposes a band, and the
one-line reading of the two lines keeps them one line where it lays the band out."""
import numpy as np
import pytest

from model.recognition.multiline import may_lay_across, one_line_across, read_alone
from model.recognition.result import LayoutNode, Recognition, Symbol

from .shared_data import CROHME, DEV, requires_dev


def _sym(label, strokes, box=(0.0, 0.0, 10.0, 10.0), alternatives=None):
    return Symbol(label, 0.9, box, list(strokes), alternatives or [(label, 0.9)])


def _leaf(label, k, **rels):
    return LayoutNode(label, symbol=k, rels=dict(rels))


def test_a_fraction_parted_at_its_bar_is_one_line():
    # "4" above the band; the bar and the 7 below it: the fraction lays the band out.
    syms = [_sym("4", [0]), _sym("-", [1]), _sym("7", [2])]
    tree = [LayoutNode("frac", "frac", {"num": [_leaf("4", 0)], "den": [_leaf("7", 2)]}, symbol=1)]
    assert one_line_across(Recognition(syms, "", "", tree=tree), {0}, {1, 2})


def test_two_lines_crammed_into_one_fraction_keep_their_break():
    # a/b over x: the one-line reading puts x in the denominator beside b, a line-1 symbol.
    syms = [_sym("a", [0]), _sym("-", [1]), _sym("b", [2]), _sym("x", [3])]
    tree = [LayoutNode("frac", "frac", {"num": [_leaf("a", 0)], "den": [_leaf("b", 2), _leaf("x", 3)]},
                       symbol=1)]
    assert not one_line_across(Recognition(syms, "", "", tree=tree), {0, 1, 2}, {3})


def test_limits_under_a_sum_are_one_line_and_a_line_beside_them_is_not():
    # \sum x with i=1 under the sum, the band between them.
    syms = [_sym("\\sum", [0]), _sym("x", [1]), _sym("i", [2]), _sym("=", [3]), _sym("1", [4])]
    limits = [_leaf("i", 2), _leaf("=", 3), _leaf("1", 4)]
    tree = [_leaf("\\sum", 0, below=limits), _leaf("x", 1)]
    assert one_line_across(Recognition(syms, "", "", tree=tree), {0, 1}, {2, 3, 4})
    # The same, with a fourth symbol below the band that the limits do not hold: a second line
    # that the one-line reading only partly hung under the sum.
    syms.append(_sym("y", [5]))
    tree = [_leaf("\\sum", 0, below=limits), _leaf("x", 1), _leaf("y", 5)]
    assert not one_line_across(Recognition(syms, "", "", tree=tree), {0, 1}, {2, 3, 4, 5})


def test_a_lines_limits_and_denominators_together_hold_the_line_below():
    # \lim_{x->1} (x+1)/2: the band under the lim and the bar has the limits and the
    # denominator below it, each held by a symbol of the line above.
    syms = [_sym("\\lim", [0]), _sym("x", [1]), _sym("-", [2]), _sym("x", [3]), _sym("\\rightarrow", [4]),
            _sym("1", [5]), _sym("2", [6])]
    frac = LayoutNode("frac", "frac", {"num": [_leaf("x", 1)], "den": [_leaf("2", 6)]}, symbol=2)
    tree = [_leaf("\\lim", 0, sub=[_leaf("x", 3), _leaf("\\rightarrow", 4), _leaf("1", 5)]), frac]
    assert one_line_across(Recognition(syms, "", "", tree=tree), {0, 1, 2}, {3, 4, 5, 6})


def test_a_whole_line_under_a_sum_is_no_limit():
    # A long line written under a sum: three times its width, it is no lower limit.
    syms = [_sym("\\sum", [0], (0, 0, 10, 10)), _sym("x", [1], (12, 0, 22, 10))]
    syms += [_sym(l, [2 + k], (12.0 * k, 25, 12.0 * k + 10, 35)) for k, l in enumerate("a=b+c")]
    tree = [_leaf("\\sum", 0, below=[_leaf(l, 2 + k) for k, l in enumerate("a=b+c")]), _leaf("x", 1)]
    assert not one_line_across(Recognition(syms, "", "", tree=tree), {0, 1}, {2, 3, 4, 5, 6})


def test_wide_limits_stick_out_on_the_left_of_their_sum_and_a_line_under_it_does_not():
    # i=2n+3m under a sum, three sums wide: centred under it, they are its limits; the same ink
    # starting where the sum starts is a line written under a formula that begins with a sum.
    def reading(left):
        syms = [_sym("\\sum", [0], (0, 0, 10, 10)), _sym("x", [1], (14, 2, 20, 10))]
        syms += [_sym(l, [2 + k], (left + 6.0 * k, 14, left + 6.0 * k + 5, 19)) for k, l in enumerate("i=2n+3")]
        tree = [_leaf("\\sum", 0, below=[_leaf(l, 2 + k) for k, l in enumerate("i=2n+3")]), _leaf("x", 1)]
        return Recognition(syms, "", "", tree=tree)
    assert one_line_across(reading(-10.0), {0, 1}, {2, 3, 4, 5, 6, 7})
    assert not one_line_across(reading(0.0), {0, 1}, {2, 3, 4, 5, 6, 7})


def test_limits_from_where_their_sum_starts_may_be_nearly_three_sums_wide():
    # i=2n+3m under a sum in train/, 2.75 sums wide from its left edge: its limits (the widest
    # such of sums and lims written there are 2.87 wide).
    syms = [_sym("\\sum", [0], (0, 0, 10, 10)), _sym("x", [1], (30, 2, 36, 10))]
    syms += [_sym(l, [2 + k], (5.5 * k, 14, 5.5 * k + 5, 19)) for k, l in enumerate("i=2n+")]
    tree = [_leaf("\\sum", 0, below=[_leaf(l, 2 + k) for k, l in enumerate("i=2n+")]), _leaf("x", 1)]
    assert one_line_across(Recognition(syms, "", "", tree=tree), {0, 1}, {2, 3, 4, 5, 6})


def test_the_rest_of_a_line_wholly_beside_the_other_line_is_its_own():
    # x < (c-b)/a with the x< written lower than the bar: the band runs between the bar and the
    # a, and the x< below it lies left of everything above it: one line, not two.
    syms = [_sym("x", [0], (618, 323, 640, 347)), _sym("\\lt", [1], (681, 313, 725, 353)),
            _sym("c", [2], (774, 270, 791, 285)), _sym("-", [3], (808, 280, 816, 281)),
            _sym("b", [4], (829, 253, 865, 287)), _sym("-", [5], (759, 297, 892, 298)),
            _sym("a", [6], (800, 319, 824, 342))]
    frac = LayoutNode("frac", "frac", {"num": [_leaf("c", 2), _leaf("-", 3), _leaf("b", 4)],
                                       "den": [_leaf("a", 6)]}, symbol=5)
    tree = [_leaf("x", 0), _leaf("\\lt", 1), frac]
    assert one_line_across(Recognition(syms, "", "", tree=tree), {2, 3, 4, 5}, {0, 1, 6})
    # The same x< under the numerator: two lines crammed into one.
    syms[0] = _sym("x", [0], (780, 323, 800, 347))
    syms[1] = _sym("\\lt", [1], (830, 313, 870, 353))
    assert not one_line_across(Recognition(syms, "", "", tree=tree), {2, 3, 4, 5}, {0, 1, 6})


def test_limits_of_a_letter_are_no_reason_to_join():
    syms = [_sym("x", [0]), _sym("i", [1]), _sym("=", [2]), _sym("1", [3])]
    tree = [_leaf("x", 0, sub=[_leaf("i", 1), _leaf("=", 2), _leaf("1", 3)])]
    assert not one_line_across(Recognition(syms, "", "", tree=tree), {0}, {1, 2, 3})


def test_a_symbol_with_ink_on_both_sides_and_a_far_superscript_join():
    # The dot of an i far above its stem: one symbol across the band.
    assert one_line_across(Recognition([_sym("i", [0, 1])], "", "", tree=[_leaf("i", 0)]), {0}, {1})
    # x^n = z with the n far above: a line of one symbol that is all a script of the x.
    syms = [_sym("n", [0], (12, 0, 18, 6)), _sym("x", [1], (0, 20, 10, 30)), _sym("=", [2]), _sym("z", [3])]
    tree = [_leaf("x", 1, sup=[_leaf("n", 0)]), _leaf("=", 2), _leaf("z", 3)]
    assert one_line_across(Recognition(syms, "", "", tree=tree), {0}, {1, 2, 3})
    # A line of one symbol as large as the symbol it would be a script of is a line.
    syms[0] = _sym("n", [0], (12, 0, 22, 10))
    assert not one_line_across(Recognition(syms, "", "", tree=tree), {0}, {1, 2, 3})


def test_a_fraction_whole_in_its_own_line_holds_nothing_across_the_band():
    # a/b above pi/alpha: the one-line reading hangs the second line as the first bar's
    # denominator (b set beside); read alone, that bar has its numerator and denominator.
    syms = [_sym("a", [0]), _sym("-", [1]), _sym("b", [2]), _sym("\\pi", [3]), _sym("-", [4]),
            _sym("\\alpha", [5])]
    inner = LayoutNode("frac", "frac", {"num": [_leaf("\\pi", 3)], "den": [_leaf("\\alpha", 5)]}, symbol=4)
    tree = [LayoutNode("frac", "frac", {"num": [_leaf("a", 0)], "den": [inner]}, symbol=1), _leaf("b", 2)]
    one = Recognition(syms, "", "", tree=tree)
    assert one_line_across(one, {0, 1, 2}, {3, 4, 5})
    assert not one_line_across(one, {0, 1, 2}, {3, 4, 5}, whole={(1,)})


def test_a_fraction_under_a_fractions_denominator_nests_in_it():
    # 2 over (3m over 2n-1), the band under 3m: read alone, the line above is the whole fraction
    # 2/(3m); read with the line below, its denominator is the numerator of the inner fraction,
    # whose bar and denominator are the line below.
    syms = [_sym("2", [0]), _sym("-", [1]), _sym("3", [2]), _sym("m", [3]), _sym("-", [4]), _sym("n", [5])]
    inner = LayoutNode("frac", "frac", {"num": [_leaf("3", 2), _leaf("m", 3)], "den": [_leaf("n", 5)]}, symbol=4)
    tree = [LayoutNode("frac", "frac", {"num": [_leaf("2", 0)], "den": [inner]}, symbol=1)]
    one = Recognition(syms, "", "", tree=tree)
    assert one_line_across(one, {0, 1, 2, 3}, {4, 5}, whole={(1,)})
    # The same tree where the inner fraction's numerator is below the band too: the outer
    # fraction, whole alone, holds a second line as its denominator.
    assert not one_line_across(one, {0, 1}, {2, 3, 4, 5}, whole={(1,)})


def test_two_fractions_cut_at_their_bars_one_on_each_side_are_one_line():
    # sin x / x = (sin x - sin 0) / (x - 0), the band under the first bar and over the second:
    # the first bar and its denominator below, its numerator above; the second bar and its
    # numerator above, its denominator below.
    syms = [_sym("a", [0]), _sym("-", [1]), _sym("b", [2]), _sym("=", [3]), _sym("c", [4]),
            _sym("-", [5]), _sym("d", [6])]
    first = LayoutNode("frac", "frac", {"num": [_leaf("a", 0)], "den": [_leaf("b", 2)]}, symbol=1)
    second = LayoutNode("frac", "frac", {"num": [_leaf("c", 4)], "den": [_leaf("d", 6)]}, symbol=5)
    one = Recognition(syms, "", "", tree=[first, _leaf("=", 3), second])
    assert one_line_across(one, {0, 3, 4, 5}, {1, 2, 6})
    # The first fraction whole below the band: the line above is only partly held.
    assert not one_line_across(one, {3, 4, 5}, {0, 1, 2, 6})


def test_a_script_is_smaller_than_its_base_by_the_x_heights_their_letters_imply():
    # "m^3" under "beta(F)": an m 0.6 as tall as the beta is the writer's x-height (a beta
    # spans 1.8 of them), no subscript of it.
    syms = [_sym("\\beta", [0], (0, 0, 10, 18)), _sym("m", [1], (12, 30, 22, 40)), _sym("3", [2], (23, 26, 27, 32))]
    tree = [_leaf("\\beta", 0, sub=[_leaf("m", 1, sup=[_leaf("3", 2)])])]
    assert not one_line_across(Recognition(syms, "", "", tree=tree), {0}, {1, 2})
    # The same m under an x of its height is not smaller either; under a capital twice its
    # x-height, it is.
    syms[0] = _sym("X", [0], (0, 0, 14, 28))
    tree = [_leaf("X", 0, sub=[_leaf("m", 1, sup=[_leaf("3", 2)])])]
    assert one_line_across(Recognition(syms, "", "", tree=tree), {0}, {1, 2})


def test_a_line_under_a_lim_is_its_limits_only_with_an_arrow():
    # \lim f with x->0 under it: limits. The same place holding sqrt(C): a line under a
    # formula that begins with a lim. An arrow read as a "+", the arrow its alternative: limits.
    def reading(labels, alternatives=None):
        syms = [_sym("\\lim", [0], (0, 0, 30, 10)), _sym("f", [1], (34, 0, 40, 10))]
        syms += [_sym(l, [2 + k], (10.0 * k, 25, 10.0 * k + 8, 33), alternatives) for k, l in enumerate(labels)]
        tree = [_leaf("\\lim", 0, below=[_leaf(l, 2 + k) for k, l in enumerate(labels)]), _leaf("f", 1)]
        return Recognition(syms, "", "", tree=tree)
    assert one_line_across(reading(["x", "\\rightarrow", "0"]), {0, 1}, {2, 3, 4}, scale=10.0)
    assert not one_line_across(reading(["\\sqrt", "C", "n"]), {0, 1}, {2, 3, 4}, scale=10.0)
    plus = [("+", 0.99), ("\\rightarrow", 0.001)]
    assert one_line_across(reading(["x", "+", "0"], plus), {0, 1}, {2, 3, 4}, scale=10.0)


def test_an_integrals_limits_of_several_symbols_sit_at_its_tip():
    # t-s 0.8 writing scales under an integral: a line written under a formula that begins
    # with one. One symbol as far: its lower limit.
    def reading(labels):
        syms = [_sym("\\int", [0], (0, 0, 10, 40)), _sym("f", [1], (14, 10, 20, 20))]
        syms += [_sym(l, [2 + k], (8.0 * k, 48, 8.0 * k + 6, 56)) for k, l in enumerate(labels)]
        tree = [_leaf("\\int", 0, sub=[_leaf(l, 2 + k) for k, l in enumerate(labels)]), _leaf("f", 1)]
        return Recognition(syms, "", "", tree=tree)
    assert not one_line_across(reading("t-s"), {0, 1}, {2, 3, 4}, scale=10.0)
    assert one_line_across(reading("0"), {0, 1}, {2}, scale=10.0)


def test_a_script_sits_beside_its_base_not_under_it():
    # m^3 under beta(F), left-aligned with it: small as the m is, it is no subscript of the beta.
    syms = [_sym("\\beta", [0], (0, 0, 10, 18)), _sym("m", [1], (0, 30, 8, 36)), _sym("3", [2], (9, 26, 12, 30))]
    tree = [_leaf("\\beta", 0, sub=[_leaf("m", 1, sup=[_leaf("3", 2)])])]
    assert not one_line_across(Recognition(syms, "", "", tree=tree), {0}, {1, 2})
    syms[1] = _sym("m", [1], (11, 30, 19, 36))
    syms[2] = _sym("3", [2], (20, 26, 23, 30))
    assert one_line_across(Recognition(syms, "", "", tree=tree), {0}, {1, 2})


def _line(labels, y, strokes0=0):
    """Symbols 10 high side by side; a minus is flat, at half their height."""
    return [_sym(l, [strokes0 + k], (12.0 * k, y + 4.5 * (l == "-"), 12.0 * k + 10, y + 10 - 4.5 * (l == "-")))
            for k, l in enumerate(labels)]


def test_only_lines_that_could_be_laid_out_together_are_read_together():
    first, second = _line("a=b+c", 0.0), _line("c=d-e", 40.0, 5)
    assert not may_lay_across(Recognition(first, "", ""), Recognition(second, "", ""))
    # A sum above, a short line (a script, limits), a bar at the band's edge: read together.
    summed = _line("a=b+c", 0.0)
    summed[0] = _sym("\\sum", [0], summed[0].box)
    assert may_lay_across(Recognition(summed, "", ""), Recognition(second, "", ""))
    assert may_lay_across(Recognition(first, "", ""), Recognition(_line("i1", 40.0, 5), "", ""))
    barred = _line("a+b", 0.0) + [_sym("-", [3], (0.0, 12.0, 40.0, 13.0))]
    assert may_lay_across(Recognition(barred, "", ""), Recognition(second, "", ""))
    # A short line far under the other is no script: only what it faces could make it limits.
    short = Recognition(_line("i1", 40.0, 5), "", "")
    assert not may_lay_across(Recognition(first, "", ""), short, far_below=True)
    assert may_lay_across(Recognition(summed, "", ""), short, far_below=True)
    assert may_lay_across(Recognition(_line("x", 0.0), "", ""), short, far_below=True)


@requires_dev
def test_a_new_line_begun_under_another_is_not_read_with_it():
    """The first strokes of a line written 1.4 writing scales under another (the bench's
    stack): each is a short run, narrow, under the line above, but farther under what it
    faces than a script hangs and under no big operator, so the two are not read as one
    line: a stroke costs what it costs alone, and the page reads as two lines."""
    from model.evaluation.bench import STACK_GAP, place_on_canvas
    from model.evaluation.stacked import stack
    from model.io.ink import read_inkml
    from model.recognition import multiline
    from model.recognition.recognize import Recognizer
    line = read_inkml(DEV / "CROHME2014_test" / "18_em_17.inkml").strokes()
    strokes = place_on_canvas(stack([line, line], [STACK_GAP])[0])
    rec = Recognizer(threads=1)
    asked, parts_read = [], []
    real, real_reading = multiline.one_line_across, multiline._Reader.reading

    def reading(self, members, parts=None):
        if 0 < len(members) < len(line) and max(members) < len(line):
            parts_read.append(sorted(members))
        return real_reading(self, members, parts)
    try:
        multiline.one_line_across = lambda *a, **k: asked.append(1) or real(*a, **k)
        multiline._Reader.reading = reading
        for k in range(1, 6):
            r = rec.recognize(strokes[:len(line) + k], heatmap=False)
            assert r.latex.startswith(r"\begin{"), r.latex
    finally:
        multiline.one_line_across = real
        multiline._Reader.reading = real_reading
    assert not asked
    # Nor is the part of the line above that the new line faces read by itself: it holds no
    # letter a lim read apart ends in (far_below's LIM_ENDS), so it could hold no lim.
    assert not parts_read, parts_read


@pytest.fixture(scope="module")
def rec():
    from model.recognition.recognize import Recognizer
    return Recognizer()


@requires_dev
def test_a_line_read_in_a_stack_is_kept_and_read_as_alone(rec):
    """A line's reading is kept by its ink: the second reading of a stack does not read an
    unchanged line again, and each line reads as it does alone."""
    from model.evaluation.stacked import lines_of, stack
    from model.io.ink import read_inkml
    from model.recognition import raster
    from model.recognition.notation.latex import to_latex
    names = ["18_em_1", "RIT_2014_214"]
    exprs = [raster.clean_strokes(read_inkml(DEV / "CROHME2014_test" / f"{n}.inkml").strokes()) for n in names]
    strokes, groups = stack(exprs, [1.2])
    rec.clear_caches()
    whole = rec.recognize(strokes, heatmap=False)
    kept = dict(rec._line_readings)
    again = rec.recognize(strokes, heatmap=False)
    assert again.latex == whole.latex
    assert all(rec._line_readings[k] is r for k, r in kept.items() if k in rec._line_readings)
    assert "detect" not in again.timings           # nothing was read afresh
    alone = [rec._recognize([strokes[i] for i in g], False, False).latex for g in groups]
    assert [to_latex(line) for line in lines_of(whole.tree)] == alone
    # A correction learned by the personal model changes what a line may read: not kept.
    from model.recognition.personal import PersonalModel
    rec.personal = PersonalModel()
    try:
        rec.personal.corrected("x", "\\times")
        assert read_alone(rec, [strokes[i] for i in groups[0]], False) is not kept.get(
            next(iter(kept)), None)
    finally:
        rec.personal = None


def _glyph(x, y, w=10.0, h=20.0):
    return np.array([[x, y], [x + w, y + h / 3], [x, y + 2 * h / 3], [x + w, y + h]], float)


def test_a_script_beside_its_base_in_tall_parentheses_is_no_matrix():
    """(x^3)^2: the 3 stands beside the x, not under or over it, so no rows are proposed; the
    same two glyphs one over the other are a column."""
    from model.recognition import grids
    left = np.array([[10, 0], [0, 35], [10, 70]], float)
    right = np.array([[70, 0], [80, 35], [70, 70]], float)
    read = {0: {"(": 0.9}, 3: {")": 0.9}}
    beside = [left, _glyph(20, 40), _glyph(40, 5), right]       # x low, 3 high and to its right
    assert grids.find(beside, [0, 1, 2, 3], 20.0, lambda parts, box, s: read[parts[0]]) == []
    column = [left, _glyph(20, 40), _glyph(22, 5), right]
    found = grids.find(column, [0, 1, 2, 3], 20.0, lambda parts, box, s: read[parts[0]])
    assert [g.env for g in found] == ["pmatrix"]


def test_only_a_brace_opens_cases():
    """A tall ( or [ with rows to its right and no partner (a \\lim's l, the ( of a tall line)
    is no grid; a brace there opens cases."""
    from model.recognition import grids
    left = np.array([[10, 0], [0, 35], [10, 70]], float)
    ink = [left, _glyph(20, 5), _glyph(70, 5), _glyph(20, 45), _glyph(70, 45)]
    for reading, want in (({"(": 0.9}, []), ({"[": 0.9}, []), ({"\\{": 0.6, "(": 0.3}, ["cases"])):
        found = grids.find(ink, list(range(5)), 20.0, lambda parts, box, s, r=reading: r)
        assert [g.env for g in found] == want


EXTRA = CROHME / "train-extra"


@pytest.mark.skipif(not EXTRA.is_dir(), reason=f"CROHME train-extra not found at {EXTRA}")
def test_a_sum_with_its_limits_inside_tall_parentheses_is_no_matrix(rec):
    """`-\\left(\\sum_{i=s+1}^r l_i^2\\right)`: the ink in the parentheses breaks into two rows,
    the sum and its limits; read as one line, the limits are the sum's, so no pmatrix."""
    from model.io.ink import read_inkml
    f = next(EXTRA.rglob("115_em_149.inkml"))
    r = rec.recognize(read_inkml(f).strokes(), heatmap=False)
    assert "\\begin{" not in r.latex, r.latex
    assert r.latex.count("\\sum_{") == 2, r.latex


TRAIN = CROHME / "train"


@requires_dev
def test_a_short_line_under_a_formula_that_begins_with_an_integral_is_a_line(rec):
    """`t-s` written one writing scale under `\\int f(x)-g(x)dx=...`: three symbols that far
    under an integral are no limits of it (issue 41's stacked failure)."""
    from model.evaluation.stacked import lines_of, stack
    from model.io.ink import read_inkml
    from model.recognition import raster
    exprs = [raster.clean_strokes(read_inkml(next(DEV.rglob(f"{n}.inkml"))).strokes())
             for n in ("519_em_454", "34_em_226")]
    strokes, _ = stack(exprs, [1.0])
    r = rec.recognize(strokes, heatmap=False)
    assert len(lines_of(r.tree)) == 2, r.latex


@requires_dev
def test_limits_a_band_under_a_lim_misread_as_letters_in_its_line_join_it(rec):
    """31_em_175, `\\lim_{x\\to c} f(x)=f(c)`: its line alone reads l, i, m; the band under it is
    proposed as a break, and the reading of both together lays the limits under the lim."""
    from model.io.ink import read_inkml
    r = rec.recognize(read_inkml(next(DEV.rglob("31_em_175.inkml"))).strokes(), heatmap=False)
    assert "\\begin{" not in r.latex and "\\lim_{x\\rightarrow c}" in r.latex, r.latex


@pytest.mark.skipif(not TRAIN.is_dir(), reason=f"CROHME train not found at {TRAIN}")
def test_a_lim_read_alone_holds_the_limits_it_faces(rec):
    """MfrDB3443, `\\lim_{x\\to 0}\\frac{1-\\cos x}{x}=0`: in its line and read with its limits
    the lim reads "|_1 . m"; read alone, the ink the limits face is a lim, and with it kept
    the limits lie under it: one line."""
    from model.io.ink import read_inkml
    r = rec.recognize(read_inkml(next(TRAIN.rglob("MfrDB3443.inkml"))).strokes(), heatmap=False)
    assert r.latex.startswith("\\lim_{"), r.latex
    assert "\\begin{" not in r.latex


@pytest.mark.skipif(not TRAIN.is_dir(), reason=f"CROHME train not found at {TRAIN}")
def test_limits_join_their_lim_even_where_the_one_line_reading_misreads_it(rec):
    """`\\lim_{x\\to c} f(x)=f(c)` with its limits a band below: read together, the lim is
    misread ("| sin", the limits a script of an x); read with each line's symbols as read
    alone, the layout lays the limits under the lim, and that is the reading kept."""
    from model.io.ink import read_inkml
    f = next(TRAIN.rglob("MfrDB3207.inkml"))
    r = rec.recognize(read_inkml(f).strokes(), heatmap=False)
    assert r.latex.startswith("\\lim_{"), r.latex
    assert "\\begin{" not in r.latex


@pytest.mark.skipif(not TRAIN.is_dir(), reason=f"CROHME train not found at {TRAIN}")
@pytest.mark.parametrize("name, lim", [("MfrDB1290", "\\lim_{n\\rightarrow\\infty}"),
                                       ("TrainData2_25_sub_51", "\\lim_{x\\rightarrow\\frac{\\pi}{2}+0}")])
def test_a_lim_read_as_letters_over_limits_with_an_arrow_is_read_as_one_symbol(rec, name, lim):
    """Over limits that hold an arrow, a lim that reads as letters both in its line and with
    its limits ("|im", "1 2 sin"): its letters read as one symbol are a lim, and the limits
    lie under it."""
    from model.io.ink import read_inkml
    r = rec.recognize(read_inkml(next(TRAIN.rglob(f"{name}.inkml"))).strokes(), heatmap=False)
    assert r.latex.startswith(lim), r.latex


@pytest.mark.skipif(not TRAIN.is_dir(), reason=f"CROHME train not found at {TRAIN}")
def test_dots_leading_a_line_under_a_script_far_right_are_one_line():
    """200924-1312-121, `\\cdots - c^{m-ME}`, the script written a writing scale above, right
    of the c: the dots at the top of the line below start it, and that line lies diagonally
    off the script, as a base beside its script does: one line, no band proposed."""
    from model.io.ink import read_inkml
    from model.recognition import lines, raster
    strokes = raster.clean_strokes(read_inkml(next(TRAIN.rglob("200924-1312-121.inkml"))).strokes())
    assert len(lines.breaks(strokes, raster.writing_scale(strokes), limits=False)) == 1
