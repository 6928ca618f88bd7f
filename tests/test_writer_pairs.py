"""The look-alike pairs settled by the writer (model/recognition/writer_pairs.py)."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from model.io.ink import read_inkml
from model.recognition import decode, detect, writer, writer_pairs
from model.recognition.classes import default_classes
from model.recognition.recognize import Recognizer, stroke_boxes

from .shared_data import dev_files, requires_dev

CLASSES = default_classes()
SHIPPED = writer_pairs.DEFAULT_PATH


def _line():
    """a b 4 and a fourth symbol of strokes 3: x-height 10 on the baseline y = 100, digits 14."""
    boxes = np.array([[0, 90, 8, 100], [10, 86, 18, 100], [20, 86, 28, 100],
                      [30, 86, 38, 100],     # as tall as the digit: a capital's height
                      [30, 90, 38, 100]],    # the same strokes drawn small (another candidate)
                     float)
    strokes = [(0,), (1,), (2,), (3,), (3,)]
    return boxes, strokes


def test_size_features_measure_a_candidate_against_the_writers_own_classes():
    boxes, strokes = _line()
    sizes = writer_pairs.size_features(boxes, strokes, [0, 1, 2], ["a", "b", "4"])
    cap, small = writer.CLASSES.index("capital"), writer.CLASSES.index("small")
    # the tall one is a capital of this writer (rel ~ 0), a small letter 0.34 too big
    assert sizes[3, cap, 0] == pytest.approx(0.0, abs=0.01)
    assert sizes[3, small, 0] == pytest.approx(np.log(14 / 10), abs=0.01)
    # the small one the other way round; both sit on the writer's baseline
    assert sizes[4, small, 0] == pytest.approx(0.0, abs=0.01)
    assert sizes[4, cap, 0] < -0.3
    assert abs(sizes[4, small, 1]) < 0.05 and abs(sizes[3, cap, 1]) < 0.05
    # a symbol of the first reading is measured without itself: "a" alone is no frame of a
    assert np.isfinite(sizes[0]).all()
    assert np.isnan(writer_pairs.size_features(boxes[:1], strokes[:1], [0], ["a"])).all()


def test_features_see_the_writers_other_glyphs_but_never_the_candidate_itself():
    boxes, strokes = _line()
    sizes = writer_pairs.size_features(boxes, strokes, [0, 1, 2], ["a", "b", "4"])
    probs = np.full((5, len(CLASSES)), 1e-3)
    probs[:, CLASSES.index("a")] = 1.0
    probs /= probs.sum(1, keepdims=True)
    first_cls = np.array([CLASSES.index(c) for c in ("a", "b", "4")])
    x = writer_pairs.features(sizes, writer_pairs.size_classes(CLASSES), probs, strokes, [0, 1, 2], first_cls)
    a, mates, like = CLASSES.index("a"), 6, 7
    assert x[3, a, mates] == 1.0 and x[3, a, like] == pytest.approx(1.0, abs=0.01)
    assert x[0, a, mates] == 0.0   # the "a" itself shares its stroke: not another glyph
    assert x[3, CLASSES.index("+"), :6].tolist() == [0.0] * 6   # no size class, no size features
    assert np.isfinite(x).all()


def _model(weights=None, bias=None, weight=1.0):
    idx = writer_pairs.pair_index(CLASSES)
    w = np.zeros((len(writer_pairs.ROLES), writer_pairs.N_FEATURES)) if weights is None else weights
    return writer_pairs.WriterPairs(CLASSES, idx, w, np.zeros(len(idx)) if bias is None else bias, weight, {})


def test_roles_and_a_delta_that_reaches_only_the_classes_it_should():
    role = writer_pairs.roles(CLASSES)
    assert role[CLASSES.index("C")] == 1 and role[CLASSES.index("c")] == 2
    assert role[CLASSES.index("z")] == 3 and role[CLASSES.index("2")] == 4 and role[CLASSES.index("a")] == 0
    m = _model(bias=np.ones(len(writer_pairs.pair_index(CLASSES))))
    d = m.delta(np.zeros((2, len(CLASSES) - 1, writer_pairs.N_FEATURES)))
    assert d[:, CLASSES.index("C")].tolist() == [1.0, 1.0]
    assert d[:, CLASSES.index("a")].tolist() == [0.0, 0.0]


def test_save_load_round_trip_and_a_bad_file_is_refused(tmp_path):
    w = np.arange(len(writer_pairs.ROLES) * writer_pairs.N_FEATURES, dtype=float).reshape(len(writer_pairs.ROLES), -1)
    _model(w, weight=0.5).save(tmp_path / "wp.npz")
    back = writer_pairs.load(tmp_path / "wp.npz", CLASSES)
    np.testing.assert_allclose(back.weights, w)
    assert back.weight == 0.5
    with pytest.warns(UserWarning, match="not found"):
        assert writer_pairs.load(tmp_path / "none.npz", CLASSES) is None
    with pytest.warns(UserWarning, match="another class list"):
        assert writer_pairs.load(tmp_path / "wp.npz", CLASSES[::-1]) is None
    meta = json.loads((tmp_path / "wp.json").read_text())
    meta["features"] = meta["features"][:-1]
    (tmp_path / "wp.json").write_text(json.dumps(meta))
    with pytest.warns(UserWarning, match="unreadable"):
        assert writer_pairs.load(tmp_path / "wp.npz", CLASSES) is None


def test_shipped_model_loads_and_the_recognizer_reads_without_it_when_told():
    assert writer_pairs.load(SHIPPED, CLASSES) is not None
    assert Recognizer().context.writer is not None
    assert Recognizer(use_writer=False).context.writer is None


def test_a_broken_file_leaves_the_recognizer_reading(tmp_path):
    bad = tmp_path / "writer_pairs.npz"
    bad.write_bytes(b"not an npz")
    shutil.copy(SHIPPED.with_suffix(".json"), bad.with_suffix(".json"))
    with pytest.warns(UserWarning, match="unreadable"):
        rec = Recognizer(writer_path=bad)
    assert rec.context.writer is None
    assert rec.recognize([np.array([[0, 0], [30, 0]], float)], heatmap=False).symbols


def test_the_writer_relabels_in_the_decoder_and_keeps_each_candidates_mass():
    rec = Recognizer(use_writer=False)
    strokes = [np.array([[0, 0], [10, 0], [0, 12], [10, 12]], float) * 3,
               np.array([[40, 0], [50, 0], [40, 12], [50, 12]], float) * 3]
    frame = rec.frame(strokes)
    px = [frame.to_pixels(s) for s in strokes]
    cands, probs, ctx = rec.evidence(strokes, frame, heat=rec.heatmap(strokes, frame))
    prior = detect.candidate_prior(cands, rec.classes)
    ctxm = rec.context
    base = decode.prepare(ctxm, cands, probs, ctx, prior, stroke_boxes(px), paths=px)
    idx = writer_pairs.pair_index(CLASSES)
    bias = np.zeros(len(idx))
    bias[list(idx).index(CLASSES.index("C"))] = 30.0
    ctxm.writer = _model(bias=bias)
    moved = decode.prepare(ctxm, cands, probs, ctx, prior, stroke_boxes(px), paths=px)
    assert (moved.evidence.argmax(1) == CLASSES.index("C")).all()
    lse = lambda a: np.log(np.exp(a - a.max(1, keepdims=True)).sum(1)) + a.max(1)  # noqa: E731
    np.testing.assert_allclose(lse(moved.evidence), lse(base.evidence), atol=1e-6)
    # a weight of 0 is the decoder as before
    np.testing.assert_allclose(decode.prepare(ctxm, cands, probs, ctx, prior, stroke_boxes(px), paths=px,
                                              writer_weight=0.0).evidence, base.evidence)


def _size_features_one_frame_at_a_time(cand_boxes, cand_strokes, first, first_labels):
    """size_features as it was first written: writer.frame read again for each group of
    candidates (the reference the one-pass version must equal)."""
    n = len(cand_boxes)
    out = np.full((n, len(writer.CLASSES), 2), np.nan)
    owner = {}
    for j, k in enumerate(first):
        for s in cand_strokes[k]:
            owner[s] = j
    symbols = [(lab, tuple(cand_boxes[k])) for lab, k in zip(first_labels, first)]
    by_skip = {}
    for k in range(n):
        by_skip.setdefault(tuple(sorted({owner[s] for s in cand_strokes[k] if s in owner})), []).append(k)
    b = np.asarray(cand_boxes, np.float64).reshape(n, 4)
    h = b[:, 3] - b[:, 1]
    cx = (b[:, 0] + b[:, 2]) / 2
    ratio = np.array([writer_pairs._RATIO[c] for c in writer.CLASSES])
    from_top = np.array([writer._BASE_FROM_TOP[c] for c in writer.CLASSES])
    for skip, ks in by_skip.items():
        fr = writer.frame(symbols, exclude=skip)
        if fr is None:
            continue
        ks = np.array(ks)
        want = np.array([fr.class_height(c) for c in writer.CLASSES])
        hk = h[ks, None]
        ok = (hk > 0) & (want[None] > 0)
        with np.errstate(all="ignore"):
            rel = np.log(hk / want[None])
            own = b[ks, 1, None] + from_top[None] * hk / ratio[None]
            off = (own - fr.baseline_at(cx[ks])[:, None]) / fr.x_height
        out[ks, :, 0] = np.where(ok, rel, np.nan)
        out[ks, :, 1] = np.where(ok, off, np.nan)
    return out


def test_size_features_equal_the_frame_by_frame_reference_on_small_cases():
    boxes, strokes = _line()
    for first, labels in (([0, 1, 2], ["a", "b", "4"]), ([0], ["a"]), ([], []), ([0, 1], ["+", "("])):
        np.testing.assert_array_equal(writer_pairs.size_features(boxes, strokes, first, labels),
                                      _size_features_one_frame_at_a_time(boxes, strokes, first, labels))
    assert writer_pairs.size_features(np.zeros((0, 4)), [], [], []).shape == (0, len(writer.CLASSES), 2)


@requires_dev
def test_size_features_equal_the_frame_by_frame_reference_on_dev_expressions(monkeypatch):
    """The decoder's own inputs on real files: every candidate's sizes bit for bit."""
    seen = []
    fast = writer_pairs.size_features

    def record(*args):
        seen.append(args)
        return fast(*args)
    monkeypatch.setattr(writer_pairs, "size_features", record)
    rec = Recognizer()
    for f in dev_files()[::40]:
        rec.clear_caches()
        rec.recognize(read_inkml(f).strokes(), heatmap=False)
    assert len(seen) >= 20 and sum(len(a[0]) for a in seen) > 500
    for args in seen:
        np.testing.assert_array_equal(fast(*args), _size_features_one_frame_at_a_time(*args))
