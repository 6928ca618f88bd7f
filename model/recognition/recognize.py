"""The recognizer: strokes or an image -> symbols, heatmap, text and LaTeX.

One object serves the GUI worker, the CLI, the evaluation and the benchmark,
so they all see the same pipeline: rasterize (raster) -> network over the
whole canvas (heatmap) -> detection (detect) -> layout (layout).
"""
from __future__ import annotations

import json
import time
import warnings
from collections import OrderedDict
from pathlib import Path

import cv2
import numpy as np
import torch

from . import context_net, decode, detect, lim_letters, multiline, raster, trajectory, writer_glyphs, writer_pairs
from .ink_input import prepare_strokes
from . import threads as thread_policy
from .classes import BACKGROUND
from .heatmap_cache import HeatmapCache, stroke_key
from . import personal as personal_model
from .personal import PersonalModel
from .result import Heatmap, Recognition, Symbol
from ..io.errors import InputError
from ..io.image_io import MAX_IMAGE_PIXELS

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = ROOT / "resources" / "models" / "symbol_fcn.pt"

MAX_COMPONENTS = 1_000
MAX_HEATMAPS = 6     # incremental heatmaps kept: the page, and its lines and cells
FEATURE_BATCH = 16   # the personal model's feature batches come in multiples of this


class ModelError(RuntimeError):
    """The model file is missing, unreadable or not a symbol network; the message says which."""


