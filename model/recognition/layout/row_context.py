"""Look-alike labels settled by their place in the formula: what stands before and after a
symbol on its own line, once the structure is read.

The decoder reads each label with its neighbours in writing order; the layout then settles
the lines. Some look-alikes are told apart only by the line: a `\\times` never opens a line, a
script, or follows `+`, `(` or `\\cos`; an `x` between two digits is a `\\times` (the truth of
train/ and train-extra/ has 234 of those and 2 x's); a script line of one symbol holds a `2`
3,299 times and a `z` 148 times. So each symbol
whose alternatives hold a look-alike of another kind (classes.LOOKALIKE_PAIRS, `_PARTNERS`) is
given the label that

    log P(label | its ink)  +  weight x log P(context | label)

prefers, where the look-alike's context is at least e^margin times likelier than the label's
own (the shipped margin 4: 55 times, a line where the label all but never stands; a looser one
relabels more right and more wrong, `python -m model train-row-context` says how many) and the
look-alike was seen there at least `min_count` times. The context is what precedes the symbol
on its line and what follows, each by its kind (digit, letter, operator, bracket, function
name, ...: `kind`), whether it carries scripts, and which kind of line it is on (the main one,
a script, or another: a numerator, a radicand...). P(context | label) is counted on the truth
trees of train/ and train-extra/, smoothed towards the context's share over every label
(`smoothing`). The structure is then read again for the new labels (joint.assemble_joint): a
\\times carries no scripts, an x may. Symbols whose label the user fixed or the writer's own
glyphs decided are never relabelled.

Counted and tuned by `python -m model train-row-context` (model/training/train_row_context.py):
the counts leave out the network's held-out writers of train/, on whose recognized ink the
settings (margin, least count, least runner-up share, smoothing) are chosen. Shipped as
resources/models/row_context.json. A missing or unreadable file gives a warning and None: the
labels then stay as decoded.
"""
from __future__ import annotations

import functools
import json
import math
import warnings
from pathlib import Path

from ..classes import GREEK, LOOKALIKE_PAIRS
from ..notation.canonical import canonical_label

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "resources" / "models" / "row_context.json"
FORMAT = "row-context counts v1"

_DIGITS = set("0123456789")
_OPERATORS = {"+", "-", "=", "\\times", "\\div", "\\pm", "\\neq", "\\leq", "\\geq", "\\lt", "\\gt",
              "<", ">", "\\rightarrow", "/", "\\in", "\\cdot"}
_OPEN, _CLOSE = {"(", "[", "\\{"}, {")", "]", "\\}"}
_DOTS = {".", "\\ldots", "\\cdots"}
_FUNCTIONS = {"\\sin", "\\cos", "\\tan", "\\log", "\\ln", "\\lim", "\\exp"}


def kind(label: str | None) -> str:
    """What a neighbour is, as far as the look-alikes care: "edge" where there is none."""
    if label is None:
        return "edge"
    if label in _DIGITS:
        return "digit"
    if label in _OPERATORS:
        return "op"
    if label in _OPEN:
        return "open"
    if label in _CLOSE:
        return "close"
    if label == ",":
        return "comma"
    if label in _DOTS:
        return "dot"
    if label in _FUNCTIONS:
        return "func"
    if (len(label) == 1 and label.isalpha()) or label in GREEK:
        return "letter"
    return "other"


# The look-alikes whose two readings are of different kinds (x and \times, z and 2, 9 and q):
# a line tells those apart. Two letters (c and C, n and m) stand in the same places; the writer's
# sizes settle those (writer_pairs.py), and their contexts only repeat the decoder's priors.
# A 1 against a bar | is left to marks.absolute_bars, which reads a bar by its partner: a bar
# opens a line as often as it closes one, so its line says little.
_PARTNERS: dict[str, set[str]] = {}
for _a, _b in LOOKALIKE_PAIRS:
    if kind(_a) != kind(_b) and "|" not in (_a, _b):
        _PARTNERS.setdefault(_a, set()).add(_b)
        _PARTNERS.setdefault(_b, set()).add(_a)


def context(labels: list[str], i: int, scripted: bool, line: str) -> str:
    """The context of the i-th symbol of a line of `labels`, as the counts key it."""
    before = labels[i - 1] if i > 0 else None
    after = labels[i + 1] if i + 1 < len(labels) else None
    return f"{kind(before)} {kind(after)} {'S' if scripted else '-'} {line}"


def _line_of(relation: str | None) -> str:
    return "main" if relation is None else "script" if relation in ("sub", "sup") else "other"


def truth_contexts(row, relation: str | None = None):
    """(label, context) of every node of a canonical tree (notation/canonical.py: from_mathml)."""
    labels = [n.label for n in row]
    for i, n in enumerate(row):
        names = {k for k, _ in n.rels}
        yield n.label, context(labels, i, bool(names & {"sub", "sup"}), _line_of(relation))
        for name, sub in n.rels:
            yield from truth_contexts(sub, name)


