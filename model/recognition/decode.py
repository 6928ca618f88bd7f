"""The context decoder: segmentation and labels chosen together, in writing order, in context.

Detection alone (detect.segment) labels each candidate from its own evidence. A reader
also asks what the symbols say together: a capital is as tall as the digits beside it, a
comma is small and sits low, 2 follows digits where z follows letters, "- -" stacked is
"=".  The decoder adds three signals to the network's evidence and searches the best
(segmentation, labels) jointly with a Viterbi pass over writing order:

* evidence:  detect.combined_scores (the window alone, the heatmap cell, the word prior)
  plus the per-symbol credit, as detection uses them;
* geometry:  the candidate's height, aspect, vertical offset and size relative to its
  neighbours, in units of the expression's robust symbol height.  A diagonal Gaussian per
  class, fitted on true symbols of train/, gives log p(features | class) minus log
  p(features) (so geometry re-ranks labels without favouring any one segmentation);
* language:  a smoothed bigram over labels in writing order (log P(label | previous
  label)), trained on the truth of train/ and train-extra/, plus a unigram weight that
  undoes the class prior the network already learnt.

The neighbours that geometry measures against come from a first pass (detect.segment).
The weights were fitted on a writer-disjoint slice of train/ that the network never saw
(model/training/train_decoder.py); resources/models/decoder.npz + .json hold the model.
A missing or unreadable decoder file gives a warning and None: detection alone decides.
"""
from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import detect

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "resources" / "models" / "decoder.npz"
N_GEOMETRY = 4
CONTEXT_FEATURES = ("log p alone", "log p in context (heatmap)", "word prior", "geometry log ratio",
                    "log P(label | previous)", "log P(next | label)", "log P(label)",
                    "the label is read elsewhere in the expression",
                    "its partner (the other bracket, the other bar) is read elsewhere",
                    "log P(label | previous, relation guessed from where it sits: right, sup, sub)")
NEIGHBOUR_FEATURES = ("next: centre offset", "next: log height ratio", "next: gap",
                      "previous: centre offset", "previous: log height ratio", "previous: gap")
N_REREAD_GEOMETRY = N_GEOMETRY + len(NEIGHBOUR_FEATURES)
SEGMENT_FEATURES = ("log max p alone", "log p background alone", "log max p in context",
                    "log p background in context", "1 stroke", "2 strokes", "3 strokes", "4+ strokes",
                    "largest gap between its strokes", "stroke overlap in x", "log height", "log width")
N_SEGMENT = len(SEGMENT_FEATURES)
_PARTNER = {"(": ")", ")": "(", "[": "]", "]": "[", "\\{": "\\}", "\\}": "\\{", "|": "|"}
N_CONTEXT = len(CONTEXT_FEATURES)
_ARRAYS = ("log_bigram", "log_relation", "log_unigram", "geo_mean", "geo_var", "feature_weights", "class_bias",
           "class_geometry", "segment_weights", "segment_class")
TOP_K = 5
_VAR_FLOOR = 0.02


@dataclass
class DecoderWeights:
    bonus: float = detect.SYMBOL_BONUS
    context: float = detect.CONTEXT_WEIGHT
    geometry: float = 0.0
    bigram: float = 0.0
    unigram: float = 0.0
    # The same signals added as they are: these may also change the segmentation
    # (two bars where "-" rarely follows "-" become "=").
    geometry_raw: float = 0.0
    bigram_raw: float = 0.0
    reread: bool = True
    segment: float = 0.0
    top_k: int = TOP_K
    # With the learned context model (context_net.py) attached: its re-read classes and
    # whole-symbol odds replace the hand-made re-reader's and segment model's; `mass` of the
    # detection's own symbol-against-background mass is kept in each candidate's evidence.
    learned: bool = True
    mass: float = 1.0


