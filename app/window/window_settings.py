"""The settings the window keeps between runs (its geometry, the overlays, the scratch-out
gesture, reopening the last page, the last folder), the Settings menu, and the window kept
inside the screen's free area."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QToolButton

from .. import settings as app_settings
from ..actions import make_action

PREFERRED_SIZE = (1400, 860)  # a first start on a big screen; a small one gets what it has
TITLE_BAR_GUESS = 32          # the window manager's frame, until it is known


class WindowSettings(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.last_dir = str(Path.home())
        self.act_scratch = make_action(window, "Scratch-out gesture", self._on_scratch_toggled, checkable=True,
                                       tip="A zig-zag over strokes deletes them")
        self.act_reopen = make_action(window, "Reopen the last page at start", self.save, checkable=True,
                                      tip="After a normal quit, the next start shows the page you left")

    def button(self, handwriting_actions) -> QToolButton:
        """Settings, as a menu button at the end of the result panel's buttons."""
        settings_button = QToolButton()
        settings_button.setText("Settings")
        settings_button.setObjectName("settings_button")
        settings_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(settings_button)
        menu.addAction(self.act_scratch)
        menu.addAction(self.act_reopen)
        menu.addSeparator()
        for a in handwriting_actions:
            menu.addAction(a)
        settings_button.setMenu(menu)
        return settings_button

    def _on_scratch_toggled(self):
        self.w.canvas.scratch_enabled = self.act_scratch.isChecked()
        self.save()

    def restore(self):
        w, results = self.w, self.w.results
        s = app_settings.settings()
        geometry = s.value("window/geometry")
        if geometry is None or not w.restoreGeometry(geometry):
            w.resize(*PREFERRED_SIZE)
        self.fit_to_screen()
        results.act_heatmap.setChecked(app_settings.read_bool(s, "overlays/heatmap", True))
        results.act_boxes.setChecked(app_settings.read_bool(s, "overlays/boxes", True))
        self.act_scratch.setChecked(app_settings.read_bool(s, "gestures/scratch_out", True))
        self.act_reopen.setChecked(app_settings.read_bool(s, "session/reopen_last_page", True))
        w.canvas.scratch_enabled = self.act_scratch.isChecked()
        results.apply_overlay_visibility()
        self.last_dir = str(s.value("files/last_dir", str(Path.home())))

    def save(self):
        w, results = self.w, self.w.results
        s = app_settings.settings()
        s.setValue("window/geometry", w.saveGeometry())
        s.setValue("overlays/heatmap", results.act_heatmap.isChecked())
        s.setValue("overlays/boxes", results.act_boxes.isChecked())
        s.setValue("gestures/scratch_out", self.act_scratch.isChecked())
        s.setValue("session/reopen_last_page", self.act_reopen.isChecked())
        s.setValue("files/last_dir", self.last_dir)
        s.sync()

    def fit_to_screen(self):
        """Inside the screen's free area (a geometry saved on a bigger monitor, or the preferred
        size on a 1366x768 laptop), and never below what the canvas needs."""
        w = self.w
        screen = w.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        frame_w = max(0, w.frameGeometry().width() - w.width())
        frame_h = max(0, w.frameGeometry().height() - w.height())
        if frame_h == 0:
            frame_h = TITLE_BAR_GUESS   # not framed yet: leave room for the window manager's title
        width = max(w.minimumSizeHint().width(), min(w.width(), free.width() - frame_w))
        height = max(w.minimumSizeHint().height(), min(w.height(), free.height() - frame_h))
        w.resize(width, height)
        x = min(max(w.x(), free.left()), max(free.left(), free.right() - width - frame_w))
        y = min(max(w.y(), free.top()), max(free.top(), free.bottom() - height - frame_h))
        w.move(x, y)
