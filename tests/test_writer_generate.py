"""Writer-consistent expressions with their case letters swapped (model/training/writer_generate.py)."""
import numpy as np

from model.recognition import writer
from model.recognition.classes import default_classes
from model.training.writer_generate import swapped

CLASSES = default_classes()


def _box(strokes):
    pts = np.vstack(strokes)
    return np.r_[pts.min(0), pts.max(0)]


def test_a_small_letter_becomes_the_writers_capital_on_the_same_baseline_and_pushes_the_rest_over():
    # a x 4 B: x-height 10, digits and capitals 14, baseline y = 100
    def rect(x1, y1, x2, y2):
        return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], float)
    strokes = [rect(0, 90, 8, 100), rect(10, 90, 18, 100), rect(20, 86, 28, 100), rect(30, 86, 38, 100)]
    truth = [(CLASSES.index(c), (i,)) for i, c in enumerate(["a", "x", "4", "B"])]
    out, new = swapped(strokes, truth, CLASSES, np.random.default_rng(0))
    assert [CLASSES[c] for c, _ in new] == ["a", "X", "4", "B"]
    x1, y1, x2, y2 = _box([out[1]])
    assert y2 == 100 and abs((y2 - y1) - 14) < 1e-6           # the writer's capital height, on the line
    assert x1 == 10 and abs((x2 - x1) - 8 * 1.4) < 1e-6       # its aspect kept
    assert _box([out[2]])[0] == 20 + 8 * 0.4                    # the next symbols moved over
    assert (out[0] == strokes[0]).all()                         # the ones before untouched
    assert writer.frame([(CLASSES[c], _box([out[s[0]]])) for c, s in new]).capitals == 14


def test_nothing_to_swap_gives_none():
    strokes = [np.array([[0, 0], [5, 10]], float)]
    assert swapped(strokes, [(CLASSES.index("4"), (0,))], CLASSES, np.random.default_rng(0)) is None
