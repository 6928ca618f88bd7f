"""A canonical, comparable form of an expression's structure, and its readers.

Three sources produce it: the layout stage's tree (`from_layout`), the CROHME
ground-truth Presentation MathML (`from_mathml`) and LaTeX in the layout's subset
(`from_latex`). Both become a `Row`: a tuple
of `Node`s, each a class label plus its relations, so that `==` on two
canonical forms means "the same expression".

The convention, written down because the evaluation depends on it:

* Labels are the class names of `model.recognition.classes` (`x`, `2`, `\\sin`, `\\lt`, ...).
  MathML entity names (`alpha`, `infin`, `rarr`, `hellip`), LaTeX names and
  unicode characters (`×`, `−`, `≤`, `π`, ...) are mapped to them. Multi-digit
  `<mn>12</mn>` is split into one token per character; a multi-letter `<mi>`
  is one token when it is a known name (`sin`, `lim`, `alpha`), else one per letter.
* `mrow` and other grouping elements (`mstyle`, `mpadded`, ...) are flattened.
* A fraction is a node labelled `\\frac` with relations `num` and `den`
  (the bar is the symbol: the segmentation labels it `-`).
* A root is a node labelled `\\sqrt` with `arg` and, for `mroot`, `index`.
* `msub`/`msup`/`msubsup` attach `sub`/`sup` to the LAST node of the base
  (so `(a+b)^2` attaches the `2` to `)`, whatever the MathML grouped).
* `munder`/`mover`/`munderover` give `below`/`above`, except on `\\sum`,
  `\\int`, `\\lim`, where limits and scripts are the same thing: `below` is
  stored as `sub` and `above` as `sup`.
* One known data error is repaired: MfrDB spells `\\lim` as `<mo xml:id="\\lim_1">im</mo>`.
* A superscript that is exactly one `\\prime` is stored inline (`f \\prime`),
  because the files write `f'` both ways.

The scorer (model.evaluation.structure) compares two such forms; the app reads a user's
LaTeX edit with `from_latex` to write its MathML (notation.mathml).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET

from ...io.crohme import normalize_label


@dataclass(frozen=True)
class Node:
    label: str
    rels: tuple = ()  # ((relation, Row), ...) sorted by RELATION_ORDER

    def rel(self, name: str) -> "Row | None":
        for k, v in self.rels:
            if k == name:
                return v
        return None


Row = tuple  # tuple[Node, ...]

RELATION_ORDER = ("index", "arg", "num", "den", "below", "sub", "above", "sup", "rows", "cells", "body")
# A table (several lines, a matrix, cases) is a node TABLE with its ROWs under "rows", each
# row's CELLs under "cells", each cell's expression under "body"; its delimiters are the
# symbols beside it, as MathML writes them (`( mtable )`), so every environment reads the same
# from LaTeX, from MathML and from the layout tree, whichever alignment it had.
TABLE, ROW, CELL = "\\table", "\\row", "\\cell"
LIMIT_OPERATORS = {"\\sum", "\\int", "\\lim"}

# Names (MathML entity names without & ;, LaTeX names without \, words) -> class names.
_NAMES = {
    "alpha": "\\alpha", "beta": "\\beta", "gamma": "\\gamma", "theta": "\\theta",
    "pi": "\\pi", "sigma": "\\sigma", "phi": "\\phi", "varphi": "\\phi", "mu": "\\mu",
    "lambda": "\\lambda", "Delta": "\\Delta",
    "infin": "\\infty", "infty": "\\infty", "hellip": "\\ldots", "ldots": "\\ldots",
    "cdots": "\\ldots", "dots": "\\ldots", "rarr": "\\rightarrow", "rightarrow": "\\rightarrow",
    "to": "\\rightarrow", "times": "\\times", "div": "\\div", "pm": "\\pm", "plusmn": "\\pm",
    "ne": "\\neq", "neq": "\\neq", "le": "\\leq", "leq": "\\leq", "ge": "\\geq", "geq": "\\geq",
    "lt": "\\lt", "gt": "\\gt", "in": "\\in", "isin": "\\in", "forall": "\\forall",
    "exist": "\\exists", "exists": "\\exists", "prime": "\\prime", "sum": "\\sum",
    "int": "\\int", "lim": "\\lim", "log": "\\log", "sin": "\\sin", "cos": "\\cos",
    "tan": "\\tan", "sqrt": "\\sqrt", "lbrace": "\\{", "rbrace": "\\}", "minus": "-",
    "vert": "|", "mid": "|",
}
# Single characters that are not already class names.
_CHARS = {
    "×": "\\times", "÷": "\\div", "±": "\\pm", "−": "-", "–": "-", "≤": "\\leq",
    "≥": "\\geq", "≠": "\\neq", "→": "\\rightarrow", "∞": "\\infty", "…": "\\ldots",
    "⋯": "\\ldots", "′": "\\prime", "'": "\\prime", "∑": "\\sum", "∫": "\\int",
    "π": "\\pi", "α": "\\alpha", "β": "\\beta", "γ": "\\gamma", "θ": "\\theta",
    "σ": "\\sigma", "φ": "\\phi", "ϕ": "\\phi", "μ": "\\mu", "λ": "\\lambda",
    "Δ": "\\Delta", "∈": "\\in", "∀": "\\forall", "∃": "\\exists", "<": "\\lt", ">": "\\gt",
    "{": "\\{", "}": "\\}", "∣": "|", "√": "\\sqrt", "·": ".", "⋅": ".",
}


def canonical_label(label: str) -> str:
    """One symbol's label in class-name form (`<` -> `\\lt`, `alpha` -> `\\alpha`)."""
    label = label.strip()
    if label in _CHARS:
        return _CHARS[label]
    bare = label[1:] if label.startswith("\\") else label
    if bare in _NAMES and (label.startswith("\\") or len(bare) > 1):
        return _NAMES[bare]
    return normalize_label(label)


