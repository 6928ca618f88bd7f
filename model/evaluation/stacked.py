"""Several lines, matrices and cases built from dev ink, and how they are read (issue 35).

    python -m model stacked ../shared/data/crohme/dev [--count N] [--seed S] [--json] [--write DIR]
    python -m model stacked ../shared/data/crohme/dev --check-split

CROHME has no ink on several lines, so it is built here from dev:

* stacked: two or three dev expressions written one under the other as a person writes a
  derivation: each brought to the first one's writing scale (the same hand size), left-aligned,
  the next line's top a gap of `LINE_GAP` (drawn uniformly) writing scales under the line
  above. Right when the stack comes back as that many lines, each the same LaTeX as that
  expression read alone.
* built: matrices from 2x2 to 3x3 in ( ), [ ] and | |, and cases with two and three rows,
  from one dev writer's own symbols: cells of one or two of the writer's digits and letters
  (a minus before some), a case's condition a letter, a relation and a digit; the writer's
  delimiters stretched to the grid's height (a delimiter grows with what it encloses).
  Columns `COLUMN_GAP` and rows `ROW_GAP` writing scales apart. Right when the whole reading
  is that one environment with every row and cell the same as the truth; counted on those
  whose cells are each read right alone (what the recognizer cannot read alone is not the
  grid's failure).

`--check-split` runs the line and grid finding (lines.breaks, grids.find) on every file of
the directory as it is, and lists the files it would split: one-line dev must not be.
`--write DIR` keeps the built ink as InkML (truth LaTeX annotated), e.g. for the bench.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

LINE_GAP = (0.8, 2.0)     # the band between stacked lines, in writing scales
COLUMN_GAP = (1.0, 2.0)   # between a grid's columns
ROW_GAP = (0.7, 1.4)      # between a grid's rows
SYMBOL_GAP = 0.25         # between the symbols of a cell (each symbol at writing scale 1)
CELL_SYMBOLS = list("0123456789abcxyzn")
CONDITION_RELATIONS = ["\\gt", "\\lt", "\\geq", "\\leq", "="]
DELIMITER_PAIRS = {"pmatrix": ("(", ")"), "bmatrix": ("[", "]"), "vmatrix": ("|", "|")}


# ---------------------------------------------------------------- ink helpers

def _span(strokes):
    pts = np.vstack(strokes)
    return pts.min(0), pts.max(0)


def _moved(strokes, dx, dy):
    return [s + np.array([dx, dy]) for s in strokes]


def _scaled(strokes, k):
    return [s * k for s in strokes]


def stack(expressions: list[list[np.ndarray]], gaps: list[float]) -> tuple[list[np.ndarray], list[list[int]]]:
    """Expressions one under the other, at the first one's writing scale, left-aligned, each
    `gaps[k]` writing scales under the one above; the strokes and each line's stroke indices."""
    from ..recognition import raster
    scale = raster.writing_scale(expressions[0])
    out, lines = [], []
    bottom = left = None
    for k, strokes in enumerate(expressions):
        strokes = _scaled([np.asarray(s, float)[:, :2] for s in strokes], scale / raster.writing_scale(strokes))
        lo, hi = _span(strokes)
        if bottom is None:
            strokes = _moved(strokes, -lo[0], -lo[1])
        else:
            strokes = _moved(strokes, left - lo[0], bottom + gaps[k - 1] * scale - lo[1])
        lo, hi = _span(strokes)
        left, bottom = 0.0, hi[1]
        lines.append(list(range(len(out), len(out) + len(strokes))))
        out += strokes
    return out, lines


# ---------------------------------------------------------------- one writer's symbols

def writer_symbols(files) -> dict[str, dict[str, list[list[np.ndarray]]]]:
    """writer -> label -> instances (strokes at writing scale 1), from their dev files."""
    from ..io.crohme import labelled_symbols, writer_of
    from ..io.ink import read_inkml
    from ..recognition import raster
    from ..recognition.classes import SYMBOLS
    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for f in files:
        ink = read_inkml(f)
        if ink.problems:
            continue
        strokes = raster.clean_strokes(ink.strokes())
        if not strokes:
            continue
        scale = raster.writing_scale(strokes)
        for sym in labelled_symbols(ink, SYMBOLS):
            ss = [np.asarray(s, float)[:, :2] / scale for s in sym.strokes if len(s)]
            if ss:
                out[writer_of(f)][sym.label].append(ss)
    return out


