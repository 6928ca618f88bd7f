"""Fit the context decoder (model/recognition/decode.py) in one command:

    python -m model train-decoder [--data DIR] [--holdout-evidence FILE] [--dev-evidence FILE]

1. Language model: a bigram over labels in writing order, with interpolated absolute
   discounting, counted on the truth of train/ and train-extra/ (the held-out writers left
   out). Its perplexity on dev is reported with and without the relation context (the
   tree's parent and relation, e.g. "x, sup" -> "2", from model.training.relation_truth).
2. Geometry: per class, a diagonal Gaussian of decode.geometry_features over the true
   symbols of the same files, measured against the file's true symbols.
3. The re-reader (decode.reread) and the whole-symbol model (decode.segment_logit), by maximum
   likelihood on the recognizer's evidence for held-out expressions; then the per-symbol credit
   and the weights of the signals, by coordinate search for the most held-out expressions with
   every symbol right.
   The held-out slice (model.io.splits) is ink the network never trained on; its
   recognizer evidence comes from `python -m model decoder-data`, which this command
   runs when the file is missing.
4. Writes resources/models/decoder.npz + .json (weights, training data, the figures reached).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..evaluation.evaluate import pair_counts
from ..recognition import decode, detect
from ..io.crohme import normalize_label
from ..recognition.classes import default_classes
from ..io.splits import is_held_out, writer_of

ROOT = Path(__file__).resolve().parents[2]
DISCOUNT = 0.75


# -- data ------------------------------------------------------------------------------------------
def truth_sequences(files, classes):
    """Per file: true symbols in writing order as (class index or -1, box in normalised pixels,
    usable stroke indices), and the tree's (parent index or -1, relation) for each of them
    (None where the MathML does not line up with the ink)."""
    from ..io.ink import InkError, read_inkml
    from ..recognition.raster import RasterError, frame_for
    from ..recognition.recognize import prepare_strokes
    from .relation_truth import TruthError, relations, truth_tree
    cidx = {c: i for i, c in enumerate(classes)}
    out = []
    for f in tqdm(files, desc="truth", file=sys.stderr):
        try:
            ink = read_inkml(f)
            if ink.problems:
                continue
            clean, index = prepare_strokes(ink.strokes())
            frame = frame_for(clean, quantize=True)
        except (InkError, RasterError):
            continue
        at = {orig: i for i, orig in enumerate(index)}
        px = [frame.to_pixels(s) for s in clean]
        syms = []
        for n, (label, ids) in enumerate(ink.symbol_stroke_indices()):
            strokes = tuple(sorted(at[i] for i in ids if i in at))
            if not strokes:
                continue
            pts = np.vstack([px[i] for i in strokes])
            syms.append((cidx.get(normalize_label(label), -1), np.array([*pts.min(0), *pts.max(0)]),
                         strokes, n))
        parents = None
        try:
            rels = relations(truth_tree(ink))
            parent = {child: (par, rel) for par, child, rel in rels}
            # truth_tree numbers the symbols as symbol_stroke_indices does (those with ink)
            parents = {n: parent.get(n, (-1, "start")) for n in range(len(ink.symbol_stroke_indices()))}
        except (TruthError, Exception):  # noqa: BLE001 - a file without a usable tree still counts
            parents = None
        syms.sort(key=lambda s: min(s[2]))
        out.append((syms, parents))
    return out


class Bigram:
    """Interpolated absolute discounting: P(c | h) = max(n(h,c) - D, 0) / n(h)
    + D * types(h) / n(h) * P(c), with an add-one unigram."""

    def __init__(self, n_classes: int):
        self.c = n_classes
        self.pairs: dict[object, Counter] = defaultdict(Counter)
        self.uni = Counter()

    def add(self, history, label: int) -> None:
        self.pairs[history][label] += 1
        self.uni[label] += 1

    def unigram(self) -> np.ndarray:
        n = np.array([self.uni[c] for c in range(self.c)], float) + 1.0
        return n / n.sum()

    def row(self, history) -> np.ndarray:
        uni = self.unigram()
        cnt = self.pairs.get(history)
        if not cnt:
            return uni
        n = np.array([cnt[c] for c in range(self.c)], float)
        total = n.sum()
        return np.maximum(n - DISCOUNT, 0) / total + DISCOUNT * (n > 0).sum() / total * uni


def perplexity(model: Bigram, events) -> float:
    logs = [math.log(model.row(h)[c]) for h, c in events]
    return float(math.exp(-np.mean(logs))) if logs else float("nan")


def lm_events(seqs, n_cls: int):
    """(history, label) events: writing order (previous label), and the tree (parent label,
    relation); unknown classes are left out."""
    plain, tree = [], []
    for syms, parents in seqs:
        labels = [s[0] for s in syms]
        prev = n_cls
        for lab in labels:
            if lab >= 0:
                plain.append((prev, lab))
            prev = lab if lab >= 0 else n_cls
        if parents is None:
            continue
        by_n = {s[3]: s[0] for s in syms}
        for s in syms:
            par, rel = parents.get(s[3], (-1, "start"))
            if s[0] >= 0:
                tree.append(((by_n.get(par, n_cls) if par >= 0 else n_cls, rel), s[0]))
    return plain, tree


def geometry_stats(seqs, n_cls: int):
    feats = [[] for _ in range(n_cls)]
    for syms, _ in seqs:
        if not syms:
            continue
        boxes = np.array([s[1] for s in syms])
        strokes = [s[2] for s in syms]
        f = decode.geometry_features(boxes, strokes, boxes, strokes)
        for s, row in zip(syms, f):
            if s[0] >= 0:
                feats[s[0]].append(row)
    everything = np.vstack([np.array(f) for f in feats if f])
    g_mean, g_var = everything.mean(0), everything.var(0)
    mean = np.tile(g_mean, (n_cls, 1))
    var = np.tile(g_var, (n_cls, 1))
    for c, f in enumerate(feats):
        if not f:
            continue
        f = np.array(f)
        n = len(f)
        w = n / (n + 10.0)  # shrink rare classes toward every class together
        mean[c] = w * f.mean(0) + (1 - w) * g_mean
        var[c] = w * f.var(0) + (1 - w) * g_var
    return mean, var


# -- the re-reader ---------------------------------------------------------------------------------
def _record_inputs(record, classes):
    cands = [detect.Candidate(tuple(s), b) for s, b in zip(record.cand_strokes, record.cand_boxes)]
    return cands, record.probs.astype(np.float32), record.ctx.astype(np.float32), \
        detect.candidate_prior(cands, classes)


def reread_samples(model, records, weights, classes):
    """The re-reader's inputs for every candidate that is a true symbol of a known class:
    (M, C, N_CONTEXT) shared features, (M, N_REREAD_GEOMETRY) geometry, (M,) true classes."""
    xs, gs, ys = [], [], []
    for r in records:
        cands, probs, ctx, prior = _record_inputs(r, classes)
        at = {c.strokes: k for k, c in enumerate(cands)}
        keep = [(at[tuple(s)], lab) for lab, s in r.truth if lab >= 0 and tuple(s) in at]
        if not keep:
            continue
        first = decode.first_reading(len(r.boxes), cands, probs, ctx, prior)
        boxes = np.array([c.box_px for c in cands], dtype=np.float64).reshape(-1, 4)
        feats = decode.geometry_features(boxes, [c.strokes for c in cands], boxes[first],
                                         [cands[k].strokes for k in first])
        x, g = decode.reread_inputs(model, cands, probs, ctx, prior, boxes, feats,
                                    decode.geometry_scores(model, feats), first, None)
        ks = np.array([k for k, _ in keep])
        xs.append(x[ks].astype(np.float32))
        gs.append(g[ks].astype(np.float32))
        ys.extend(lab for _, lab in keep)
    return np.concatenate(xs), np.concatenate(gs), np.array(ys)


def fit_reread(x, g, y, l2: float = 1e-3, epochs: int = 300, seed: int = 0):
    """Weights of decode.reread by maximum likelihood (full-batch L-BFGS, L2 on the class terms)."""
    import torch
    torch.manual_seed(seed)
    x, g, y = torch.from_numpy(x).double(), torch.from_numpy(g).double(), torch.from_numpy(y)
    n_cls = x.shape[1]
    w = torch.zeros(x.shape[2], dtype=torch.float64)
    w.data[0] = 1.0  # start from the network's own reading
    b = torch.zeros(n_cls, dtype=torch.float64)
    wg = torch.zeros(g.shape[1], n_cls, dtype=torch.float64)
    params = [w.requires_grad_(), b.requires_grad_(), wg.requires_grad_()]
    opt = torch.optim.LBFGS(params, lr=0.5, max_iter=epochs, line_search_fn="strong_wolfe")

    def loss_fn():
        opt.zero_grad()
        z = x @ w + b[None] + g @ wg
        loss = torch.nn.functional.cross_entropy(z, y) + l2 * (b.pow(2).sum() + wg.pow(2).sum())
        loss.backward()
        return loss

    opt.step(loss_fn)
    return w.detach().numpy(), b.detach().numpy(), wg.detach().numpy()


def segment_samples(model, records, weights, classes):
    """Every candidate of every record: (M, N_SEGMENT) features, (M,) top class, (M,) several
    strokes, (M,) whether it is exactly a true symbol."""
    xs, tops, multis, ys = [], [], [], []
    for r in records:
        cands, probs, ctx, prior = _record_inputs(r, classes)
        first = decode.first_reading(len(r.boxes), cands, probs, ctx, prior)
        evidence = detect.combined_scores(probs, ctx, detect.CONTEXT_WEIGHT, prior)
        boxes = np.array([c.box_px for c in cands], dtype=np.float64).reshape(-1, 4)
        x = decode.segment_features(cands, np.asarray(r.boxes, np.float64), probs, ctx,
                                    decode.reference_height(boxes[first]), first)
        truth = {tuple(s) for _, s in r.truth}
        xs.append(x)
        tops.append(evidence.argmax(1))
        multis.append([len(c.strokes) > 1 for c in cands])
        ys.extend(c.strokes in truth for c in cands)
    return np.vstack(xs), np.concatenate(tops), np.concatenate(multis), np.array(ys, float)


def fit_segment(x, top, multi, y, n_cls: int, l2: float = 1e-3, iters: int = 300):
    import torch
    x, y = torch.from_numpy(x).double(), torch.from_numpy(y).double()
    top, multi = torch.from_numpy(top).long(), torch.from_numpy(multi.astype(np.int64))
    w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(2, n_cls, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=0.5, max_iter=iters, line_search_fn="strong_wolfe")

    def loss_fn():
        opt.zero_grad()
        z = x @ w + b[multi, top]
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y) + l2 * b.pow(2).sum()
        loss.backward()
        return loss

    opt.step(loss_fn)
    return w.detach().numpy(), b.detach().numpy()


# -- scoring the decoder on recorded evidence -------------------------------------------------------
def read_all(model, records, weights, classes, prepared=None):
    """Per record: the set of (class, strokes) the decoder reads.  `prepared`: the records'
    decode.prepare results, reused while only the search weights change."""
    out = []
    for i, r in enumerate(records):
        cands, probs, ctx, prior = _record_inputs(r, classes)
        prep = prepared[i] if prepared is not None else decode.prepare(
            model, cands, probs, ctx, prior, np.asarray(r.boxes, np.float64), weights=weights,
            path_lp=_path_lp(r))
        reading = decode.search(model, prep, weights)
        out.append(Counter((lab, tuple(cands[k].strokes)) for k, lab in zip(reading.chosen, reading.labels)))
    return out


def prepare_all(model, records, weights, classes):
    out = []
    for r in records:
        cands, probs, ctx, prior = _record_inputs(r, classes)
        out.append(decode.prepare(model, cands, probs, ctx, prior, np.asarray(r.boxes, np.float64),
                                  weights=weights, path_lp=_path_lp(r)))
    return out


def _path_lp(record):
    """The record's path log-probabilities (fold_paths.py), for a context model that reads them."""
    lp = getattr(record, "path_lp", None)
    return None if lp is None else np.asarray(lp, np.float64)


