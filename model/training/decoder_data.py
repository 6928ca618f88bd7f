"""What the recognizer really sees on an expression, saved for fitting the context decoder.

For each InkML file: the candidates detection considers (stroke sets and boxes), their class
probabilities rendered alone and in context (the heatmap cell), the strokes' boxes, and the
ground truth (each true symbol's class and its strokes, in the recognizer's stroke numbering).
The decoder's weights are fitted on these records from files the network never trained on
(`splits.held_out_files`), and checked on dev, without running the network again for every
setting tried.

    python -m model decoder-data DIR... --out cache/evidence_NAME.pkl [--holdout-only]
"""
from __future__ import annotations

import argparse
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm


@dataclass
class Evidence:
    source: str
    boxes: np.ndarray            # (S, 4) each usable stroke's box, normalised pixels
    cand_strokes: list[tuple[int, ...]]
    cand_boxes: np.ndarray       # (N, 4)
    probs: np.ndarray            # (N, C+1) float16, rendered alone
    ctx: np.ndarray              # (N, C+1) float16, the heatmap cell at the centre
    truth: list[tuple[int, tuple[int, ...]]]  # (class index or -1, usable stroke indices)
    mathml: str | None = None
    # (N, C) the path model's log-probabilities of the candidates, where fold-paths added them.
    path_lp: np.ndarray | None = None


def collect(rec, path: Path) -> Evidence | None:
    """The evidence of one file, or None when its truth is unusable."""
    from ..evaluation.path_symbols import usable_truth
    got = usable_truth(path, rec.classes)
    if got is None or not got[1]:
        return None
    ink, clean, truth = got
    return collect_strokes(rec, clean, truth, str(path), ink.truth_mathml)


def collect_strokes(rec, clean: list[np.ndarray], truth, source: str, mathml: str | None = None) -> Evidence:
    """The evidence of strokes already prepared (prepare_strokes) with their truth: a file's, or
    an expression generated from one (writer_generate.py)."""
    from ..recognition.heatmap_cache import stroke_key
    from ..recognition.recognize import stroke_boxes
    frame = rec.frame(clean)
    keys = [stroke_key(s) for s in clean]
    heat = rec.heatmap(clean, frame, False, keys)
    px = [frame.to_pixels(s) for s in clean]
    cands, probs, ctx = rec.evidence(clean, frame, False, heat, keys, px=px)
    boxes = stroke_boxes(px).astype(np.float32)
    return Evidence(source, boxes, [c.strokes for c in cands],
                    np.array([c.box_px for c in cands], np.float32).reshape(-1, 4),
                    probs.astype(np.float16), ctx.astype(np.float16), truth, mathml)


def load(path: Path) -> dict:
    """What `main` saved: {"model", "classes", "records": [Evidence, ...]}.  Our own cache
    files only: pickle runs code from the file it reads."""
    with open(path, "rb") as fh:
        data = pickle.load(fh)
    data["records"] = [Evidence(**r) for r in data["records"]]
    return data


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model decoder-data", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dirs", type=Path, nargs="+", help="folders of InkML files, or files")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--model", type=Path, default=None)
    p.add_argument("--holdout-only", action="store_true",
                   help="only the writer-disjoint held-out slice (model.io.splits)")
    p.add_argument("--limit", type=int, default=None)
    a = p.parse_args(argv)
    from ..recognition.recognize import Recognizer
    from ..io.crohme import inkml_files
    from ..io.splits import held_out_files
    files = [d for d in a.dirs if d.is_file()] + inkml_files([d for d in a.dirs if d.is_dir()])
    if a.holdout_only:
        files = held_out_files(files)
    files = files[:a.limit]
    rec = Recognizer(a.model)
    out = []
    for f in tqdm(files, desc="evidence", file=sys.stderr):
        e = collect(rec, f)
        if e is not None:
            out.append(e)
        rec.clear_caches()  # files share no strokes; the caches would only grow
    a.out.parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, "wb") as fh:
        # Plain dicts: a pickled class would be bound to whichever module ran as __main__.
        from ..recognition.decode import file_digest
        pickle.dump({"model": str(rec.path), "model_sha256": file_digest(rec.path), "classes": rec.classes,
                     "records": [vars(e) for e in out]}, fh)
    print(f"{len(out)} of {len(files)} files -> {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
