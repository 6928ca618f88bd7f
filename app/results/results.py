"""The recognizer's results on show: the ink sent for recognition (live while a stroke is
drawn), each answer put in the result panel and as boxes, heatmap and unsure placements on
the canvas, and a hand edit of the LaTeX kept while its ink stands."""
from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QLabel

from model.recognition.result import uncertain_placements

from ..actions import make_action
from ..canvas.overlays import (IDENTITY, UNSURE, BoxView, PlacementView, Transform, heatmap_image, heatmap_values,
                               placement_text, pretty_label)
from ..part import Part, is_current
from ..recognition.worker import Job
from .symbol_tree import label_of, line_of, symbol_key

LIVE_INTERVAL_MS = 250   # how often the ink is re-recognized while a stroke is being drawn
BEST_CLASS = "Best class (confidence)"


class Results(Part):
    shown = Signal(object, object)       # the recognition on show (None when none) and its job
    answered = Signal(object)            # a final answer is on show, its tags drawn: its job
    editArchived = Signal(object, str)   # a hand edit that new ink replaces: its ink, its LaTeX

    def __init__(self, host, canvas, service, panel):
        super().__init__(host)
        self.canvas, self.service, self.panel = canvas, service, panel
        self.recognition = None                  # what is displayed (corrections applied)
        self.result_job: Job | None = None
        self.result_transform: Transform = IDENTITY
        self._image = None                       # the image open (Files), and where it lies
        self._image_transform: Transform = IDENTITY
        self._image_labels: dict[tuple, str] = {}   # the image's corrections (Corrections)
        self._edit_version = -1          # the ink version a hand edit of the LaTeX was made on
        self._edit_ink: list = []
        self._edit_archived = False
        self.act_heatmap = make_action(host, "Heatmap", self.on_overlay_toggled, icon="heatmap.svg",
                                       checkable=True, tip="Show the network's per-window class heatmap")
        self.act_boxes = make_action(host, "Boxes", self.on_overlay_toggled, icon="boxes.svg", checkable=True,
                                     tip="Show the recognized symbols' boxes, labels and scores")
        self.heat_class = QComboBox()
        self.heat_class.setObjectName("heat_class")
        self.heat_class.addItem(BEST_CLASS)
        self.heat_class.setToolTip("Which class the heatmap shows")
        self.heat_class.setMinimumContentsLength(14)
        self.heat_class.currentIndexChanged.connect(lambda _: self.show_overlays())
        self.status = QLabel("Loading model…")
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_INTERVAL_MS)
        self._live_timer.timeout.connect(lambda: self.request_recognition(live=True))

    def is_current(self) -> bool:
        return is_current(self.result_job, self.canvas.version)

    def set_image(self, image, transform: Transform):
        self._image, self._image_transform = image, transform

    def set_image_labels(self, labels: dict):
        self._image_labels = labels

    def _shown(self, recognition, job):
        self.recognition, self.result_job = recognition, job
        self.shown.emit(recognition, job)

    # ---- overlays' visibility ------------------------------------------------------
    def on_overlay_toggled(self):
        self.apply_overlay_visibility()   # WindowSettings keeps the choice (it keeps the actions)

    def apply_overlay_visibility(self):
        self.heat_class.setEnabled(self.act_heatmap.isChecked())
        self.canvas.set_overlay_visibility(self.act_heatmap.isChecked(), self.act_boxes.isChecked())

    # ---- recognition ------------------------------------------------------------
    def on_ink_changed(self):
        # The window connects the handwriting profile, the corrections and the autosave to
        # the canvas's inkChanged before this, so they have seen the new ink when it is sent.
        self.archive_edit()
        self._live_timer.stop()
        self.request_recognition()

    def on_live_ink(self):
        self.archive_edit()
        if not self._live_timer.isActive():
            self._live_timer.start()

    def request_recognition(self, live: bool = False):
        canvas, service = self.canvas, self.service
        if live and not canvas.drawing:
            return
        strokes = canvas.live_point_arrays() if live else canvas.point_arrays()
        if strokes:
            groups, labels = canvas.constraint_indices()
            placements = canvas.placement_indices()
            constraints = {"groups": groups, "labels": labels} if groups or labels else None
            if placements:
                constraints = {**(constraints or {}), "placements": placements}
            service.request(Job("ink", strokes, canvas.version, live, constraints))
        elif self._image is not None and canvas.background is not None:
            service.request(Job("image", self._image, canvas.version))
        else:
            service.cancel()
            self._shown(None, None)
            self.panel.set_result("", "")
            canvas.set_overlays([], None, None)

    def on_result(self, job: Job, recognition):
        """The recognizer's answer, an image's corrections already applied (Corrections)."""
        self.result_transform = self._image_transform if job.kind == "image" else IDENTITY
        self._shown(recognition, job)
        self._refresh_class_list(recognition)
        if not (self.panel.edited and job.version == self._edit_version):
            self.panel.set_result(recognition.text, recognition.latex)
        self.show_overlays()
        if not job.live:   # where the next dot may land (the window's trace)
            self.answered.emit(job)
        n = len(recognition.symbols)
        self.status.setText(f"{n} symbol{'s' if n != 1 else ''} · {recognition.ms:.0f} ms")

    def show(self, recognition):
        """Another reading of the same ink (a correction): in the panel and on the canvas."""
        self._shown(recognition, self.result_job)
        self.panel.set_result(recognition.text, recognition.latex)
        self.show_overlays()

    def _refresh_class_list(self, recognition):
        hm = recognition.heatmap
        if hm is None or self.heat_class.count() > 1:
            return
        self.heat_class.blockSignals(True)
        for name in hm.classes[:-1]:
            self.heat_class.addItem(pretty_label(name) if pretty_label(name) == name
                                    else f"{pretty_label(name)}  {name}", name)
        self.heat_class.blockSignals(False)

    def show_overlays(self):
        rec, canvas = self.recognition, self.canvas
        if rec is None:
            canvas.set_overlays([], None, None)
            return
        t = self.result_transform
        if self.result_job is not None and self.result_job.kind == "image":
            corrections = self._image_labels
            boxes = [BoxView(t.rect(s.box), s.label, float(s.score),
                             corrections.get(symbol_key(s)) == s.label) for s in rec.symbols]
        else:
            _, forced = canvas.constraint_indices()
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
        canvas.set_overlays(boxes, heat_img, heat_rect, self._unsure_placements(rec, t))

    def _unsure_placements(self, rec, t) -> list[PlacementView]:
        """The placements the layout was least sure of, to be checked by eye."""
        placed = (self.canvas.placement_indices()
                  if self.result_job is not None and self.result_job.kind == "ink" else {})
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
                                                    label_of(rec, pl.second_base),
                                                    line_of(rec.tree, pl.base),
                                                    line_of(rec.tree, pl.second_base)),
                                     node.symbol))
        return out

    def on_recognition_error(self, message: str):
        self.status.setText("Recognition failed")
        self.report("Recognition failed", f"The recognizer raised an error; you can keep writing.\n\n{message}",
                    once=True)

    def on_unavailable(self, message: str):
        self.status.setText("Recognition unavailable")
        self.report("Recognition unavailable",
                    f"The recognition model could not be loaded, so nothing will be recognized.\n"
                    f"You can still draw, open and save ink.\n\n{message}")

    # ---- hand edits of the LaTeX ---------------------------------------------------
    def on_latex_edited(self, latex: str):
        self._edit_version = self.canvas.version
        self._edit_ink = self.canvas.point_arrays()
        self._edit_archived = False

    def archive_edit(self):
        """New ink after a hand edit: the edit (with the ink it was made on) goes to the history,
        and the next result replaces it in the field."""
        if self.panel.edited and not self._edit_archived and self.canvas.version != self._edit_version:
            self._edit_archived = True
            self.editArchived.emit(self._edit_ink, self.panel.latex)
            self.say("The ink changed: your LaTeX edit was kept in the history "
                     "and the field follows the ink again", 8000)