@dataclass
class ContextModel:
    classes: list[str]              # the network's classes, background last
    log_bigram: np.ndarray          # (C+1, C): row C is the start of the expression
    log_relation: np.ndarray        # (3, C+1, C): P(label | parent, right / sup / sub)
    log_unigram: np.ndarray         # (C,)
    geo_mean: np.ndarray            # (C, N_GEOMETRY)
    geo_var: np.ndarray             # (C, N_GEOMETRY)
    weights: DecoderWeights
    meta: dict
    # The re-reader (a conditional logit over classes, fitted on held-out evidence): weights of
    # the N_CONTEXT shared features, a bias per class, and per-class weights of the geometry.
    feature_weights: np.ndarray | None = None   # (N_CONTEXT,)
    class_bias: np.ndarray | None = None        # (C,)
    class_geometry: np.ndarray | None = None    # (N_REREAD_GEOMETRY, C)
    # Is a candidate a whole symbol?  A logistic model over SEGMENT_FEATURES and a bias per
    # top class for one stroke and for several (a lone bar is often half of "=").
    segment_weights: np.ndarray | None = None   # (N_SEGMENT,)
    segment_class: np.ndarray | None = None     # (2, C)
    # The learned context model (context_net.ContextNet), when the recognizer attached one:
    # not part of the decoder's own files.
    learned: object | None = None
    # The model of the pen's path (trajectory.TrajectoryModel), when the recognizer attached
    # one: its class log-probabilities join the evidence with its tuned weight.
    trajectory: object | None = None
    # The look-alike pairs settled by the writer (writer_pairs.WriterPairs), when attached.
    writer: object | None = None

    def save(self, path: Path) -> None:
        path = Path(path)
        np.savez_compressed(path, **{k: getattr(self, k).astype(np.float32) for k in _ARRAYS})
        meta = dict(self.meta, classes=self.classes, weights=self.weights.__dict__)
        path.with_suffix(".json").write_text(json.dumps(meta, indent=1), encoding="utf-8")


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load(path: Path | None = None, classes: list[str] | None = None,
         network: Path | None = None) -> ContextModel | None:
    """The shipped decoder, or None (with a warning) when it is missing, unreadable, made for
    another class list or fitted to another network than the file `network`."""
    path = Path(path) if path else DEFAULT_PATH
    try:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        with np.load(path) as z:
            arrays = {k: z[k].astype(np.float64) for k in _ARRAYS}
        weights = DecoderWeights(**meta["weights"])
        model = ContextModel(list(meta["classes"]), weights=weights, meta=meta, **arrays)
        c = len(model.classes) - 1
        if (model.log_bigram.shape != (c + 1, c) or model.log_relation.shape != (3, c + 1, c)
                or model.geo_mean.shape != (c, N_GEOMETRY)
                or model.geo_var.shape != (c, N_GEOMETRY) or model.log_unigram.shape != (c,)
                or model.feature_weights.shape != (N_CONTEXT,) or model.class_bias.shape != (c,)
                or model.class_geometry.shape != (N_REREAD_GEOMETRY, c)
                or model.segment_weights.shape != (N_SEGMENT,) or model.segment_class.shape != (2, c)):
            raise ValueError("array shapes do not match the class list")
    except FileNotFoundError:
        warnings.warn(f"context decoder {path} not found: symbols are read one by one", stacklevel=2)
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        warnings.warn(f"context decoder {path} is unreadable ({e}): symbols are read one by one",
                      stacklevel=2)
        return None
    if classes is not None and list(classes) != model.classes:
        warnings.warn(f"context decoder {path} was made for another class list: not used", stacklevel=2)
        return None
    want = meta.get("network_sha256")
    if network is not None and want and file_digest(network) != want:
        warnings.warn(f"context decoder {path} was fitted to another network than {network}: "
                      "symbols are read one by one", stacklevel=2)
        return None
    return model


# -- geometry -----------------------------------------------------------------------------------
def reference_height(boxes: np.ndarray) -> float:
    """A robust symbol height: the median height, once dots and bars (far flatter than the
    median) are left out."""
    if len(boxes) == 0:
        return 1.0
    h = np.maximum(boxes[:, 3] - boxes[:, 1], 1.0)
    tall = h[h >= 0.4 * np.median(h)]
    return float(np.median(tall)) if len(tall) else float(np.median(h))


