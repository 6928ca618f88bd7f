"""Presentation MathML from the layout tree (the same tree `notation.latex.to_latex` writes).

Both outputs are written from one `LayoutNode` tree, so they cannot disagree
about structure; `tests/test_mathml.py` reads both back on every dev expression
and holds them equal.  Only LayoutNode's fields `label`, `kind` and `rels` are used.

Mapping (the inverse of what `canonical.from_mathml` reads):
a symbol is `<mi>` (letters, Greek, function names), `<mn>` (digits) or `<mo>`
(operators, brackets, punctuation); a fraction is `<mfrac>`, a root `<msqrt>`
or `<mroot>`; `sub`/`sup` are `<msub>`/`<msup>`/`<msubsup>`; `above`/`below` are
`<mover>`/`<munder>`, and on \\sum, \\int, \\lim the limits and scripts are one
thing (`<munderover>` for \\sum and \\lim, `<msubsup>` for \\int, as LaTeX sets them).

Written so that LibreOffice Math reads it as meant (`python -m model office-mathml`): it turns
MathML into its own formula language and parses that again, which loses what a stricter
reader would keep. So a bracket without its partner in the same row, and `|`, are `<mtext>`
(LibreOffice drops a lone `)` and everything after it); a fraction followed by `+` or `-`
is grouped (else the sum joins its denominator); an operator that a row starts or ends
with, or a relation right after an operator, gets an empty `<mrow/>` as its missing operand
(else `2^{-}S` reads as `2^{-S}` and `2\\times=0` as `2\\times0`). Other readers see the
same symbols in the same places: an empty `<mrow/>` shows nothing.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from ..classes import GREEK, SYMBOLS
from ..result import LayoutNode
from .canonical import from_latex
from .latex import to_text
from .tables import CASES, MATRICES, RELATIONS, cells, table

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
MIME_TYPE = "application/mathml+xml"

# Class names -> the character MathML shows; anything absent is shown as written.
_CHARS = {
    "\\alpha": "α", "\\beta": "β", "\\gamma": "γ", "\\theta": "θ", "\\pi": "π",
    "\\sigma": "σ", "\\phi": "ϕ", "\\mu": "μ", "\\lambda": "λ", "\\Delta": "Δ",
    "-": "−", "\\times": "×", "\\div": "÷", "\\pm": "±", "\\neq": "≠", "\\leq": "≤",
    "\\geq": "≥", "\\lt": "<", "\\gt": ">", "\\in": "∈", "\\rightarrow": "→",
    "\\sum": "∑", "\\int": "∫", "\\infty": "∞", "\\ldots": "…", "\\prime": "′",
    "\\forall": "∀", "\\exists": "∃", "\\{": "{", "\\}": "}", "\\sqrt": "√",
    "\\lim": "lim", "\\log": "log", "\\sin": "sin", "\\cos": "cos", "\\tan": "tan",
}
# \\lim is an identifier, as in MathML's own examples: LibreOffice reads <mo>lim</mo> as `l`.
_IDENTIFIERS = GREEK | {"\\infty", "\\log", "\\sin", "\\cos", "\\tan", "\\lim"}
_OPEN = {"(": ")", "[": "]", "\\{": "\\}"}
_CLOSE = set(_OPEN.values())
_SUMS = {"+", "-", "\\pm"}
_RELATIONS = {"=", "\\neq", "\\leq", "\\geq", "\\lt", "\\gt", "\\in", "\\rightarrow"}
_PRODUCTS = {"\\times", "\\div", "/"}
_BINARY = _RELATIONS | _PRODUCTS  # unlike + and -, never unary: they need a left operand
_OPERATORS = _SUMS | _BINARY
_EMPTY = "<mrow/>"
_LIMIT_OPS = {"\\sum", "\\int", "\\lim"}


def _token(label: str, as_text: bool = False) -> str:
    text = escape(_CHARS.get(label, label))
    if as_text:
        tag = "mtext"
    elif label.isdigit():
        tag = "mn"
    elif label in _IDENTIFIERS or (len(label) == 1 and label.isalpha()):
        tag = "mi"
    else:
        tag = "mo"
    return f"<{tag}>{text}</{tag}>"


def _unpaired(row) -> set[int]:
    """Positions of the brackets in `row` that have no partner of their kind in it."""
    stack, lone = [], set()
    for i, n in enumerate(row):
        if getattr(n, "kind", "sym") != "sym":
            continue
        if n.label in _OPEN:
            stack.append(i)
        elif n.label in _CLOSE:
            if stack and _OPEN[row[stack[-1]].label] == n.label:
                stack.pop()
            else:
                lone.add(i)
    return lone | set(stack)


def _is_operator(n) -> bool:
    return getattr(n, "kind", "sym") == "sym" and n.label in _OPERATORS and not getattr(n, "rels", None)


def _wants_operand(n) -> bool:
    """Whether a relation after `n` has nothing on its left: an operator, or a big operator
    (\\sum, \\int, \\lim) whose operand is missing."""
    return _is_operator(n) or (getattr(n, "kind", "sym") == "sym" and n.label in _LIMIT_OPS)


def _row_items(row) -> str:
    lone = _unpaired(row)
    out = []
    for i, n in enumerate(row):
        prev = row[i - 1] if i else None
        nxt = row[i + 1] if i + 1 < len(row) else None
        if _is_operator(n) and n.label in _BINARY and (prev is None or _wants_operand(prev)):
            out.append(_EMPTY)  # a relation, ×, ÷ or / needs something on its left
        if i in lone or (n.label == "|" and getattr(n, "kind", "sym") == "sym"):
            out.append(_node(n, as_text=True))
        elif getattr(n, "kind", "sym") == "frac" and (len(row) == 1 or nxt is not None and _is_operator(nxt)
                                                      and nxt.label not in _RELATIONS):
            # Else the operator's term joins the denominator (or, as a script, the outer row's does).
            out.append(f"<mrow>{_node(n)}{_EMPTY}</mrow>")
        else:
            out.append(_node(n))
        if _is_operator(n) and (nxt is None or nxt.label in _CLOSE and getattr(nxt, "kind", "sym") == "sym"):
            out.append(_EMPTY)  # ... and any operator before the end of its row or bracket, on its right
    return "".join(out)


def _mrow(row) -> str:
    return "<mrow>" + _row_items(row) + "</mrow>"


def _scripted(base: str, sub, sup, under: bool) -> str:
    """`base` with the given scripts: under/over (limits) or sub/sup (scripts)."""
    names = ("munder", "mover", "munderover") if under else ("msub", "msup", "msubsup")
    if sub and sup:
        return f"<{names[2]}>{base}{_mrow(sub)}{_mrow(sup)}</{names[2]}>"
    if sub:
        return f"<{names[0]}>{base}{_mrow(sub)}</{names[0]}>"
    if sup:
        return f"<{names[1]}>{base}{_mrow(sup)}</{names[1]}>"
    return base


def _table(n) -> str:
    """A table as `mtable`: lines aligned right then left at their relation, matrices inside
    their fences (stretchy `mo`, which LibreOffice reads as `left ( matrix{...} right )`),
    cases after a left brace (`left lbrace matrix{...} right none`)."""
    align = {"aligned": "right left", "gathered": "center", CASES: "left left"}.get(n.label)
    attr = f' columnalign="{align}"' if align else ""
    body = "".join("<mtr>" + "".join(f"<mtd>{_mrow(c)}</mtd>" for c in r) + "</mtr>" for r in cells(n))
    grid = f"<mtable{attr}>{body}</mtable>"
    if n.label in MATRICES:
        left, right = (escape(d) for d in MATRICES[n.label])
        return f"<mrow>{_fence(left, 'prefix')}{grid}{_fence(right, 'postfix')}</mrow>"
    if n.label == CASES:
        # An empty closing fence: without it LibreOffice closes the brace with another brace.
        return f"<mrow>{_fence('{', 'prefix')}{grid}{_fence('', 'postfix')}</mrow>"
    return grid


def _fence(char: str, form: str) -> str:
    # The form tells LibreOffice which side a bar is on (`left lline ... right rline`).
    return f'<mo fence="true" form="{form}" stretchy="true">{char}</mo>'


def _node(n, as_text: bool = False) -> str:
    rels = getattr(n, "rels", None) or {}
    kind = getattr(n, "kind", "sym")
    if kind == "table":
        return _table(n)
    if kind == "frac":
        base = f"<mfrac>{_mrow(rels.get('num', []))}{_mrow(rels.get('den', []))}</mfrac>"
        if rels.get("sub") or rels.get("sup"):
            base = f"<mrow>{base}{_EMPTY}</mrow>"  # the script is the fraction's, not its denominator's
    elif kind == "sqrt":
        arg, index = rels.get("arg", []), rels.get("index")
        base = (f"<mroot>{_mrow(arg)}{_mrow(index)}</mroot>" if index
                else f"<msqrt>{_row_items(arg)}</msqrt>")
        if rels.get("sub") or rels.get("sup"):
            base = f"<mrow>{base}{_EMPTY}</mrow>"  # the script is the root's, not its radicand's
    elif n.label in _LIMIT_OPS:
        # Limits and scripts are one thing on these, as in to_latex (below+sub, above+sup).
        sub = rels.get("below", []) + rels.get("sub", [])
        sup = rels.get("above", []) + rels.get("sup", [])
        return _scripted(_token(n.label), sub, sup, under=n.label != "\\int")
    else:
        base = _scripted(_token(n.label, as_text), rels.get("below"), rels.get("above"), under=True)
    return _scripted(base, rels.get("sub"), rels.get("sup"), under=False)


def to_mathml(tree, display: str = "block") -> str:
    """A complete `<math>` element for a layout tree (a list of LayoutNodes); "" for no tree."""
    if not tree:
        return ""
    return (f'<math xmlns="{MATHML_NS}" display="{display}">'
            f"{_mrow(tree)}</math>")


def mml_document(mathml: str) -> str:
    """A `.mml` file's text: the XML declaration, then the <math> element."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + mathml + "\n"


