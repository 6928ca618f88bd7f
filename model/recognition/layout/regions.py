"""The learned regions of fraction bars, radicals and limit operators.

The layout's parser (parse.py, `_dominate`) lets each dominating symbol claim the symbols
of its regions: a fraction bar its numerator and denominator, a radical its
radicand and index, \\sum and \\lim their limits. `RegionModel` says, for a head
and each other unit of its region, where the unit belongs: "none", "above"
(numerator, upper limit), "below" (denominator, lower limit), "inside" (radicand)
or "index" (root index). The layout keeps the classes the head can have.

Features (`member_features`), lengths in the region's robust size `g` and in the
head's own width and height: the unit's edges and centre against the head's,
sizes and size ratios, overlaps, whether the unit straddles the head's centre
line, its x-height; where its nearest neighbours on the left and on the right
(units sharing some of its height) lie against the head; then the one-hot class
of the unit and of the head, and the part the hand-set rules give the unit and
each neighbour (rules.hand_set_parts): the model learns where the rules fail.
A composite unit (a fraction or root claimed before) is described by its bar or
radical, as in training, where every candidate is a symbol.

The model is a small MLP (mlp.py) trained by `python -m model train-regions`
(model/training/train_regions.py). A missing or unreadable model file gives a
warning and None: the layout then uses its hand-set region rules.
"""
from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np

from ..mlp import Mlp, load_or_warn
from .relations import VOCAB, vocab_index
from .units import unit_key

CLASSES = ("none", "above", "below", "inside", "index")
HEADS = ("-", "\\sqrt", "\\sum", "\\lim")
# What each head can claim (the parts are named as in LayoutNode.rels).
PARTS = {"-": {"above": "num", "below": "den"},
         "\\sqrt": {"inside": "arg", "index": "index"},
         "\\sum": {"above": "above", "below": "below"},
         "\\lim": {"below": "below"}}
# The parts that must not be empty for the head to claim anything at all. (Filling an
# empty one with its likeliest unit changed nothing on the held-out writers.)
REQUIRED = {"-": ("above", "below"), "\\sqrt": ("inside",), "\\sum": (), "\\lim": ()}
N_OWN = 26
N_NEIGHBOUR = 7  # per side
N_GEOMETRY = N_OWN + 2 * N_NEIGHBOUR
_RULE_CLASS = {"num": "above", "den": "below", "arg": "inside", "index": "index",
               "above": "above", "below": "below"}
N_FEATURES = N_GEOMETRY + len(VOCAB) + len(HEADS) + 3 * len(CLASSES)
DEFAULT_PATH = Path(__file__).resolve().parents[3] / "resources" / "models" / "regions.npz"
_CLIP = 8.0


def _overlap(a1, a2, b1, b2) -> float:
    return max(0.0, min(a2, b2) - max(a1, b1)) / max(a2 - a1, 1e-6)


def geometry(h, u, g: float) -> list[float]:
    """The N_OWN geometric features of unit `u` against head `h`."""
    hw, hh = max(h.x2 - h.x1, 0.3 * g), max(h.y2 - h.y1, 0.3 * g)
    uw, uh = u.x2 - u.x1, u.y2 - u.y1
    hcx, hcy = (h.x1 + h.x2) / 2, (h.y1 + h.y2) / 2
    ucx, ucy = (u.x1 + u.x2) / 2, (u.y1 + u.y2) / 2
    eps = 1e-3 * g
    try:
        return [
            (u.x1 - h.x1) / hw, (u.x2 - h.x2) / hw, (ucx - h.x1) / hw, (h.x2 - ucx) / hw,
            (u.x1 - h.x1) / g, (u.x2 - h.x2) / g, (u.x1 - h.x2) / g, (h.x1 - u.x2) / g,
            (ucy - hcy) / g, (u.y1 - h.y2) / g, (h.y1 - u.y2) / g, (u.y1 - h.y1) / g,
            (u.y2 - h.y2) / g, (ucy - h.y1) / hh, (ucy - h.y2) / hh, (u.mid - hcy) / g,
            uw / g, uh / g, hw / g, hh / g,
            math.log((uh + eps) / (h.y2 - h.y1 + eps)), math.log((uw + eps) / (h.x2 - h.x1 + eps)),
            _overlap(u.x1, u.x2, h.x1, h.x2), _overlap(u.y1, u.y2, h.y1, h.y2),
            1.0 if u.y1 < hcy < u.y2 else 0.0, (u.xh / g) if u.xh else 0.0,
        ]
    except (ValueError, ZeroDivisionError, OverflowError):  # degenerate boxes: no evidence
        return [0.0] * N_OWN


def neighbours(units) -> tuple[np.ndarray, np.ndarray]:
    """For each unit, the index of its nearest neighbour on its left and on its right
    among the units that share some of its height (-1 for none)."""
    n = len(units)
    box = np.array([(u.x1, u.y1, u.x2, u.y2) for u in units], np.float64).reshape(n, 4)
    box[~np.isfinite(box)] = 0.0
    cx = (box[:, 0] + box[:, 2]) / 2
    level = ((np.minimum(box[:, None, 3], box[None, :, 3])
              - np.maximum(box[:, None, 1], box[None, :, 1])) > 0)
    np.fill_diagonal(level, False)
    left = level & (cx[None, :] < cx[:, None])
    right = level & (cx[None, :] > cx[:, None])
    li = np.where(left.any(1), np.where(left, box[None, :, 2], -np.inf).argmax(1), -1)
    ri = np.where(right.any(1), np.where(right, -box[None, :, 0], -np.inf).argmax(1), -1)
    return li, ri