def geometry_features(cand_boxes: np.ndarray, cand_strokes: list[tuple[int, ...]],
                      ref_boxes: np.ndarray, ref_strokes: list[tuple[int, ...]],
                      neighbours: int = 4) -> np.ndarray:
    """(N, N_GEOMETRY) features of each candidate against reference symbols (a first reading):
    log height over the robust height, log aspect, vertical offset of the centre from its
    nearest neighbours' (robust heights), log height over the neighbours' median height.
    Neighbours are the reference symbols nearest in x that share no stroke with the candidate."""
    ref = reference_height(ref_boxes)
    n = len(cand_boxes)
    out = np.zeros((n, N_GEOMETRY))
    if n == 0:
        return out
    w = np.maximum(cand_boxes[:, 2] - cand_boxes[:, 0], 1.0)
    h = np.maximum(cand_boxes[:, 3] - cand_boxes[:, 1], 1.0)
    cy = (cand_boxes[:, 1] + cand_boxes[:, 3]) / 2
    cx = (cand_boxes[:, 0] + cand_boxes[:, 2]) / 2
    out[:, 0] = np.log(h / ref)
    out[:, 1] = np.log(w / h)
    out[:, 3] = out[:, 0]
    if len(ref_boxes) == 0:
        return out
    rcx = (ref_boxes[:, 0] + ref_boxes[:, 2]) / 2
    rcy = (ref_boxes[:, 1] + ref_boxes[:, 3]) / 2
    rh = np.maximum(ref_boxes[:, 3] - ref_boxes[:, 1], 1.0)
    owner = {}
    for r, strokes in enumerate(ref_strokes):
        for s in strokes:
            owner[s] = r
    dist = np.abs(cx[:, None] - rcx[None, :])
    for k, strokes in enumerate(cand_strokes):
        for s in strokes:
            r = owner.get(s)
            if r is not None:
                dist[k, r] = np.inf
    near = np.argsort(dist, axis=1)[:, :neighbours]
    valid = np.isfinite(np.take_along_axis(dist, near, 1))
    has = valid.any(1)
    if has.any():
        with np.errstate(all="ignore"):
            mid = np.nanmedian(np.where(valid, rcy[near], np.nan)[has], 1)
            size = np.nanmedian(np.where(valid, rh[near], np.nan)[has], 1)
        out[has, 2] = (cy[has] - mid) / ref
        out[has, 3] = np.log(h[has] / size)
    return out


def geometry_scores(model: ContextModel, feats: np.ndarray) -> np.ndarray:
    """(N, C) log p(features | class) - log p(features), the class prior taken as uniform."""
    var = np.maximum(model.geo_var, _VAR_FLOOR)
    d = feats[:, None, :] - model.geo_mean[None, :, :]
    ll = -0.5 * (d * d / var[None] + np.log(2 * np.pi * var)[None]).sum(2)
    m = ll.max(1, keepdims=True)
    norm = m + np.log(np.exp(ll - m).mean(1, keepdims=True))
    return ll - norm


def stroke_spans(cands: list[detect.Candidate], pos_of: dict[int, int] | None) -> tuple[list[int], list[int]]:
    """Each candidate's first and last position in writing order (`pos_of`: stroke -> position;
    None: the stroke indices are the order)."""
    firsts, lasts = [], []
    for c in cands:
        p = [pos_of[s] for s in c.strokes] if pos_of else list(c.strokes)
        firsts.append(min(p))
        lasts.append(max(p))
    return firsts, lasts


def neighbours(cands: list[detect.Candidate], first: list[int],
               pos_of: dict[int, int] | None) -> np.ndarray:
    """For each candidate, the first reading's symbol just before it in writing order and
    just after it: (N, 2) positions in `first` (-1 when none)."""
    firsts, lasts = stroke_spans(cands, pos_of)
    starts = np.array([firsts[k] for k in first])
    ends = np.array([lasts[k] for k in first])
    out = np.full((len(cands), 2), -1)
    for k in range(len(cands)):
        before = np.nonzero(ends < firsts[k])[0]
        after = np.nonzero(starts > lasts[k])[0]
        if len(before):
            out[k, 0] = before[ends[before].argmax()]
        if len(after):
            out[k, 1] = after[starts[after].argmin()]
    return out


def neighbour_geometry(boxes: np.ndarray, near: np.ndarray, ref_boxes: np.ndarray) -> np.ndarray:
    """(N, 6) NEIGHBOUR_FEATURES: where the next and the previous symbol sit against the
    candidate (x^2 against x \\times 2), in robust heights; zeros where there is none."""
    ref = reference_height(ref_boxes)
    out = np.zeros((len(boxes), len(NEIGHBOUR_FEATURES)))
    h = np.maximum(boxes[:, 3] - boxes[:, 1], 1.0)
    cy = (boxes[:, 1] + boxes[:, 3]) / 2
    for side, col in ((1, 0), (0, 3)):
        has = near[:, side] >= 0
        if not has.any():
            continue
        o = ref_boxes[near[has, side]]
        oh = np.maximum(o[:, 3] - o[:, 1], 1.0)
        out[has, col] = ((o[:, 1] + o[:, 3]) / 2 - cy[has]) / ref
        out[has, col + 1] = np.log(oh / h[has])
        gap = o[:, 0] - boxes[has, 2] if side == 1 else boxes[has, 0] - o[:, 2]
        out[has, col + 2] = np.clip(gap / ref, -3, 3)
    return out


