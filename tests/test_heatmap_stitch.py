"""The page's heatmap of several lines is put together from the lines' own heatmaps
(heatmap_stitch.py): what is drawn is what read each line, and the network does not run once
more over the page."""
import numpy as np
import pytest

from model.recognition.heatmap_stitch import grid_shape, stitched
from model.recognition.raster import Frame
from model.recognition.recognize import Recognizer
from model.recognition.result import Heatmap

from .shared_data import dev_files, requires_dev

CLASSES = ["a", "b", "__bg__"]


def _heat(frame, seed, window=45, stride=4):
    h, w = grid_shape(frame, window, stride)
    p = np.random.default_rng(seed).random((len(CLASSES), h, w)).astype(np.float32)
    return Heatmap(p / p.sum(0), CLASSES, frame, window, stride)


def test_a_piece_on_its_own_frame_is_itself():
    frame = Frame(0.5, -20.0, -40.0, 200, 120)
    piece = _heat(frame, 0)
    out = stitched(frame, [piece], CLASSES, 45, 4)
    np.testing.assert_array_equal(out.probs, piece.probs)
    assert out.frame == frame


def test_each_page_cell_takes_the_nearest_cell_of_the_piece_with_most_ink_there():
    page = Frame(0.5, 0.0, 0.0, 400, 300)
    top = _heat(Frame(0.6, -10.0, -20.0, 300, 100), 1)       # another zoom, another origin
    bottom = _heat(Frame(0.45, 0.0, 200.0, 300, 120), 2)
    out = stitched(page, [top, bottom], CLASSES, 45, 4)
    h, w = out.probs.shape[1:]
    for i, j in [(0, 0), (3, 10), (h // 2, w // 2), (h - 1, w - 1), (h - 5, 7)]:
        x, y = out.cell_center(i, j)
        candidates = []
        for piece in (top, bottom):
            pi = int(np.rint((piece.frame.to_pixels(np.array([[x, y]]))[0, 1] - 22) / 4))
            pj = int(np.rint((piece.frame.to_pixels(np.array([[x, y]]))[0, 0] - 22) / 4))
            ph, pw = piece.probs.shape[1:]
            if 0 <= pi < ph and 0 <= pj < pw:
                candidates.append(piece.probs[:, pi, pj])
        want = (min(candidates, key=lambda p: p[-1]) if candidates
                else np.array([0, 0, 1], np.float32))
        np.testing.assert_array_equal(out.probs[:, i, j], want)


def test_no_piece_leaves_background():
    out = stitched(Frame(1.0, 0.0, 0.0, 100, 100), [], CLASSES, 45, 4)
    assert (out.probs[-1] == 1).all() and (out.probs[:-1] == 0).all()


@requires_dev
def test_several_lines_draw_the_lines_own_heatmaps_without_running_over_the_page():
    from model.evaluation.stacked import stack
    from model.io.ink import read_inkml
    rec = Recognizer(threads=1)
    files = dev_files(40)
    lines = [read_inkml(files[3]).strokes(), read_inkml(files[11]).strokes()]
    strokes, groups = stack(lines, [1.2])
    r = rec.recognize(strokes)
    assert r.latex.startswith("\\begin{"), r.latex
    # No heatmap cache holds every stroke: each line's was computed for it alone.
    assert all(len(c.stroke_keys) < len(strokes) for c in rec._heats)
    assert r.heatmap is not None
    # Over each line's ink, the page shows the line's own probabilities.
    for g in groups:
        alone = Recognizer(threads=1).recognize([strokes[i] for i in g])
        ink = np.vstack([strokes[i] for i in g])
        x, y = np.median(ink, 0)
        c, s = (r.heatmap.window - 1) / 2, r.heatmap.stride
        px = r.heatmap.frame.to_pixels(np.array([[x, y]]))[0]
        i, j = int(np.rint((px[1] - c) / s)), int(np.rint((px[0] - c) / s))
        cx, cy = r.heatmap.cell_center(i, j)
        lp = alone.heatmap.frame.to_pixels(np.array([[cx, cy]]))[0]
        li, lj = int(np.rint((lp[1] - c) / s)), int(np.rint((lp[0] - c) / s))
        np.testing.assert_allclose(r.heatmap.probs[:, i, j], alone.heatmap.probs[:, li, lj], atol=1e-5)


@requires_dev
def test_readings_kept_past_the_newest_few_drop_their_heatmap_and_a_page_draws_it_again(monkeypatch):
    from model.evaluation.stacked import stack
    from model.io.ink import read_inkml
    from model.recognition import multiline
    files = dev_files(40)
    strokes, _ = stack([read_inkml(files[3]).strokes(), read_inkml(files[11]).strokes()], [1.2])
    whole = Recognizer(threads=1).recognize(strokes).heatmap
    monkeypatch.setattr(multiline, "HEATMAPS_KEPT", 1)
    rec = Recognizer(threads=1)
    r = rec.recognize(strokes)
    # Megabytes each: only the newest keeps its heatmap in the cache of line readings ...
    assert sum(k.heatmap is not None for k in rec._line_readings.values()) <= 2
    # ... and the page's is the same, the others drawn again.
    np.testing.assert_allclose(r.heatmap.probs, whole.probs, atol=1e-5)
