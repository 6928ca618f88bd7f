"""A tree-shaped language model of formulas: each symbol given the line it is on and what precedes it.

A layout tree is read as lines: the main line, each script line, numerator, denominator,
radicand, root index and limit. Each line is a sequence of tokens (a symbol's label; a
fraction and a root are `<frac>` and `<sqrt>`) that starts after `^` + the token that owns
the line (`^x` for the superscript of an x, `^<frac>` for a numerator, `^` for the main
line) and ends with `</>`. The model gives P(token | line kind, previous token), backed off
to P(token | line kind) and to the unigram, with Witten-Bell-style weights. So `x_{t+1}`
scores the `+` after `t` in a subscript, and `t` ending the subscript, against the `+` after
a subscript on the main line: the structure's plausibility as formulas are written.

Counted from the truth of train/ (+ train-extra/) by `python -m model train-formula-lm`
(model/training/train_formula_lm.py); stored as JSON counts (resources/models/formula_lm.json).
"""
from __future__ import annotations

import functools
import json
import math
from collections import Counter
from pathlib import Path

from .proposals import NEXT_GAP

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "resources" / "models" / "formula_lm.json"
END = "</>"
_KIND = {"above": "sup", "below": "sub"}  # limits written over / under: as canonical.py reads them


def token(node) -> str:
    if node.kind == "frac":
        return "<frac>"
    if node.kind == "sqrt":
        return "<sqrt>"
    return node.label


def events(tree) -> list[tuple[str, str, str]]:
    """(line kind, previous token, token) of every token and line end of a layout tree."""
    out = []
    pending = [("main", "^", list(tree))]
    while pending:
        kind, prev, row = pending.pop()
        for n in row:
            t = token(n)
            out.append((kind, prev, t))
            prev = t
            for rel, sub in n.rels.items():
                if sub:
                    pending.append((_KIND.get(rel, rel), "^" + t, list(sub)))
        out.append((kind, prev, END))
    return out


class FormulaLM:
    """Counts of (kind, previous, token), (kind, token) and tokens; `logprob` of a tree."""

    def __init__(self, counts: dict):
        self.tri = {tuple(k.split("\t")): Counter(v) for k, v in counts["context"].items()}
        self.kind = {k: Counter(v) for k, v in counts["kind"].items()}
        self.uni = Counter(counts["unigram"])
        self.n_uni = sum(self.uni.values())
        self.vocab = max(len(self.uni), 1)
        self.meta = counts.get("meta", {})
        self._tri_n = {k: (sum(c.values()), len(c)) for k, c in self.tri.items()}
        self._kind_n = {k: (sum(c.values()), len(c)) for k, c in self.kind.items()}

    @classmethod
    def count(cls, trees, meta: dict | None = None) -> "FormulaLM":
        tri: dict[str, Counter] = {}
        kind: dict[str, Counter] = {}
        uni: Counter = Counter()
        for tree in trees:
            for k, prev, t in events(tree):
                tri.setdefault(f"{k}\t{prev}", Counter())[t] += 1
                kind.setdefault(k, Counter())[t] += 1
                uni[t] += 1
        return cls({"context": tri, "kind": kind, "unigram": uni, "meta": meta or {}})

    def to_json(self) -> dict:
        return {"context": {"\t".join(k): dict(v) for k, v in self.tri.items()},
                "kind": {k: dict(v) for k, v in self.kind.items()},
                "unigram": dict(self.uni), "meta": self.meta}

    def prob(self, kind: str, prev: str, tok: str) -> float:
        p = (self.uni.get(tok, 0) + 1) / (self.n_uni + self.vocab + 1)
        n, types = self._kind_n.get(kind, (0, 0))
        if n:
            lam = n / (n + types)
            p = lam * self.kind[kind].get(tok, 0) / n + (1 - lam) * p
        n, types = self._tri_n.get((kind, prev), (0, 0))
        if n:
            lam = n / (n + types)
            p = lam * self.tri[(kind, prev)].get(tok, 0) / n + (1 - lam) * p
        return p

    def logprob(self, tree) -> float:
        return sum(math.log(self.prob(k, prev, t)) for k, prev, t in events(tree))


