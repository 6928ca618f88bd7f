"""The learned relation between two symbols of one baseline region.

The layout's parser (parse.py) reads each region left to right; for each new
symbol it asks, for every open line: does it continue that line after the line's
last symbol ("right"), open a superscript or a subscript of it ("sup", "sub"),
or is it unrelated ("none")? `RelationModel` answers with probabilities from the
geometry of the pair and both classes; `layout` takes the most probable reading.

Features (`pair_features`), all lengths in the first symbol's x-height (its
class says how tall it is; clipped to 0.4–2 of the region's robust size `g`):
offsets of the edges, centres and centre lines, sizes, size ratios, overlaps, and
the one-hot class of each symbol (fractions and roots are classes of their own), and each
symbol against the writer's own letters in this expression (writer.py): its height to theirs
of its class, its baseline to their main line's.
The model is a small MLP trained by `python -m model train-relations`
(model/training/train_relations.py) and evaluated here in numpy, which costs a
few microseconds per symbol. A missing or unreadable model file gives a warning
and None: the layout then uses its hand-set thresholds.
"""
from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np

from ..classes import SYMBOLS
from ..mlp import Mlp, load_or_warn

CLASSES = ("none", "right", "sup", "sub")
VOCAB = list(SYMBOLS) + ["<frac>", "<sqrt>", "<other>"]
_VOCAB_INDEX = {c: i for i, c in enumerate(VOCAB)}
N_GEOMETRY = 49
N_FEATURES = N_GEOMETRY + 2 * len(VOCAB)
DEFAULT_PATH = Path(__file__).resolve().parents[3] / "resources" / "models" / "relations.npz"
_CLIP = 8.0


def vocab_index(u) -> int:
    if u.kind == "frac":
        return _VOCAB_INDEX["<frac>"]
    if u.kind == "sqrt":
        return _VOCAB_INDEX["<sqrt>"]
    return _VOCAB_INDEX.get(u.label, _VOCAB_INDEX["<other>"])


def _overlap(a1, a2, b1, b2) -> float:
    return max(0.0, min(a2, b2) - max(a1, b1)) / max(min(a2 - a1, b2 - b1), 1e-6)


def geometry(a, b, g: float, owner=None, line_rel: str | None = None,
             nxt=None) -> list[float]:
    """The N_GEOMETRY geometric features of the pair (see `pair_features`); callers
    make them finite and clip them (`_clean`)."""
    s = a.xh if a.xh else g
    s = min(max(s, 0.4 * g), 2.0 * g)
    eps = 1e-3 * g
    aw, ah, bw, bh = a.x2 - a.x1, a.y2 - a.y1, b.x2 - b.x1, b.y2 - b.y1
    acy, bcy = (a.y1 + a.y2) / 2, (b.y1 + b.y2) / 2
    try:
        geo = [
            (b.x1 - a.x2) / s, (b.x1 - a.x1) / s, ((b.x1 + b.x2) - (a.x1 + a.x2)) / (2 * s),
            (b.mid - a.mid) / s, (b.y1 - a.y1) / s, (b.y2 - a.y2) / s, (bcy - acy) / s,
            (b.y2 - a.y1) / s, (b.y1 - a.y2) / s,
            aw / s, ah / s, bw / s, bh / s,
            math.log((bh + eps) / (ah + eps)), math.log((bw + eps) / (aw + eps)),
            math.log(b.xh / a.xh) if (a.xh and b.xh) else 0.0, 1.0 if (a.xh and b.xh) else 0.0,
            _overlap(a.y1, a.y2, b.y1, b.y2), _overlap(a.x1, a.x2, b.x1, b.x2),
            math.log(s / g), (b.mid - a.mid) / g, (b.xh / g) if b.xh else 0.0,
        ] + _owner_features(a, b, g, owner, line_rel) + _next_features(a, b, s, owner, nxt) \
            + _writer_features(a, b)
    except (ValueError, ZeroDivisionError, OverflowError):  # degenerate boxes: no evidence
        geo = [0.0] * N_GEOMETRY
    return geo


def _clean(geo: np.ndarray) -> np.ndarray:
    geo = np.clip(geo, -_CLIP, _CLIP)  # ±inf become ±_CLIP
    geo[np.isnan(geo)] = 0.0
    return geo


