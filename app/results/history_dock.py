"""The history beside the canvas: earlier expressions listed (history.py keeps them), one
put first when its page is left, and one clicked brought back (undoably)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDockWidget, QListWidget, QListWidgetItem

from ..part import Part, is_current
from .history import History

HISTORY_MIN_WIDTH = 220      # canvas + history fit the 1366 px of a small laptop


class HistoryDock(Part):
    def __init__(self, host, canvas, panel, data_dir: Path):
        super().__init__(host)
        self.canvas, self.panel = canvas, panel
        self.job = None                  # the job of what Results shows
        self.history = History(data_dir)
        self.history_list = QListWidget()
        self.history_list.setObjectName("history")
        self.history_list.setToolTip("Earlier expressions: click one to bring its ink back (undoable)")
        self.history_list.itemClicked.connect(self._on_clicked)
        self.dock = QDockWidget("History", host)
        self.dock.setObjectName("history_dock")
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        self.dock.setWidget(self.history_list)
        self.dock.setMinimumWidth(HISTORY_MIN_WIDTH)

    def set_shown(self, recognition, job):
        self.job = job

    def load(self):
        self.history.load()
        if self.history.error:
            self.report("History could not be read",
                        f"The saved history is damaged; it was set aside and the history starts "
                        f"empty.\n\n{self.history.error}")
        self._show()

    def _show(self):
        self.history_list.clear()
        for entry in self.history.entries:
            item = QListWidgetItem(entry.latex or "(not recognized)")
            item.setToolTip(f"{len(entry.strokes)} strokes")
            self.history_list.addItem(item)

    def remember(self, strokes=None, latex=None) -> None:
        """Put an expression (by default, what is on the canvas now) first in the history."""
        if strokes is None:
            strokes = self.canvas.point_arrays()
            current = is_current(self.job, self.canvas.version)
            latex = self.panel.latex if current or self.panel.edited else ""
        if not self.history.add(strokes, latex or ""):
            return
        try:
            self.history.save()
        except OSError as exc:
            self.say(f"The history could not be saved: {exc}", 8000)
        self._show()

    def _on_clicked(self, item: QListWidgetItem):
        row = self.history_list.row(item)
        if 0 <= row < len(self.history.entries):
            self.canvas.replace_all(self.history.entries[row].strokes, "Bring back from history")
