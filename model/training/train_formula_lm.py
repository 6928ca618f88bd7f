"""`python -m model train-formula-lm`: count the formula language model, and choose how it weighs in.

The layout's parser gives its reading and its close alternatives (parse.readings: the
runner-up taken at one of its least sure decisions, of the baselines or of what a bar, a
radical or a limit claims). The reading kept is the one with the best score: the parser's
log shares + weight x the formula model's log-probability - a penalty per changed choice
(formula_lm.choose). This command

1. counts the model (formula_lm.py) on the truth trees of train/ (+ train-extra/), except
   two writer-disjoint slices of train/: the relation model's held-out writers (a tenth,
   where the layout's settings are chosen) and the network's (splits.is_held_out, where the
   joint choice of symbols and structure is tuned: layout/joint.py);
2. lays out those held-out files on their true symbols with every setting of a grid
   (weight, penalty, how many alternatives) and keeps the one that reads most of them
   right (the parser alone on a tie);
3. reads the network's held-out writers of train/ with the shipped recognizer (their ink
   the network never saw) and chooses, the same way, the settings of the joint choice of
   symbols and structure (layout/joint.py: how close a runner-up label must be, how many
   are tried, how much the symbol evidence weighs against the layout's score), each reading
   judged as the app finishes it (the small marks read first, the look-alikes settled by
   their line after: joint.assemble_joint);
4. writes resources/models/formula_lm.json: counts, settings, the held-out figures of each
   setting tried, and the command. dev/ is not read. `--joint-only` does step 3 alone, on
   the model already written (after a change to the recognizer or to the joint choice).
"""
from __future__ import annotations

import itertools
import sys
import time

from tqdm import tqdm

from ..evaluation.layout_eval import truth_symbols, with_truth
from ..evaluation.structure import same_structure
from ..io.crohme import inkml_files
from ..io.ink import InkError, read_inkml
from ..recognition.layout import formula_lm
from ..recognition.layout.parse import readings
from ..recognition.notation.canonical import from_layout, from_mathml
from ..io.crohme import writer_of as crohme_writer
from ..io.splits import is_held_out
from .train_relations import arg_parser, truth_trees

WEIGHTS = [round(0.05 * i, 2) for i in range(0, 21)]
SYMBOL_WEIGHTS = [0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0]
MIN_RATIOS = [0.05, 0.1, 0.2, 0.3]
MAX_ALTERNATIVES = [1, 2, 3]
PENALTIES = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0]
ALTERNATIVES = [(1, 0.2), (1, 0.1), (2, 0.2), (2, 0.1)]  # (max_flips, min_share); 4 flips gained a file in 1466 held out and cost the bench expression 1.5 ms of layout


def main(argv=None) -> int:
    ap = arg_parser("python -m model train-formula-lm", __doc__, formula_lm.DEFAULT_PATH, 0, 0)
    ap.add_argument("--no-joint", action="store_true",
                    help="leave the joint choice's settings as they are (no network run)")
    ap.add_argument("--joint-only", action="store_true",
                    help="keep the model at --out; choose only the joint choice's settings again "
                         "(after a change to the recognizer or the joint choice)")
    a = ap.parse_args(argv)
    t0 = time.time()
    if a.joint_only:
        return joint_again(a, argv)
    trees, held_out, skipped = [], [], []
    for f, ink, tree, validation in truth_trees(sorted(inkml_files(a.data))[:a.limit], "truth",
                                                skipped):
        if validation:
            truth = from_mathml(ink.truth_mathml or "")
            if truth and not ink.problems:
                held_out.append((truth_symbols(ink), truth))
        elif not is_held_out(crohme_writer(f)):
            # The network's held-out writers are where the joint choice is tuned (--joint):
            # their formulas must be as new to the model there as dev's are.
            trees.append(tree)
    if not trees or not held_out:
        print("error: no truth to count, or no held-out writers", file=sys.stderr)
        return 2
    meta = {"training_data": ("CROHME train/ + train-extra/ (CC BY-NC-SA 3.0), truth trees; a "
                              "writer-disjoint tenth of train/ held out to choose the settings"),
            "n_trees": len(trees), "n_held_out": len(held_out), "skipped_no_truth": len(skipped)}
    lm = formula_lm.FormulaLM.count(trees, meta)
    # Each held-out file's readings, once per alternatives setting; the grid only rescored.
    scored = {}
    for flips, share in ALTERNATIVES:
        rows = []
        for symbols, truth in tqdm(held_out, desc=f"readings ({flips}, {share})", file=sys.stderr):
            rows.append([(lp + 0.0, lm.logprob(t), n, same_structure(from_layout(t), truth))
                         for t, lp, n in readings(symbols, max_flips=flips, min_share=share)])
        scored[(flips, share)] = rows
    base = sum(r[0][3] for r in scored[ALTERNATIVES[0]])
    grid = []
    for (flips, share), w, pen in itertools.product(ALTERNATIVES, WEIGHTS, PENALTIES):
        right = sum(max(r, key=lambda x: x[0] + w * x[1] - pen * x[2])[3]
                    for r in scored[(flips, share)])
        grid.append({"max_flips": flips, "min_share": share, "weight": w, "flip_penalty": pen,
                     "exprate": round(right / len(held_out), 4), "right": right})
    best = max(grid, key=lambda g: (g["right"], -g["weight"], -g["flip_penalty"]))
    reach = {f"{k[0]},{k[1]}": round(sum(any(x[3] for x in r) for r in rows) / len(held_out), 4)
             for k, rows in scored.items()}
    lm.meta.update({
        "choice": {k: best[k] for k in ("weight", "flip_penalty", "max_flips", "min_share")},
        "held_out_layout": {"parser_alone": round(base / len(held_out), 4),
                            "chosen": best["exprate"],
                            "any_reading_right": reach},
        "grid": grid,
        "command": "python -m model train-formula-lm " + " ".join(argv or sys.argv[1:]),
        "seconds": round(time.time() - t0, 1)})
    if not a.no_joint:
        lm.meta["joint"], lm.meta["held_out_joint"] = tune_joint(a.data, lm, a.limit)
    formula_lm.save(a.out, lm)
    print(f"held-out files {len(held_out)}: layout exprate parser alone "
          f"{base / len(held_out):.4f}, with the formula model {best['exprate']} "
          f"(weight {best['weight']}, penalty {best['flip_penalty']}, {best['max_flips']} "
          f"alternatives of share >= {best['min_share']}); wrote {a.out}")
    return 0