def figures(model, records, weights, classes, prepared=None) -> dict:
    tp = n_det = n_gt = right = 0
    confused = Counter()
    for r, det in zip(records, read_all(model, records, weights, classes, prepared)):
        gt = Counter((lab, tuple(s)) for lab, s in r.truth)
        tp += sum((det & gt).values())
        n_det += sum(det.values())
        n_gt += sum(gt.values())
        right += det == gt
        by_strokes = {s: lab for lab, s in det}
        for lab, s in gt:
            got = by_strokes.get(s)
            if got is not None and got != lab and lab >= 0:
                confused[(classes[lab], classes[got])] += 1
    p, rc = tp / max(n_det, 1), tp / max(n_gt, 1)
    return {"all_symbols_right": right / max(len(records), 1), "symbol_f1": 2 * p * rc / max(p + rc, 1e-12),
            "pairs": pair_counts(confused), "confused": [[t, g, c] for (t, g), c in confused.most_common(10)]}


def tune(model, records, classes, start: decode.DecoderWeights, rounds: int = 2):
    grid = {
        "bonus": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0],
        "segment": [0.0, 0.1, 0.2, 0.3, 0.4, 0.6],
        "bigram": [0.0, 0.1, 0.2, 0.3, 0.5],
        "bigram_raw": [0.0, 0.05, 0.1, 0.2],
        "geometry_raw": [0.0, 0.05, 0.1, 0.2, 0.3],
        "geometry": [0.0, 0.1, 0.3],
        "unigram": [-0.2, 0.0, 0.2],
    }
    best = decode.DecoderWeights(**start.__dict__)
    prepared = prepare_all(model, records, best, classes)  # the tuned weights act in the search only

    def score(w):
        f = figures(model, records, w, classes, prepared)
        return f["all_symbols_right"] + 0.1 * f["symbol_f1"]

    best_score = score(best)
    for _ in range(rounds):
        for name, values in grid.items():
            for v in tqdm(values, desc=f"tune {name}", file=sys.stderr, leave=False):
                w = decode.DecoderWeights(**dict(best.__dict__, **{name: v}))
                s = score(w)
                if s > best_score + 1e-9:
                    best, best_score = w, s
            print(f"  {name} -> {getattr(best, name)} (score {best_score:.4f})", file=sys.stderr)
    return best