def guessed_relation(ngeo: np.ndarray) -> np.ndarray:
    """(N,) 0 right, 1 sup, 2 sub: where each candidate sits against the symbol before it
    (neighbour_geometry's previous-symbol columns): clearly higher or lower, and smaller."""
    above, smaller = ngeo[:, 3], ngeo[:, 4]     # previous centre minus own; log previous/own height
    out = np.zeros(len(ngeo), int)
    out[(above > 0.35) & (smaller > 0.15)] = 1
    out[(above < -0.35) & (smaller > 0.15)] = 2
    return out


def context_features(model: ContextModel, probs: np.ndarray, ctx: np.ndarray | None,
                     prior: np.ndarray | None, geo_ratio: np.ndarray, near: np.ndarray,
                     first_labels: np.ndarray, own: np.ndarray, ngeo: np.ndarray) -> np.ndarray:
    """(N, C, N_CONTEXT): the shared features of each candidate and class (CONTEXT_FEATURES).
    `near`: neighbours(); `first_labels`: the first reading's classes; `own`: for each candidate,
    its position in the first reading (-1 when it is not one of its symbols)."""
    n, c = probs.shape[0], probs.shape[1] - 1
    start = c
    prev = np.where(near[:, 0] >= 0, first_labels[near[:, 0]], start)
    nxt = np.where(near[:, 1] >= 0, first_labels[near[:, 1]], -1)
    x = np.zeros((n, c, N_CONTEXT))
    x[..., 0] = np.log(probs[:, :-1] + 1e-9)
    if ctx is not None:
        x[..., 1] = np.log(ctx[:, :-1] + 1e-6)
    if prior is not None:
        x[..., 2] = prior
    x[..., 3] = geo_ratio
    x[..., 4] = model.log_bigram[prev]
    has_next = nxt >= 0
    x[has_next, :, 5] = model.log_bigram[:c, nxt[has_next]].T
    x[..., 6] = model.log_unigram[None]
    counts = np.bincount(first_labels, minlength=c).astype(float)
    others = np.repeat(counts[None], n, 0)
    mine = own >= 0
    others[mine, first_labels[own[mine]]] -= 1
    x[..., 7] = others > 0
    partner = _partner_index(model.classes)
    x[:, partner >= 0, 8] = others[:, partner[partner >= 0]] > 0
    x[..., 9] = model.log_relation[guessed_relation(ngeo), prev]
    return x


def _partner_index(classes: list[str]) -> np.ndarray:
    idx = {name: i for i, name in enumerate(classes)}
    return np.array([idx.get(_PARTNER.get(name, ""), -1) for name in classes[:-1]])


def reread_inputs(model: ContextModel, cands: list[detect.Candidate], probs: np.ndarray,
                  ctx: np.ndarray | None, prior: np.ndarray | None, boxes: np.ndarray, feats: np.ndarray,
                  geo: np.ndarray, first: list[int], pos_of: dict[int, int] | None):
    """The re-reader's inputs for every candidate, as the search and the fit both build them:
    (N, C, N_CONTEXT) shared features and (N, N_REREAD_GEOMETRY) geometry.  `boxes`, `feats`,
    `geo`: the candidates' boxes, geometry_features and geometry_scores; `first`: the first reading."""
    first_cw = detect.CONTEXT_WEIGHT if ctx is not None else 0.0
    first_labels = detect.combined_scores(probs[first], None if ctx is None else ctx[first], first_cw,
                                          None if prior is None else prior[first]).argmax(1)
    near = neighbours(cands, first, pos_of)
    own = np.full(len(cands), -1)
    own[first] = np.arange(len(first))
    ngeo = neighbour_geometry(boxes, near, boxes[first])
    x = context_features(model, probs, ctx, prior, geo, near, first_labels, own, ngeo)
    return x, np.hstack([feats, ngeo])


