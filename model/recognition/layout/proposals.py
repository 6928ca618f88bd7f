"""Readings the parser does not propose: the best tree over the whole-reading model's scores.

The parser (parse.py) reads left to right, one decision at a time, and its close readings
differ from its own at one decision each; a subscript it put on the line stays there when the
choice that set it was sure. The model of whole readings (tree_model.py) scores every
(child, parent, relation) of the expression at once. The maximum spanning arborescence over
those scores (Chu-Liu/Edmonds: each symbol's parent and relation, one root, no cycle) is the
tree that model likes best, whatever order the parser would have read it in.

That tree is not read as is: its placements (the right / sup / sub of each symbol, and what
each fraction bar, radical, \\sum and \\lim claims) are handed to the parser as forced choices
(parse.readings' `forced` and `claims`), so the reading is one the parser can write, and it
carries the parser's own log shares for those choices. The formula model and the whole-reading
model then choose among it and the parser's n-best together (formula_lm.choose).
"""
from __future__ import annotations

import numpy as np

from .tree_model import MAX_SYMBOLS, RELATIONS

_NEG = -1e9
# How far (log-probability) below the whole-reading model's best tree its next-best trees may be
# to be read too (next_best_edges; the choice setting "next_gap").
NEXT_GAP = 6.0
# The region class (regions.CLASSES) a head's child relation puts its subtree in; the limits
# of \sum and \lim are sub/sup in the truth (relation_truth.py), above/below in the parser.
_CLAIM = {"-": {"above": "above", "below": "below"},
          "\\sqrt": {"inside": "inside", "index": "index"},
          "\\sum": {"sup": "above", "sub": "below", "above": "above", "below": "below"},
          "\\lim": {"sub": "below", "below": "below"}}


def max_arborescence(score: np.ndarray) -> np.ndarray:
    """The parent of each node in the maximum spanning arborescence rooted at node 0 of
    the dense arc scores `score[parent, child]` (Chu-Liu/Edmonds); parent[0] = -1. Arcs
    scored at or below -1e9 are absent; every node needs some arc in."""
    score = np.array(score, np.float64)
    n = score.shape[0]
    score[:, 0] = _NEG
    np.fill_diagonal(score, _NEG)
    parent = score.argmax(0)
    parent[0] = -1
    cycle = _cycle(parent)
    if cycle is None:
        return parent
    in_cycle = np.zeros(n, bool)
    in_cycle[cycle] = True
    others = np.flatnonzero(~in_cycle)  # node 0 (the root) is never in a cycle: first here
    k = len(others)
    cyc = np.array(cycle)
    small = np.full((k + 1, k + 1), _NEG)
    small[:k, :k] = score[np.ix_(others, others)]
    # Into the cycle: the arc that replaces the cycle arc it breaks, at its net gain.
    gain = score[np.ix_(others, cyc)] - score[parent[cyc], cyc][None, :]
    enter = gain.argmax(1)
    small[:k, k] = gain[np.arange(k), enter]
    # Out of the cycle: the best arc from any of its nodes.
    out = score[np.ix_(cyc, others)]
    leave = out.argmax(0)
    small[k, :k] = out[leave, np.arange(k)]
    sub = max_arborescence(small)
    result = parent.copy()
    for i, v in enumerate(others):
        if i == 0:
            continue
        p = sub[i]
        result[v] = others[p] if p < k else cyc[leave[i]]
    p = sub[k]
    result[cyc[enter[p]]] = others[p]
    result[0] = -1
    return result


def _cycle(parent: np.ndarray) -> list[int] | None:
    """A cycle of the parent array (nodes in it), or None."""
    n = len(parent)
    state = np.zeros(n, np.int8)  # 0 unseen, 1 on the current path, 2 done
    for start in range(n):
        path, v = [], start
        while v >= 0 and state[v] == 0:
            state[v] = 1
            path.append(v)
            v = parent[v]
        if v >= 0 and state[v] == 1:
            return path[path.index(v):]
        for u in path:
            state[u] = 2
    return None


def best_edges(logp: np.ndarray) -> list[tuple[int | None, int, str]]:
    """(parent symbol or None for the root, child symbol, relation) of the best tree over the
    whole-reading model's (N, N*7 + 1) log-probabilities (tree_model.TreeModel._scores):
    each arc scored by its best relation, one symbol at the root."""
    score, rel = _arc_scores(logp)
    return _tree_of(_one_root(score, logp), rel)


def _arc_scores(logp: np.ndarray):
    """The dense arc scores [parent + 1, child + 1] (node 0 the root) of the whole-reading
    model's log-probabilities, each arc by its best relation, and that relation's index
    [child, parent]."""
    n = logp.shape[0]
    r = len(RELATIONS)
    rel = logp[:, :n * r].reshape(n, n, r)         # [child, parent, relation]
    score = np.full((n + 1, n + 1), _NEG)
    score[1:, 1:] = rel.max(2).T
    score[0, 1:] = logp[:, n * r]
    return score, rel


