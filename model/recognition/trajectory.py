"""The pen's path of a candidate symbol: what the picture alone cannot settle.

The network reads a 45×45 picture of each window. The device also records where each stroke
starts and ends, which way it runs, the order of the strokes, and how big the symbol is against
the rest of the expression: a 2 starts with a hook where a z starts with a bar, × is two
straight crossing strokes where x is two arcs, a capital C is as tall as the digits beside it.

This module turns a candidate's strokes into a sequence the trajectory model reads
(`features`): POINTS points resampled by arc length over its strokes, each with its position in
the candidate's box and in units of the expression's writing scale, its direction, its turn,
and its pen-down and pen-up marks; plus a few global inputs (its size against the writing
scale, its aspect, its stroke count). The model (a 1-D convolution and a bidirectional GRU,
model/training/train_trajectory.py) gives a class distribution over the symbol classes; the
decoder blends it with the network's evidence (decode.prepare), with the weight tuned on
held-out writers and kept in the model's metadata.

A missing, unreadable or mismatched model file gives a warning and None: the network's
evidence alone is read, as before. An image has no path and is read the same way.
"""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "resources" / "models" / "trajectory.pt"
POINTS = 64
POINT_FEATURES = ("x in the box", "y in the box", "x in writing scales", "y in writing scales",
                  "direction x", "direction y", "turn cos", "turn sin", "on paper",
                  "stroke number / strokes", "position along the path")
GLOBAL_FEATURES = ("log height / scale", "log width / scale", "log aspect", "strokes / 4",
                   "log(1 + ink length / scale)", "1 / strokes")
_CLIP = 4.0    # positions further than this many writing scales from the box centre are clipped
_MAX_VERTICES = 64  # a stroke's points beyond this are thinned: 64 samples a path need no more
_DWELL = 0.06  # each stroke starts with a dwell of this share of the ink's length: a dot gets points


def _thinned(st: np.ndarray) -> np.ndarray:
    """Every k-th point of a long stroke and its last: a mouse sends a point every 2-3 px,
    and the path's 64 samples do not need them all (the cost grows with the points)."""
    if len(st) <= _MAX_VERTICES:
        return st
    step = int(np.ceil((len(st) - 1) / (_MAX_VERTICES - 1)))
    return np.vstack([st[:-1:step], st[-1:]])


def features(strokes: list[np.ndarray], scale: float) -> tuple[np.ndarray, np.ndarray]:
    """((POINTS, len(POINT_FEATURES)), (len(GLOBAL_FEATURES),)) float32 inputs of one candidate:
    its strokes (x, y arrays, in writing order, any unit) and the expression's writing scale
    (decode.reference_height) in the same unit."""
    seq, glob = batch_features([strokes], scale)
    return seq[0], glob[0]


