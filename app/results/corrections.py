"""Corrections and placements: a symbol's menu (another reading, another place), a
selection made one symbol or read as a class, and an image's corrections that hold until
it changes.  On ink each is the user's word on the strokes, kept (undoably) by the canvas."""
from __future__ import annotations

from PySide6.QtCore import QPoint, Signal

from model.recognition.classes import SYMBOLS
from model.recognition.label_parts import relabelled, strokes_for_label

from ..actions import make_action
from ..canvas.overlays import option_text
from ..dialogs import Placed, PlacementOption
from ..part import Part, is_current
from .symbol_tree import find, line_of, symbol_key

MAX_PLACEMENT_OPTIONS = 5


class Corrections(Part):
    answer = Signal(object, object)      # the recognizer's answer (job, recognition), corrected
    corrected = Signal(object)           # another reading of the same ink, to be shown
    taught = Signal(object, str, str)    # strokes the user said are `label`, read as `read`
    imageLabelsChanged = Signal(object)  # the image's corrections, by symbol_key
    menuOpening = Signal(int)            # a symbol's menu is about to open (the window's trace)

    def __init__(self, host, canvas, service, dialogs):
        super().__init__(host)
        self.canvas, self.service, self.dialogs = canvas, service, dialogs
        self.recognition = None          # what Results shows, and its job
        self.job = None
        # An image's corrections, by symbol_key, for the image version they were made on.
        self.labels: dict[tuple, str] = {}
        self.version = -1
        self.act_group = make_action(host, "One symbol", self.group_selection, "G",
                                     tip="The selected strokes are one symbol (G)")
        self.act_relabel = make_action(host, "This is…", self.relabel_selection, "R",
                                       tip="The selected strokes are one symbol: choose which (R)")

    def set_shown(self, recognition, job):
        self.recognition, self.job = recognition, job

    def on_selection_changed(self):
        has = bool(self.canvas.selection)
        for a in (self.act_group, self.act_relabel):
            a.setEnabled(has)

    def on_ink_changed(self):
        if self.canvas.version != self.version and self.labels:
            self._set_labels({})

    def _set_labels(self, labels: dict):
        self.labels = labels
        self.imageLabelsChanged.emit(labels)

    def on_result(self, job, recognition):
        """The recognizer's answer on its way to Results: a new result of the image the
        corrections were made on is corrected again."""
        self.answer.emit(job, recognition if job.live else self.apply_to(job.version, recognition))

    def apply_to(self, version: int, recognition):
        """A new result of the image the corrections were made on, corrected again."""
        if version == self.version and self.labels:
            return self._apply(recognition)
        return recognition

    # ---- a symbol's menu -------------------------------------------------------------
    def on_symbol_activated(self, index: int, global_pos: QPoint):
        rec = self.recognition
        if rec is None or not (0 <= index < len(rec.symbols)):
            return
        symbol = rec.symbols[index]
        self.menuOpening.emit(index)
        self.canvas.select_box(index)
        try:
            # The menu must not cost the user ink: writing on closes it (canvas.ink_through_menus).
            with self.canvas.ink_through_menus():
                choice = self.dialogs.choose_alternative(self.host, symbol, global_pos,
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
        job = self.job
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
        rec, job, canvas = self.recognition, self.job, self.canvas
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
        rec, job, canvas = self.recognition, self.job, self.canvas
        if job is None or (job.kind == "ink" and job.version != canvas.version):
            return   # the ink changed since; the next result replaces this one anyway
        if job.kind == "ink":
            # The label's other parts come with it: the dot of an i, the second bar of an =.
            strokes = strokes_for_label(rec.symbols, index, label)
            canvas.constrain(strokes, label)
            self.taught.emit(strokes, label, rec.symbols[index].label)
            self._show_now(rec, relabelled(rec.symbols, index, label))
            return
        labels = self.labels if self.version == job.version else {}
        self.version = job.version
        self._set_labels({**labels, symbol_key(rec.symbols[index]): label})
        self.corrected.emit(self._apply(rec))

    def _show_now(self, recognition, symbols):
        """The expression these symbols make, shown at once (the recognizer's answer follows)."""
        try:
            fixed = self.service.relayout(symbols, self.canvas.placement_indices())
        except Exception as exc:  # noqa: BLE001 - a relayout bug must not lose the user's ink
            self.report("Correction failed", f"Could not re-assemble the expression.\n\n{exc}", once=True)
            return
        fixed.heatmap = recognition.heatmap
        self.corrected.emit(fixed)

    def _apply(self, recognition):
        symbols = [s.with_label(self.labels[symbol_key(s)]) if symbol_key(s) in self.labels else s
                   for s in recognition.symbols]
        try:
            fixed = self.service.relayout(symbols, self.canvas.placement_indices())
        except Exception as exc:  # noqa: BLE001 - a relayout bug must not lose the user's ink
            self.report("Correction failed", f"Could not re-assemble the expression.\n\n{exc}", once=True)
            return recognition
        if fixed.heatmap is None:
            fixed.heatmap = recognition.heatmap
        return fixed

    # ---- the selection ---------------------------------------------------------------
    def group_selection(self):
        canvas = self.canvas
        if canvas.constrain(canvas.selected_indices(), None):
            self.say("The selected strokes are read as one symbol (Ctrl+Z undoes)", 5000)

    def relabel_selection(self):
        indices = self.canvas.selected_indices()
        if not indices:
            return
        alternatives, current = [], None
        rec = self.recognition
        if rec is not None and is_current(self.job, self.canvas.version):
            for sym in rec.symbols:
                if sorted(sym.strokes) == indices:
                    alternatives, current = sym.alternatives, sym.label
        label = self.dialogs.choose_class(self.host, alternatives, SYMBOLS, current)
        if label:
            self.canvas.constrain(indices, label)
            self.taught.emit(indices, label, current or "")
