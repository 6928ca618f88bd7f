"""The settings the window keeps between runs (its geometry, the overlays, the scratch-out
gesture, reopening the last page, the last folder), the Settings menu, and the window kept
inside the screen's free area."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QToolButton

from .. import settings as app_settings
from ..actions import make_action

PREFERRED_SIZE = (1400, 860)  # a first start on a big screen; a small one gets what it has
TITLE_BAR_GUESS = 32          # the window manager's frame, until it is known


class WindowSettings(QObject):
    """Settings of the window itself, and the parts' checkable actions it is given to keep."""
    scratchChanged = Signal(bool)    # the scratch-out gesture turned on or off
    restored = Signal()              # the kept actions hold their saved state again
    lastDirChanged = Signal(str)     # the folder the next file dialog opens in

    def __init__(self, window):
        super().__init__(window)
        self.window = window        # the window whose geometry is kept and fitted, nothing else of it
        self.last_dir = str(Path.home())
        self._kept: list[tuple[QAction, str, bool]] = []
        self.act_scratch = make_action(window, "Scratch-out gesture",
                                       lambda: self.scratchChanged.emit(self.act_scratch.isChecked()),
                                       checkable=True, tip="A zig-zag over strokes deletes them")
        self.keep(self.act_scratch, "gestures/scratch_out", True)

    def keep(self, action: QAction, key: str, default: bool):
        """A checkable action whose state is kept between runs (saved when the user changes it)."""
        self._kept.append((action, key, default))
        action.triggered.connect(self.save)

    def use_folder(self, folder: str):
        self.last_dir = folder
        self.lastDirChanged.emit(folder)

    def button(self, *groups) -> QToolButton:
        """Settings, as a menu button at the end of the result panel's buttons: the groups of
        actions given, a separator between two."""
        settings_button = QToolButton()
        settings_button.setText("Settings")
        settings_button.setObjectName("settings_button")
        settings_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(settings_button)
        for i, group in enumerate(groups):
            if i:
                menu.addSeparator()
            for a in group:
                menu.addAction(a)
        settings_button.setMenu(menu)
        return settings_button

    def restore(self):
        w = self.window
        s = app_settings.settings()
        geometry = s.value("window/geometry")
        if geometry is None or not w.restoreGeometry(geometry):
            w.resize(*PREFERRED_SIZE)
        self.fit_to_screen()
        for action, key, default in self._kept:
            action.setChecked(app_settings.read_bool(s, key, default))
        self.scratchChanged.emit(self.act_scratch.isChecked())
        self.restored.emit()
        self.use_folder(str(s.value("files/last_dir", str(Path.home()))))

    def save(self):
        s = app_settings.settings()
        s.setValue("window/geometry", self.window.saveGeometry())
        for action, key, _ in self._kept:
            s.setValue(key, action.isChecked())
        s.setValue("files/last_dir", self.last_dir)
        s.sync()

    def fit_to_screen(self):
        """Inside the screen's free area (a geometry saved on a bigger monitor, or the preferred
        size on a 1366x768 laptop), and never below what the canvas needs."""
        w = self.window
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
