"""Writing results to disk: the LaTeX as a .tex document, the formula as PNG/SVG."""
from __future__ import annotations

import os
from pathlib import Path

from model.io.atomic import atomic_write_bytes, atomic_write_text

from ..results.preview import render

# \lt and \gt come from the recognizer's vocabulary (CROHME), not from LaTeX itself.
TEX_TEMPLATE = r"""\documentclass{article}
\usepackage{amsmath}
\providecommand{\lt}{<}
\providecommand{\gt}{>}
\begin{document}
\[
%s
\]
\end{document}
"""


def tex_document(latex: str) -> str:
    return TEX_TEMPLATE % latex


def export(latex: str, path: str | os.PathLike) -> None:
    """Format from the suffix: .tex, .png or .svg.  Raises PreviewError for PNG/SVG
    when mathtext cannot draw the formula, OSError when the file cannot be written."""
    suffix = Path(path).suffix.lower()
    if suffix == ".tex":
        atomic_write_text(path, tex_document(latex), private=False)
    elif suffix == ".svg":
        atomic_write_text(path, render(latex, "svg", fontsize=22).decode("utf-8"), private=False)
    elif suffix == ".png":
        atomic_write_bytes(path, render(latex, "png", dpi=300, fontsize=22, transparent=False),
                           private=False)
    else:
        raise ValueError(f"unknown export format {suffix!r}: use .tex, .png or .svg")
