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
# The look-alike pairs: told apart by the writer and the formula more than by the ink
# (evaluate's pairs_in_context counts them; layout/row_context.py settles them by their line).
LOOKALIKE_PAIRS = (("c", "C"), ("x", "X"), ("s", "S"), ("p", "P"), ("y", "Y"), ("v", "V"),
                   ("z", "2"), ("x", "\\times"), ("9", "g"), ("9", "q"), ("g", "q"),
                   ("1", "\\prime"), ("1", ","), ("1", "|"), ("\\prime", ","), ("n", "m"),
                   ("o", "0"), ("5", "s"), ("5", "S"))
assert {c for pair in LOOKALIKE_PAIRS for c in pair} <= set(SYMBOLS)


def default_classes() -> list[str]:
    return SYMBOLS + [BACKGROUND]
