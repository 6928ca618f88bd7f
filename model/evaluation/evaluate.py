"""Evaluation on CROHME InkML.

    python -m model evaluate symbols DIR [--json] [--model FILE]
    python -m model evaluate expressions DIR [--json] [--limit N] [--model FILE]
    python -m model evaluate adaptation DIR [--json]   (the personal model, a user simulated)

symbols: top-1 / top-5 on the isolated symbols of every InkML under DIR (each
symbol's strokes rendered alone, centred, at the expression's normalised scale,
exactly as in training), and the ten most confused pairs.

expressions: the whole recognizer on every expression.  A ground-truth symbol
is found when a detected symbol has its label and exactly its set of strokes
(the CROHME way).  Structures are compared as model.evaluation.structure
describes (the truth is the file's MathML): exprate is the share of
expressions whose structure is equal, exprate_le1/le2 allow one/two
symbol-level errors, linear_exprate is exprate over the expressions with no
2-D structure; all_symbols_right is the share of expressions whose symbols are
all found (label and exact strokes, nothing extra) and structure_given_symbols
the share of those whose structure is right (the layout's own end-to-end
figure); segmentation_f1 counts stroke sets alone, labels aside, and
confused_in_context the ten most frequent (truth, read) label pairs among the
true symbols whose strokes were found.  `classes` follows the small marks that are
easily misread (WATCHED: the dotted letters, the prime, the dots): per class its true
symbols, how many were read right (label and exact strokes), how many times it was read,
how many of those were right, what its exact strokes were read as instead, and how its
strokes were split or merged.  --hand-set-layout uses the layout's
hand-set thresholds instead of the relation model; --no-context reads symbols
with detection alone, without the context decoder (model.recognition.decode).

With --json the last line printed is one JSON object with the figures.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..recognition.classes import LOOKALIKE_PAIRS


HARD_PAIRS = list(LOOKALIKE_PAIRS)


def _load(model_path, use_context: bool = True, learned: bool = True, path: bool = True,
          writer: bool = True):
    from ..recognition.recognize import Recognizer
    return Recognizer(model_path, use_context=use_context, use_learned=learned, use_trajectory=path,
                      use_writer=writer)


def symbol_crops(files, classes, directions: bool = False):
    """Isolated crops and class indices of every known symbol in `files`."""
    from ..io.crohme import labelled_symbols
    from ..io.ink import InkError, read_inkml
    from ..recognition.classes import default_classes
    from ..recognition.raster import RasterError, frame_for, symbol_crop
    cidx = {c: i for i, c in enumerate(classes)}
    xs, ys, skipped = [], [], 0
    for f in tqdm(files, desc="render symbols", file=sys.stderr):
        try:
            ink = read_inkml(f)
            frame = frame_for(ink.strokes())
        except (InkError, RasterError) as e:
            print(f"skipped: {e}", file=sys.stderr)
            skipped += 1
            continue
        for s in labelled_symbols(ink, default_classes()):
            if s.label in cidx:
                xs.append(symbol_crop(s.strokes, frame, directions=directions))
                ys.append(cidx[s.label])
    return np.stack(xs), np.array(ys), skipped


def evaluate_symbols(directory: Path, model_path=None) -> dict:
    import torch
    from ..io.crohme import inkml_files
    rec = _load(model_path)
    x, y, skipped = symbol_crops(inkml_files([directory]), rec.classes, rec.directions)
    n_sym = rec.n_symbols
    preds = []
    with torch.inference_mode():
        for i in range(0, len(x), 512):
            xb = torch.from_numpy(x[i:i + 512])
            logits = rec.net(xb.unsqueeze(1) if xb.ndim == 3 else xb).flatten(1)[:, :n_sym]
            preds.append(logits.topk(5, dim=1).indices.numpy())
    top = np.concatenate(preds)
    top1 = float((top[:, 0] == y).mean())
    top5 = float((top == y[:, None]).any(1).mean())
    confused = Counter((rec.classes[t], rec.classes[p]) for t, p in zip(y, top[:, 0]) if t != p)
    out = {"n": int(len(y)), "top1": top1, "top5": top5, "files_skipped": skipped,
           "confused": [[t, p, c] for (t, p), c in confused.most_common(10)]}
    path = rec.context.trajectory if rec.context is not None else None
    if path is not None:
        out["fused"] = fused_isolated(directory, rec, path)
    return out


def fused_isolated(directory: Path, rec, path) -> dict:
    """Isolated top-1 of the picture, the pen's path and their blend (the path's isolated
    weight, chosen on held-out writers), on the true symbols as the path's training reads them
    (path_symbols.file_symbols: files whose annotations are whole)."""
    from ..recognition.trajectory import features as trajectory_features
    from .path_symbols import blend_top1, collect, fcn_isolated, path_log_probs as path_eval
    data = collect([directory], path.classes)
    rows = np.arange(len(data["labels"]))
    fcn = fcn_isolated(data, rows, rec.path)
    seq, glob = [], []
    for s, sc in zip(data["strokes"], data["scales"]):
        a, b = trajectory_features(s, sc)
        seq.append(a)
        glob.append(b)
    y = data["labels"]
    top1, _, lp = path_eval(path.net, np.stack(seq), np.stack(glob), y)
    w = float(path.meta["fusion"]["isolated_weight"])
    fused = (fcn + w * lp).argmax(1)
    classes = path.classes
    confused = Counter((classes[t], classes[p]) for t, p in zip(y, fused) if t != p)
    before = Counter((classes[t], classes[p]) for t, p in zip(y, fcn.argmax(1)) if t != p)
    return {"n": int(len(y)), "picture_top1": blend_top1(fcn, lp, y, 0.0), "path_top1": top1,
            "top1": float((fused == y).mean()), "weight": w,
            "pairs_before": pair_counts(before), "pairs_after": pair_counts(confused),
            "confused": [[t, p, c] for (t, p), c in confused.most_common(10)]}


def in_context_confusions(det: Counter, gt: Counter) -> Counter:
    """(truth, read) label pairs of true symbols whose exact strokes were read with another label."""
    read = {strokes: label for label, strokes in det}
    return Counter((label, read[strokes]) for label, strokes in gt
                   if strokes in read and read[strokes] != label)


# Marks a stem's dot is taken for, and the symbols made of a dot and a stem (issue 36).
WATCHED = ("i", "j", "\\prime", ".", "\\ldots", "\\div", "!", "1", ",")


def class_counts(det: Counter, gt: Counter, labels=WATCHED) -> Counter:
    """Per (label, what): "truth", "right", "read" (read with that label), and
    ("as", other) for a true symbol whose exact strokes were read as `other`."""
    out = Counter()
    read = {strokes: label for label, strokes in det}
    for (label, strokes), c in gt.items():
        if label in labels:
            out[(label, "truth")] += c
            out[(label, "right")] += min(c, det[(label, strokes)])
            if strokes in read and read[strokes] != label:
                out[(label, ("as", read[strokes]))] += c
    for (label, _), c in det.items():
        if label in labels:
            out[(label, "read")] += c
    return out


def class_figures(counts: Counter, seg_missed: Counter, labels=WATCHED) -> dict:
    out = {}
    for label in labels:
        truth, right, read = (counts[(label, k)] for k in ("truth", "right", "read"))
        if not truth and not read:
            continue
        instead = Counter({k[1][1]: c for k, c in counts.items()
                           if k[0] == label and isinstance(k[1], tuple)})
        out[label] = {"truth": truth, "right": right, "recall": right / max(truth, 1),
                      "read": read, "precision": right / max(read, 1),
                      "read_as": [[o, c] for o, c in instead.most_common(5)],
                      **{how: seg_missed[(label, how)] for how in ("split", "merged", "mixed")}}
    return out


def segmentation_misses(det: Counter, gt: Counter) -> Counter:
    """(true label, how) for true symbols whose strokes were not read as one symbol: "split"
    (read as several symbols of its strokes alone), "merged" (read inside a larger symbol),
    "mixed" (some of its strokes joined to others)."""
    groups = [set(s) for _, s in det]
    out = Counter()
    for label, strokes in gt:
        mine = set(strokes)
        touching = [g for g in groups if g & mine]
        if len(touching) == 1 and touching[0] == mine:
            continue
        if all(g <= mine for g in touching):
            how = "split"
        elif len(touching) == 1:
            how = "merged"
        else:
            how = "mixed"
        out[(label, how)] += 1
    return out


def pair_counts(confused: Counter) -> dict[str, int]:
    """Confusions within each pair that the picture alone cannot settle (issue 33), both ways."""
    return {f"{a} {b}": confused.get((a, b), 0) + confused.get((b, a), 0) for a, b in HARD_PAIRS}


def evaluate_expressions(directory: Path, model_path=None, limit: int | None = None,
                         progress: bool = True, hand_set_layout: bool = False,
                         use_context: bool = True, joint: bool = True, lm: bool = True,
                         learned: bool = True, path: bool = True, writer: bool = True,
                         glyphs: bool = True, held_out: bool = False, marks: bool = True,
                         row_context: bool = True) -> dict:
    """`joint`: symbols and structure chosen together (layout/joint.py); `lm`: the formula
    language model chooses among the layout's readings (without it, no joint choice either);
    `learned`: the learned context model re-reads the candidates (context_net.py); `glyphs`:
    a look-alike settled by the writer's own glyph of the other reading (writer_glyphs.py);
    `marks`: small marks joined or read by where they sit (marks.py); `row_context`:
    look-alikes settled by their place on their line (layout/row_context.py).
    `held_out`: `directory` is the data root, and the files read are its train/ writers the
    symbol network never trained on (splits.held_out_files)."""
    from ..io.ink import InkError, read_inkml
    from ..recognition.layout import assemble
    from ..io.crohme import inkml_files
    from ..recognition.notation.canonical import from_layout, from_mathml
    from .structure import is_linear, read_symbols, same_structure, symbol_errors, true_symbols
    rec = _load(model_path, use_context, learned, path, writer)
    rec.joint = joint and lm
    rec.use_glyphs = glyphs
    rec.use_marks = marks
    rec.use_row_context = row_context
    if held_out:
        from ..io.splits import held_out_train_files
        files = held_out_train_files(directory, limit)
    else:
        files = inkml_files([directory])[:limit]
    confused = Counter()
    seg_missed = Counter()
    per_class = Counter()
    seg_tp = seg_det = seg_gt = 0
    tp = n_det = n_gt = 0
    n = ok = le1 = le2 = n_lin = ok_lin = sym_ok = sym_ok_struct = 0
    skipped = 0
    ms = []
    for f in tqdm(files, desc="recognize", file=sys.stderr, disable=not progress):
        try:
            ink = read_inkml(f)
        except InkError as e:
            print(f"skipped: {e}", file=sys.stderr)
            skipped += 1
            continue
        if ink.problems:   # incomplete truth would score right answers as wrong
            print(f"skipped (broken truth): {ink.warning}", file=sys.stderr)
            skipped += 1
            continue
        t = time.perf_counter()
        r = rec.recognize(ink.strokes())
        ms.append((time.perf_counter() - t) * 1e3)
        det = read_symbols(r.symbols)
        gt = true_symbols(ink)
        tp += sum((det & gt).values())
        confused += in_context_confusions(det, gt)
        seg_missed += segmentation_misses(det, gt)
        per_class += class_counts(det, gt)
        dseg, gseg = Counter(s for _, s in det.elements()), Counter(s for _, s in gt.elements())
        seg_tp += sum((dseg & gseg).values())
        seg_det += sum(dseg.values())
        seg_gt += sum(gseg.values())
        n_det += sum(det.values())
        n_gt += sum(gt.values())
        if not ink.truth_mathml:
            continue
        truth = from_mathml(ink.truth_mathml)
        if hand_set_layout:
            expr = assemble(r.symbols, None)
        else:
            expr = assemble(r.symbols) if lm else assemble(r.symbols, lm=None)
        pred = from_layout(expr.tree)
        n += 1
        errors = 0 if same_structure(pred, truth) else max(1, symbol_errors(pred, truth))
        ok += errors == 0
        if det == gt:  # every symbol right (label and exact strokes), none extra
            sym_ok += 1
            sym_ok_struct += errors == 0
        le1 += errors <= 1
        le2 += errors <= 2
        if is_linear(truth):
            n_lin += 1
            ok_lin += errors == 0
    p = tp / max(n_det, 1)
    rcl = tp / max(n_gt, 1)
    sp, sr = seg_tp / max(seg_det, 1), seg_tp / max(seg_gt, 1)
    return {
        "segmentation_f1": 2 * sp * sr / max(sp + sr, 1e-12),
        "confused_in_context": [[t, r, c] for (t, r), c in confused.most_common(10)],
        "pairs_in_context": pair_counts(confused),
        "segmentation_misses": [[t, how, c] for (t, how), c in seg_missed.most_common(10)],
        "classes": class_figures(per_class, seg_missed),
        "n": n, "files_skipped": skipped,
        "symbol_precision": p, "symbol_recall": rcl, "symbol_f1": 2 * p * rcl / max(p + rcl, 1e-12),
        "exprate": ok / max(n, 1), "exprate_le1": le1 / max(n, 1), "exprate_le2": le2 / max(n, 1),
        "linear_exprate": ok_lin / max(n_lin, 1), "n_linear": n_lin,
        "all_symbols_right": sym_ok / max(n, 1), "n_all_symbols_right": sym_ok,
        "structure_given_symbols": sym_ok_struct / max(sym_ok, 1),
        "ms_per_expression": float(np.mean(ms)) if ms else 0.0,
        "ms_p95": float(np.percentile(ms, 95)) if ms else 0.0,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    for name in ("symbols", "expressions"):
        s = sub.add_parser(name)
        s.add_argument("dir", type=Path)
        s.add_argument("--json", action="store_true")
        s.add_argument("--model", type=Path, default=None)
        if name == "expressions":
            s.add_argument("--limit", type=int, default=None)
            s.add_argument("--hand-set-layout", action="store_true",
                           help="the layout's hand-set thresholds, not the relation model")
            s.add_argument("--no-context", action="store_true",
                           help="detection alone, without the context decoder")
            s.add_argument("--no-joint", action="store_true",
                           help="the symbols as decoded, not re-read with the structure")
            s.add_argument("--no-lm", action="store_true",
                           help="no formula language model: the layout's parser alone, and the "
                                "symbols as decoded")
            s.add_argument("--no-learned", action="store_true",
                           help="the hand-made re-reader, not the learned context model")
            s.add_argument("--no-trajectory", action="store_true",
                           help="the symbols' pictures alone, without the model of the pen's path")
            s.add_argument("--no-writer", action="store_true",
                           help="the look-alike pairs without the writer's own sizes (writer_pairs.py)")
            s.add_argument("--no-glyphs", action="store_true",
                           help="the look-alike pairs without the writer's own glyphs of the other "
                                "reading (writer_glyphs.py)")
            s.add_argument("--no-marks", action="store_true",
                           help="the symbols without the small-marks rules (marks.py): an i's or a "
                                "factorial's dot, bars drawn apart, dots in a row, a function's letters")
            s.add_argument("--no-row-context", action="store_true",
                           help="the look-alike pairs without their place on their line "
                                "(layout/row_context.py)")
            s.add_argument("--held-out", action="store_true",
                           help="DIR is the data root: read the writers of DIR/train that the symbol "
                                "network never trained on")
    s = sub.add_parser("adaptation", help="a user simulated: the personal model learning a writer's "
                                          "corrections (model/evaluation/adaptation.py)")
    s.add_argument("dir", type=Path)
    s.add_argument("--json", action="store_true")
    s.add_argument("--min-expressions", type=int, default=10)
    s.add_argument("--writers", type=int, default=None, help="the first N writers only")
    a = p.parse_args(argv)
    if not a.dir.is_dir():
        print(f"error: {a.dir} is not a directory", file=sys.stderr)
        return 2
    from ..recognition.recognize import ModelError
    try:
        if a.what == "symbols":
            m = evaluate_symbols(a.dir, a.model)
            print(f"{m['n']} symbols: top-1 {m['top1']:.4f}  top-5 {m['top5']:.4f}")
            if "fused" in m:
                f = m["fused"]
                print(f"with the pen's path ({f['n']} symbols): picture {f['picture_top1']:.4f}  "
                      f"path {f['path_top1']:.4f}  fused {f['top1']:.4f} (weight {f['weight']})")
            print("most confused (truth -> predicted, count):")
            for t, pr, c in m["confused"]:
                print(f"  {t:>10} -> {pr:<10} {c}")
        elif a.what == "adaptation":
            from .adaptation import adaptation
            m = adaptation(a.dir, a.min_expressions, a.writers)
            for k, v in m.items():
                if k != "per_writer":
                    print(f"{k:>34}: {v:.4f}" if isinstance(v, float) else f"{k:>34}: {v}")
        else:
            m = evaluate_expressions(a.dir, a.model, a.limit,
                                     hand_set_layout=a.hand_set_layout, use_context=not a.no_context,
                                     joint=not a.no_joint, lm=not a.no_lm, learned=not a.no_learned,
                                     path=not a.no_trajectory, writer=not a.no_writer,
                                     glyphs=not a.no_glyphs, held_out=a.held_out,
                                     marks=not a.no_marks, row_context=not a.no_row_context)
            for k, v in m.items():
                print(f"{k:>18}: {v:.4f}" if isinstance(v, float) else f"{k:>18}: {v}")
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if a.json:
        print(json.dumps(m))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
