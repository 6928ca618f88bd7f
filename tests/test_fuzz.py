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
