"""Oracle evaluation of the layout stage: ground-truth symbols in, structure out.

With the true labels and the true stroke groups, every error is the layout's
own, so this measures `model.recognition.layout.assemble` alone. Run:

    python -m model layout-eval /work/shared/data/crohme/dev
    python -m model layout-eval /work/shared/data/crohme/train --sample 2000 --seed 0 -v
    python -m model layout-eval /work/shared/data/crohme/dev --json [--hand-set]
    python -m model layout-eval /work/shared/data/crohme --held-out --json

--json prints one JSON object (exprate, linear and structured (2-D) exprate,
counts, the layout's time per expression: mean and p95 in ms, and the failure kinds:
"sup->right" counts the failures where a symbol the truth opens a superscript with was read
as on the line, "order" those whose symbols come in another order); -v lists each failure;
--hand-set uses the hand-set rules instead of the shipped relation and region
models; --hand-set-regions only the hand-set region rules (fraction bars, roots,
limits), with the learned relations; --no-lm without the formula language model,
--no-tree-model without the model of whole readings (both: the parser's own reading).

Several directories may be given; `--limit N` keeps the first N files (sorted),
`--sample N` a random N with a fixed `--seed`, so a tuning subset is reproducible.
"""
from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np

from ..io.crohme import inkml_files, normalize_label
from ..io.ink import Ink, InkError, read_inkml
from ..recognition.layout import assemble
from ..recognition.notation.canonical import Row, from_layout, from_mathml
from ..recognition.result import Symbol
from .structure import is_linear, same_structure, symbol_errors

_SHIPPED = object()  # "the shipped relation model", as assemble's default


def truth_symbols(ink: Ink) -> list[Symbol]:
    """The ground-truth symbols of an ink: true label, box of its strokes, its stroke indices."""
    out = []
    for label, idx in ink.symbol_stroke_indices():
        pts = np.concatenate([ink.traces[i].xy for i in idx])
        x1, y1 = pts.min(0)
        x2, y2 = pts.max(0)
        box = (float(x1), float(y1), float(x2), float(y2))
        out.append(Symbol(normalize_label(label), 1.0, box, list(idx)))
    return out


def failure_kinds(pred: Row, truth: Row) -> list[str]:
    """Which relation was taken for which: "sup->right" where a symbol the truth has
    as a superscript's first symbol was read as on its line, and so on. Compared by
    the relation that leads to each symbol token, in token order, when both sides
    have the same symbols in the same order; "order" otherwise (a symbol in
    another region, or labels that differ between the MathML and the ink)."""
    a, b = _relation_of_tokens(pred), _relation_of_tokens(truth)
    if [t for t, _ in a] != [t for t, _ in b]:
        return ["order"]
    return [f"{rt}->{rp}" for (_, rp), (_, rt) in zip(a, b) if rp != rt]


def _relation_of_tokens(row: Row, rel: str = "right") -> list[tuple[str, str]]:
    out = []
    for n in row:
        out.append((n.label, rel))
        rel = "right"
        for name, sub in n.rels:
            out += _relation_of_tokens(sub, name)
    return out


def with_truth(files):
    """(path, ink, truth structure) of each file whose ink reads and whose truth is usable:
    a MathML that parses, and a segmentation without problems (an incomplete truth would
    score right answers as wrong)."""
    for f in files:
        try:
            ink = read_inkml(f)
        except InkError:
            continue
        truth = from_mathml(ink.truth_mathml or "") if not ink.problems else None
        if truth:
            yield f, ink, truth


