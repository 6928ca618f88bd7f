"""`python -m model tune-trajectory`: how much the pen's path weighs in the decoder's evidence.

The decoder blends each candidate's re-read class distribution with the trajectory model's,
log-linearly (decode.prepare): log p = log p_context + w · log p_path, renormalised to the
candidate's mass. w is chosen here, on the symbol network's held-out writers of train/ (the
evidence `train-decoder` records there; neither the network nor the trajectory model trained
on them), by the share of expressions whose symbols are all right (plus a tenth of symbol F1,
as train-decoder tunes its weights). The weight and the grid's figures go into
resources/models/trajectory.json. dev/ is not read.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..recognition import decode, trajectory
from .train import ROOT
from . import train_decoder
from .train_decoder import _evidence, _record_inputs

WEIGHTS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.4]
def record_paths(rec, record) -> list[np.ndarray] | None:
    """The strokes of a recorded file in the frame its evidence was recorded in."""
    from ..io.ink import read_inkml
    from ..recognition.recognize import prepare_strokes
    clean, _ = prepare_strokes(read_inkml(record.source).strokes())
    if len(clean) != len(record.boxes):
        return None
    frame = rec.frame(clean)
    return [frame.to_pixels(s) for s in clean]


def figures(model, records, paths, classes, weight) -> dict:
    """train-decoder's figures of the records, read with the path at `weight`."""
    prepared = [decode.prepare(model, *_record_inputs(r, classes), np.asarray(r.boxes, np.float64),
                               paths=px, path_weight=weight) for r, px in zip(records, paths)]
    return train_decoder.figures(model, records, None, classes, prepared)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model tune-trajectory", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "crohme")
    p.add_argument("--holdout-evidence", type=Path, default=ROOT / "cache" / "evidence_holdout.pkl",
                   help="the evidence train-decoder records on the held-out writers (made when missing)")
    p.add_argument("--trajectory", type=Path, default=trajectory.DEFAULT_PATH)
    p.add_argument("--limit", type=int, default=None)
    a = p.parse_args(argv)
    from ..recognition.recognize import Recognizer
    rec = Recognizer(trajectory_path=a.trajectory)
    model = rec.context
    if model is None or model.trajectory is None:
        raise SystemExit("error: the decoder or the trajectory model did not load (see the warning above)")
    hold = _evidence(a.holdout_evidence, [a.data / "train"], None, True)
    records, paths = [], []
    for r in tqdm(hold["records"][:a.limit], desc="paths", file=sys.stderr):
        px = record_paths(rec, r)
        if px is not None:
            records.append(r)
            paths.append(px)
    grid = {}
    for w in tqdm(WEIGHTS, desc="weights", file=sys.stderr):
        grid[w] = figures(model, records, paths, rec.classes, w)
        print(f"  weight {w}: every symbol right {grid[w]['all_symbols_right']:.4f}, "
              f"symbol F1 {grid[w]['symbol_f1']:.4f}, pairs {sum(grid[w]['pairs'].values())}", file=sys.stderr)
    best = max(grid, key=lambda w: (grid[w]["all_symbols_right"] + 0.1 * grid[w]["symbol_f1"], -w))
    meta_path = Path(a.trajectory).with_suffix(".json")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["fusion"] = {
        "weight": best, "isolated_weight": meta.get("fusion", {}).get("isolated_weight"),
        "rule": "log p = log p_context + weight * log p_path, renormalised to the candidate's mass",
        "tuned_on": f"{len(records)} expressions of the symbol network's held-out writers of train/",
        "command": "python -m model tune-trajectory",
        "grid": {str(w): {k: v for k, v in f.items() if k != "confused"} for w, f in grid.items()},
        "held_out_confused_before": grid[0.0]["confused"], "held_out_confused_after": grid[best]["confused"],
    }
    meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    print(json.dumps({"weight": best, "before": grid[0.0]["all_symbols_right"],
                      "after": grid[best]["all_symbols_right"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
