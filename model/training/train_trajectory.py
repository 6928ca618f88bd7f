"""`python -m model train-trajectory`: the model of the pen's path (recognition/trajectory.py).

1. Reads the true symbols of train/ and train-extra/ with their strokes, in writing order, and
   each expression's writing scale (decode.reference_height of its true symbols' boxes), into
   CACHE/samples_DIGEST.pkl (DIGEST: of the code that reads them, so an edit reads them again).
2. Computes the model's inputs once for the symbols as written and for AUGMENTED copies where
   writers differ (scale against the expression, slant, rotation, aspect, jitter, stroke order,
   and the direction of near-straight strokes, which people draw both ways), into
   CACHE/copies_DIGEST/features_K.npz (DIGEST: of the code that computes and augments them).
   Each epoch reads the next copy.
3. Trains on every writer the symbol network trained on. The network's held-out writers
   (splits.is_held_out: the decoder and the context model are tuned on them) choose the epoch.
   A checkpoint every epoch (CACHE/last_wWIDTH_sSEED.pt); a stopped run resumes from it.
4. Chooses the blend of the network's isolated evidence with the path's on those held-out
   writers (top-1 on their isolated symbols, a grid of weights).
5. Writes resources/models/trajectory.pt (TorchScript) and trajectory.json. The decoder's weight
   of the path is tuned by `python -m model tune-trajectory` and written into the same json.
   dev/ is not read.
"""
from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import pickle
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..evaluation import path_symbols
from ..evaluation.path_symbols import blend_top1, collect, fcn_isolated, path_log_probs
from ..io.crohme import DEFAULT_DATA
from ..recognition import trajectory
from ..io.splits import fold_of, is_held_out
from .train import ROOT

CACHE = Path.home() / ".cache" / "mathink" / "trajectory"
OUT = ROOT / "resources" / "models" / "trajectory.pt"
AUGMENTED = 7           # copies of the inputs with augmentation, besides the one as written
ISO_WEIGHTS = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0]


def _digest(*code) -> str:
    """A short digest of the source of modules or functions."""
    h = hashlib.blake2b(digest_size=6)
    for c in code:
        h.update(inspect.getsource(c).encode("utf-8"))
    return h.hexdigest()


def augment(strokes: list[np.ndarray], scale: float, rng: np.random.Generator):
    """One writer's variation of a symbol: slant, rotation, aspect, size against the
    expression, jitter, stroke order, and which way a near-straight stroke runs."""
    pts = np.vstack(strokes).astype(np.float64)
    centre = (pts.min(0) + pts.max(0)) / 2
    side = max(float(np.ptp(pts, 0).max()), 1e-6)
    t = rng.normal(0.0, 0.1)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    a = rot @ np.array([[1.0, rng.normal(0.0, 0.15)], [0.0, 1.0]]) @ np.diag([np.exp(rng.normal(0, 0.08)), 1.0])
    out = []
    for s in strokes:
        s = (np.asarray(s, np.float64) - centre) @ a.T + centre
        s = s + rng.normal(0.0, 0.006 * side, s.shape)
        length = np.sqrt((np.diff(s, axis=0) ** 2).sum(1)).sum() if len(s) > 1 else 0.0
        chord = np.sqrt(((s[-1] - s[0]) ** 2).sum())
        straight = length > 0 and chord / length > 0.9
        if rng.random() < (0.3 if straight else 0.03):
            s = s[::-1]
        out.append(s)
    if len(out) > 1 and rng.random() < 0.15:
        out = [out[i] for i in rng.permutation(len(out))]
    return out, scale * float(np.exp(rng.normal(0.0, 0.12)))


def _features_chunk(args):
    strokes, scales, copy, start = args
    seqs, globs = [], []
    for i, (s, sc) in enumerate(zip(strokes, scales)):
        if copy:
            rng = np.random.default_rng([copy, start + i])
            s, sc = augment(s, sc, rng)
        a, b = trajectory.features(s, sc)
        seqs.append(a.astype(np.float16))
        globs.append(b)
    return np.stack(seqs), np.stack(globs)