def _text_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text.strip())
    if not text:
        return []
    whole = canonical_label(text)
    if len(text) == 1 or whole != text or text.startswith("\\"):
        return [whole]
    # An unknown multi-character token: one symbol per character ("12" -> 1, 2; "ab" -> a, b).
    return [canonical_label(c) for c in text if not c.isspace()]


# ---------------------------------------------------------------- building

def make_node(label: str, rels: dict | None = None) -> Node:
    """A canonical node: relations in a fixed order, limits of \\sum \\int \\lim as scripts."""
    rels = {k: tuple(v) for k, v in (rels or {}).items() if v}
    if label in LIMIT_OPERATORS:
        for old, new in (("below", "sub"), ("above", "sup")):
            if old in rels:
                rels[new] = rels.get(new, ()) + rels.pop(old)
    return Node(label, tuple(sorted(rels.items(), key=lambda kv: RELATION_ORDER.index(kv[0]))))


def _attach(row: list[Node], rels: dict) -> list[Node]:
    """Attach scripts to the last node of `row` (the base), keeping the prime inline."""
    extra = []
    sup = rels.get("sup")
    if sup is not None and len(sup) == 1 and sup[0].label == "\\prime" and not sup[0].rels:
        extra = [sup[0]]
        rels = {k: v for k, v in rels.items() if k != "sup"}
    if not row:
        row = [Node("")]  # a script with nothing to hang on; kept so its symbols still count
    base = row[-1]
    merged = {k: list(v) for k, v in base.rels}
    for k, v in rels.items():
        if v:
            merged.setdefault(k, []).extend(v)
    return row[:-1] + [make_node(base.label, merged)] + extra


