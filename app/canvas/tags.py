"""The canvas's overlays and their label tags: boxes, heatmap and unsure placements drawn
over the ink, which tag or box a point hits, the hover on a tag, a press held on a tag that
opens its symbol's menu, and ink written through that open menu."""
from __future__ import annotations

from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QWindow
from PySide6.QtWidgets import QMenu, QToolTip, QWidget

from .overlays import BoxView, PlacementView, hit_box, render_boxes, render_heatmap

TAP_PX = 4.0     # a press that moves less than this on a label tag may be held to open its menu
# A dot is a tap of well under this (gui_latency.py sends taps; people's last about 0.1 s), so a
# press held this long on a tag without moving asks for the menu, and nothing else does.
HOLD_MS = 500
TAG_TIP = "Hold here, or right-click the box, for other readings"


class TagLayer:
    """Mixed into InkCanvas (canvas.py), whose state it reads and sets."""

    # ---- overlays ---------------------------------------------------------------
    def set_overlays(self, boxes: list[BoxView], heat_img: QImage | None,
                     heat_rect: QRectF | None, placements: list[PlacementView] = ()):
        self._boxes, self._heat_img, self._heat_rect = boxes, heat_img, heat_rect
        self._placements = list(placements)
        self._selected = None
        self._hover = None
        self._overlay = None
        self.update()

    def set_overlay_visibility(self, heatmap: bool, boxes: bool):
        self.show_heatmap, self.show_boxes = heatmap, boxes
        self._overlay = None
        self.update()

    def select_box(self, index: int | None):
        self._selected = index
        self._overlay = None
        self.update()

    @property
    def boxes(self) -> list[BoxView]:
        return self._boxes

    def _ensure_overlay(self):
        if self._overlay is None:
            dpr = self.devicePixelRatioF()
            self._heat_layer = render_heatmap(self.size(), dpr, self._heat_img if self.show_heatmap else None,
                                              self._heat_rect)
            self._overlay, self._tags, self._placement_tags = render_boxes(self.size(), dpr,
                                                     self._boxes if self.show_boxes else [], self._selected,
                                                     self._hover,
                                                     self._placements if self.show_boxes else [])

    def tag_at(self, pos: QPointF) -> int | None:
        """The box whose label tag is under `pos` (a click there corrects, with any tool)."""
        if not self.show_boxes or not self._boxes:
            return None
        self._ensure_overlay()
        hit = next((i for i, tag in enumerate(self._tags) if tag.contains(pos)), None)
        if hit is None:  # the words of an unsure placement open its symbol's menu too
            hit = next((pl.index for pl, tag in zip(self._placements, self._placement_tags)
                        if tag.contains(pos)), None)
        return hit

    @property
    def pressed_on_tag(self) -> bool:
        """The stroke being drawn began on a label tag (and has not left it)."""
        return self._tag_tap is not None

    def tag_rects(self) -> list[list[float]]:
        """Each box's label tag as [x, y, w, h] on the canvas (for the window's trace)."""
        if not self.show_boxes or not self._boxes:
            return []
        self._ensure_overlay()
        return [[round(r.x(), 1), round(r.y(), 1), round(r.width(), 1), round(r.height(), 1)]
                for r in self._tags]

    def _update_hover(self, pos: QPointF | None, global_pos: QPoint | None = None):
        index = None if pos is None or self.tool not in ("pen", "correct") else self.tag_at(pos)
        if index == self._hover:
            return
        self._hover = index
        self._overlay = None
        self.update()
        if index is None:
            self.setCursor(self.tool_cursor)
            QToolTip.hideText()
        else:
            # With the Pen a click on the tag is a dot: the pen's cursor stays.
            self.setCursor(self.tool_cursor if self.tool == "pen" else Qt.CursorShape.PointingHandCursor)
            if global_pos is not None:
                QToolTip.showText(global_pos, TAG_TIP if self.tool == "pen" else
                                  "Click for other readings", self)

    def box_at(self, pos: QPointF) -> int | None:
        if not self.show_boxes or not self._boxes:
            return None
        self._ensure_overlay()
        for i, tag in enumerate(self._tags):
            if tag.contains(pos):
                return i
        return hit_box(self._boxes, pos)

    def _held(self):
        """A press held on a tag: its symbol's menu, and the press is not ink."""
        # A release the UI thread has not read yet (it was busy) makes this press a tap, a dot:
        # read it first, so that only a press that is still down opens the menu.
        QCoreApplication.processEvents()
        if self._tag_tap is None or self._live is None:
            return
        index, global_pos = self._tag_tap
        self._end_live()
        self.update()
        self.symbolActivated.emit(index, global_pos)

    @contextmanager
    def ink_through_menus(self):
        """While a symbol's menu is open: a pen-down on the canvas closes it and is ink."""
        app = QCoreApplication.instance()
        app.installEventFilter(self._through_menu)
        try:
            yield
        finally:
            if not self._through_menu.forwarding:
                app.removeEventFilter(self._through_menu)


