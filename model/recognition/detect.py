"""Detection: strokes + network -> symbols, each owning a disjoint set of strokes.

How symbols are found:

1. Candidates.  Every run of 1..MAX_GROUP strokes that are consecutive in
   writing order and spatially close is a candidate symbol (multi-stroke
   symbols such as =, +, i, ÷, ≤, \\pi are written in one go).
2. Scores.  Each candidate's strokes are rendered alone, centred, at the
   canvas's normalised scale (`raster.group_crops`: what `raster.symbol_crop`
   drew in training)
   and classified by the network; a candidate that is really a fragment or two
   symbols together scores as background.  The canvas-wide heatmap (the
   convolutional sliding window) adds the in-context evidence of the window
   centred on the candidate.
3. Suppression.  The best set of candidates that covers every stroke exactly
   once (dynamic programming over writing order): the exact form of
   non-maximum suppression when overlap means "shares a stroke", so a symbol
   never claims a stroke that another symbol has.  Each chosen symbol earns
   SYMBOL_BONUS (else merging would always be cheaper than splitting); names
   written as several glyphs (WORDS) earn it WORD_GLYPHS times.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .raster import TARGET_SCALE, group_crops

MAX_GROUP = 4
# Strokes join a candidate only when this close (normalised px) to the others.
JOIN_GAP = 0.9 * TARGET_SCALE
# Log-probability credit per symbol: balances splitting against merging.
SYMBOL_BONUS = 2.0
CONTEXT_WEIGHT = 0.5
# Classes written as several glyphs (function names, three dots) earn the per-symbol
# credit as this many symbols; otherwise the letters of "sin" always outscore the word.
WORDS = ("\\sin", "\\cos", "\\tan", "\\log", "\\lim", "\\ldots")
WORD_GLYPHS = 2


@dataclass
class Candidate:
    strokes: tuple[int, ...]        # indices into the cleaned stroke list
    box_px: np.ndarray              # x1, y1, x2, y2 in the normalised frame


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    dx = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return float(np.hypot(dx, dy))


def candidates(boxes_px: np.ndarray, max_group: int = MAX_GROUP) -> list[Candidate]:
    out = []
    n = len(boxes_px)
    for i in range(n):
        box = boxes_px[i].copy()
        out.append(Candidate((i,), box.copy()))
        for j in range(i + 1, min(n, i + max_group)):
            if _gap(box, boxes_px[j]) > JOIN_GAP:
                break
            box = np.array([min(box[0], boxes_px[j][0]), min(box[1], boxes_px[j][1]),
                            max(box[2], boxes_px[j][2]), max(box[3], boxes_px[j][3])])
            out.append(Candidate(tuple(range(i, j + 1)), box.copy()))
    return out


def constrained_candidates(boxes_px: np.ndarray, groups: list[tuple[int, ...]],
                           max_group: int = MAX_GROUP) -> tuple[list[Candidate], list[int]]:
    """Candidates when the user has said which strokes form one symbol.

    Each forced group (stroke indices) becomes consecutive in a writing order
    (placed where its first stroke was written), is a candidate however far apart
    or many its strokes are, and is the only candidate that holds any of its
    strokes, so `segment` keeps it whole and alone.  Returns the candidates,
    with stroke indices in the original numbering, and that order (`order[k]` is
    the stroke at position k), over which `segment` must run.
    """
    owner = {i: g for g in groups for i in g}
    order: list[int] = []
    for i in range(len(boxes_px)):
        if i not in owner:
            order.append(i)
        elif i == min(owner[i]):
            order.extend(sorted(owner[i]))
    out = []
    for c in candidates(boxes_px[order], max_group):
        strokes = tuple(order[k] for k in c.strokes)
        if not any(i in owner for i in strokes):
            out.append(Candidate(strokes, c.box_px))
    for g in groups:
        b = boxes_px[list(g)]
        out.append(Candidate(tuple(sorted(g)), np.array([*b[:, :2].min(0), *b[:, 2:].max(0)])))
    return out, order


def score_candidates(net: torch.jit.ScriptModule, px_strokes: list[np.ndarray],
                     cands: list[Candidate], point_ink: bool = False, batch: int = 256,
                     directions: bool = False) -> np.ndarray:
    """Softmax probabilities (len(cands), C+1) of each candidate rendered alone."""
    if not cands:
        return np.zeros((0, 0), np.float32)
    crops = group_crops(px_strokes, [c.strokes for c in cands], points=point_ink, directions=directions)
    out = []
    with torch.inference_mode():
        for i in range(0, len(crops), batch):
            x = torch.from_numpy(crops[i:i + batch])
            x = x.unsqueeze(1) if x.ndim == 3 else x
            out.append(torch.softmax(net(x).flatten(1), dim=1).numpy())
    return np.concatenate(out)


def context_probs(heat: np.ndarray, stride: int, window: int, cands: list[Candidate]) -> np.ndarray:
    """Heatmap probabilities at the cell nearest each candidate's centre."""
    h, w = heat.shape[1:]
    c = (window - 1) / 2
    out = np.empty((len(cands), heat.shape[0]), np.float32)
    for k, cand in enumerate(cands):
        cx, cy = (cand.box_px[0] + cand.box_px[2]) / 2, (cand.box_px[1] + cand.box_px[3]) / 2
        j = int(np.clip(round((cx - c) / stride), 0, w - 1))
        i = int(np.clip(round((cy - c) / stride), 0, h - 1))
        out[k] = heat[:, i, j]
    return out