def latex_to_mathml(latex: str, display: str = "block") -> str:
    """MathML for LaTeX in the subset the layout stage writes (a user's edit of it):
    read into the canonical structure, then written as above.  Raises ValueError
    (canonical.LatexError) for LaTeX outside that subset."""
    return to_mathml(_tree(from_latex(latex)), display)


def latex_to_text(latex: str) -> str:
    """The plain-text form of LaTeX in the layout's subset (a user's edit); raises ValueError."""
    return to_text(_tree(from_latex(latex)))


def _tree(row) -> list:
    """Canonical structure nodes (canonical.Node) as layout nodes."""
    from .canonical import TABLE
    out = []
    row = list(row)
    k = 0
    while k < len(row):
        n = row[k]
        k += 1
        if n.label == TABLE:
            rows = [[_tree(c.rel("body") or ()) for c in r.rel("cells") or ()] for r in n.rel("rows") or ()]
            # The environment is what its delimiters say (the symbols beside it in the
            # canonical form), else lines: aligned where every row's second cell starts with a
            # relation.
            left = out[-1].label if out and out[-1].kind == "sym" and not out[-1].rels else None
            right = row[k].label if k < len(row) and not row[k].rels else None
            env = next((e for e, (a, b) in MATRICES.items() if (left, right) == (a, b)), None)
            if env is not None:
                out.pop()
                k += 1
            elif left == "\\{":
                out.pop()
                env = CASES
            elif all(len(r) == 2 and r[1] and r[1][0].label in RELATIONS for r in rows):
                env = "aligned"
            else:
                env = "gathered"
            out.append(table(env, rows))
            continue
        rels = {k: _tree(v) for k, v in n.rels}
        if n.label == "\\frac":
            out.append(LayoutNode("-", "frac", rels))
        elif n.label == "\\sqrt" and "arg" in rels:
            out.append(LayoutNode("\\sqrt", "sqrt", rels))
        elif n.label in SYMBOLS:
            out.append(LayoutNode(n.label, "sym", rels))
        else:
            raise ValueError(f"{n.label!r} is not a symbol MathInk knows")
    return out