_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _row(el) -> list[Node]:
    tag = _local(el.tag)
    kids = list(el)
    if tag in ("mi", "mn", "mo", "mtext", "ms"):
        text = el.text or ""
        if text.strip() == "im" and el.get(_XML_ID, "").startswith("\\lim"):
            text = "lim"  # MfrDB writes \lim as <mo xml:id="\lim_1">im</mo>
        return [Node(t) for t in _text_tokens(text)]
    if tag == "mtable":
        return [_table([[_flat(list(td)) for td in tr if _local(td.tag) == "mtd"]
                        for tr in kids if _local(tr.tag) in ("mtr", "mlabeledtr")])]
    if tag == "mfenced":
        inner = _flat(kids)
        return ([Node(canonical_label(el.get("open", "(")))] if el.get("open", "(") else []) + inner + \
            ([Node(canonical_label(el.get("close", ")")))] if el.get("close", ")") else [])
    if tag == "mfrac" and len(kids) >= 2:
        return [make_node("\\frac", {"num": _row(kids[0]), "den": _row(kids[1])})]
    if tag == "msqrt":
        return [make_node("\\sqrt", {"arg": _flat(kids)})]
    if tag == "mroot" and len(kids) >= 2:
        return [make_node("\\sqrt", {"arg": _row(kids[0]), "index": _row(kids[1])})]
    scripts = {"msub": ("sub",), "msup": ("sup",), "msubsup": ("sub", "sup"),
               "munder": ("below",), "mover": ("above",), "munderover": ("below", "above")}
    if tag in scripts and len(kids) >= 1 + len(scripts[tag]):
        rels = {name: _row(k) for name, k in zip(scripts[tag], kids[1:])}
        return _attach(_row(kids[0]), rels)
    return _flat(kids)  # mrow, math, mstyle, mpadded, unknown: a plain row


_STRUCTURAL = {"mi", "mn", "mo", "mtext", "ms", "mfrac", "msqrt", "mroot", "msub", "msup",
               "msubsup", "munder", "mover", "munderover", "mtable", "mfenced"}


def _table(rows) -> Node:
    """The canonical table of rows of cells (each cell a list of nodes)."""
    return make_node(TABLE, {"rows": [make_node(ROW, {"cells": [make_node(CELL, {"body": c}) for c in r]})
                                      for r in rows]})


def _flat(elements) -> list[Node]:
    # Grouping elements are opened with a stack, not recursion: CROHME nests one
    # mrow per symbol, so a long expression would otherwise recurse very deep.
    out: list[Node] = []
    pending = list(reversed(list(elements)))
    while pending:
        el = pending.pop()
        if _local(el.tag) in _STRUCTURAL:
            out.extend(_row(el))
        else:
            pending.extend(reversed(list(el)))
    return out


def from_mathml(mathml: str) -> Row:
    """The canonical form of a <math> element (namespaced or not); () for unusable input."""
    if not mathml or not mathml.strip():
        return ()
    try:
        root = SafeET.fromstring(mathml, forbid_dtd=True)
    except Exception:
        # Entities such as &alpha; are undeclared in bare MathML: spell them as names.
        fixed = re.sub(r"&([A-Za-z]+);", lambda m: m.group(1) if m.group(1) not in
                       ("lt", "gt", "amp", "quot", "apos") else m.group(0), mathml)
        try:
            root = SafeET.fromstring(fixed, forbid_dtd=True)
        except Exception:
            return ()
    try:
        return tuple(_row(root))
    except RecursionError:  # absurdly deep nesting: not a real expression
        return ()


def from_layout(tree) -> Row:
    """The canonical form of a layout tree (a list of `result.LayoutNode`)."""
    from .tables import FENCES, cells
    out: list[Node] = []
    for n in tree or ():
        kind = getattr(n, "kind", "sym")
        if kind == "table":
            left, right = FENCES.get(n.label, (None, None))
            grid = _table([[list(from_layout(c)) for c in r] for r in cells(n)])
            out += ([Node(left)] if left else []) + [grid] + ([Node(right)] if right else [])
            continue
        label = {"frac": "\\frac", "sqrt": "\\sqrt"}.get(kind) or canonical_label(n.label)
        rels = {k: from_layout(v) for k, v in (getattr(n, "rels", None) or {}).items()}
        scripts = {k: rels.pop(k) for k in ("sub", "sup") if k in rels}
        out.append(make_node(label, rels))
        if scripts:
            out[-1:] = _attach(out[-1:], scripts)
    return tuple(out)


