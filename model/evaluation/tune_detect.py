"""Choose detection's two free constants on a data split:

    python -m model tune-detect DIR [--limit N] [--model FILE]

SYMBOL_BONUS (log-probability credit per symbol: split versus merge) and
CONTEXT_WEIGHT (how much the canvas heatmap, i.e. the window seen in context,
counts beside the candidate rendered alone).  Candidates and their scores are
computed once per expression; each setting then costs only the segmentation.
Prints symbol F1 for every setting on the grid and the best one.
"""
from __future__ import annotations

import argparse
import itertools
import sys
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from ..io.crohme import inkml_files, normalize_label
from ..io.ink import InkError, read_inkml
from ..recognition import detect
from ..recognition.recognize import Recognizer, prepare_strokes


def collect(rec: Recognizer, files) -> list[dict]:
    cases = []
    for f in tqdm(files, desc="score candidates", file=sys.stderr):
        try:
            ink = read_inkml(f)
        except InkError:
            continue
        if ink.problems:   # incomplete truth would score right answers as wrong
            continue
        clean, index = prepare_strokes(ink.strokes())
        if not clean:
            continue
        frame = rec.frame(clean)
        cands, probs, ctx = rec.evidence(clean, frame, heat=rec.heatmap(clean, frame))
        truth = Counter((normalize_label(lab), frozenset(ids)) for lab, ids in ink.symbol_stroke_indices())
        cases.append({"n": len(clean), "cands": cands, "probs": probs, "ctx": ctx, "index": index,
                      "truth": truth})
    return cases


def f1(rec: Recognizer, cases, bonus: float, context_weight: float) -> float:
    tp = n_det = n_gt = 0
    for c in cases:
        prior = detect.candidate_prior(c["cands"], rec.classes, bonus)
        chosen = detect.segment(c["n"], c["cands"], c["probs"], c["ctx"], bonus, context_weight, prior)
        det = Counter()
        for k in chosen:
            label = rec.classes[detect.best_class(c["probs"][k], c["ctx"][k], context_weight, prior[k])]
            det[(label, frozenset(c["index"][i] for i in c["cands"][k].strokes))] += 1
        tp += sum((det & c["truth"]).values())
        n_det += sum(det.values())
        n_gt += sum(c["truth"].values())
    p, r = tp / max(n_det, 1), tp / max(n_gt, 1)
    return 2 * p * r / max(p + r, 1e-12)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model tune-detect", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir", type=Path)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--model", type=Path, default=None)
    a = p.parse_args(argv)
    rec = Recognizer(a.model)
    cases = collect(rec, inkml_files([a.dir])[:a.limit])
    best = (-1.0, None)
    for bonus, cw in itertools.product([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0], [0.0, 0.25, 0.5, 0.75, 1.0, 1.5]):
        score = f1(rec, cases, bonus, cw)
        print(f"bonus={bonus:<4} context_weight={cw:<5} symbol_f1={score:.4f}", flush=True)
        best = max(best, (score, (bonus, cw)))
    print(f"best: bonus={best[1][0]} context_weight={best[1][1]} symbol_f1={best[0]:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
