"""`python -m model train-row-context`: count where look-alikes stand, and choose how much that weighs.

1. Counts each symbol's (label, context) (layout/row_context.py: what precedes and follows it
   on its line, whether it carries scripts, which kind of line) over the truth trees of train/
   and train-extra/, leaving out the network's held-out writers of train/ (model/io/splits.py).
2. Reads those held-out writers' ink with the shipped recognizer, the row context off. The
   recognitions are cached under --cache, keyed by the shipped models' files, so a rerun with
   the same models reads nothing again.
3. On those recognitions, tries each (weight, least runner-up share, smoothing, margin, least
   count) of a grid and keeps the one under which the most files have every symbol right; on a
   tie the most files right as a whole, then the widest margin and the highest least count
   (the fewest relabels), then the lowest weight. Each setting's relabels are counted against
   the truth too (right, wrong). dev/ is not read.
4. Writes resources/models/row_context.json: the counts, the settings, the figures of every
   setting tried, the data, the command.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import pickle
import sys
import time
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from ..io.crohme import DEFAULT_DATA, inkml_files, writer_of
from ..io.ink import InkError, read_inkml
from ..io.splits import held_out_train_files, is_held_out
from ..recognition.layout import row_context
from ..recognition.notation.canonical import from_layout, from_mathml
from .train import ROOT

# The context's weight stays 1 (the ink's probability and the line's likelihood, as Bayes adds
# them): the decoder has read each label with its neighbours already, so more counts them twice.
# A grid with weight 2 and margin 1 was tried: on the held-out writers 1195 -> 1203 files with
# every symbol right, on dev 675 -> 671 (6 of its 38 held-out relabels wrong).
WEIGHTS = [1.0]
MIN_RATIOS = [0.02, 0.05, 0.2]
SMOOTHINGS = [5.0, 20.0]
MARGINS = [2.0, 3.0, 4.0]
MIN_COUNTS = [0, 5, 10, 20]


def count_contexts(files) -> tuple[dict[str, dict[str, int]], int]:
    """{label: {context: count}} over the truth of these files, and how many were read."""
    counts: dict[str, Counter] = {}
    n = 0
    for f in tqdm(files, desc="count contexts", file=sys.stderr):
        try:
            ink = read_inkml(f)
        except InkError:
            continue
        truth = from_mathml(ink.truth_mathml or "")
        if not truth:
            continue
        n += 1
        for label, ctx in row_context.truth_contexts(truth):
            counts.setdefault(label, Counter())[ctx] += 1
    return {k: dict(v) for k, v in sorted(counts.items())}, n


def counted_files(data: Path) -> list[Path]:
    """train/ without the network's held-out writers, and train-extra/ whole."""
    train = [f for f in inkml_files([data / "train"]) if not is_held_out(writer_of(f))]
    extra = inkml_files([data / "train-extra"]) if (data / "train-extra").is_dir() else []
    return sorted(train) + sorted(extra)


def _models_digest() -> str:
    h = hashlib.sha256()
    for p in sorted(row_context.DEFAULT_PATH.parent.iterdir()):
        if p.name.startswith("row_context") or not p.is_file():
            continue
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def recognitions(files, cache: Path) -> list[dict]:
    """Each held-out file's symbols as the shipped recognizer reads them (the row context off),
    its true symbols and truth; cached by the shipped models' digest."""
    from ..evaluation.layout_eval import with_truth
    from ..evaluation.structure import true_symbols
    from ..recognition.recognize import Recognizer
    path = cache / f"row_context_recognitions_{_models_digest()}.pkl"
    if path.exists():
        with open(path, "rb") as fh:
            return pickle.load(fh)
    rec = Recognizer()
    rec.use_row_context = False
    out = []
    for f, ink, truth in with_truth(tqdm(files, desc="recognize held-out writers", file=sys.stderr)):
        r = rec.recognize(ink.strokes(), heatmap=False)
        out.append({"file": f.name, "symbols": r.symbols, "tree": r.tree,
                    "truth_symbols": true_symbols(ink), "truth": truth})
        rec.clear_caches()
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(out, fh)
    tmp.replace(path)
    return out


def relabelled(item: dict, model: row_context.RowContext):
    """The symbols of one recognition with the row context's relabels applied (as
    joint.assemble_joint applies them), and how many it made."""
    from ..recognition.layout.joint import with_labels
    new = model.relabels(item["tree"], item["symbols"])
    return with_labels(item["symbols"], new), len(new)


