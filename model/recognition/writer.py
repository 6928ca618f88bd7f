"""The writer's own frame for one expression: where the line sits and how big this writer writes.

A symbol's size and vertical place mean little against a global prior: one writer's subscript
is as big as another's letters. Against the writer's own letters in the same expression they
say much more: a `2` half the height of this writer's other digits is a script, a `c` as tall
as their capitals is a `C`. This module reads that frame from the symbols of one expression
(their labels and boxes) and measures a symbol against it. Plain numpy, no Qt, no torch; shared
by the layout (issue 42: subscripts by the writer's baseline and size) and the context model
(issue 40: look-alike pairs c/C, x/X, z/2 by the writer's own sizes). Add functions; never
change a signature others use.

Size classes (`size_class`): a symbol's label says how tall it is in x-heights: x-height
letters (a c e m ...: 1), digits, capitals and ascender letters (1.4), descender letters
(1.4, hanging below the baseline), letters with both (f j β φ: 1.8). Brackets, operators,
dots and big operators say little about the writer's size and have no class.

Coordinates: y grows downward; lengths are the input's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SMALL = frozenset("acemnorsuvwxz") | {"\\alpha", "\\sigma", "\\pi", "\\infty"}
DIGITS = frozenset("0123456789")
CAPITALS = frozenset("ABCEFGHILMNPRSTVXY") | {"\\Delta"}
ASCENDERS = frozenset("bdhiklt") | {"\\theta", "\\lambda"}
DESCENDERS = frozenset("gpqy") | {"\\gamma", "\\mu"}
BOTH = frozenset("fj") | {"\\beta", "\\phi"}
CLASSES = ("small", "digit", "capital", "ascender", "descender", "both")
# Height of each class in x-heights, and where its baseline is from its top (x-heights).
_RATIO = {"small": 1.0, "digit": 1.4, "capital": 1.4, "ascender": 1.4, "descender": 1.4,
          "both": 1.8}
_BASE_FROM_TOP = {"small": 1.0, "digit": 1.4, "capital": 1.4, "ascender": 1.4,
                  "descender": 1.0, "both": 1.4}
# A symbol is of the main size when its x-height is at least this share of the larger
# symbols' (scripts are written at about 0.6-0.7 of their base).
MAIN_SHARE = 0.72
_MAX_SLOPE = 0.2  # a line written slanting more than this is read as level (too few symbols)


def size_class(label: str) -> str | None:
    """The size class of a label (see the module), None for symbols that say nothing of it."""
    if label in SMALL:
        return "small"
    if label in DIGITS:
        return "digit"
    if label in CAPITALS:
        return "capital"
    if label in ASCENDERS:
        return "ascender"
    if label in DESCENDERS:
        return "descender"
    if label in BOTH:
        return "both"
    return None


def _label_box(s) -> tuple[str, tuple[float, float, float, float]]:
    """A symbol's label and box from a recognition Symbol (.label, .box), a layout unit
    (.label, .x1 .y1 .x2 .y2) or a (label, box) pair."""
    if isinstance(s, tuple):
        label, box = s
    elif hasattr(s, "box"):
        label, box = s.label, s.box
    else:
        label, box = s.label, (s.x1, s.y1, s.x2, s.y2)
    try:
        x1, y1, x2, y2 = (float(v) for v in box)
    except (TypeError, ValueError):
        x1 = y1 = x2 = y2 = 0.0
    return label or "", (x1, y1, x2, y2)


def implied_x_height(label: str, height: float) -> float | None:
    """The x-height a symbol of this label and height was written at; None without a class."""
    c = size_class(label)
    if c is None or not (height > 0 and math.isfinite(height)):
        return None
    return height / _RATIO[c]


@dataclass(frozen=True)
class Frame:
    """The writer's frame of one expression (input units)."""
    x_height: float          # the writer's x-height on the main size
    baseline: float          # y of the main line's baseline at x = x0
    slope: float             # dy/dx of the baseline
    x0: float
    small: float | None      # median height of the x-height letters of the main size
    digits: float | None     # ... of the digits
    capitals: float | None   # ... of the capitals
    ascenders: float | None  # ... of the ascender letters (b d h k l t θ λ)
    n: int                   # symbols with a size class the frame was read from

    def baseline_at(self, x: float) -> float:
        return self.baseline + self.slope * (x - self.x0)

    def class_height(self, cls: str) -> float:
        """The height this writer gives the main-size symbols of a size class: the measured
        median where the expression has some, else the class's ratio of the x-height."""
        measured = {"small": self.small, "digit": self.digits, "capital": self.capitals,
                    "ascender": self.ascenders}.get(cls)
        return measured if measured else _RATIO[cls] * self.x_height


