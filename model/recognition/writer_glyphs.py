"""The writer's own glyphs settle a look-alike pair (issue 40): a symbol drawn as another symbol
of the same expression is that symbol.

A writer draws one class the same way each time, at one size: their three `+` look alike, and
so do their `S` and their `×`. Where two symbols of an expression are read as a look-alike pair
(`s` and `S`, `x` and `×`, `+` and `t`, ...) and look the same to the network (its features of
each crop, in the expression's frame, so size counts as well as shape), the less sure of the two
takes the surer one's label. The network's features know shape and size; what they cannot tell
apart alone (an `S` from an `s` a writer draws at another size) they tell apart by the writer's
own other glyph beside it.

It stands aside where the symbol looks at least as much like a glyph read as its own label
(`MARGIN`), and where the other is not clearly surer (`SURER`).
"""
from __future__ import annotations

import numpy as np

# Look-alike pairs whose members a writer's other glyph settles (evaluate.HARD_PAIRS, and a
# `+` drawn tall, read as `t`, beside the writer's other plus signs).
PAIRS = frozenset(frozenset(p) for p in (
    ("c", "C"), ("x", "X"), ("s", "S"), ("p", "P"), ("y", "Y"), ("v", "V"), ("z", "2"),
    ("x", "\\times"), ("9", "g"), ("9", "q"), ("g", "q"), ("1", "\\prime"), ("1", ","),
    ("1", "|"), ("\\prime", ","), ("n", "m"), ("o", "0"), ("5", "s"), ("5", "S"), ("+", "t")))
# Cosine of the network's features, at least (chosen on the held-out writers of train/).
ALIKE = 0.8
# ... and more than the likeness to the best glyph read as the symbol's own label, by this.
MARGIN = 0.0
# The other symbol's label score exceeds this one's by at least this.
SURER = 0.1


def may_settle(labels: list[str]) -> bool:
    """Whether any two of these labels are a look-alike pair (else nothing to compare)."""
    present = set(labels)
    return any(len(pair & present) == 2 for pair in PAIRS)


def same_glyphs(labels: list[str], scores: list[float], features: np.ndarray,
                keep=frozenset()) -> dict[int, str]:
    """{symbol index: the label it takes}: each symbol read as one of a look-alike pair takes
    the label of the symbol of the other reading it looks most like, where that one looks like
    it (cosine of `features` rows at least ALIKE, beating its own label's best by MARGIN) and
    is surer (score at least SURER higher). Symbols in `keep` neither change nor lend."""
    n = len(labels)
    if n < 2:
        return {}
    f = np.asarray(features, np.float64)
    f = f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)
    like = f @ f.T
    out = {}
    for i in range(n):
        if i in keep:
            continue
        own = max((like[i, k] for k in range(n) if k != i and labels[k] == labels[i] and k not in keep),
                  default=-1.0)
        best = None
        for j in range(n):
            if (j == i or j in keep or labels[j] == labels[i]
                    or frozenset((labels[i], labels[j])) not in PAIRS):
                continue
            if like[i, j] >= ALIKE and like[i, j] > own + MARGIN and scores[j] >= scores[i] + SURER:
                if best is None or like[i, j] > like[i, best]:
                    best = j
        if best is not None:
            out[i] = labels[best]
    return out