def figures(items: list[dict], model: row_context.RowContext | None) -> dict:
    """Every-symbol-right and expression rate (the structure read again from the symbols, as
    `evaluate expressions` does) over the recognitions, with the row context's relabels."""
    from ..evaluation.structure import read_symbols, same_structure
    from ..recognition.layout import assemble
    all_right = right = changed = labels_right = labels_wrong = 0
    for it in items:
        symbols, n = it["symbols"], 0
        if model is not None:
            symbols, n = relabelled(it, model)
        changed += n
        if n:
            truth_of = {strokes: label for label, strokes in it["truth_symbols"]}
            for before, after in zip(it["symbols"], symbols):
                if before.label != after.label:
                    t = truth_of.get(frozenset(before.strokes))
                    labels_right += t == after.label
                    labels_wrong += t == before.label
        ok_symbols = read_symbols(symbols) == it["truth_symbols"]
        all_right += ok_symbols
        if n or "baseline_ok" not in it:
            ok = same_structure(from_layout(assemble(symbols).tree), it["truth"])
            if not n:
                it["baseline_ok"] = ok
        else:
            ok = it["baseline_ok"]
        right += ok
    return {"n": len(items), "all_symbols_right": all_right, "exprate": right, "relabelled": changed,
            "relabelled_right": labels_right, "relabelled_wrong": labels_wrong}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m model train-row-context", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="folder holding train/ and train-extra/")
    ap.add_argument("--out", type=Path, default=row_context.DEFAULT_PATH)
    ap.add_argument("--cache", type=Path, default=ROOT / "cache")
    ap.add_argument("--limit", type=int, default=None, help="first N held-out files (a quick run)")
    a = ap.parse_args(argv)
    t0 = time.time()
    counted = counted_files(a.data)
    held = held_out_train_files(a.data, a.limit)
    if not counted or not held:
        print(f"error: no training truth or no held-out writers under {a.data}", file=sys.stderr)
        return 2
    counts, n_counted = count_contexts(counted)
    items = recognitions(held, a.cache)
    base = figures(items, None)
    grid = []
    settings = list(itertools.product(WEIGHTS, MIN_RATIOS, SMOOTHINGS, MARGINS, MIN_COUNTS))
    for w, ratio, smoothing, margin, least in tqdm(settings, desc="settings", file=sys.stderr):
        model = row_context.RowContext(counts, w, ratio, smoothing, margin, least)
        row = figures(items, model)
        grid.append({"weight": w, "min_ratio": ratio, "smoothing": smoothing, "margin": margin,
                     "min_count": least, **row})
    best = max(grid, key=lambda g: (g["all_symbols_right"], g["exprate"], g["margin"],
                                    g["min_count"], -g["weight"], g["min_ratio"], g["smoothing"]))
    meta = {
        "what": "counts of each label's context on its line (row_context.py), the weight they get "
                "against the decoder's probabilities, the least runner-up share they may overturn",
        "training_data": "CROHME train/ + train-extra/ (CC BY-NC-SA 3.0) truth trees, without the "
                         "network's held-out writers of train/",
        "n_files_counted": n_counted,
        "tuned_on": f"{len(items)} files of the network's held-out writers of train/, read by "
                    "the shipped recognizer",
        "held_out": {"without": base, "chosen": {k: best[k] for k in base}},
        "grid": grid,
        "command": "python -m model train-row-context " + " ".join(argv or sys.argv[1:]),
        "seconds": round(time.time() - t0, 1),
    }
    model = row_context.RowContext(counts, best["weight"], best["min_ratio"], best["smoothing"],
                                   best["margin"], best["min_count"], meta)
    from ..io.atomic import atomic_write_text
    a.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(a.out, json.dumps(model.to_json(), indent=1) + "\n", private=False)
    print(f"held-out files {base['n']}: every symbol right {base['all_symbols_right']} -> "
          f"{best['all_symbols_right']}, expressions right {base['exprate']} -> {best['exprate']} "
          f"(weight {best['weight']}, min_ratio {best['min_ratio']}, smoothing {best['smoothing']}, "
          f"margin {best['margin']}, min_count {best['min_count']}); "
          f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