class Recognizer:
    def __init__(self, model_path: str | Path | None = None, threads: int | None = None,
                 decoder_path: str | Path | None = None, use_context: bool = True,
                 context_net_path: str | Path | None = None, use_learned: bool = True,
                 trajectory_path: str | Path | None = None, use_trajectory: bool = True,
                 writer_path: str | Path | None = None, use_writer: bool = True):
        path = Path(model_path) if model_path else DEFAULT_MODEL
        self.threads = thread_policy.apply(threads)
        if not path.is_file():
            raise ModelError(f"model file not found: {path}")
        meta_path = path.with_suffix(".json")
        try:
            self.meta = json.loads(meta_path.read_text(encoding="utf-8"))
            self.classes: list[str] = list(self.meta["classes"])
            self.window = int(self.meta["window"])
            self.stride = int(self.meta["stride"])
            self.in_channels = int(self.meta.get("input", {}).get("channels", 1))
        except FileNotFoundError:
            raise ModelError(f"model metadata not found: {meta_path}") from None
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ModelError(f"model metadata {meta_path} is unreadable: {e}") from None
        try:
            with warnings.catch_warnings():
                # TorchScript is the shipped format; its deprecation notice is not the user's concern.
                warnings.simplefilter("ignore", DeprecationWarning)
                self.net = torch.jit.load(str(path), map_location="cpu").eval()
        except Exception as e:  # torch raises many types for a corrupt archive
            raise ModelError(f"model file {path} is corrupt or not a TorchScript model "
                             f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})") from None
        if self.in_channels not in (1, 1 + raster.DIRECTIONS):
            raise ModelError(f"model metadata {meta_path}: {self.in_channels} input channels; this version "
                             f"renders 1 (ink) or {1 + raster.DIRECTIONS} (ink and direction planes)")
        # The input the network was trained on: ink alone, or ink and its direction planes.
        self.directions = self.in_channels > 1
        try:
            with torch.inference_mode():
                out = self.net(torch.zeros(1, self.in_channels, self.window, self.window))
        except Exception as e:
            raise ModelError(f"model file {path} does not run on a {self.window}x{self.window} window: {e}") from None
        if tuple(out.shape) != (1, len(self.classes), 1, 1):
            raise ModelError(f"model file {path} gives {tuple(out.shape)} on one window; "
                             f"its metadata promises {len(self.classes)} classes")
        # The features the classifier reads, for the personal model (personal.py); None for a
        # network without the shipped layout (features, then a classifier ending in one layer).
        self._features = _feature_extractor(self.net)
        self.net = _optimized(self.net, self.in_channels, self.window)
        self.path = path
        self.personal: PersonalModel | None = None  # the user's handwriting, when the app sets one
        # Symbols and structure chosen together (layout/joint.py); off: the symbols as decoded.
        self.joint = True
        # A look-alike settled by the writer's own glyph of the other reading (writer_glyphs.py).
        self.use_glyphs = True
        # Small marks joined or read by where they sit (marks.py); off only to measure them.
        self.use_marks = True
        # Look-alikes settled by their place on their line (layout/row_context.py).
        self.use_row_context = True
        # The layout's model of whole readings is loaded here, on the recognizer's thread,
        # rather than on the first expression the user writes.
        from .layout import tree_model
        tree_model.default_model()
        # The context decoder (decode.py) reads symbols with their neighbours; without it
        # (missing file, other classes) detection alone decides, as before.
        # It is fitted to one network's outputs: the decoder beside the model file, and only
        # if it was fitted to that very file.
        if decoder_path is None:
            decoder_path = path.parent / decode.DEFAULT_PATH.name
        self.context = (decode.load(decoder_path, self.classes, network=path)
                        if use_context else None)
        # The learned context model (context_net.py) re-reads the candidates for that decoder,
        # with the search weights tuned beside it; bound to the same network file.
        if self.context is not None and use_learned:
            if context_net_path is None:
                context_net_path = path.parent / context_net.DEFAULT_PATH.name
            learned = context_net.load(context_net_path, self.classes, network=path)
            if learned is not None:
                self.context.learned = learned
                self.context.weights = learned.weights
        # The model of the pen's path (trajectory.py) joins the decoder's evidence; without it
        # (missing file, other classes) the picture alone reads the symbols, as before.
        if self.context is not None and use_trajectory:
            if trajectory_path is None:
                trajectory_path = path.parent / trajectory.DEFAULT_PATH.name
            self.context.trajectory = trajectory.load(trajectory_path, self.classes)
        # The writer's own sizes settle the look-alike pairs (writer_pairs.py); without it, as before.
        if self.context is not None and use_writer:
            self.context.writer = writer_pairs.load(writer_path or path.parent / writer_pairs.DEFAULT_PATH.name,
                                                    self.classes)
        self.n_symbols = len(self.classes) - 1
        self._max_cached = 50_000
        self.clear_caches()
        if self.classes[-1] != BACKGROUND:
            raise ModelError(f"model metadata {meta_path}: last class must be {BACKGROUND!r}")

    def clear_caches(self) -> None:
        """Forget earlier ink: the next call computes everything afresh (the benchmark's cold runs)."""
        # One incremental heatmap per piece of ink read on its own (a line, a cell, the whole
        # page): several lines are read each in their own frame, and a single cache would
        # start afresh for every one of them, every time.
        self._heats: list[HeatmapCache] = []
        # Candidate scores by (zoom, ink kind, stroke keys): after a new stroke only
        # the candidates that contain it are classified.
        self._scores: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._embedded: OrderedDict[tuple, np.ndarray] = OrderedDict()
        # Each line's one-line reading, by its ink (multiline.py): unchanged lines are kept.
        self._line_readings: OrderedDict[tuple, Recognition] = OrderedDict()

    @property
    def can_personalize(self) -> bool:
        return self._features is not None

    def embeddings(self, px: list[np.ndarray], groups, point_ink: bool = False) -> np.ndarray:
        """(N, D) the classifier's input features of each stroke group rendered alone (the
        crops the network classifies), for the personal model."""
        if self._features is None:
            raise ModelError("this network has no feature layer for the personal model")
        crops = raster.group_crops(px, [list(g) for g in groups], points=point_ink, directions=self.directions)
        x = crops if crops.ndim == 4 else crops[:, None]
        # Batches padded to a multiple of FEATURE_BATCH: the convolution library keeps kernels
        # for every batch size it meets, and a new size per stroke grew the memory.
        n = len(x)
        padded = -(-max(n, 1) // FEATURE_BATCH) * FEATURE_BATCH
        if padded != n:
            x = np.concatenate([x, np.zeros((padded - n, *x.shape[1:]), x.dtype)])
        with torch.inference_mode():
            return self._features(torch.from_numpy(x)).flatten(1).numpy()[:n]

    def symbol_features(self, strokes, groups) -> np.ndarray:
        """(len(groups), D) features of stroke groups (input stroke indices) written among
        `strokes`: what the personal model learns from a corrected or confirmed symbol."""
        clean, index = prepare_strokes(strokes)
        at = {orig: i for i, orig in enumerate(index)}
        groups = [[at[i] for i in g if i in at] for g in groups]
        if not clean or not all(groups):
            raise InputError("a symbol to learn has no usable ink")
        frame = self.frame(clean)
        return self.embeddings([frame.to_pixels(s) for s in clean], groups)

    def frame(self, clean: list[np.ndarray], scale: float | None = None) -> raster.Frame:
        """The frame of usable strokes (prepare_strokes'), at their writing scale or `scale`."""
        return raster.frame_for(clean, scale, quantize=True, align=self.stride, clean=True)

    # -- the network over a whole canvas ------------------------------------------------
    def heatmap(self, clean: list[np.ndarray], frame: raster.Frame, point_ink: bool = False,
                keys: list[bytes] | None = None) -> Heatmap:
        """The convolutional sliding window over the inked region (incremental)."""
        keys = keys if keys is not None else [stroke_key(s) for s in clean]
        probs = self._heat_for(frame, point_ink, keys).compute(clean, frame, point_ink, keys)
        return Heatmap(probs, self.classes, frame, self.window, self.stride)

    def _heat_for(self, frame: raster.Frame, point_ink: bool, keys: list[bytes]) -> HeatmapCache:
        """The cache whose last strokes differ least from these at this zoom (it recomputes
        only the difference: strokes added and strokes gone), or a new one in place of the least
        recently used. A line must not take the page's cache, nor the page a line's."""
        want = set(keys)
        best, margin = None, 0
        for cache in self._heats:
            if cache.zoom == (frame.k, point_ink):
                shared = len(want.intersection(cache.stroke_keys))
                gone = len(cache.stroke_keys) - shared
                if shared - gone > margin:
                    best, margin = cache, shared - gone
        if best is None:
            best = HeatmapCache(self.net, self.window, self.stride, self.directions)
            if len(self._heats) >= MAX_HEATMAPS:
                self._heats.pop(0)
        else:
            self._heats.remove(best)
        self._heats.append(best)
        return best

    # -- strokes ---------------------------------------------------------------------------
    def recognize(self, strokes, heatmap: bool = True, groups=None, labels=None,
                  placements=None) -> Recognition:
        """`groups`: lists of stroke indices that the user said form one symbol each;
        `labels`: {tuple of stroke indices: class name}, strokes the user said are one
        symbol of that class.  Detection keeps both as given (see `constraints`).
        `placements`: {tuple of a symbol's stroke indices: (relation, tuple of its base's
        stroke indices or None)}, where the user placed a symbol ("sup" of the x); the layout
        keeps those whose symbols are read with exactly those strokes."""
        cons = constraints(groups, labels, self.classes)
        # Several lines, a matrix or cases: each piece read by the one-line path (multiline.py).
        several = multiline.read(self, strokes, heatmap, cons, placements)
        if several is not None:
            return several
        return self._recognize(strokes, heatmap, point_ink=False, constraints=cons,
                               placements=placements)

    def _recognize(self, strokes, want_heatmap: bool, point_ink: bool,
                   constraints: dict | None = None, placements=None) -> Recognition:
        """The one-line reading of the ink; where it holds an arrow and no lim, with a lim
        read as letters over the arrow made one symbol, if that reads so (lim_letters.py)."""
        t0 = time.perf_counter()
        first = self._read_line(strokes, want_heatmap, point_ink, constraints, placements)
        out = lim_letters.reread(
            lambda cons: self._read_line(strokes, want_heatmap, point_ink, cons, placements), first, constraints)
        if out is not first:
            out.ms = (time.perf_counter() - t0) * 1e3
        return out

    def _read_line(self, strokes, want_heatmap: bool, point_ink: bool,
                   constraints: dict | None = None, placements=None) -> Recognition:
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        clean, index = prepare_strokes(strokes)
        if not clean:
            return Recognition([], "", "", None, (time.perf_counter() - t0) * 1e3, timings)
        frame = self.frame(clean)
        keys = [stroke_key(s) for s in clean]  # both caches know strokes by these
        heat = None
        # Detection weighs the in-context windows too, so it needs the heatmap either way.
        if want_heatmap or detect.CONTEXT_WEIGHT:
            t = time.perf_counter()
            heat = self.heatmap(clean, frame, point_ink, keys)
            timings["heatmap"] = (time.perf_counter() - t) * 1e3
        t = time.perf_counter()
        symbols = self.detect(clean, index, frame, point_ink, heat, keys, constraints)
        timings["detect"] = (time.perf_counter() - t) * 1e3
        t = time.perf_counter()
        # Labels the user fixed, or their handwriting decided, stay; the rest may be re-read
        # with the structure they form (layout/joint.py).
        keep = {i for i, s in enumerate(symbols)
                if s.personal or (constraints or {}).get(tuple(sorted(s.strokes))) is not None}
        symbols, settled = self._same_glyphs(symbols, clean, index, frame, keys, point_ink, keep)
        rec = (self.jointly_laid_out(symbols, keep | settled, placements) if self.joint
               else self.relayout(symbols, placements))
        timings["layout"] = (time.perf_counter() - t) * 1e3
        rec.heatmap = heat if want_heatmap else None
        rec.ms = (time.perf_counter() - t0) * 1e3
        rec.timings = timings
        return rec

    def _same_glyphs(self, symbols: list[Symbol], clean, index, frame, keys, point_ink: bool,
                     keep: set[int]) -> tuple[list[Symbol], set[int]]:
        """The symbols with each look-alike settled by the writer's own surer glyph of the
        other reading, where the network reads the two crops alike (writer_glyphs.py), and the
        indices of those it relabelled (the joint choice keeps them). The crops' readings are
        the candidates' scores detection already holds: this costs no network call."""
        labels, alternatives = [s.label for s in symbols], [s.alternatives for s in symbols]
        if not self.use_glyphs or not writer_glyphs.may_settle(labels, alternatives):
            return symbols, set()
        at = {orig: i for i, orig in enumerate(index)}
        probs = np.zeros((len(symbols), len(self.classes)), np.float32)
        for i, s in enumerate(symbols):
            key = (frame.k, point_ink, tuple(keys[j] for j in sorted(at[k] for k in s.strokes if k in at)))
            if key in self._scores:   # else (evicted) it never looks like another
                probs[i] = self._scores[key]
        relabel = writer_glyphs.same_glyphs(labels, [s.score for s in symbols], alternatives,
                                            writer_glyphs.likeness_features(probs), keep)
        from .layout.joint import with_labels
        return with_labels(symbols, relabel), set(relabel)

    def evidence(self, clean: list[np.ndarray], frame: raster.Frame, point_ink: bool = False,
                 heat: Heatmap | None = None, keys: list[bytes] | None = None,
                 groups: list[tuple[int, ...]] | None = None, px: list[np.ndarray] | None = None):
        """Candidates, their probabilities rendered alone, and in context (None without a
        heatmap); with forced `groups` (indices into `clean`), also the writing order that
        `detect.segment` must follow (see `detect.constrained_candidates`), else None.
        `px`: the strokes in the frame's pixels, when the caller has them already."""
        px = [frame.to_pixels(s) for s in clean] if px is None else px
        boxes = stroke_boxes(px)
        order = None
        if groups:
            cands, order = detect.constrained_candidates(boxes, groups)
        else:
            cands = detect.candidates(boxes)
        keys = keys if keys is not None else [stroke_key(s) for s in clean]
        ckeys = [(frame.k, point_ink, tuple(keys[i] for i in c.strokes)) for c in cands]
        todo = [i for i, key in enumerate(ckeys) if key not in self._scores]
        if todo:
            fresh = detect.score_candidates(self.net, px, [cands[i] for i in todo], point_ink,
                                            directions=self.directions)
            for i, row in zip(todo, fresh):
                self._scores[ckeys[i]] = row
            while len(self._scores) > self._max_cached:
                self._scores.popitem(last=False)
        probs = np.stack([self._scores[key] for key in ckeys]) if ckeys else np.zeros((0, len(self.classes)))
        ctx = detect.context_probs(heat.probs, self.stride, self.window, cands) if heat is not None else None
        if groups:
            return cands, probs, ctx, order
        return cands, probs, ctx

    def detect(self, clean: list[np.ndarray], index: list[int], frame: raster.Frame,
               point_ink: bool = False, heat: Heatmap | None = None,
               keys: list[bytes] | None = None, constraints: dict | None = None) -> list[Symbol]:
        # Constraints name input strokes; detection counts the usable ones (`clean`).
        at = {orig: i for i, orig in enumerate(index)}
        forced: dict[tuple[int, ...], str | None] = {}
        for strokes, label in (constraints or {}).items():
            g = tuple(sorted(at[i] for i in strokes if i in at))
            if g:
                forced[g] = label
        order = None
        px = [frame.to_pixels(s) for s in clean]
        if forced:
            cands, probs, ctx, order = self.evidence(clean, frame, point_ink, heat, keys, list(forced), px)
        else:
            cands, probs, ctx = self.evidence(clean, frame, point_ink, heat, keys, px=px)
        feats = None   # the personal model's features, only of candidates it may re-read
        reread = None  # per candidate, the class the samples made its best in the evidence
        if self.personal is not None and self._features is not None and cands:
            keys = keys if keys is not None else [stroke_key(s) for s in clean]

            def features_of(mask):
                return self._candidate_features(cands, px, keys, frame, point_ink, mask, feats)
            need = self.personal.involved(probs[:, :-1].argmax(1), self.classes)
            if need.any():
                feats = features_of(need)
                if personal_model.ADJUST_EVIDENCE:
                    probs, ctx, reread = self._personal_evidence(probs, ctx, feats)
        weight = detect.CONTEXT_WEIGHT if ctx is not None else 0.0
        prior = detect.candidate_prior(cands, self.classes)
        if self.context is not None:
            cidx = {c.strokes: k for k, c in enumerate(cands)}
            fixed = {cidx[g]: self.classes.index(lab) for g, lab in forced.items()
                     if lab is not None and g in cidx}
            # Points from an image's ink components are no pen's path: the picture alone reads them.
            reading = decode.decode(self.context, cands, probs, ctx, prior, stroke_boxes(px), order, fixed,
                                    paths=None if point_ink else px)
            chosen = reading.chosen
            decided = dict(zip(chosen, reading.labels))
            # Alternatives are the decoder's: each symbol's classes re-read in its context.
            ranked = np.zeros((len(cands), len(self.classes) - 1))
            for k, row in zip(chosen, reading.scores):
                p = np.exp(row - row.max())
                ranked[k] = p / p.sum()
        else:
            # Alternatives are ranked by the same evidence as the choice, as probabilities.
            ranked = np.exp(detect.combined_scores(probs, ctx, weight, prior))
            ranked /= ranked.sum(1, keepdims=True)
            decided = {}
            chosen = detect.segment(len(clean), cands, probs, ctx, detect.SYMBOL_BONUS, weight, prior,
                                    order)
        symbols = []
        for k in chosen:
            c = cands[k]
            p = ranked[k]
            top = list(np.argsort(-p)[:5])
            if k in decided:  # the search's label, chosen with its neighbours' labels
                top = [decided[k]] + [t for t in top if t != decided[k]][:4]
            mine = False
            if (self.personal is not None and forced.get(c.strokes) is None
                    and self.personal.involved(np.array([int(np.argmax(p))]), self.classes)[0]):
                # The user's own samples have the last word on the label (not on the segmentation).
                if feats is None or not feats[k].any():
                    one = np.zeros(len(cands), bool)
                    one[k] = True
                    feats = features_of(one)
                q, changed = self.personal.adjust(np.append(p, 0.0)[None], feats[k:k + 1], self.classes)
                if changed[0]:
                    p = q[0][:-1]
                    best = int(np.argmax(p))
                    top = [best] + [t for t in np.argsort(-p)[:5] if t != best][:4]
                    mine = True
            # Or the samples already moved the evidence, and the decoder took their reading.
            mine = mine or (reread is not None and reread[k] is not None and reread[k] == top[0]
                            and forced.get(c.strokes) is None)
            label = forced.get(c.strokes)
            if label is not None:  # the user's reading first, the network's after it
                want = self.classes.index(label)
                top = [want] + [t for t in top if t != want][:4]
            pts = np.vstack([clean[i] for i in c.strokes])
            lo, hi = pts.min(0), pts.max(0)
            symbols.append(Symbol(
                label=self.classes[top[0]], score=float(p[top[0]]),
                box=(float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])),
                strokes=[index[i] for i in c.strokes],
                alternatives=[(self.classes[t], float(p[t])) for t in top],
                personal=mine))
        return symbols

    def _candidate_features(self, cands, px, keys, frame, point_ink, mask, feats=None) -> np.ndarray:
        """(N, D) the personal model's features of the candidates in `mask` (cached like their
        scores), added to `feats`; rows outside the mask stay zero (never similar to a sample)."""
        ckeys = {i: (frame.k, point_ink, tuple(keys[j] for j in cands[i].strokes))
                 for i in np.flatnonzero(mask)}
        todo = [i for i, key in ckeys.items() if key not in self._embedded]
        if todo:
            for i, row in zip(todo, self.embeddings(px, [cands[i].strokes for i in todo], point_ink)):
                self._embedded[ckeys[i]] = row
            while len(self._embedded) > self._max_cached // 5:   # 1 KB each, the scores' 0.4
                self._embedded.popitem(last=False)
        rows = {i: self._embedded[key] for i, key in ckeys.items()}
        if feats is None:
            feats = np.zeros((len(cands), len(next(iter(rows.values())))), np.float32)
        for i, row in rows.items():
            feats[i] = row
        return feats

    def _personal_evidence(self, probs, ctx, feats):
        """The candidates' evidence, alone and in context, as the user's samples read it; and
        per candidate the class the samples made its best (None where they changed nothing)."""
        new, changed = self.personal.adjust(probs, feats, self.classes)
        reread = [int(np.argmax(row[:-1])) if c else None for row, c in zip(new, changed)]
        if ctx is not None:
            # The heatmap's reading moves by the same factor: else it pulls the symbol back.
            ratio = new[:, :-1] / np.maximum(probs[:, :-1], 1e-12)
            sym = ctx[:, :-1] * ratio
            mass = ctx[:, :-1].sum(1, keepdims=True)
            ctx = ctx.copy()
            ctx[:, :-1] = sym / np.maximum(sym.sum(1, keepdims=True), 1e-12) * mass
        return new, ctx, reread

    def jointly_laid_out(self, symbols: list[Symbol], keep=frozenset(),
                         placements=None) -> Recognition:
        """The symbols laid out, a label re-read where the structure says so (layout/joint.py)."""
        from .layout.joint import assemble_joint
        expr, symbols = assemble_joint(symbols, keep, placements=placed(symbols, placements),
                                       marks=self.use_marks,
                                       **({} if self.use_row_context else {"lines": None}))
        return Recognition(list(symbols), expr.text, expr.latex, tree=expr.tree)

    def relayout(self, symbols: list[Symbol], placements=None) -> Recognition:
        """The symbols laid out as they are; `placements` as `recognize` takes them."""
        from .layout import assemble
        expr = assemble(symbols, placements=placed(symbols, placements))
        return Recognition(list(symbols), expr.text, expr.latex, tree=expr.tree)

    # -- images ----------------------------------------------------------------------------
    def recognize_image(self, image: np.ndarray, heatmap: bool = True) -> Recognition:
        """Dark ink on light paper; boxes come back in the image's pixel coordinates.

        Each connected component of ink is one 'stroke' (its pixels, rendered as
        a point cloud at the normalised scale), ordered left to right.
        """
        comps = ink_components(image)
        return self._recognize(comps, heatmap, point_ink=True)


