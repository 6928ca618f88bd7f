"""`python -m model train-regions`: train the model of what fraction bars, radicals
and limit operators claim (model/recognition/regions.py).

Reads every CROHME file of train/ (+ train-extra/) and builds its truth tree
(relation_truth.py). In each region the layout reads (the whole expression, each
numerator, denominator, radicand, index and limit), every head — a fraction bar,
a minus sign (which claims nothing), a radical, a \\sum or \\lim — is paired with
every other symbol of the region, labelled with the part of the head the symbol
lies in (above / below / inside / index) or none. Units and region sizes are made
as the layout makes them (layout.make_units, layout.region_size).

The writer-disjoint split is the relation model's (train_relations.is_validation):
the epoch with the lowest loss on the held-out writers' pairs is kept, and the
layout's expression rate with true symbols on their files is reported with the
learned regions and with the hand-set region rules. dev/ is not read.

Writes resources/models/regions.npz (weights, numpy) and regions.json (features,
classes, data, settings, figures reached, command).
"""
from __future__ import annotations

import sys
import time

import numpy as np

from ..evaluation.layout_eval import score_files
from ..recognition.layout import regions as reg_model
from ..recognition.layout.rules import hand_set_parts
from ..recognition.layout.units import make_units, region_size
from ..recognition.mlp import save
from .train_relations import (_LIMIT_REGIONS, _symbols_under, arg_parser, data_meta,
                              is_script_line, read_samples, train_mlp)

# The class of a head's part: (head kind or label, relation in the truth tree) -> class.
_PART_CLASS = {("frac", "num"): "above", ("frac", "den"): "below",
               ("sqrt", "arg"): "inside", ("sqrt", "index"): "index",
               ("\\sum", "sup"): "above", ("\\sum", "sub"): "below",
               ("\\sum", "above"): "above", ("\\sum", "below"): "below",
               ("\\lim", "sub"): "below", ("\\lim", "below"): "below"}
_CLASS_INDEX = {c: i for i, c in enumerate(reg_model.CLASSES)}


def _head_key(n) -> str | None:
    if n.kind in ("frac", "sqrt"):
        return n.kind
    if n.label in _LIMIT_REGIONS or n.label == "-":
        return n.label
    return None


def head_parts(n) -> dict[int, str]:
    """The region class (regions.CLASSES) of every symbol a truth node claims as a head (a
    fraction bar, a radical, a \\sum or \\lim with limits); {} for any other node."""
    key = _head_key(n)
    out: dict[int, str] = {}
    for rel, sub in n.rels.items():
        cls = _PART_CLASS.get((key, rel)) if key is not None else None
        for i in _symbols_under([sub]) if cls else ():
            out[i] = cls
    return out


def head_samples(tree, symbols) -> tuple[list[np.ndarray], list[int]]:
    """Features and classes of every (head, other symbol of its region) of a truth tree."""
    units, g = make_units(symbols)
    xs: list[np.ndarray] = []
    ys: list[int] = []
    regions = [(tree, 0)]
    while regions:
        row, depth = regions.pop()
        members = _symbols_under([row])
        g_r = region_size([units[i] for i in members], g) if depth else g
        pending = [row]
        while pending:
            for n in pending.pop():
                head = units[n.symbol]
                if _head_key(n) is not None and head.label in reg_model.HEADS:
                    part_of = {i: _CLASS_INDEX[c] for i, c in head_parts(n).items()}
                    others = sorted(i for i in members if i != n.symbol)
                    if others:
                        cands = [units[i] for i in others]
                        rule = hand_set_parts(head, cands, g_r)
                        xs.extend(reg_model.member_features(head, cands, g_r, rule))
                        ys.extend(part_of.get(i, 0) for i in others)
                for rel, sub in n.rels.items():
                    if is_script_line(n, rel):
                        pending.append(sub)
                    else:
                        regions.append((sub, depth + 1))
    return xs, ys


def main(argv=None) -> int:
    a = arg_parser("python -m model train-regions", __doc__, reg_model.DEFAULT_PATH, 96,
                   15).parse_args(argv)
    t0 = time.time()
    read = read_samples(a, head_samples, "heads")
    if read is None:
        return 2
    data, skipped = read
    x, y, _ = data["train"]
    xv, yv, val_used = data["validation"]
    weights, epoch, history = train_mlp(x, y, xv, yv, a.hidden, a.epochs, a.seed,
                                        reg_model.N_GEOMETRY, len(reg_model.CLASSES),
                                        desc="train regions")
    model = reg_model.RegionModel(weights, {})
    learned = score_files(val_used, regions=model)
    hand = score_files(val_used, regions=None)
    meta = {
        "format": "numpy MLP (model/recognition/mlp.py): (x - mean) / std, then w0,b0, ReLU, "
                  "w1,b1, ReLU, w2,b2, softmax",
        "classes": list(reg_model.CLASSES), "heads": list(reg_model.HEADS),
        "features": (f"{reg_model.N_GEOMETRY} geometric of the unit and of its nearest "
                     "neighbours on the left and right against the head "
                     "(model/recognition/regions.py: member_features), + one-hot class of "
                     "the unit, + one-hot head, + one-hot part the hand-set rules give the "
                     "unit and each neighbour"),
        "n_features": reg_model.N_FEATURES, "hidden": a.hidden, "epochs": a.epochs,
        "best_epoch": epoch, "seed": a.seed, "history": history,
        "training_data": ("CROHME train/ + train-extra/ (CC BY-NC-SA 3.0), ground-truth "
                          "symbols; the relation model's writer-disjoint tenth of train/ "
                          "held out"),
        **data_meta(data, skipped, reg_model.CLASSES),
        "validation_layout": {"learned_regions": learned, "hand_set_regions": hand},
        "command": "python -m model train-regions " + " ".join(argv or sys.argv[1:]),
        "seconds": round(time.time() - t0, 1),
    }
    save(a.out, weights, meta)
    print(f"validation files {len(val_used)}: layout exprate with learned regions "
          f"{learned['exprate']} (linear {learned['linear_exprate']}), with hand-set regions "
          f"{hand['exprate']} (linear {hand['linear_exprate']}); best epoch {epoch}; "
          f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
