"""Writing results to disk: the LaTeX as a .tex document, the formula as PNG/SVG."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from model.ink import atomic_write_text

from .preview import render

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


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def export(latex: str, path: str | os.PathLike) -> None:
    """Format from the suffix: .tex, .png or .svg.  Raises PreviewError for PNG/SVG
    when mathtext cannot draw the formula, OSError when the file cannot be written."""
    suffix = Path(path).suffix.lower()
    if suffix == ".tex":
        atomic_write_text(path, tex_document(latex))
    elif suffix == ".svg":
        atomic_write_text(path, render(latex, "svg", fontsize=22).decode("utf-8"))
    elif suffix == ".png":
        atomic_write_bytes(path, render(latex, "png", dpi=300, fontsize=22, transparent=False))
    else:
        raise ValueError(f"unknown export format {suffix!r}: use .tex, .png or .svg")
