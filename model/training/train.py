"""Train the symbol network:  python -m model train [--epochs N] [--data DIR] [--resume]

One command from InkML to a checkpoint: renders (and caches) the training
windows, trains with a fixed seed and a progress bar, evaluates top-1 on the
isolated `dev/` symbols after every epoch, keeps the best checkpoint, and
exports it to resources/models/ (see model.training.export).  Uses a GPU when present.

A run takes hours on a laptop CPU: after every epoch the whole state (weights,
optimiser, schedule, random generators, history) goes to CACHE/last.pt, and
`--resume` continues from there, so a stopped run loses at most one epoch.
A writer-disjoint share of train/ (model.io.splits) is held out of the
network's data: the decoder's settings are fitted there, on ink the network
never saw.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from ..io.crohme import DEFAULT_DATA, inkml_files
from ..recognition.classes import default_classes
from ..recognition.network import SymbolFCN
from ..recognition.raster import DIRECTIONS
from .dataset import KINDS, build_cache
from ..io.splits import HOLDOUT_SHARE, fold_files, held_out_files

ROOT = Path(__file__).resolve().parents[2]


def _batches(x: np.ndarray, y: np.ndarray, idx: np.ndarray, bs: int):
    for i in range(0, len(idx), bs):
        j = np.sort(idx[i:i + bs])
        yield torch.from_numpy(x[j]), torch.from_numpy(y[j].astype(np.int64))


@torch.no_grad()
def evaluate_crops(model: torch.nn.Module, x: np.ndarray, y: np.ndarray, device, n_symbols: int,
                   bs: int = 1024) -> dict:
    """Top-1/top-5 over symbol classes only (background excluded: the crops are symbols)."""
    model.eval()
    top1 = top5 = 0
    for i in range(0, len(x), bs):
        xb = torch.from_numpy(x[i:i + bs]).to(device).float().div_(255)
        xb = xb.unsqueeze(1) if xb.ndim == 3 else xb
        logits = model(xb).flatten(1)[:, :n_symbols]
        t5 = logits.topk(5, dim=1).indices.cpu().numpy()
        yb = y[i:i + bs]
        top1 += int((t5[:, 0] == yb).sum())
        top5 += int((t5 == yb[:, None]).any(1).sum())
    return {"n": len(x), "top1": top1 / max(len(x), 1), "top5": top5 / max(len(x), 1)}


def _save_atomic(obj, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    tmp.replace(path)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding train/, train-extra/, dev/")
    p.add_argument("--cache", type=Path, default=ROOT / "cache")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--samples-per-epoch", type=int, default=150_000)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-minutes", type=float, default=100.0, help="stop training after this long")
    p.add_argument("--widths", type=str, default="32,48,128")
    p.add_argument("--finetune-epochs", type=int, default=4)
    p.add_argument("--finetune-lr", type=float, default=0.04)
    p.add_argument("--init", type=Path, default=None, help="start from this checkpoint (e.g. --epochs 0 to "
                                                          "run only the fine-tuning phase)")
    p.add_argument("--directions", action=argparse.BooleanOptionalAction, default=True,
                   help="input = ink + direction planes (default), or ink alone")
    p.add_argument("--plane-dropout", type=float, default=0.1,
                   help="share of training windows shown without direction planes (as a scan)")
    p.add_argument("--holdout", type=float, default=HOLDOUT_SHARE,
                   help="writer-disjoint share of train/ kept out of the network's data")
    p.add_argument("--folds", type=int, default=0,
                   help="with --fold: train a fold network, one of FOLDS writer-disjoint folds over "
                        "train/ and train-extra/; it never sees its fold (evidence for the context model)")
    p.add_argument("--fold", type=int, default=None, help="which fold to hold out (0 .. FOLDS-1)")
    p.add_argument("--resume", action="store_true", help="continue from CACHE/last.pt")
    p.add_argument("--no-export", action="store_true")
    a = p.parse_args(argv)

    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    classes = default_classes()
    n_sym = len(classes) - 1
    train_dirs = [d for d in (a.data / "train", a.data / "train-extra") if d.exists()]
    dev_dir = a.data / "dev"
    if a.folds:
        if a.fold is None or not 0 <= a.fold < a.folds:
            p.error(f"--folds {a.folds} needs --fold between 0 and {a.folds - 1}")
        held_out = fold_files(inkml_files(train_dirs), a.folds, a.fold)
        tag = f"{'dir' if a.directions else 'ink'}_f{a.fold}of{a.folds}"
    else:
        held_out = held_out_files(inkml_files([a.data / "train"]), a.holdout) if (a.data / "train").exists() else []
        tag = f"{'dir' if a.directions else 'ink'}_h{int(round(a.holdout * 100))}"
    t0 = time.time()
    tr = build_cache(train_dirs, a.cache / f"train_v3_{tag}_s{a.seed}.npz", a.seed, desc="render train",
                     directions=a.directions, exclude=set(held_out))
    dv = build_cache([dev_dir], a.cache / f"dev_iso_{tag[:3]}.npz", 0, n_aug=0, with_context=False,
                     desc="render dev", directions=a.directions)
    render_s = time.time() - t0
    x, y, kind = tr["x"], tr["y"].astype(np.int64), tr["kind"]
    print(f"train windows: {len(x)} ({', '.join(f'{k}={int((kind == i).sum())}' for i, k in enumerate(KINDS))}); "
          f"dev symbols: {len(dv['x'])}; rendered in {render_s:.0f}s")

    pools = {k: np.flatnonzero(kind == i) for i, k in enumerate(KINDS)}
    widths = tuple(int(v) for v in a.widths.split(","))
    in_channels = 1 + DIRECTIONS if a.directions else 1
    model = SymbolFCN(len(classes), widths, in_channels=in_channels).to(device)
    if a.init:
        model.load_state_dict(torch.load(a.init, map_location=device, weights_only=False)["state_dict"])
    a.cache.mkdir(parents=True, exist_ok=True)
    history: list[dict] = []
    phase_best: dict[str, dict] = {}
    t_train = time.time()
    dev_x, dev_y = dv["x"], dv["y"].astype(np.int64)

    def save(m: dict) -> None:
        _save_atomic({"state_dict": model.state_dict(), "widths": widths, "classes": classes, "metrics": m,
                      "in_channels": in_channels, "held_out": [str(f) for f in held_out]},
                     a.cache / "best.pt")

    resume = None
    if a.resume:
        if not (a.cache / "last.pt").exists():
            print(f"--resume: no {a.cache / 'last.pt'}; starting afresh")
        else:
            resume = torch.load(a.cache / "last.pt", map_location=device, weights_only=False)
            model.load_state_dict(resume["state_dict"])
            rng.bit_generator.state = resume["rng"]
            torch.set_rng_state(resume["torch_rng"])
            history[:] = resume["history"]
            t_train -= resume["minutes"] * 60
            print(f"resuming: phase {resume['phase']}, {resume['epoch']} epochs done")

    def run_phase(name: str, epochs: int, lr: float, mix: dict[str, float], select: bool) -> dict:
        """Epochs of SGD with a one-cycle schedule; each epoch draws a fixed mix of window kinds."""
        nonlocal resume
        best = {"top1": -1.0}
        if epochs <= 0:
            return best
        steps = a.samples_per_epoch // a.batch_size
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4, nesterov=True)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps, pct_start=0.15)
        first = 0
        if resume is not None:
            if resume["phase"] != name:
                # The checkpoint is from a later phase: this one is over.
                return resume["phase_best"].get(name, best)
            opt.load_state_dict(resume["opt"])
            sched.load_state_dict(resume["sched"])
            best, first = resume["best"], resume["epoch"]
            resume = None
        for epoch in range(first, epochs):
            model.train()
            idx = np.concatenate([rng.choice(pools[k], int(a.samples_per_epoch * f), replace=True)
                                  for k, f in mix.items()])
            idx = rng.permutation(idx)[: steps * a.batch_size]
            bar = tqdm(_batches(x, y, idx, a.batch_size), total=steps, desc=f"{name} {epoch + 1}/{epochs}")
            loss_avg = None
            for xb, yb in bar:
                xb = xb.to(device).float().div_(255)
                xb = xb.unsqueeze(1) if xb.ndim == 3 else xb
                if in_channels > 1 and a.plane_dropout > 0:
                    # Some windows without their planes: a scanned image has ink but no direction.
                    xb[torch.rand(len(xb), device=device) < a.plane_dropout, 1:] = 0
                # Random stroke intensity: real pens and scanners vary in darkness.
                xb = xb * torch.empty(len(xb), 1, 1, 1, device=device).uniform_(0.7, 1.0)
                yb = yb.to(device)
                loss = F.cross_entropy(model(xb).flatten(1), yb, label_smoothing=0.1)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                loss_avg = loss.item() if loss_avg is None else 0.98 * loss_avg + 0.02 * loss.item()
                bar.set_postfix(loss=f"{loss_avg:.3f}", lr=f"{sched.get_last_lr()[0]:.3f}")
            m = evaluate_crops(model, dev_x, dev_y, device, n_sym)
            m.update(phase=name, epoch=epoch + 1, loss=loss_avg, minutes=(time.time() - t_train) / 60)
            history.append(m)
            print(f"{name} epoch {epoch + 1}: dev top1={m['top1']:.4f} top5={m['top5']:.4f} "
                  f"({m['minutes']:.1f} min)", flush=True)
            # Phase 1 keeps the best epoch on dev; the fine-tuning phase keeps its last (annealed) one.
            if not select or m["top1"] > best["top1"]:
                best = m
                save(m)
            phase_best[name] = best
            _save_atomic({"state_dict": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                          "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(), "history": history,
                          "minutes": (time.time() - t_train) / 60, "phase": name, "epoch": epoch + 1,
                          "best": best, "phase_best": dict(phase_best)}, a.cache / "last.pt")
            if (time.time() - t_train) / 60 > a.max_minutes:
                print(f"stopping: past --max-minutes={a.max_minutes}")
                break
        return best

    # Phase 1: symbols alone and in context, background of every kind but fragments.
    best = run_phase("train", a.epochs, a.lr, {"iso": 0.2, "aug": 0.3, "ctx": 0.2, "bg": 0.3}, select=True)
    if a.finetune_epochs > 0:
        if best["top1"] >= 0:
            model.load_state_dict(torch.load(a.cache / "best.pt", map_location=device, weights_only=False)["state_dict"])
        # Phase 2: fragments of multi-stroke symbols in context join the background at a lower rate,
        # teaching the heatmap that one bar of '=' is not a '-' (see model.recognition.detect).
        best = run_phase("finetune", a.finetune_epochs, a.finetune_lr,
                         {"iso": 0.2, "aug": 0.25, "ctx": 0.2, "bg": 0.23, "frag": 0.12}, select=False)
    train_minutes = (time.time() - t_train) / 60
    if a.init and (a.init.parent / "train_summary.json").exists():
        # Resumed from an earlier run: its history and time belong to this model too.
        before = json.loads((a.init.parent / "train_summary.json").read_text())
        history = before.get("history", []) + history
        train_minutes += before.get("train_minutes", 0.0)
    summary = {"best": best, "history": history, "train_minutes": train_minutes,
               "render_seconds": render_s, "device": str(device), "seed": a.seed,
               "epochs": a.epochs, "finetune_epochs": a.finetune_epochs, "init": str(a.init) if a.init else None,
               "samples_per_epoch": a.samples_per_epoch, "directions": a.directions,
               "plane_dropout": a.plane_dropout, "holdout_share": 0.0 if a.folds else a.holdout,
               "folds": a.folds, "fold": a.fold, "held_out_files": len(held_out),
               "command": "python -m model train " + " ".join(argv if argv is not None else sys.argv[1:]),
               "train_windows": int(len(x)), "data": [str(d.relative_to(a.data)) for d in train_dirs]}
    (a.cache / "train_summary.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps({"best_top1": best["top1"], "best_top5": best["top5"], "train_minutes": train_minutes}))
    if not a.no_export:
        from .export import export
        export(a.cache / "best.pt", summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