def _tree_of(parent: np.ndarray, rel: np.ndarray, relation: dict | None = None):
    """(parent symbol or None, child, relation) of each symbol of a parent array over the
    dense scores (node 0 the root); `relation` overrides the best relation of an arc."""
    out = []
    for c in range(len(parent) - 1):
        p = int(parent[c + 1]) - 1
        if p < 0:
            out.append((None, c, "root"))
        else:
            k = (relation or {}).get(c)
            out.append((p, c, RELATIONS[int(rel[c, p].argmax()) if k is None else k]))
    return out


def _one_root(score: np.ndarray, logp: np.ndarray) -> np.ndarray:
    """max_arborescence of `score` with one symbol at the root (the likeliest of those the
    unconstrained tree puts there keeps it; the others hang below)."""
    n = logp.shape[0]
    parent = max_arborescence(score)
    roots = np.flatnonzero(parent[1:] == 0)
    if len(roots) > 1:
        keep = roots[np.argmax(logp[roots, n * len(RELATIONS)])]
        score = score.copy()
        score[0, 1:] = _NEG
        score[0, keep + 1] = logp[keep, n * len(RELATIONS)]
        parent = max_arborescence(score)
    return parent


def _total(parent: np.ndarray, score: np.ndarray, rel: np.ndarray, relation: dict) -> float:
    kids = np.arange(1, len(parent))
    out = float(score[parent[1:], kids].sum())
    for c, k in relation.items():
        p = int(parent[c + 1]) - 1
        out += float(rel[c, p, k] - rel[c, p].max())
    return out


def next_best_edges(logp: np.ndarray, k: int = 3, min_gap: float = NEXT_GAP
                    ) -> list[list[tuple[int | None, int, str]]]:
    """The best trees after `best_edges`' that differ from it at one symbol's place, best
    first, at most `k` and none more than `min_gap` (log-probability) below it: for each
    symbol, its arc's second relation (a subscript read as on the line: the same parent,
    sub for right), or the best tree without its arc (another parent; Chu-Liu/Edmonds
    again). The uncertain places of the model's own tree, which the parser's close readings
    (one decision each, in its own order) need not reach."""
    n = logp.shape[0]
    if n < 2 or k <= 0:
        return []
    score, rel = _arc_scores(logp)
    best = _one_root(score, logp)
    top = _total(best, score, rel, {})
    found = []
    for c in range(n):
        p = int(best[c + 1]) - 1
        if p < 0:
            continue
        order = np.argsort(-rel[c, p])
        found.append((top - _total(best, score, rel, {c: int(order[1])}), best, {c: int(order[1])}))
        cut = score.copy()
        cut[p + 1, c + 1] = _NEG
        if (cut[:, c + 1] > _NEG / 2).any():
            alt = _one_root(cut, logp)
            # Where no tree is left without the arc (a cut symbol with no other way in):
            # none to propose.
            if (alt[1:] == 0).sum() == 1 and alt[c + 1] != p + 1:
                found.append((top - _total(alt, score, rel, {}), alt, {}))
    found.sort(key=lambda f: f[0])
    out, seen = [], {tuple(map(tuple, _tree_of(best, rel)))}
    for gap, parent, relation in found:
        if gap > min_gap or len(out) >= k:
            break
        t = _tree_of(parent, rel, relation)
        key = tuple(map(tuple, t))
        if key not in seen:
            seen.add(key)
            out.append(t)
    return out


def forced_choices(edges, labels) -> tuple[dict, dict]:
    """The parser's forced choices that read the tree of `edges`: ({symbol: (relation, base)}
    for the baseline decisions right / sup / sub; {head symbol: {symbol: region class}} for
    what each fraction bar, radical, \\sum and \\lim claims (every symbol under the head's part,
    at any depth)."""
    children: dict[int, list[tuple[int, str]]] = {}
    for p, c, r in edges:
        if p is not None:
            children.setdefault(p, []).append((c, r))
    place, claims = {}, {}
    for p, c, r in edges:
        if p is None:
            continue
        part = _CLAIM.get(labels[p], {}).get(r)
        if part is not None:
            claimed = claims.setdefault(p, {})
            for s in _under(c, children):
                claimed.setdefault(s, part)
        elif r in ("right", "sup", "sub"):
            place[c] = (r, p)
    return place, claims


def _under(c: int, children: dict) -> list[int]:
    out, pending, seen = [], [c], set()
    while pending:
        v = pending.pop()
        if v in seen:
            continue
        seen.add(v)
        out.append(v)
        pending.extend(k for k, _ in children.get(v, ()))
    return out


def spanning_edges(symbols, trees) -> list[tuple[int | None, int, str]] | None:
    """`best_edges` of the whole-reading model's scores of the symbols; None when the model
    is not asked (fewer than two symbols, more than MAX_SYMBOLS, no model)."""
    if trees is None or not 2 <= len(symbols) <= MAX_SYMBOLS:
        return None
    return best_edges(trees._scores(symbols))


def spanning_choices(symbols, trees, tree_edges=None) -> tuple[dict, dict] | None:
    """The forced choices of the whole-reading model's best tree over the symbols (its
    `spanning_edges`, unless given); None when the model is not asked."""
    if tree_edges is None:
        tree_edges = spanning_edges(symbols, trees)
    if tree_edges is None:
        return None
    return forced_choices(tree_edges, [s.label for s in symbols])
