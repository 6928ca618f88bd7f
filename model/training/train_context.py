"""`python -m model train-context`: the learned context model, trained on out-of-fold evidence.

The evidence is `python -m model fold-evidence`'s: every file of train/ and train-extra/ read
by the fold network that never saw it (about 9,500 expressions). A writer-disjoint slice of
it (the held-out writers of splits.py, whose truth the decoder's language models leave out)
is kept apart: it chooses the epoch, and the decoder's search
weights are tuned on it with the learned scores in place. dev/ is the check, read from the
shipped network's evidence (the network the model runs beside in the app).

Each candidate of an expression is a step of the sequence (context_net.candidate_inputs). The
targets: its true class where its strokes are exactly a true symbol of a known class, and
whether they are (the whole-symbol score), for every candidate.

    python -m model train-context [--cache cache] [--epochs 30] [--out resources/models/context_net.pt]
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ..io.atomic import atomic_write_bytes
from ..recognition import context_net, decode
from ..io.splits import is_held_out, writer_of
from .train import ROOT
from .train_decoder import figures, tune

HIDDEN = 96
DROPOUT = 0.3


class ContextGRU(nn.Module):
    """Per-candidate encoder, a bidirectional GRU over the candidates in writing order, and a
    head that sees both: (B, N, n_in) -> (B, N, n_out)."""

    def __init__(self, n_in: int, n_out: int, hidden: int = HIDDEN, dropout: float = DROPOUT):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(n_in, 2 * hidden), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(2 * hidden, hidden), nn.ReLU())
        self.gru = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Sequential(nn.Linear(3 * hidden, 2 * hidden), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(2 * hidden, n_out))
        self.register_buffer("mean", torch.zeros(n_in))
        self.register_buffer("scale", torch.ones(n_in))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = self.enc((x - self.mean) / self.scale)
        h, _ = self.gru(self.drop(e))
        return self.head(self.drop(torch.cat([e, h], -1)))


def samples(records, classes, writer_inputs: bool = False, path_inputs: bool = False) -> list[dict]:
    """Per record: inputs in writing order (`writer_inputs`: the writer's too; `path_inputs`:
    the path's, from the record's path_lp), class targets (-1: not a true symbol of a known
    class), whole-symbol targets, and the writer."""
    from .train_decoder import _record_inputs
    out = []
    for r in tqdm(records, desc="context inputs", file=sys.stderr):
        cands, probs, ctx, prior = _record_inputs(r, classes)
        if not cands:
            continue
        first = decode.first_reading(len(r.boxes), cands, probs, ctx, prior)
        x = context_net.candidate_inputs(cands, probs, ctx, np.asarray(r.boxes, np.float64), first, None,
                                         classes=classes if writer_inputs else None,
                                         path_inputs=path_inputs, path_lp=getattr(r, "path_lp", None))
        order = context_net.writing_order(cands, None)
        truth = {tuple(s): lab for lab, s in r.truth}
        y = np.array([truth.get(tuple(c.strokes), -1) for c in cands])
        whole = np.array([tuple(c.strokes) in truth for c in cands], np.float32)
        out.append({"x": x[order], "y": y[order], "whole": whole[order],
                    "writer": writer_of(Path(r.source)), "source": r.source})
    return out


def _batches(data, size, rng):
    idx = rng.permutation(len(data))
    for i in range(0, len(idx), size):
        yield [data[j] for j in idx[i:i + size]]


def _pad(batch):
    n = max(len(s["x"]) for s in batch)
    f = batch[0]["x"].shape[1]
    x = np.zeros((len(batch), n, f), np.float32)
    y = np.full((len(batch), n), -1, np.int64)
    w = np.zeros((len(batch), n), np.float32)
    m = np.zeros((len(batch), n), np.float32)
    for i, s in enumerate(batch):
        k = len(s["x"])
        x[i, :k], y[i, :k], w[i, :k], m[i, :k] = s["x"], s["y"], s["whole"], 1.0
    return torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(w), torch.from_numpy(m)


def _loss(net, batch, n_sym):
    import torch.nn.functional as F
    x, y, w, m = _pad(batch)
    out = net(x)
    known = (y >= 0) & (y < n_sym)
    cls = F.cross_entropy(out[known][:, :n_sym], y[known], reduction="sum")
    whole = (F.binary_cross_entropy_with_logits(out[..., n_sym], w, reduction="none") * m).sum()
    right = (out[known][:, :n_sym].argmax(1) == y[known]).sum()
    return cls, whole, int(known.sum()), float(m.sum()), int(right)


def train(train_set, val_set, n_sym, epochs, checkpoint: Path | None = None, seed=0, batch=32,
          lr=2e-3, hidden: int = HIDDEN, log=print):
    """The network with the best validation loss, and its per-epoch figures. `checkpoint`:
    written after every epoch and resumed from when it holds a run of the same settings."""
    torch.manual_seed(seed)
    n_in = train_set[0]["x"].shape[1]
    net = ContextGRU(n_in, n_sym + 1, hidden)
    allx = np.concatenate([s["x"] for s in train_set])
    net.mean.copy_(torch.from_numpy(allx.mean(0)))
    net.scale.copy_(torch.from_numpy(np.maximum(allx.std(0), 1e-3)))
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=epochs * (-(-len(train_set) // batch)))
    settings = {"epochs": epochs, "seed": seed, "batch": batch, "lr": lr, "n_in": n_in, "n_fit": len(train_set),
                "hidden": hidden, "dropout": DROPOUT}
    best, best_state, history, start = np.inf, None, [], 0
    if checkpoint is not None and checkpoint.exists():
        saved = torch.load(checkpoint, weights_only=False)
        if saved.get("settings") == settings:
            net.load_state_dict(saved["net"])
            opt.load_state_dict(saved["opt"])
            sched.load_state_dict(saved["sched"])
            best, best_state, history, start = saved["best"], saved["best_state"], saved["history"], saved["epoch"]
            log(f"resumed from {checkpoint} after epoch {start}")
    for epoch in range(start, epochs):
        rng = np.random.default_rng(seed + epoch)
        net.train()
        for b in tqdm(list(_batches(train_set, batch, rng)), desc=f"epoch {epoch + 1}/{epochs}",
                      file=sys.stderr, leave=False):
            cls, whole, nk, nm, _ = _loss(net, b, n_sym)
            loss = (cls + whole) / max(nk, 1)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            sched.step()
        net.eval()
        tot = np.zeros(5)
        with torch.no_grad():
            for b in _batches(val_set, 64, np.random.default_rng(0)):
                cls, whole, nk, nm, right = _loss(net, b, n_sym)
                tot += [float(cls), float(whole), nk, nm, right]
        fig = {"epoch": epoch + 1, "val_class_loss": tot[0] / tot[2], "val_whole_loss": tot[1] / tot[3],
               "val_top1": tot[4] / tot[2]}
        history.append(fig)
        log(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in fig.items()}))
        # Both losses per true symbol: the whole-symbol loss is summed over every candidate.
        score = fig["val_class_loss"] + fig["val_whole_loss"] * tot[3] / tot[2]
        if score < best:
            best = score
            best_state = {k: v.clone() for k, v in net.state_dict().items()}
        if checkpoint is not None:
            buf = io.BytesIO()
            torch.save({"settings": settings, "net": net.state_dict(), "opt": opt.state_dict(),
                        "sched": sched.state_dict(), "best": best, "best_state": best_state,
                        "history": history, "epoch": epoch + 1}, buf)
            atomic_write_bytes(checkpoint, buf.getvalue())
    net.load_state_dict(best_state)
    return net.eval(), history


def fold_evidence(cache: Path, folds: set[int] | None = None) -> list[Path]:
    """The folds' evidence files under `cache` (foldKofN/evidence.pkl), only folds K in
    `folds` when it is given (a model trained while the last fold was still training)."""
    found = sorted(cache.glob("fold*of*/evidence.pkl"))
    if folds is None:
        return found
    return [f for f in found if int(f.parent.name[len("fold"):].split("of")[0]) in folds]


def members_ensemble(a, classes: list[str]):
    """--ensemble: (the members' mean network, what each member says of itself), or None (with
    a message) when a member is not a usable context model of these classes (context_net.load)
    or reads other inputs than --writer and --path say."""
    members, described = [], []
    for path in a.ensemble:
        model = context_net.load(path, classes)
        if model is None:
            print(f"error: {path} is not a usable context model (the warning above says why)", file=sys.stderr)
            return None
        if (model.writer_inputs, model.path_inputs) != (a.writer, a.path):
            print(f"error: {path} reads other inputs (writer {model.writer_inputs}, path "
                  f"{model.path_inputs}) than asked (--writer {a.writer}, --path {a.path})",
                  file=sys.stderr)
            return None
        members.append(model.net)
        described.append({"model": str(path), **{k: model.meta[k] for k in (
            "trained_on", "network", "hidden", "command", "validation") if k in model.meta}})
    return context_net.ensemble(members, len(classes) - 1), described


def network_figures(cache: Path) -> dict:
    """Dev isolated-symbol top-1 / top-5 of the shipped network and of each fold network whose
    evidence the model learns from, side by side."""
    from ..recognition.recognize import DEFAULT_MODEL
    out = {}
    try:
        best = json.loads(DEFAULT_MODEL.with_suffix(".json").read_text(encoding="utf-8"))["dev_isolated_symbols"]
        out["shipped"] = {"top1": round(best["top1"], 4), "top5": round(best["top5"], 4)}
    except (OSError, KeyError, ValueError):
        pass
    for summary in sorted(cache.glob("fold*of*/train_summary.json")):
        best = json.loads(summary.read_text(encoding="utf-8"))["best"]
        out[summary.parent.name] = {"top1": round(best["top1"], 4), "top5": round(best["top5"], 4)}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model train-context", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cache", type=Path, default=ROOT / "cache")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--rounds", type=int, default=1, help="rounds of the search-weight tuning")
    p.add_argument("--hidden", type=int, default=HIDDEN, help="the GRU's width")
    p.add_argument("--masses", type=float, nargs="+", default=[0.0, 1.0],
                   help="shares of detection's symbol mass kept in the evidence, tried in the tuning")
    p.add_argument("--out", type=Path, default=context_net.DEFAULT_PATH)
    p.add_argument("--writer", action="store_true",
                   help="the writer's inputs too: each candidate's size and baseline against the "
                        "writer's own letters in the expression (context_net.WRITER_FEATURES)")
    p.add_argument("--path", action="store_true",
                   help="the pen's path as an input: each candidate's class log-probabilities under "
                        "the fold path model that never saw the file (python -m model fold-paths "
                        "--dev), not blended after the model")
    p.add_argument("--folds", type=lambda t: {int(k) for k in t.split(",")}, default=None,
                   metavar="K,K,...", help="only these folds' evidence (default: every fold in --cache)")
    p.add_argument("--ensemble", type=lambda t: [Path(x) for x in t.split(",")], default=None,
                   metavar="A.pt,B.pt,...",
                   help="train nothing: average these context models (the same inputs: --writer "
                        "and --path as theirs) into one (context_net.ensemble), tune the search "
                        "on the validation writers and write it to --out")
    a = p.parse_args(argv)
    from ..recognition.classes import default_classes
    from . import decoder_data
    t0 = time.time()
    classes = default_classes()
    n_sym = len(classes) - 1
    folds = fold_evidence(a.cache, a.folds)
    dev_path = a.cache / "shipped" / "evidence_dev.pkl"
    if not folds or not dev_path.exists():
        print(f"error: no fold evidence under {a.cache} (python -m model fold-evidence --dev)", file=sys.stderr)
        return 2
    records = []
    for f in folds:
        got = decoder_data.load(f)["records"]
        if a.path:
            if not (f.parent / "paths.pkl").exists():
                print(f"error: no {f.parent / 'paths.pkl'} (python -m model train-trajectory --fold K/N, "
                      "then python -m model fold-paths --dev)", file=sys.stderr)
                return 2
            from .fold_paths import attach
            n = attach(got, f.parent / "paths.pkl")
            print(f"{f.parent.name}: {n} of {len(got)} records with their path", file=sys.stderr)
        records += got
    records = records[:a.limit]
    data = samples(records, classes, a.writer, a.path)
    # The validation writers are the held-out slice of splits.py: the decoder's language models
    # are counted without them, so the search's bigram weight is tuned on truth it never counted
    # (a slice of its own, tried first, tuned the bigram to twice the weight dev bears).
    val = [s for s in data if is_held_out(s["writer"])]
    fit = [s for s in data if not is_held_out(s["writer"])]
    print(f"{len(fit)} expressions to fit, {len(val)} to validate (writer-disjoint)", file=sys.stderr)
    if not fit or not val:
        print(f"error: {len(fit)} expressions to fit and {len(val)} to validate: both are needed "
              "(a --limit that keeps one fold's first files may hold no held-out writer)", file=sys.stderr)
        return 2
    described = None
    if a.ensemble:
        made = members_ensemble(a, classes)
        if made is None:
            return 2
        (net, described), history = made, []
    else:
        net, history = train(fit, val, n_sym, a.epochs, a.cache / f"context_train{'_writer' if a.writer else ''}{'_path' if a.path else ''}.pt", hidden=a.hidden, log=lambda m: print(m, file=sys.stderr, flush=True))
    scripted = torch.jit.script(net)
    learned = context_net.ContextNet(scripted, classes, {"writer_inputs": a.writer, "path_inputs": a.path})
    # The search's weights, tuned with the learned scores in place, on the validation writers.
    model = decode.load(classes=classes)
    if model is None:
        print("error: the context decoder (resources/models/decoder.npz) is needed", file=sys.stderr)
        return 2
    val_src = {s["source"] for s in val}
    val_records = [r for r in records if r.source in val_src]
    dev = decoder_data.load(dev_path)
    if a.path:
        from .fold_paths import attach
        dev_paths = a.cache / "shipped" / "paths_dev.pkl"
        if not dev_paths.exists():
            print(f"error: no {dev_paths} (python -m model fold-paths --dev)", file=sys.stderr)
            return 2
        attach(dev["records"], dev_paths)
    hand = model.weights
    before = {"validation": figures(model, val_records, hand, classes),
              "dev": figures(model, dev["records"], hand, classes)}
    model.learned = learned
    best, best_score = None, -np.inf
    for mass in a.masses:
        start = decode.DecoderWeights(**dict(hand.__dict__, mass=mass, learned=True))
        w = tune(model, val_records, classes, start, a.rounds)
        f = figures(model, val_records, w, classes)
        score = f["all_symbols_right"] + 0.1 * f["symbol_f1"]
        print(f"mass {mass}: validation {f['all_symbols_right']:.4f} / {f['symbol_f1']:.4f}", file=sys.stderr)
        if score > best_score:
            best, best_score = w, score
    after = {"validation": figures(model, val_records, best, classes),
             "dev": figures(model, dev["records"], best, classes)}
    meta = {
        "what": "learned context model: per-candidate encoder, a bidirectional GRU over the candidates "
                "in writing order, a head giving re-read class logits and a whole-symbol logit",
        "classes": classes,
        "inputs": {"per class, alone and in context": "log p (background included)",
                   "geometry": ["log height / robust height", "log width / height",
                                "centre offset from the nearest symbols", "log height / their height"],
                   "neighbours": list(decode.NEIGHBOUR_FEATURES), "strokes": list(decode.SEGMENT_FEATURES),
                   "position": list(context_net.POSITION_FEATURES),
                   "writer": list(context_net.WRITER_FEATURES) if a.writer else [],
                   "path": (["the path model's log p per symbol class, floored at PATH_FLOOR",
                             "the ink had a path"] if a.path else []),
                   "width": context_net.n_inputs(len(classes), a.writer, a.path)},
        "writer_inputs": a.writer,
        "path_inputs": a.path,
        "parameters": sum(p.numel() for p in net.parameters()),
        "hidden": a.hidden,
        "network": Path(dev["model"]).name,
        "network_sha256": dev.get("model_sha256"),
        "trained_on": (f"{len(fit)} expressions of train/ and train-extra/, each read by the fold network "
                       f"that never saw it ({', '.join(str(f.parent.name) for f in folds)})"
                       if not a.ensemble else
                       f"nothing more: the mean of {len(a.ensemble)} context models (`ensemble`: what "
                       "each learnt from, and its command)"),
        "validation": f"{len(val)} expressions of the held-out writers (model.io.splits, "
                      "whose truth the decoder's language models leave out): the epoch and the search weights",
        "weights": best.__dict__,
        "networks_dev_isolated_symbols": network_figures(a.cache),
        "history": history,
        **({"ensemble": described} if described else {}),
        "figures": {"hand_made_reader": before, "learned": after},
        "command": "python -m model train-context " + " ".join(argv if argv is not None else sys.argv[1:]),
        "minutes": round((time.time() - t0) / 60, 1),
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    scripted.save(str(a.out))
    a.out.with_suffix(".json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    print(json.dumps({"hand_made": {k: v["all_symbols_right"] for k, v in before.items()},
                      "learned": {k: v["all_symbols_right"] for k, v in after.items()}, "weights": best.__dict__}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
