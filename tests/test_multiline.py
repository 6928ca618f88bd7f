"""Several lines, matrices and cases (issue 35): where ink breaks into lines, how the rows and
cells are written (LaTeX, text, MathML, the canonical form, the CLI's JSON), and the recognizer
reading stacked dev expressions and a grid of one writer's dev symbols."""
import random

import numpy as np
import pytest

from model.recognition import lines, raster
from model.recognition.multiline import joined
from model.recognition.notation.canonical import from_latex, from_layout, from_mathml
from model.recognition.notation.latex import to_latex, to_text
from model.recognition.notation.mathml import latex_to_mathml, latex_to_text, to_mathml
from model.recognition.notation.latex import tables_json
from model.recognition.notation.tables import table
from model.recognition.result import LayoutNode

from .shared_data import DEV, dev_files, requires_dev


def _glyph(x, y, w=10.0, h=20.0):
    """A stroke filling the box (x, y, x+w, y+h): a zig-zag, so its larger side is the box's."""
    return np.array([[x, y], [x + w, y + h / 3], [x, y + 2 * h / 3], [x + w, y + h]], float)


def _bar(x1, x2, y):
    return np.array([[x1, y], [x2, y + 0.5]], float)


def _line(y, n=5, x0=0.0):
    return [_glyph(x0 + 14 * k, y) for k in range(n)]


def _row(labels):
    return [LayoutNode(label) for label in labels]


# ---------------------------------------------------------------- where lines break

def test_two_lines_a_clear_band_apart_break_and_one_line_does_not():
    one = _line(0)
    assert lines.breaks(one) == [list(range(5))]
    two = _line(0) + _line(45)          # a band of 25 units, the writing scale 20
    assert lines.breaks(two) == [list(range(5)), list(range(5, 10))]
    close = _line(0) + _line(28)        # 8 units: less than GAP writing scales
    assert len(lines.breaks(close)) == 1


def test_a_fraction_written_with_wide_gaps_is_never_a_line_break():
    num, bar, den = [_glyph(20, 0)], [_bar(0, 60, 45)], [_glyph(20, 70)]
    ink = num + bar + den               # 25 units between the numerator, the bar and the denominator
    assert len(lines.breaks(ink)) == 1
    # The same bands with no bar between: two lines.
    assert len(lines.breaks(num + den)) == 2


def test_a_flat_stroke_with_ink_hanging_from_it_is_no_fraction_bar():
    """A pi under a letter (its top stroke flat, its legs meeting it) is not that letter's
    denominator: the band is proposed. The same flat stroke with ink a little under it, not
    touching, is a fraction's bar with its denominator, and holds the letter above it."""
    num = [_glyph(20, 0)]
    bar = [_bar(0, 60, 45)]
    legs = [np.array([[15.0, 45.0], [15.0, 70.0]]), np.array([[45.0, 45.0], [45.0, 70.0]])]
    assert len(lines.breaks(num + bar + legs)) == 2
    apart = [leg + np.array([0.0, 4.0]) for leg in legs]
    assert len(lines.breaks(num + bar + apart)) == 1


def test_an_is_dot_written_large_far_over_its_stem_is_no_line():
    """200923-1251-240, `\\mbox{i}`: a ring for a dot, 0.7 of the stem's height above it. The
    page holds nothing else, so the writing scale is the median of the two strokes and the ring
    is half a scale wide, no dot by the scale: against the stem it is one."""
    stem = np.array([[60.0, 50.0], [61.0, 100.0], [59.0, 150.0]])
    ring = 20.0 * np.stack([np.cos(t := np.linspace(0, 6.3, 30)), 0.7 * np.sin(t)], 1) + [60.0, -40.0]
    assert lines.breaks([stem, ring], limits=False) == [[0, 1]]
    # The same ring as large as the stem over it is a line of its own.
    assert len(lines.breaks([stem, 2.5 * (ring - [60.0, -40.0]) + [60.0, -40.0]], limits=False)) == 2


def test_limits_under_a_sum_and_a_far_script_are_not_lines():
    big_sum = [_glyph(0, 0, 20, 50)]
    line = big_sum + [_glyph(30 + 14 * k, 15) for k in range(4)]
    limit = [_glyph(2 + 8 * k, 72, 6, 12) for k in range(3)]   # i=1: low, short, under the sum
    assert len(lines.breaks(line + limit)) == 1
    # A whole line as wide as the first, as far below, is a new line.
    assert len(lines.breaks(line + _line(72, 6))) == 2
    # A superscript beside its base, diagonally across a band: no break.
    base, script = [_glyph(0, 28)], [_glyph(14, 0, 8, 14)]   # 0.8 writing scales apart
    assert len(lines.breaks(base + script)) == 1


