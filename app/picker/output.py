"""What the picker prints: the formula in the format the caller asked for.

Plain functions over plain data, so the caller's contract (the exact bytes on stdout) is
tested without a window.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

FORMATS = ("latex", "mathml", "text", "json")


@dataclass
class Answer:
    """The formula the user accepted: the recognizer's reading, or the user's edit of its LaTeX."""
    latex: str
    text: str
    mathml: str                  # a <math> element with display="block"; "" if there is none
    edited: bool = False
    details: dict = field(default_factory=dict)   # the recognizer's symbols and tables (json)


def inline_mathml(mathml: str) -> str:
    return mathml.replace(' display="block"', ' display="inline"', 1)


def formatted(answer: Answer, fmt: str = "latex", inline: bool = False) -> str:
    """The text printed on stdout, without the final newline.

    --inline puts the LaTeX between $…$ and makes the MathML display="inline"; the plain text
    has no inline form and is printed as it is."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    latex = f"${answer.latex}$" if inline else answer.latex
    mathml = inline_mathml(answer.mathml) if inline else answer.mathml
    if fmt == "latex":
        return latex
    if fmt == "mathml":
        return mathml
    if fmt == "text":
        return answer.text
    return json.dumps({"latex": latex, "text": answer.text, "mathml": mathml, "edited": answer.edited,
                       **answer.details}, ensure_ascii=False)
