"""The recognizer on real handwriting from dev/ (with the shipped model)."""
import numpy as np
import pytest

from model.io.ink import read_inkml
from model.io.crohme import normalize_label
from model.recognition.recognize import DEFAULT_MODEL, InputError, ModelError, Recognizer

from .shared_data import DEV, dev_files, requires_dev


@pytest.fixture(scope="module")
def rec():
    return Recognizer(DEFAULT_MODEL)


def _dev_symbols(labels):
    """One real written instance of each wanted label from dev/, as (label, (strokes, writing scale))."""
    from model.recognition.raster import writing_scale
    found = {}
    for f in dev_files():
        ink = read_inkml(f)
        for label, ids in ink.symbol_stroke_indices():
            label = normalize_label(label)
            if label in labels and label not in found:
                found[label] = ([ink.traces[i].xy for i in ids], writing_scale(ink.strokes()))
        if len(found) == len(labels):
            break
    return [(lab, found[lab]) for lab in labels]


def _compose(symbols, height=60.0, gap=25.0, x0=40.0, baseline=250.0):
    """Lay real symbols out left to right on a canvas, their writer's size mapped to `height` px,
    each centred on the same line."""
    strokes, x = [], x0
    for _, (sym, scale) in symbols:
        pts = np.vstack(sym)
        lo, hi = pts.min(0), pts.max(0)
        k = height / scale
        for s in sym:
            strokes.append((s - lo) * k + [x, baseline - (hi[1] - lo[1]) * k / 2])
        x += (hi[0] - lo[0]) * k + gap
    return strokes


def test_empty_canvas_is_empty_result(rec):
    r = rec.recognize([])
    assert r.symbols == [] and r.text == "" and r.latex == "" and r.heatmap is None
    r = rec.recognize([np.zeros((0, 2)), np.array([[np.nan, np.nan]])])
    assert r.symbols == []


def test_missing_and_corrupt_model(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        Recognizer(tmp_path / "none.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage" * 100)
    (tmp_path / "bad.json").write_text(DEFAULT_MODEL.with_suffix(".json").read_text())
    with pytest.raises(ModelError, match="corrupt"):
        Recognizer(bad)


def test_heatmap_covers_the_ink(rec):
    s = [np.array([[100.0, 100.0], [100.0, 160.0]]), np.array([[130.0, 100.0], [170.0, 160.0]])]
    r = rec.recognize(s)
    c, h, w = r.heatmap.probs.shape
    assert c == len(rec.classes) and h >= 1 and w >= 1
    np.testing.assert_allclose(r.heatmap.probs.sum(0), 1.0, atol=1e-4)
    x1, y1, x2, y2 = r.heatmap.extent()
    assert x1 <= 100 and y1 <= 100 and x2 >= 170 and y2 >= 160


@requires_dev
def test_synthetic_canvas_of_real_symbols_in_order(rec):
    labels = ["2", "a", "+", "3", "=", "7", "b", "4"]
    syms = _dev_symbols(labels)
    r = rec.recognize(_compose(syms))
    got = [s.label for s in sorted(r.symbols, key=lambda s: s.box[0])]
    assert got == labels
    claimed = sorted(i for s in r.symbols for i in s.strokes)
    assert claimed == sorted(set(claimed))  # no stroke claimed twice


@requires_dev
@pytest.mark.parametrize("height", [20.0, 200.0])
def test_symbols_found_small_and_large(rec, height):
    labels = ["5", "x", "y", "8"]
    syms = _dev_symbols(labels)
    strokes = _compose(syms, height=height, gap=height * 0.4, x0=10, baseline=height + 20)
    r = rec.recognize(strokes)
    assert [s.label for s in sorted(r.symbols, key=lambda s: s.box[0])] == labels


def test_image_limits(rec):
    with pytest.raises(InputError, match="too large"):
        rec.recognize_image(np.zeros((8000, 8000), np.uint8))
    assert rec.recognize_image(np.full((100, 100), 255, np.uint8)).symbols == []


# Real CROHME 2014 test expressions: x^2, subscripts, fractions, roots.
REAL = {
    "35_em_17.inkml": "x^{2}+x+1",
    "34_em_248.inkml": "q_{i}+a",
    "23_em_54.inkml": "\\beta_{0}=1000",
    "18_em_9.inkml": "\\frac{a}{b+\\sqrt{c}}",
    "20_em_32.inkml": "\\frac{\\pi}{3}",
    "23_em_55.inkml": "\\sqrt{113}",
}


@requires_dev
@pytest.mark.parametrize("name, latex", sorted(REAL.items()))
def test_real_expressions_give_the_right_latex(rec, name, latex):
    from model.recognition.layout import assemble
    from model.evaluation.structure import same_structure
    from model.recognition.notation.canonical import from_layout, from_mathml
    ink = read_inkml(next(DEV.rglob(name)))
    r = rec.recognize(ink.strokes())
    assert r.latex == latex
    assert same_structure(from_layout(assemble(r.symbols).tree), from_mathml(ink.truth_mathml))
