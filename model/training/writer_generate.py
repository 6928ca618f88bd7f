"""Writer-consistent expressions: a held-out writer's own truth re-written with the look-alike
swapped, at the writer's own sizes, for the writer model (model/recognition/writer_pairs.py).

The held-out writers write few capitals (about 170 C X S P V Y in 1,591 expressions), too few to
learn how much a writer's own sizes say. Here each expression of theirs that holds a case letter
(c x s p v y and their capitals) is written again with some of them swapped: a `c`
becomes a `C` by its own strokes grown to the height this writer gives capitals in this
expression (writer.frame), standing on the baseline its `c` stood on; a `p` becomes a `P` by
rising to the writer's cap height; a capital shrinks to the writer's small letters. (Digits and
their look-alike letters are not swapped: a `o` among digits is no expression anyone writes, and
the shapes of z and 2, 9 and g differ.) The symbols to its right move over by what it grew, so
it touches nothing new. The label changes, the ink is the writer's own: the model sees C where c
usually stands, written at this writer's capital size, and the recognizer reads it as it would.

    python -m model writer-evidence --generated   (makes them and records what the shipped
                                                   recognizer reads on them)
"""
from __future__ import annotations

import numpy as np

from ..recognition import writer

SWAP = {"c": "C", "x": "X", "s": "S", "p": "P", "v": "V", "y": "Y"}
SWAP.update({v: k for k, v in list(SWAP.items())})
SHARE = 0.6   # each swappable symbol of an expression is swapped with this chance (at least one)


def _geometry(label: str, height: float) -> tuple[float, float]:
    """(x-height, baseline below the top) a symbol of `label` and `height` was written at."""
    xh = writer.implied_x_height(label, height)
    cls = writer.size_class(label)
    return xh, writer._BASE_FROM_TOP[cls] * xh


def swapped(clean: list[np.ndarray], truth, classes: list[str], rng: np.random.Generator):
    """(strokes, truth) with look-alikes swapped as the module says, or None when the expression
    has none. `truth`: [(class index, stroke indices)]; strokes: (x, y) arrays, y down."""
    labels = [classes[c] if c >= 0 else "" for c, _ in truth]
    boxes = [np.r_[np.vstack([clean[i][:, :2] for i in s]).min(0), np.vstack([clean[i][:, :2] for i in s]).max(0)]
             for _, s in truth]
    fr = writer.frame(list(zip(labels, boxes)))
    can = [k for k, lab in enumerate(labels) if lab in SWAP and boxes[k][3] > boxes[k][1]]
    if fr is None or not can:
        return None
    pick = [k for k in can if rng.random() < SHARE] or [int(rng.choice(can))]
    cidx = {c: i for i, c in enumerate(classes)}
    out = [s.copy() for s in clean]
    new_truth = list(truth)
    for k in sorted(pick, key=lambda k: -boxes[k][0]):   # right to left: the shifts add up
        old, new = labels[k], SWAP[labels[k]]
        x1, y1, x2, y2 = boxes[k]
        h = y2 - y1
        # The writer's height of each class here; the symbol keeps its own scale against it
        # (a script swapped stays a script).
        factor = writer.expected_height(fr, new) / writer.expected_height(fr, old)
        _, base_old = _geometry(old, h)
        _, base_new = _geometry(new, h * factor)
        base_y = y1 + base_old
        grow = (x2 - x1) * (factor - 1)
        for i in truth[k][1]:
            st = out[i]
            st[:, 0] = x1 + (st[:, 0] - x1) * factor
            st[:, 1] = (base_y - base_new) + (st[:, 1] - y1) * factor
        if grow:
            mine = set(truth[k][1])
            for i, st in enumerate(out):
                if i not in mine and clean[i][:, 0].min() >= x2 - 0.25 * (x2 - x1):
                    st[:, 0] += grow
        new_truth[k] = (cidx[new], truth[k][1])
    return out, new_truth
