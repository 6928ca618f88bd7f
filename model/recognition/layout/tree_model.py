"""A model of whole readings: every symbol's parent and relation, given all the symbols at once.

The parser (parse.py) decides one symbol at a time from pairwise scores, so a reading is
never compared with another as a whole. This model reads the expression's symbols together
(their classes and boxes, through a small transformer encoder) and gives, for each symbol,
a distribution over where it hangs in the symbol layout tree: after another symbol on its
line ("right"), opening that symbol's superscript or subscript, as its numerator or
denominator (a fraction bar's "above" / "below", a \\sum's limits), inside or as the index of
a radical, or as the first symbol of the expression ("root"). A tree's log-probability is the
sum over its symbols; `formula_lm.choose_scored` adds it, weighted, to the parser's and the
formula model's scores of each close reading, so the reading chosen is the one the whole
expression supports: `a_{i+1}` against `a_i + 1` is settled by the `1` written small and low
after the `+`, not by the `+` alone.

Trained on the truth trees of train/ (+ train-extra/) by `python -m model train-layout-tree`
(model/training/train_layout_tree.py); shipped as TorchScript
(resources/models/layout_tree.pt) with its metadata (layout_tree.json: classes, features,
the settings of the choice, the figures reached). A missing, unreadable or mismatched model
gives a warning and None: the readings are then chosen without it.
"""
from __future__ import annotations

import functools
import json
import warnings
from collections import OrderedDict
from pathlib import Path

import numpy as np

from ..notation.canonical import LIMIT_OPERATORS
from .relations import VOCAB, _VOCAB_INDEX
from .units import make_units

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "resources" / "models" / "layout_tree.pt"
RELATIONS = ("right", "sup", "sub", "above", "below", "inside", "index")
_REL_INDEX = {r: i for i, r in enumerate(RELATIONS)}
_PART_RELATION = {"num": "above", "den": "below", "arg": "inside", "index": "index"}
N_SYMBOL_FEATURES = 11
N_SYMBOL_FEATURES_BEFORE_WRITER = 8  # a model trained before the writer's frame reads these
N_PAIR_FEATURES = 12
# Beyond this many symbols the (quadratic) model is not asked: the readings are chosen without it.
MAX_SYMBOLS = 80


def encode(symbols) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(class index per symbol, (N, 11) features per symbol, (N, N, 12) features per pair
    (child i, parent j)); lengths in the expression's robust size (units.make_units). The
    last 3 of a symbol's: its size against the writer's own of its class, its baseline
    against the writer's main line (writer.py), and whether it has them."""
    units, g = make_units(symbols)
    n = len(units)
    b = np.array([(u.x1, u.y1, u.x2, u.y2) for u in units], np.float64).reshape(n, 4)
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    mid = np.array([u.mid if u.mid is not None else c for u, c in zip(units, cy)], np.float64)
    x0 = b[:, 0].min() if n else 0.0
    ym = float(np.median(cy)) if n else 0.0
    w, h = (b[:, 2] - b[:, 0]) / g, (b[:, 3] - b[:, 1]) / g
    # Reading order, as a share of the expression: where a symbol stands among the others.
    rank = np.argsort(np.argsort(cx + 1e-6 * b[:, 1], kind="stable"), kind="stable") / max(n - 1, 1)
    wsize = np.array([u.wsize if u.wsize is not None else 0.0 for u in units], np.float64)
    wbase = np.array([u.wbase if u.wbase is not None else 0.0 for u in units], np.float64)
    has = np.array([float(u.wsize is not None and u.wbase is not None) for u in units])
    one = np.stack([(b[:, 0] - x0) / g / 10, (cy - ym) / g, np.log(w + 0.05), np.log(h + 0.05),
                    (mid - ym) / g, rank, (b[:, 1] - ym) / g, (b[:, 3] - ym) / g,
                    wsize.reshape(n), np.clip(wbase, -8, 8).reshape(n), has.reshape(n)], 1)

    def d(a, c):
        return np.clip((a[:, None] - c[None, :]) / g, -8, 8)
    pair = np.stack([d(b[:, 0], b[:, 2]), d(b[:, 0], b[:, 0]), d(cx, cx), d(b[:, 1], b[:, 1]),
                     d(b[:, 3], b[:, 3]), d(cy, cy), d(mid, mid),
                     np.log((w[:, None] + .05) / (w[None, :] + .05)),
                     np.log((h[:, None] + .05) / (h[None, :] + .05)),
                     np.clip(rank[:, None] - rank[None, :], -1, 1) * 5,
                     d(b[:, 2], b[:, 2]), d(b[:, 1], b[:, 3])], -1)
    cls = np.array([_VOCAB_INDEX.get(u.label, _VOCAB_INDEX["<other>"]) for u in units], np.int64)
    # Boxes of any size stay finite: a degenerate box must not make the scores NaN.
    one = np.clip(np.nan_to_num(one, nan=0.0, posinf=8.0, neginf=-8.0), -1e4, 1e4)
    pair = np.nan_to_num(pair, nan=0.0, posinf=8.0, neginf=-8.0)
    return cls, one.astype(np.float32), pair.astype(np.float32)