# How a reading is chosen among the parser's (parse.readings), unless the models' metadata
# says otherwise: the settings `python -m model train-formula-lm` picked on held-out writers,
# and, with the model of whole readings (tree_model.py), those `train-layout-tree` picked.
# "spanning_tree": whether the whole-reading model's own best tree (proposals.py) is read too;
# "next_best": how many of its next-best trees (proposals.next_best_edges, within "next_gap").
CHOICE = {"weight": 0.45, "flip_penalty": 0.5, "max_flips": 2, "min_share": 0.1, "tree_weight": 0.0,
          "confidence_temperature": 1.0, "spanning_tree": False, "next_best": 0, "next_gap": NEXT_GAP}


def choice_settings(lm: FormulaLM | None, trees=None) -> dict:
    c = {**CHOICE, **((lm.meta or {}).get("choice", {}) if lm is not None else {})}
    if trees is not None:
        c.update((trees.meta or {}).get("choice", {}))
    return c


def choose(readings, lm: FormulaLM | None, settings: dict | None = None, symbols=None,
           trees=None):
    """The reading (tree, log share of its choices, choices changed) with the best score:
    the parser's log shares + `weight` x the formula model's log-probability - `flip_penalty`
    per choice changed + `tree_weight` x the whole-reading model's log-probability of the tree
    over `symbols` (`trees`: tree_model.TreeModel). Without either model, the parser's own
    reading (the first)."""
    return choose_scored(readings, lm, settings, symbols, trees)[0]


def choose_scored(readings, lm: FormulaLM | None, settings: dict | None = None, symbols=None,
                  trees=None):
    """`choose`'s tree and its score (the parser's log shares alone without a model)."""
    if lm is None and trees is None:
        return readings[0][0], readings[0][1]
    c = settings or choice_settings(lm, trees)
    scores = [lp + (c["weight"] * lm.logprob(t) if lm is not None else 0.0) - c["flip_penalty"] * n
              for t, lp, n in readings]
    if trees is not None and symbols is not None and c.get("tree_weight"):
        # Asked whatever the number of readings, so that the score of one expression compares
        # with that of the same ink relabelled (layout/joint.py).
        whole = trees.logprobs(symbols, [t for t, _, _ in readings])
        if whole is not None:
            scores = [sc + c["tree_weight"] * w for sc, w in zip(scores, whole)]
    best = max(range(len(readings)), key=scores.__getitem__)
    if trees is not None and len(readings) > 1:
        agreed_confidence(readings, scores, best, c.get("confidence_temperature", 1.0))
    return readings[best][0], scores[best]


def agreed_confidence(readings, scores, best: int, temperature: float = 1.0) -> None:
    """Each placement of the chosen reading gets, as its confidence, the share of the
    readings that place its symbol the same way, each reading weighed by its score
    (softmax at `temperature`): where the choice among whole readings settled a placement,
    the parser's share for it alone (which the choice may have overruled) would mislead.
    A placement that no alternative changes keeps the parser's share."""
    from .tree_model import edges
    top = max(scores)
    weight = [math.exp((sc - top) / temperature) for sc in scores]
    total = sum(weight)
    places = [{c: (p, r) for p, c, r in edges(t)} for t, _, _ in readings]
    chosen = places[best]
    pending = [list(readings[best][0])]
    while pending:
        for node in pending.pop():
            pending.extend(list(v) for v in node.rels.values())
            if node.placement is None or node.symbol is None:
                continue
            mine = chosen.get(node.symbol)
            if all(p.get(node.symbol) == mine for p in places):
                continue
            node.confidence = sum(w for w, p in zip(weight, places)
                                  if p.get(node.symbol) == mine) / total


def save(path: Path, lm: FormulaLM) -> None:
    from ...io.atomic import atomic_write_text
    atomic_write_text(Path(path), json.dumps(lm.to_json(), sort_keys=True) + "\n", private=False)


def load(path: Path | str | None = None) -> FormulaLM | None:
    """The model at `path` (default: the shipped one); None, with a warning, when it is
    missing or unreadable: the layout then reads without it."""
    import warnings
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        return FormulaLM(json.loads(path.read_text()))
    except Exception as e:  # any unreadable file means: do without, never crash
        warnings.warn(f"formula language model {path} not usable ({e}); the layout reads "
                      "without it", RuntimeWarning, stacklevel=2)
        return None


@functools.cache
def default_model() -> FormulaLM | None:
    return load()
