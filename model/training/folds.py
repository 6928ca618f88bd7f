"""Train the fold networks, one after another:  python -m model train-folds [--folds 4] [--cache cache]

Each fold network never sees one of FOLDS writer-disjoint folds of train/ and train-extra/
(splits.fold_of), so every training expression can be read by a network that did not learn
it: the out-of-fold evidence of issue 22's context model. A fold whose run finished (its
train_summary.json) is skipped, one that stopped resumes from its last.pt, so rerunning the
command after an interruption loses at most one epoch. Fold networks are cheaper than the
shipped one (--epochs, --finetune-epochs); everything after `--` goes to `python -m model train`.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .train import ROOT


def fold_cache(cache: Path, folds: int, fold: int) -> Path:
    return cache / f"fold{fold}of{folds}"


def plan(folds: int, cache: Path, epochs: int, finetune_epochs: int, extra: list[str]) -> list[list[str]]:
    """The `python -m model train` arguments of each fold still to train, in order."""
    out = []
    for k in range(folds):
        c = fold_cache(cache, folds, k)
        if (c / "train_summary.json").exists():
            continue
        args = ["--folds", str(folds), "--fold", str(k), "--cache", str(c), "--epochs", str(epochs),
                "--finetune-epochs", str(finetune_epochs), "--max-minutes", "100000", "--no-export", *extra]
        if (c / "last.pt").exists():
            args.append("--resume")
        out.append(args)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model train-folds", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--folds", type=int, default=4)
    p.add_argument("--cache", type=Path, default=ROOT / "cache")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--finetune-epochs", type=int, default=1)
    p.add_argument("--dry-run", action="store_true", help="print what would run, run nothing")
    p.add_argument("rest", nargs=argparse.REMAINDER, help="after --: more options for `train`")
    a = p.parse_args(argv)
    extra = a.rest[1:] if a.rest[:1] == ["--"] else a.rest
    todo = plan(a.folds, a.cache, a.epochs, a.finetune_epochs, extra)
    if not todo:
        print(f"all {a.folds} fold networks are trained (under {a.cache})")
        return 0
    from .train import main as train
    for args in todo:
        print("python -m model train " + " ".join(args), flush=True)
        if not a.dry_run and train(args) != 0:
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