def placed(symbols: list[Symbol], placements) -> dict[int, tuple[str, int | None]] | None:
    """The user's placements by stroke sets -> by symbol indices, for the layout: those whose
    symbol (and base, if named) is read with exactly those strokes."""
    if not placements:
        return None
    at = {tuple(sorted(s.strokes)): i for i, s in enumerate(symbols)}
    out = {}
    for strokes, (relation, base) in placements.items():
        i = at.get(tuple(sorted(strokes)))
        b = at.get(tuple(sorted(base))) if base is not None else None
        if i is not None and relation in ("right", "sup", "sub") and (base is None or b is not None):
            out[i] = (relation, b)
    return out or None


def stroke_boxes(px: list[np.ndarray]) -> np.ndarray:
    """(S, 4) each stroke's x1, y1, x2, y2 (strokes in the normalised frame's pixels)."""
    return np.array([[*p.min(0), *p.max(0)] for p in px]).reshape(-1, 4)


def constraints(groups, labels, classes: list[str]) -> dict[tuple[int, ...], str | None]:
    """The user's constraints as {stroke indices: forced class or None}, checked.

    Later entries win over earlier ones that share a stroke (a stroke belongs to one
    symbol); a label outside the class list raises InputError naming it.
    """
    out: dict[tuple[int, ...], str | None] = {}
    items = [(g, None) for g in (groups or [])] + list((labels or {}).items())
    for strokes, label in items:
        key = tuple(sorted({int(i) for i in strokes}))
        if not key:
            continue
        if label is not None and (label not in classes or label == BACKGROUND):
            raise InputError(f"unknown symbol class {label!r}")
        for other in [k for k in out if set(k) & set(key)]:
            del out[other]
        out[key] = label
    return out