def _place(symbols: list[list[np.ndarray]], x: float, mid: float) -> tuple[list[np.ndarray], list[list[int]], float]:
    """Symbols written left to right from x, centred on the height `mid`, a little apart."""
    out, groups = [], []
    for strokes in symbols:
        lo, hi = _span(strokes)
        moved = _moved(strokes, x - lo[0], mid - (lo[1] + hi[1]) / 2)
        groups.append(list(range(len(out), len(out) + len(moved))))
        out += moved
        x += (hi[0] - lo[0]) + SYMBOL_GAP
    return out, groups, x


def _stretched(strokes, top: float, bottom: float, x: float) -> list[np.ndarray]:
    """A delimiter drawn from `top` to `bottom`: its tallest stroke stretched, the others (the
    hooks of a `[` drawn in three strokes) kept at their size and moved with the point of the
    tall stroke they are at, as a person draws them."""
    lo, hi = _span(strokes)
    k = (bottom - top) / max(hi[1] - lo[1], 1e-9)
    tallest = int(np.argmax([np.ptp(s[:, 1]) for s in strokes]))
    out = []
    for n, s in enumerate(strokes):
        if n == tallest or len(strokes) == 1:
            out.append(np.column_stack([s[:, 0] - lo[0] + x, (s[:, 1] - lo[1]) * k + top]))
        else:
            cy = (s[:, 1].min() + s[:, 1].max()) / 2
            out.append(np.column_stack([s[:, 0] - lo[0] + x, s[:, 1] - cy + (cy - lo[1]) * k + top]))
    return out


def build_grid(mine: dict, env: str, rows: int, cols: int, rng):
    """A matrix or cases of one writer's symbols (writing scale 1): its strokes, the true
    labels of each cell and each cell's stroke indices (by rows); None when the writer lacks
    a symbol it needs."""
    def pick(label):
        found = mine.get(label, [])
        if label == "-":   # a fraction's bar is labelled "-" too: only minus signs' size
            found = [g for g in found if np.ptp(np.vstack(g)[:, 0]) <= 1.5]
        return [s.copy() for s in rng.choice(found)] if found else None

    cells_labels: list[list[list[str]]] = []
    for _ in range(rows):
        row = []
        for c in range(cols):
            if env == "cases" and c == 1:
                rel = [r for r in CONDITION_RELATIONS if mine.get(r)]
                if not rel:
                    return None
                row.append([rng.choice([x for x in "xyn" if mine.get(x)] or ["x"]), rng.choice(rel),
                            rng.choice([d for d in "0123" if mine.get(d)] or ["0"])])
            else:
                have = [x for x in CELL_SYMBOLS if mine.get(x)]
                if len(have) < 4:
                    return None
                cell = [rng.choice(have) for _ in range(rng.choice([1, 1, 2]))]
                if mine.get("-") and rng.random() < 0.2:
                    cell = ["-"] + cell
                row.append(cell)
        cells_labels.append(row)
    glyphs = [[[pick(l) for l in cell] for cell in row] for row in cells_labels]
    if any(g is None for row in glyphs for cell in row for g in cell):
        return None
    # Gaps are in the writing scale of the ink built (raster.writing_scale of its symbols).
    from ..recognition import raster
    unit = raster.writing_scale([s for row in glyphs for cell in row for g in cell for s in g])
    widths = [[sum(_span(g)[1][0] - _span(g)[0][0] for g in cell) + SYMBOL_GAP * (len(cell) - 1) for cell in row]
              for row in glyphs]
    col_w = [max(w[c] for w in widths) for c in range(cols)]
    heights = [max(_span(g)[1][1] - _span(g)[0][1] for cell in row for g in cell) for row in glyphs]
    strokes: list[np.ndarray] = []
    groups: list[list[list[int]]] = []
    left_kind, right_kind = DELIMITER_PAIRS.get(env, ("\\{", None))
    opening = pick(left_kind)
    closing = pick(right_kind) if right_kind else []
    if opening is None or closing is None:
        return None
    # The first column starts a little after the opening delimiter, as written.
    x0 = (_span(opening)[1][0] - _span(opening)[0][0]) + rng.uniform(0.3, 0.6) * unit
    y, mids = 0.0, []
    for h in heights:
        mids.append(y + h / 2)
        y += h + rng.uniform(*ROW_GAP) * unit
    bottom = y - (y - (mids[-1] + heights[-1] / 2))
    gaps = [rng.uniform(*COLUMN_GAP) * unit for _ in range(cols)]
    margin = 0.15
    strokes = _stretched(opening, -margin, bottom + margin, 0.0)
    for r, row in enumerate(glyphs):
        x = x0
        groups.append([])
        for c, cell in enumerate(row):
            placed, _, _ = _place(cell, x, mids[r])
            groups[-1].append(list(range(len(strokes), len(strokes) + len(placed))))
            strokes += placed
            x += col_w[c] + gaps[c]
    right = x0 + sum(col_w) + sum(gaps[:-1]) + rng.uniform(0.3, 0.6) * unit
    if closing:
        strokes += _stretched(closing, -margin, bottom + margin, right)
    return strokes, cells_labels, groups


