"""The incremental heatmap equals a full recompute (the network is translation-equivariant)."""
import numpy as np
import pytest

from model.recognition.heatmap_cache import HeatmapCache
from model.recognition.recognize import DEFAULT_MODEL, Recognizer, prepare_strokes

from .shared_data import dev_files, requires_dev


@pytest.fixture(scope="module")
def rec():
    return Recognizer(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def plain(rec):
    """The recognizer on the network as stored: exact arithmetic, no oneDNN kernel choices."""
    import torch
    import warnings
    from types import SimpleNamespace
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = torch.jit.load(str(DEFAULT_MODEL)).eval()
    return SimpleNamespace(net=net, window=rec.window, stride=rec.stride, frame=rec.frame,
                           directions=rec.directions)


def _strokes(seed=0, n=12):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        t = np.linspace(0, 1, 30)[:, None]
        start = np.array([60.0 * i, 100 + rng.uniform(-20, 20)])
        end = start + rng.uniform(10, 50, size=2)
        out.append(start + t * (end - start) + rng.normal(0, 1, (30, 2)))
    return out


def _check_incremental(rec, strokes, atol=2e-4):
    """Add strokes one by one; each incremental heatmap must equal a fresh full one."""
    inc = HeatmapCache(rec.net, rec.window, rec.stride, rec.directions)
    partial_updates = 0
    for n in range(1, len(strokes) + 1):
        clean, _ = prepare_strokes(strokes[:n])
        frame = rec.frame(clean)
        got = inc.compute(clean, frame)
        full = HeatmapCache(rec.net, rec.window, rec.stride, rec.directions).compute(clean, frame)
        assert got.shape == full.shape
        np.testing.assert_allclose(got, full, atol=atol)
        partial_updates += inc.last_cells_computed < full.shape[1] * full.shape[2]
    return partial_updates


def test_incremental_heatmap_equals_full_recompute(plain):
    assert _check_incremental(plain, _strokes()) >= 5  # most updates really were partial


def test_incremental_with_the_optimised_network(rec):
    # oneDNN picks convolution algorithms by input size: same maths, float noise ~1e-3.
    assert _check_incremental(rec, _strokes(), atol=3e-3) >= 5


@pytest.fixture(scope="module")
def planes_model(tmp_path_factory):
    """A small untrained network on ink + direction planes, exported as the app ships one."""
    import torch
    from model.recognition.classes import default_classes
    from model.recognition.network import SymbolFCN
    from model.recognition.raster import DIRECTIONS
    from model.training.export import export
    out = tmp_path_factory.mktemp("planes")
    torch.manual_seed(0)
    classes = default_classes()
    net = SymbolFCN(len(classes), (8, 12, 16), in_channels=1 + DIRECTIONS).eval()
    torch.save({"state_dict": net.state_dict(), "widths": (8, 12, 16), "classes": classes,
                "in_channels": 1 + DIRECTIONS}, out / "best.pt")
    return export(out / "best.pt", None, out)


def test_incremental_with_direction_planes(planes_model):
    """Every channel, planes included, is a function of the window's ink alone."""
    rec = Recognizer(planes_model)
    assert rec.directions and rec.in_channels == 5
    assert _check_incremental(rec, _strokes(), atol=3e-3) >= 5
    result = rec.recognize(_strokes(3))   # the whole pipeline runs on the 5-channel input
    assert sorted(i for s in result.symbols for i in s.strokes) == list(range(12))


def test_erasing_a_stroke_updates_its_windows(plain):
    rec = plain
    strokes = _strokes(1)
    inc = HeatmapCache(rec.net, rec.window, rec.stride, rec.directions)
    clean, _ = prepare_strokes(strokes)
    frame = rec.frame(clean)
    inc.compute(clean, frame)
    fewer = clean[:5] + clean[6:]
    got = inc.compute(fewer, frame)
    full = HeatmapCache(rec.net, rec.window, rec.stride, rec.directions).compute(fewer, frame)
    np.testing.assert_allclose(got, full, atol=2e-4)
    assert inc.last_cells_computed < full.shape[1] * full.shape[2]


@requires_dev
def test_incremental_on_real_expression(plain):
    rec = plain
    from model.io.ink import read_inkml
    ink = read_inkml(dev_files(20)[7])
    assert _check_incremental(rec, ink.strokes()) >= 1


@requires_dev
def test_several_lines_keep_a_heatmap_each_and_a_new_stroke_recomputes_only_its_line():
    """Each line is read in its own frame and its reading is kept by its ink: with one cache the
    lines and the page evicted each other and every recognition ran the network over all of them
    again; a new stroke reads only its own line again, and the page's heatmap only around it."""
    from model.evaluation.stacked import stack
    from model.io.ink import read_inkml
    rec = Recognizer(threads=1)
    bench = next(f for f in dev_files() if f.name == "18_em_17.inkml")   # the bench's expression
    lines = [read_inkml(bench).strokes()] * 3
    strokes, _ = stack(lines, [1.2, 1.2])
    first = rec.recognize(strokes[:-1])
    assert first.latex.startswith("\\begin{")
    kept = dict(rec._line_readings)
    rec.recognize(strokes)                       # the last line gets its last stroke
    assert sum(rec._line_readings.get(k) is r for k, r in kept.items()) >= 2   # two lines not read again
    full = sum(int(np.prod(c._probs.shape[1:])) for c in rec._heats)
    for c in rec._heats:
        c.last_cells_computed = 0
    rec.recognize(strokes[:-1])                  # undo: the same ink as before
    again = sum(c.last_cells_computed for c in rec._heats)
    assert again < 0.25 * full
    fresh = Recognizer(threads=1).recognize(strokes[:-1])
    assert rec.recognize(strokes[:-1]).latex == fresh.latex
