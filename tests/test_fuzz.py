"""Property-based tests: hostile or degenerate input never raises anything but our own errors."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from model.io.ink import InkError, parse_inkml, to_inkml, ink_from_strokes
from model.recognition.layout import assemble
from model.recognition.raster import RasterError, frame_for, rasterize
from model.recognition.recognize import DEFAULT_MODEL, InputError, Recognizer
from model.recognition.result import Symbol
from model.recognition.classes import SYMBOLS

coords = st.floats(allow_nan=True, allow_infinity=True, width=64)
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
stroke = arrays(np.float64, st.tuples(st.integers(0, 40), st.just(2)), elements=coords)
sane_stroke = arrays(np.float64, st.tuples(st.integers(1, 40), st.just(2)), elements=finite)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def rec():
    return Recognizer(DEFAULT_MODEL)


@FAST
@given(st.binary(max_size=400))
def test_reader_on_random_bytes(data):
    try:
        parse_inkml(data, "fuzz.inkml")
    except InkError as e:
        assert "fuzz.inkml" in str(e)


@FAST
@given(st.text(alphabet='<>/="ink trace traceGroup annotation 0123456789.,- \n', max_size=300))
def test_reader_on_xmlish_text(text):
    try:
        parse_inkml("<ink>" + text + "</ink>", "fuzz.inkml")
    except InkError:
        pass


@FAST
@given(st.lists(sane_stroke, min_size=1, max_size=6))
def test_writer_reader_round_trip(strokes):
    back = parse_inkml(to_inkml(ink_from_strokes(strokes)))
    for a, b in zip(strokes, back.strokes()):
        np.testing.assert_array_equal(a, b)


@FAST
@given(st.lists(stroke, max_size=6))
def test_rasterizer_on_degenerate_ink(strokes):
    try:
        f = frame_for(strokes)
    except RasterError:
        return
    img = rasterize(strokes, f)
    assert img.ndim == 2 and np.isfinite(img).all() and max(img.shape) <= 4200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(stroke, max_size=8))
def test_recognizer_on_degenerate_ink(rec, strokes):
    r = rec.recognize(strokes)
    n_valid = sum((np.abs(np.asarray(s)) < 1e12).all(1).any() for s in strokes if len(s))
    claimed = sorted(i for s in r.symbols for i in s.strokes)
    assert claimed == sorted(set(claimed)) and len(claimed) == n_valid


def test_recognizer_on_extremes(rec):
    million = np.cumsum(np.random.default_rng(0).normal(size=(1_000_000, 2)), axis=0)
    r = rec.recognize([million])
    assert len(r.symbols) == 1
    far = [np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[1e9, 1e9], [1e9 + 1, 1e9]])]
    assert len(rec.recognize(far).symbols) == 2
    dots = [np.array([[5.0, 5.0]] * 50)] * 3
    assert len(rec.recognize(dots).symbols) >= 1
    with pytest.raises(InputError):
        rec.recognize([np.zeros((1, 2))] * 100_000)


symbol = st.builds(
    lambda lab, x, y, w, h, sc: Symbol(lab, sc, (x, y, x + w, y + h)),
    st.sampled_from(SYMBOLS), finite, finite, st.floats(0, 1e4), st.floats(0, 1e4), st.floats(0, 1))


@FAST
@given(st.lists(symbol, max_size=25))
def test_layout_never_fails(symbols):
    e = assemble(symbols)
    assert isinstance(e.text, str) and isinstance(e.latex, str)
    assert (e.latex == "") == (not symbols)


MARK_LABELS = ["+", "=", "\\pm", "1", "l", "|", "i", "j", "7", "z", "\\sqrt", "\\sum", "\\ldots", "\\}",
               "\\{", "(", "6", "s", "c", "o", "n", "x"]
DOTS = [".", ",", "\\prime", "0", "o", "\\cdot"]


@st.composite
def written(draw):
    """Symbols as the decoder gives them, in writing order, crowded into a small square so that
    the rules find what to join: dots (one stroke, a few pixels), bars (one flat stroke) and
    symbols of one to three strokes."""
    n = draw(st.integers(0, 14))
    out, stroke_no = [], 0
    for _ in range(n):
        kind = draw(st.sampled_from(["dot", "bar", "symbol", "symbol"]))
        x, y = draw(st.floats(0, 60)), draw(st.floats(0, 60))
        if kind == "dot":
            label, k, w, h = draw(st.sampled_from(DOTS)), 1, draw(st.floats(0, 4)), draw(st.floats(0, 4))
        elif kind == "bar":
            label, k, w, h = "-", 1, draw(st.floats(2, 40)), draw(st.floats(0, 3))
        else:
            label, k = draw(st.sampled_from(MARK_LABELS)), draw(st.integers(1, 3))
            w, h = draw(st.floats(3, 40)), draw(st.floats(3, 40))
        p = draw(st.floats(0.01, 1))
        alts = [(label, p)] + [(a, p / 2) for a in draw(st.lists(st.sampled_from(MARK_LABELS + DOTS), max_size=2))
                               if a != label]
        out.append(Symbol(label, p, (x, y, x + w, y + h), list(range(stroke_no, stroke_no + k)), alts))
        stroke_no += k
    keep = set(draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=3))) if n else set()
    return out, keep


@FAST
@given(written())
def test_the_marks_rules_lose_no_stroke_and_keep_what_the_user_fixed(case):
    """Whatever they join or relabel, every stroke ends in exactly one symbol, each old symbol's
    index names the symbol holding its strokes, and a symbol the user fixed comes back as it was."""
    from model.recognition.marks import read_marks
    symbols, keep = case
    out, index, made = read_marks(symbols, keep)
    strokes = [i for s in out for i in s.strokes]
    assert sorted(strokes) == sorted(i for s in symbols for i in s.strokes)
    assert len(index) == len(symbols) and made <= set(range(len(out)))
    for old, new in zip(symbols, index):
        assert new is not None and set(old.strokes) <= set(out[new].strokes)
    for k in keep:
        assert (out[index[k]].label, out[index[k]].strokes) == (symbols[k].label, symbols[k].strokes)
