"""LaTeX and plain text from the layout tree (a list of `result.LayoutNode`).

`notation.mathml` writes MathML from the same tree, and `notation.canonical` reads this
LaTeX back (a user's edit), so the three agree on one subset.
"""
from __future__ import annotations

from .tables import CASES, MATRICES, cells, is_table, symbols_under

_LIMIT_OPS = {"\\sum", "\\int", "\\lim"}
# Dots beside a binary operator or a relation are typeset on the axis (`1+2+\cdots+n`), dots in
# a list on the line (`x_1,\ldots,x_n`): amsmath's rule for \dots, written out so that the
# LaTeX needs no package. The class is one (\ldots) whatever height the writer drew them at.
_CENTRED_BY = {"+", "-", "=", "\\times", "\\pm", "\\div", "\\neq", "\\leq", "\\geq", "\\lt", "\\gt"}
_FUNCTIONS = {"\\sin", "\\cos", "\\tan", "\\log", "\\lim"}

# A radical that claimed no radicand is written with an empty one: a bare `\sqrt` would
# take the next symbol as its argument, and the LaTeX would say more than the layout found.
_LATEX = {"\\lt": "<", "\\gt": ">", "\\prime": "'", "\\sqrt": "\\sqrt{}"}
_TEXT = {"\\alpha": "α", "\\beta": "β", "\\gamma": "γ", "\\theta": "θ", "\\pi": "π",
         "\\sigma": "σ", "\\phi": "φ", "\\mu": "μ", "\\lambda": "λ", "\\Delta": "Δ",
         "\\times": "×", "\\div": "÷", "\\pm": "±", "\\neq": "≠", "\\leq": "≤",
         "\\geq": "≥",
         "\\lt": "<", "\\gt": ">", "\\in": "∈", "\\rightarrow": "→", "\\sum": "∑",
         "\\int": "∫", "\\infty": "∞", "\\ldots": "…", "\\prime": "'", "\\forall": "∀",
         "\\exists": "∃", "\\{": "{", "\\}": "}", "\\sqrt": "√"}


def _join(parts: list[str]) -> str:
    out = ""
    for p in parts:
        # "\sin x", not "\sinx": a command name must not run into a following letter.
        if out and p and p[0].isalpha() and out[-1].isalpha() and _ends_with_command(out):
            out += " "
        out += p
    return out


def _ends_with_command(s: str) -> bool:
    i = len(s)
    while i > 0 and s[i - 1].isalpha():
        i -= 1
    return i > 0 and s[i - 1] == "\\"


def _centred_dots(row: list[LayoutNode], k: int) -> bool:
    """Whether the ellipsis row[k] stands beside a binary operator or a relation, and no comma."""
    near = [row[j].label for j in (k - 1, k + 1) if 0 <= j < len(row) and row[j].kind == "sym"]
    return "," not in near and any(label in _CENTRED_BY for label in near)


def to_latex(row: list[LayoutNode]) -> str:
    parts = []
    for k, n in enumerate(row):
        rels = n.rels
        if n.kind == "table":
            body = " \\\\ ".join(" & ".join(to_latex(c) for c in r) for r in cells(n))
            parts.append("\\begin{%s}%s\\end{%s}" % (n.label, body, n.label))
        elif n.kind == "frac":
            parts.append("\\frac{%s}{%s}" % (to_latex(rels.get("num", [])),
                                              to_latex(rels.get("den", []))))
        elif n.kind == "sqrt":
            idx = rels.get("index")
            index = to_latex(idx) if idx else ""
            if "]" in index:   # a "]" in the index would close it early
                index = "{%s}" % index
            parts.append(("\\sqrt[%s]" % index if idx else "\\sqrt")
                         + "{%s}" % to_latex(rels.get("arg", [])))
        else:
            label = _LATEX.get(n.label, n.label)
            if n.label == "\\ldots" and _centred_dots(row, k):
                label = "\\cdots"
            if n.label in _LIMIT_OPS:
                sub = rels.get("below", []) + rels.get("sub", [])
                sup = rels.get("above", []) + rels.get("sup", [])
            else:
                sub, sup = rels.get("sub"), rels.get("sup")
                if rels.get("above"):
                    label = "\\overset{%s}{%s}" % (to_latex(rels["above"]), label)
                if rels.get("below"):
                    label = "\\underset{%s}{%s}" % (to_latex(rels["below"]), label)
            parts.append(label)
            if sub:
                parts.append("_{%s}" % to_latex(sub))
            if sup:
                parts.append("^{%s}" % to_latex(sup))
            continue
        for rel, mark in (("sub", "_"), ("sup", "^")):
            if rels.get(rel):
                parts.append("%s{%s}" % (mark, to_latex(rels[rel])))
    return _join(parts)


def _group(row: list[LayoutNode]) -> str:
    s = to_text(row)
    return s if len(row) == 1 and not row[0].rels and len(s) <= 3 else "(%s)" % s


def table_text(n: LayoutNode) -> str:
    """A table as plain text, one line per row: a matrix's cells two spaces apart inside its
    delimiters, a case's value and condition after a comma, lines as written."""
    rows = cells(n)
    if n.label in MATRICES:
        left, right = MATRICES[n.label]
        lines = ["  ".join(to_text(c) for c in r) for r in rows]
        return left + ("\n ".join(lines)) + right
    if n.label == CASES:
        return "{" + "\n ".join(", ".join(t for t in map(to_text, r) if t) for r in rows)
    return "\n".join("".join(map(to_text, r)) for r in rows)


def to_text(row: list[LayoutNode]) -> str:
    parts = []
    for n in row:
        rels = n.rels
        if n.kind == "table":
            parts.append(table_text(n))
            continue
        if n.kind == "frac":
            parts.append("%s/%s" % (_group(rels.get("num", [])), _group(rels.get("den", []))))
        elif n.kind == "sqrt":
            idx = rels.get("index")
            parts.append(("root(%s, %s)" % (to_text(idx), to_text(rels.get("arg", []))))
                         if idx else "sqrt(%s)" % to_text(rels.get("arg", [])))
        else:
            parts.append(n.label[1:] if n.label in _FUNCTIONS else _TEXT.get(n.label, n.label))
        sub = rels.get("below", []) + rels.get("sub", [])
        sup = rels.get("above", []) + rels.get("sup", [])
        if sub:
            parts.append("_" + _group(sub))
        if sup:
            parts.append("^" + _group(sup))
        if n.label in _FUNCTIONS:
            parts.append(" ")  # "sin x", "lim_(x→0) f"
    return "".join(parts).strip()


def tables_json(tree) -> list[dict]:
    """Every table of a tree, outer first, as plain data: its environment and, per row, each
    cell's LaTeX, text and symbol indices (into the recognition's symbols)."""
    out, pending = [], list(tree or ())
    while pending:
        n = pending.pop(0)
        if is_table(n):
            out.append({"environment": n.label, "rows": [
                [{"latex": to_latex(c), "text": to_text(c), "symbols": symbols_under(c)} for c in r]
                for r in cells(n)]})
        for v in n.rels.values():
            pending.extend(v)
    return out
