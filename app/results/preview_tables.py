"""Several lines, matrices and cases in the preview: mathtext draws one line of math only.

The recognizer writes them as LaTeX environments (aligned, gathered, pmatrix, bmatrix,
vmatrix, cases). Here each cell is drawn by mathtext on its own and the cells are placed on a
grid, as TeX would align them: `aligned` right-aligns the part before & and left-aligns the
rest, `cases` left-aligns, matrices and `gathered` centre. A matrix's delimiters and the cases
brace are glyphs grown to the grid's height. What sits before or after the environment on its
line (`A=` before a matrix) is drawn beside it, centred on it.
"""
from __future__ import annotations

import re

ENVIRONMENT = re.compile(r"\\begin\{(aligned|gathered|pmatrix|bmatrix|vmatrix|cases)\}(.*?)\\end\{\1\}",
                         re.S)
DELIMITERS = {"pmatrix": ("(", ")"), "bmatrix": ("[", "]"), "vmatrix": ("|", "|"), "cases": ("{", "")}
_ROW_GAP = 0.45     # between rows, in units of the font size
_COLUMN_GAP = 1.0   # between a matrix's or cases' columns (aligned's & joins its two halves)


def split(latex: str):
    """(before, environment, rows of cell LaTeX, after) when `latex` holds exactly one table
    environment and no other; None otherwise."""
    found = list(ENVIRONMENT.finditer(latex))
    if len(found) != 1 or "\\begin" in found[0].group(2):
        return None
    m = found[0]
    rows = [[c.strip() for c in r.split("&")] for r in re.split(r"\\\\", m.group(2))]
    rows = [r for r in rows if any(c for c in r)]
    if not rows:
        return None
    return latex[:m.start()].strip(), m.group(1), rows, latex[m.end():].strip()


def draw(fig, parts, fontsize: float, to_mathtext, color: str) -> None:
    """Place the table `parts` (from split) on `fig`. Sizes are measured in pixels at the
    figure's dpi and placed in inches, so a save at another dpi (or as SVG) keeps the layout."""
    before, env, rows, after = parts
    renderer = fig.canvas.get_renderer()
    px = fontsize * fig.dpi / 72.0
    inch = fig.dpi_scale_trans

    def text(s):
        t = fig.text(0.0, 0.0, f"${to_mathtext(s)}$" if s else "", fontsize=fontsize, color=color,
                     ha="left", va="center", transform=inch)
        box = t.get_window_extent(renderer)
        return t, box.width, box.height

    def place(t, x, y):
        # Raised by half the grid: the saved image's tight box keeps nothing below the figure.
        t.set_position((x / fig.dpi, (y + mid) / fig.dpi))

    cells = [[text(c) for c in row] for row in rows]
    n_cols = max(len(r) for r in rows)
    widths = [max((r[k][1] for r in cells if k < len(r)), default=0.0) for k in range(n_cols)]
    heights = [max(max(c[2] for c in r), 0.8 * px) for r in cells]
    gap = 0.0 if env == "aligned" else _COLUMN_GAP * px
    total_h = sum(heights) + _ROW_GAP * px * (len(rows) - 1)
    mid = total_h / 2 + 0.2 * px
    left_of, right_of = DELIMITERS.get(env, ("", ""))
    lead_w = 0.0
    if before:
        lead, lead_w, _ = text(before)
        place(lead, 0.0, 0.0)
    x = lead_w + (0.25 * px if before else 0.0)
    opening = _delimiter(fig, left_of, total_h, x, mid, color, renderer)
    x += opening + (0.15 * px if opening else 0.0)
    starts = [x + sum(widths[:k]) + gap * k for k in range(n_cols)]
    y = total_h / 2
    for row, h in zip(cells, heights):
        centre = y - h / 2
        for k, (t, w, _) in enumerate(row):
            if env == "aligned":
                at = starts[k] + (widths[k] - w if k % 2 == 0 else 0.0)
            elif env == "cases":
                at = starts[k]
            else:
                at = starts[k] + (widths[k] - w) / 2
            place(t, at, centre)
        y -= h + _ROW_GAP * px
    x = starts[-1] + widths[-1] + (0.15 * px if right_of else 0.0)
    x += _delimiter(fig, right_of, total_h, x, mid, color, renderer)
    if after:
        place(text(after)[0], x + 0.25 * px, 0.0)


def _delimiter(fig, glyph: str, height: float, x: float, y: float, color: str, renderer) -> float:
    """Draw `glyph` grown to `height` pixels, centred on y, its left at x (pixels); its width."""
    if not glyph:
        return 0.0
    probe = fig.text(0, 0, glyph, fontsize=20, va="center")
    h = max(probe.get_window_extent(renderer).height, 1.0)
    probe.remove()
    t = fig.text(x / fig.dpi, y / fig.dpi, glyph, fontsize=20 * height * 1.1 / h, color=color, ha="left",
                 va="center", transform=fig.dpi_scale_trans, fontweight="light")
    return t.get_window_extent(renderer).width
