"""The benchmark's measures of several lines time what they say (not how fast: benchmarks do)."""
from model.evaluation.bench import _last_line, place_on_canvas
from model.recognition.recognize import Recognizer, prepare_strokes

from .shared_data import dev_files, requires_dev


@requires_dev
def test_last_line_times_each_stroke_of_the_last_line_stacked_and_alone():
    from model.evaluation.stacked import stack
    from model.io.ink import read_inkml
    rec = Recognizer(threads=1)
    one = read_inkml(dev_files(20)[5]).strokes()
    clean, index = prepare_strokes(place_on_canvas(one))
    assert _last_line(rec, place_on_canvas(one), clean, index, 1) == ([], [])
    strokes, groups = stack([read_inkml(dev_files(20)[2]).strokes(), one], [1.2])
    strokes = place_on_canvas(strokes)
    clean, index = prepare_strokes(strokes)
    stacked, alone = _last_line(rec, strokes, clean, index, 2)
    assert len(stacked) == len(alone) == 2 * len(groups[1])
    assert all(t > 0 for t in stacked + alone)


@requires_dev
def test_stack_times_the_last_stroke_of_the_stack_and_of_its_last_line_alone():
    from model.evaluation.bench import run
    m = run(dev_files(20)[5], runs=1, threads=1, stack=2)
    assert m["stack"] == 2 and m["strokes"] % 2 == 0
    assert m["latex"].startswith("\\begin{")  # read as two lines
    assert m["one_line_incremental_ms_p50"] > 0
    assert m["stack_incremental_over_one"] == m["incremental_ms_p50"] / m["one_line_incremental_ms_p50"]
    assert m["last_line_ms_p50"] > 0
