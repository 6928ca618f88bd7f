"""The model of the pen's path: its inputs, the shipped file and a bad one, its place in the
decoder's evidence, and that an image (no path) is read by its picture alone."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from model.io.crohme import normalize_label
from model.io.ink import read_inkml
from model.recognition import decode, trajectory
from model.recognition.recognize import Recognizer
from model.training.train_trajectory import augment

from .shared_data import dev_files, requires_dev

SHIPPED = trajectory.DEFAULT_PATH
FCN_CLASSES = json.loads((SHIPPED.parent / "symbol_fcn.json").read_text())["classes"]


def _z():
    """A z: a bar, a diagonal down to the left, a bar (y grows downwards)."""
    return [np.array([[0, 0], [10, 0], [0, 12], [10, 12]], float)]


def test_inputs_have_the_promised_shape_and_are_finite_on_odd_ink():
    odd = [
        [np.array([[5.0, 5.0]])],                                    # a tap
        [np.array([[0, 0], [0, 0], [0, 0]], float)],                 # a tap of three points
        [np.array([[0, 0], [1e6, 1e6]], float)],                     # a huge stroke
        [np.random.default_rng(0).normal(size=(1_000_000, 2))],      # a million points
        [np.array([[i, 0]], float) for i in range(200)],             # more strokes than points
        [],
    ]
    for strokes in odd:
        seq, glob = trajectory.features(strokes, 10.0)
        assert seq.shape == (trajectory.POINTS, len(trajectory.POINT_FEATURES))
        assert glob.shape == (len(trajectory.GLOBAL_FEATURES),)
        assert np.isfinite(seq).all() and np.isfinite(glob).all()
    # a scale of 0 or NaN (no symbol to measure against) is not a crash either
    for scale in (0.0, float("nan")):
        assert np.isfinite(trajectory.features(_z(), scale)[0]).all()


def test_inputs_see_direction_order_and_size_but_not_where_or_in_what_unit():
    seq, glob = trajectory.features(_z(), 12.0)
    # the same ink moved and written in another unit reads the same
    moved = [s * 3.5 + [100.0, -40.0] for s in _z()]
    seq2, glob2 = trajectory.features(moved, 12.0 * 3.5)
    np.testing.assert_allclose(seq, seq2, atol=1e-5)
    np.testing.assert_allclose(glob, glob2, atol=1e-5)
    # the pen's direction is seen: the z drawn backwards starts at the other end
    back = trajectory.features([s[::-1] for s in _z()], 12.0)[0]
    assert not np.allclose(back[:, 4:6], seq[:, 4:6])
    # starts top left, the box kept in its aspect (10 wide, 12 high: its longer side is 1)
    np.testing.assert_allclose(seq[0, 0:2], [-5 / 12, -0.5], atol=1e-6)
    # the size against the expression is seen: the same shape in a larger hand reads smaller
    small = trajectory.features(_z(), 24.0)[1]
    assert small[0] < glob[0]
    # two strokes (an x): on paper, in flight to the second stroke, on paper again
    two = trajectory.features([np.array([[0, 0], [10, 10]], float), np.array([[10, 0], [0, 10]], float)], 10.0)[0]
    paper = two[:, 8]
    assert paper[0] == 1 and paper[-1] == 1 and 0 < (paper == 0).sum() < len(paper) // 2
    flying = two[paper == 0]
    np.testing.assert_allclose(flying[:, 4:6], np.tile([0.0, -1.0], (len(flying), 1)), atol=1e-6)  # straight up
    assert set(np.round(two[:, 9], 6)) == {0.0, 1.0}
    # the dot of an i gets points of its own, where it lies
    i = trajectory.features([np.array([[0, 4], [0, 12]], float), np.array([[0.2, 0.0]])], 10.0)[0]
    at_dot = (i[:, 9] == 1) & (i[:, 8] == 1)
    assert at_dot.sum() >= 2
    np.testing.assert_allclose(i[at_dot, 1], -0.5, atol=1e-6)


def test_a_dense_stroke_reads_as_its_thinned_self():
    """A mouse's point every 2-3 px is thinned before sampling: the same path at 10x the
    points gives nearly the same inputs, and candidates sharing a stroke read it alike."""
    t = np.linspace(0, 2 * np.pi, 60)
    loop = np.stack([np.cos(t), np.sin(t)], 1) * 20
    dense = np.stack([np.interp(np.linspace(0, 59, 600), np.arange(60), loop[:, k]) for k in (0, 1)], 1)
    a, _ = trajectory.features([loop], 20.0)
    b, _ = trajectory.features([dense], 20.0)
    np.testing.assert_allclose(a[:, :4], b[:, :4], atol=0.03)
    tail = np.array([[30.0, 0.0], [30.0, 30.0]])
    both = trajectory.batch_features([[dense], [dense, tail], [tail]], 20.0)[0]
    np.testing.assert_allclose(both[0], b, atol=1e-6)
    np.testing.assert_allclose(both[2], trajectory.features([tail], 20.0)[0], atol=1e-6)


def test_augmentation_keeps_the_strokes_and_varies_them():
    rng = np.random.default_rng(0)
    strokes = [np.array([[0, 0], [10, 0]], float), np.array([[5, -5], [5, 5]], float)]
    out, scale = augment(strokes, 10.0, rng)
    assert len(out) == 2 and sum(len(s) for s in out) == 4
    assert scale > 0 and np.isfinite(np.vstack(out)).all()
    assert not all(np.allclose(a, b) for a, b in zip(out, strokes))


def test_shipped_model_loads_and_reads_dev_symbols_by_their_path():
    model = trajectory.load(SHIPPED, FCN_CLASSES)
    assert model is not None
    assert model.classes == FCN_CLASSES[:-1]
    assert model.meta["fusion"]["weight"] > 0      # tuned, and it counts
    assert model.meta["trained_on"]["symbols_fit"] > 50_000


@requires_dev
def test_shipped_model_reads_most_dev_symbols_from_their_path_alone():
    from model.recognition.decode import reference_height
    model = trajectory.load(SHIPPED, FCN_CLASSES)
    right = total = 0
    for f in dev_files(60):
        ink = read_inkml(f)
        syms = [(normalize_label(lab), [ink.traces[i].xy for i in ids]) for lab, ids in ink.symbol_stroke_indices()]
        boxes = np.array([[*np.vstack(s).min(0), *np.vstack(s).max(0)] for _, s in syms])
        known = [(lab, s) for lab, s in syms if lab in model.classes]
        lp = model.log_probs([s for _, s in known], reference_height(boxes))
        right += sum(model.classes[int(k)] == lab for k, (lab, _) in zip(lp.argmax(1), known))
        total += len(known)
    assert total > 300
    assert right / total > 0.8


def test_missing_corrupt_or_mismatched_model_is_refused_with_a_clear_message(tmp_path):
    with pytest.warns(UserWarning, match="not found"):
        assert trajectory.load(tmp_path / "none.pt", FCN_CLASSES) is None
    bad = tmp_path / "trajectory.pt"
    bad.write_bytes(b"this is not a TorchScript archive")
    shutil.copy(SHIPPED.with_suffix(".json"), bad.with_suffix(".json"))
    with pytest.warns(UserWarning, match="unreadable"):
        assert trajectory.load(bad, FCN_CLASSES) is None
    shutil.copy(SHIPPED, bad)
    with pytest.warns(UserWarning, match="another class list"):
        assert trajectory.load(bad, list(reversed(FCN_CLASSES[:-1])) + ["<bg>"]) is None
    meta = json.loads(SHIPPED.with_suffix(".json").read_text())
    meta["point_features"] = meta["point_features"][:-1]
    bad.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.warns(UserWarning, match="inputs are not the ones"):
        assert trajectory.load(bad, FCN_CLASSES) is None
    # and the recognizer still reads, by the pictures alone
    rec = Recognizer(trajectory_path=bad)
    assert rec.context.trajectory is None
    assert rec.recognize([np.array([[0, 0], [30, 0]], float)], heatmap=False).symbols


def _fixed_model(n_classes: int, favourite: int, weight: float):
    """A path model that always says `favourite`."""
    import torch

    class Net(torch.nn.Module):
        def forward(self, seq, glob):
            out = torch.full((seq.shape[0], n_classes), -20.0)
            out[:, favourite] = 0.0
            return out

    return trajectory.TrajectoryModel(Net(), FCN_CLASSES[:-1], {}, weight)


def test_the_path_relabels_a_candidate_in_the_decoder_and_keeps_its_mass():
    rec = Recognizer(use_trajectory=False)
    strokes = [np.array([[0, 0], [10, 0], [0, 12], [10, 12]], float) * 3]
    clean = [s for s in strokes]
    frame = rec.frame(clean)
    px = [frame.to_pixels(s) for s in clean]
    cands, probs, ctx = rec.evidence(clean, frame, heat=rec.heatmap(clean, frame))
    from model.recognition import detect
    from model.recognition.recognize import stroke_boxes
    prior = detect.candidate_prior(cands, rec.classes)
    ctxm = rec.context
    base = decode.prepare(ctxm, cands, probs, ctx, prior, stroke_boxes(px), paths=px)
    z = FCN_CLASSES.index("z")
    ctxm.trajectory = _fixed_model(len(FCN_CLASSES) - 1, z, 2.0)
    fused = decode.prepare(ctxm, cands, probs, ctx, prior, stroke_boxes(px), paths=px)
    assert fused.evidence[0].argmax() == z
    lse = lambda a: np.log(np.exp(a).sum())  # noqa: E731
    assert lse(fused.evidence[0]) == pytest.approx(lse(base.evidence[0]), abs=1e-6)
    # no path (an image's ink), or a weight of 0: the evidence is the picture's alone
    np.testing.assert_allclose(decode.prepare(ctxm, cands, probs, ctx, prior, stroke_boxes(px)).evidence,
                               base.evidence)
    np.testing.assert_allclose(decode.prepare(ctxm, cands, probs, ctx, prior, stroke_boxes(px), paths=px,
                                              path_weight=0.0).evidence, base.evidence)


def test_an_image_is_read_by_its_picture_alone():
    import cv2
    img = np.full((120, 300), 255, np.uint8)
    cv2.line(img, (20, 60), (80, 60), 0, 4)
    cv2.line(img, (50, 30), (50, 90), 0, 4)
    cv2.line(img, (150, 30), (200, 90), 0, 4)
    cv2.line(img, (200, 30), (150, 90), 0, 4)
    with_path = Recognizer()
    assert with_path.context.trajectory is not None
    # a path model that would turn everything into a z changes nothing on an image
    with_path.context.trajectory = _fixed_model(len(FCN_CLASSES) - 1, FCN_CLASSES.index("z"), 5.0)
    without = Recognizer(use_trajectory=False)
    a = with_path.recognize_image(img, heatmap=False)
    b = without.recognize_image(img, heatmap=False)
    assert [s.label for s in a.symbols] == [s.label for s in b.symbols]
    assert [s.alternatives for s in a.symbols] == [s.alternatives for s in b.symbols]
    # while on ink the same model is heard
    ink = with_path.recognize([np.array([[0, 0], [30, 0], [0, 36], [30, 36]], float)], heatmap=False)
    assert [s.label for s in ink.symbols] == ["z"]