def batch_features(groups: list[list[np.ndarray]], scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The inputs of several candidates: (N, POINTS, F) and (N, G) float32.

    Each candidate's strokes are joined into one path, the pen's flights between strokes
    included (marked off paper), and POINTS points are sampled evenly along it. Every stroke
    starts with a short dwell, so a dot gets points too. Computed for all candidates at once:
    this runs on every recognition, beside the network."""
    n = len(groups)
    nf, ng = len(POINT_FEATURES), len(GLOBAL_FEATURES)
    seq = np.zeros((n, POINTS, nf), np.float32)
    glob = np.zeros((n, ng), np.float32)
    scale = float(scale) if np.isfinite(scale) and scale > 0 else 1.0
    verts, sizes, cand_of, stroke_of, n_strokes = [], [], [], [], np.zeros(n, int)
    thinned: dict[int, np.ndarray] = {}   # candidates share strokes: each is thinned once
    for c, g in enumerate(groups):
        g = [st for st in g if len(st)]
        if len(g) > POINTS:   # never a real symbol; keep the work bounded
            g = [g[i] for i in np.linspace(0, len(g) - 1, POINTS).astype(int)]
        for j, st in enumerate(g):
            t = thinned.get(id(st))
            if t is None:
                t = thinned[id(st)] = _thinned(np.asarray(st, np.float64)[:, :2])
            verts.append(t[:1])          # the dwell: the stroke's first point, twice
            verts.append(t)
            sizes.append(len(t) + 1)
            cand_of.append(c)
            stroke_of.append(j)
        n_strokes[c] = len(g)
    if not verts:
        return seq, glob
    p = np.vstack(verts)
    cand = np.repeat(cand_of, sizes)
    stroke = np.repeat(stroke_of, sizes)
    has = n_strokes > 0
    # Each candidate's points are contiguous: reduce over its run (ufunc.at is far slower).
    runs = np.r_[0, np.flatnonzero(cand[1:] != cand[:-1]) + 1]
    lo = np.zeros((n, 2))
    hi = np.zeros((n, 2))
    lo[cand[runs]] = np.minimum.reduceat(p, runs, axis=0)
    hi[cand[runs]] = np.maximum.reduceat(p, runs, axis=0)
    centre, wh = (lo + hi) / 2, hi - lo
    side = np.maximum(wh.max(1), 0.05 * scale)
    # Segments between consecutive points of one candidate: ink, a dwell, or a flight.
    d = p[1:] - p[:-1]
    length = np.sqrt((d ** 2).sum(1))
    same = cand[1:] == cand[:-1]
    flight = same & (stroke[1:] != stroke[:-1])
    starts = np.r_[True, (cand[1:] != cand[:-1]) | (stroke[1:] != stroke[:-1])]
    dwell = same & starts[:-1]
    ink = same & ~flight & ~dwell
    ink_len = np.bincount(cand[:-1][ink], weights=length[ink], minlength=n)
    step = np.maximum(_DWELL * ink_len, 0.04 * side)[cand[:-1]]
    seg = np.where(ink, length, np.where(dwell, step, np.where(flight, np.maximum(length, step), 0.0)))
    # Position along the candidate's own path, 0 to 1, and a key that orders all candidates.
    cum = np.r_[0.0, np.cumsum(seg)]
    first = runs
    total = np.zeros(n)
    base = np.zeros(n)
    base[cand[first]] = cum[first]
    last = np.r_[first[1:] - 1, len(p) - 1]
    total[cand[last]] = cum[last] - base[cand[last]]
    u = (cum - base[cand]) / np.maximum(total[cand], 1e-12)
    key = cand + u * (1 - 1e-9)
    t = (np.arange(n)[:, None] + np.linspace(0.0, 1.0, POINTS)[None] * (1 - 1e-9)).ravel()
    j = np.clip(np.searchsorted(key, t, side="right") - 1, 0, len(p) - 2)
    # The last point of a candidate lies on its last vertex: step back onto its last segment.
    back = cand[j + 1] != cand[j]
    j = np.where(back, j - 1, j)
    j = np.clip(j, 0, len(p) - 2)
    span = key[j + 1] - key[j]
    frac = np.clip(np.where(span > 0, (t - key[j]) / np.where(span > 0, span, 1.0), 0.0), 0.0, 1.0)
    pos = p[j] + frac[:, None] * d[j]
    on_paper = ~flight[j]
    unit = np.where(length[j, None] > 0, d[j] / np.maximum(length[j, None], 1e-12), 0.0)
    unit[dwell[j]] = 0.0
    pos = pos.reshape(n, POINTS, 2)
    unit = unit.reshape(n, POINTS, 2)
    turn_cos = np.ones((n, POINTS))
    turn_sin = np.zeros((n, POINTS))
    a, b = unit[:, :-1], unit[:, 1:]
    turn_cos[:, 1:] = np.where((a ** 2).sum(2) * (b ** 2).sum(2) > 0, (a * b).sum(2), 1.0)
    turn_sin[:, 1:] = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    rel = pos - centre[:, None]
    seq[..., 0:2] = rel / side[:, None, None]
    seq[..., 2:4] = np.clip(rel / scale, -_CLIP, _CLIP)
    seq[..., 4:6] = unit
    seq[..., 6] = turn_cos
    seq[..., 7] = turn_sin
    seq[..., 8] = on_paper.reshape(n, POINTS)
    seq[..., 9] = (stroke[j] / np.maximum(n_strokes[cand[j]] - 1, 1)).reshape(n, POINTS)
    seq[..., 10] = np.linspace(0.0, 1.0, POINTS)[None]
    seq[~has] = 0.0
    w, h = wh[:, 0], wh[:, 1]
    glob[:] = np.stack([np.log(np.maximum(h, 1e-3 * scale) / scale), np.log(np.maximum(w, 1e-3 * scale) / scale),
                        np.log((w + 0.05 * scale) / (h + 0.05 * scale)), np.minimum(n_strokes, 8) / 4.0,
                        np.log1p(ink_len / scale), 1.0 / np.maximum(n_strokes, 1)], 1)
    glob[~has] = 0.0
    return seq, np.clip(glob, -8.0, 8.0)


class TrajectoryNet(torch.nn.Module):
    """Convolutions along the path, each of the last three halving it, pooled and read with
    the globals. No recurrence and few multiplications (about 0.9 M per candidate): it runs
    on every candidate of every recognition, beside the network."""

    def __init__(self, n_classes: int, width: int = 128):
        super().__init__()
        f = len(POINT_FEATURES)

        def block(cin, cout, k, stride=1):
            return [torch.nn.Conv1d(cin, cout, k, padding=k // 2, stride=stride),
                    torch.nn.BatchNorm1d(cout), torch.nn.ReLU()]
        self.conv = torch.nn.Sequential(*block(f, 32, 5), *block(32, 64, 3, 2), *block(64, 96, 3, 2),
                                        *block(96, width, 3, 2))
        self.glob = torch.nn.Sequential(torch.nn.Linear(len(GLOBAL_FEATURES), 32), torch.nn.ReLU())
        self.head = torch.nn.Sequential(
            torch.nn.Linear(2 * width + 32, 192), torch.nn.ReLU(), torch.nn.Dropout(0.2),
            torch.nn.Linear(192, n_classes))

    def forward(self, seq: torch.Tensor, glob: torch.Tensor) -> torch.Tensor:
        """(B, POINTS, F), (B, G) -> (B, C) class log-probabilities."""
        h = self.conv(seq.transpose(1, 2))
        pooled = torch.cat([h.mean(2), h.amax(2), self.glob(glob)], 1)
        return torch.log_softmax(self.head(pooled), 1)


@dataclass
class TrajectoryModel:
    net: torch.jit.ScriptModule
    classes: list[str]          # the symbol classes it reads (the network's, without background)
    meta: dict
    weight: float               # its log-probabilities' weight in the decoder's evidence

    def log_probs(self, groups: list[list[np.ndarray]], scale: float) -> np.ndarray:
        """(N, C) class log-probabilities of candidates given as their strokes (see features)."""
        seq, glob = batch_features(groups, scale)
        if not len(seq):
            return np.zeros((0, len(self.classes)))
        with torch.inference_mode():
            return self.net(torch.from_numpy(seq), torch.from_numpy(glob)).double().numpy()


def load(path: Path | None = None, classes: list[str] | None = None) -> TrajectoryModel | None:
    """The shipped trajectory model, or None (with a warning saying why) when its file is
    missing, unreadable, or made for another class list than `classes` (background last)."""
    path = Path(path) if path else DEFAULT_PATH
    try:
        if not path.is_file():
            raise FileNotFoundError(path)
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        names = list(meta["classes"])
        weight = float(meta["fusion"]["weight"])
        if meta.get("points") != POINTS or list(meta.get("point_features", [])) != list(POINT_FEATURES) \
                or list(meta.get("global_features", [])) != list(GLOBAL_FEATURES):
            raise ValueError("its inputs are not the ones this version computes")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            net = torch.jit.load(str(path), map_location="cpu").eval()
        # Probed as it will run: a wrong archive fails here, not on the user's first stroke.
        with torch.inference_mode():
            probe = net(torch.zeros(2, POINTS, len(POINT_FEATURES)), torch.zeros(2, len(GLOBAL_FEATURES)))
        if tuple(probe.shape) != (2, len(names)):
            raise ValueError(f"it gives {tuple(probe.shape)} on two candidates, not (2, {len(names)})")
    except FileNotFoundError:
        warnings.warn(f"trajectory model {path} not found: symbols are read from their picture alone",
                      stacklevel=2)
        return None
    except Exception as e:  # torch raises many types for a corrupt archive
        first = str(e).splitlines()[0] if str(e) else ""
        warnings.warn(f"trajectory model {path} is unreadable ({type(e).__name__}: {first}): "
                      "symbols are read from their picture alone", stacklevel=2)
        return None
    if classes is not None and names != [c for c in classes][:-1]:
        warnings.warn(f"trajectory model {path} was made for another class list: not used", stacklevel=2)
        return None
    return TrajectoryModel(net, names, meta, weight)