def _neighbour_geometry(h, u, v, g: float) -> list[float]:
    """Where a unit's neighbour `v` lies against the head: a radicand or a numerator
    goes on as a chain of neighbours (the 4 after the - in \\sqrt{-4})."""
    if v is None:
        return [1.0] + [0.0] * (N_NEIGHBOUR - 1)
    hw = max(h.x2 - h.x1, 0.3 * g)
    gap = (u.x1 - v.x2) if v.x1 < u.x1 else (v.x1 - u.x2)
    return [0.0, gap / g, (v.x1 - h.x1) / hw, (v.x2 - h.x2) / hw,
            ((v.y1 + v.y2) - (h.y1 + h.y2)) / (2 * g), (v.y1 - h.y1) / g, (v.y2 - h.y2) / g]


def _described(u):
    """A composite is described by its bar or radical (training sees symbols only)."""
    return getattr(u, "head", None) or u


def member_features(h, units, g: float, rule_parts: dict | None = None) -> np.ndarray:
    """(len(units), N_FEATURES) features of each unit against head `h`; `rule_parts`
    is what the hand-set rules let the head claim (rules.hand_set_parts), one-hot
    by class at the end."""
    rule = {id(u): CLASSES.index(_RULE_CLASS[k]) for k, vs in (rule_parts or {}).items()
            for u in vs if k in _RULE_CLASS}
    rule_cols = [rule.get(id(u), 0) for u in units]
    units = [_described(u) for u in units]
    out = np.zeros((len(units), N_FEATURES), np.float32)
    if not units:
        return out
    li, ri = neighbours(units)
    rows = []
    for k, u in enumerate(units):
        left = units[li[k]] if li[k] >= 0 else None
        right = units[ri[k]] if ri[k] >= 0 else None
        rows.append(geometry(h, u, g) + _neighbour_geometry(h, u, left, g)
                    + _neighbour_geometry(h, u, right, g))
    with np.errstate(invalid="ignore", over="ignore"):
        geo = np.clip(np.array(rows, np.float64), -_CLIP, _CLIP)
    geo[np.isnan(geo)] = 0.0
    out[:, :N_GEOMETRY] = geo
    idx = np.arange(len(units))
    out[idx, N_GEOMETRY + np.array([vocab_index(u) for u in units])] = 1.0
    out[:, N_GEOMETRY + len(VOCAB) + HEADS.index(h.label)] = 1.0
    base = N_GEOMETRY + len(VOCAB) + len(HEADS)
    rule_cols = np.array(rule_cols)
    out[idx, base + rule_cols] = 1.0
    for side, (nb, flag) in enumerate(((li, li >= 0), (ri, ri >= 0))):
        cols = np.where(flag, rule_cols[np.maximum(nb, 0)], 0)
        out[idx[flag], base + (side + 1) * len(CLASSES) + cols[flag]] = 1.0
    return out


class RegionModel(Mlp):
    def __init__(self, weights: dict[str, np.ndarray], meta: dict):
        try:
            super().__init__(weights, meta, N_FEATURES, len(CLASSES))
        except ValueError:
            raise ValueError("region model does not match the features of this version") from None

    def parts(self, h, units, g: float, rule_parts: dict | None = None,
              policy=None) -> dict[str, list]:
        """The units `h` claims, by part name ("num", "den", "arg", ...): each unit
        goes to its most probable class among "none" and those the head can have;
        {} when a part the head needs stays empty. A `policy` (parse.readings) may
        choose another class for a unit: `policy.members(p, h, others, classes)` with p the
        (units, classes) probabilities, returning the column chosen for each unit."""
        allowed = PARTS.get(h.label)
        others = [u for u in units if u is not h]
        if not allowed or not others:
            return {}
        cache = getattr(policy, "cache", None)
        key = ("region", g, unit_key(h), tuple(unit_key(u) for u in others)) if cache is not None else None
        p = cache.get(key) if key is not None else None
        if p is None:
            p = self.probs(member_features(h, others, g, rule_parts))
            if key is not None:
                cache[key] = p
        cols = [0] + [CLASSES.index(c) for c in allowed]
        pick = (p[:, cols].argmax(1) if policy is None
                else policy.members(p[:, cols], h, others, [CLASSES[c] for c in cols]))
        best = np.array(cols)[pick]
        if not all((best == CLASSES.index(c)).any() for c in REQUIRED[h.label]):
            return {}
        out: dict[str, list] = {}
        for u, k in zip(others, best):
            if k:
                out.setdefault(allowed[CLASSES[k]], []).append(u)
        return out


def load(path: Path | str | None = None) -> RegionModel | None:
    """The region model at `path` (default: the shipped one); None, with a warning,
    when it is missing or unusable."""
    return load_or_warn(RegionModel, Path(path) if path is not None else DEFAULT_PATH,
                        "region model", "hand-set region rules")


@functools.cache
def default_model() -> RegionModel | None:
    """The shipped model, loaded once (None when it cannot be)."""
    return load()
