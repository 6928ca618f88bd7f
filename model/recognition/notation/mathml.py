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
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from ..classes import SYMBOLS
from ..result import LayoutNode
from .canonical import from_latex
from .latex import to_text

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
MIME_TYPE = "application/mathml+xml"

# Class names -> the character MathML shows; anything absent is shown as written.
_CHARS = {
    "\\alpha": "α", "\\beta": "β", "\\gamma": "γ", "\\theta": "θ", "\\pi": "π",
    "\\sigma": "σ", "\\phi": "φ", "\\mu": "μ", "\\lambda": "λ", "\\Delta": "Δ",
    "-": "−", "\\times": "×", "\\div": "÷", "\\pm": "±", "\\neq": "≠", "\\leq": "≤",
    "\\geq": "≥", "\\lt": "<", "\\gt": ">", "\\in": "∈", "\\rightarrow": "→",
    "\\sum": "∑", "\\int": "∫", "\\infty": "∞", "\\ldots": "…", "\\prime": "′",
    "\\forall": "∀", "\\exists": "∃", "\\{": "{", "\\}": "}", "\\sqrt": "√",
    "\\lim": "lim", "\\log": "log", "\\sin": "sin", "\\cos": "cos", "\\tan": "tan",
}
_IDENTIFIERS = {"\\alpha", "\\beta", "\\gamma", "\\theta", "\\pi", "\\sigma", "\\phi", "\\mu",
                "\\lambda", "\\Delta", "\\infty", "\\log", "\\sin", "\\cos", "\\tan"}
_LIMIT_OPS = {"\\sum", "\\int", "\\lim"}


def _token(label: str) -> str:
    text = escape(_CHARS.get(label, label))
    if label.isdigit():
        tag = "mn"
    elif label in _IDENTIFIERS or (len(label) == 1 and label.isalpha()):
        tag = "mi"
    else:
        tag = "mo"
    return f"<{tag}>{text}</{tag}>"


def _mrow(row) -> str:
    return "<mrow>" + "".join(_node(n) for n in row) + "</mrow>"


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


def _node(n) -> str:
    rels = getattr(n, "rels", None) or {}
    kind = getattr(n, "kind", "sym")
    if kind == "frac":
        base = f"<mfrac>{_mrow(rels.get('num', []))}{_mrow(rels.get('den', []))}</mfrac>"
    elif kind == "sqrt":
        arg, index = rels.get("arg", []), rels.get("index")
        base = (f"<mroot>{_mrow(arg)}{_mrow(index)}</mroot>" if index
                else f"<msqrt>{''.join(_node(c) for c in arg)}</msqrt>")
    elif n.label in _LIMIT_OPS:
        # Limits and scripts are one thing on these, as in to_latex (below+sub, above+sup).
        sub = rels.get("below", []) + rels.get("sub", [])
        sup = rels.get("above", []) + rels.get("sup", [])
        return _scripted(_token(n.label), sub, sup, under=n.label != "\\int")
    else:
        base = _scripted(_token(n.label), rels.get("below"), rels.get("above"), under=True)
    return _scripted(base, rels.get("sub"), rels.get("sup"), under=False)


def to_mathml(tree, display: str = "block") -> str:
    """A complete `<math>` element for a layout tree (a list of LayoutNodes); "" for no tree."""
    if not tree:
        return ""
    return (f'<math xmlns="{MATHML_NS}" display="{display}">'
            f"{_mrow(tree)}</math>")


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
    out = []
    for n in row:
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