def reread(model: ContextModel, x: np.ndarray, geo: np.ndarray) -> np.ndarray:
    """(N, C) the re-reader's class log-odds: shared features, class bias, class-specific geometry."""
    return x @ model.feature_weights + model.class_bias[None] + geo @ model.class_geometry


def segment_features(cands: list[detect.Candidate], stroke_boxes: np.ndarray, probs: np.ndarray,
                     ctx: np.ndarray | None, ref: float, first: list[int]) -> np.ndarray:
    """(N, N_SEGMENT) SEGMENT_FEATURES of each candidate."""
    n = len(cands)
    x = np.zeros((n, N_SEGMENT))
    x[:, 0] = np.log(probs[:, :-1].max(1) + 1e-9)
    x[:, 1] = np.log(probs[:, -1] + 1e-9)
    if ctx is not None:
        x[:, 2] = np.log(ctx[:, :-1].max(1) + 1e-6)
        x[:, 3] = np.log(ctx[:, -1] + 1e-6)
    for k, c in enumerate(cands):
        x[k, 4 + min(len(c.strokes), 4) - 1] = 1.0
        if len(c.strokes) > 1:
            b = stroke_boxes[list(c.strokes)]
            gaps = [detect._gap(b[i], b[i + 1]) for i in range(len(b) - 1)]
            x[k, 8] = min(max(gaps) / ref, 3.0)
            lo, hi = b[:, 0].max(), b[:, 2].min()
            x[k, 9] = np.clip((hi - lo) / max(b[:, 2].max() - b[:, 0].min(), 1.0), -1, 1)
        bx = c.box_px
        x[k, 10] = np.log(max(bx[3] - bx[1], 1.0) / ref)
        x[k, 11] = np.log(max(bx[2] - bx[0], 1.0) / ref)
    return x


def segment_logit(model: ContextModel, x: np.ndarray, top: np.ndarray, multi: np.ndarray) -> np.ndarray:
    """(N,) log-odds that each candidate is a whole symbol."""
    return x @ model.segment_weights + model.segment_class[multi.astype(int), top]


def _lse(a: np.ndarray) -> np.ndarray:
    """log-sum-exp over the last axis, kept as a trailing axis of 1."""
    m = a.max(-1, keepdims=True)
    return m + np.log(np.exp(a - m).sum(-1, keepdims=True))


def _renormalized(evidence: np.ndarray, delta: np.ndarray) -> np.ndarray:
    out = evidence + delta
    return out - _lse(out) + _lse(evidence)


def first_reading(n_strokes: int, cands: list[detect.Candidate], probs: np.ndarray,
                  ctx: np.ndarray | None, prior: np.ndarray | None,
                  order: list[int] | None = None) -> list[int]:
    """Detection's own segmentation, with its own constants: the neighbours the context
    features measure against (the same reading the re-reader was fitted on)."""
    cw = detect.CONTEXT_WEIGHT if ctx is not None else 0.0
    return detect.segment(n_strokes, cands, probs, ctx, detect.SYMBOL_BONUS, cw, prior, order)


# -- the search ----------------------------------------------------------------------------------
@dataclass
class Reading:
    chosen: list[int]              # candidate indices, in writing order
    labels: list[int]              # their class indices
    scores: np.ndarray             # (len(chosen), C) each chosen symbol's class log scores in context


@dataclass
class Prepared:
    """What the search needs of one expression that no search weight changes."""
    n_strokes: int
    evidence: np.ndarray            # (N, C) class log scores, re-read in context
    geo: np.ndarray                 # (N, C) geometry log ratios
    seg: np.ndarray | None          # (N,) whole-symbol log-odds
    firsts: list[int]               # each candidate's first and last position in writing order
    lasts: list[int]
    first: list[int]                # the first reading (detection's segmentation)


