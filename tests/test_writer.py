"""The writer's frame (model/recognition/writer.py): the line and the sizes of one writer."""
import math

import numpy as np

from model.io.crohme import labelled_symbols
from model.io.ink import read_inkml
from model.recognition import writer
from model.recognition.classes import default_classes

from .shared_data import dev_files, requires_dev


def _expr(scale=1.0, sub_scale=0.8, sub_drop=0.35):
    """x_2 + a b: letters of x-height 10*scale on the baseline y=100, a digit subscript
    `sub_scale` of the writer's digits, its baseline `sub_drop` x-heights below the line."""
    xh = 10 * scale
    sub_h = 14 * scale * sub_scale
    sub_bottom = 100 + sub_drop * xh
    return [("x", (0, 100 - xh, xh, 100)),
            ("2", (xh + 1, sub_bottom - sub_h, xh + 7, sub_bottom)),
            ("+", (25 * scale, 100 - xh, 32 * scale, 100)),
            ("a", (40 * scale, 100 - xh, 48 * scale, 100)),
            ("b", (50 * scale, 100 - 14 * scale, 58 * scale, 100)),
            ("4", (60 * scale, 100 - 14 * scale, 68 * scale, 100))]


def test_frame_reads_the_line_and_the_writers_sizes():
    fr = writer.frame(_expr(sub_scale=0.6))  # a script this small is not of the main size
    assert math.isclose(fr.x_height, 10, rel_tol=0.05)
    assert math.isclose(fr.baseline_at(30), 100, abs_tol=0.5)
    assert fr.slope == 0.0
    assert math.isclose(fr.small, 10) and math.isclose(fr.digits, 14)
    # The same writing twice as big gives the same frame, in its own units.
    big = writer.frame(_expr(scale=2.0, sub_scale=0.6))
    assert math.isclose(big.x_height, 20, rel_tol=0.05)


def test_a_slightly_smaller_lower_digit_measures_as_smaller_and_lower():
    symbols = _expr(sub_scale=0.8, sub_drop=0.35)
    fr = writer.frame(symbols, exclude={1})
    label, box = symbols[1]
    assert writer.relative_size(fr, label, box) < -0.15
    assert 0.25 < writer.baseline_offset(fr, label, box) < 0.45
    # The digit on the line, written as big as the writer's other digit, measures as on it.
    assert abs(writer.relative_size(fr, "4", symbols[5][1])) < 0.05
    assert abs(writer.baseline_offset(fr, "4", symbols[5][1])) < 0.05


def test_own_sizes_leave_the_symbol_out():
    sizes = writer.own_sizes(_expr(sub_scale=0.6))
    assert sizes[1] < math.log(0.7)          # the script digit against the other digit
    assert abs(sizes[5]) < math.log(1.5)     # the line digit against the script one: larger
    assert np.isnan(sizes[2])                # a + says nothing of size


def test_a_slanted_line_is_followed():
    symbols = [("a", (10 * k, 100 - 10 + 2 * k, 10 * k + 8, 100 + 2 * k)) for k in range(6)]
    fr = writer.frame(symbols)
    assert math.isclose(fr.slope, 0.2, abs_tol=0.01)
    assert math.isclose(fr.baseline_at(54), 110, abs_tol=0.5)


def test_no_sizes_no_frame_and_odd_boxes_do_not_raise():
    assert writer.frame([("+", (0, 0, 5, 5)), ("(", (6, 0, 8, 12))]) is None
    assert writer.frame([]) is None
    assert writer.relative_size(None, "x", (0, 0, 1, 1)) is None
    odd = [("x", (0, 0, 0, 0)), ("2", (float("nan"),) * 4), ("a", (0, 0, 5, 5))]
    fr = writer.frame(odd)
    assert fr is not None and fr.x_height == 5
    assert np.isnan(writer.own_sizes(odd)).all()


def _frames_one_by_one(symbols, excludes):
    return [writer.frame(symbols, exclude=e) for e in excludes]


def _excludes(n):
    """No symbol, each one, each two and three in a row, all, and indices that are no symbol's."""
    return ([()] + [(i,) for i in range(n)] + [(i, i + 1) for i in range(n - 1)]
            + [(i, i + 1, i + 2) for i in range(n - 2)] + [tuple(range(n)), (0, n + 3, -1)])


def test_frames_in_one_pass_equal_frame_one_by_one_on_odd_and_tied_input():
    rng = np.random.default_rng(0)
    labels = ["a", "x", "2", "4", "b", "g", "f", "C", "+", "(", "="]
    for _ in range(300):
        n = int(rng.integers(0, 12))
        # Coordinates on a coarse grid: equal heights, baselines and centres, ties everywhere.
        boxes = rng.integers(0, 6, (n, 4)).astype(float) * 5
        boxes[:, 2:] += boxes[:, :2] + rng.integers(0, 3, (n, 2)) * 5
        symbols = [(str(rng.choice(labels)), tuple(b)) for b in boxes]
        excludes = _excludes(n)
        assert writer.frames(symbols, excludes) == _frames_one_by_one(symbols, excludes)
    odd = [("x", (0, 0, 0, 0)), ("2", (float("nan"),) * 4), ("a", (0, 0, 5, 5)), ("+", (0, 0, 5, 5))]
    assert writer.frames(odd, _excludes(4)) == _frames_one_by_one(odd, _excludes(4))
    slanted = [("a", (10 * k, 100 - 10 + 2 * k, 10 * k + 8, 100 + 2 * k)) for k in range(6)]
    assert writer.frames(slanted, _excludes(6)) == _frames_one_by_one(slanted, _excludes(6))
    assert writer.frames([], [(), (0,)]) == [None, None]
    assert writer.frames(_expr(), []) == []


@requires_dev
def test_frames_in_one_pass_equal_frame_one_by_one_on_dev_expressions():
    classes = default_classes()
    files = dev_files()[::10]
    n_frames = 0
    for f in files:
        symbols = []
        for s in labelled_symbols(read_inkml(f), classes):
            pts = np.vstack(s.strokes)
            symbols.append((s.label, (*pts.min(0), *pts.max(0))))
        excludes = _excludes(len(symbols))
        fast = writer.frames(symbols, excludes)
        assert fast == _frames_one_by_one(symbols, excludes), f
        n_frames += sum(fr is not None for fr in fast)
    assert len(files) > 50 and n_frames > 1000
