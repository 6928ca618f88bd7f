"""The context decoder: its search is exact, it reduces to detection when its signals are off,
its context changes readings the way it was fitted to, and a bad decoder file is refused."""
from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.recognition import decode, detect
from model.recognition.classes import default_classes
from model.training import train_decoder

from .shared_data import dev_files, requires_dev

CLASSES = default_classes()
C = len(CLASSES) - 1


def _model(**weights) -> decode.ContextModel:
    rng = np.random.default_rng(0)
    bigram = np.log(rng.dirichlet(np.ones(C), size=C + 1))
    relation = np.log(rng.dirichlet(np.ones(C), size=(3, C + 1)))
    m = decode.ContextModel(CLASSES, bigram, relation, np.log(np.full(C, 1.0 / C)), np.zeros((C, decode.N_GEOMETRY)),
                            np.ones((C, decode.N_GEOMETRY)), decode.DecoderWeights(**weights), {})
    m.feature_weights = np.zeros(decode.N_CONTEXT)
    m.feature_weights[0] = 1.0
    m.class_bias = np.zeros(C)
    m.class_geometry = np.zeros((decode.N_REREAD_GEOMETRY, C))
    m.segment_weights = np.zeros(decode.N_SEGMENT)
    m.segment_class = np.zeros((2, C))
    return m


def _problem(seed: int, n_strokes: int):
    """Strokes in a row, every run of up to 3 a candidate, random class probabilities."""
    rng = np.random.default_rng(seed)
    boxes = np.array([[30.0 * i, 10, 30.0 * i + 20, 40] for i in range(n_strokes)])
    cands = [c for c in detect.candidates(boxes, 3)]
    probs = rng.dirichlet(np.full(C + 1, 0.05), size=len(cands)).astype(np.float32)
    ctx = rng.dirichlet(np.full(C + 1, 0.05), size=len(cands)).astype(np.float32)
    return cands, probs, ctx, detect.candidate_prior(cands, CLASSES), boxes


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 6))
def test_without_its_signals_the_decoder_is_detection(seed, n):
    cands, probs, ctx, prior, boxes = _problem(seed, n)
    weights = decode.DecoderWeights(reread=False, top_k=1)
    reading = decode.decode(_model(), cands, probs, ctx, prior, boxes, weights=weights)
    assert reading.chosen == detect.segment(n, cands, probs, ctx, prior=prior)
    evidence = detect.combined_scores(probs, ctx, detect.CONTEXT_WEIGHT, prior)
    assert reading.labels == [int(evidence[k].argmax()) for k in reading.chosen]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 4))
def test_the_search_finds_the_best_segmentation_and_labels(seed, n):
    """Brute force over every segmentation and every top-k labelling gives the same optimum."""
    cands, probs, ctx, prior, boxes = _problem(seed, n)
    model = _model()
    w = decode.DecoderWeights(reread=False, bigram_raw=0.7, top_k=3, bonus=1.0)
    reading = decode.decode(model, cands, probs, ctx, prior, boxes, weights=w)
    local = detect.combined_scores(probs, ctx, w.context, prior)

    def total(chosen, labels):
        prev, s = C, 0.0
        for k, lab in zip(chosen, labels):
            s += local[k, lab] + w.bonus + w.bigram_raw * model.log_bigram[prev, lab]
            prev = lab
        return s

    best = -np.inf
    for r in range(1, n + 1):
        for combo in itertools.combinations(range(len(cands)), r):
            if sorted(s for k in combo for s in cands[k].strokes) != list(range(n)):
                continue
            combo = sorted(combo, key=lambda k: cands[k].strokes[0])
            tops = [np.argsort(-local[k])[:w.top_k] for k in combo]
            for labels in itertools.product(*tops):
                best = max(best, total(combo, labels))
    assert total(reading.chosen, reading.labels) == pytest.approx(best)


def test_the_bigram_changes_a_reading_toward_what_usually_follows():
    """Two one-stroke symbols; the second is 'z' or '2' with equal evidence: after a digit the
    bigram reads '2', after a letter 'z'."""
    boxes = np.array([[0, 0, 20, 30], [30, 0, 50, 30.0]])
    cands = [detect.Candidate((0,), boxes[0]), detect.Candidate((1,), boxes[1])]
    idx = {c: i for i, c in enumerate(CLASSES)}
    model = _model()
    model.log_bigram[:] = np.log(1.0 / C)
    model.log_bigram[idx["3"], idx["2"]] = np.log(0.5)
    model.log_bigram[idx["a"], idx["z"]] = np.log(0.5)
    w = decode.DecoderWeights(reread=False, bigram=1.0)
    for first, expect in (("3", "2"), ("a", "z")):
        probs = np.full((2, C + 1), 1e-4, np.float32)
        probs[0, idx[first]] = 0.99
        probs[1, idx["z"]] = probs[1, idx["2"]] = 0.49
        reading = decode.decode(model, cands, probs, None, None, boxes, weights=w)
        assert [CLASSES[k] for k in reading.labels] == [first, expect]


def test_forced_groups_and_labels_are_kept():
    """A group the user forced (strokes 0 and 2, not adjacent) with a label the user chose: the
    group is the only candidate holding its strokes, so the reading keeps it, with that label."""
    _, _, _, _, boxes = _problem(3, 4)
    cands, order = detect.constrained_candidates(boxes, [(0, 2)], 3)
    rng = np.random.default_rng(5)
    probs = rng.dirichlet(np.full(C + 1, 0.05), size=len(cands)).astype(np.float32)
    ctx = rng.dirichlet(np.full(C + 1, 0.05), size=len(cands)).astype(np.float32)
    group = [k for k, c in enumerate(cands) if c.strokes == (0, 2)][0]
    forced = {group: CLASSES.index("\\sum")}
    model = _model(segment=0.5)
    reading = decode.decode(model, cands, probs, ctx, detect.candidate_prior(cands, CLASSES), boxes,
                            order, forced)
    assert group in reading.chosen
    assert reading.labels[reading.chosen.index(group)] == CLASSES.index("\\sum")
    assert sorted(s for k in reading.chosen for s in cands[k].strokes) == [0, 1, 2, 3]