def test_with_a_reader_limits_are_proposed_and_the_ink_they_face_named():
    """`breaks(limits=False)`: the band under a sum is proposed, not joined (the reading
    decides), and `limits_facing` names the ink over the low run, the sum's stroke; a whole
    line under the first one faces nothing."""
    big_sum = [_glyph(0, 0, 20, 50)]
    line = big_sum + [_glyph(30 + 14 * k, 15) for k in range(4)]
    limit = [_glyph(2 + 8 * k, 72, 6, 12) for k in range(3)]
    ink = line + limit
    parts = lines.breaks(ink, limits=False)
    assert parts == [list(range(5)), [5, 6, 7]]
    # The sum and what starts within a writing scale (20) of the limits' span (2 to 24).
    assert lines.limits_facing(ink, *parts, raster.writing_scale(ink)) == [0, 1, 2]
    two = line + _line(72, 6)
    assert lines.limits_facing(two, *lines.breaks(two, limits=False), raster.writing_scale(two)) == []


def test_the_break_scales_with_the_writing():
    small = _line(0) + _line(45)
    big = [s * 7.0 for s in small]
    assert lines.breaks(big) == lines.breaks(small)


# ---------------------------------------------------------------- rows and cells written out

CASES = {
    "aligned": [table("aligned", [[_row("x"), _row(["=", "1"])], [[], _row(["=", "2"])]])],
    "gathered": [table("gathered", [[_row("x+1")], [_row("y")]])],
    "pmatrix": _row("A=") + [table("pmatrix", [[_row("1"), _row("2")], [_row("3"), _row("-4")]])],
    "bmatrix": [table("bmatrix", [[_row("a"), _row("b"), _row("c")], [_row("1"), _row("2"), _row("3")]])],
    "vmatrix": [table("vmatrix", [[_row("a"), _row("b")], [_row("c"), _row("d")]])],
    "cases": _row("f=") + [table("cases", [[_row("1"), _row(["x", "\\gt", "0"])],
                                           [_row("0"), _row(["x", "\\leq", "0"])]])],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_latex_mathml_and_the_tree_say_the_same_rows_and_cells(name):
    tree = CASES[name]
    latex = to_latex(tree)
    assert latex.count("\\begin{%s}" % name) == 1
    want = from_layout(tree)
    assert from_latex(latex) == want
    assert from_mathml(to_mathml(tree)) == want
    # A user's edit of that LaTeX gives the same MathML and text as the tree's own.
    assert from_mathml(latex_to_mathml(latex)) == want
    assert latex_to_text(latex) == to_text(tree)


def test_the_writers_spell_each_environment():
    assert to_latex(CASES["aligned"]) == "\\begin{aligned}x & =1 \\\\  & =2\\end{aligned}"
    assert to_latex(CASES["pmatrix"]) == "A=\\begin{pmatrix}1 & 2 \\\\ 3 & -4\\end{pmatrix}"
    assert to_latex(CASES["cases"]) == "f=\\begin{cases}1 & x>0 \\\\ 0 & x\\leq0\\end{cases}"
    assert to_text(CASES["aligned"]).split("\n") == ["x=1", "=2"]
    assert to_text(CASES["pmatrix"]).split("\n") == ["A=(1  2", " 3  -4)"]
    m = to_mathml(CASES["vmatrix"])
    assert m.count("<mtr>") == 2 and m.count("<mtd>") == 4
    assert 'form="prefix"' in m and 'form="postfix"' in m   # LibreOffice's lline ... rline
    assert to_mathml(CASES["aligned"]).count('columnalign="right left"') == 1


def test_a_matrix_and_cases_differ_from_the_same_cells_as_lines():
    grid = [[_row("1"), _row("2")], [_row("3"), _row("4")]]
    readings = {from_layout([table(env, grid)]) for env in ("pmatrix", "bmatrix", "vmatrix", "cases", "gathered")}
    assert len(readings) == 5


def test_lines_align_before_their_first_relation_or_gather():
    a, b = _row(["x", "+", "1", "=", "2"]), _row(["x", "=", "1"])
    t = joined([a, b])[0]
    assert t.label == "aligned"
    assert to_latex([t]) == "\\begin{aligned}x+1 & =2 \\\\ x & =1\\end{aligned}"
    # A line that begins with a relation continues the one above, even one without any.
    t = joined([_row("(x+1)"), _row(["=", "0"])])[0]
    assert to_latex([t]) == "\\begin{aligned}(x+1) &  \\\\  & =0\\end{aligned}"
    t = joined([_row("x+1"), _row("y")])[0]
    assert t.label == "gathered"
    assert joined([a]) == a


def test_the_json_lists_each_table_with_its_cells_symbols():
    t = table("pmatrix", [[[LayoutNode("1", symbol=0)], [LayoutNode("2", symbol=1)]],
                          [[LayoutNode("3", symbol=2)], [LayoutNode("4", symbol=3)]]])
    lines_ = [table("aligned", [[[LayoutNode("A", symbol=4)], [LayoutNode("=", symbol=5), t]]])]
    got = tables_json(lines_)
    assert [g["environment"] for g in got] == ["aligned", "pmatrix"]
    assert got[0]["rows"][0][1]["symbols"] == [0, 1, 2, 3, 5]
    assert [[c["latex"] for c in r] for r in got[1]["rows"]] == [["1", "2"], ["3", "4"]]
    assert tables_json(_row("x+1")) == []


# ---------------------------------------------------------------- reading real ink

@pytest.fixture(scope="module")
def rec():
    from model.recognition.recognize import Recognizer
    return Recognizer()


def _dev(name):
    from model.io.ink import read_inkml
    from model.recognition import raster
    return raster.clean_strokes(read_inkml(DEV / "CROHME2014_test" / f"{name}.inkml").strokes())


@requires_dev
def test_stacked_dev_expressions_read_as_lines_each_as_alone(rec):
    from model.evaluation.stacked import lines_of, stack
    exprs = [_dev("18_em_1"), _dev("RIT_2014_214"), _dev("502_em_10")]
    strokes, groups = stack(exprs, [1.0, 1.4])
    alone = [rec.recognize([strokes[i] for i in g], heatmap=False) for g in groups]
    whole = rec.recognize(strokes, heatmap=False)
    assert [to_latex(row) for row in lines_of(whole.tree)] == [a.latex for a in alone]
    assert len(whole.text.split("\n")) == 3
    # Every stroke is read once, named by its index in the whole ink.
    assert sorted(i for s in whole.symbols for i in s.strokes) == list(range(len(strokes)))
    assert whole.latex.startswith("\\begin{")


@requires_dev
def test_one_line_dev_files_with_tall_strokes_read_as_before(rec):
    # The dev files where a tall stroke has rows of ink to its right (model.evaluation.stacked
    # --check-split): the grid finder looks at them, and must leave them to the one-line path.
    for name in ("501_em_19", "511_em_270", "514_em_328", "RIT_2014_226", "RIT_2014_267"):
        strokes = _dev(name)
        assert rec.recognize(strokes, heatmap=False).latex == rec._recognize(strokes, False, False).latex


@requires_dev
def test_a_matrix_of_one_writers_dev_symbols_reads_as_its_cells(rec):
    from model.evaluation.stacked import build_grid, writer_symbols
    symbols = writer_symbols([f for f in dev_files() if f.name.startswith("RIT_2014_1")])
    rng = random.Random(4)
    read = 0
    for writer in sorted(symbols):
        made = build_grid(symbols[writer], "pmatrix", 2, 2, rng)
        if made is None:
            continue
        strokes, truth, groups = made
        strokes = [s * 40.0 for s in strokes]
        want = [[to_latex(_row(c)) for c in r] for r in truth]
        alone = [[rec.recognize([strokes[i] for i in g], heatmap=False).latex for g in r] for r in groups]
        if alone != want:
            continue
        r = rec.recognize(strokes, heatmap=False)
        got = tables_json(r.tree)
        assert got and got[0]["environment"] == "pmatrix", r.latex
        assert [[c["latex"] for c in row] for row in got[0]["rows"]] == want
        read += 1
        if read == 3:
            break
    assert read == 3


def test_saved_ink_keeps_the_rows_and_cells_of_its_reading():
    from model.io.ink import ink_from_strokes, parse_inkml, to_inkml
    latex = to_latex(CASES["cases"])
    ink = ink_from_strokes(_line(0) + _line(45))
    ink.annotations["recognition"] = latex
    back = parse_inkml(to_inkml(ink))
    assert back.annotations["recognition"] == latex
    assert from_latex(back.annotations["recognition"]) == from_layout(CASES["cases"])


# ---------------------------------------------------------------- grids, with a stub reader

def _grid_ink(right_delimiter=True):
    """Two tall strokes around two rows of two cells (writing scale 20)."""
    left = np.array([[10, 0], [0, 35], [10, 70]], float)
    cells = [_glyph(20, 5), _glyph(70, 5), _glyph(20, 45), _glyph(70, 45), _glyph(84, 45)]
    right = [np.array([[100, 0], [110, 35], [100, 70]], float)] if right_delimiter else []
    return [left] + cells + right


def test_tall_delimiters_around_rows_make_a_grid_of_cells():
    from model.recognition import grids
    ink = _grid_ink()
    reads = {0: {"(": 0.9}, 6: {")": 0.8}}
    found = grids.find(ink, list(range(len(ink))), 20.0, lambda parts, box, s: reads[parts[0]])
    assert len(found) == 1
    g = found[0]
    assert g.env == "pmatrix" and g.left == [0] and g.right == [6]
    assert g.rows == [[[1], [2]], [[3], [4, 5]]]
    # Without a closing delimiter the rows after a left one are cases.
    ink = _grid_ink(right_delimiter=False)
    found = grids.find(ink, list(range(len(ink))), 20.0, lambda parts, box, s: {"\\{": 0.5})
    assert [g.env for g in found] == ["cases"]
    # A tall stroke with one row beside it (parentheses around a fraction) is never read.
    asked = []
    one_row = [ink[0], _glyph(20, 25), _glyph(40, 25)]
    assert grids.find(one_row, [0, 1, 2], 20.0, lambda *a: asked.append(a) or {"(": 1.0}) == []
    assert asked == []


def test_a_bracket_with_long_hooks_in_one_stroke_opens_a_grid():
    from model.recognition import grids
    # A [ drawn in one stroke whose hooks reach 0.64 of its height: wider than NARROW, but its
    # stem (the middle half of its height) is straight, so it may enclose rows.
    ink = _grid_ink()
    ink[0] = np.array([[15, 0], [-30, 0], [-29, 35], [-30, 70], [15, 70]], float)
    reads = {0: {"[": 0.9}, 6: {"]": 0.8}}
    found = grids.find(ink, list(range(len(ink))), 20.0, lambda parts, box, s: reads[parts[0]])
    assert [g.env for g in found] == ["bmatrix"] and found[0].left == [0]
    # As wide, but wide in its middle too (a tall 2, a sum): no delimiter.
    ink[0] = np.array([[-30, 0], [15, 10], [-30, 60], [15, 70]], float)
    asked = []
    found = grids.find(ink, list(range(len(ink))), 20.0,
                       lambda parts, box, s: asked.append(parts) or reads.get(parts[0], {}))
    assert found == [] and all(0 not in p for p in asked)


def test_a_brackets_bar_drawn_apart_is_the_brackets_even_floating_above_its_stem():
    from model.recognition import grids
    # A [ whose top bar is a stroke of its own, drawn 8 px (0.4 writing scales, more than a
    # tenth of the stem) above the stem's top: the bracket's, read with it, never a symbol of
    # the line before the matrix.
    ink = _grid_ink()
    stem = np.array([[0, 0], [0, 70], [10, 70]], float)
    bar = np.array([[0, -8], [10, -8.5]], float)
    ink = [stem] + ink[1:] + [bar]
    reads = {0: {"[": 0.9}, 6: {"]": 0.8}}
    parts_read = []
    found = grids.find(ink, list(range(len(ink))), 20.0,
                       lambda parts, box, s: parts_read.append(parts) or reads[parts[0]])
    assert len(found) == 1 and found[0].env == "bmatrix"
    assert found[0].left == [0, 7] and [0, 7] in parts_read
    # Far above (two writing scales) it is no bar of this bracket.
    ink[7] = np.array([[0, -40], [10, -40.5]], float)
    found = grids.find(ink, list(range(len(ink))), 20.0, lambda parts, box, s: reads[parts[0]])
    assert 7 not in found[0].left


def test_a_brace_drawn_in_two_halves_is_read_whole_and_opens_cases():
    from model.recognition import grids
    # The upper half down to the cusp, the lower half from it with a long tail: read together
    # (a sum, by the tail) it is a brace, for rows stand right of it.
    upper = np.array([[14, 0], [4, 10], [6, 30], [0, 40]], float)
    lower = np.array([[0, 40], [6, 50], [4, 70], [30, 80]], float)
    cells = [_glyph(40, 5), _glyph(90, 5), _glyph(40, 50), _glyph(90, 50)]
    ink = [upper, lower] + cells
    asked = []

    def reader(parts, box, s):
        asked.append((list(parts), tuple(box)))
        return {"\\sum": 0.98}
    found = grids.find(ink, list(range(len(ink))), 20.0, reader)
    assert [g.env for g in found] == ["cases"] and found[0].left[:2] == [0, 1]
    assert found[0].rows == [[[2], [3]], [[4], [5]]]
    assert asked[0][0][:2] == [0, 1] and asked[0][1] == (0, 0, 30, 80)   # both halves, one box
    # One tall stroke read as a sum opens nothing: a sum with rows beside it is no brace.
    whole = np.vstack([upper, lower])
    assert grids.find([whole] + cells, list(range(5)), 20.0, lambda *a: {"\\sum": 0.98}) == []
    # ... but a brace in one stroke read mostly as a sum, a little as a brace, is a brace: what
    # it is misread as never outvotes the delimiters it may be.
    found = grids.find([whole] + cells, list(range(5)), 20.0, lambda *a: {"\\sum": 2.84, "\\{": 0.16})
    assert [g.env for g in found] == ["cases"]
    # A brace read about as much as a parenthesis still opens cases where nothing closes it.
    found = grids.find([whole] + cells, list(range(5)), 20.0, lambda *a: {"(": 1.5, "\\{": 1.0})
    assert [g.env for g in found] == ["cases"]


def test_a_tall_straight_stroke_read_as_a_one_votes_for_a_bar():
    """A vmatrix's bar squashed to a line's height reads "1" mostly: beside rows, a straight
    stroke is a bar, so its 1, l and I count for "|" (they counted for nothing)."""
    from types import SimpleNamespace
    from model.recognition import grids
    from model.recognition.multiline import _delimiter_reader

    class Reads:
        def _recognize(self, strokes, heatmap, point_ink, constraints=None):
            return SimpleNamespace(symbols=[SimpleNamespace(strokes=[0], alternatives=[("1", 0.9), ("|", 0.05), ("(", 0.05)])])

    bar = np.array([[0.0, 0.0], [0.0, 100.0]])
    votes = _delimiter_reader(Reads(), [bar], False)([0], np.array([0.0, 0.0, 1.0, 100.0]), 20.0)
    heights = len(grids.LINE_HEIGHTS)
    assert votes["|"] == pytest.approx(0.95 * heights) and votes["("] == pytest.approx(0.05 * heights)
    assert "1" not in votes


def test_the_pair_of_delimiters_decides_the_matrix_kind_together():
    from model.recognition.grids import pair_kind
    assert pair_kind({"(": 0.6, "[": 0.5}, {"]": 0.9}) == "bmatrix"
    assert pair_kind({"|": 0.9}, {"|": 0.7, ")": 0.3}) == "vmatrix"
    assert pair_kind({"(": 0.9}, {")": 0.9}) == "pmatrix"


def test_a_grids_delimiters_say_how_sure_the_matrix_kind_is():
    from model.recognition import grids
    # Left read [ 0.6 and | 0.3 over the squashes, right | 0.6 and ] 0.5: bmatrix 1.1 against
    # vmatrix 0.9; each side's alternatives are those kinds' shares, as its own delimiter.
    g = grids.Grid("bmatrix", [0], [6], [], {"[": 0.6, "|": 0.3}, {"|": 0.6, "]": 0.5})
    (ll, ls, la), (rl, rs, ra) = g.delimiters()
    assert (ll, ls, rl, rs) == ("[", [0], "]", [6])
    assert [a for a, _ in la] == ["[", "|"] and abs(dict(la)["["] - 0.55) < 1e-9
    assert [a for a, _ in ra] == ["]", "|"] and abs(dict(ra)["|"] - 0.45) < 1e-9
    # A brace drawn in two halves, read as a sum: its sum votes count for the brace.
    c = grids.Grid("cases", [0, 1], [], [], {"\\sum": 1.2, "\\{": 0.3, "(": 0.5}, {})
    [(label, strokes, alts)] = c.delimiters()
    assert label == "\\{" and strokes == [0, 1] and abs(dict(alts)["\\{"] - 0.75) < 1e-9
    # No votes kept: the label the environment writes, sure.
    assert grids.Grid("cases", [0], [], [], {}, {}).delimiters()[0][2] == [("\\{", 1.0)]


def test_an_unclosed_stroke_read_as_a_brace_a_quarter_of_the_time_opens_cases():
    from model.recognition import grids
    # A writer's long one-stroke brace, read ( 2.10 and \{ 0.85 over the three squashes
    # (composed seed 15): nothing closes it and rows stand right of it, so it is cases.
    ink = _grid_ink(right_delimiter=False)
    found = grids.find(ink, list(range(len(ink))), 20.0, lambda *a: {"(": 2.10, "\\{": 0.85})
    assert [g.env for g in found] == ["cases"]
    # Read as a brace far less often, an unclosed parenthesis (a tall ( of a fraction's line).
    assert grids.find(ink, list(range(len(ink))), 20.0, lambda *a: {"(": 2.10, "\\{": 0.3}) == []
