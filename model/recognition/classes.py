"""The symbol classes: the 101 CROHME symbols plus background."""
from __future__ import annotations

BACKGROUND = "<bg>"

SYMBOLS = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p",
    "q", "r", "s", "t", "u", "v", "w", "x", "y", "z",
    "A", "B", "C", "E", "F", "G", "H", "I", "L", "M", "N", "P", "R", "S", "T", "V", "X", "Y",
    "\\alpha", "\\beta", "\\gamma", "\\theta", "\\pi", "\\sigma", "\\phi", "\\mu", "\\lambda",
    "\\Delta",
    "+", "-", "=", "\\times", "\\div", "\\pm", "\\neq", "\\leq", "\\geq", "\\lt", "\\gt",
    "\\in", "\\rightarrow", "!", "/", "|",
    "(", ")", "[", "]", "\\{", "\\}",
    "\\sqrt", "\\sum", "\\int", "\\lim", "\\log", "\\sin", "\\cos", "\\tan",
    "\\infty", "\\ldots", "\\prime", "\\forall", "\\exists", ",", ".",
]
assert len(SYMBOLS) == 101 and len(set(SYMBOLS)) == 101
# The Greek letters among them: letters, for rules that read what a symbol is.
GREEK = frozenset({"\\alpha", "\\beta", "\\gamma", "\\theta", "\\pi", "\\sigma", "\\phi", "\\mu",
                   "\\lambda", "\\Delta"})
assert GREEK <= set(SYMBOLS)

def default_classes() -> list[str]:
    return SYMBOLS + [BACKGROUND]
