"""`python -m model train-writer-pairs`: fit the writer model of the look-alike pairs
(model/recognition/writer_pairs.py) on the symbol network's held-out writers of train/.

1. Evidence: `writer-evidence`'s records (made where missing), read by the shipped decoder as
   it runs, the context model and the pen's path included (decode.prepare without the writer).
   Neither the network nor the path model trained on these writers: this is a new user's ink.
2. Fit: a conditional logit over classes with that evidence as its offset and the writer's
   features as inputs (weights only on the pair classes), by maximum likelihood (L-BFGS, L2), on
   half of the held-out writers; its weight in the decoder is chosen on the other half by the
   share of expressions with every symbol right (plus a tenth of symbol F1, as train-decoder
   tunes); then the model is refitted on every held-out writer with that weight kept.
3. Writes resources/models/writer_pairs.npz + .json (features, data, the figures on the tuning
   half before and after, pair by pair). dev/ is not read.

The prepared evidence is cached under ~/.cache/mathink/writer/ (named by the models and the
code that made it); a stopped run starts again from the cache.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..recognition import decode, writer_pairs
from . import train_decoder, writer_evidence
from ..io.splits import is_held_out, writer_of
from .train_decoder import _record_inputs

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5]


def _code_digest(rec) -> str:
    """The models and the code the prepared evidence comes from."""
    from ..recognition import context_net, trajectory
    h = hashlib.blake2b(digest_size=8)
    for f in (decode.__file__, context_net.__file__, trajectory.__file__, writer_pairs.__file__,
              writer_pairs.writer.__file__):
        h.update(Path(f).read_bytes())
    for f in (rec.path, decode.DEFAULT_PATH, context_net.DEFAULT_PATH, trajectory.DEFAULT_PATH):
        h.update(decode.file_digest(Path(f)).encode())
    return h.hexdigest()


def _template(classes):
    """A writer model with no weights: what writer_inputs needs to build the inputs."""
    idx = writer_pairs.pair_index(classes)
    return writer_pairs.WriterPairs(list(classes), idx, np.zeros((len(writer_pairs.ROLES), writer_pairs.N_FEATURES)),
                                    np.zeros(len(idx)), 0.0, {})


def prepared(rec, records, paths, cache: Path, progress: bool = True, name: str = "prepared"):
    """Per record: (decode.Prepared without the writer, the writer's inputs, float16)."""
    key = _code_digest(rec)
    path = cache / f"{name}_{key}_{len(records)}.pkl"
    if path.is_file():
        with open(path, "rb") as fh:
            return pickle.load(fh)
    model, classes = rec.context, rec.classes
    tmpl = _template(classes)
    out = []
    for r, px in tqdm(list(zip(records, paths)), desc="prepare", file=sys.stderr, disable=not progress):
        cands, probs, ctx, prior = _record_inputs(r, classes)
        prep = decode.prepare(model, cands, probs, ctx, prior, np.asarray(r.boxes, np.float64),
                              paths=px, writer_weight=0.0)
        boxes = np.array([c.box_px for c in cands], dtype=np.float64).reshape(-1, 4)
        x = decode.writer_inputs(tmpl, cands, probs, prep.evidence, boxes, prep.first)
        out.append((prep, x.astype(np.float16)))
    cache.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".tmp"), "wb") as fh:
        pickle.dump(out, fh)
    path.with_suffix(".tmp").replace(path)
    return out


def samples(records, preps):
    """Every candidate that is exactly a true symbol of a known class: its evidence (offset),
    the writer's inputs, and its class."""
    off, xs, ys = [], [], []
    for r, (prep, x) in zip(records, preps):
        at = {tuple(s): k for k, s in enumerate(r.cand_strokes)}
        for lab, s in r.truth:
            k = at.get(tuple(s))
            if lab >= 0 and k is not None:
                off.append(prep.evidence[k])
                xs.append(x[k])
                ys.append(lab)
    return np.array(off), np.array(xs, np.float32), np.array(ys)


