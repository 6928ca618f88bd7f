"""`python -m model fold-evidence`: every training file's evidence, from the network that never saw it.

Issue 22's context model learns from what the recognizer really sees on an expression: the
candidates, their probabilities alone and in context, the boxes and the strokes
(decoder_data.Evidence). Recorded from the shipped network, train/'s files would show its
confidence on ink it learnt; so each fold network of `python -m model train-folds` (trained
without one writer-disjoint fold, splits.fold_of) reads the files of its own fold, and the
folds together give out-of-fold evidence for all of train/ and train-extra/.

For each fold whose network has finished (its train_summary.json): its best checkpoint is
exported beside it (DIR/foldKofN/model/symbol_fcn.pt, TorchScript), and the evidence of its
fold's files is written to DIR/foldKofN/evidence.pkl; a fold already recorded is skipped, so
the command is a cache that rerunning completes. `--dev` also records dev/ with each fold
network (DIR/foldKofN/evidence_dev.pkl) and with the shipped one (DIR/shipped/evidence_dev.pkl),
and prints how their confidence compares there (`calibration`): on the candidates that are
exactly a true symbol, the top-1 accuracy, the mean probability of the best class, the
log-loss of the true class and the expected calibration error, alone and in context. A
context model trained on the fold networks' evidence and run on the shipped network's is
fair only where these agree.

    python -m model fold-evidence [--cache cache] [--folds 4] [--dev] [--limit N] [--json]
"""
from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

from tqdm import tqdm

from .folds import fold_cache
from .train import ROOT

DATA = ROOT.parent / "shared" / "data" / "crohme"


def record(model_path: Path, files, out: Path, desc: str) -> int:
    """The evidence of `files` read by the network at `model_path`, pickled to `out`
    (written whole or not at all); how many files had usable truth."""
    from ..io.atomic import atomic_write_bytes
    from ..recognition.decode import file_digest
    from ..recognition.recognize import Recognizer
    from .decoder_data import collect
    rec = Recognizer(model_path, threads=1, use_context=False)
    records = []
    for f in tqdm(files, desc=desc, file=sys.stderr):
        e = collect(rec, f)
        if e is not None:
            records.append(vars(e))
        rec.clear_caches()  # files share no strokes
    atomic_write_bytes(out, pickle.dumps({"model": str(model_path), "model_sha256": file_digest(model_path),
                                          "classes": rec.classes, "records": records}))
    return len(records)


def calibration(records, bins: int = 15) -> dict:
    """Confidence figures of one network's evidence on the candidates that are exactly a
    true symbol of a known class (see the module)."""
    import numpy as np
    out = {}
    for which in ("probs", "ctx"):
        best, right, true_p = [], [], []
        for r in records:
            truth = {strokes: c for c, strokes in r["truth"] if c >= 0}
            p = np.asarray(r[which], np.float64)[:, :-1]  # symbol classes; background apart
            p = p / np.maximum(p.sum(1, keepdims=True), 1e-12)
            for i, strokes in enumerate(r["cand_strokes"]):
                c = truth.get(tuple(strokes))
                if c is None:
                    continue
                k = int(p[i].argmax())
                best.append(p[i, k])
                right.append(k == c)
                true_p.append(p[i, c])
        best, right, true_p = np.array(best), np.array(right, float), np.array(true_p)
        if not len(best):
            continue
        edges = np.linspace(0, 1, bins + 1)
        which_bin = np.clip(np.digitize(best, edges) - 1, 0, bins - 1)
        ece = sum(abs(right[which_bin == b].mean() - best[which_bin == b].mean()) * (which_bin == b).mean()
                  for b in range(bins) if (which_bin == b).any())
        out["alone" if which == "probs" else "in_context"] = {
            "n": int(len(best)), "top1": round(float(right.mean()), 4),
            "mean_confidence": round(float(best.mean()), 4),
            "log_loss": round(float(-np.log(np.maximum(true_p, 1e-12)).mean()), 4),
            "ece": round(float(ece), 4)}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model fold-evidence", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cache", type=Path, default=ROOT / "cache")
    p.add_argument("--folds", type=int, default=4)
    p.add_argument("--data", type=Path, nargs="*", default=[DATA / "train", DATA / "train-extra"])
    p.add_argument("--dev", type=Path, nargs="?", const=DATA / "dev", default=None,
                   help="also record dev/ (or the folder given) with each fold network")
    p.add_argument("--limit", type=int, default=None, help="the first N files of each fold")
    p.add_argument("--json", action="store_true", help="print the dev comparison as JSON")
    a = p.parse_args(argv)
    from ..io.crohme import inkml_files
    from .export import export
    from ..io.splits import fold_files
    files = inkml_files(a.data)
    if not files:
        print(f"error: no InkML files under {a.data}", file=sys.stderr)
        return 2
    done = 0
    for k in range(a.folds):
        c = fold_cache(a.cache, a.folds, k)
        if not (c / "train_summary.json").exists():
            print(f"fold {k}: its network has not finished (python -m model train-folds)", file=sys.stderr)
            continue
        model = c / "model" / "symbol_fcn.pt"
        if not model.exists():
            export(c / "best.pt", None, model.parent)
        out = c / "evidence.pkl"
        if not out.exists():
            mine = fold_files(files, a.folds, k)[:a.limit]
            n = record(model, mine, out, f"fold {k} evidence")
            print(f"fold {k}: {n} of {len(mine)} files -> {out}", file=sys.stderr)
        if a.dev is not None and not (c / "evidence_dev.pkl").exists():
            dev = inkml_files([a.dev])[:a.limit]
            record(model, dev, c / "evidence_dev.pkl", f"fold {k} dev")
        done += 1
    print(f"{done} of {a.folds} folds recorded under {a.cache}")
    if a.dev is not None:
        from ..recognition.recognize import DEFAULT_MODEL
        shipped = a.cache / "shipped" / "evidence_dev.pkl"
        if not shipped.exists():
            shipped.parent.mkdir(parents=True, exist_ok=True)
            record(DEFAULT_MODEL, inkml_files([a.dev])[:a.limit], shipped, "shipped network, dev")
        table = {"shipped": calibration(pickle.loads(shipped.read_bytes())["records"])}
        for k in range(a.folds):
            c = fold_cache(a.cache, a.folds, k)
            for name, ev in ((f"fold {k}", c / "evidence_dev.pkl"),
                             (f"fold {k}, its own files", c / "evidence.pkl")):
                if ev.exists():  # its own files: out of fold, as the context model will see them
                    table[name] = calibration(pickle.loads(ev.read_bytes())["records"])
        if a.json:
            print(json.dumps(table))
        else:
            for name, figures in table.items():
                for where, f in figures.items():
                    print(f"{name:>22} {where:>10}: " + ", ".join(f"{k} {v}" for k, v in f.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
