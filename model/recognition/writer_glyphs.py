"""The writer's own glyphs settle a look-alike (issue 40): a symbol drawn as another symbol of
the same expression is that symbol.

A writer draws one class the same way each time, at one size: their three `+` look alike, and
so do their `S` and their `×`. Where a symbol could be read as another symbol of the expression
is read (that label among its alternatives at LEAST or more: `s` and `S`, `x` and `×`, `+` and
`t`, ...), the network reads the two crops alike (the cosine of their class log-probabilities,
each crop read alone in the expression's frame, so size counts as well as shape: ALIKE), and
the other is surer of its label in context (SURER), the less sure takes the surer one's label.
What the network cannot tell apart in one glyph (an `S` from an `s` a writer draws at another
size) the writer's own other glyph beside it settles. It stands aside where the symbol reads at
least as much like a glyph read as its own label.

ALIKE, SURER and LEAST were chosen on the readings of the held-out writers of train/ (docs/models/
context-model.md); dev was the check only.
"""
from __future__ import annotations

import numpy as np

# Cosine of the two crops' readings (`likeness_features`), at least.
ALIKE = 0.6
# The other symbol's label score exceeds this one's by at least this.
SURER = 0.1
# The other's label is among this symbol's alternatives with at least this probability.
LEAST = 0.05


def may_settle(labels: list[str], alternatives: list[list[tuple[str, float]]]) -> bool:
    """Whether any symbol could be read as another symbol's label (else nothing to compare)."""
    present = set(labels)
    return any(a != label and a in present and p >= LEAST
               for label, alts in zip(labels, alternatives) for a, p in alts)


def likeness_features(probs: np.ndarray) -> np.ndarray:
    """Rows to compare by cosine: each crop's class log-probabilities as the network reads it
    alone (floored at 1e-6), centred. Two glyphs alike read alike down to their unlikely
    classes; a writer's + and t differ there though both lead with t."""
    logp = np.log(np.maximum(np.asarray(probs, np.float64), 1e-6))
    return logp - logp.mean(1, keepdims=True)


def same_glyphs(labels: list[str], scores: list[float], alternatives: list[list[tuple[str, float]]],
                features: np.ndarray, keep=frozenset()) -> dict[int, str]:
    """{symbol index: the label it takes}: each symbol that could be read as another symbol's
    label (among its `alternatives` at LEAST) takes the label of the one it looks most like,
    where that one looks like it (cosine of `features` rows at least ALIKE, beating its own
    label's best likeness) and is surer (score at least SURER higher). Symbols in `keep` (the
    user's word) neither change nor lend."""
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
        could = {a for a, p in alternatives[i] if p >= LEAST and a != labels[i]}
        own = max((like[i, k] for k in range(n) if k != i and labels[k] == labels[i] and k not in keep),
                  default=-1.0)
        best = None
        for j in range(n):
            if j == i or j in keep or labels[j] not in could:
                continue
            if like[i, j] >= ALIKE and like[i, j] > own and scores[j] >= scores[i] + SURER:
                if best is None or like[i, j] > like[i, best]:
                    best = j
        if best is not None:
            out[i] = labels[best]
    return out