def score_files(files, relations=_SHIPPED, failures: list | None = None,
                regions=_SHIPPED, lm=_SHIPPED, trees=_SHIPPED) -> dict:
    """Oracle layout figures over the given InkML files; `relations`, `regions`, `lm` and
    `trees` are passed to `assemble` (None: the hand-set rules, or no formula model, or no
    model of whole readings; default: as `assemble`'s)."""
    models = {k: v for k, v in (("relations", relations), ("regions", regions), ("lm", lm),
                                ("trees", trees)) if v is not _SHIPPED}
    n = exact = le1 = le2 = lin_n = lin_ok = 0
    kinds: Counter = Counter()
    ms: list[float] = []
    files = list(files)
    for f, ink, truth in with_truth(files):
        symbols = truth_symbols(ink)
        t = time.perf_counter()
        expr = assemble(symbols, **models)
        ms.append((time.perf_counter() - t) * 1e3)
        pred = from_layout(expr.tree)
        ok = same_structure(pred, truth)
        err = 0 if ok else symbol_errors(pred, truth)
        n += 1
        exact += ok
        le1 += err <= 1
        le2 += err <= 2
        if is_linear(truth):
            lin_n += 1
            lin_ok += ok
        if not ok:
            kinds.update(failure_kinds(pred, truth))
            if failures is not None:
                failures.append((f.name, err, expr.latex, ink.truth_latex))
    skipped = len(files) - n
    rate = (lambda k, d: round(k / d, 4) if d else 0.0)
    return {"n": n, "exprate": rate(exact, n), "exprate_le1": rate(le1, n),
            "exprate_le2": rate(le2, n), "linear_exprate": rate(lin_ok, lin_n),
            "linear_n": lin_n, "structured_exprate": rate(exact - lin_ok, n - lin_n),
            "structured_n": n - lin_n, "skipped": skipped,
            "layout_ms_mean": round(float(np.mean(ms)), 3) if ms else 0.0,
            "layout_ms_p95": round(float(np.percentile(ms, 95)), 3) if ms else 0.0,
            "failure_kinds": dict(kinds.most_common())}


def oracle_layout_eval(directory, limit: int | None = None, failures: list | None = None,
                       sample: int | None = None, seed: int = 0,
                       relations=_SHIPPED, regions=_SHIPPED, lm=_SHIPPED, trees=_SHIPPED,
                       held_out: bool = False) -> dict:
    """exprate, exprate_le1, exprate_le2, linear_exprate, structured (2-D) exprate,
    counts and failure kinds over the *.inkml files of `directory` (one or a list;
    see `io.crohme.inkml_files` for `sample` and `seed`; `limit` keeps the first files
    in sorted order, across all the directories). `held_out`: `directory` is the data root,
    and the files read are its train/ writers the symbol network never trained on, as
    `evaluate expressions --held-out` reads them (splits.held_out_train_files).

    Files without truth MathML are skipped (counted in "skipped"). When
    `failures` is a list, (file name, errors, predicted latex, truth latex)
    is appended for each expression that is not exactly right.
    """
    if held_out:
        from ..io.splits import held_out_train_files
        roots = [directory] if isinstance(directory, (str, Path)) else list(directory)
        files = held_out_train_files(Path(roots[0]), limit)
    else:
        files = sorted(inkml_files(directory, sample=sample, seed=seed))[:limit]
    return score_files(files, relations, failures, regions, lm, trees)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dirs", nargs="*", default=["../shared/data/crohme/dev"])
    ap.add_argument("--limit", type=int, default=None, help="first N files (sorted)")
    ap.add_argument("--sample", type=int, default=None, help="a random N files")
    ap.add_argument("--seed", type=int, default=0, help="seed of --sample")
    ap.add_argument("--hand-set", action="store_true",
                    help="the hand-set rules instead of the shipped relation and region models")
    ap.add_argument("--hand-set-regions", action="store_true",
                    help="the hand-set region rules (fractions, roots, limits) with the "
                         "shipped relation model")
    ap.add_argument("--no-lm", action="store_true",
                    help="choose among the parser's readings without the formula model")
    ap.add_argument("--no-tree-model", action="store_true",
                    help="choose among the parser's readings without the model of whole readings")
    ap.add_argument("--held-out", action="store_true",
                    help="the first directory is the data root: read its train/ writers the "
                         "symbol network never trained on (as evaluate expressions --held-out)")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    ap.add_argument("-v", "--verbose", action="store_true", help="list the failures")
    args = ap.parse_args(argv)
    fails: list = []
    m = oracle_layout_eval(args.dirs, args.limit, fails if args.verbose else None,
                           args.sample, args.seed, None if args.hand_set else _SHIPPED,
                           None if (args.hand_set or args.hand_set_regions) else _SHIPPED,
                           None if args.no_lm else _SHIPPED,
                           None if args.no_tree_model else _SHIPPED, args.held_out)
    for f in fails:
        print(*f, sep="\t")
    print(json.dumps(m) if args.json else m)


if __name__ == "__main__":
    main()
