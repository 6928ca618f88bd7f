"""What is drawn over the ink: the class heatmap and the symbol boxes.

Each is rendered into a transparent pixmap when a result or a toggle changes,
so painting while the user writes stays a constant few blits.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen, QPixmap

BOX_COLOR = QColor(214, 96, 0)          # orange: distinct from the dark-blue ink and the heatmap
SELECTED_COLOR = QColor(0, 140, 90)
LOW_SCORE_COLOR = QColor(200, 30, 60)   # boxes the network is unsure about
LOW_SCORE = 0.5
CHOSEN_COLOR = QColor(30, 110, 200)     # the user's own reading: a choice, not a score
HOVER_COLOR = QColor(0, 120, 80)
UNSURE_COLOR = QColor(190, 120, 0)      # placements (script or line) the layout was unsure of
UNSURE = 0.75                           # below this share of its choices a placement is shown
HEATMAP_OPACITY = 0.7
HEATMAP_FLOOR = 0.04


class BoxView(NamedTuple):
    rect: QRectF
    label: str
    score: float
    chosen: bool = False    # the user picked this label: shown as their choice, without a score
    personal: bool = False  # the user's own handwriting (their earlier corrections) decided the label


class PlacementView(NamedTuple):
    """A placement the layout was unsure of: a dashed line from the symbol it was placed
    against to the symbol, and what was read, how sure, and what came second; `index` is
    the symbol's box (a tap on the words opens its menu)."""
    base: QRectF
    rect: QRectF
    text: str
    index: int = -1


RELATION_WORDS = {"right": "on the line", "sup": "superscript", "sub": "subscript"}


_SCRIPT_WORDS = {"sup": "superscript", "sub": "subscript", "num": "numerator",
                 "den": "denominator", "arg": "root", "index": "root index",
                 "above": "upper limit", "below": "lower limit"}


def option_text(relation: str, base_label: str | None, line: tuple[str, str] | None = None) -> str:
    """A placement as the symbol menu offers it: after the x, superscript of the x; `line`
    (owner label, relation) where the base itself is in a script or a part: "after 2 in the
    superscript of x", so that two "after"s are told apart."""
    base = pretty_label(base_label) if base_label else "…"
    text = {"right": f"after {base}", "sup": f"superscript of {base}",
            "sub": f"subscript of {base}"}.get(relation, relation)
    # A line of a table (a row of several lines, a cell) is no part of a symbol: nothing to name.
    if relation == "right" and line is not None and line[1] in _SCRIPT_WORDS and line[0]:
        owner, rel = line
        text += f" in the {_SCRIPT_WORDS[rel]} of {pretty_label(owner)}"
    return text


def placement_text(relation: str, confidence: float, base_label: str | None,
                   second: str | None = None, second_base_label: str | None = None,
                   line=None, second_line=None) -> str:
    """The words of an unsure placement: what was read, how sure, and what came second."""
    text = f"{option_text(relation, base_label, line)}? {confidence:.0%}"
    return text + f" · or {option_text(second, second_base_label, second_line)}" if second else text


@dataclass(frozen=True)
class Transform:
    """Maps recognizer input coordinates to canvas coordinates (identity for drawn ink)."""
    scale: float = 1.0
    dx: float = 0.0
    dy: float = 0.0

    def rect(self, box) -> QRectF:
        x1, y1, x2, y2 = box
        return QRectF(x1 * self.scale + self.dx, y1 * self.scale + self.dy,
                      (x2 - x1) * self.scale, (y2 - y1) * self.scale)


IDENTITY = Transform()