def frame(symbols, exclude=()) -> Frame | None:
    """The writer's frame read from the symbols (Symbols, layout units or (label, box) pairs),
    leaving out the indices in `exclude` (the symbol being judged, so it is not measured
    against itself); None when no symbol left has a size class.

    The main size is the median x-height of the symbols at least MAIN_SHARE of the larger
    ones (the 75th percentile): scripts do not pull it down. The baseline is that of the
    largest group of main-size symbols whose baselines agree within half an x-height (the
    line, not a numerator, when the line has more symbols), its slope the median of the
    group's pairwise slopes."""
    skip = set(exclude)
    rows = []  # (class, height, x-height, baseline, centre x)
    for i, s in enumerate(symbols or []):
        if i in skip:
            continue
        label, (x1, y1, x2, y2) = _label_box(s)
        c = size_class(label)
        xh = implied_x_height(label, y2 - y1)
        if c is None or xh is None:
            continue
        rows.append((c, y2 - y1, xh, y1 + _BASE_FROM_TOP[c] * xh, (x1 + x2) / 2))
    if not rows:
        return None
    xhs = np.array([r[2] for r in rows])
    main = xhs >= MAIN_SHARE * _percentile(xhs.tolist(), 0.75)
    x_height = _median(xhs[main].tolist())
    base = np.array([r[3] for r in rows])[main]
    cx = np.array([r[4] for r in rows])[main]
    agree = np.abs(base[:, None] - base[None, :]) <= 0.5 * x_height
    counts = agree.sum(1)
    # The largest group; among equal ones, the lowest line (a numerator sits above its line).
    pick = max(range(len(base)), key=lambda k: (counts[k], base[k]))
    group = agree[pick]
    gb, gx = base[group], cx[group]
    slope = 0.0
    if len(gb) >= 3:
        dx = gx[None, :] - gx[:, None]
        far = np.triu(np.abs(dx) > x_height, 1)
        if far.any():
            slope = _median(((gb[None, :] - gb[:, None])[far] / dx[far]).tolist())
            slope = slope if abs(slope) <= _MAX_SLOPE else 0.0
    x0 = _median(gx.tolist())
    baseline = _median((gb - slope * (gx - x0)).tolist())

    def median_of(cls):
        hs = [r[1] for r, m in zip(rows, main) if m and r[0] == cls]
        return _median(hs) if hs else None
    return Frame(x_height, baseline, slope, x0, median_of("small"), median_of("digit"),
                 median_of("capital"), median_of("ascender"), len(rows))


def frames(symbols, excludes) -> list[Frame | None]:
    """[frame(symbols, exclude) for exclude in excludes], equal to it field for field, in one
    pass: the symbols are read once and every frame's percentile, medians, line group and
    slope come from the same arrays, each exclusion a mask over them (the writer model asks
    for a frame without each candidate's symbols: tens per expression, one by one they cost
    more than the rest of the decoder). The order statistics pick the same values and the
    arithmetic is frame's, operation for operation, so the floats are the same."""
    excludes = list(excludes)
    rows = []  # (class, height, x-height, baseline, centre x), as frame's rows
    at: dict[int, int] = {}  # symbol index -> its row
    for i, s in enumerate(symbols or []):
        label, (x1, y1, x2, y2) = _label_box(s)
        c = size_class(label)
        xh = implied_x_height(label, y2 - y1)
        if c is None or xh is None:
            continue
        at[i] = len(rows)
        rows.append((c, y2 - y1, xh, y1 + _BASE_FROM_TOP[c] * xh, (x1 + x2) / 2))
    n_e, n_r = len(excludes), len(rows)
    if not n_e or not n_r:
        return [None] * n_e
    keep = np.ones((n_e, n_r), bool)
    for e, skip in enumerate(excludes):
        for i in skip:
            if i in at:
                keep[e, at[i]] = False
    with np.errstate(all="ignore"):  # rows with nothing kept give no frame
        return _frames(rows, keep)