def test_saved_decoder_loads_and_a_broken_one_is_refused(tmp_path):
    m = _model(bonus=1.5)
    path = tmp_path / "decoder.npz"
    m.save(path)
    back = decode.load(path, CLASSES)
    assert back is not None and back.weights.bonus == 1.5
    np.testing.assert_allclose(back.log_bigram, m.log_bigram, rtol=1e-5)
    with pytest.warns(UserWarning, match="another class list"):
        assert decode.load(path, CLASSES[:-2] + CLASSES[-1:]) is None
    with pytest.warns(UserWarning, match="not found"):
        assert decode.load(tmp_path / "none.npz") is None
    meta = json.loads(path.with_suffix(".json").read_text())
    meta["weights"]["no_such_weight"] = 1
    path.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.warns(UserWarning, match="unreadable"):
        assert decode.load(path) is None
    path.write_bytes(b"not an npz")
    with pytest.warns(UserWarning, match="unreadable"):
        assert decode.load(path) is None


def test_the_bigram_is_a_distribution_and_favours_what_was_seen():
    lm = train_decoder.Bigram(5)
    for h, c in [(0, 1), (0, 1), (0, 2), (1, 3)]:
        lm.add(h, c)
    for h in range(6):
        assert lm.row(h).sum() == pytest.approx(1.0)
    assert lm.row(0)[1] > lm.row(0)[2] > lm.row(0)[4] > 0
    assert train_decoder.perplexity(lm, [(0, 1)]) < train_decoder.perplexity(lm, [(0, 4)])


def test_the_reread_fit_learns_a_feature_that_decides():
    """Synthetic: the network's evidence is noise, feature 3 points at the true class."""
    rng = np.random.default_rng(1)
    n, c = 400, 6
    y = rng.integers(0, c, n)
    x = rng.normal(size=(n, c, decode.N_CONTEXT))
    x[np.arange(n), y, 3] += 3.0
    g = np.zeros((n, decode.N_REREAD_GEOMETRY))
    w, b, wg = train_decoder.fit_reread(x, g, y)
    assert w[3] > 1.0 and abs(w[3]) > 3 * abs(w[0])


def test_geometry_features_measure_against_neighbours():
    # a small raised symbol after two full-size ones (an exponent)
    boxes = np.array([[0, 20, 20, 60], [25, 20, 45, 60], [50, 0, 60, 18.0]])
    strokes = [(0,), (1,), (2,)]
    f = decode.geometry_features(boxes, strokes, boxes, strokes)
    assert f[2, 0] < f[0, 0]          # smaller than the robust height
    assert f[2, 2] < -0.5             # centre well above its neighbours'
    assert f[0, 2] > 0 > f[2, 2]       # the base sits below its neighbours' centre, the exponent above


@requires_dev
def test_evidence_records_line_up_with_the_truth_and_survive_a_round_trip(tmp_path):
    """decoder_data: every true symbol's strokes are candidates of the record (or the miss is
    the candidate generator's), probabilities are distributions, and the saved file loads."""
    from model.recognition.recognize import Recognizer
    from model.training import decoder_data
    files = dev_files(3)
    out = tmp_path / "ev.pkl"
    assert decoder_data.main([str(f) for f in files] + ["--out", str(out)]) == 0
    data = decoder_data.load(out)
    assert len(data["records"]) == 3
    for r in data["records"]:
        assert len(r.cand_strokes) == len(r.probs) == len(r.ctx) == len(r.cand_boxes)
        np.testing.assert_allclose(r.probs.astype(np.float32).sum(1), 1.0, atol=1e-2)
        assert all(set(s) <= set(range(len(r.boxes))) for _, s in r.truth)
    # the record holds what the recognizer itself computes for that file
    rec = Recognizer()
    again = decoder_data.collect(rec, files[0])
    np.testing.assert_allclose(again.probs.astype(np.float32), data["records"][0].probs.astype(np.float32),
                               atol=2e-3)


def test_a_decoder_fitted_to_another_network_is_not_used(tmp_path):
    net = tmp_path / "symbol_fcn.pt"
    net.write_bytes(b"network one")
    m = _model()
    m.meta = {"network_sha256": decode.file_digest(net)}
    m.save(tmp_path / "decoder.npz")
    assert decode.load(tmp_path / "decoder.npz", CLASSES, network=net) is not None
    net.write_bytes(b"network two")
    with pytest.warns(UserWarning, match="another network"):
        assert decode.load(tmp_path / "decoder.npz", CLASSES, network=net) is None


def test_whole_symbol_bias_is_indexed_with_detections_class_as_it_is_fitted():
    """train_decoder.segment_samples fits the class bias on detection's top class; a re-read
    that relabels the candidate must not switch the bias to another class's."""
    cands, probs, ctx, prior, boxes = _problem(3, 1)
    a, b = 5, 9
    probs[:] = 1e-4
    probs[:, a] = 1.0
    ctx[:] = probs
    model = _model()
    model.class_bias[b] = 50.0  # the re-reader reads b whatever detection says
    model.segment_class[0, a], model.segment_class[0, b] = 3.0, -3.0
    prep = decode.prepare(model, cands, probs, ctx, prior, boxes)
    assert prep.evidence[0].argmax() == b
    assert prep.seg.tolist() == [3.0]