def prepare(model: ContextModel, cands: list[detect.Candidate], probs: np.ndarray,
            ctx: np.ndarray | None, prior: np.ndarray | None, stroke_boxes: np.ndarray,
            order: list[int] | None = None, weights: DecoderWeights | None = None,
            paths: list[np.ndarray] | None = None, path_weight: float | None = None,
            writer_weight: float | None = None, path_lp: np.ndarray | None = None) -> Prepared:
    """`stroke_boxes`: (S, 4) each stroke's box in the candidates' frame (S strokes).
    `paths`: the S strokes' points in that frame, in writing order, for the model of the pen's
    path (None for ink that has no path: an image); `path_weight` overrides its tuned weight,
    `writer_weight` the writer model's; `path_lp`: the path model's (N, C) log-probabilities of
    the candidates when the caller has them (recorded evidence), in place of `paths`."""
    n_strokes = len(stroke_boxes)
    wt = weights or model.weights
    cw = wt.context if ctx is not None else 0.0
    evidence = detect.combined_scores(probs, ctx, cw, prior)        # (N, C)
    # The whole-symbol model's class bias is fitted on detection's top class
    # (train_decoder.segment_samples): index it with that, not with the re-read top.
    detected_top = evidence.argmax(1)
    first = first_reading(n_strokes, cands, probs, ctx, prior, order)
    boxes = np.array([c.box_px for c in cands], dtype=np.float64).reshape(-1, 4)
    feats = geometry_features(boxes, [c.strokes for c in cands], boxes[first],
                              [cands[k].strokes for k in first])
    geo = geometry_scores(model, feats)
    pos_of = {s: i for i, s in enumerate(order)} if order is not None else None
    seg = None
    learned = model.learned if model.learned is not None and wt.learned else None
    # A context model that reads the path takes it as an input, and the path is not blended again.
    path_in = learned is not None and learned.path_inputs
    path = model.trajectory
    w = path_weight if path_weight is not None else (path.weight if path is not None else 0.0)
    if path_lp is None and path is not None and paths is not None and (w or path_in) and len(cands):
        path_lp = path_log_probs(path, cands, paths, boxes[first])
    if learned is not None:
        lp, seg = learned.scores(cands, probs, ctx, stroke_boxes, first, pos_of, feats, path_lp)
        evidence = lp + wt.mass * _lse(evidence)
    else:
        if model.feature_weights is not None and wt.reread:
            z = reread(model, *reread_inputs(model, cands, probs, ctx, prior, boxes, feats, geo, first, pos_of))
            # The candidate's classes as re-read, its total mass (symbol against background) as detected.
            evidence = z - _lse(z) + _lse(evidence)
        if model.segment_weights is not None:
            sx = segment_features(cands, stroke_boxes, probs, ctx, reference_height(boxes[first]), first)
            multi = np.array([len(c.strokes) > 1 for c in cands])
            seg = segment_logit(model, sx, detected_top, multi)
    if path_lp is not None and w and not path_in and len(cands):
        # The path relabels: each candidate keeps its mass (symbol against background).
        evidence = _renormalized(evidence, w * path_lp)
    pairs = model.writer
    w = writer_weight if writer_weight is not None else (pairs.weight if pairs is not None else 0.0)
    if pairs is not None and w and len(cands):
        # The writer relabels the look-alike pairs, as the path does: the mass is kept.
        evidence = _renormalized(evidence, w * pairs.delta(writer_inputs(pairs, cands, probs, evidence,
                                                                         boxes, first)))
    firsts, lasts = stroke_spans(cands, pos_of)
    return Prepared(n_strokes, evidence, geo, seg, firsts, lasts, first)


def path_log_probs(path, cands: list[detect.Candidate], paths: list[np.ndarray],
                   first_boxes: np.ndarray) -> np.ndarray:
    """(N, C) the path model's log-probabilities of the candidates: each one's strokes (`paths`,
    in the candidates' frame) at the first reading's writing scale (`first_boxes`)."""
    return path.log_probs([[paths[i] for i in c.strokes] for c in cands], reference_height(first_boxes))


def writer_inputs(pairs, cands: list[detect.Candidate], probs: np.ndarray, evidence: np.ndarray,
                  boxes: np.ndarray, first: list[int]) -> np.ndarray:
    """The writer model's inputs (writer_pairs.features) of every candidate and class, against
    the first reading labelled as `evidence` reads it."""
    from . import writer_pairs
    first_cls = evidence[first].argmax(1) if len(first) else np.zeros(0, int)
    strokes = [c.strokes for c in cands]
    sizes = writer_pairs.size_features(boxes, strokes, first, [pairs.classes[c] for c in first_cls])
    return writer_pairs.features(sizes, pairs.class_size, probs, strokes, first, first_cls)