def _frames(rows, keep) -> list[Frame | None]:
    n_e, n_r = keep.shape
    cls = np.array([r[0] for r in rows])
    h = np.array([r[1] for r in rows], np.float64)
    xhs = np.array([r[2] for r in rows], np.float64)
    base = np.array([r[3] for r in rows], np.float64)
    cx = np.array([r[4] for r in rows], np.float64)
    n = keep.sum(1)
    # The 75th percentile of the kept x-heights, as _percentile: v[lo] + (v[hi] - v[lo]) * (pos - lo).
    srt = np.sort(np.where(keep, xhs[None], np.inf), 1)
    pos = 0.75 * (np.maximum(n, 1) - 1)
    lo = pos.astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(n, 1) - 1)
    v_lo, v_hi = srt[np.arange(n_e), lo], srt[np.arange(n_e), hi]
    p75 = v_lo + (v_hi - v_lo) * (pos - lo)
    main = keep & (xhs[None] >= MAIN_SHARE * p75[:, None])
    x_height = _masked_median(xhs[None], main)
    agree = ((np.abs(base[:, None] - base[None, :])[None] <= 0.5 * x_height[:, None, None])
             & main[:, :, None] & main[:, None, :])
    counts = np.where(main, agree.sum(2), -1)
    # The largest group; among equal ones the lowest line; among equal lines the first (max's).
    top = main & (counts == counts.max(1, keepdims=True))
    top &= base[None] == np.where(top, base[None], -np.inf).max(1, keepdims=True)
    group = agree[np.arange(n_e), top.argmax(1)]
    iu, ju = np.triu_indices(n_r, 1)
    dx = cx[ju] - cx[iu]
    far = group[:, iu] & group[:, ju] & (np.abs(dx)[None] > x_height[:, None])
    slopes = (base[ju] - base[iu]) / dx
    slope = np.where((group.sum(1) >= 3) & far.any(1), _masked_median(slopes[None], far), 0.0)
    slope = np.where(np.abs(slope) <= _MAX_SLOPE, slope, 0.0)
    x0 = _masked_median(cx[None], group)
    baseline = _masked_median(base[None] - slope[:, None] * (cx[None] - x0[:, None]), group)
    by_class = {}
    for c in ("small", "digit", "capital", "ascender"):
        m = main & (cls == c)[None]
        by_class[c] = (m.any(1), _masked_median(h[None], m))
    sizes = [[v if has else None for has, v in zip(has.tolist(), v.tolist())]
             for has, v in by_class.values()]
    return [Frame(*fields) if fields[-1] else None
            for fields in zip(x_height.tolist(), baseline.tolist(), slope.tolist(), x0.tolist(),
                              *sizes, n.tolist())]


def _masked_median(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """_median of each row's values where mask (rows without any: meaningless)."""
    if not mask.shape[1]:
        return np.full(len(mask), np.nan)
    v = np.sort(np.where(mask, values, np.inf), 1)
    k = mask.sum(1) // 2
    rows = np.arange(len(v))
    upper = v[rows, np.minimum(k, v.shape[1] - 1)]
    lower = v[rows, np.maximum(k - 1, 0)]
    return np.where(mask.sum(1) % 2 == 1, upper, (lower + upper) / 2)


def expected_height(fr: Frame | None, label: str) -> float | None:
    """The height this writer would give `label` on the main size; None without a frame or a
    size class."""
    c = size_class(label)
    if fr is None or c is None:
        return None
    return fr.class_height(c)


def relative_size(fr: Frame | None, label: str, box) -> float | None:
    """log(the symbol's height / the height this writer gives its class on the main size):
    about 0 on the line, about -0.4 for a script; None without a frame or a class."""
    want = expected_height(fr, label)
    h = float(box[3]) - float(box[1])
    if not want or not h > 0:
        return None
    return math.log(h / want)


def baseline_offset(fr: Frame | None, label: str, box) -> float | None:
    """How far the symbol's own baseline lies below the main line's, in the writer's
    x-heights (a subscript: about +0.5; a superscript: about -1); None without a frame or a
    class."""
    c = size_class(label)
    if fr is None or c is None:
        return None
    x1, y1, x2, y2 = (float(v) for v in box)
    xh = (y2 - y1) / _RATIO[c]
    own = y1 + _BASE_FROM_TOP[c] * xh
    return (own - fr.baseline_at((x1 + x2) / 2)) / fr.x_height


def own_sizes(symbols) -> np.ndarray:
    """For each symbol, log(its height / the median height of the *other* main-size symbols
    of its class in the expression), or against the class's ratio of the others' x-height
    where it has no class-mates; NaN for symbols without a class or with nothing to compare.
    One pass for a whole expression (the layout asks it of every symbol; plain Python on
    these short lists costs a tenth of numpy's calls)."""
    items = [_label_box(s) for s in (symbols or [])]
    n = len(items)
    out = np.full(n, np.nan)
    cls = [size_class(lab) for lab, _ in items]
    h = [b[3] - b[1] for _, b in items]
    xh = [h[i] / _RATIO[c] if c and h[i] > 0 and math.isfinite(h[i]) else None
          for i, c in enumerate(cls)]
    ok = [i for i in range(n) if xh[i] is not None]
    if len(ok) < 2:
        return out
    ref = _percentile([xh[i] for i in ok], 0.75)
    main = [i for i in ok if xh[i] >= MAIN_SHARE * ref]
    by_class: dict[str, list[int]] = {}
    for j in main:
        by_class.setdefault(cls[j], []).append(j)
    for i in ok:
        mates = [h[j] for j in by_class.get(cls[i], ()) if j != i]
        if mates:
            want = _median(mates)
        else:
            others = [xh[j] for j in main if j != i]
            if not others:
                continue
            want = _RATIO[cls[i]] * _median(others)
        if want > 0:
            out[i] = math.log(h[i] / want)
    return out


def _median(values) -> float:
    v = sorted(values)
    k = len(v)
    return v[k // 2] if k % 2 else (v[k // 2 - 1] + v[k // 2]) / 2


def _percentile(values, q: float) -> float:
    """As numpy's default (linear) percentile, q in 0..1."""
    v = sorted(values)
    pos = q * (len(v) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)
