"""The learned context model: its inputs, its training (it learns what decides and resumes
from its checkpoint), its place in the decoder's search, and a bad model file is refused."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from model.evaluation.evaluate import segmentation_misses
from model.recognition import context_net, decode, detect
from model.recognition.classes import default_classes
from model.training import train_context

from .test_decode import CLASSES, C, _model, _problem


def _inputs(seed: int, n: int):
    cands, probs, ctx, prior, boxes = _problem(seed, n)
    first = decode.first_reading(n, cands, probs, ctx, prior)
    return cands, probs, ctx, prior, boxes, context_net.candidate_inputs(cands, probs, ctx, boxes, first, None)


def test_inputs_have_the_promised_width_and_are_finite():
    for seed, n in ((0, 1), (1, 4), (2, 7)):
        cands, probs, *_, x = _inputs(seed, n)
        assert x.shape == (len(cands), context_net.n_inputs(len(CLASSES)))
        assert np.isfinite(x).all()
        # the first columns are the network's log-probabilities alone
        np.testing.assert_allclose(np.exp(x[:, :C + 1]), probs, atol=1e-5)


def _written(heights, labels):
    """One stroke per symbol on a common baseline at y=100, each its own candidate, the
    first reading all of them, labelled `labels`."""
    boxes = np.array([[30.0 * i, 100 - h, 30.0 * i + 20, 100] for i, h in enumerate(heights)])
    cands = [detect.Candidate((i,), b) for i, b in enumerate(boxes)]
    return cands, boxes, list(range(len(cands))), labels


def test_writer_inputs_measure_a_letter_against_the_writers_own_sizes():
    from model.recognition import writer
    names = list(writer.CLASSES)
    small, capital = names.index("small"), names.index("capital")
    # One writer's small letters are 10 high; the last c is 14, as tall as their capitals.
    cands, boxes, first, labels = _written([10, 10, 10, 10, 14], ["a", "n", "e", "u", "c"])
    x = context_net.writer_features(cands, boxes, first, labels)
    assert x.shape == (5, len(context_net.WRITER_FEATURES))
    assert x[:, 0].all()                                # a frame for every symbol
    rel = x[:, 1::2]
    assert rel[4, small] == pytest.approx(np.log(1.4), abs=1e-6)     # too tall for a small letter
    assert rel[4, capital] == pytest.approx(0.0, abs=1e-6)           # a capital's height
    assert rel[0, small] == pytest.approx(0.0, abs=1e-6)
    # The same c written by someone whose small letters are 14 high is a small letter.
    cands, boxes, first, labels = _written([14, 14, 14, 14, 14], ["a", "n", "e", "u", "c"])
    assert context_net.writer_features(cands, boxes, first, labels)[4, 1 + 2 * small] == pytest.approx(0.0, abs=1e-6)


def test_writer_inputs_are_flagged_unknown_without_sized_symbols_and_extend_the_width():
    cands, boxes, first, labels = _written([10, 30], ["+", "("])
    x = context_net.writer_features(cands, boxes, first, labels)
    assert (x == 0).all()
    cands, probs, ctx, prior, boxes = _problem(3, 5)
    first = decode.first_reading(5, cands, probs, ctx, prior)
    x = context_net.candidate_inputs(cands, probs, ctx, boxes, first, None, classes=CLASSES)
    assert x.shape == (len(cands), context_net.n_inputs(len(CLASSES), writer_inputs=True))
    assert np.isfinite(x).all()
    plain = context_net.candidate_inputs(cands, probs, ctx, boxes, first, None)
    np.testing.assert_array_equal(x[:, :plain.shape[1]], plain)


def test_writing_order_follows_the_first_then_last_stroke():
    cands, *_ = _problem(0, 5)
    order = context_net.writing_order(cands, None)
    spans = [(min(cands[k].strokes), max(cands[k].strokes)) for k in order]
    assert spans == sorted(spans)
    # with another writing order given, the candidates follow it
    pos_of = {s: 4 - s for s in range(5)}
    back = [min(pos_of[s] for s in cands[k].strokes) for k in context_net.writing_order(cands, pos_of)]
    assert back == sorted(back)


def _synthetic(n_expr: int, seed: int):
    """Expressions whose true class is written in one input column and whose whole-symbol
    target in another: a model that learns anything learns these."""
    rng = np.random.default_rng(seed)
    width = 12
    out = []
    for i in range(n_expr):
        n = int(rng.integers(2, 9))
        x = rng.normal(size=(n, width)).astype(np.float32)
        y = rng.integers(0, 4, size=n)
        x[:, :4] = 3 * np.eye(4)[y]
        whole = (rng.random(n) < 0.5).astype(np.float32)
        x[:, 4] = 3 * (whole * 2 - 1)
        y[whole == 0] = -1
        out.append({"x": x, "y": y, "whole": whole, "writer": f"w{i}", "source": str(i)})
    return out


def test_training_learns_what_decides_and_resumes_from_its_checkpoint(tmp_path):
    fit, val = _synthetic(200, 0), _synthetic(60, 1)
    ckpt = tmp_path / "ctx.pt"
    net, history = train_context.train(fit, val, 4, epochs=8, checkpoint=ckpt, batch=8, lr=1e-2, hidden=16, log=lambda m: None)
    assert history[-1]["val_top1"] > 0.9  # chance is 0.25
    assert history[-1]["val_whole_loss"] < 0.3  # chance is log 2 = 0.69
    # A finished run resumes without training again and gives the same network.
    again, history2 = train_context.train(fit, val, 4, epochs=8, checkpoint=ckpt, batch=8, lr=1e-2, hidden=16, log=lambda m: None)
    assert history2 == history
    for a, b in zip(net.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)


def _saved_net(tmp_path, classes=CLASSES, network=None, writer_inputs=False, path_inputs=False):
    net = train_context.ContextGRU(context_net.n_inputs(len(classes), writer_inputs, path_inputs), len(classes),
                                   hidden=8).eval()
    path = tmp_path / "context_net.pt"
    torch.jit.script(net).save(str(path))
    meta = {"classes": classes, "weights": decode.DecoderWeights(bonus=1.0).__dict__,
            "writer_inputs": writer_inputs, "path_inputs": path_inputs}
    if network is not None:
        meta["network_sha256"] = decode.file_digest(network)
    path.with_suffix(".json").write_text(json.dumps(meta))
    return path


def test_a_saved_model_loads_and_a_broken_one_is_refused(tmp_path):
    path = _saved_net(tmp_path)
    assert context_net.load(path, CLASSES) is not None
    with pytest.warns(UserWarning, match="another class list"):
        assert context_net.load(path, CLASSES[:-2] + CLASSES[-1:]) is None
    with pytest.warns(UserWarning, match="not found"):
        assert context_net.load(tmp_path / "none.pt") is None
    meta = json.loads(path.with_suffix(".json").read_text())
    meta["weights"]["no_such_weight"] = 1
    path.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.warns(UserWarning, match="unreadable"):
        assert context_net.load(path) is None
    path.write_bytes(b"not a TorchScript file")
    with pytest.warns(UserWarning, match="unreadable"):
        assert context_net.load(path) is None


def test_a_model_with_writer_inputs_loads_and_reads_them(tmp_path):
    path = _saved_net(tmp_path, writer_inputs=True)
    model = context_net.load(path, CLASSES)
    assert model is not None and model.writer_inputs
    cands, probs, ctx, prior, boxes = _problem(4, 4)
    first = decode.first_reading(4, cands, probs, ctx, prior)
    lp, seg = model.scores(cands, probs, ctx, boxes, first, None)
    assert lp.shape == (len(cands), C) and np.isfinite(lp).all() and seg.shape == (len(cands),)
    # A json that says otherwise than the network is refused, not run on the wrong width.
    meta = json.loads(path.with_suffix(".json").read_text())
    meta["writer_inputs"] = False
    path.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.warns(UserWarning, match="unreadable"):
        assert context_net.load(path, CLASSES) is None


def test_an_ensemble_reads_the_mean_of_its_members_and_loads_as_one_model(tmp_path):
    torch.manual_seed(0)
    n_in, n_sym = context_net.n_inputs(len(CLASSES)), len(CLASSES) - 1
    a, b = (train_context.ContextGRU(n_in, len(CLASSES), hidden=8).eval() for _ in range(2))
    x = torch.randn(1, 5, n_in)
    with torch.no_grad():
        out = torch.jit.script(context_net.ensemble([a, b], n_sym))(x)
        pa, pb = (torch.softmax(m(x)[..., :n_sym], -1) for m in (a, b))
        assert not torch.allclose(pa, pb)
        assert torch.allclose(out[..., :n_sym].exp(), (pa + pb) / 2, atol=1e-6)
        assert torch.allclose(out[..., n_sym], (a(x)[..., n_sym] + b(x)[..., n_sym]) / 2, atol=1e-6)
    # saved as one TorchScript file, it loads and reads as any context model
    path = tmp_path / "context_net.pt"
    torch.jit.script(context_net.ensemble([a, b], n_sym)).save(str(path))
    path.with_suffix(".json").write_text(json.dumps(
        {"classes": CLASSES, "weights": decode.DecoderWeights(bonus=1.0).__dict__}))
    model = context_net.load(path, CLASSES)
    cands, probs, ctx, prior, boxes = _problem(4, 4)
    first = decode.first_reading(4, cands, probs, ctx, prior)
    lp, seg = model.scores(cands, probs, ctx, boxes, first, None)
    assert np.allclose(np.exp(lp).sum(1), 1.0) and seg.shape == (len(cands),)
    with pytest.raises(ValueError):
        context_net.ensemble([], n_sym)


def test_an_ensemble_of_members_that_read_other_inputs_is_refused(tmp_path, capsys):
    (tmp_path / "w").mkdir()
    writer = _saved_net(tmp_path / "w", writer_inputs=True)
    from types import SimpleNamespace
    A = SimpleNamespace(ensemble=[writer], writer=False, path=False)  # the options it reads
    assert train_context.members_ensemble(A, CLASSES) is None
    assert "reads other inputs" in capsys.readouterr().err
    A.ensemble = [tmp_path / "missing.pt"]
    with pytest.warns(UserWarning, match="not found"):
        assert train_context.members_ensemble(A, CLASSES) is None
    assert "not a usable context model" in capsys.readouterr().err
    A.ensemble, A.writer = [writer, writer], True
    made = train_context.members_ensemble(A, CLASSES)
    assert made is not None
    net, described = made
    assert len(net.members) == 2 and [d["model"] for d in described] == [str(writer)] * 2


def test_a_model_trained_for_another_network_is_not_used(tmp_path):
    network = tmp_path / "symbol_fcn.pt"
    network.write_bytes(b"network one")
    path = _saved_net(tmp_path, network=network)
    assert context_net.load(path, CLASSES, network=network) is not None
    network.write_bytes(b"network two")
    with pytest.warns(UserWarning, match="another network"):
        assert context_net.load(path, CLASSES, network=network) is None


def test_the_learned_scores_replace_the_hand_made_ones_in_the_search(tmp_path):
    cands, probs, ctx, prior, boxes, x = _inputs(5, 4)
    learned = context_net.load(_saved_net(tmp_path), CLASSES)
    model = _model()
    model.learned = learned
    w = decode.DecoderWeights(mass=0.0)
    prep = decode.prepare(model, cands, probs, ctx, prior, boxes, weights=w)
    lp, seg = learned.read(x, context_net.writing_order(cands, None))
    np.testing.assert_allclose(prep.evidence, lp, atol=1e-6)
    np.testing.assert_allclose(prep.seg, seg, atol=1e-6)
    np.testing.assert_allclose(np.exp(lp).sum(1), 1.0, atol=1e-6)
    # the order it runs in is the writing order, whatever order the candidates come in
    perm = np.random.default_rng(0).permutation(len(cands))
    lp2, seg2 = learned.read(x[perm], context_net.writing_order([cands[k] for k in perm], None))
    np.testing.assert_allclose(lp2, lp[perm], atol=1e-5)
    # off: the hand-made re-reader decides, as before
    off = decode.prepare(model, cands, probs, ctx, prior, boxes, weights=decode.DecoderWeights(learned=False))
    model.learned = None
    np.testing.assert_allclose(off.evidence, decode.prepare(model, cands, probs, ctx, prior, boxes).evidence)


def test_path_inputs_are_the_path_models_floored_log_probabilities_with_a_flag():
    cands, probs, ctx, prior, boxes = _problem(6, 4)
    first = decode.first_reading(4, cands, probs, ctx, prior)
    lp = np.log(np.random.default_rng(0).dirichlet(np.full(C, 0.1), size=len(cands)))
    x = context_net.candidate_inputs(cands, probs, ctx, boxes, first, None, path_inputs=True, path_lp=lp)
    assert x.shape == (len(cands), context_net.n_inputs(len(CLASSES), path_inputs=True))
    tail = x[:, -(C + 1):]
    np.testing.assert_allclose(tail[:, :C], np.maximum(lp, context_net.PATH_FLOOR), atol=1e-5)
    assert (tail[:, -1] == 1).all()
    # Ink without a path (an image): zeros, flagged so.
    none = context_net.candidate_inputs(cands, probs, ctx, boxes, first, None, path_inputs=True)
    assert (none[:, -(C + 1):] == 0).all()


class _Path:
    """A path model that is sure of class 0 for every candidate."""
    weight = 1.0

    def log_probs(self, groups, scale):
        out = np.full((len(groups), C), -20.0)
        out[:, 0] = 0.0
        return out


def test_a_context_model_that_reads_the_path_is_not_blended_with_it_again(tmp_path):
    cands, probs, ctx, prior, boxes = _problem(7, 4)
    paths = [np.array([[b[0], b[1]], [b[2], b[3]]], np.float64) for b in boxes]
    w = decode.DecoderWeights(mass=0.0)
    model = _model()
    model.trajectory = _Path()
    model.learned = context_net.load(_saved_net(tmp_path, path_inputs=True), CLASSES)
    assert model.learned.path_inputs
    prep = decode.prepare(model, cands, probs, ctx, prior, boxes, weights=w, paths=paths)
    first = decode.first_reading(4, cands, probs, ctx, prior)
    path_lp = _Path().log_probs(cands, 1.0)
    x = context_net.candidate_inputs(cands, probs, ctx, boxes, first, None, path_inputs=True, path_lp=path_lp)
    lp, _ = model.learned.read(x, context_net.writing_order(cands, None))
    np.testing.assert_allclose(prep.evidence, lp, atol=1e-6)       # the model's own reading, no blend
    # Given as recorded evidence, the same.
    again = decode.prepare(model, cands, probs, ctx, prior, boxes, weights=w, path_lp=path_lp)
    np.testing.assert_allclose(again.evidence, lp, atol=1e-6)
    # A model without path inputs has the path blended after it, as before.
    plain = tmp_path / "plain"
    plain.mkdir()
    model.learned = context_net.load(_saved_net(plain), CLASSES)
    blended = decode.prepare(model, cands, probs, ctx, prior, boxes, weights=w, paths=paths)
    assert (blended.evidence.argmax(1) == 0).all()


def test_segmentation_misses_say_how_a_symbol_was_missed():
    from collections import Counter
    gt = Counter([("=", (0, 1)), ("x", (2,)), ("+", (3, 4)), ("1", (5,))])
    det = Counter([("-", (0,)), ("-", (1,)), ("x", (2,)), ("t", (3,)), ("1", (4, 5))])
    assert segmentation_misses(det, gt) == Counter({("=", "split"): 1, ("+", "mixed"): 1, ("1", "merged"): 1})
    assert segmentation_misses(gt, gt) == Counter()


def test_the_shipped_context_model_says_what_it_is_made_of():
    model = context_net.load()
    assert model is not None
    meta = model.meta
    assert meta["command"].startswith("python -m model train-context")
    assert meta["figures"]["learned"]["validation"]["all_symbols_right"] > 0.6
    members = meta.get("ensemble")
    if members:  # an ensemble says what each member learnt from, and it holds that many
        assert len(list(model.net.members.children())) == len(members)
        assert all(m["trained_on"] and m["command"].startswith("python -m model train-context")
                   for m in members)
    else:
        assert "fold network" in meta["trained_on"]


def test_the_folds_evidence_may_be_narrowed_to_some_folds(tmp_path):
    for k in range(4):
        (tmp_path / f"fold{k}of4").mkdir()
        (tmp_path / f"fold{k}of4" / "evidence.pkl").write_bytes(b"")
    (tmp_path / "shipped").mkdir()
    (tmp_path / "shipped" / "evidence_dev.pkl").write_bytes(b"")
    every = train_context.fold_evidence(tmp_path)
    assert [f.parent.name for f in every] == [f"fold{k}of4" for k in range(4)]
    assert [f.parent.name for f in train_context.fold_evidence(tmp_path, {0, 1, 2})] == \
        ["fold0of4", "fold1of4", "fold2of4"]
    assert train_context.fold_evidence(tmp_path, {7}) == []