_LATEX_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\S")


class LatexError(ValueError):
    """LaTeX outside the subset `from_latex` reads; the message says where."""


def from_latex(latex: str) -> Row:
    """The canonical form of LaTeX in the subset the layout stage writes (`to_latex`):
    symbols and commands, `_{}` `^{}`, `\\frac{}{}`, `\\sqrt[]{}`, `\\overset{}{}`,
    `\\underset{}{}`, braces as groups.  Raises LatexError on anything else."""
    toks = _LATEX_TOKEN.findall(latex or "")
    pos = 0

    def arg() -> list[Node]:
        nonlocal pos
        if pos >= len(toks):
            raise LatexError("an argument is missing at the end")
        t = toks[pos]
        pos += 1
        if t == "{":
            out = row("}")
            pos += 1
            return out
        if t in ("}", "_", "^"):
            raise LatexError(f"{t!r} where an argument was expected")
        return [Node(canonical_label(t))]

    def name() -> str:
        nonlocal pos
        if pos >= len(toks) or toks[pos] != "{":
            raise LatexError("an environment's name is missing")
        end = toks.index("}", pos) if "}" in toks[pos:] else -1
        if end < 0:
            raise LatexError("an environment's name is not closed")
        word = "".join(toks[pos + 1:end])
        pos = end + 1
        return word

    def environment() -> list[Node]:
        nonlocal pos
        from .tables import ENVIRONMENTS, FENCES
        env = name()
        if env not in ENVIRONMENTS:
            raise LatexError(f"no environment {env!r} in this subset")
        rows, current = [], []
        while True:
            current.append(row(("&", "\\\\", "\\end")))
            if pos >= len(toks):
                raise LatexError(f"\\end{{{env}}} is missing")
            t = toks[pos]
            pos += 1
            if t == "&":
                continue
            rows.append(current)
            current = []
            if t == "\\end":
                if name() != env:
                    raise LatexError(f"\\begin{{{env}}} ends with another environment")
                break
        left, right = FENCES.get(env, (None, None))
        return ([Node(left)] if left else []) + [_table(rows)] + ([Node(right)] if right else [])

    def row(end) -> list[Node]:
        nonlocal pos
        out: list[Node] = []
        while pos < len(toks):
            t = toks[pos]
            if t == end or (isinstance(end, tuple) and t in end):
                return out
            if t in ("&", "\\\\", "\\end"):
                raise LatexError(f"{t!r} outside an environment")
            if t == "}":
                raise LatexError("unbalanced '}'")
            pos += 1
            if t in ("_", "^"):
                out = _attach(out, {"sub" if t == "_" else "sup": arg()})
            elif t == "\\frac":
                num = arg()
                out.append(make_node("\\frac", {"num": num, "den": arg()}))
            elif t == "\\sqrt":
                rels = {}
                if pos < len(toks) and toks[pos] == "[":
                    pos += 1
                    rels["index"] = row("]")
                    pos += 1
                rels["arg"] = arg()
                out.append(make_node("\\sqrt", rels))
            elif t == "\\begin":
                out += environment()
            elif t in ("\\overset", "\\underset"):
                over = arg()
                out += _attach(arg(), {"above" if t == "\\overset" else "below": over})
            elif t == "{":
                out += row("}")
                pos += 1
            else:
                out.append(Node(canonical_label(t)))
        if end is not None:
            raise LatexError(f"{end!r} is missing")
        return out

    try:
        return tuple(row(None))
    except RecursionError:
        raise LatexError("nested too deeply") from None
