import numpy as np
import pytest

from model.recognition.raster import (DIRECTIONS, TARGET_SCALE, RasterError, frame_for, rasterize,
                                      symbol_crop, writing_scale)

from .shared_data import dev_files, requires_dev


def _x(size, x0=0.0, y0=0.0):
    t = np.linspace(0, 1, 20)[:, None]
    return [np.hstack([x0 + t * size, y0 + t * size]), np.hstack([x0 + (1 - t) * size, y0 + t * size])]


def test_rasterizer_is_deterministic():
    strokes = _x(100.0) + [np.array([[50.0, 50.0]])]
    f = frame_for(strokes)
    a, b = rasterize(strokes, f), rasterize(strokes, f)
    assert a.dtype == np.float32 and a.max() == 1.0 and a.min() == 0.0
    assert a.tobytes() == b.tobytes()


def test_writing_scale_normalises_size():
    # The same shape written 20 px and 200 px tall renders the same after normalisation.
    small, big = _x(20.0, 5, 5), _x(200.0, 300, 100)
    a = rasterize(small, frame_for(small))
    b = rasterize(big, frame_for(big))
    assert a.shape == b.shape
    assert np.abs(a - b).mean() < 0.02
    assert writing_scale(big) == pytest.approx(10 * writing_scale(small))


def test_stroke_width_is_proportional_to_scale():
    strokes = _x(100.0)
    f = frame_for(strokes)
    thin, thick = rasterize(strokes, f, thickness=1).sum(), rasterize(strokes, f, thickness=3).sum()
    assert thick > 2 * thin


def test_symbol_crop_centres_and_fits():
    strokes = _x(1000.0)
    f = frame_for(strokes + [np.array([[0.0, 0.0], [10.0, 0.0]])])
    crop = symbol_crop(strokes, f)
    assert crop.shape == (45, 45)
    ys, xs = np.nonzero(crop > 0.3)
    assert abs((xs.min() + xs.max()) / 2 - 22) <= 1 and abs((ys.min() + ys.max()) / 2 - 22) <= 1
    assert xs.min() >= 1 and xs.max() <= 43  # shrunk to fit


def test_no_ink_is_a_clear_error():
    with pytest.raises(RasterError, match="no ink"):
        frame_for([np.zeros((0, 2)), np.array([[np.nan, 1.0]])])


def test_non_finite_points_are_dropped():
    s = np.array([[0.0, 0.0], [np.inf, 3.0], [10.0, 10.0]])
    img = rasterize([s], frame_for([s]))
    assert np.isfinite(img).all() and img.max() == 1.0


@requires_dev
def test_real_expression_renders_at_target_scale():
    from model.io.ink import read_inkml
    ink = read_inkml(dev_files(3)[2])
    f = frame_for(ink.strokes())
    img = rasterize(ink.strokes(), f)
    assert img.shape == (f.height, f.width)
    assert writing_scale(ink.strokes()) * f.k == pytest.approx(TARGET_SCALE)
    assert 0.01 < (img > 0.5).mean() < 0.5


# ---- direction planes -------------------------------------------------------------------------
def _line(angle_deg, length=100.0, n=60):
    t = np.linspace(0, 1, n)[:, None]
    d = np.array([[np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))]])
    return [t * length * d + 200.0]


@pytest.mark.parametrize("angle, plane", [(0, 0), (180, 0), (45, 1), (90, 2), (270, 2), (135, 3), (-45, 3)])
def test_a_straight_stroke_lights_only_its_orientation_plane(angle, plane):
    strokes = _line(angle)
    f = frame_for(strokes + _line(angle + 90))   # a second stroke sets a sensible writing scale
    img = rasterize(strokes, f, directions=True)
    assert img.shape == (1 + DIRECTIONS, f.height, f.width)
    np.testing.assert_array_equal(img[0], rasterize(strokes, f))   # channel 0 is the plain ink
    ink = img[1:].sum(axis=(1, 2))
    assert ink[plane] > 0 and ink[plane] == pytest.approx(img[0].sum(), rel=0.05)
    assert all(ink[p] == 0 for p in range(DIRECTIONS) if p != plane)


def test_crossing_strokes_separate_into_planes():
    strokes = _x(100.0)   # the two diagonals of an x, as a × is written
    img = rasterize(strokes, frame_for(strokes), directions=True)
    lit = [p for p in range(DIRECTIONS) if img[1 + p].sum() > 0]
    assert lit == [1, 3]


def test_jitter_does_not_scatter_a_straight_stroke():
    rng = np.random.default_rng(0)
    stroke = _line(0, length=100, n=400)[0] + rng.normal(0, 0.15, size=(400, 2))
    f = frame_for([stroke, _line(90)[0]])
    img = rasterize([stroke], f, directions=True)
    ink = img[1:].sum(axis=(1, 2))
    assert ink[0] / ink.sum() > 0.9


def test_point_clouds_have_no_direction():
    pts = [np.array([[x, y] for x in range(10) for y in range(10)], float) * 3]
    img = rasterize(pts, frame_for(pts), points=True, directions=True)
    assert img[0].sum() > 0 and img[1:].sum() == 0


def test_crops_with_planes_match_the_frame_rendering():
    strokes = _x(100.0)
    f = frame_for(strokes)
    crop = symbol_crop(strokes, f, directions=True)
    assert crop.shape == (1 + DIRECTIONS, 45, 45)
    np.testing.assert_array_equal(crop[0], symbol_crop(strokes, f))
    assert crop[1:].max(axis=0).sum() == pytest.approx(crop[0].sum(), rel=0.1)


def test_stroke_extents_are_each_strokes_own_lowest_and_highest_point():
    from hypothesis import given, settings, strategies as st
    from hypothesis.extra.numpy import arrays
    from model.recognition.raster import stroke_extents, writing_scale

    coords = st.floats(-1e6, 1e6, allow_nan=False, width=64)
    stroke = st.integers(1, 30).flatmap(lambda n: arrays(np.float64, (n, 2), elements=coords))

    @settings(max_examples=200, deadline=None)
    @given(st.lists(stroke, min_size=1, max_size=12))
    def check(strokes):
        lo, hi = stroke_extents(strokes)
        np.testing.assert_array_equal(lo, [s.min(0) for s in strokes])
        np.testing.assert_array_equal(hi, [s.max(0) for s in strokes])
        assert writing_scale(strokes, clean=True) == _scale_stroke_by_stroke(strokes)
    check()


def _scale_stroke_by_stroke(strokes):
    """writing_scale as it was written before stroke_extents (one numpy call per stroke)."""
    sides = np.array([np.ptp(s, axis=0).max() for s in strokes])
    lo, hi = np.vstack([s.min(0) for s in strokes]).min(0), np.vstack([s.max(0) for s in strokes]).max(0)
    extent = float(max(hi - lo))
    tiny = max(1e-6, 1e-9 * float(np.abs(np.concatenate([lo, hi])).max()))
    if extent <= tiny:
        return 1.0
    floor = max(extent / 50.0, tiny)
    big = sides[sides > floor]
    est = float(np.median(big)) if len(big) else extent
    return max(est, floor)
