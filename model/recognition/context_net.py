"""The learned context model: every candidate of an expression re-read with all the others.

The hand-made re-reader of decode.py weighs ten features a person chose. This model learns
what the neighbours say instead: a bidirectional GRU runs over the expression's candidates
in writing order, and for each candidate it gives a re-read class distribution and the
log-odds that the candidate is one whole symbol. The decoder's search (decode.search) then
chooses segmentation and labels with these scores in place of the hand-made ones.

Its inputs, per candidate (`candidate_inputs`): the network's full log-probability vector
alone and in context (the heatmap cell), the candidate's geometry against the expression's
reference height and against its first-reading neighbours, its strokes (how many, their
gaps and overlap), and where it sits in writing order. A model trained with `writer` inputs
(its json's "writer_inputs") also reads the writer (issue 40): for each of writer.CLASSES,
the candidate's height against the height this writer gives that class and its baseline
against the writer's line (writer_pairs.size_features, the frame read from the first
reading's other symbols), so that a c as tall as the writer's capitals can read as C. It was
trained on out-of-fold evidence (model/training/train_context.py): every training expression
read by a network that never saw it. A model trained with `path` inputs (its json's
"path_inputs") reads the pen's path as an input, not as a blend after it (issue 40): the path
model's class log-probabilities of the candidate (trajectory.py; in training, the fold path
model that never saw the file), and whether the ink had a path; decode.prepare then blends
the path no more.

A missing or unreadable model file gives a warning and None: the hand-made re-reader decides.
"""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import decode, detect, writer, writer_pairs

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "resources" / "models" / "context_net.pt"
POSITION_FEATURES = ("in the first reading", "first stroke / strokes", "last stroke / strokes",
                     "log strokes in the expression")
WRITER_FEATURES = ("the writer's frame is known",
                   *(f"{name} {c}" for c in writer.CLASSES
                     for name in ("log height / the writer's", "baseline offset (x-heights)")))
# The path model's log-probabilities are floored here: below it a class is simply not this one.
PATH_FLOOR = -12.0
# The size features are clipped where a ratio stops saying more (four times too tall is as
# much a capital as twice) so that a stray box cannot dominate the normalised inputs.
_REL_CLIP, _OFF_CLIP = 2.0, 3.0


def n_inputs(n_classes: int, writer_inputs: bool = False, path_inputs: bool = False) -> int:
    """Input width for a network of `n_classes` classes (background included)."""
    return (2 * n_classes + decode.N_GEOMETRY + len(decode.NEIGHBOUR_FEATURES) + decode.N_SEGMENT
            + len(POSITION_FEATURES) + (len(WRITER_FEATURES) if writer_inputs else 0)
            + (n_classes if path_inputs else 0))


def path_features(n: int, n_classes: int, path_lp: np.ndarray | None) -> np.ndarray:
    """(n, n_classes) the path model's log-probabilities of each candidate's symbol classes,
    floored at PATH_FLOOR, and a last column saying the ink had a path (zeros without one)."""
    out = np.zeros((n, n_classes))
    if path_lp is not None and n:
        out[:, :-1] = np.maximum(np.asarray(path_lp, np.float64).reshape(n, n_classes - 1), PATH_FLOOR)
        out[:, -1] = 1.0
    return out


def writer_features(cands: list[detect.Candidate], boxes: np.ndarray, first: list[int],
                    first_labels: list[str]) -> np.ndarray:
    """(N, len(WRITER_FEATURES)) each candidate against the writer's frame, read from the first
    reading (`first`, labelled `first_labels`) less the symbols it shares strokes with; zeros
    and an unknown flag where the expression holds too few sized symbols for a frame."""
    n = len(cands)
    out = np.zeros((n, len(WRITER_FEATURES)))
    if n == 0:
        return out
    sizes = writer_pairs.size_features(boxes, [c.strokes for c in cands], first, first_labels)
    known = np.isfinite(sizes).all(2)                                   # (N, classes)
    rel = np.clip(np.where(known, sizes[..., 0], 0.0), -_REL_CLIP, _REL_CLIP)
    off = np.clip(np.where(known, sizes[..., 1], 0.0), -_OFF_CLIP, _OFF_CLIP)
    out[:, 0] = known.any(1)
    out[:, 1::2] = rel
    out[:, 2::2] = off
    return out


