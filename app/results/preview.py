"""The formula preview: LaTeX -> image with matplotlib's mathtext (no TeX install).

Rendering uses a bare Figure on the Agg canvas (never pyplot), so it works
without a display and never opens a window.
"""
from __future__ import annotations

import io
import re
from functools import lru_cache

from . import preview_tables

INK = "#141c3c"

# Commands the recognizer emits that mathtext spells differently or lacks.
_MATHTEXT_FIXES = [(re.compile(r"\\lt(?![a-zA-Z])"), "<"), (re.compile(r"\\gt(?![a-zA-Z])"), ">"),
                   # A radical whose radicand is not written yet: mathtext refuses an empty group.
                   (re.compile(r"\\sqrt(\[[^\]]*\])?\{\s*\}"), r"\\sqrt\1{\\ }")]


class PreviewError(ValueError):
    """mathtext cannot parse or draw this LaTeX."""


def to_mathtext(latex: str) -> str:
    for pattern, repl in _MATHTEXT_FIXES:
        latex = pattern.sub(repl, latex)
    return latex


def _figure(latex: str, fontsize: float, dpi: float):
    import matplotlib
    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(1, 1), dpi=dpi)
    FigureCanvasAgg(fig)
    table = preview_tables.split(latex)
    if table is not None:   # several lines, a matrix or cases: mathtext draws one line only
        preview_tables.draw(fig, table, fontsize, to_mathtext, INK)
    else:
        fig.text(0, 0, f"${to_mathtext(latex)}$", fontsize=fontsize, color=INK)
    return fig


def render(latex: str, fmt: str = "png", dpi: float = 100, fontsize: float = 22,
           transparent: bool = True) -> bytes:
    """The formula as PNG or SVG bytes; raises PreviewError when mathtext refuses it."""
    if not latex.strip():
        raise PreviewError("empty formula")
    buf = io.BytesIO()
    try:
        fig = _figure(latex, fontsize, dpi)
        fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight", pad_inches=0.06,
                    transparent=transparent)
    except (ValueError, RuntimeError, KeyError, IndexError) as exc:
        # mathtext reports parse errors as ValueError with a multi-line caret diagram.
        first = str(exc).strip().splitlines()
        detail = next((l for l in reversed(first) if l.strip()), "") if first else ""
        raise PreviewError(detail[:160] or type(exc).__name__) from None
    return buf.getvalue()


@lru_cache(maxsize=64)
def render_png_cached(latex: str, dpi: float) -> bytes:
    return render(latex, "png", dpi=dpi)
