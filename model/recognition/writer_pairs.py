"""The look-alike pairs settled by the writer: c or C, x or X, z or 2, × or x, 1 or a comma.

The same strokes at two sizes are c and C; which one a writer meant shows against their own
letters in the same expression, not against a global prior: a `c` as tall as their digits and
capitals and reaching from their baseline to their cap height is a `C`. This model re-weighs
the classes of the look-alike pairs of every candidate the decoder weighs, from:

* the writer's frame (writer.frame, read from the first reading's other symbols, the
  candidate's own strokes left out): its height against the writer's small letters, digits,
  capitals and x-height, how far its top rises above their baseline and its bottom falls below;
* the neighbours in writing order: whether the symbol before and after it are digits, small
  letters, capitals or other symbols (× between two numbers, 2 after digits), and where they sit
  (decode.neighbour_geometry);
* the writer's other glyphs: whether another symbol of the expression is read as the class, and
  how alike the candidate's picture evidence and that symbol's are (the writer's own 2 beside
  their z).

A conditional logit with the decoder's evidence as its offset (`delta`): a weight per feature
and per class of the pairs (other classes get nothing), fitted by maximum likelihood on the
symbol network's held-out writers of train/, read by the shipped network and path model, which
never trained on them (model/training/train_writer_pairs.py). Its output is added to each
candidate's class scores and renormalised to the candidate's mass, so it relabels and never
splits or merges (decode.prepare). resources/models/writer_pairs.npz + .json hold it; a
missing, unreadable or mismatched file gives a warning and None: the decoder reads as before.
"""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import writer

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "resources" / "models" / "writer_pairs.npz"
# The classes the model may move mass between (issue 40's pairs, both members).
PAIR_LABELS = ("c", "C", "x", "X", "s", "S", "p", "P", "y", "Y", "v", "V", "z", "2", "\\times",
               "1", ",", "\\prime", "|", "9", "g", "q", "o", "0", "n", "m", "5")
_REPRESENTATIVE = {"small": "a", "digit": "0", "capital": "A", "ascender": "b", "descender": "g",
                   "both": "f"}
FEATURES = ("the class has a size class", "log height / the writer's height for the class",
            "its square", "baseline offset from the writer's line (x-heights)", "its square",
            "height times offset", "another symbol is read as the class",
            "picture likeness to it (Hellinger)")
N_FEATURES = len(FEATURES)
# The features weigh differently by the part a class plays in the pairs: the capital of a case
# pair (as tall as the writer's capitals), its small letter, z and 2, the rest. Shared within a
# role: the held-out writers write few capitals (about 170), too few for weights of each class.
ROLES = ("other", "capital of a case pair", "small letter of a case pair", "z", "2")
_CASE = ("c", "x", "s", "p", "v", "y")


def roles(classes: list[str]) -> np.ndarray:
    """(C,) each symbol class's ROLES index."""
    def role(lab):
        if lab in _CASE:
            return 2
        if lab.lower() in _CASE and lab.isupper():
            return 1
        return {"z": 3, "2": 4}.get(lab, 0)
    return np.array([role(lab) for lab in classes[:-1]], dtype=np.int64)


def size_classes(classes: list[str]) -> np.ndarray:
    """(C,) each symbol class's writer.CLASSES index, -1 for classes without one."""
    return np.array([writer.CLASSES.index(c) if (c := writer.size_class(lab)) else -1
                     for lab in classes[:-1]], dtype=np.int64)


# Each size class's height in x-heights, as writer.implied_x_height reads it.
_RATIO = {c: 1.0 / writer.implied_x_height(_REPRESENTATIVE[c], 1.0) for c in writer.CLASSES}


def size_features(cand_boxes: np.ndarray, cand_strokes: list[tuple[int, ...]], first: list[int],
                  first_labels: list[str]) -> np.ndarray:
    """(N, len(writer.CLASSES), 2): for each candidate and size class, log(its height / the
    height this writer gives the class) and its baseline's offset from the writer's line
    (x-heights), the frame read from the first reading's symbols that share no stroke with
    it (writer.frames: one pass for all candidates); NaN without a frame."""
    n = len(cand_boxes)
    out = np.full((n, len(writer.CLASSES), 2), np.nan)
    owner: dict[int, int] = {}
    for j, k in enumerate(first):
        for s in cand_strokes[k]:
            owner[s] = j
    symbols = [(lab, tuple(cand_boxes[k])) for lab, k in zip(first_labels, first)]
    # A candidate's group: the first reading's symbols it shares strokes with (left out of its frame).
    by_skip: dict[tuple[int, ...], int] = {}
    group = np.array([by_skip.setdefault(tuple(sorted({owner[s] for s in strokes if s in owner})),
                                         len(by_skip)) for strokes in cand_strokes[:n]], np.int64)
    frames = writer.frames(symbols, by_skip)
    have = np.array([fr is not None for fr in frames], bool)
    if not have.any():
        return out
    # Each frame's fields, a row per candidate (the frame of its group).
    want = np.array([[fr.class_height(c) for c in writer.CLASSES] if fr else [1.0] * len(writer.CLASSES)
                     for fr in frames])[group]
    line = np.array([(fr.baseline, fr.slope, fr.x0, fr.x_height) if fr else (0.0, 0.0, 0.0, 1.0)
                     for fr in frames])[group]
    b = np.asarray(cand_boxes, np.float64).reshape(n, 4)
    h = b[:, 3, None] - b[:, 1, None]
    cx = (b[:, 0] + b[:, 2]) / 2
    # writer.relative_size and writer.baseline_offset for every candidate and size class at once
    # (the same arithmetic; called one by one they cost more than the rest of the decoder).
    ratio = np.array([_RATIO[c] for c in writer.CLASSES])
    from_top = np.array([writer._BASE_FROM_TOP[c] for c in writer.CLASSES])
    ok = have[group][:, None] & (h > 0) & (want > 0)
    with np.errstate(all="ignore"):
        rel = np.log(h / want)
        own = b[:, 1, None] + from_top[None] * h / ratio[None]
        off = (own - (line[:, 0] + line[:, 1] * (cx - line[:, 2]))[:, None]) / line[:, 3, None]
    out[:, :, 0] = np.where(ok, rel, np.nan)
    out[:, :, 1] = np.where(ok, off, np.nan)
    return out