def writing_order(cands: list[detect.Candidate], pos_of: dict[int, int] | None) -> np.ndarray:
    """Candidate indices sorted by their first, then last stroke in writing order."""
    firsts, lasts = decode.stroke_spans(cands, pos_of)
    key = [(a, b, len(c.strokes)) for a, b, c in zip(firsts, lasts, cands)]
    return np.array(sorted(range(len(cands)), key=key.__getitem__), dtype=np.int64)


def candidate_inputs(cands: list[detect.Candidate], probs: np.ndarray, ctx: np.ndarray | None,
                     stroke_boxes: np.ndarray, first: list[int],
                     pos_of: dict[int, int] | None, geo: np.ndarray | None = None,
                     classes: list[str] | None = None, path_inputs: bool = False,
                     path_lp: np.ndarray | None = None) -> np.ndarray:
    """(N, n_inputs) the model's inputs for each candidate (see the module); `first`: the
    first reading (decode.first_reading), which the neighbour geometry measures against;
    `geo`: decode.geometry_features against it, when the caller has them already; `classes`
    (the network's, background last): the writer inputs too, the first reading labelled by
    its best class in context; `path_inputs`: the path's too (`path_lp`: the path model's
    (N, C) log-probabilities of the symbol classes, None for ink without a path)."""
    n = len(probs)
    boxes = np.array([c.box_px for c in cands], dtype=np.float64).reshape(-1, 4)
    ref_boxes = boxes[first]
    if geo is None:
        geo = decode.geometry_features(boxes, [c.strokes for c in cands], ref_boxes,
                                       [cands[k].strokes for k in first])
    near = decode.neighbours(cands, first, pos_of)
    ngeo = decode.neighbour_geometry(boxes, near, ref_boxes)
    seg = decode.segment_features(cands, stroke_boxes, probs, ctx, decode.reference_height(ref_boxes), first)
    pos = np.zeros((n, len(POSITION_FEATURES)))
    pos[first, 0] = 1.0
    total = max(len(stroke_boxes), 1)
    firsts, lasts = decode.stroke_spans(cands, pos_of)
    pos[:, 1] = np.asarray(firsts, np.float64) / total
    pos[:, 2] = np.asarray(lasts, np.float64) / total
    pos[:, 3] = np.log(total)
    alone = np.log(probs.astype(np.float64) + 1e-6)
    inside = np.log(ctx.astype(np.float64) + 1e-6) if ctx is not None else alone
    parts = [alone, inside, geo, ngeo, seg, pos]
    if classes is not None:
        best = inside[first, :-1].argmax(1) if len(first) else np.zeros(0, np.int64)
        parts.append(writer_features(cands, boxes, first, [classes[k] for k in best]))
    if path_inputs:
        parts.append(path_features(n, probs.shape[1], path_lp))
    return np.hstack(parts).astype(np.float32)