def _node_label(n) -> str:
    return {"frac": "\\frac", "sqrt": "\\sqrt", "table": "\\table"}.get(n.kind) or canonical_label(n.label)


def layout_contexts(row, relation: str | None = None):
    """(node, context) of every symbol node of a layout tree (result.LayoutNode), keyed as
    `truth_contexts` keys the canonical form of the same tree."""
    labels = [_node_label(n) for n in row]
    for i, n in enumerate(row):
        if n.kind == "sym" and n.symbol is not None:
            yield n, context(labels, i, bool(set(n.rels) & {"sub", "sup"}), _line_of(relation))
        if n.kind != "table":
            for name, sub in n.rels.items():
                yield from layout_contexts(sub, name)


class RowContext:
    """Counts of (label, context) and the settings that weigh them."""

    def __init__(self, counts: dict[str, dict[str, int]], weight: float, min_ratio: float,
                 smoothing: float, margin: float, min_count: int = 0, meta: dict | None = None):
        self.counts = counts
        self.weight, self.min_ratio, self.smoothing, self.margin = weight, min_ratio, smoothing, margin
        self.min_count = min_count
        self.meta = meta or {}
        self.totals = {k: sum(v.values()) for k, v in counts.items()}
        every: dict[str, int] = {}
        for v in counts.values():
            for c, n in v.items():
                every[c] = every.get(c, 0) + n
        n = sum(every.values()) or 1
        self.share = {c: k / n for c, k in every.items()}
        self.floor = 0.5 / n

    def log_likelihood(self, label: str, ctx: str) -> float:
        """log P(context | label), smoothed towards the context's share over every label."""
        prior = self.share.get(ctx, self.floor)
        k = self.counts.get(label, {}).get(ctx, 0)
        return math.log((k + self.smoothing * prior) / (self.totals.get(label, 0) + self.smoothing))

    def choice(self, label: str, alternatives, ctx: str) -> str:
        """The label this symbol gets in its context: its own, or a look-alike among its
        alternatives [(label, p), ...] at least `min_ratio` of its own probability, seen in
        this context at least `min_count` times in the truth (a context the label never showed
        in may just be rare: a 9 opening a denominator before a +), where the context is at
        least e^margin times likelier."""
        probs = dict(alternatives)
        p0 = probs.get(label, 0.0)
        if p0 <= 0 or label not in _PARTNERS:
            return label
        own = self.log_likelihood(label, ctx)
        best, best_score = label, self.weight * own
        for other in sorted(_PARTNERS[label]):
            q = probs.get(other, 0.0)
            if q <= 0 or q / p0 < self.min_ratio or self.counts.get(other, {}).get(ctx, 0) < self.min_count:
                continue
            theirs = self.log_likelihood(other, ctx)
            if theirs - own < self.margin:
                continue
            score = math.log(q / p0) + self.weight * theirs
            if score > best_score:
                best, best_score = other, score
        return best

    def relabels(self, tree, symbols, keep=frozenset()) -> dict[int, str]:
        """{symbol index: new label} for the symbols of the tree its context relabels."""
        out = {}
        for node, ctx in layout_contexts(tree):
            i = node.symbol
            if i in keep or not 0 <= i < len(symbols) or symbols[i].label != node.label:
                continue
            s = symbols[i]
            new = self.choice(s.label, s.alternatives, ctx)
            if new != s.label:
                out[i] = new
        return out

    def to_json(self) -> dict:
        return {"format": FORMAT, "weight": self.weight, "min_ratio": self.min_ratio,
                "smoothing": self.smoothing, "margin": self.margin, "min_count": self.min_count,
                **self.meta,
                "counts": self.counts}


def from_json(d: dict) -> RowContext:
    if d.get("format") != FORMAT:
        raise ValueError(f"not {FORMAT!r}: {d.get('format')!r}")
    meta = {k: v for k, v in d.items()
            if k not in ("format", "weight", "min_ratio", "smoothing", "margin", "min_count", "counts")}
    counts = {str(k): {str(c): int(n) for c, n in v.items()} for k, v in d["counts"].items()}
    return RowContext(counts, float(d["weight"]), float(d["min_ratio"]), float(d["smoothing"]),
                      float(d["margin"]), int(d["min_count"]), meta)


def load(path: Path | None = None) -> RowContext | None:
    """The model at `path` (default: the shipped one); None, with a warning, where it is
    missing or unreadable: the labels are then kept as decoded."""
    path = Path(path or DEFAULT_PATH)
    try:
        return from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        warnings.warn(f"row context model {path} unusable ({e}); look-alikes are kept as decoded",
                      stacklevel=2)
        return None


@functools.lru_cache(maxsize=1)
def default_model() -> RowContext | None:
    return load(DEFAULT_PATH)