def candidate_prior(cands: list[Candidate], classes: list[str], bonus: float = SYMBOL_BONUS) -> np.ndarray:
    """(N, C) log credit beyond the per-symbol bonus: word classes, for candidates of
    two strokes or more (a lone stroke is never a whole word; no 's' becomes '\\sin')."""
    words = np.array([bonus * (WORD_GLYPHS - 1) if c in WORDS else 0.0 for c in classes[:-1]])
    multi = np.array([len(c.strokes) >= 2 for c in cands], dtype=float)
    return multi[:, None] * words[None, :]


def combined_scores(probs: np.ndarray, ctx: np.ndarray | None, context_weight: float,
                    prior: np.ndarray | None = None) -> np.ndarray:
    """Per-class log score of candidates: alone, plus the weighted in-context evidence and the prior."""
    score = np.log(probs[..., :-1] + 1e-9)
    if ctx is not None and context_weight:
        score = score + context_weight * np.log(ctx[..., :-1] + 1e-6)
    if prior is not None:
        score = score + prior
    return score


def best_class(probs: np.ndarray, ctx: np.ndarray | None, context_weight: float,
               prior: np.ndarray | None = None) -> int:
    return int(np.argmax(combined_scores(probs, ctx, context_weight, prior)))


def segment(n_strokes: int, cands: list[Candidate], probs: np.ndarray,
            ctx: np.ndarray | None = None, bonus: float = SYMBOL_BONUS,
            context_weight: float = CONTEXT_WEIGHT, prior: np.ndarray | None = None,
            order: list[int] | None = None) -> list[int]:
    """Indices of the candidates that cover strokes 0..n-1 exactly once with the best total score.

    A candidate's score is the log-probability of its best symbol class (the
    background class is never chosen: every stroke belongs to some symbol, so
    background only lowers the candidate's score), plus `bonus`.
    """
    score = combined_scores(probs, ctx, context_weight, prior).max(1) + bonus
    # Positions in writing order (or the order constrained_candidates made).
    pos_of = {s: k for k, s in enumerate(order)} if order is not None else None
    first = [min(pos_of[s] for s in c.strokes) if pos_of else c.strokes[0] for c in cands]
    ending: dict[int, list[int]] = {}
    for k, c in enumerate(cands):
        last = max(pos_of[s] for s in c.strokes) if pos_of else c.strokes[-1]
        ending.setdefault(last, []).append(k)
    best_total = np.full(n_strokes + 1, -np.inf)
    best_total[0] = 0.0
    back = [-1] * (n_strokes + 1)
    for end in range(n_strokes):
        for k in ending.get(end, []):
            start = first[k]
            v = best_total[start] + score[k]
            if v > best_total[end + 1]:
                best_total[end + 1], back[end + 1] = v, k
    chosen = []
    pos = n_strokes
    while pos > 0:
        k = back[pos]
        chosen.append(k)
        pos = first[k]
    return chosen[::-1]