def features(sizes: np.ndarray, class_size: np.ndarray, probs: np.ndarray,
             cand_strokes: list[tuple[int, ...]], first: list[int], first_cls: np.ndarray) -> np.ndarray:
    """(N, C, N_FEATURES) FEATURES of each candidate and class: `sizes` from size_features,
    `class_size` from size_classes; the writer's other glyphs are the first reading's
    (`first`, read as `first_cls`) that share no stroke with the candidate, their likeness the
    Hellinger affinity of the picture evidence (`probs`, rendered alone)."""
    n, c = len(probs), len(class_size)
    x = np.zeros((n, c, N_FEATURES))
    if n == 0:
        return x
    has = class_size >= 0
    rel = np.clip(sizes[:, class_size[has], 0], -2, 2)
    off = np.clip(sizes[:, class_size[has], 1], -3, 3)
    known = np.isfinite(rel) & np.isfinite(off)
    rel, off = np.where(known, rel, 0.0), np.where(known, off, 0.0)
    x[:, has, 0] = known
    x[:, has, 1] = rel
    x[:, has, 2] = rel * rel
    x[:, has, 3] = off
    x[:, has, 4] = off * off
    x[:, has, 5] = rel * off
    if not len(first):
        return x
    root = np.sqrt(np.maximum(probs[:, :-1].astype(np.float64), 0))
    aff = root @ root[first].T                                          # (N, M)
    n_strokes = 1 + max((max(s) for s in cand_strokes if s), default=0)
    inc = np.zeros((n, n_strokes), bool)
    for i, s in enumerate(cand_strokes):
        inc[i, list(s)] = True
    aff[(inc.astype(np.int32) @ inc[first].T.astype(np.int32)) > 0] = -1.0
    for cls in np.unique(first_cls):
        best = aff[:, first_cls == cls].max(1)
        mine = best >= 0
        x[mine, cls, 6] = 1.0
        x[mine, cls, 7] = best[mine]
    return x


@dataclass
class WriterPairs:
    classes: list[str]             # the network's classes, background last
    cls_index: np.ndarray          # (P,) the pair classes' indices: a bias of their own
    weights: np.ndarray            # (len(ROLES), N_FEATURES) shared by the classes of a role
    bias: np.ndarray               # (P,)
    weight: float                  # the tuned weight of the delta in the decoder
    meta: dict

    def __post_init__(self):
        self.class_size = size_classes(self.classes)
        self.role = roles(self.classes)

    def delta(self, x: np.ndarray) -> np.ndarray:
        """(N, C) what the writer adds to each candidate's class scores."""
        out = np.einsum("ncf,cf->nc", x, self.weights[self.role])
        out[:, self.cls_index] += self.bias[None]
        return out

    def save(self, path: Path) -> None:
        path = Path(path)
        np.savez_compressed(path, cls_index=self.cls_index, weights=self.weights.astype(np.float32),
                            bias=self.bias.astype(np.float32))
        meta = dict(self.meta, classes=self.classes, weight=self.weight, features=list(FEATURES),
                    roles=list(ROLES))
        path.with_suffix(".json").write_text(json.dumps(meta, indent=1), encoding="utf-8")


def pair_index(classes: list[str]) -> np.ndarray:
    at = {c: i for i, c in enumerate(classes)}
    return np.array([at[c] for c in PAIR_LABELS if c in at], dtype=np.int64)


def load(path: Path | None = None, classes: list[str] | None = None) -> WriterPairs | None:
    """The shipped model, or None (with a warning) when it is missing, unreadable or made for
    another class list or other features."""
    path = Path(path) if path else DEFAULT_PATH
    try:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        with np.load(path) as z:
            arrays = {k: z[k] for k in ("cls_index", "weights", "bias")}
        p = len(arrays["cls_index"])
        if (list(meta["features"]) != list(FEATURES) or list(meta["roles"]) != list(ROLES)
                or arrays["weights"].shape != (len(ROLES), N_FEATURES)
                or arrays["bias"].shape != (p,)):
            raise ValueError("its arrays or features do not match this code")
        model = WriterPairs(list(meta["classes"]), arrays["cls_index"].astype(np.int64),
                            arrays["weights"].astype(np.float64), arrays["bias"].astype(np.float64),
                            float(meta["weight"]), meta)
        if model.cls_index.max(initial=0) >= len(model.classes) - 1:
            raise ValueError("a class index beyond its class list")
    except FileNotFoundError:
        warnings.warn(f"writer model {path} not found: the pairs are read without the writer", stacklevel=2)
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        warnings.warn(f"writer model {path} is unreadable ({e}): the pairs are read without the writer",
                      stacklevel=2)
        return None
    if classes is not None and list(classes) != model.classes:
        warnings.warn(f"writer model {path} was made for another class list: not used", stacklevel=2)
        return None
    return model
