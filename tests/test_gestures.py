"""The pen gestures' geometry: lasso hits, the scratch-out zig-zag, crossing tests."""
import numpy as np
import pytest

from app.canvas.gestures import crossed, is_scratch, lasso_hits, turns
from model.io.ink import read_inkml

from .shared_data import dev_files, requires_dev


class S:
    def __init__(self, pts):
        self.drawn = np.asarray(pts, dtype=float)


def zigzag(passes=6, w=120.0, h=40.0, n=120):
    t = np.linspace(0, 1, n)
    phase = (t * passes) % 2
    return np.stack([w * np.where(phase < 1, phase, 2 - phase), h * t], 1)


def test_turns_counts_reversals_beyond_the_hysteresis():
    assert turns(np.array([0, 10, 0, 10, 0]), 5) == 3
    assert turns(np.array([0, 10, 8, 10, 0]), 5) == 1   # a wobble of 2 is not a turn
    assert turns(np.array([0, 1, 2, 3]), 0.5) == 0


@pytest.mark.parametrize("passes, expected", [(6, True), (8, True), (3, False)])
def test_zigzags_with_enough_passes_are_scratches(passes, expected):
    assert is_scratch(zigzag(passes)) is expected
    # Whatever the slant.
    a = np.deg2rad(35)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    assert is_scratch(zigzag(passes) @ rot.T) is expected


def test_small_or_short_marks_are_not_scratches():
    assert not is_scratch(zigzag(8, w=6, h=3))
    assert not is_scratch(zigzag(8)[:5])


@requires_dev
def test_no_handwritten_stroke_of_dev_is_a_scratch():
    strokes = [s for f in dev_files(300) for s in read_inkml(f).strokes()]
    assert len(strokes) > 3000
    assert [i for i, s in enumerate(strokes) if is_scratch(s[:, :2])] == []


def test_crossed_finds_exactly_the_strokes_the_gesture_crosses():
    strokes = [S([[10, 0], [10, 40]]), S([[50, 0], [50, 40]]), S([[200, 0], [200, 40]]),
               S([[10, 100], [60, 100]]), S([[30, 20]])]
    gesture = zigzag(6, w=70, h=10) + (0, 15)
    assert crossed(strokes, gesture) == [0, 1, 4]


def test_lasso_selects_strokes_mostly_inside():
    strokes = [S(np.stack([np.full(10, 10.0), np.linspace(0, 20, 10)], 1)),
               S(np.stack([np.full(10, 50.0), np.linspace(0, 20, 10)], 1)),
               S(np.stack([np.linspace(20, 80, 10), np.full(10, 10.0)], 1))]  # mostly outside
    loop = np.array([[0, -5], [30, -5], [30, 30], [0, 30]])
    assert lasso_hits(strokes, loop) == [0]
    assert lasso_hits(strokes, loop[:2]) == []