# ---------------------------------------------------------------- reading and scoring

def lines_of(tree) -> list[list]:
    """The lines of a reading: each row of a lines table joined, or the tree as one line."""
    from ..recognition.notation.tables import LINES, cells
    if len(tree) == 1 and tree[0].kind == "table" and tree[0].label in LINES:
        return [[n for c in r for n in c] for r in cells(tree[0])]
    return [tree]


def score_stacked(rec, files, count: int, rng, gaps=LINE_GAP) -> dict:
    """Stacks of 2 and 3 dev expressions: right when each line reads as its expression alone."""
    from ..io.ink import read_inkml
    from ..recognition import raster
    from ..recognition.notation.latex import to_latex
    pool = [f for f in files if raster.clean_strokes(read_inkml(f).strokes())]
    out = {}
    for k in (2, 3):
        right, fails = 0, []
        for _ in range(count):
            chosen = rng.sample(pool, k)
            exprs = [raster.clean_strokes(read_inkml(f).strokes()) for f in chosen]
            strokes, groups = stack(exprs, [rng.uniform(*gaps) for _ in range(k - 1)])
            alone = [rec.recognize([strokes[i] for i in g], heatmap=False) for g in groups]
            rec.clear_caches()
            whole = rec.recognize(strokes, heatmap=False)
            got = [to_latex(line) for line in lines_of(whole.tree)]
            want = [a.latex for a in alone]
            if got == want:
                right += 1
            else:
                fails.append({"files": [f.name for f in chosen], "want": want, "got": got})
        out[f"{k}_lines"] = {"n": count, "right": right, "share": round(right / max(count, 1), 4),
                             "fails": fails}
    return out


def score_built(rec, files, count: int, rng, write: Path | None = None) -> dict:
    """Matrices and cases of one writer's symbols (the module's rule), `count` of each kind."""
    from ..recognition.notation.latex import to_latex
    from ..recognition.notation.tables import cells
    symbols = writer_symbols(files)
    writers = sorted(w for w, m in symbols.items() if sum(len(v) for v in m.values()) > 40)
    kinds = [(env, r, c) for env in DELIMITER_PAIRS for r in (2, 3) for c in (2, 3)] + \
            [("cases", 2, 2), ("cases", 3, 2)]
    out = {}
    for env, nr, nc in kinds:
        counted = right = built = 0
        fails = []
        for _ in range(count * 20):
            if built >= count:
                break
            made = build_grid(symbols[rng.choice(writers)], env, nr, nc, rng)
            if made is None:
                continue
            built += 1
            strokes, truth, groups = made
            strokes = [s * 40.0 for s in strokes]   # the app's pixels at a hand's size
            want = cells_latex(truth)
            if write is not None:
                write_ink(write / f"{env}_{nr}x{nc}_{built}.inkml", strokes, grid_latex(env, want))
            alone = [[rec.recognize([strokes[i] for i in g], heatmap=False).latex for g in row]
                     for row in groups]
            alone_ok = alone == want
            rec.clear_caches()
            whole = rec.recognize(strokes, heatmap=False)
            tree = whole.tree
            got = None
            if len(tree) == 1 and tree[0].kind == "table":
                got = (tree[0].label, [[to_latex(c) for c in r] for r in cells(tree[0])])
            ok = got == (env, want)
            if alone_ok:
                counted += 1
                right += ok
                if not ok:
                    fails.append({"want": [env, want], "got": got or whole.latex})
        out[f"{env}_{nr}x{nc}"] = {"built": built, "counted": counted, "right": right,
                                   "share": round(right / max(counted, 1), 4), "fails": fails[:5]}
    return out


