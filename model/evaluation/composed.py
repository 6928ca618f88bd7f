"""Issue 41's eight expressions, written with one dev writer's own glyphs where a person puts
them: the ink the real-window check writes with the mouse (tests/window_expressions.py).

CROHME holds none of them as written (no `\\sum_{i=1}^{n} i`, no bmatrix), so each is composed:
every symbol is an instance of that writer's own glyph, at its own size (writer_symbols: dev
ink at writing scale 1), standing on the line's baseline as its size class stands
(writer._BASE_FROM_TOP); scripts and limits at SCRIPT of the size, a fraction's bar and a
radical stretched over what they hold, a matrix's delimiters grown with its rows (stacked's
build_grid). The writer of each expression is the first dev writer, in a fixed order, who wrote
every symbol it needs; the same data gives the same ink.

    python -m model composed ../shared/data/crohme/dev [--write DIR] [--json]

reads each with the recognizer (no window) and says which come back as their truth.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

from . import stacked

SCRIPT = 0.6          # a script's or a limit's size against its base
GAP = 0.3             # between symbols on a line, in x-heights
PIXELS = 40.0         # writing scale 1 in the app's pixels at a hand's size (as stacked's built)
# Dots and bars keep their size: their height says nothing of the hand's.
SIZED_AS_WRITTEN = {"-", ".", ",", "\\ldots", "\\prime"}


class _Page:
    """Strokes being composed for one writer; lengths in writing scales, y down."""

    def __init__(self, mine: dict, rng: random.Random):
        from ..recognition import writer
        self.mine, self.rng, self.strokes = mine, rng, []
        xhs = [writer.implied_x_height(lab, float(np.ptp(np.vstack(g)[:, 1])))
               for lab, gs in mine.items() for g in gs]
        self.xh = float(np.median([x for x in xhs if x])) if any(xhs) else 0.5

    def glyph(self, label: str) -> list[np.ndarray]:
        found = self.mine[label]
        if label == "-":   # a fraction's bar is labelled "-" too: a minus is short
            found = [g for g in found if np.ptp(np.vstack(g)[:, 0]) <= 1.5] or found
        g = [s.copy() for s in self.rng.choice(found)]
        # Instances come from expressions of different scales: each is brought to the median
        # height of the writer's instances of its label, as one hand writes them on one page.
        heights = [np.ptp(np.vstack(f)[:, 1]) for f in found]
        h = np.ptp(np.vstack(g)[:, 1])
        if label not in SIZED_AS_WRITTEN and h > 0:
            g = [s * (float(np.median(heights)) / h) for s in g]
        return g

    def put(self, label: str, x: float, base: float, scale: float = 1.0, height: float | None = None,
            width: float | None = None, mid: float | None = None) -> tuple[float, float, float, float]:
        """One glyph of `label` with its left at x: on the baseline `base` when its label has a
        size class, else centred on `mid` (default: the middle of the x-height above `base`).
        `height` / `width` stretch it (a radical, a bar, a big operator); its box."""
        from ..recognition import writer
        g = self.glyph(label)
        lo, hi = stacked._span(g)
        h, w = max(hi[1] - lo[1], 1e-6), max(hi[0] - lo[0], 1e-6)
        ky = (height / h) if height else scale
        kx = (width / w) if width else (ky if not height or label in ("\\sum", "\\int", "(", ")") else scale)
        g = [np.column_stack([(s[:, 0] - lo[0]) * kx, (s[:, 1] - lo[1]) * ky]) for s in g]
        h, w = h * ky, w * kx
        cls = writer.size_class(label)
        if cls is not None and mid is None:
            top = base - writer._BASE_FROM_TOP[cls] * writer.implied_x_height(label, h)
        else:
            top = (base - 0.5 * self.xh * scale if mid is None else mid) - h / 2
        self.strokes += [s + np.array([x, top]) for s in g]
        return x, top, x + w, top + h

    def row(self, labels: list[str], x: float, base: float, scale: float = 1.0) -> tuple[float, float, float, float]:
        """Symbols left to right from x on one baseline; the box of them all."""
        boxes = []
        for lab in labels:
            boxes.append(self.put(lab, x, base, scale))
            x = boxes[-1][2] + GAP * self.xh * scale
        b = np.array(boxes)
        return b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()

    def centred_row(self, labels, centre: float, base: float, scale: float = 1.0):
        """A row centred on x = centre (limits under or over an operator)."""
        n = len(self.strokes)
        box = self.row(labels, 0.0, base, scale)
        dx = centre - (box[0] + box[2]) / 2
        self.strokes[n:] = [s + np.array([dx, 0.0]) for s in self.strokes[n:]]
        return box[0] + dx, box[1], box[2] + dx, box[3]


def _sum(p: _Page):
    xh, base = p.xh, 1.0
    s = p.put("\\sum", 0.0, base, height=2.6 * xh, mid=base - 0.5 * xh)
    c = (s[0] + s[2]) / 2
    p.centred_row(["n"], c, s[1] - 0.3 * xh, SCRIPT)
    p.centred_row(["i", "=", "1"], c, s[3] + 0.3 * xh + 1.4 * SCRIPT * xh, SCRIPT)
    p.put("i", s[2] + 0.6 * xh, base)


def _lim(p: _Page):
    xh, base = p.xh, 1.0
    b = p.row(["l", "i", "m"], 0.0, base)
    p.centred_row(["x", "\\rightarrow", "\\infty"], (b[0] + b[2]) / 2, b[3] + 0.35 * xh + SCRIPT * xh, SCRIPT)
    p.row(["f", "(", "x", ")", "=", "0"], b[2] + 0.8 * xh, base)


def _int(p: _Page):
    xh, base = p.xh, 1.0
    s = p.put("\\int", 0.0, base, height=3.0 * xh, mid=base - 0.5 * xh)
    p.put("0", s[2] + 0.05 * xh, s[3] + 0.2 * xh, SCRIPT)
    p.put("1", s[2] + 0.25 * xh, s[1] + 0.75 * xh, SCRIPT)
    b = p.put("x", s[2] + 1.3 * xh, base)
    p.row(["d", "x"], b[2] + 0.8 * xh, base)


def _frac(p: _Page):
    xh, base = p.xh, 1.0
    p.put("-", 0.0, base, width=0.8 * xh, mid=base - 0.5 * xh)
    bar_y = base - 0.5 * xh
    x0 = p.strokes[-1][:, 0].max() + 0.5 * xh
    # The denominator first, to size the radical and the bar to it; written as a person
    # writes: the minus, the numerator, the bar, the radical, the 7.
    n = len(p.strokes)
    seven = p.put("7", x0 + 0.9 * xh, bar_y + 0.5 * xh + 1.4 * xh)
    sevens = p.strokes[n:]
    del p.strokes[n:]
    r = p.put("\\sqrt", x0, base, height=(seven[3] - seven[1]) + 0.5 * xh, width=seven[2] - x0 + 0.3 * xh,
              mid=(seven[1] + seven[3]) / 2 - 0.1 * xh)
    radical = p.strokes[n:]
    del p.strokes[n:]
    p.centred_row(["4"], (r[0] + r[2]) / 2, bar_y - 0.3 * xh)
    p.put("-", x0 - 0.1 * xh, base, width=(r[2] - r[0]) + 0.2 * xh, mid=bar_y)   # a short bar
    p.strokes += radical + sevens


def _paren_scripts(p: _Page):
    xh, base = p.xh, 1.0
    o = p.put("(", 0.0, base, height=1.9 * xh, mid=base - 0.6 * xh)
    x = p.put("x", o[2] + 0.3 * xh, base)
    t = p.put("3", x[2] + 0.3 * xh, x[1] + 0.2 * xh, SCRIPT)
    c = p.put(")", t[2] + 0.3 * xh, base, height=1.9 * xh, mid=base - 0.6 * xh)
    p.put("2", c[2] + 0.15 * xh, c[1] + 0.5 * xh, SCRIPT)


def _two_lines(p: _Page):
    xh = p.xh
    p.row(["2", "x", "+", "1", "=", "5"], 0.0, 1.0)
    p.row(["x", "=", "2"], 0.0, 1.0 + 3.6 * xh)


def _grid(env: str, rows: int):
    def make(p: _Page):
        made = stacked.build_grid(p.mine, env, rows, 2, p.rng)
        if made is None:
            raise KeyError(env)
        strokes, cells, _ = made
        p.strokes += strokes
        return stacked.grid_latex(env, stacked.cells_latex(cells))
    return make


# name, truth (None: the grid's own, as built), the labels its writer must have, how it is written
EXPRESSIONS = [
    ("sum", "\\sum_{i=1}^{n}i", ["\\sum", "i", "=", "1", "n"], _sum),
    ("lim", "\\lim_{x\\rightarrow\\infty}f(x)=0",
     ["l", "i", "m", "x", "\\rightarrow", "\\infty", "f", "(", ")", "=", "0"], _lim),
    ("int", "\\int_{0}^{1}xdx", ["\\int", "0", "1", "x", "d"], _int),
    ("frac", "-\\frac{4}{\\sqrt{7}}", ["-", "4", "7", "\\sqrt"], _frac),
    ("paren_scripts", "(x^{3})^{2}", ["(", ")", "x", "3", "2"], _paren_scripts),
    ("two_lines", "\\begin{aligned}2x+1&=5\\\\x&=2\\end{aligned}", ["2", "x", "+", "1", "=", "5"], _two_lines),
    ("bmatrix", None, ["[", "]", "0", "1", "2", "3", "a", "b", "c", "x"], _grid("bmatrix", 2)),
    ("cases", None, ["\\{", "x", "0", "1", "2", "=", "\\gt", "\\lt"], _grid("cases", 3)),
]


def writers(dev: Path) -> dict:
    return stacked.writer_symbols(sorted(Path(dev).rglob("*.inkml")))


def compose(symbols: dict, seed: int = 0) -> list[dict]:
    """Each expression: name, seed, writer, truth (LaTeX, spaces dropped), strokes (app pixels).
    `symbols`: `writers(dev)`. Seed 0 takes the first writer in name order with every symbol
    an expression needs; another seed, the first in an order drawn from it."""
    out = []
    order = sorted(symbols)
    if seed:
        random.Random(seed).shuffle(order)
    for name, truth, needs, write in EXPRESSIONS:
        rng = random.Random(f"{seed}/{name}")
        for who in order:
            mine = symbols[who]
            if not all(mine.get(lab) for lab in needs):
                continue
            p = _Page(mine, rng)
            try:
                made = write(p)
            except KeyError:
                continue
            strokes = [s * PIXELS for s in p.strokes]
            out.append({"name": name, "seed": seed, "writer": who, "truth": (truth or made).replace(" ", ""),
                        "strokes": strokes})
            break
        else:
            out.append({"name": name, "seed": seed, "writer": None, "truth": truth, "strokes": []})
    return out


def same(latex: str, truth: str) -> bool:
    return latex.replace(" ", "") == truth.replace(" ", "")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m model composed", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dev", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seeds", type=int, default=1, help="compose each this many times (seed, seed+1, ...)")
    ap.add_argument("--write", type=Path, help="keep each as InkML here (truth annotated)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from ..recognition.recognize import Recognizer
    rec = Recognizer()
    rows = []
    symbols = writers(args.dev)
    for e in (e for k in range(args.seeds) for e in compose(symbols, args.seed + k)):
        got = rec.recognize(e["strokes"], heatmap=False).latex if e["strokes"] else None
        rows.append({"name": e["name"], "seed": e["seed"], "writer": e["writer"], "truth": e["truth"], "read": got,
                     "right": bool(got is not None and same(got, e["truth"]))})
        rec.clear_caches()
        if args.write and e["strokes"]:
            stacked.write_ink(args.write / f"{e['name']}_{e['seed']}.inkml", e["strokes"], e["truth"])
    names = [name for name, *_ in EXPRESSIONS]
    report = {"right": sum(r["right"] for r in rows), "n": len(rows),
              "by_name": {n: sum(r["right"] for r in rows if r["name"] == n) for n in names},
              "rows": rows}
    if args.json:
        print(json.dumps(report))
    else:
        for r in rows:
            print(f"{'ok ' if r['right'] else 'BAD'} {r['name']:14} {r['seed']:3} {r['writer']}: {r['read']}  (truth {r['truth']})")
        print(f"{report['right']} / {report['n']} right; by expression {report['by_name']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