def _evidence(path: Path, dirs, model_path, holdout: bool):
    """The recorded evidence of `model_path`'s network; made (again) when the file is missing or
    was recorded with another network."""
    from ..recognition.recognize import DEFAULT_MODEL
    from . import decoder_data
    digest = decode.file_digest(Path(model_path) if model_path else DEFAULT_MODEL)
    if path.is_file():
        data = decoder_data.load(path)
        if data.get("model_sha256") == digest:
            return data
        print(f"{path} was recorded with another network: recording it again", file=sys.stderr)
    args = [str(d) for d in dirs] + ["--out", str(path)]
    if holdout:
        args.append("--holdout-only")
    if model_path:
        args += ["--model", str(model_path)]
    decoder_data.main(args)
    return decoder_data.load(path)


def _fit(model, records, classes) -> None:
    base = decode.DecoderWeights()
    x, g, y = reread_samples(model, records, base, classes)
    model.feature_weights, model.class_bias, model.class_geometry = fit_reread(x, g, y)
    sx, top, multi, sy = segment_samples(model, records, base, classes)
    model.segment_weights, model.segment_class = fit_segment(sx, top, multi, sy, len(classes) - 1)
    print(f"fitted on {len(records)} expressions: {len(y)} symbols, {len(sy)} candidates", file=sys.stderr)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model train-decoder", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "crohme")
    p.add_argument("--model", type=Path, default=None, help="symbol network (default: the shipped one)")
    p.add_argument("--holdout-evidence", type=Path, default=ROOT / "cache" / "evidence_holdout.pkl")
    p.add_argument("--dev-evidence", type=Path, default=ROOT / "cache" / "evidence_dev.pkl")
    p.add_argument("--out", type=Path, default=decode.DEFAULT_PATH)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--fold-evidence", type=Path, default=None, metavar="DIR",
                   help="fit and tune on the out-of-fold evidence under DIR (python -m model "
                        "fold-evidence: every fold's files read by the network that never saw "
                        "them) instead of the shipped network's held-out writers")
    a = p.parse_args(argv)
    from ..io.crohme import inkml_files
    from ..io.splits import held_out_files
    t0 = time.time()
    classes = default_classes()
    n_cls = len(classes) - 1
    train_files = inkml_files([a.data / "train", a.data / "train-extra"])
    held = set(held_out_files(train_files))
    fit_files = [f for f in train_files if f not in held]
    seqs = truth_sequences(fit_files, classes)
    plain, tree = lm_events(seqs, n_cls)
    lm, tree_lm, uni = Bigram(n_cls), Bigram(n_cls), Bigram(n_cls)
    for h, c in plain:
        lm.add(h, c)
        uni.add(None, c)
    for h, c in tree:
        tree_lm.add(h, c)
    dev_seqs = truth_sequences(inkml_files([a.data / "dev"]), classes)
    dev_plain, dev_tree = lm_events(dev_seqs, n_cls)
    ppl = {"unigram": perplexity(uni, [(None, c) for _, c in dev_plain]),
           "bigram_writing_order": perplexity(lm, dev_plain),
           "bigram_relation_context": perplexity(tree_lm, dev_tree),
           "unigram_on_tree_events": perplexity(uni, [(None, c) for _, c in dev_tree])}
    print("dev perplexity:", json.dumps(ppl), file=sys.stderr)
    log_bigram = np.log(np.vstack([lm.row(h) for h in range(n_cls + 1)]))
    log_relation = np.log(np.stack([np.vstack([tree_lm.row((h, rel)) for h in range(n_cls + 1)])
                                    for rel in ("right", "sup", "sub")]))
    log_unigram = np.log(lm.unigram())
    mean, var = geometry_stats(seqs, n_cls)

    # The network holds out writers of train/ only (model.train): train-extra/ it saw whole.
    hold = _evidence(a.holdout_evidence, [a.data / "train"], a.model, True)
    dev = _evidence(a.dev_evidence, [a.data / "dev"], a.model, False)
    if a.fold_evidence is not None:
        folds = sorted(a.fold_evidence.glob("fold*of*/evidence.pkl"))
        if not folds:
            print(f"error: no fold evidence under {a.fold_evidence} (python -m model fold-evidence)",
                  file=sys.stderr)
            return 2
        from . import decoder_data
        # The decoder runs on the shipped network's evidence: it is bound to that network.
        hold = {"model": hold["model"], "model_sha256": hold.get("model_sha256"),
                "records": [r for f in folds for r in decoder_data.load(f)["records"]],
                "folds": [str(f) for f in folds]}
    model = decode.ContextModel(classes, log_bigram, log_relation, log_unigram, mean, var,
                                decode.DecoderWeights(), {})
    detection_only = decode.DecoderWeights(top_k=1, reread=False)
    # The re-reader and the segment model are fitted on half of the held-out writers and the
    # weights tuned on the other half (else the search rewards the fit's own optimism); then
    # both models are refitted on every held-out expression with the weights kept.
    records = hold["records"]
    half = [writer_of(Path(r.source)) for r in records]
    part_a = [r for r, w in zip(records, half) if is_held_out(w + "#half", 0.5)]
    part_b = [r for r, w in zip(records, half) if not is_held_out(w + "#half", 0.5)]
    _fit(model, part_a, classes)
    before_hold = figures(model, part_b, detection_only, classes)
    weights = tune(model, part_b, classes, decode.DecoderWeights(segment=0.3), a.rounds)
    after_hold = figures(model, part_b, weights, classes)
    _fit(model, records, classes)
    before_dev = figures(model, dev["records"], detection_only, classes)
    after_dev = figures(model, dev["records"], weights, classes)
    model.weights = weights
    model.meta = {
        "what": "context decoder: a re-reader (conditional logit over classes: network evidence, "
                "geometry, bigram neighbours, repeats) and a whole-symbol model, searched jointly "
                "over segmentations by Viterbi in writing order",
        "network": Path(hold["model"]).name,
        "network_sha256": hold.get("model_sha256") or decode.file_digest(Path(hold["model"])),
        "language_model": {"kind": "bigram, interpolated absolute discounting", "discount": DISCOUNT,
                           "events": len(plain), "data": "truth of train/ and train-extra/ "
                           "without the held-out writers"},
        "geometry": {"features": ["log height / robust height", "log width / height",
                                  "centre offset from the nearest symbols / robust height",
                                  "log height / the nearest symbols' median height"]},
        "fitted_on": (f"{len(records)} expressions of train/ and train-extra/, each read by the fold "
                      f"network that never saw it ({', '.join(hold['folds'])})" if "folds" in hold else
                      f"{len(records)} held-out expressions of train/ (model.io.splits)")
                     + f"; weights tuned on {len(part_b)} of them (half of the writers) with the "
                       f"models fitted on the other {len(part_a)}",
        "reread": {"features": list(decode.CONTEXT_FEATURES),
                   "class_geometry": ["the 4 geometry features"] + list(decode.NEIGHBOUR_FEATURES)},
        "segment": {"features": list(decode.SEGMENT_FEATURES)},
        "dev_perplexity": ppl,
        "figures": {"holdout": {"detection_only": before_hold, "decoder": after_hold},
                    "dev": {"detection_only": before_dev, "decoder": after_dev}},
        "command": "python -m model train-decoder " + " ".join(argv if argv is not None else sys.argv[1:]),
        "minutes": round((time.time() - t0) / 60, 1),
    }
    model.save(a.out)
    print(json.dumps({"holdout_half_b": [before_hold["all_symbols_right"], after_hold["all_symbols_right"]],
                      "dev": model.meta["figures"]["dev"], "weights": weights.__dict__,
                      "perplexity": ppl}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
