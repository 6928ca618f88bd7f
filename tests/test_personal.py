"""The personal model: a correction teaches the user's handwriting, and nothing else changes."""
from __future__ import annotations

import numpy as np
import pytest

from model.io.ink import read_inkml
from model.recognition import personal
from model.recognition.personal import PersonalModel, ProfileError
from model.recognition.recognize import Recognizer

from .shared_data import dev_files, requires_dev

CLASSES = ["a", "b", "c", "<bg>"]


def _unit(v):
    v = np.asarray(v, np.float32)
    return v / np.linalg.norm(v)


def test_no_samples_change_nothing():
    probs = np.array([[0.6, 0.3, 0.05, 0.05]])
    out, changed = PersonalModel().adjust(probs, np.ones((1, 3)), CLASSES)
    assert np.array_equal(out, probs) and not changed.any()


def test_samples_decide_only_between_a_reading_and_what_the_user_corrected_it_to():
    m = PersonalModel()
    m.add("b", [1, 0, 0], b"s1")
    probs = np.array([[0.6, 0.35, 0.0, 0.05]])
    # A confirmed b alone changes nothing: the user never said an `a` of theirs was a b.
    out, changed = m.adjust(probs, np.array([[1, 0.01, 0]]), CLASSES)
    assert np.array_equal(out, probs) and not changed.any()
    m.corrected("c", "b")                                 # a pair that does not involve `a`
    assert np.array_equal(m.adjust(probs, np.array([[1, 0.01, 0]]), CLASSES)[0], probs)
    m.corrected("a", "b")
    assert m.confusions == {"a": {"b"}, "b": {"a", "c"}, "c": {"b"}}
    out, changed = m.adjust(probs, np.array([[1, 0.01, 0]]), CLASSES)
    assert out[0, :-1].argmax() == 1 and changed[0] and out[0, 2] == probs[0, 2]   # `c` untouched


def test_a_close_sample_tips_a_close_call_and_a_far_one_weighs_nothing():
    m = PersonalModel()
    m.add("b", [1, 0, 0], b"s1")
    m.corrected("a", "b")
    probs = np.array([[0.6, 0.35, 0.0, 0.05], [0.6, 0.35, 0.0, 0.05]])
    feats = np.array([[1, 0.01, 0], [0, 1, 0]])          # the first is the sample's ink, the second not
    out, changed = m.adjust(probs, feats, CLASSES)
    assert out[0, :-1].argmax() == 1 and changed[0]
    assert np.allclose(out[1], probs[1]) and not changed[1]
    assert np.allclose(out.sum(1), 1) and np.allclose(out[:, -1], 0.05)   # background's share kept


def test_conflicting_samples_cancel_and_each_class_keeps_its_newest():
    m = PersonalModel()
    m.corrected("a", "b")
    m.add("b", [1, 0, 0], b"s1")
    m.add("a", [1, 0, 0.001], b"s2")
    out, changed = m.adjust(np.array([[0.6, 0.35, 0.0, 0.05]]), np.array([[1, 0, 0]]), CLASSES)
    assert out[0, :-1].argmax() == 0 and not changed[0]
    for i in range(personal.MAX_PER_CLASS + 5):
        m.add("c", np.random.default_rng(i).random(3), bytes([i]))
    assert m.counts()["c"] == personal.MAX_PER_CLASS and len(m) == personal.MAX_PER_CLASS + 2
    m.add("b", [0, 1, 0], b"s1")                          # the same ink again replaces its sample
    assert m.counts()["b"] == 1 and len(m) == personal.MAX_PER_CLASS + 2


def test_profiles_round_trip_and_refuse_damage(tmp_path):
    m = PersonalModel("net-1")
    m.add("b", [1, 2, 3], b"k")
    m.corrected("a", "b")
    path = tmp_path / "p.npz"
    personal.save(m, path)
    back = personal.load(path, "net-1")
    assert back.confusions == {"a": {"b"}, "b": {"a"}}
    assert back.counts() == {"b": 1} and np.allclose(back.samples[0].features, _unit([1, 2, 3]), atol=1e-3)
    with pytest.raises(ProfileError, match="another network"):
        personal.load(path, "net-2")
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ProfileError, match="cannot be read"):
        personal.load(path)


@requires_dev
def test_with_an_empty_profile_the_recognizer_reads_exactly_as_without():
    rec = Recognizer()
    for f in dev_files(12):
        strokes = read_inkml(f).strokes()
        rec.personal = None
        base = rec.recognize(strokes)
        rec.personal = PersonalModel()
        same = rec.recognize(strokes)
        assert [(s.label, s.strokes, s.alternatives) for s in same.symbols] == \
               [(s.label, s.strokes, s.alternatives) for s in base.symbols]
        assert same.latex == base.latex