def joint_again(a, argv) -> int:
    """The joint choice's settings chosen again for the model at `a.out`; its counts, its
    layout choice and the rest of its metadata are kept."""
    t0 = time.time()
    lm = formula_lm.load(a.out)
    if lm is None:
        return 2
    before = dict(lm.meta.get("joint", {}))
    lm.meta["joint"], lm.meta["held_out_joint"] = tune_joint(a.data, lm, a.limit)
    if not lm.meta["held_out_joint"]:
        print("error: no held-out writers", file=sys.stderr)
        return 2
    lm.meta.update({"joint_before": before,
                    "joint_command": "python -m model train-formula-lm " + " ".join(argv or sys.argv[1:]),
                    "joint_seconds": round(time.time() - t0, 1)})
    formula_lm.save(a.out, lm)
    print(f"the joint choice {lm.meta['joint']} (before {before}); wrote {a.out}")
    return 0


def tune_joint(data, lm, limit=None) -> tuple[dict, dict]:
    """The joint choice's settings that read most of the network's held-out files right end
    to end, and the figures (the layout alone and each setting tried)."""
    from ..recognition.layout import joint, row_context
    from ..recognition.recognize import Recognizer
    from ..io.splits import held_out_files
    rec = Recognizer(threads=1)
    rec.joint = False  # the symbols as the decoder reads them: the choice is what is tuned
    files = [f for f in held_out_files(sorted(inkml_files(data))[:limit])
             if "train-extra" not in f.parts]
    lines = row_context.default_model()

    def read_right(tree, symbols, keep, truth) -> bool:
        # As assemble_joint goes on: the chosen reading's look-alikes settled by their line.
        expr, _ = joint.settled_by_line(tree, symbols, keep, lm, lines)
        return same_structure(from_layout(expr.tree), truth)

    rows = []
    for f, ink, truth in with_truth(tqdm(files, desc="joint (held-out writers)", file=sys.stderr)):
        symbols = rec.recognize(ink.strokes(), heatmap=False).symbols
        keep = {i for i, s in enumerate(symbols) if s.personal}
        # As assemble_joint begins: the small marks read by where they sit, and kept so.
        symbols, keep, _ = joint.with_marks(symbols, keep)
        (tree, score), alts = joint.joint_readings(symbols, lm, keep, min(MIN_RATIOS),
                                                   max(MAX_ALTERNATIVES))
        rows.append((score, read_right(tree, symbols, keep, truth),
                     [(ratio, log_ratio, sc, differs, read_right(t, alt, keep, truth))
                      for ratio, log_ratio, alt, t, sc, differs in alts]))
    if not rows:
        return dict(joint.JOINT), {}
    grid = []
    for w, ratio, m in itertools.product(SYMBOL_WEIGHTS, MIN_RATIOS, MAX_ALTERNATIVES):
        right = 0
        for base, ok, alts in rows:
            best = (base, ok)
            # As assemble_joint: the m closest runners-up, of which those of another structure
            for r, log_ratio, sc, differs, aok in [x for x in alts if x[0] >= ratio][:m]:
                if differs and sc + w * log_ratio > best[0]:
                    best = (sc + w * log_ratio, aok)
            right += best[1]
        grid.append({"symbol_weight": w, "min_ratio": ratio, "max_alternatives": m,
                     "right": right, "exprate": round(right / len(rows), 4)})
    # Ties go to the choice that changes least: more weight on the symbols, closer runners-up.
    best = max(grid, key=lambda g: (g["right"], g["symbol_weight"], g["min_ratio"],
                                    -g["max_alternatives"]))
    alone = sum(ok for _, ok, _ in rows)
    figures = {"n": len(rows), "layout_alone": round(alone / len(rows), 4),
               "chosen": best["exprate"], "grid": grid}
    print(f"held-out writers' files {len(rows)}: exprate end to end {alone / len(rows):.4f}, with "
          f"the joint choice {best['exprate']} ({best})", file=sys.stderr)
    return {k: best[k] for k in ("symbol_weight", "min_ratio", "max_alternatives")}, figures


if __name__ == "__main__":
    raise SystemExit(main())
