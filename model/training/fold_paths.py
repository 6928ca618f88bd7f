"""`python -m model fold-paths`: the pen's path read by a path model that never saw the writer.

For the context model to take the path as an input (issue 40) it must learn from path evidence
that looks like a new user's, as its picture evidence does (fold-evidence). The shipped path
model trained on every writer but the held-out ones, so its evidence on the other training
files is in-sample. `python -m model train-trajectory --fold K/N` trains a path model without
fold K's writers too (DIR/foldKofN/trajectory.pt, beside the fold network); this command reads,
for every record of that fold's evidence (DIR/foldKofN/evidence.pkl), each candidate's class
log-probabilities under that path model, and writes them to DIR/foldKofN/paths.pkl
({source: (N, C) float16}). `--dev` does the same for the shipped network's dev evidence with the
shipped path model (DIR/shipped/paths_dev.pkl), which the context model is checked on.

A fold already written is skipped (delete its paths.pkl to read it again); a fold without its
evidence or its path model is named and skipped.

    python -m model fold-paths [--cache DIR] [--folds 4] [--dev]
"""
from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..io.atomic import atomic_write_bytes


def record_paths(record, path_model, classes, frame_of) -> np.ndarray | None:
    """(N, C) the path model's log-probabilities of the record's candidates, as decode.prepare
    computes them (its strokes in the evidence's frame, the first reading's writing scale), or
    None when the file no longer gives the strokes the record numbered."""
    from ..evaluation.path_symbols import usable_truth
    from ..recognition import decode
    from .train_decoder import _record_inputs
    got = usable_truth(Path(record.source), classes)
    if got is None:
        return None
    clean = got[1]
    if len(clean) != len(record.boxes):
        return None
    frame = frame_of(clean)
    paths = [frame.to_pixels(s) for s in clean]
    cands, probs, ctx, prior = _record_inputs(record, classes)
    if not cands:
        return np.zeros((0, len(classes) - 1), np.float16)
    first = decode.first_reading(len(record.boxes), cands, probs, ctx, prior)
    boxes = np.array([c.box_px for c in cands], np.float64).reshape(-1, 4)
    return decode.path_log_probs(path_model, cands, paths, boxes[first]).astype(np.float16)


def write(records, path_model, classes, frame_of, out: Path, desc: str) -> int:
    got = {}
    for r in tqdm(records, desc=desc, file=sys.stderr):
        lp = record_paths(r, path_model, classes, frame_of)
        if lp is not None:
            got[r.source] = lp
    atomic_write_bytes(out, pickle.dumps(got))
    return len(got)


def attach(records, paths_file: Path) -> int:
    """Set each record's path_lp from a fold-paths file; how many had one."""
    with open(paths_file, "rb") as fh:
        got = pickle.load(fh)
    n = 0
    for r in records:
        r.path_lp = got.get(r.source)
        n += r.path_lp is not None
    return n


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model fold-paths", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "mathink" / "folds")
    p.add_argument("--folds", type=int, default=4)
    p.add_argument("--dev", action="store_true", help="also the shipped network's dev evidence, "
                                                      "with the shipped path model")
    a = p.parse_args(argv)
    from ..recognition import trajectory
    from ..recognition.recognize import Recognizer
    from . import decoder_data
    rec = Recognizer(use_context=False)
    classes = rec.classes
    jobs = [(a.cache / f"fold{k}of{a.folds}" / "evidence.pkl", a.cache / f"fold{k}of{a.folds}" / "trajectory.pt",
             a.cache / f"fold{k}of{a.folds}" / "paths.pkl", f"fold {k} paths") for k in range(a.folds)]
    if a.dev:
        jobs.append((a.cache / "shipped" / "evidence_dev.pkl", trajectory.DEFAULT_PATH,
                     a.cache / "shipped" / "paths_dev.pkl", "shipped dev paths"))
    for evidence, model_path, out, desc in jobs:
        if out.exists():
            print(f"{desc}: {out} is there, skipped", file=sys.stderr)
            continue
        if not evidence.exists() or not model_path.exists():
            print(f"{desc}: needs {evidence} and {model_path}; skipped", file=sys.stderr)
            continue
        model = trajectory.load(model_path, classes)
        if model is None:
            print(f"error: {model_path} is not a usable path model", file=sys.stderr)
            return 2
        records = decoder_data.load(evidence)["records"]
        n = write(records, model, classes, rec.frame, out, desc)
        print(f"{desc}: {n} of {len(records)} records -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
