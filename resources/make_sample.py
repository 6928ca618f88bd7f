"""Generate resources/sample.inkml: our own synthetic handwriting of `2x+3=7`.

Not derived from CROHME (whose data must not ship).  Each glyph is a few
hand-designed pen paths; points are resampled at a tablet-like density and
given a slow wobble plus a little jitter so the ink looks written, not plotted.

    python resources/make_sample.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.io.ink import Ink, SymbolGroup, Trace, write_inkml  # noqa: E402

TRUTH = "2x+3=7"
UNIT = 100.0        # device units per symbol height (tablets use arbitrary units)
SPACING = 2.2       # device units between consecutive points, as a tablet sampling a moving pen


def arc(cx, cy, rx, ry, a0, a1, n=40):
    t = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)


def line(*pts):
    return np.array(pts, dtype=float)


# Glyph paths in a unit box: x to the right, y downwards, 0..1 = symbol height.
GLYPHS = {
    "2": [np.vstack([arc(0.45, 0.28, 0.33, 0.26, 200, 360 + 30), line((0.68, 0.5), (0.08, 1.0), (0.85, 0.98))])],
    "x": [line((0.0, 0.38), (0.55, 1.0)), line((0.55, 0.38), (0.0, 1.0))],
    "+": [line((0.0, 0.62), (0.6, 0.6)), line((0.3, 0.3), (0.31, 0.92))],
    "3": [np.vstack([arc(0.4, 0.25, 0.3, 0.23, 210, 450), arc(0.4, 0.73, 0.34, 0.26, 270, 500)])],
    "=": [line((0.0, 0.5), (0.6, 0.5)), line((0.02, 0.75), (0.62, 0.74))],
    "7": [line((0.0, 0.05), (0.7, 0.03), (0.25, 1.0))],
}
ADVANCE = {"2": 1.05, "x": 0.8, "+": 0.85, "3": 0.95, "=": 0.85, "7": 0.9}


def resample(path: np.ndarray, spacing: float) -> np.ndarray:
    seg = np.hypot(*np.diff(path, axis=0).T)
    s = np.concatenate([[0], np.cumsum(seg)])
    n = max(int(s[-1] / spacing), 2)
    # Pens slow down at the ends of a stroke: denser points there, as on a real tablet.
    u = (1 - np.cos(np.linspace(0, np.pi, n))) / 2
    t = u * s[-1]
    return np.stack([np.interp(t, s, path[:, 0]), np.interp(t, s, path[:, 1])], 1)


def wobble(pts: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    n = len(pts)
    t = np.linspace(0, 1, n)[:, None]
    slow = sum(rng.normal(0, amount, (1, 2)) * np.sin(2 * np.pi * (k * t + rng.random())) for k in (1, 2))
    jitter = rng.normal(0, amount * 0.12, (n, 2))
    return pts + slow + jitter


def build(seed: int = 7) -> Ink:
    rng = np.random.default_rng(seed)
    traces, symbols = [], []
    x0 = 0.0
    for ch in TRUTH:
        ids = []
        dx, dy = rng.normal(0, 0.03, 2)
        slant = 0.12    # right-handed writers lean their letters forward a little
        for path in GLYPHS[ch]:
            p = path.copy()
            p[:, 0] += (1 - p[:, 1]) * slant
            pts = resample((p + (x0 + dx, dy)) * UNIT, SPACING)
            pts = np.round(wobble(pts, rng, 0.013 * UNIT), 1)
            tid = str(len(traces))
            traces.append(Trace(tid, pts))
            ids.append(tid)
        symbols.append(SymbolGroup(ch, ids))
        x0 += ADVANCE[ch] + rng.normal(0, 0.04)
    ink = Ink(traces=traces, symbols=symbols, truth_latex=f"${TRUTH}$",
              annotations={"UI": "mathink synthetic sample", "writer": "resources/make_sample.py"})
    return ink


if __name__ == "__main__":
    out = ROOT / "resources" / "sample.inkml"
    ink = build()
    write_inkml(ink, out)
    print(f"wrote {out}: {len(ink.traces)} traces, {sum(len(t.points) for t in ink.traces)} points")
