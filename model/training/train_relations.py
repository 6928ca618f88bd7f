"""`python -m model train-relations`: train the relation model the layout uses.

Reads every CROHME file of train/ (+ train-extra/), builds its truth tree
(relation_truth.py) and, in each baseline region the layout reads (the whole
expression, each numerator, denominator, radicand, root index and limit), the
pairs the layout's parse asks about: each unit with each of the `--window` units
before it in reading order, labelled right / sup / sub from the tree and none
otherwise. The units are made exactly as the layout makes them
(layout.make_units, layout.composite), so training and use see the same features.

A writer-disjoint tenth of train/ (by the files' writer annotation, else the
file name's prefix) is held out: the epoch with the lowest loss on its pairs is
kept, and the layout's expression rate with true symbols on its files is
reported beside the hand-set thresholds'. dev/ is not read.

Writes resources/models/relations.npz (weights, numpy) and relations.json
(features, classes, data, settings, figures reached, command).
"""
from __future__ import annotations

import argparse
import re
import sys
import time
import zlib
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..evaluation.layout_eval import score_files, truth_symbols
from ..io.crohme import inkml_files
from ..io.ink import InkError, read_inkml
from ..recognition.layout import relations as rel_model
from ..recognition.layout.units import composite, make_units, region_size
from ..recognition.mlp import save, torch_weights
from .relation_truth import TruthError, relations, truth_tree

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "crohme"
_LIMIT_REGIONS = {"\\sum", "\\lim"}  # written over and under: the layout claims them as regions
_REL_INDEX = {r: i for i, r in enumerate(rel_model.CLASSES)}


def writer_of(path: Path, ink) -> str:
    """Who wrote the file: its writer annotation, else its name without the trailing number."""
    w = (ink.annotations or {}).get("writer")
    if not w:
        w = re.sub(r"[-_]?\d+$", "", path.stem)
    return f"{path.parent.name}/{w}"


def is_validation(writer: str, share: int = 10) -> bool:
    return zlib.crc32(writer.encode()) % share == 0


def is_script_line(n, rel: str) -> bool:
    """Whether the row under `n` by `rel` in a truth tree is a script line of the baseline
    parse (x^2), not a region of its own (the limits written over and under \\sum, \\lim)."""
    return rel in ("sub", "sup") and not (n.kind == "sym" and n.label in _LIMIT_REGIONS)


def _symbols_under(rows) -> list[int]:
    out, pending = [], list(rows)
    while pending:
        for n in pending.pop():
            out.append(n.symbol)
            pending.extend(n.rels.values())
    return out


def region_pairs(tree, symbols, window: int) -> tuple[list[np.ndarray], list[int]]:
    """Features and labels of the pairs of every region of a truth tree."""
    units, g = make_units(symbols)
    edges = {(p, c): r for p, c, r in relations(tree) if r in _REL_INDEX}
    xs, ys = [], []

    def unit(n):
        u = units[n.symbol]
        if n.kind in ("frac", "sqrt"):
            parts = {k: [units[i] for i in _symbols_under([v])] for k, v in n.rels.items()}
            return composite(n.kind, u, parts)
        return u

    regions = [(tree, 0)]
    while regions:
        row, depth = regions.pop()
        members, sub_regions, pending = [], [], [(row, None, None)]
        while pending:
            line, owner, line_rel = pending.pop()
            for n in line:
                u = unit(n)
                members.append((u, owner, line_rel))
                for k, v in n.rels.items():
                    if is_script_line(n, k):
                        pending.append((v, u, k))
                    else:
                        sub_regions.append(v)
        regions.extend((v, depth + 1) for v in sub_regions)
        g_r = region_size([units[i] for i in _symbols_under([row])], g) if depth else g
        members.sort(key=lambda m: (m[0].cx, m[0].y1))
        for j, (b, _, _) in enumerate(members):
            nxt = members[j + 1][0] if j + 1 < len(members) else None
            for a, owner, line_rel in members[max(0, j - window):j]:
                xs.append(rel_model.pair_features(a, b, g_r, owner, line_rel, nxt))
                ys.append(_REL_INDEX[edges.get((a.index, b.index), "none")])
    return xs, ys


def truth_trees(files, desc: str, skipped: list | None = None):
    """(path, ink, truth tree, whether its writer is held out for validation) of each file
    whose truth tree reads; the others are appended to `skipped`."""
    for f in tqdm(files, desc=desc, file=sys.stderr):
        try:
            ink = read_inkml(f)
            tree = truth_tree(ink)
        except (InkError, TruthError):
            if skipped is not None:
                skipped.append(f)
            continue
        yield f, ink, tree, "train-extra" not in f.parts and is_validation(writer_of(f, ink))


def collect(files, samples, desc: str = "pairs"):
    """The samples of the training files and of the held-out writers' files, in one
    reading: `samples(tree, symbols)` gives one file's feature rows and labels."""
    data = {"train": ([], [], []), "validation": ([], [], [])}
    skipped: list = []
    for f, ink, tree, validation in truth_trees(files, desc, skipped):
        xs, ys, used = data["validation" if validation else "train"]
        x, y = samples(tree, truth_symbols(ink))
        xs += x
        ys += y
        used.append(f)
    out = {k: (np.array(xs, np.float32).reshape(len(xs), -1), np.array(ys, np.int64), used)
           for k, (xs, ys, used) in data.items()}
    return out, len(skipped)


def data_meta(data, skipped: int, classes) -> dict:
    """The metadata that says what `collect` read: files, samples, samples by class."""
    (_, y, train_used), (_, yv, val_used) = data["train"], data["validation"]
    return {"n_files": {"train": len(train_used), "validation": len(val_used),
                        "skipped_no_truth": skipped},
            "n_pairs": {"train": int(len(y)), "validation": int(len(yv))},
            "pair_counts": {c: int((y == i).sum()) for i, c in enumerate(classes)}}


