"""A user simulated: does the personal model make a writer's next expressions right?

    python -m model evaluate adaptation DIR [--json] [--min-expressions 10] [--writers N]

For each writer (CROHME's `<annotation type="writer">`, model.io.crohme.writer_of) with
at least --min-expressions files, the files are written in file order. After each one the
user corrects every wrong symbol the way the app lets them (relabel it; regroup, then
relabel, where the segmentation was wrong), then copies the expression: every true symbol
of it is then either a correction or a quiet confirmation, and the personal model learns
it, with the ink the app would hand it (the symbol's strokes among the expression's).
Writers are never mixed: each starts with an empty profile.

Reported over the expressions after each writer's first --min-expressions (the ones a
profile can have learnt for): exprate and all_symbols_right without and with the personal
model; the same per writer; and the user who never corrects: a profile that learns only
from expressions that were right as recognized (their copies), which must not be worse.
"""
from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

from tqdm import tqdm


def _score(rec_result, ink, truth):
    """(structure right, every symbol right, every stroke group right) of one recognition."""
    from ..recognition.notation.canonical import from_layout
    from .structure import read_symbols, same_structure, true_symbols
    det, gt = read_symbols(rec_result.symbols), true_symbols(ink)
    groups = Counter(s for _, s in det.elements()) == Counter(s for _, s in gt.elements())
    return same_structure(from_layout(rec_result.tree), truth), det == gt, groups


def _learn(rec, profile, ink, strokes, classes, read=None) -> None:
    """Every true symbol becomes a sample; those read with the right strokes but another label
    (in `read`, the recognition the user corrected) are corrections of that reading."""
    from ..io.crohme import labelled_symbols
    from ..recognition.heatmap_cache import stroke_key
    syms = labelled_symbols(ink, classes)
    if not syms:
        return
    if read is not None:
        by_strokes = {frozenset(s.strokes): s.label for s in read.symbols}
        for s in syms:
            profile.corrected(by_strokes.get(frozenset(s.stroke_ids), ""), s.label)
    feats = rec.symbol_features(strokes, [s.stroke_ids for s in syms])
    for s, f in zip(syms, feats):
        key = b"".join(stroke_key(strokes[i]) for i in s.stroke_ids) + s.label.encode()
        profile.add(s.label, f, key)


def adaptation(directory: Path, min_expressions: int = 10, max_writers: int | None = None,
               progress: bool = True) -> dict:
    from ..io.crohme import inkml_files
    from ..io.ink import InkError, read_inkml
    from ..recognition.notation.canonical import from_mathml
    from ..recognition.personal import PersonalModel
    from ..recognition.recognize import Recognizer
    from ..io.crohme import writer_of

    rec = Recognizer()
    by_writer: dict[str, list[Path]] = defaultdict(list)
    for f in inkml_files(directory):
        by_writer[writer_of(f)].append(f)
    writers = [w for w, fs in by_writer.items() if len(fs) >= min_expressions][:max_writers]
    arms = ("without", "with", "confirm_only")
    totals = {a: Counter() for a in arms}
    per_writer = {}
    bar = tqdm(total=sum(len(by_writer[w]) for w in writers), desc="writers' expressions",
               file=sys.stderr, disable=not progress)
    for w in writers:
        profiles = {"with": PersonalModel(), "confirm_only": PersonalModel()}
        mine = {a: Counter() for a in arms}
        for j, f in enumerate(by_writer[w]):
            bar.update(1)
            try:
                ink = read_inkml(f)
            except InkError:
                continue
            if ink.problems or not ink.truth_mathml:
                continue
            truth = from_mathml(ink.truth_mathml)
            strokes = ink.strokes()
            right, results = {}, {}
            for arm in arms:
                rec.personal = profiles.get(arm)
                results[arm] = rec.recognize(strokes, heatmap=True)
                right[arm] = _score(results[arm], ink, truth)
            rec.personal = None
            if j >= min_expressions:
                for arm in arms:
                    mine[arm].update(n=1, exprate=right[arm][0], all_symbols_right=right[arm][1])
                ok, symbols_ok, groups_ok = right["without"]
                if not ok:  # what a personal model of labels can and cannot fix
                    mine["without"].update(wrong_structure_only=symbols_ok,
                                           wrong_labels_only=groups_ok and not symbols_ok,
                                           wrong_segmentation=not groups_ok)
            # The user corrects what is wrong and copies: every true symbol is learnt. The user
            # who never corrects copies only what was right.
            _learn(rec, profiles["with"], ink, strokes, rec.classes, results["with"])
            if right["confirm_only"][0]:
                _learn(rec, profiles["confirm_only"], ink, strokes, rec.classes)
        for arm in arms:
            totals[arm] += mine[arm]
        per_writer[w] = {"expressions": mine["with"]["n"],
                         "exprate_without": mine["without"]["exprate"], "exprate_with": mine["with"]["exprate"],
                         "all_symbols_right_without": mine["without"]["all_symbols_right"],
                         "all_symbols_right_with": mine["with"]["all_symbols_right"],
                         "samples": len(profiles["with"])}
    bar.close()
    n = max(totals["with"]["n"], 1)
    worse = {w: v for w, v in per_writer.items() if v["exprate_with"] < v["exprate_without"] - 1}
    wrong_without = totals["without"]["n"] - totals["without"]["exprate"]
    wrong_with = totals["with"]["n"] - totals["with"]["exprate"]
    return {
        "writers": len(writers), "expressions": totals["with"]["n"], "min_expressions": min_expressions,
        "exprate_without": totals["without"]["exprate"] / n, "exprate_with": totals["with"]["exprate"] / n,
        "all_symbols_right_without": totals["without"]["all_symbols_right"] / n,
        "all_symbols_right_with": totals["with"]["all_symbols_right"] / n,
        "wrong_expressions_without": wrong_without, "wrong_expressions_with": wrong_with,
        "wrong_expressions_relative_change": (wrong_with - wrong_without) / max(wrong_without, 1),
        "exprate_confirm_only": totals["confirm_only"]["exprate"] / n,
        "all_symbols_right_confirm_only": totals["confirm_only"]["all_symbols_right"] / n,
        "writers_worse_by_more_than_one": sorted(worse),
        # The wrong expressions without the personal model, by what was wrong: only the
        # structure (every symbol right), only labels (every stroke group right), or the groups.
        "wrong_without_by_kind": {k: totals["without"][f"wrong_{k}"]
                                  for k in ("structure_only", "labels_only", "segmentation")},
        "per_writer": per_writer,
    }
