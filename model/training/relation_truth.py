"""Relation ground truth: which symbol relates to which, read from a CROHME file.

The file's MathML says what the expression is; its traceGroups link each
symbol's ink to a MathML element by `xml:id` (`<annotationXML href="x_1"/>`).
Together they give the expression's tree over the ink's symbols, as a
`LayoutNode` tree whose `symbol` fields are indices into
`model.evaluation.layout_eval.truth_symbols(ink)` — the very form the layout
stage produces, so `structure.from_layout(tree)` must equal
`structure.from_mathml(ink.truth_mathml)` (the tests hold it).

From the tree, `relations` lists every connected pair (parent, child, relation):

* right  — the next node on the same baseline (`x` -> `+` in `x+1`);
* sup, sub — a base and the first node of its script (`x` -> `2` in `x^2`);
* above, below — a fraction bar and the first node of its numerator /
  denominator; an operator and the first node of a limit written over / under it
  (\\sum \\int \\lim: `munder`/`mover`, stored as sub/sup as notation/canonical.py does);
* inside — a radical and the first node of the radicand;
* index — a radical and the first node of its index.

Every other pair of symbols has no relation. The MathML conventions follow
notation/canonical.py (scripts attach to the last node of the base; a superscript that is
one prime is inline, a `right`).
"""
from __future__ import annotations

from ..io.crohme import normalize_label
from ..io.ink import Ink
from ..recognition.result import LayoutNode
from ..recognition.layout.tree_model import edges

RELATIONS = ("right", "sup", "sub", "above", "below", "inside", "index")
_LIMIT_OPERATORS = {"\\sum", "\\int", "\\lim"}
_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_SCRIPTS = {"msub": ("sub",), "msup": ("sup",), "msubsup": ("sub", "sup"),
            "munder": ("below",), "mover": ("above",), "munderover": ("below", "above")}
_LEAVES = {"mi", "mn", "mo", "mtext", "ms"}
_STRUCTURAL = _LEAVES | {"mfrac", "msqrt", "mroot"} | set(_SCRIPTS)


class TruthError(ValueError):
    """A file whose MathML and ink do not line up (missing or unused links)."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def symbol_ids(ink: Ink) -> list[str | None]:
    """The xml:id each ground-truth symbol links to, in `truth_symbols(ink)` order
    (groups with no ink are left out there, so here too)."""
    index = ink.trace_index()
    return [s.xml_id for s in ink.symbols if any(t in index for t in s.trace_ids)]


def symbol_labels(ink: Ink) -> list[str]:
    index = ink.trace_index()
    return [normalize_label(s.label) for s in ink.symbols
            if any(t in index for t in s.trace_ids)]


class _Builder:
    def __init__(self, ids: list[str | None], labels: list[str]):
        self.by_id = {i: k for k, i in enumerate(ids) if i}
        self.labels = labels
        self.used: set[int] = set()

    def symbol(self, el) -> int:
        xid = el.get(_XML_ID)
        k = self.by_id.get(xid)
        if k is None:
            raise TruthError(f"MathML element {xid!r} has no ink")
        if k in self.used:
            raise TruthError(f"ink of {xid!r} is linked twice")
        self.used.add(k)
        return k

    def row(self, elements) -> list[LayoutNode]:
        # A stack, not recursion, through grouping elements: CROHME nests one mrow per symbol.
        out: list[LayoutNode] = []
        pending = list(reversed(list(elements)))
        while pending:
            el = pending.pop()
            if _local(el.tag) in _STRUCTURAL:
                out.extend(self.node(el))
            else:
                pending.extend(reversed(list(el)))
        return out

    def node(self, el) -> list[LayoutNode]:
        tag, kids = _local(el.tag), list(el)
        if tag in _LEAVES:
            if not (el.text or "").strip():
                return []
            k = self.symbol(el)
            return [LayoutNode(self.labels[k], symbol=k)]
        if tag == "mfrac" and len(kids) >= 2:
            k = self.symbol(el)
            return [LayoutNode(self.labels[k], "frac",
                               {"num": self.row(kids[:1]), "den": self.row(kids[1:2])}, k)]
        if tag in ("msqrt", "mroot"):
            k = self.symbol(el)
            if tag == "mroot" and len(kids) >= 2:
                rels = {"arg": self.row(kids[:1]), "index": self.row(kids[1:2])}
            else:
                rels = {"arg": self.row(kids)}
            return [LayoutNode(self.labels[k], "sqrt", rels, k)]
        if tag in _SCRIPTS and len(kids) >= 1 + len(_SCRIPTS[tag]):
            base = self.row(kids[:1])
            rels = {name: self.row([k]) for name, k in zip(_SCRIPTS[tag], kids[1:])}
            return _attach(base, rels)
        return self.row(kids)


def _attach(base: list[LayoutNode], rels: dict) -> list[LayoutNode]:
    if not base:
        raise TruthError("a script with no base")
    extra = []
    sup = rels.get("sup")
    if sup and len(sup) == 1 and sup[0].label == "\\prime" and not sup[0].rels:
        extra, rels = sup, {k: v for k, v in rels.items() if k != "sup"}
    node = base[-1]
    for name, row in rels.items():
        if node.label in _LIMIT_OPERATORS and node.kind == "sym":
            name = {"below": "sub", "above": "sup"}.get(name, name)
        if row:
            node.rels.setdefault(name, []).extend(row)
    return base + extra


def truth_tree(ink: Ink) -> list[LayoutNode]:
    """The expression's tree over the ink's symbols; TruthError when MathML and ink
    do not line up (a MathML symbol without ink, ink without a MathML symbol)."""
    from defusedxml import ElementTree as SafeET
    if not ink.truth_mathml:
        raise TruthError("no MathML truth")
    try:
        root = SafeET.fromstring(ink.truth_mathml, forbid_dtd=True)
    except Exception as e:  # defusedxml raises several kinds; all mean unusable
        raise TruthError(f"unreadable MathML: {e}") from None
    ids, labels = symbol_ids(ink), symbol_labels(ink)
    b = _Builder(ids, labels)
    try:
        tree = b.row([root])
    except RecursionError:
        raise TruthError("MathML nested too deep") from None
    if len(b.used) != len(ids):
        raise TruthError(f"{len(ids) - len(b.used)} symbols of the ink are not in the MathML")
    return tree


# Every connected pair of the tree: (parent symbol, child symbol, relation); the layout
# tree model (recognition/layout/tree_model.py) reads trees the same way.
relations = edges