def edges(tree) -> list[tuple[int, int, str]]:
    """(parent symbol, child symbol, relation) of every link of a layout tree: each symbol
    after the one before it on its line ("right"), the first symbol of each script, part and
    limit under its owner (a fraction's bar, a root's radical)."""
    out = []
    pending = [list(tree)]
    while pending:
        row = pending.pop()
        for prev, node in zip(row, row[1:]):
            out.append((prev.symbol, node.symbol, "right"))
        for node in row:
            for name, sub in node.rels.items():
                if sub:
                    out.append((node.symbol, sub[0].symbol, _PART_RELATION.get(name, name)))
                    pending.append(list(sub))
    return out


def targets(tree, n: int) -> np.ndarray:
    """Each symbol's place in the tree as the model's output index: parent x 7 + relation,
    or n x 7 for the first symbol of the expression (the root). The limits of a \\sum, \\int
    or \\lim are its scripts, whether written under it or beside it: the truth trees the model
    learnt from call them so (notation/canonical.py), where the parser's say "below"/"above"."""
    out = np.full(n, n * len(RELATIONS), np.int64)
    limits = _limit_operators(tree)
    for p, c, r in edges(tree):
        if (p is not None and c is not None and 0 <= p < n and 0 <= c < n
                and r in _REL_INDEX and p != c):
            if p in limits:
                r = _LIMIT_AS_SCRIPT.get(r, r)
            out[c] = p * len(RELATIONS) + _REL_INDEX[r]
    return out


_LIMIT_AS_SCRIPT = {"below": "sub", "above": "sup"}


def _limit_operators(tree) -> set[int]:
    """The symbols of a tree that are \\sum, \\int or \\lim."""
    out, pending = set(), [list(tree)]
    while pending:
        for node in pending.pop():
            if node.label in LIMIT_OPERATORS and node.symbol is not None:
                out.add(node.symbol)
            pending.extend(list(v) for v in node.rels.values())
    return out


def network(width: int = 96, layers: int = 3, dropout: float = 0.25):
    """The model's network (torch): symbols -> encoder -> a score for each (child, parent,
    relation) and each child as the root."""
    import torch
    from torch import nn

    class TreeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.classes = nn.Embedding(len(VOCAB), width)
            self.geometry = nn.Sequential(nn.Linear(N_SYMBOL_FEATURES, width), nn.ReLU(),
                                          nn.Linear(width, width))
            self.encoder = nn.TransformerEncoder(
                nn.TransformerEncoderLayer(width, 4, 2 * width, dropout, batch_first=True),
                layers, enable_nested_tensor=False)
            self.child = nn.Linear(width, width)
            self.parent = nn.Linear(width, width)
            self.pair = nn.Linear(N_PAIR_FEATURES, width)
            self.head = nn.Sequential(nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                                      nn.Linear(width, len(RELATIONS)))
            self.root = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))
            self.n_relations = len(RELATIONS)

        def forward(self, cls: torch.Tensor, one: torch.Tensor, pair: torch.Tensor,
                    pad: torch.Tensor) -> torch.Tensor:
            """(B, N, N*7 + 1) log-probabilities; `pad` is True where a row is padding."""
            h = self.encoder(self.classes(cls) + self.geometry(one), src_key_padding_mask=pad)
            b, n = h.shape[0], h.shape[1]
            z = self.child(h)[:, :, None, :] + self.parent(h)[:, None, :, :] + self.pair(pair)
            s = self.head(z)
            own = torch.eye(n, dtype=torch.bool, device=h.device)[None, :, :, None]
            s = s.masked_fill(own | pad[:, None, :, None], -1e4)
            s = torch.cat([s.reshape(b, n, n * self.n_relations), self.root(h)], -1)
            return torch.log_softmax(s, -1)

    return TreeNet()