def ensemble(members, n_symbols: int) -> torch.nn.Module:
    """One network averaging `members` (context networks of the same inputs, trained apart):
    (B, N, n_symbols + 1) like each, the class logits the log of the members' mean
    probabilities, the whole-symbol log-odds their mean. Networks trained on different fold
    evidence are sure together only where each is."""
    if not members:
        raise ValueError("an ensemble needs at least one member")

    class ContextEnsemble(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.members = torch.nn.ModuleList(members)
            self.n_symbols = n_symbols
            self.k = float(len(members))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            probs = []
            odds = []
            for m in self.members:
                out = m(x)
                probs.append(torch.softmax(out[..., :self.n_symbols], -1))
                odds.append(out[..., self.n_symbols:])
            mean = torch.stack(probs).sum(0) / self.k
            return torch.cat([torch.log(mean.clamp_min(1e-30)), torch.stack(odds).sum(0) / self.k], -1)

    return ContextEnsemble()


@dataclass
class ContextNet:
    net: torch.jit.ScriptModule
    classes: list[str]
    meta: dict
    weights: decode.DecoderWeights | None = None

    @property
    def writer_inputs(self) -> bool:
        return bool(self.meta.get("writer_inputs"))

    @property
    def path_inputs(self) -> bool:
        return bool(self.meta.get("path_inputs"))

    def scores(self, cands, probs, ctx, stroke_boxes, first, pos_of, geo=None, path_lp=None):
        """read() of the candidates' own inputs (candidate_inputs), for decode.prepare;
        `path_lp` as candidate_inputs takes it (read only by a model with path inputs)."""
        x = candidate_inputs(cands, probs, ctx, stroke_boxes, first, pos_of, geo,
                             self.classes if self.writer_inputs else None, self.path_inputs, path_lp)
        return self.read(x, writing_order(cands, pos_of))

    def read(self, x: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, C) re-read class log-probabilities and (N,) whole-symbol log-odds of the
        candidates whose inputs are `x`, run over them in `order`."""
        n_sym = len(self.classes) - 1
        if len(x) == 0:
            return np.zeros((0, n_sym)), np.zeros(0)
        with torch.inference_mode():
            out = self.net(torch.from_numpy(x[order])[None])[0].double().numpy()
        back = np.empty_like(out)
        back[order] = out
        z = back[:, :n_sym]
        z = z - z.max(1, keepdims=True)
        return z - np.log(np.exp(z).sum(1, keepdims=True)), back[:, n_sym]


def load(path: Path | None = None, classes: list[str] | None = None,
         network: Path | None = None) -> ContextNet | None:
    """The shipped context model, or None (with a warning) when it is missing, unreadable,
    made for another class list or trained on another network's evidence than `network`."""
    path = Path(path) if path else DEFAULT_PATH
    try:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        if not path.is_file():
            raise FileNotFoundError(path)
        with warnings.catch_warnings():
            # TorchScript is the shipped format; its deprecation notice is not the user's concern.
            warnings.simplefilter("ignore", DeprecationWarning)
            net = torch.jit.load(str(path), map_location="cpu").eval()
        names = list(meta["classes"])
        weights = decode.DecoderWeights(**meta["weights"])  # the search's, tuned beside it
        # Probed as it will run (read): TorchScript specialises its graph on the first calls.
        with torch.inference_mode():
            probe = net(torch.zeros(1, 2, n_inputs(len(names), bool(meta.get("writer_inputs")),
                                                   bool(meta.get("path_inputs")))))
        if tuple(probe.shape) != (1, 2, len(names)):
            raise ValueError(f"it gives {tuple(probe.shape)} on two candidates")
    except FileNotFoundError:
        warnings.warn(f"context model {path} not found: the hand-made re-reader decides", stacklevel=2)
        return None
    except Exception as e:  # torch raises many types for a corrupt archive
        first = str(e).splitlines()[0] if str(e) else ""
        warnings.warn(f"context model {path} is unreadable ({type(e).__name__}: {first}): "
                      "the hand-made re-reader decides", stacklevel=2)
        return None
    if classes is not None and names != list(classes):
        warnings.warn(f"context model {path} was made for another class list: not used", stacklevel=2)
        return None
    want = meta.get("network_sha256")
    if network is not None and want and decode.file_digest(network) != want:
        warnings.warn(f"context model {path} was trained for another network than {network}: not used",
                      stacklevel=2)
        return None
    return ContextNet(net, names, meta, weights)