class InkThroughMenu(QObject):
    """An application event filter while a symbol's menu is open over the canvas.

    A menu is a popup: it grabs the pointer, and Qt drops the press that closes it, and then
    the moves and the release of that stroke as well (they reach the canvas's window, which
    has no pressed widget to give them to). So a user who writes on while the menu is open
    would lose a stroke. Here that press closes the menu and starts the stroke, and the
    stroke's moves and release, which arrive at whichever top-level window had the pointer,
    are given to the canvas until the release. A press on the menu itself that chooses
    nothing (its header, a disabled item, a separator, its frame) is such a press too, where
    the canvas lies under it: the menu covers the place the next stroke begins.
    """

    def __init__(self, canvas: QWidget):
        # The InkCanvas (canvas.py), whose pointer input (input.py) this drives; typed as the
        # widget it is, so that tags.py stays below canvas.py.
        super().__init__(canvas)
        self.canvas = canvas
        self.forwarding = False

    def eventFilter(self, obj, e):
        t = e.type()
        if self.forwarding:
            # Window level only: each event is seen once, before any widget gets it.
            if not isinstance(obj, QWindow) or t not in (QEvent.Type.MouseMove, QEvent.Type.MouseButtonRelease,
                                                         QEvent.Type.MouseButtonPress):
                return False
            released = (t == QEvent.Type.MouseButtonRelease and e.button() == Qt.MouseButton.LeftButton)
            # A release no window saw (the pointer left the app) shows as a move with no button,
            # or as the next press: the stroke ends there, and that press goes its usual way.
            unseen = (t == QEvent.Type.MouseButtonPress or
                      (t == QEvent.Type.MouseMove and not e.buttons() & Qt.MouseButton.LeftButton))
            if t == QEvent.Type.MouseMove and not unseen:
                self.canvas._move(self.canvas.mapFromGlobal(e.globalPosition()))
            elif released or unseen:
                self.canvas._release()
                self.forwarding = False
                QCoreApplication.instance().removeEventFilter(self)
            return not unseen
        return self._menu_press(obj, e)

    def _menu_press(self, obj, e) -> bool:
        t = e.type()
        if (t == QEvent.Type.MouseButtonPress and isinstance(obj, QMenu)
                and e.button() == Qt.MouseButton.LeftButton):
            gp = e.globalPosition()
            pos = self.canvas.mapFromGlobal(gp)
            if (not _chooses(obj, gp) and self.canvas.isVisible()
                    and QRectF(self.canvas.rect()).contains(pos)):
                obj.close()
                self.canvas._press(pos, Qt.MouseButton.LeftButton, gp.toPoint())
                self.forwarding = self.canvas.drawing or self.canvas._erasing is not None or \
                    self.canvas._lasso is not None or self.canvas._drag_from is not None
                return True
        return False


def _chooses(menu: QMenu, global_pos: QPointF) -> bool:
    """A press here would choose something of the menu: an enabled item, not a header, a
    disabled item, a separator, the menu's frame, or a place outside it."""
    at = global_pos.toPoint()
    if not menu.geometry().contains(at):
        return False
    action = menu.actionAt(menu.mapFromGlobal(at))
    return action is not None and action.isEnabled() and not action.isSeparator()