def ensemble(members):
    """One network (torch) that averages the probabilities of `members` (networks of the same
    inputs and outputs, e.g. the same model trained from several seeds): (B, N, N*7 + 1)
    log-probabilities, like each member's. Seeds disagree most where a single network is
    overconfident, so their mean is surer only where they agree."""
    import math

    import torch
    from torch import nn
    if not members:
        raise ValueError("an ensemble needs at least one member")

    class TreeEnsemble(nn.Module):
        def __init__(self):
            super().__init__()
            self.members = nn.ModuleList(members)
            self.log_k = math.log(len(members))

        def forward(self, cls: torch.Tensor, one: torch.Tensor, pair: torch.Tensor,
                    pad: torch.Tensor) -> torch.Tensor:
            outs = [m(cls, one, pair, pad) for m in self.members]
            return torch.logsumexp(torch.stack(outs), 0) - self.log_k

    return TreeEnsemble()


class TreeModel:
    """The TorchScript network and its metadata; `logprobs` of trees over the same symbols."""

    def __init__(self, net, meta: dict):
        if list(meta.get("vocab", [])) != list(VOCAB) or tuple(meta.get("relations", ())) != RELATIONS:
            raise ValueError("layout tree model does not match the classes of this version")
        self.net = net
        self.meta = meta
        # The symbol features the network was trained on: the first ones of `encode`'s.
        self.n_symbol = symbol_features(meta)
        self._last: OrderedDict = OrderedDict()  # the scores of the last few symbol lists

    def _scores(self, symbols) -> np.ndarray:
        key = tuple((s.label, tuple(float(v) for v in s.box)) for s in symbols)
        hit = self._last.get(key)
        if hit is not None:
            return hit
        cls, one, pair = encode(symbols)
        out = _run(self.net, cls, np.ascontiguousarray(one[:, :self.n_symbol]), pair)
        self._last[key] = out
        if len(self._last) > 8:
            self._last.popitem(last=False)
        return out

    def logprobs(self, symbols, trees) -> list[float] | None:
        """Each tree's log-probability under the model; None where the model is not asked
        (fewer than two symbols: every reading is the same; more than MAX_SYMBOLS)."""
        n = len(symbols)
        if n < 2 or n > MAX_SYMBOLS:
            return None
        out = self._scores(symbols)
        rows = np.arange(n)
        return [float(out[rows, targets(t, n)].sum()) for t in trees]


def symbol_features(meta: dict) -> int:
    """How many of `encode`'s symbol features a model's metadata says it reads."""
    n = int((meta.get("features") or {}).get("symbol", N_SYMBOL_FEATURES_BEFORE_WRITER))
    if not 0 < n <= N_SYMBOL_FEATURES:
        raise ValueError(f"{n} symbol features, this version has {N_SYMBOL_FEATURES}")
    return n


def _run(net, cls: np.ndarray, one: np.ndarray, pair: np.ndarray) -> np.ndarray:
    """(N, N*7 + 1) log-probabilities of one expression's symbols."""
    import torch
    # TorchScript's optimising executor re-specialises its graph on the first calls and on
    # new sizes, for 100-250 ms each: a stall in the app. Unoptimised, a call costs the same
    # (about 1.5 ms for 20 symbols) from the first.
    with torch.inference_mode(), torch.jit.optimized_execution(False):
        return net(torch.from_numpy(cls)[None], torch.from_numpy(one)[None],
                   torch.from_numpy(pair)[None], torch.zeros(1, len(cls), dtype=torch.bool))[0].numpy()


def load(path: Path | str | None = None) -> TreeModel | None:
    """The model at `path` (default: the shipped one) with its metadata beside it (.json);
    None, with a warning, when either is missing, unreadable or does not match."""
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        import torch
        meta = json.loads(path.with_suffix(".json").read_text())
        with warnings.catch_warnings():
            # TorchScript is the shipped format; its deprecation notice is not the user's concern.
            warnings.simplefilter("ignore", DeprecationWarning)
            net = torch.jit.load(str(path), map_location="cpu").eval()
        model = TreeModel(net, meta)
        # Probed as it will run: three symbols in a row give one score per place of each.
        n = 3
        probe = _run(net, np.zeros(n, np.int64), np.zeros((n, model.n_symbol), np.float32),
                     np.zeros((n, n, N_PAIR_FEATURES), np.float32))
        if probe.shape != (n, n * len(RELATIONS) + 1):
            raise ValueError(f"it gives {probe.shape} on {n} symbols")
        return model
    except Exception as e:  # any unusable file means: choose without it, never crash
        warnings.warn(f"layout tree model {path} not usable ({e}); the readings are chosen "
                      "without it", RuntimeWarning, stacklevel=2)
        return None


@functools.cache
def default_model() -> TreeModel | None:
    return load()