def _feature_extractor(net):
    """A callable giving the classifier's last hidden layer (what its final 1x1 layer reads),
    or None when the network is not laid out as network.SymbolFCN.

    An eager copy of the network, not the TorchScript module: the script executor keeps a
    specialised graph for every batch size it meets, and candidate batches vary with each
    stroke, so memory grew with use (150+ MB over the 50 expressions of tests/gui_soak.py)."""
    from .network import SymbolFCN
    try:
        state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        shapes = [state[f"features.{i}.weight"].shape for i in (0, 4, 11)]
        n_classes = state["classifier.8.weight"].shape[0]
        fc = state["classifier.0.weight"].shape[0]
        eager = SymbolFCN(n_classes, (shapes[0][0], shapes[1][0], shapes[2][0]), fc=fc,
                          in_channels=shapes[0][1])
        eager.load_state_dict(state)
    except (KeyError, RuntimeError, IndexError, AttributeError):
        return None
    eager.eval()
    hidden = eager.classifier[:-1]

    def run(x):
        return hidden(eager.features(x))
    return run


def _optimized(net, channels: int, window: int):
    """Batch norm folded into the convolutions and oneDNN kernels: 2-4x faster on the CPU.
    Falls back to the module as loaded where a build lacks those passes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fast = torch.jit.optimize_for_inference(torch.jit.freeze(net))
            with torch.inference_mode():
                fast(torch.zeros(1, channels, window, window))
        return fast
    except Exception:  # noqa: BLE001 - an optimisation, never a reason to fail
        return net


def ink_components(image: np.ndarray) -> list[np.ndarray]:
    """The connected ink components of an image as (N, 2) pixel arrays, left to right."""
    img = np.asarray(image)
    if img.ndim == 3:
        img = cv2.cvtColor(img[..., :3].astype(np.uint8), cv2.COLOR_BGR2GRAY)
    if img.ndim != 2 or img.size == 0:
        raise InputError(f"not an image: array of shape {img.shape}")
    if img.size > MAX_IMAGE_PIXELS:
        raise InputError(f"image too large ({img.shape[1]}x{img.shape[0]} pixels; "
                         f"at most {MAX_IMAGE_PIXELS // 1_000_000} megapixels)")
    img = img.astype(np.uint8)
    blur = cv2.GaussianBlur(img, (3, 3), 0)
    _, ink = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if float(img.max()) - float(img.min()) < 32:
        return []  # a blank page: Otsu would invent ink out of noise
    if (ink > 0).mean() > 0.5:
        ink = 255 - ink  # light ink on dark paper
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    min_area = max(4, int(img.size * 2e-6))
    keep = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= min_area]
    if len(keep) > MAX_COMPONENTS:
        raise InputError(f"too many separate marks in the image ({len(keep)}); is it handwriting?")
    keep.sort(key=lambda i: (stats[i, cv2.CC_STAT_LEFT], stats[i, cv2.CC_STAT_TOP]))
    ys, xs = np.nonzero(labels)
    lab = labels[ys, xs]
    order = np.argsort(lab, kind="stable")
    ys, xs, lab = ys[order], xs[order], lab[order]
    starts = np.searchsorted(lab, np.arange(n + 1))
    return [np.stack([xs[starts[i]:starts[i + 1]], ys[starts[i]:starts[i + 1]]], 1).astype(np.float64)
            for i in keep]
