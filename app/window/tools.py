"""The canvas's tools and edits: pen, eraser, correct and lasso, undo and redo, and what
Clear, Delete, Backspace and Escape do to the page and the selection."""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QActionGroup, QKeySequence
from PySide6.QtWidgets import QStyle

from ..actions import keep_short, make_action


class Tools(QObject):
    pageLeaving = Signal()   # Clear is about to empty the page: history keeps it

    def __init__(self, host, canvas):
        super().__init__(host)
        self.canvas = canvas
        SP = QStyle.StandardPixmap
        style = host.style()
        self.act_undo = canvas.undo_stack.createUndoAction(host, "Undo")
        self.act_undo.setShortcut(QKeySequence("Ctrl+Z"))
        self.act_undo.setIcon(style.standardIcon(SP.SP_ArrowBack))
        self.act_redo = canvas.undo_stack.createRedoAction(host, "Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.act_redo.setIcon(style.standardIcon(SP.SP_ArrowForward))
        # A short button whatever the step ("Undo Read as \times" would widen the toolbar);
        # the tooltip names the step.
        for act, word in ((self.act_undo, "Undo"), (self.act_redo, "Redo")):
            act.changed.connect(lambda a=act, w=word: keep_short(a, w))
        host.addAction(self.act_undo)
        host.addAction(self.act_redo)
        self.act_clear = make_action(host, "Clear", self.clear_canvas, None, SP.SP_DialogResetButton,
                                     tip="Clear the canvas (Delete with nothing selected); "
                                         "the expression goes to the history")
        self.act_delete = make_action(host, "Delete", self.delete_pressed, QKeySequence(Qt.Key.Key_Delete),
                                      tip="Delete the selected strokes, or clear the canvas when "
                                          "nothing is selected (Delete)")
        # Backspace only ever deletes a selection: a stray one must not wipe the page.
        self.act_backspace = make_action(host, "Delete selection", canvas.delete_selection,
                                         QKeySequence(Qt.Key.Key_Backspace))
        self.act_lasso = make_action(host, "Select", lambda: self.set_tool("lasso"), "L", "lasso.svg",
                                     checkable=True,
                                     tip="Lasso: circle strokes to select them, drag the selection "
                                         "to move it (L)")
        self.act_deselect = make_action(host, "Deselect", lambda: canvas.set_selection([]),
                                        QKeySequence(Qt.Key.Key_Escape))
        self.tool_group = QActionGroup(host)
        self.act_pen = make_action(host, "Pen", lambda: self.set_tool("pen"), "P", "pen.svg", checkable=True,
                                   tip="Write (P)")
        self.act_eraser = make_action(host, "Eraser", lambda: self.set_tool("eraser"), "E", "eraser.svg",
                                      checkable=True, tip="Erase whole strokes (E)")
        self.act_correct = make_action(host, "Correct", lambda: self.set_tool("correct"), "K", "correct.svg",
                                       checkable=True,
                                       tip="Click a box to pick another reading (K; right-click works with any tool)")
        for a in (self.act_pen, self.act_eraser, self.act_correct, self.act_lasso):
            self.tool_group.addAction(a)
        self.act_pen.setChecked(True)

    def set_tool(self, tool: str):
        canvas = self.canvas
        canvas.tool = tool
        {"pen": self.act_pen, "eraser": self.act_eraser, "correct": self.act_correct,
         "lasso": self.act_lasso}[tool].setChecked(True)
        cursor = Qt.CursorShape.PointingHandCursor if tool == "correct" else Qt.CursorShape.CrossCursor
        canvas.tool_cursor = cursor
        canvas.setCursor(cursor)
        if tool != "lasso":
            canvas.set_selection([])

    def on_selection_changed(self):
        self.act_deselect.setEnabled(bool(self.canvas.selection))

    def delete_pressed(self):
        if not self.canvas.delete_selection():
            self.clear_canvas()

    def clear_canvas(self):
        self.pageLeaving.emit()
        self.canvas.clear()