def pair_features(a, b, g: float, owner=None, line_rel: str | None = None,
                  nxt=None) -> np.ndarray:
    """The features of the pair (a then b): a is a line's last unit, b the new one.
    a and b are layout units (label, kind, box x1 y1 x2 y2, centre line `mid`, x-height `xh`).
    When a's line is a script, `owner` is the unit it is a script of and `line_rel`
    "sup" or "sub": where b lies against the owner tells a return from the script
    (x^2 + : the + is level with x) from a continuation (x^{2n})."""
    out = np.zeros(N_FEATURES, np.float32)
    out[:N_GEOMETRY] = _clean(np.array(geometry(a, b, g, owner, line_rel, nxt), np.float64))
    out[N_GEOMETRY + vocab_index(a)] = 1.0
    out[N_GEOMETRY + len(VOCAB) + vocab_index(b)] = 1.0
    return out


def _owner_features(a, b, g, owner, line_rel) -> list[float]:
    if owner is None or line_rel not in ("sup", "sub"):
        return [1.0, 0.0, 0.0] + [0.0] * 8
    o = owner
    s = min(max(o.xh if o.xh else g, 0.4 * g), 2.0 * g)
    eps = 1e-3 * g
    return [0.0, float(line_rel == "sup"), float(line_rel == "sub"),
            (b.mid - o.mid) / s, (b.y1 - o.y1) / s, (b.y2 - o.y2) / s,
            ((b.y1 + b.y2) - (o.y1 + o.y2)) / (2 * s),
            math.log((b.y2 - b.y1 + eps) / (o.y2 - o.y1 + eps)), (b.x1 - o.x2) / s,
            math.log(b.xh / o.xh) if (b.xh and o.xh) else 0.0, (a.mid - o.mid) / s]


def _writer_features(a, b) -> list[float]:
    """Each unit against the writer's own letters in this expression (units.py, writer.py):
    its size to their size of its class, its baseline to their main line's. A subscript
    written only a little lower and smaller than the line is one for a writer whose other
    letters are larger."""
    both = a.wbase is not None and b.wbase is not None
    return [b.wsize if b.wsize is not None else 0.0, float(b.wsize is not None),
            a.wsize if a.wsize is not None else 0.0, float(a.wsize is not None),
            b.wbase if b.wbase is not None else 0.0, (b.wbase - a.wbase) if both else 0.0,
            float(both)]


def _next_features(a, b, s, owner, n) -> list[float]:
    """Where the unit after b (in reading order) lies: in \\pi_{t+1} the small, low 1
    after the + says the + is still in the subscript."""
    if n is None:
        return [1.0] + [0.0] * 8
    eps = 1e-3 * s
    return [0.0, (n.x1 - b.x2) / s, (n.mid - b.mid) / s, (n.y1 - b.y1) / s, (n.y2 - b.y2) / s,
            math.log((n.y2 - n.y1 + eps) / (b.y2 - b.y1 + eps)), (n.mid - a.mid) / s,
            math.log(n.xh / a.xh) if (n.xh and a.xh) else 0.0,
            (n.mid - owner.mid) / s if owner is not None else 0.0]


class RelationModel(Mlp):
    """The MLP's weights (numpy) and its metadata."""

    def __init__(self, weights: dict[str, np.ndarray], meta: dict):
        try:
            super().__init__(weights, meta, N_FEATURES, len(CLASSES))
        except ValueError:
            raise ValueError("relation model does not match the features of this version") from None
        self._fast = None

    def pair_probs(self, lines, u, g: float, nxt=None) -> np.ndarray:
        """Probabilities for `u` against each (last unit, line owner, line relation);
        `nxt` is the unit after `u` in reading order (None for the last).

        Same as `probs` of the stacked `pair_features`, without building the one-hot
        columns: their share of the first layer is a row of its weights."""
        if self._fast is None:
            w0, b0 = self.layers[0]
            n, v = N_GEOMETRY, len(VOCAB)
            oh = slice(n, None)
            self._fast = (self.mean[:n], self.std[:n], w0[:n],
                          w0[n:n + v] / self.std[n:n + v, None],
                          w0[n + v:] / self.std[n + v:, None],
                          b0 - (self.mean[oh] / self.std[oh]) @ w0[oh])
        mean, std, wg, wa, wb, c0 = self._fast
        geo = _clean(np.array([geometry(a, u, g, o, r, nxt) for a, o, r in lines]))
        geo = geo.astype(np.float32)
        ia = [vocab_index(a) for a, _, _ in lines]
        h = ((geo - mean) / std) @ wg + wa[ia] + wb[vocab_index(u)] + c0
        return self.rest(h)


def load(path: Path | str | None = None) -> RelationModel | None:
    """The relation model at `path` (default: the shipped one); None, with a
    warning, when it is missing or unusable."""
    return load_or_warn(RelationModel, Path(path) if path is not None else DEFAULT_PATH,
                        "relation model", "hand-set thresholds")


@functools.cache
def default_model() -> RelationModel | None:
    """The shipped model, loaded once (None when it cannot be)."""
    return load()