def feature_copy(data: dict, copy: int, cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """The inputs of every sample, as written (copy 0) or augmented (seeded by copy and sample)."""
    path = cache / f"features_{copy}.npz"
    if path.exists():
        with np.load(path) as z:
            return z["seq"], z["glob"]
    n, step = len(data["labels"]), 2000
    jobs = [(data["strokes"][i:i + step], data["scales"][i:i + step], copy, i) for i in range(0, n, step)]
    with Pool(2) as pool:
        parts = list(tqdm(pool.imap(_features_chunk, jobs), total=len(jobs),
                          desc=f"inputs, copy {copy}", file=sys.stderr))
    seq, glob = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, seq=seq, glob=glob)
    tmp.replace(path)
    return seq, glob


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model train-trajectory", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="holds train/ and train-extra/")
    p.add_argument("--cache", type=Path, default=CACHE)
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--epochs", type=int, default=24)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--limit", type=int, default=None, help="read only the first N files (a trial)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--width", type=int, default=128, help="channels of the last convolutions")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fold", default=None, metavar="K/N",
                   help="a fold path model (issue 40): also leave out the writers of fold K of N "
                        "(splits.fold_of, as train-folds), so that its evidence on that fold's files "
                        "is out of sample, as the fold network's is")
    a = p.parse_args(argv)
    fold = None
    if a.fold is not None:
        try:
            k, n = (int(v) for v in a.fold.split("/"))
            if not 0 <= k < n:
                raise ValueError
        except ValueError:
            raise SystemExit(f"error: --fold wants K/N with 0 <= K < N, not {a.fold!r}") from None
        fold = (k, n)
    import torch
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    meta_fcn = json.loads((ROOT / "resources" / "models" / "symbol_fcn.json").read_text())
    classes = list(meta_fcn["classes"])[:-1]
    a.cache.mkdir(parents=True, exist_ok=True)
    dirs = [d for d in (a.data / "train", a.data / "train-extra") if d.is_dir()]
    # The caches are named by the code that made them: an edit to how symbols are read or
    # inputs computed (or augmented) must never train on inputs the app no longer computes.
    tag = f"_limit{a.limit}" if a.limit else ""
    samples_path = a.cache / f"samples{tag}_{_digest(path_symbols)}.pkl"
    if samples_path.exists():
        data = pickle.loads(samples_path.read_bytes())
    else:
        data = collect(dirs, classes, a.limit)
        tmp = samples_path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(data))
        tmp.replace(samples_path)
    y = data["labels"]
    held = np.array([is_held_out(w) for w in data["writers"]], bool)
    out_of_fold = np.ones(len(held), bool)
    if fold is not None:
        out_of_fold = np.array([fold_of(w, fold[1]) != fold[0] for w in data["writers"]], bool)
    fit, val = np.flatnonzero(~held & out_of_fold), np.flatnonzero(held)
    if not len(fit) or not len(val):
        raise SystemExit(f"error: {len(fit)} samples to fit and {len(val)} held out: read more files")
    print(f"{len(y)} symbols of {data['files']} files: {len(fit)} to fit, {len(val)} of held-out writers",
          file=sys.stderr)
    fdir = a.cache / f"copies{tag}_{_digest(trajectory, augment)}"
    fdir.mkdir(exist_ok=True)
    copies = [feature_copy(data, k, fdir) for k in range(AUGMENTED + 1)]
    val_seq, val_glob = copies[0][0][val], copies[0][1][val]

    net = trajectory.TrajectoryNet(len(classes), a.width)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-4)
    steps = (len(fit) + a.batch - 1) // a.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.epochs * steps, pct_start=0.15)
    start, history, best = 0, [], {"top1": -1.0}
    # One checkpoint per setting: a run with another width or seed never resumes this one's.
    fold_tag = f"_f{fold[0]}of{fold[1]}" if fold else ""
    ckpt = a.cache / f"last{tag}{fold_tag}_w{a.width}_s{a.seed}.pt"
    if ckpt.exists():
        st = torch.load(ckpt, map_location="cpu", weights_only=False)
        net.load_state_dict(st["net"])
        opt.load_state_dict(st["opt"])
        sched.load_state_dict(st["sched"])
        start, history, best = st["epoch"], st["history"], st["best"]
        print(f"resumed after epoch {start}", file=sys.stderr)
    for epoch in range(start, a.epochs):
        seq, glob = copies[(epoch % AUGMENTED) + 1] if epoch < a.epochs - 1 else copies[0]
        order = np.random.default_rng([1 + a.seed, epoch]).permutation(fit)
        net.train()
        t0, total = time.time(), 0.0
        bar = tqdm(range(steps), desc=f"epoch {epoch + 1}/{a.epochs}", file=sys.stderr)
        for b in bar:
            idx = np.sort(order[b * a.batch:(b + 1) * a.batch])
            xs = torch.from_numpy(seq[idx].astype(np.float32))
            xg = torch.from_numpy(glob[idx])
            loss = torch.nn.functional.nll_loss(net(xs, xg), torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
            if b % 20 == 0:
                bar.set_postfix(loss=f"{total / (b + 1):.3f}")
        top1, nll, _ = path_log_probs(net, val_seq, val_glob, y[val])
        history.append({"epoch": epoch + 1, "train_loss": total / steps, "held_out_top1": top1,
                        "held_out_nll": nll, "seconds": round(time.time() - t0, 1)})
        print(json.dumps(history[-1]), file=sys.stderr)
        if top1 > best["top1"]:
            best = {"top1": top1, "nll": nll, "epoch": epoch + 1,
                    "state": {k: v.clone() for k, v in net.state_dict().items()}}
        tmp = ckpt.with_suffix(".tmp")
        torch.save({"net": net.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "epoch": epoch + 1, "history": history, "best": best}, tmp)
        tmp.replace(ckpt)
    net.load_state_dict(best["state"])
    net.eval()
    top1, nll, path_lp = path_log_probs(net, val_seq, val_glob, y[val])

    # The blend with the network's isolated evidence, chosen on the held-out writers.
    fcn_lp, fcn_y = fcn_isolated(data, val), y[val]
    grid = {w: blend_top1(fcn_lp, path_lp, fcn_y, w) for w in ISO_WEIGHTS}
    iso_w = max(grid, key=lambda w: (grid[w], -w))
    print(f"held-out writers, isolated top-1: network {grid[0.0]:.4f}, path {top1:.4f}, "
          f"blend {grid[iso_w]:.4f} at weight {iso_w}", file=sys.stderr)

    # Frozen: batch norms folded into the convolutions, the graph fixed for inference.
    scripted = torch.jit.freeze(torch.jit.script(net.eval()))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    scripted.save(str(a.out))
    meta_path = a.out.with_suffix(".json")
    meta = {
        "format": "TorchScript; forward(seq (B, points, point features), globals (B, global features)) "
                  "-> (B, classes) log-probabilities",
        "classes": classes, "points": trajectory.POINTS,
        "point_features": list(trajectory.POINT_FEATURES),
        "global_features": list(trajectory.GLOBAL_FEATURES),
        "parameters": int(sum(p.numel() for p in net.parameters())),
        "trained_on": {"data": "CROHME train/ and train-extra/ (CC BY-NC-SA 3.0), true symbol groups; "
                               "the symbol network's held-out writers (splits.is_held_out) left out"
                               + (f"; and the writers of fold {fold[0]} of {fold[1]} (splits.fold_of)" if fold else ""),
                       "symbols_fit": int(len(fit)), "symbols_held_out": int(len(val)),
                       "files": int(data["files"]), "augmented_copies": AUGMENTED},
        "training": {"epochs": a.epochs, "batch": a.batch, "lr": a.lr, "width": a.width, "seed": a.seed,
                     "chosen_epoch": best["epoch"],
                     "history": history,
                     "command": "python -m model train-trajectory && python -m model tune-trajectory"},
        "held_out_isolated": {"network_top1": grid[0.0], "path_top1": top1, "path_nll": nll,
                              "blend_top1": grid[iso_w], "grid": {str(k): v for k, v in grid.items()}},
        # A new network needs its own weight in the decoder: tune-trajectory sets it.
        "fusion": {"weight": 0.0, "isolated_weight": iso_w,
                   "note": "decoder weight not tuned yet: python -m model tune-trajectory"},
    }
    meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    print(f"wrote {a.out} and {meta_path.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