def train_mlp(x, y, xv, yv, hidden: int, epochs: int, seed: int,
              n_geometry: int = rel_model.N_GEOMETRY, n_classes: int = len(rel_model.CLASSES),
              desc: str = "train relations"):
    """A two-hidden-layer MLP on features whose first `n_geometry` columns are real
    and the rest one-hot; the epoch with the lowest validation loss is kept."""
    import torch
    from torch import nn
    torch.manual_seed(seed)
    torch.set_num_threads(1)  # a small net: more threads only contend on a shared machine
    mean = x.mean(0)
    std = x.std(0) + 1e-3
    std[n_geometry:] = 1.0  # one-hot columns stay 0/1 (mean still centres them)
    net = nn.Sequential(nn.Linear(x.shape[1], hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                        nn.ReLU(), nn.Linear(hidden, n_classes))
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = epochs * (len(x) // 1024 + 1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=steps)
    xt = torch.from_numpy((x - mean) / std)
    yt = torch.from_numpy(y)
    xvt = torch.from_numpy((xv - mean) / std)
    yvt = torch.from_numpy(yv)
    loss_fn = nn.CrossEntropyLoss()
    best, history = None, []
    gen = torch.Generator().manual_seed(seed)
    for epoch in tqdm(range(epochs), desc=desc, file=sys.stderr):
        net.train()
        for idx in torch.randperm(len(xt), generator=gen).split(1024):
            opt.zero_grad()
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
        net.eval()
        with torch.no_grad():
            out = net(xvt)
            vloss = float(loss_fn(out, yvt))
            vacc = float((out.argmax(1) == yvt).float().mean())
        history.append({"epoch": epoch + 1, "val_loss": round(vloss, 4), "val_acc": round(vacc, 4)})
        if best is None or vloss < best[0]:
            best = (vloss, epoch + 1, {k: v.detach().clone() for k, v in net.state_dict().items()})
    net.load_state_dict(best[2])
    return torch_weights(net, mean, std), best[1], history


def arg_parser(prog: str, doc: str, out: Path, hidden: int, epochs: int):
    """The options every layout model's training takes (data, output, size, seed, limit)."""
    ap = argparse.ArgumentParser(prog=prog, description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, nargs="*",
                    default=[DATA / "train", DATA / "train-extra"])
    ap.add_argument("--out", type=Path, default=out)
    ap.add_argument("--hidden", type=int, default=hidden)
    ap.add_argument("--epochs", type=int, default=epochs)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=None, help="first N files (a quick run)")
    return ap


def read_samples(a, samples, desc: str):
    """`collect` over the files the options name; None, with a message, when there are
    no files, or no samples to train on or to hold out."""
    files = sorted(inkml_files(a.data))[:a.limit]  # sorted across the folders
    if not files:
        print(f"error: no InkML files under {a.data}", file=sys.stderr)
        return None
    data, skipped = collect(files, samples, desc)
    if not len(data["train"][1]) or not len(data["validation"][1]):
        print(f"error: no {desc} to train on, or none held out", file=sys.stderr)
        return None
    return data, skipped


def main(argv=None) -> int:
    ap = arg_parser("python -m model train-relations", __doc__, rel_model.DEFAULT_PATH, 128, 12)
    ap.add_argument("--window", type=int, default=6, help="earlier units paired with each unit")
    a = ap.parse_args(argv)
    t0 = time.time()
    read = read_samples(a, lambda tree, symbols: region_pairs(tree, symbols, a.window), "pairs")
    if read is None:
        return 2
    data, skipped = read
    x, y, _ = data["train"]
    xv, yv, val_used = data["validation"]
    weights, epoch, history = train_mlp(x, y, xv, yv, a.hidden, a.epochs, a.seed)
    model = rel_model.RelationModel(weights, {})
    learned = score_files(val_used, model)
    hand = score_files(val_used, None)
    meta = {
        "format": "numpy MLP: (x - mean) / std, then w0,b0, ReLU, w1,b1, ReLU, w2,b2, softmax",
        "classes": list(rel_model.CLASSES), "vocab": rel_model.VOCAB,
        "features": (f"{rel_model.N_GEOMETRY} geometric, with the line owner's when the "
                     "first unit is in a script line and the next unit's in reading order "
                     "and each unit against the writer's own letters in the expression (size to "
                     "their size of its class, baseline to their main line: writer.py) "
                     "(model/recognition/layout/relations.py: pair_features), "
                     "+ one-hot class of each unit"),
        "n_features": rel_model.N_FEATURES, "hidden": a.hidden, "window": a.window,
        "epochs": a.epochs, "best_epoch": epoch, "seed": a.seed, "history": history,
        "training_data": ("CROHME train/ + train-extra/ (CC BY-NC-SA 3.0), ground-truth "
                          "symbols; a writer-disjoint tenth of train/ held out"),
        **data_meta(data, skipped, rel_model.CLASSES),
        "validation_layout": {"learned": learned, "hand_set": hand},
        "command": "python -m model train-relations " + " ".join(argv or sys.argv[1:]),
        "seconds": round(time.time() - t0, 1),
    }
    save(a.out, weights, meta)
    print(f"validation files {len(val_used)}: layout exprate learned {learned['exprate']} "
          f"(linear {learned['linear_exprate']}), hand-set {hand['exprate']} "
          f"(linear {hand['linear_exprate']}); best epoch {epoch}; wrote {a.out}")
    return 0
