"""The main window: wires the canvas, the recognition service, the result panel,
autosave and settings together.  It holds no recognition logic itself."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QIcon, QImage, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDockWidget, QLabel, QListWidget, QListWidgetItem,
                               QMainWindow, QMenu, QStyle, QToolBar, QToolButton, QVBoxLayout,
                               QWidget)

from model.io.atomic import atomic_write_text
from model.io.ink import InkError, ink_from_strokes, read_inkml, write_inkml
from model.recognition.classes import SYMBOLS
from model.recognition.label_parts import relabelled, strokes_for_label
from model.recognition.notation.mathml import MIME_TYPE as MATHML_MIME
from model.recognition.notation.mathml import latex_to_mathml, latex_to_text, mml_document, to_mathml
from model.recognition.result import uncertain_placements

from . import settings as app_settings
from .autosave import Autosaver
from .canvas import CANVAS_HEIGHT, CANVAS_WIDTH, InkCanvas
from .dialogs import PROFILE_FILTER, Dialogs, Placed, PlacementOption
from .documents import (IMAGE_SUFFIXES, DocumentError, image_transform, load_ink, read_image)
from .exports import export
from .history import History
from .overlays import (IDENTITY, UNSURE, BoxView, PlacementView, Transform, heatmap_image, heatmap_values,
                       option_text, placement_text, pretty_label)
from .preview import PreviewError
from .result_panel import ResultPanel
from .text_keys import keep_keys_in
from .trace import from_environment as trace_from_environment
from .worker import Job, RecognitionService, ink_key

HISTORY_MIN_WIDTH = 220      # canvas + history fit the 1366 px of a small laptop
PREFERRED_SIZE = (1400, 860)  # a first start on a big screen; a small one gets what it has
TITLE_BAR_GUESS = 32          # the window manager's frame, until it is known
RECOGNITION_ANNOTATION = "recognition"   # <annotation type="recognition"> in a saved InkML
LAST_PAGE_NAME = "last-page.inkml"       # in the data folder: the page left at a normal quit
HANDWRITING_NAME = "handwriting.npz"     # in the data folder: the personal model's samples
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
LIVE_INTERVAL_MS = 250   # how often the ink is re-recognized while a stroke is being drawn
BEST_CLASS = "Best class (confidence)"
# Word on Windows reads MathML from the clipboard format of this name; Qt spells it so.
WINDOWS_MATHML = 'application/x-qt-windows-mime;value="MathML Presentation"'


def _symbol_key(symbol) -> tuple:
    # Corrections follow the ink (stroke indices), not list positions, which relayout may reorder.
    return (tuple(symbol.strokes), tuple(round(float(v), 1) for v in symbol.box))


MAX_PLACEMENT_OPTIONS = 5


def _label(rec, index) -> str | None:
    return rec.symbols[index].label if index is not None and 0 <= index < len(rec.symbols) else None


def _find(tree, index: int):
    """The layout node of symbol `index` and the row it is on as (owner label, relation),
    None on the main line; (None, None) when no node stands for it."""
    pending = [(list(tree), None)]
    while pending:
        row, line = pending.pop()
        for n in row:
            if n.symbol == index:
                return n, line
            for rel, sub in n.rels.items():
                pending.append((list(sub), (n.label, rel)))
    return None, None


def _line_of(tree, index) -> tuple[str, str] | None:
    return _find(tree, index)[1]


def _keep_short(action: QAction, word: str) -> None:
    text = action.text()
    if text != word:
        action.setToolTip(text)
        action.setText(word)


class MainWindow(QMainWindow):
    def __init__(self, model_path=None, dialogs: Dialogs | None = None, recognizer_factory=None,
                 data_dir=None):
        super().__init__()
        self.setWindowTitle("MathInk")
        self.dialogs = dialogs or Dialogs()
        self.recognition = None                  # what is displayed (corrections applied)
        self.result_job: Job | None = None
        self.result_transform: Transform = IDENTITY
        self.corrections: dict[tuple, str] = {}
        self.corrections_version = -1
        self.image: np.ndarray | None = None
        self.image_transform: Transform = IDENTITY
        self.document_path: Path | None = None
        self._shown_errors: set[str] = set()
        self._closed = False
        self._edit_version = -1          # the ink version a hand edit of the LaTeX was made on
        self._edit_ink: list = []
        self._edit_archived = False
        self._taught: dict[tuple, tuple] = {}   # (stroke indices, label) -> (their ink, sample key)

        self.canvas = InkCanvas()
        self.data_dir = Path(data_dir or app_settings.data_dir())
        self.service = RecognitionService(model_path, recognizer_factory, parent=self,
                                          profile_path=self.data_dir / HANDWRITING_NAME)
        self.service.handwriting.connect(self._on_handwriting)
        self.service.handwriting_problem.connect(
            lambda message: self._report("Your handwriting profile", message))
        self.autosaver = Autosaver(self.data_dir, parent=self)
        self.history = History(self.data_dir)
        self._build_actions()
        self._on_handwriting(0)
        self.panel = ResultPanel([self.act_copy, self.act_copy_mathml],
                                 [self._export_button(), self._settings_button()],
                                 text_of_latex=latex_to_text)
        self._build_ui()
        self._build_history()
        keep_keys_in(self.panel.text_field, self.panel.latex_field, self.history_list)
        self.panel.latexEdited.connect(self._on_latex_edited)
        self.canvas.selectionChanged.connect(self._on_selection_changed)
        self._on_selection_changed()

        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_INTERVAL_MS)
        self._live_timer.timeout.connect(lambda: self.request_recognition(live=True))

        self.canvas.inkChanged.connect(self._on_ink_changed)
        self.canvas.liveInk.connect(self._on_live_ink)
        self.canvas.symbolActivated.connect(self._on_symbol_activated)
        self.service.result.connect(self._on_result)
        self.service.error.connect(self._on_recognition_error)
        self.service.unavailable.connect(self._on_unavailable)
        self.service.restarted.connect(lambda msg: self._report("Recognition restarted", msg))
        self.service.ready.connect(lambda: self.status.setText("Model loaded"))
        self.autosaver.failed.connect(lambda msg: self.statusBar().showMessage(msg, 8000))

        self.trace = trace_from_environment(self)
        if self.trace is not None:
            self.canvas.penDown.connect(lambda: self.trace.write("pen_down", on_tag=self.canvas.pressed_on_tag))
            self.canvas.strokeFinished.connect(
                lambda pts: self.trace.write("pen_up", points=len(pts), version=self.canvas.version,
                                             xy=pts[:, :2].round(1).tolist()))

        self._restore_settings()
        self._offer_restore()
        self.autosaver.start_session()

    # ---- construction ------------------------------------------------------------
    def _action(self, text, slot=None, shortcut=None, icon=None, checkable=False, tip=None):
        act = QAction(text, self)
        if isinstance(icon, str):
            act.setIcon(QIcon(str(ICONS / icon)))
        elif icon is not None:
            act.setIcon(self.style().standardIcon(icon))
        if shortcut is not None:
            act.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        act.setCheckable(checkable)
        if tip:
            act.setToolTip(tip)
            act.setStatusTip(tip)
        if slot is not None:
            act.triggered.connect(slot)
        self.addAction(act)   # shortcuts work even for actions that are not in a toolbar
        return act

    def _build_actions(self):
        SP = QStyle.StandardPixmap
        self.act_open = self._action("Open…", self.open_dialog, QKeySequence.StandardKey.Open, SP.SP_DialogOpenButton,
                                     tip="Open InkML ink or an image of handwriting (Ctrl+O)")
        self.act_save = self._action("Save…", self.save_dialog, QKeySequence.StandardKey.Save, SP.SP_DialogSaveButton,
                                     tip="Save the ink as InkML (Ctrl+S)")
        self.act_undo = self.canvas.undo_stack.createUndoAction(self, "Undo")
        self.act_undo.setShortcut(QKeySequence("Ctrl+Z"))
        self.act_undo.setIcon(self.style().standardIcon(SP.SP_ArrowBack))
        self.act_redo = self.canvas.undo_stack.createRedoAction(self, "Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.act_redo.setIcon(self.style().standardIcon(SP.SP_ArrowForward))
        # A short button whatever the step ("Undo Read as \times" would widen the toolbar);
        # the tooltip names the step.
        for act, word in ((self.act_undo, "Undo"), (self.act_redo, "Redo")):
            act.changed.connect(lambda a=act, w=word: _keep_short(a, w))
        self.addAction(self.act_undo)
        self.addAction(self.act_redo)
        self.act_clear = self._action("Clear", self.clear_canvas, None, SP.SP_DialogResetButton,
                                      tip="Clear the canvas (Delete with nothing selected); "
                                          "the expression goes to the history")
        self.act_delete = self._action("Delete", self.delete_pressed, QKeySequence(Qt.Key.Key_Delete),
                                       tip="Delete the selected strokes, or clear the canvas when "
                                           "nothing is selected (Delete)")
        # Backspace only ever deletes a selection: a stray one must not wipe the page.
        self.act_backspace = self._action("Delete selection", self.canvas.delete_selection,
                                          QKeySequence(Qt.Key.Key_Backspace))
        self.act_lasso = self._action("Select", lambda: self.set_tool("lasso"), "L", "lasso.svg",
                                      checkable=True,
                                      tip="Lasso: circle strokes to select them, drag the selection "
                                          "to move it (L)")
        self.act_group = self._action("One symbol", self.group_selection, "G",
                                      tip="The selected strokes are one symbol (G)")
        self.act_relabel = self._action("This is…", self.relabel_selection, "R",
                                        tip="The selected strokes are one symbol: choose which (R)")
        self.act_deselect = self._action("Deselect", lambda: self.canvas.set_selection([]),
                                         QKeySequence(Qt.Key.Key_Escape))
        self.act_scratch = self._action("Scratch-out gesture", self._on_scratch_toggled, checkable=True,
                                        tip="A zig-zag over strokes deletes them")
        self.act_reopen = self._action("Reopen the last page at start", self._save_settings, checkable=True,
                                       tip="After a normal quit, the next start shows the page you left")
        # The personal model (model/recognition/personal.py): it learns from corrections and copies.
        self.act_handwriting = self._action("My handwriting: nothing learnt yet", lambda: None,
                                            tip="Symbols you corrected, or copied unchanged, teach MathInk "
                                                "your handwriting; the profile stays on this computer")
        self.act_handwriting.setEnabled(False)
        self.act_forget = self._action("Forget my handwriting…", self.forget_handwriting,
                                       tip="Forget every symbol learnt from your corrections and copies")
        self.act_export_handwriting = self._action("Export my handwriting…", self.export_handwriting,
                                                   tip="Save the profile to a file (for another computer "
                                                       "or account)")
        self.act_import_handwriting = self._action("Import my handwriting…", self.import_handwriting,
                                                   tip="Add the symbols of an exported profile to this one")
        self.tool_group = QActionGroup(self)
        self.act_pen = self._action("Pen", lambda: self.set_tool("pen"), "P", "pen.svg", checkable=True,
                                    tip="Write (P)")
        self.act_eraser = self._action("Eraser", lambda: self.set_tool("eraser"), "E", "eraser.svg", checkable=True,
                                       tip="Erase whole strokes (E)")
        self.act_correct = self._action("Correct", lambda: self.set_tool("correct"), "K", "correct.svg", checkable=True,
                                        tip="Click a box to pick another reading (K; right-click works with any tool)")
        for a in (self.act_pen, self.act_eraser, self.act_correct, self.act_lasso):
            self.tool_group.addAction(a)
        self.act_pen.setChecked(True)
        self.act_heatmap = self._action("Heatmap", self._on_overlay_toggled, icon="heatmap.svg", checkable=True,
                                        tip="Show the network's per-window class heatmap")
        self.act_boxes = self._action("Boxes", self._on_overlay_toggled, icon="boxes.svg", checkable=True,
                                      tip="Show the recognized symbols' boxes, labels and scores")
        self.act_copy = self._action("Copy LaTeX", self.copy_latex, QKeySequence.StandardKey.Copy,
                                     tip="Copy the LaTeX to the clipboard (Ctrl+C)")
        self.act_copy_mathml = self._action("Copy MathML", self.copy_mathml, "Ctrl+Shift+C",
                                            tip="Copy the formula as MathML, for LibreOffice and Word "
                                                "(Ctrl+Shift+C)")
        self.act_export_tex = self._action("Export .tex…", lambda: self.export_dialog(".tex"))
        self.act_export_mml = self._action("Export .mml…", lambda: self.export_dialog(".mml"))
        self.act_export_png = self._action("Export PNG…", lambda: self.export_dialog(".png"))
        self.act_export_svg = self._action("Export SVG…", lambda: self.export_dialog(".svg"))
        self.act_quit = self._action("Quit", self.close, QKeySequence.StandardKey.Quit)

    def _build_ui(self):
        tb = QToolBar("Main")
        tb.setObjectName("main_toolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for a in (self.act_open, self.act_save):
            tb.addAction(a)
        tb.addSeparator()
        for a in (self.act_pen, self.act_eraser, self.act_correct):
            tb.addAction(a)
        tb.addSeparator()
        for a in (self.act_undo, self.act_redo, self.act_clear):
            tb.addAction(a)
        tb.addSeparator()
        tb.addAction(self.act_heatmap)
        self.heat_class = QComboBox()
        self.heat_class.setObjectName("heat_class")
        self.heat_class.addItem(BEST_CLASS)
        self.heat_class.setToolTip("Which class the heatmap shows")
        self.heat_class.setMinimumContentsLength(14)
        self.heat_class.currentIndexChanged.connect(lambda _: self._show_overlays())
        tb.addWidget(self.heat_class)
        tb.addAction(self.act_boxes)
        # New tools go after the existing ones: scripted users click those at fixed places.
        tb.addSeparator()
        tb.addAction(self.act_lasso)
        for a in (self.act_group, self.act_relabel):
            tb.addAction(a)
        self.addToolBar(tb)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.setSpacing(6)
        # Left-aligned: the history dock beside it must not shift the canvas.
        layout.addWidget(self.canvas, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.panel)
        self.setCentralWidget(central)
        self.status = QLabel("Loading model…")
        self.statusBar().addPermanentWidget(self.status)

    def _export_button(self) -> QToolButton:
        button = QToolButton()
        button.setText("Export")
        button.setObjectName("export_button")
        button.setToolTip("Save the formula as a .tex document, MathML, PNG or SVG")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        for a in (self.act_export_tex, self.act_export_mml, self.act_export_png, self.act_export_svg):
            menu.addAction(a)
        button.setMenu(menu)
        return button

    def _settings_button(self) -> QToolButton:
        """Settings, as a menu button at the end of the result panel's buttons."""
        settings_button = QToolButton()
        settings_button.setText("Settings")
        settings_button.setObjectName("settings_button")
        settings_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(settings_button)
        menu.addAction(self.act_scratch)
        menu.addAction(self.act_reopen)
        menu.addSeparator()
        for a in (self.act_handwriting, self.act_forget, self.act_export_handwriting, self.act_import_handwriting):
            menu.addAction(a)
        settings_button.setMenu(menu)
        return settings_button

    def _build_history(self):
        self.history_list = QListWidget()
        self.history_list.setObjectName("history")
        self.history_list.setToolTip("Earlier expressions: click one to bring its ink back (undoable)")
        self.history_list.itemClicked.connect(self._on_history_clicked)
        dock = QDockWidget("History", self)
        dock.setObjectName("history_dock")
        dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        dock.setWidget(self.history_list)
        dock.setMinimumWidth(HISTORY_MIN_WIDTH)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.history.load()
        if self.history.error:
            self._report("History could not be read",
                         f"The saved history is damaged; it was set aside and the history starts "
                         f"empty.\n\n{self.history.error}")
        self._show_history()

    def _show_history(self):
        self.history_list.clear()
        for entry in self.history.entries:
            item = QListWidgetItem(entry.latex or "(not recognized)")
            item.setToolTip(f"{len(entry.strokes)} strokes")
            self.history_list.addItem(item)

    def remember(self, strokes=None, latex=None) -> None:
        """Put an expression (by default, what is on the canvas now) first in the history."""
        if strokes is None:
            strokes = self.canvas.point_arrays()
            latex = self.panel.latex if self._result_is_current() or self.panel.edited else ""
        if not self.history.add(strokes, latex or ""):
            return
        try:
            self.history.save()
        except OSError as exc:
            self.statusBar().showMessage(f"The history could not be saved: {exc}", 8000)
        self._show_history()

    def _result_is_current(self) -> bool:
        job = self.result_job
        return job is not None and not job.live and job.version == self.canvas.version

    def _on_history_clicked(self, item: QListWidgetItem):
        row = self.history_list.row(item)
        if 0 <= row < len(self.history.entries):
            self.canvas.replace_all(self.history.entries[row].strokes, "Bring back from history")

    # ---- settings -------------------------------------------------------------
    def _restore_settings(self):
        s = app_settings.settings()
        geometry = s.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*PREFERRED_SIZE)
        self._fit_to_screen()
        self.act_heatmap.setChecked(app_settings.read_bool(s, "overlays/heatmap", True))
        self.act_boxes.setChecked(app_settings.read_bool(s, "overlays/boxes", True))
        self.act_scratch.setChecked(app_settings.read_bool(s, "gestures/scratch_out", True))
        self.act_reopen.setChecked(app_settings.read_bool(s, "session/reopen_last_page", True))
        self.canvas.scratch_enabled = self.act_scratch.isChecked()
        self._apply_overlay_visibility()
        self.last_dir = str(s.value("files/last_dir", str(Path.home())))

    def _fit_to_screen(self):
        """Inside the screen's free area (a geometry saved on a bigger monitor, or the preferred
        size on a 1366x768 laptop), and never below what the canvas needs."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        frame_w = max(0, self.frameGeometry().width() - self.width())
        frame_h = max(0, self.frameGeometry().height() - self.height())
        if frame_h == 0:
            frame_h = TITLE_BAR_GUESS   # not framed yet: leave room for the window manager's title
        w = max(self.minimumSizeHint().width(), min(self.width(), free.width() - frame_w))
        h = max(self.minimumSizeHint().height(), min(self.height(), free.height() - frame_h))
        self.resize(w, h)
        x = min(max(self.x(), free.left()), max(free.left(), free.right() - w - frame_w))
        y = min(max(self.y(), free.top()), max(free.top(), free.bottom() - h - frame_h))
        self.move(x, y)

    def showEvent(self, event):
        super().showEvent(event)
        # Once the window manager has framed the window, its frame is known: fit again.
        QTimer.singleShot(0, self._fit_to_screen)
        QTimer.singleShot(400, self._fit_to_screen)
        if self.trace is not None:
            QTimer.singleShot(300, self._trace_geometry)

    def moveEvent(self, event):
        super().moveEvent(event)
        if self.trace is not None:
            self._trace_geometry()

    def _trace_geometry(self):
        top_left = self.canvas.mapToGlobal(QPoint(0, 0))
        self.trace.write("window", canvas=[top_left.x(), top_left.y(), self.canvas.width(),
                                           self.canvas.height()],
                         frame=[self.frameGeometry().x(), self.frameGeometry().y(),
                                self.frameGeometry().width(), self.frameGeometry().height()],
                         minimum=[self.minimumSizeHint().width(), self.minimumSizeHint().height()])

    def _save_settings(self):
        s = app_settings.settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("overlays/heatmap", self.act_heatmap.isChecked())
        s.setValue("overlays/boxes", self.act_boxes.isChecked())
        s.setValue("gestures/scratch_out", self.act_scratch.isChecked())
        s.setValue("session/reopen_last_page", self.act_reopen.isChecked())
        s.setValue("files/last_dir", self.last_dir)
        s.sync()

    # ---- autosave / restore ------------------------------------------------------
    def _offer_restore(self):
        if not self.autosaver.previous_session_crashed():
            self.autosaver.discard()
            self._reopen_last_page()
            return
        if not self.dialogs.ask_restore(self, str(self.autosaver.path)):
            self.autosaver.discard()
            return
        try:
            strokes = self.autosaver.load()
        except InkError as exc:
            # Keep the broken file for inspection; a fresh autosave replaces it soon anyway.
            self._report("Autosave could not be restored",
                         f"The autosaved ink is damaged and was not restored.\n\n{exc}")
            return
        self.canvas.set_document(strokes)
        self.statusBar().showMessage(f"Restored {len(strokes)} strokes from the autosave", 8000)

    @property
    def last_page_path(self) -> Path:
        return self.data_dir / LAST_PAGE_NAME

    def _reopen_last_page(self):
        """After a normal quit the page the user left comes back (Settings can turn it off)."""
        if not self.act_reopen.isChecked() or not self.last_page_path.exists():
            return
        try:
            strokes = read_inkml(self.last_page_path).strokes()
        except InkError as exc:
            self._report("The last page could not be reopened",
                         f"The file that keeps it is damaged; the page starts empty.\n\n{exc}")
            return
        if strokes:
            self.canvas.set_document(strokes)
            self.statusBar().showMessage("Your last page is back (Settings → Reopen the last page)", 8000)

    def _keep_last_page(self):
        try:
            strokes = self.canvas.point_arrays()
            if strokes and self.act_reopen.isChecked():
                write_inkml(ink_from_strokes(strokes), self.last_page_path)
            else:
                self.last_page_path.unlink(missing_ok=True)
        except (OSError, InkError, ValueError) as exc:
            print(f"MathInk: the last page was not kept: {exc}", flush=True)

    # ---- tools & overlays --------------------------------------------------------
    def set_tool(self, tool: str):
        self.canvas.tool = tool
        {"pen": self.act_pen, "eraser": self.act_eraser, "correct": self.act_correct,
         "lasso": self.act_lasso}[tool].setChecked(True)
        cursor = Qt.CursorShape.PointingHandCursor if tool == "correct" else Qt.CursorShape.CrossCursor
        self.canvas.tool_cursor = cursor
        self.canvas.setCursor(cursor)
        if tool != "lasso":
            self.canvas.set_selection([])

    def _on_scratch_toggled(self):
        self.canvas.scratch_enabled = self.act_scratch.isChecked()
        self._save_settings()

    # ---- selection ------------------------------------------------------------------
    def _on_selection_changed(self):
        has = bool(self.canvas.selection)
        for a in (self.act_group, self.act_relabel, self.act_deselect):
            a.setEnabled(has)

    def delete_pressed(self):
        if not self.canvas.delete_selection():
            self.clear_canvas()

    def clear_canvas(self):
        self.remember()
        self.canvas.clear()

    def group_selection(self):
        if self.canvas.constrain(self.canvas.selected_indices(), None):
            self.statusBar().showMessage("The selected strokes are read as one symbol (Ctrl+Z undoes)", 5000)

    def relabel_selection(self):
        indices = self.canvas.selected_indices()
        if not indices:
            return
        alternatives, current = [], None
        rec = self.recognition
        if rec is not None and self._result_is_current():
            for sym in rec.symbols:
                if sorted(sym.strokes) == indices:
                    alternatives, current = sym.alternatives, sym.label
        label = self.dialogs.choose_class(self, alternatives, SYMBOLS, current)
        if label:
            self.canvas.constrain(indices, label)
            self._teach(indices, label, current or "")

    def _on_overlay_toggled(self):
        self._apply_overlay_visibility()
        self._save_settings()

    def _apply_overlay_visibility(self):
        self.heat_class.setEnabled(self.act_heatmap.isChecked())
        self.canvas.set_overlay_visibility(self.act_heatmap.isChecked(), self.act_boxes.isChecked())

    # ---- recognition ------------------------------------------------------------
    def _on_ink_changed(self):
        self._unteach_taken_back()
        self._archive_edit()
        self._live_timer.stop()
        if self.canvas.version != self.corrections_version:
            self.corrections.clear()
        self.autosaver.schedule(self.canvas.point_arrays())
        self.request_recognition()

    def _on_live_ink(self):
        self._archive_edit()
        if not self._live_timer.isActive():
            self._live_timer.start()

    def request_recognition(self, live: bool = False):
        if live and not self.canvas.drawing:
            return
        strokes = self.canvas.live_point_arrays() if live else self.canvas.point_arrays()
        if strokes:
            groups, labels = self.canvas.constraint_indices()
            placements = self.canvas.placement_indices()
            constraints = {"groups": groups, "labels": labels} if groups or labels else None
            if placements:
                constraints = {**(constraints or {}), "placements": placements}
            self.service.request(Job("ink", strokes, self.canvas.version, live, constraints))
        elif self.image is not None and self.canvas.background is not None:
            self.service.request(Job("image", self.image, self.canvas.version))
        else:
            self.service.cancel()
            self.recognition, self.result_job = None, None
            self.panel.set_result("", "")
            self.canvas.set_overlays([], None, None)

    def _on_result(self, job: Job, recognition):
        if self.trace is not None and not job.live:
            self.trace.write("result", version=job.version, latex=recognition.latex,
                             ms=round(recognition.ms, 1))
        self.result_job = job
        self.result_transform = self.image_transform if job.kind == "image" else IDENTITY
        if not job.live and job.version == self.corrections_version and self.corrections:
            recognition = self._apply_corrections(recognition)
        self.recognition = recognition
        self._refresh_class_list(recognition)
        if not (self.panel.edited and job.version == self._edit_version):
            self.panel.set_result(recognition.text, recognition.latex)
        self._show_overlays()
        if self.trace is not None and not job.live:   # where the next dot may land
            self.trace.write("tags", version=job.version, rects=self.canvas.tag_rects())
        n = len(recognition.symbols)
        self.status.setText(f"{n} symbol{'s' if n != 1 else ''} · {recognition.ms:.0f} ms")

    def _refresh_class_list(self, recognition):
        hm = recognition.heatmap
        if hm is None or self.heat_class.count() > 1:
            return
        self.heat_class.blockSignals(True)
        for name in hm.classes[:-1]:
            self.heat_class.addItem(pretty_label(name) if pretty_label(name) == name
                                    else f"{pretty_label(name)}  {name}", name)
        self.heat_class.blockSignals(False)

    def _show_overlays(self):
        rec = self.recognition
        if rec is None:
            self.canvas.set_overlays([], None, None)
            return
        t = self.result_transform
        if self.result_job is not None and self.result_job.kind == "image":
            boxes = [BoxView(t.rect(s.box), s.label, float(s.score),
                             self.corrections.get(_symbol_key(s)) == s.label) for s in rec.symbols]
        else:
            _, forced = self.canvas.constraint_indices()
            boxes = [BoxView(t.rect(s.box), s.label, float(s.score),
                             forced.get(tuple(sorted(s.strokes))) == s.label, getattr(s, "personal", False))
                     for s in rec.symbols]
        heat_img = heat_rect = None
        hm = rec.heatmap
        if hm is not None and hm.probs.size:
            name = self.heat_class.currentData()
            index = hm.classes.index(name) if name in hm.classes else None
            heat_img = heatmap_image(heatmap_values(hm, index))
            heat_rect = t.rect(hm.extent())
        self.canvas.set_overlays(boxes, heat_img, heat_rect, self._unsure_placements(rec, t))

    def _unsure_placements(self, rec, t) -> list[PlacementView]:
        """The placements the layout was least sure of, to be checked by eye."""
        placed = self.canvas.placement_indices() if self.result_job is not None and self.result_job.kind == "ink" else {}
        out = []
        n = len(rec.symbols)
        for node in uncertain_placements(rec.tree or [], UNSURE):
            pl = node.placement
            if not (node.symbol is not None and pl.base is not None and 0 <= node.symbol < n
                    and 0 <= pl.base < n) or tuple(sorted(rec.symbols[node.symbol].strokes)) in placed:
                continue  # the user's own placement is not in doubt
            out.append(PlacementView(t.rect(rec.symbols[pl.base].box),
                                     t.rect(rec.symbols[node.symbol].box),
                                     placement_text(pl.relation, node.confidence,
                                                    rec.symbols[pl.base].label, pl.second,
                                                    _label(rec, pl.second_base),
                                                    _line_of(rec.tree, pl.base),
                                                    _line_of(rec.tree, pl.second_base)),
                                     node.symbol))
        return out

    def _on_recognition_error(self, message: str):
        self.status.setText("Recognition failed")
        self._report("Recognition failed", f"The recognizer raised an error; you can keep writing.\n\n{message}",
                     once=True)

    def _on_unavailable(self, message: str):
        self.status.setText("Recognition unavailable")
        self._report("Recognition unavailable",
                     f"The recognition model could not be loaded, so nothing will be recognized.\n"
                     f"You can still draw, open and save ink.\n\n{message}")

    def _report(self, title: str, text: str, once: bool = False):
        self.statusBar().showMessage(text.splitlines()[0], 10000)
        if once:
            if text in self._shown_errors:
                return
            self._shown_errors.add(text)
        self.dialogs.message(self, title, text)

    # ---- correction ---------------------------------------------------------------
    def _on_symbol_activated(self, index: int, global_pos: QPoint):
        rec = self.recognition
        if rec is None or not (0 <= index < len(rec.symbols)):
            return
        symbol = rec.symbols[index]
        if self.trace is not None:
            self.trace.write("menu", index=index)
        self.canvas.select_box(index)
        try:
            # The menu must not cost the user ink: writing on closes it (canvas.ink_through_menus).
            with self.canvas.ink_through_menus():
                choice = self.dialogs.choose_alternative(self, symbol, global_pos,
                                                         self._placement_options(rec, index))
        finally:
            self.canvas.select_box(None)
        if isinstance(choice, Placed):
            self.place_symbol(index, choice.relation, choice.base)
        elif choice and choice != symbol.label:
            self.correct_symbol(index, choice)

    def _placement_options(self, rec, index: int) -> list[PlacementOption]:
        """Where the layout weighed putting symbol `index` (on ink only: a placement is kept
        on the strokes), the current place first."""
        if self.result_job is None or self.result_job.kind != "ink":
            return []
        node = _find(rec.tree or [], index)[0]
        if node is None or node.placement is None:
            return []
        n = len(rec.symbols)
        out = []
        for relation, base, share in node.placement.options[:MAX_PLACEMENT_OPTIONS]:
            if base is None or not 0 <= base < n:
                continue
            current = (relation, base) == (node.placement.relation, node.placement.base)
            out.append(PlacementOption(option_text(relation, rec.symbols[base].label,
                                                   _line_of(rec.tree, base)),
                                       relation, base, share, current))
        return sorted(out, key=lambda o: not o.current)

    def place_symbol(self, index: int, relation: str, base: int | None):
        """Put symbol `index` `relation` of symbol `base` and re-assemble at once; the
        placement is kept on the strokes (undoable) until they are erased."""
        rec = self.recognition
        if (rec is None or self.result_job is None or self.result_job.kind != "ink"
                or self.result_job.version != self.canvas.version
                or not 0 <= index < len(rec.symbols)):
            return
        base_strokes = rec.symbols[base].strokes if base is not None and 0 <= base < len(rec.symbols) else None
        if self.canvas.place(rec.symbols[index].strokes, relation, base_strokes):
            self._show_now(rec, list(rec.symbols))

    def correct_symbol(self, index: int, label: str):
        """Read symbol `index` as `label` and re-assemble the expression at once.

        On ink the reading becomes a constraint on the symbol's strokes (undoable; it
        follows the strokes until they are erased); on an image it holds until the image
        changes."""
        rec = self.recognition
        if self.result_job is None or (self.result_job.kind == "ink" and self.result_job.version != self.canvas.version):
            return   # the ink changed since; the next result replaces this one anyway
        if self.result_job.kind == "ink":
            # The label's other parts come with it: the dot of an i, the second bar of an =.
            strokes = strokes_for_label(rec.symbols, index, label)
            self.canvas.constrain(strokes, label)
            self._teach(strokes, label, rec.symbols[index].label)
            symbols = relabelled(rec.symbols, index, label)
            self._show_now(rec, symbols)
            return
        if self.corrections_version != self.result_job.version:
            self.corrections.clear()
        self.corrections_version = self.result_job.version
        self.corrections[_symbol_key(rec.symbols[index])] = label
        self.recognition = self._apply_corrections(rec)
        self.panel.set_result(self.recognition.text, self.recognition.latex)
        self._show_overlays()

    def _show_now(self, recognition, symbols):
        """The expression these symbols make, shown at once (the recognizer's answer follows)."""
        try:
            fixed = self.service.relayout(symbols, self.canvas.placement_indices())
        except Exception as exc:  # noqa: BLE001 - a relayout bug must not lose the user's ink
            self._report("Correction failed", f"Could not re-assemble the expression.\n\n{exc}", once=True)
            return
        fixed.heatmap = recognition.heatmap
        self.recognition = fixed
        self.panel.set_result(fixed.text, fixed.latex)
        self._show_overlays()

    # ---- hand edits of the LaTeX ---------------------------------------------------
    def _on_latex_edited(self, latex: str):
        self._edit_version = self.canvas.version
        self._edit_ink = self.canvas.point_arrays()
        self._edit_archived = False

    def _archive_edit(self):
        """New ink after a hand edit: the edit (with the ink it was made on) goes to the history,
        and the next result replaces it in the field."""
        if self.panel.edited and not self._edit_archived and self.canvas.version != self._edit_version:
            self._edit_archived = True
            self.remember(self._edit_ink, self.panel.latex)
            self.statusBar().showMessage("The ink changed: your LaTeX edit was kept in the history "
                                         "and the field follows the ink again", 8000)

    def current_mathml(self) -> str | None:
        """MathML for what the LaTeX field shows: the recognizer's, or that of a hand edit."""
        if self.panel.edited:
            try:
                return latex_to_mathml(self.panel.latex) or None
            except ValueError as exc:
                self._report("No MathML for this LaTeX",
                             f"The edited LaTeX uses something MathInk cannot turn into MathML.\n\n{exc}")
                return None
        rec = self.recognition
        mathml = to_mathml(rec.tree) if rec is not None else ""
        return mathml or None

    def _apply_corrections(self, recognition):
        symbols = [s.with_label(self.corrections[_symbol_key(s)]) if _symbol_key(s) in self.corrections else s
                   for s in recognition.symbols]
        try:
            fixed = self.service.relayout(symbols, self.canvas.placement_indices())
        except Exception as exc:  # noqa: BLE001 - a relayout bug must not lose the user's ink
            self._report("Correction failed", f"Could not re-assemble the expression.\n\n{exc}", once=True)
            return recognition
        if fixed.heatmap is None:
            fixed.heatmap = recognition.heatmap
        return fixed

    # ---- files ---------------------------------------------------------------------
    def open_dialog(self):
        path = self.dialogs.open_path(self, self.last_dir)
        if path:
            self.open_path(path)

    def open_path(self, path) -> bool:
        path = Path(path)
        self.last_dir = str(path.parent)
        self.remember()
        try:
            if path.suffix.lower() in IMAGE_SUFFIXES:
                self._open_image(path)
            else:
                strokes, truth = load_ink(path, CANVAS_WIDTH, CANVAS_HEIGHT)
                self.image, self.image_transform = None, IDENTITY
                self.canvas.set_document(strokes)
        except DocumentError as exc:
            self._report("Cannot open file", str(exc))
            return False
        self.document_path = path
        self.setWindowTitle(f"MathInk — {path.name}")
        return True

    def _open_image(self, path: Path):
        img = read_image(path)
        rgb = np.ascontiguousarray(img[:, :, ::-1])
        h, w = rgb.shape[:2]
        qimg = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        t = image_transform(w, h, CANVAS_WIDTH, CANVAS_HEIGHT)
        self.image, self.image_transform = img, t
        self.canvas.set_document([], qimg, t.rect((0, 0, w, h)))

    def save_dialog(self):
        suggested = str(self.document_path.with_suffix(".inkml")) if self.document_path else \
            str(Path(self.last_dir) / "expression.inkml")
        path = self.dialogs.save_path(self, "Save ink", suggested, "InkML (*.inkml)")
        if path:
            self.save_path(path)

    def save_path(self, path) -> bool:
        path = Path(path)
        if path.suffix.lower() != ".inkml":
            path = path.with_suffix(".inkml")
        ink = ink_from_strokes(self.canvas.point_arrays())
        if self.panel.latex:
            # The LaTeX shown (the recognition's, or the user's edit of it) is a reading, not
            # CROHME's "truth": a tool that trains or scores on the file must not take it as such.
            ink.annotations[RECOGNITION_ANNOTATION] = self.panel.latex
        try:
            write_inkml(ink, path)
        except OSError as exc:
            self._report("Cannot save", f"{path}: {exc.strerror or exc}")
            return False
        self.last_dir = str(path.parent)
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def copy_mathml(self):
        mathml = self.current_mathml()
        if not mathml:
            return
        data = QMimeData()
        payload = mathml.encode("utf-8")
        data.setData(MATHML_MIME, payload)
        data.setData(WINDOWS_MATHML, payload)
        data.setText(mathml)
        QGuiApplication.clipboard().setMimeData(data)
        self.statusBar().showMessage("MathML copied", 3000)
        self._confirm_symbols()

    def copy_latex(self):
        latex = self.panel.latex
        if latex:
            QGuiApplication.clipboard().setText(latex)
            self.statusBar().showMessage("LaTeX copied", 3000)
            self._confirm_symbols()

    def export_dialog(self, suffix: str):
        if not self.panel.latex:
            self.statusBar().showMessage("Nothing to export yet", 4000)
            return
        names = {".tex": "LaTeX (*.tex)", ".mml": "MathML (*.mml)", ".png": "PNG image (*.png)",
                 ".svg": "SVG image (*.svg)"}
        stem = self.document_path.stem if self.document_path else "formula"
        path = self.dialogs.save_path(self, "Export formula", str(Path(self.last_dir) / (stem + suffix)),
                                      names[suffix])
        if path:
            self.export_to(path if Path(path).suffix else path + suffix)

    def export_to(self, path) -> bool:
        try:
            if Path(path).suffix.lower() == ".mml":
                mathml = self.current_mathml()
                if not mathml:
                    return False
                atomic_write_text(path, mml_document(mathml), private=False)
            else:
                # On the preview's thread: matplotlib must never run on two threads at once.
                self.panel.renderer.call(export, self.panel.latex, path)
        except PreviewError as exc:
            self._report("Cannot export", f"mathtext cannot draw this formula, so there is no image.\n"
                         f"Export .tex instead.\n\n{exc}")
            return False
        except (OSError, ValueError) as exc:
            self._report("Cannot export", f"{path}: {exc}")
            return False
        self.last_dir = str(Path(path).parent)
        self.statusBar().showMessage(f"Exported {path}", 5000)
        self._confirm_symbols()
        return True

    # ---- the personal model --------------------------------------------------------
    def _confirm_symbols(self):
        """An expression copied or exported as it was read: its symbols are the user's own.
        Not after a hand edit of the LaTeX (the symbols may be what the user fixed there)."""
        rec = self.recognition
        if (rec is None or self.panel.edited or not self._result_is_current()
                or self.result_job.kind != "ink"):
            return
        self.service.learn(self.canvas.point_arrays(), [(s.strokes, s.label, s.label) for s in rec.symbols])

    def _teach(self, indices, label: str, read: str):
        """A correction teaches the personal model (this ink is `label`, and `read` may be
        `label` in this hand); it is remembered so that an undo of it (or another reading of
        the same strokes) takes the sample back."""
        points = self.canvas.point_arrays()
        ids = tuple(sorted(indices))
        self.service.learn(points, [(list(ids), label, read)])
        self._taught[(ids, label)] = ([points[i] for i in ids], ink_key(points, ids, label))

    def _unteach_taken_back(self):
        """Corrections whose strokes are still there, unchanged, but no longer carry the label."""
        if not self._taught:
            return
        _, labels = self.canvas.constraint_indices()
        points = self.canvas.point_arrays()
        gone = []
        for (ids, label), (ink, key) in list(self._taught.items()):
            there = all(i < len(points) and np.array_equal(points[i], s) for i, s in zip(ids, ink))
            if not there:
                del self._taught[(ids, label)]     # erased or cleared: the lesson stays learnt
            elif labels.get(ids) != label:
                del self._taught[(ids, label)]
                gone.append(key)
        self.service.unlearn(gone)

    def _on_handwriting(self, n: int):
        self.act_handwriting.setText(f"My handwriting: {n} symbol{'s' if n != 1 else ''} learnt"
                                     if n else "My handwriting: nothing learnt yet")
        self.act_forget.setEnabled(n > 0)
        self.act_export_handwriting.setEnabled(n > 0)

    def forget_handwriting(self):
        if self.dialogs.confirm_forget(self, self.service.handwriting_samples):
            self.service.forget_handwriting()
            self.statusBar().showMessage("Your handwriting is forgotten", 5000)
            self.request_recognition()

    def export_handwriting(self):
        path = self.dialogs.save_path(self, "Export my handwriting", str(Path(self.last_dir) / HANDWRITING_NAME),
                                      PROFILE_FILTER)
        if path:
            self.service.export_handwriting(path if Path(path).suffix else path + ".npz")
            self.statusBar().showMessage(f"Handwriting exported to {path}", 5000)

    def import_handwriting(self):
        path = self.dialogs.open_profile_path(self, self.last_dir)
        if path:
            self.service.import_handwriting(path)
            self.request_recognition()

    # ---- shutdown ----------------------------------------------------------------
    def closeEvent(self, event):
        if not self._closed:
            self._closed = True
            self._save_settings()
            self.remember()
            self._keep_last_page()
            # Shutting down waits for an inference in flight: let the window vanish first.
            self.hide()
            self.autosaver.end_session()
            self.panel.shutdown()
            self.service.shutdown()
            if self.trace is not None:
                self.trace.close()
        super().closeEvent(event)
