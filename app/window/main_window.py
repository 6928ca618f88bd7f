"""The main window: it makes the canvas, the recognition service, the result panel and the
parts that hold each of the window's concerns, lays them out and connects their signals.
It holds no feature logic of its own; the parts do, and each is given what it works on (the
canvas, the service, the panel, the dialogs) and never reaches another part:

- tools.py (here): pen, eraser, correct and lasso, undo and redo, Clear and Delete;
- results/results.py: the ink sent for recognition, each result shown, hand edits of the LaTeX;
- results/corrections.py: a symbol's menu, corrections and placements, the selection's class;
- files/clipboard_export.py: Copy LaTeX and MathML, Export .tex, .mml, PNG and SVG;
- files/insert.py: Insert, the LaTeX typed into the window the user came from;
- files/files.py: open and save, the autosave and the last page;
- results/history_dock.py: the history beside the canvas;
- recognition/handwriting_profile.py: the personal model's wiring;
- window_settings.py (here): the settings kept between runs, the Settings menu, the window's fit.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMainWindow, QToolBar, QVBoxLayout, QWidget

from model.recognition.notation.mathml import latex_to_text

from .. import settings as app_settings
from ..actions import make_action
from ..canvas.canvas import InkCanvas
from ..dialogs import Dialogs
from ..files.clipboard_export import ClipboardExport
from ..files.files import Files
from ..files.insert import Insert
from ..recognition.handwriting_profile import HANDWRITING_NAME, HandwritingProfile
from ..recognition.trace import from_environment as trace_from_environment
from ..recognition.worker import RecognitionService
from ..results.corrections import Corrections
from ..results.history_dock import HistoryDock
from ..results.result_panel import ResultPanel
from ..results.results import Results
from .text_keys import keep_keys_in
from .tools import Tools
from .window_settings import WindowSettings


def _of(part: str, name: str) -> property:
    """A part's attribute under the window's name for it."""
    return property(lambda window: getattr(getattr(window, part), name))


class MainWindow(QMainWindow):
    def __init__(self, model_path=None, dialogs: Dialogs | None = None, recognizer_factory=None,
                 data_dir=None):
        super().__init__()
        self.setWindowTitle("MathInk")
        self.dialogs = dialogs or Dialogs()
        self._shown_errors: set[str] = set()
        self._closed = False
        self.trace = None
        self.canvas = canvas = InkCanvas()
        self.data_dir = Path(data_dir or app_settings.data_dir())
        self.service = service = RecognitionService(model_path, recognizer_factory, parent=self,
                                                    profile_path=self.data_dir / HANDWRITING_NAME)
        self.panel = panel = ResultPanel(text_of_latex=latex_to_text)
        dialogs = self.dialogs

        self.files = Files(self, canvas, panel, dialogs, self.data_dir)
        self.history_dock = HistoryDock(self, canvas, panel, self.data_dir)
        self.tools = Tools(self, canvas)
        self.corrections = Corrections(self, canvas, service, dialogs)
        self.settings = WindowSettings(self)
        self.handwriting = HandwritingProfile(self, canvas, service, panel, dialogs)
        self.results = Results(self, canvas, service, panel)
        self.clipboard = ClipboardExport(self, panel, dialogs)
        self.insert = Insert(self, panel)
        self.act_quit = make_action(self, "Quit", self.close, QKeySequence.StandardKey.Quit)
        self.handwriting.on_count(0)
        for action, key in ((self.results.act_heatmap, "overlays/heatmap"), (self.results.act_boxes, "overlays/boxes"),
                            (self.files.act_reopen, "session/reopen_last_page")):
            self.settings.keep(action, key, True)
        panel.add_buttons([self.insert.act_insert, self.clipboard.act_copy, self.clipboard.act_copy_mathml],
                          [self.clipboard.export_button(),
                           self.settings.button((self.settings.act_scratch, self.files.act_reopen),
                                                self.handwriting.actions)])
        self._build_ui()
        self.trace = trace_from_environment(self)
        if self.trace is not None:
            self._connect_trace()
        self._connect()
        self.history_dock.load()
        keep_keys_in(self.panel.text_field, self.panel.latex_field, self.history_list)

        self.settings.restore()
        self.files.offer_restore()
        self.files.autosaver.start_session()

    def _build_ui(self):
        tb = QToolBar("Main")
        tb.setObjectName("main_toolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tools, results = self.tools, self.results
        for a in (self.files.act_open, self.files.act_save):
            tb.addAction(a)
        tb.addSeparator()
        for a in (tools.act_pen, tools.act_eraser, tools.act_correct):
            tb.addAction(a)
        tb.addSeparator()
        for a in (tools.act_undo, tools.act_redo, tools.act_clear):
            tb.addAction(a)
        tb.addSeparator()
        tb.addAction(results.act_heatmap)
        tb.addWidget(results.heat_class)
        tb.addAction(results.act_boxes)
        # New tools go after the existing ones: scripted users click those at fixed places.
        tb.addSeparator()
        tb.addAction(tools.act_lasso)
        for a in (self.corrections.act_group, self.corrections.act_relabel):
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
        self.statusBar().addPermanentWidget(results.status)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.history_dock.dock)

    def _connect(self):
        canvas, service, results, corrections = self.canvas, self.service, self.results, self.corrections
        files, history, handwriting, clipboard = self.files, self.history_dock, self.handwriting, self.clipboard
        parts = (files, history, corrections, handwriting, results, clipboard, self.insert)
        for part in parts:
            part.message.connect(self.statusBar().showMessage)
            part.problem.connect(self.report)
            part.folderUsed.connect(self.settings.use_folder)
            self.settings.lastDirChanged.connect(part.set_last_dir)
        service.handwriting.connect(handwriting.on_count)
        service.handwriting_problem.connect(lambda message: self.report("Your handwriting profile", message))
        self.panel.latexEdited.connect(results.on_latex_edited)
        for on_selection in (self.tools.on_selection_changed, corrections.on_selection_changed):
            canvas.selectionChanged.connect(on_selection)
            on_selection()
        # In this order: what was taught and is taken back is unlearnt, and the image's
        # corrections are dropped, before the new ink is sent for recognition.
        for on_ink in (handwriting.unteach_taken_back, corrections.on_ink_changed, files.on_ink_changed,
                       results.on_ink_changed):
            canvas.inkChanged.connect(on_ink)
        canvas.liveInk.connect(results.on_live_ink)
        canvas.symbolActivated.connect(corrections.on_symbol_activated)
        service.result.connect(corrections.on_result)
        corrections.answer.connect(results.on_result)
        corrections.corrected.connect(results.show)
        corrections.taught.connect(handwriting.teach)
        corrections.imageLabelsChanged.connect(results.set_image_labels)
        for on_shown in (corrections.set_shown, handwriting.set_shown, history.set_shown, clipboard.set_shown):
            results.shown.connect(on_shown)
        results.editArchived.connect(history.remember)
        files.imageChanged.connect(results.set_image)
        files.documentOpened.connect(clipboard.set_document)
        files.documentOpened.connect(lambda path: self.setWindowTitle(f"MathInk — {path.name}"))
        for leaving in (files.pageLeaving, self.tools.pageLeaving):
            leaving.connect(history.remember)
        for taken in (clipboard.formulaTaken, self.insert.formulaTaken):
            taken.connect(handwriting.confirm_symbols)
        handwriting.profileChanged.connect(results.request_recognition)
        self.settings.scratchChanged.connect(lambda on: setattr(canvas, "scratch_enabled", on))
        self.settings.restored.connect(results.apply_overlay_visibility)
        service.error.connect(results.on_recognition_error)
        service.unavailable.connect(results.on_unavailable)
        service.restarted.connect(lambda msg: self.report("Recognition restarted", msg))
        service.ready.connect(lambda: results.status.setText("Model loaded"))

    def _connect_trace(self):
        """The timing trace of the real-window harness (MATHINK_TRACE): pen, results, menus."""
        trace, canvas = self.trace, self.canvas
        canvas.penDown.connect(lambda: trace.write("pen_down", on_tag=canvas.pressed_on_tag))
        canvas.strokeFinished.connect(
            lambda pts: trace.write("pen_up", points=len(pts), version=canvas.version,
                                    xy=pts[:, :2].round(1).tolist()))
        # Connected before the parts (_connect): the recognizer's own reading, before corrections.
        self.service.result.connect(
            lambda job, rec: None if job.live else trace.write("result", version=job.version, latex=rec.latex,
                                                               ms=round(rec.ms, 1)))
        self.results.answered.connect(
            lambda job: trace.write("tags", version=job.version, rects=canvas.tag_rects()))
        self.corrections.menuOpening.connect(lambda index: trace.write("menu", index=index))

    def report(self, title: str, text: str, once: bool = False):
        self.statusBar().showMessage(text.splitlines()[0], 10000)
        if once:
            if text in self._shown_errors:
                return
            self._shown_errors.add(text)
        self.dialogs.message(self, title, text)

    # ---- the parts' state and commands under the window's names (tests and scripts use them)
    recognition = _of("results", "recognition")
    result_job = _of("results", "result_job")
    heat_class = _of("results", "heat_class")
    status = _of("results", "status")
    request_recognition = _of("results", "request_recognition")
    autosaver = _of("files", "autosaver")
    open_path = _of("files", "open_path")
    save_path = _of("files", "save_path")
    history = _of("history_dock", "history")
    history_list = _of("history_dock", "history_list")
    remember = _of("history_dock", "remember")
    set_tool = _of("tools", "set_tool")
    clear_canvas = _of("tools", "clear_canvas")
    correct_symbol = _of("corrections", "correct_symbol")
    place_symbol = _of("corrections", "place_symbol")
    copy_latex = _of("clipboard", "copy_latex")
    copy_mathml = _of("clipboard", "copy_mathml")
    export_to = _of("clipboard", "export_to")
    current_mathml = _of("clipboard", "current_mathml")
    forget_handwriting = _of("handwriting", "forget")
    stuck_threads = _of("service", "stuck_threads")
    act_open, act_save = _of("files", "act_open"), _of("files", "act_save")
    act_undo, act_redo = _of("tools", "act_undo"), _of("tools", "act_redo")
    act_clear, act_delete = _of("tools", "act_clear"), _of("tools", "act_delete")
    act_pen, act_eraser = _of("tools", "act_pen"), _of("tools", "act_eraser")
    act_correct, act_lasso = _of("tools", "act_correct"), _of("tools", "act_lasso")
    act_group, act_relabel = _of("corrections", "act_group"), _of("corrections", "act_relabel")
    act_heatmap, act_boxes = _of("results", "act_heatmap"), _of("results", "act_boxes")
    act_copy, act_copy_mathml = _of("clipboard", "act_copy"), _of("clipboard", "act_copy_mathml")
    act_insert = _of("insert", "act_insert")
    act_scratch, act_reopen = _of("settings", "act_scratch"), _of("files", "act_reopen")
    act_handwriting, act_forget = _of("handwriting", "act_handwriting"), _of("handwriting", "act_forget")

    # ---- window events -------------------------------------------------------------
    def showEvent(self, event):
        super().showEvent(event)
        # Once the window manager has framed the window, its frame is known: fit again.
        QTimer.singleShot(0, self.settings.fit_to_screen)
        QTimer.singleShot(400, self.settings.fit_to_screen)
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

    def closeEvent(self, event):
        if not self._closed:
            self._closed = True
            self.settings.save()
            self.history_dock.remember()
            self.files.keep_last_page()
            # Shutting down waits for an inference in flight: let the window vanish first.
            self.hide()
            self.files.autosaver.end_session()
            self.panel.shutdown()
            self.service.shutdown()
            if self.trace is not None:
                self.trace.close()
        super().closeEvent(event)