def decode(model: ContextModel, cands: list[detect.Candidate], probs: np.ndarray,
           ctx: np.ndarray | None, prior: np.ndarray | None, stroke_boxes: np.ndarray,
           order: list[int] | None = None, forced: dict[int, int] | None = None,
           weights: DecoderWeights | None = None, paths: list[np.ndarray] | None = None) -> Reading:
    """The best segmentation and labels under evidence, geometry and the bigram.

    `order`: the writing order the candidates follow (detect.constrained_candidates);
    `forced`: {candidate index: class index} that the user fixed.
    `paths`: the strokes' points (see prepare), or None where the ink has no path.
    """
    return search(model, prepare(model, cands, probs, ctx, prior, stroke_boxes, order, weights, paths),
                  weights, forced)


def search(model: ContextModel, prep: Prepared, weights: DecoderWeights | None = None,
           forced: dict[int, int] | None = None) -> Reading:
    """Viterbi over writing order: states are (strokes read so far, last label)."""
    wt = weights or model.weights
    n_strokes, firsts, lasts = prep.n_strokes, prep.firsts, prep.lasts
    # Geometry and the unigram re-weigh a candidate's classes but keep its total probability
    # (Bayes' rule with the candidate's own posterior as the prior): they relabel, and leave
    # splitting against merging to the evidence.
    local = _renormalized(prep.evidence, wt.geometry * prep.geo + wt.unigram * model.log_unigram[None])
    local = local + wt.geometry_raw * prep.geo
    if prep.seg is not None and wt.segment:
        # Each symbol read adds the log-odds that its strokes are one whole symbol.
        local = local + wt.segment * prep.seg[:, None]
    n_cls = local.shape[1]
    start = n_cls
    k_top = max(1, wt.top_k)
    ending: dict[int, list[int]] = {}
    for k in range(len(firsts)):
        ending.setdefault(lasts[k], []).append(k)
    # states[pos]: {last label: (score, candidate, previous label)}
    states: list[dict[int, tuple[float, int, int]]] = [dict() for _ in range(n_strokes + 1)]
    states[0][start] = (0.0, -1, -1)
    for end in range(n_strokes):
        for k in ending.get(end, []):
            prev = states[firsts[k]]
            if not prev:
                continue
            if forced and k in forced:
                labels = np.array([forced[k]])
            else:
                labels = np.argsort(-local[k])[:k_top]
            prev_labels = np.fromiter(prev.keys(), int)
            prev_scores = np.array([v[0] for v in prev.values()])
            # (P, K): score of each previous state followed by each label of this candidate
            tot = prev_scores[:, None] + local[k, labels][None, :] + wt.bonus
            if wt.bigram:
                lm = wt.bigram * model.log_bigram[prev_labels]                   # (P, C)
                # The bigram too relabels only: the candidate's mass is kept for each previous label.
                lm = lm - _lse(local[k][None, :] + lm) + _lse(local[k][None, :])
                tot = tot + lm[:, labels]
            if wt.bigram_raw:
                tot = tot + wt.bigram_raw * model.log_bigram[prev_labels][:, labels]
            best_prev = tot.argmax(0)
            target = states[end + 1]
            for j, lab in enumerate(labels):
                v = float(tot[best_prev[j], j])
                old = target.get(int(lab))
                if old is None or v > old[0]:
                    target[int(lab)] = (v, k, int(prev_labels[best_prev[j]]))
    final = states[n_strokes]
    if not final:  # unreachable (every stroke has a one-stroke candidate), kept for safety
        return Reading(prep.first, [int(np.argmax(local[k])) for k in prep.first], local[prep.first])
    lab = max(final, key=lambda c: final[c][0])
    pos, chosen, labels = n_strokes, [], []
    while pos > 0:
        _, k, prev_lab = states[pos][lab]
        chosen.append(k)
        labels.append(lab)
        pos, lab = firsts[k], prev_lab
    chosen.reverse()
    labels.reverse()
    # Each symbol's alternatives in its context: its own evidence and geometry, and the bigram
    # from the symbol before it as read.
    scores = np.empty((len(chosen), n_cls))
    for i, k in enumerate(chosen):
        before = labels[i - 1] if i else start
        lm = wt.bigram * model.log_bigram[before]
        scores[i] = local[k] + lm - _lse(local[k] + lm) + _lse(local[k])
    return Reading(chosen, labels, scores)
