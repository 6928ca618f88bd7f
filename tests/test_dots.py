"""Dots and small marks (issue 36): how the evaluation counts them."""
from __future__ import annotations

from collections import Counter

from model.evaluation.evaluate import class_counts, class_figures


def test_class_counts_follow_an_i_read_as_a_stem_and_a_prime():
    stem, dot, x = frozenset({0}), frozenset({1}), frozenset({2})
    truth = Counter({("i", stem | dot): 1, ("x", x): 1})
    read = Counter({("1", stem): 1, ("\\prime", dot): 1, ("x", x): 1})
    counts = class_counts(read, truth)
    figures = class_figures(counts, Counter({("i", "split"): 1}))
    assert figures["i"] == {"truth": 1, "right": 0, "recall": 0.0, "read": 0, "precision": 0.0,
                            "read_as": [], "split": 1, "merged": 0, "mixed": 0}
    assert figures["\\prime"]["read"] == 1 and figures["\\prime"]["precision"] == 0.0
    assert figures["1"]["truth"] == 0 and figures["1"]["read"] == 1
    # Read whole but as another class: counted where it went.
    counts = class_counts(Counter({("j", stem | dot): 1}), truth)
    assert class_figures(counts, Counter())["i"]["read_as"] == [["j", 1]]
    right = class_counts(truth, truth)
    assert class_figures(right, Counter())["i"]["recall"] == 1.0