def fit(classes, off, x, y, l2: float = 1e-3, iters: int = 200) -> writer_pairs.WriterPairs:
    """The shared weights and the pair classes' biases by maximum likelihood, the decoder's
    evidence as the offset."""
    import torch
    model = _template(classes)
    xt, offt, yt = torch.from_numpy(x).double(), torch.from_numpy(off).double(), torch.from_numpy(y).long()
    idx = torch.from_numpy(model.cls_index)
    role = torch.from_numpy(model.role)
    w = torch.zeros(len(writer_pairs.ROLES), x.shape[2], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(len(idx), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=0.5, max_iter=iters, line_search_fn="strong_wolfe")

    def loss_fn():
        opt.zero_grad()
        z = offt + torch.einsum("ncf,cf->nc", xt, w[role])
        z[:, idx] = z[:, idx] + b[None]
        loss = torch.nn.functional.cross_entropy(z, yt) + l2 * (w.pow(2).sum() + b.pow(2).sum())
        loss.backward()
        return loss

    opt.step(loss_fn)
    model.weights, model.bias = w.detach().numpy(), b.detach().numpy()
    return model


def figures(model, records, preps, pairs, weight, classes) -> dict:
    """train-decoder's figures with the writer's delta at `weight` on the prepared evidence."""
    out = []
    for prep, x in preps:
        if weight and len(x):
            d = pairs.delta(x.astype(np.float64))
            prep = decode.Prepared(prep.n_strokes, decode._renormalized(prep.evidence, weight * d), prep.geo,
                                   prep.seg, prep.firsts, prep.lasts, prep.first)
        out.append(prep)
    return train_decoder.figures(model, records, None, classes, out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model train-writer-pairs", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "crohme")
    p.add_argument("--cache", type=Path, default=writer_evidence.CACHE)
    p.add_argument("--out", type=Path, default=writer_pairs.DEFAULT_PATH)
    p.add_argument("--limit", type=int, default=None, help="the first N held-out files only (a trial)")
    p.add_argument("--l2", type=float, default=1e-3)
    p.add_argument("--generated", action="store_true",
                   help="also fit on the expressions writer_generate.py makes of the held-out writers' "
                        "(python -m model writer-evidence --generated; made where missing): each tuning "
                        "fit on those of its own half's writers; the weight is still chosen on real ink")
    a = p.parse_args(argv)
    from ..recognition.recognize import Recognizer
    t0 = time.time()
    rec = Recognizer(use_writer=False)
    model, classes = rec.context, rec.classes
    if model is None or model.learned is None or model.trajectory is None:
        raise SystemExit("error: the decoder, context or path model did not load (see the warning above)")
    records, paths = writer_evidence.load(rec, a.data, a.cache, a.limit)
    keep = [i for i, px in enumerate(paths) if px is not None]
    records, paths = [records[i] for i in keep], [paths[i] for i in keep]
    preps = prepared(rec, records, paths, a.cache)
    half_a = np.array([is_held_out(writer_of(Path(r.source)) + "#half", 0.5) for r in records])
    ra = [r for r, h in zip(records, half_a) if h]
    rb = [r for r, h in zip(records, half_a) if not h]
    pa = [q for q, h in zip(preps, half_a) if h]
    pb = [q for q, h in zip(preps, half_a) if not h]
    gen_records, gen_preps, gen_half = [], [], np.zeros(0, bool)
    if a.generated:
        gen_records, gen_paths = writer_evidence.load(rec, a.data, a.cache, a.limit, generated=True)
        gen_preps = prepared(rec, gen_records, gen_paths, a.cache, name="generated")
        gen_half = np.array([is_held_out(writer_of(Path(r.source.split("#")[0])) + "#half", 0.5)
                             for r in gen_records])
    fit_a = (ra + [r for r, h in zip(gen_records, gen_half) if h],
             pa + [q for q, h in zip(gen_preps, gen_half) if h])
    pairs = fit(classes, *samples(*fit_a), l2=a.l2)
    grid = {}
    for w in tqdm(WEIGHTS, desc="weights", file=sys.stderr):
        grid[w] = figures(model, rb, pb, pairs, w, classes)
        print(f"  weight {w}: every symbol right {grid[w]['all_symbols_right']:.4f}, symbol F1 "
              f"{grid[w]['symbol_f1']:.4f}, pairs {sum(grid[w]['pairs'].values())}", file=sys.stderr)
    best = max(grid, key=lambda w: (grid[w]["all_symbols_right"] + 0.1 * grid[w]["symbol_f1"], -w))
    final = fit(classes, *samples(records + gen_records, preps + gen_preps), l2=a.l2)
    generated = {}
    if gen_records:
        # How the recognizer reads the generated expressions against the real ones they came from
        # (the same files), without the writer and with the shipped one.
        sources = {r.source: i for i, r in enumerate(records)}
        own = [sources.get(r.source.split("#")[0]) for r in gen_records]
        real = [i for i in own if i is not None]
        generated = {"expressions": len(gen_records),
                     "real_sources_without_writer": figures(model, [records[i] for i in real],
                                                            [preps[i] for i in real], final, 0.0, classes),
                     "generated_without_writer": figures(model, gen_records, gen_preps, final, 0.0, classes),
                     "generated_with_writer": figures(model, gen_records, gen_preps, final, best, classes)}
        for k in ("real_sources_without_writer", "generated_without_writer", "generated_with_writer"):
            print(f"  {k}: every symbol right {generated[k]['all_symbols_right']:.4f}, pairs "
                  f"{sum(generated[k]['pairs'].values())}", file=sys.stderr)
    final.weight = best
    final.meta = {
        "what": "the look-alike pairs settled by the writer: a conditional logit over the pair classes "
                "with the decoder's evidence as offset, inputs the writer's frame of the expression "
                "(model/recognition/writer.py), the neighbours and the writer's other glyphs",
        "network_sha256": decode.file_digest(rec.path),
        "fitted_on": f"{len(records)} expressions of the symbol network's held-out writers of train/ "
                     "(model.io.splits), read by the shipped network, context model and path model; "
                     f"weight chosen on {len(rb)} of them (half of the writers) with the model fitted on "
                     f"the other {len(ra)}",
        "l2": a.l2, "feature_weights": {r: dict(zip(writer_pairs.FEATURES, map(float, row)))
                                              for r, row in zip(writer_pairs.ROLES, final.weights)},
        "generated": (f"{len(gen_records)} expressions of the same writers with their case letters swapped at "
                      "their own sizes (model/training/writer_generate.py), in the fits" if gen_records else None),
        "figures": {"holdout_half_b": {str(w): {k: v for k, v in f.items()} for w, f in grid.items()},
                    "generated": generated},
        "command": "python -m model train-writer-pairs " + " ".join(argv if argv is not None else sys.argv[1:]),
        "minutes": round((time.time() - t0) / 60, 1),
    }
    final.save(a.out)
    print(json.dumps({"weight": best, "before": grid[0.0]["all_symbols_right"],
                      "after": grid[best]["all_symbols_right"],
                      "pairs_before": sum(grid[0.0]["pairs"].values()),
                      "pairs_after": sum(grid[best]["pairs"].values())}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