def _colormap_lut() -> np.ndarray:
    # matplotlib is already a dependency (formula preview); its perceptual maps read well.
    from matplotlib import colormaps
    return (colormaps["plasma"](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)


_LUT: np.ndarray | None = None


def heatmap_image(values: np.ndarray) -> QImage:
    """values: (h, w) probabilities in 0..1 -> RGBA image; low values are transparent
    so the ink and paper stay readable where the network sees nothing."""
    global _LUT
    if _LUT is None:
        _LUT = _colormap_lut()
    v = np.clip(np.nan_to_num(values.astype(np.float32)), 0.0, 1.0)
    h, w = v.shape
    rgba = np.empty((h, w, 4), dtype=np.uint8)
    rgba[..., :3] = _LUT[(v * 255).astype(np.uint8)]
    # Near-zero probabilities stay fully transparent, so the grid's edge never shows as a tint.
    alpha = np.sqrt(np.clip((v - HEATMAP_FLOOR) / (1 - HEATMAP_FLOOR), 0.0, 1.0))
    rgba[..., 3] = (alpha * 255 * HEATMAP_OPACITY).astype(np.uint8)
    rgba = np.ascontiguousarray(rgba)
    img = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
    return img.copy()  # detach from the numpy buffer


def heatmap_values(heatmap, class_index: int | None) -> np.ndarray:
    """The winning symbol class's probability per cell, or one class's probability."""
    if class_index is None:
        return heatmap.confidence()[1]
    return heatmap.probs[class_index]


LABEL_FONT = QFont("DejaVu Sans", 9)


def pretty_label(label: str) -> str:
    # Boxes are small; show the glyph people wrote, not its LaTeX command.
    return _GLYPHS.get(label, label)


_GLYPHS = {
    "\\alpha": "α", "\\beta": "β", "\\gamma": "γ", "\\theta": "θ", "\\pi": "π", "\\sigma": "σ",
    "\\phi": "φ", "\\mu": "μ", "\\lambda": "λ", "\\Delta": "Δ", "\\times": "×", "\\div": "÷",
    "\\pm": "±", "\\neq": "≠", "\\leq": "≤", "\\geq": "≥", "\\lt": "<", "\\gt": ">", "\\in": "∈",
    "\\rightarrow": "→", "\\sqrt": "√", "\\sum": "Σ", "\\int": "∫", "\\infty": "∞",
    "\\ldots": "…", "\\prime": "′", "\\forall": "∀", "\\exists": "∃", "\\{": "{", "\\}": "}",
    "\\lim": "lim", "\\log": "log", "\\sin": "sin", "\\cos": "cos", "\\tan": "tan",
}


def tag_rect(box: QRectF, text: str, fm: QFontMetricsF, canvas: QRectF) -> QRectF:
    """The label tag sits above the box, or inside its top edge when there is no room."""
    w, h = fm.horizontalAdvance(text) + 6, fm.height() + 2
    x = min(max(box.left(), canvas.left()), canvas.right() - w)
    y = box.top() - h
    if y < canvas.top():
        y = box.top()
    return QRectF(x, y, w, h)


def _layer(size, dpr: float) -> QPixmap:
    pm = QPixmap(int(size.width() * dpr), int(size.height() * dpr))
    pm.setDevicePixelRatio(dpr)
    pm.fill(Qt.GlobalColor.transparent)
    return pm


def render_heatmap(size, dpr: float, heat_img: QImage | None, heat_rect: QRectF | None) -> QPixmap:
    """The heatmap layer; the canvas puts it under the ink so strokes stay crisp."""
    pm = _layer(size, dpr)
    if heat_img is not None and heat_rect is not None:
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(heat_rect, heat_img)
        p.end()
    return pm


def tag_text(box: BoxView) -> str:
    if box.chosen:
        return f"✓ {pretty_label(box.label)}"
    text = f"{pretty_label(box.label)} {box.score:.2f}"
    return text + " · yours" if box.personal else text


PLACEMENT_FONT = QFont("DejaVu Sans", 8)


def _paint_placements(p: QPainter, placements: list[PlacementView], canvas: QRectF) -> list[QRectF]:
    """Dashed from the base's centre to the symbol's, the words under the symbol's box; the
    words' rectangles."""
    fm = QFontMetricsF(PLACEMENT_FONT)
    tags = []
    p.setFont(PLACEMENT_FONT)
    for pl in placements:
        p.setPen(QPen(UNSURE_COLOR, 1.4, Qt.PenStyle.DashLine))
        p.drawLine(pl.base.center(), pl.rect.center())
        w, h = fm.horizontalAdvance(pl.text) + 6, fm.height() + 2
        x = min(max(pl.rect.left(), canvas.left()), canvas.right() - w)
        y = pl.rect.bottom() + 2
        if y + h > canvas.bottom():
            y = pl.rect.bottom() - h
        tag = QRectF(x, y, w, h)
        tags.append(tag)
        p.setPen(Qt.PenStyle.NoPen)
        fill = QColor(255, 248, 225, 230)
        p.setBrush(fill)
        p.drawRoundedRect(tag, 2, 2)
        p.setPen(UNSURE_COLOR.darker(130))
        p.drawText(tag, Qt.AlignmentFlag.AlignCenter, pl.text)
    p.setBrush(Qt.BrushStyle.NoBrush)
    return tags


def render_boxes(size, dpr: float, boxes: list[BoxView], selected: int | None, hover: int | None = None,
                 placements: list[PlacementView] = ()) -> tuple[QPixmap, list[QRectF], list[QRectF]]:
    """The box layer, each box's label-tag rectangle (a click on a tag corrects the symbol)
    and each unsure placement's words; those placements are drawn first, under the boxes."""
    pm = _layer(size, dpr)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    canvas = QRectF(0, 0, size.width(), size.height())
    placement_tags = _paint_placements(p, list(placements), canvas)
    p.setFont(LABEL_FONT)
    fm = QFontMetricsF(LABEL_FONT)
    tags = []
    for i, box in enumerate(boxes):
        rect = box.rect
        if i == selected:
            color = SELECTED_COLOR
        elif i == hover:
            color = HOVER_COLOR
        elif box.chosen:
            color = CHOSEN_COLOR
        else:
            color = LOW_SCORE_COLOR if box.score < LOW_SCORE else BOX_COLOR
        p.setPen(QPen(color, 1.6 if i in (selected, hover) else 1.2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect)
        text = tag_text(box) + (" ▾" if i == hover else "")
        tag = tag_rect(rect, text, fm, canvas)
        tags.append(tag)
        p.setPen(Qt.PenStyle.NoPen)
        fill = QColor(color)
        fill.setAlpha(215)
        p.setBrush(fill)
        p.drawRoundedRect(tag, 2, 2)
        p.setPen(QColor("white"))
        p.drawText(tag, Qt.AlignmentFlag.AlignCenter, text)
    p.end()
    return pm, tags, placement_tags


def hit_box(boxes: list[BoxView], pos: QPointF, slack: float = 3.0) -> int | None:
    """Index of the smallest box containing pos (nested boxes: the inner one wins)."""
    best, best_area = None, None
    for i, (rect, *_) in enumerate(boxes):
        if rect.adjusted(-slack, -slack, slack, slack).contains(pos):
            area = rect.width() * rect.height()
            if best is None or area < best_area:
                best, best_area = i, area
    return best
