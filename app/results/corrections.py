"""Corrections and placements: a symbol's menu (another reading, another place), a
selection made one symbol or read as a class, and an image's corrections that hold until
it changes.  On ink each is the user's word on the strokes, kept (undoably) by the canvas."""
from __future__ import annotations

from PySide6.QtCore import QObject, QPoint

from model.recognition.classes import SYMBOLS
from model.recognition.label_parts import relabelled, strokes_for_label

from ..actions import make_action
from ..canvas.overlays import option_text
from ..dialogs import Placed, PlacementOption
from .symbol_tree import find, line_of, symbol_key

MAX_PLACEMENT_OPTIONS = 5


class Corrections(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        # An image's corrections, by symbol_key, for the image version they were made on.
        self.labels: dict[tuple, str] = {}
        self.version = -1
        self.act_group = make_action(window, "One symbol", self.group_selection, "G",
                                     tip="The selected strokes are one symbol (G)")
        self.act_relabel = make_action(window, "This is…", self.relabel_selection, "R",
                                       tip="The selected strokes are one symbol: choose which (R)")

    def on_selection_changed(self):
        has = bool(self.w.canvas.selection)
        for a in (self.act_group, self.act_relabel):
            a.setEnabled(has)

    def ink_changed(self, version: int):
        if version != self.version:
            self.labels.clear()

    def apply_to(self, version: int, recognition):
        """A new result of the image the corrections were made on, corrected again."""
        if version == self.version and self.labels:
            return self._apply(recognition)
        return recognition

    # ---- a symbol's menu -------------------------------------------------------------
    def on_symbol_activated(self, index: int, global_pos: QPoint):
        w = self.w
        rec = w.results.recognition
        if rec is None or not (0 <= index < len(rec.symbols)):
            return
        symbol = rec.symbols[index]
        if w.trace is not None:
            w.trace.write("menu", index=index)
        w.canvas.select_box(index)
        try:
            # The menu must not cost the user ink: writing on closes it (canvas.ink_through_menus).
            with w.canvas.ink_through_menus():
                choice = w.dialogs.choose_alternative(w, symbol, global_pos,
                                                      self._placement_options(rec, index))
        finally:
            w.canvas.select_box(None)
        if isinstance(choice, Placed):
            self.place_symbol(index, choice.relation, choice.base)
        elif choice and choice != symbol.label:
            self.correct_symbol(index, choice)

    def _placement_options(self, rec, index: int) -> list[PlacementOption]:
        """Where the layout weighed putting symbol `index` (on ink only: a placement is kept
        on the strokes), the current place first."""
        job = self.w.results.result_job
        if job is None or job.kind != "ink":
            return []
        node = find(rec.tree or [], index)[0]
        if node is None or node.placement is None:
            return []
        n = len(rec.symbols)
        out = []
        for relation, base, share in node.placement.options[:MAX_PLACEMENT_OPTIONS]:
            if base is None or not 0 <= base < n:
                continue
            current = (relation, base) == (node.placement.relation, node.placement.base)
            out.append(PlacementOption(option_text(relation, rec.symbols[base].label,
                                                   line_of(rec.tree, base)),
                                       relation, base, share, current))
        return sorted(out, key=lambda o: not o.current)

    def place_symbol(self, index: int, relation: str, base: int | None):
        """Put symbol `index` `relation` of symbol `base` and re-assemble at once; the
        placement is kept on the strokes (undoable) until they are erased."""
        rec, job, canvas = self.w.results.recognition, self.w.results.result_job, self.w.canvas
        if (rec is None or job is None or job.kind != "ink" or job.version != canvas.version
                or not 0 <= index < len(rec.symbols)):
            return
        base_strokes = rec.symbols[base].strokes if base is not None and 0 <= base < len(rec.symbols) else None
        if canvas.place(rec.symbols[index].strokes, relation, base_strokes):
            self._show_now(rec, list(rec.symbols))

    def correct_symbol(self, index: int, label: str):
        """Read symbol `index` as `label` and re-assemble the expression at once.

        On ink the reading becomes a constraint on the symbol's strokes (undoable; it
        follows the strokes until they are erased); on an image it holds until the image
        changes."""
        rec, job, canvas = self.w.results.recognition, self.w.results.result_job, self.w.canvas
        if job is None or (job.kind == "ink" and job.version != canvas.version):
            return   # the ink changed since; the next result replaces this one anyway
        if job.kind == "ink":
            # The label's other parts come with it: the dot of an i, the second bar of an =.
            strokes = strokes_for_label(rec.symbols, index, label)
            canvas.constrain(strokes, label)
            self.w.handwriting.teach(strokes, label, rec.symbols[index].label)
            self._show_now(rec, relabelled(rec.symbols, index, label))
            return
        if self.version != job.version:
            self.labels.clear()
        self.version = job.version
        self.labels[symbol_key(rec.symbols[index])] = label
        self.w.results.show(self._apply(rec))

    def _show_now(self, recognition, symbols):
        """The expression these symbols make, shown at once (the recognizer's answer follows)."""
        try:
            fixed = self.w.service.relayout(symbols, self.w.canvas.placement_indices())
        except Exception as exc:  # noqa: BLE001 - a relayout bug must not lose the user's ink
            self.w.report("Correction failed", f"Could not re-assemble the expression.\n\n{exc}", once=True)
            return
        fixed.heatmap = recognition.heatmap
        self.w.results.show(fixed)

    def _apply(self, recognition):
        symbols = [s.with_label(self.labels[symbol_key(s)]) if symbol_key(s) in self.labels else s
                   for s in recognition.symbols]
        try:
            fixed = self.w.service.relayout(symbols, self.w.canvas.placement_indices())
        except Exception as exc:  # noqa: BLE001 - a relayout bug must not lose the user's ink
            self.w.report("Correction failed", f"Could not re-assemble the expression.\n\n{exc}", once=True)
            return recognition
        if fixed.heatmap is None:
            fixed.heatmap = recognition.heatmap
        return fixed

    # ---- the selection ---------------------------------------------------------------
    def group_selection(self):
        canvas = self.w.canvas
        if canvas.constrain(canvas.selected_indices(), None):
            self.w.statusBar().showMessage("The selected strokes are read as one symbol (Ctrl+Z undoes)", 5000)

    def relabel_selection(self):
        w = self.w
        indices = w.canvas.selected_indices()
        if not indices:
            return
        alternatives, current = [], None
        rec = w.results.recognition
        if rec is not None and w.results.is_current():
            for sym in rec.symbols:
                if sorted(sym.strokes) == indices:
                    alternatives, current = sym.alternatives, sym.label
        label = w.dialogs.choose_class(w, alternatives, SYMBOLS, current)
        if label:
            w.canvas.constrain(indices, label)
            w.handwriting.teach(indices, label, current or "")