def cells_latex(cells_labels: list[list[list[str]]]) -> list[list[str]]:
    """Each cell's LaTeX, by rows, from its symbols' labels (build_grid's truth)."""
    from ..recognition.notation.latex import to_latex
    from ..recognition.result import LayoutNode
    return [[to_latex([LayoutNode(l) for l in cell]) for cell in row] for row in cells_labels]


def grid_latex(env: str, cells: list[list[str]]) -> str:
    body = " \\\\ ".join(" & ".join(r) for r in cells)
    return f"\\begin{{{env}}}{body}\\end{{{env}}}"


def write_ink(path: Path, strokes, truth: str) -> None:
    """Strokes as an InkML file with its truth LaTeX annotated."""
    from ..io.ink import ink_from_strokes, write_inkml
    ink = ink_from_strokes(strokes)
    ink.truth_latex = truth
    path.parent.mkdir(parents=True, exist_ok=True)
    write_inkml(ink, path)


def check_split(rec, files) -> dict:
    """The one-line files that come back as several lines or a grid. The line and grid finding
    (lines.breaks, limits' bands included, and grids.find's tall strokes with rows to their
    right) only proposes; the files where it does are read whole,
    and split when the reading is a table. `proposed`: the files where it proposed."""
    from ..io.ink import read_inkml
    from ..recognition import grids, lines, raster
    from ..recognition.notation.latex import to_latex
    from tqdm import tqdm
    split, proposed = [], []
    for f in tqdm(files, desc="check split", unit="file", file=sys.stderr):
        ink = read_inkml(f)
        strokes = raster.clean_strokes(ink.strokes())
        if len(strokes) < 2:
            continue
        scale = raster.writing_scale(strokes)
        parts = lines.breaks(strokes, scale, limits=False)
        if len(parts) == 1 and not grids.proposes(strokes, list(range(len(strokes))), scale):
            continue
        proposed.append(f.name)
        tree = rec.recognize(ink.strokes(), heatmap=False).tree
        if any(n.kind == "table" for n in tree):
            split.append({"file": f.name, "truth": ink.truth_latex, "read": to_latex(tree)})
        rec.clear_caches()
    return {"files": len(files), "split": split, "proposed": proposed}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model stacked", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir", type=Path)
    p.add_argument("--count", type=int, default=100, help="stacks of each height, grids of each kind")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.add_argument("--check-split", action="store_true", help="only the split decision on the files as they are")
    p.add_argument("--only", choices=("stacked", "built"), default=None)
    p.add_argument("--write", type=Path, default=None, help="keep the built ink as InkML here")
    a = p.parse_args(argv)
    from ..io.crohme import inkml_files
    files = inkml_files([a.dir])
    from ..recognition.recognize import Recognizer
    rec = Recognizer()
    if a.check_split:
        report = check_split(rec, files)
    else:
        rng = random.Random(a.seed)
        report = {}
        if a.only in (None, "stacked"):
            report["stacked"] = score_stacked(rec, files, a.count, rng)
        if a.only in (None, "built"):
            report["built"] = score_built(rec, files, a.count, rng, a.write)
    if a.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
