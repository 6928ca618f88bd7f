"""The personal model's wiring (model/recognition/personal.py): corrections and expressions
copied or exported as read teach it the user's hand, an undone correction takes its sample
back, and the Settings menu forgets, exports and imports the profile."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal

from ..actions import make_action
from ..dialogs import PROFILE_FILTER
from ..part import Part, is_current
from .worker import ink_key

HANDWRITING_NAME = "handwriting.npz"     # in the data folder: the personal model's samples


class HandwritingProfile(Part):
    profileChanged = Signal()   # forgotten or imported: the ink is worth reading again

    def __init__(self, host, canvas, service, panel, dialogs):
        super().__init__(host)
        self.canvas, self.service, self.panel, self.dialogs = canvas, service, panel, dialogs
        self.recognition = None            # what Results shows, and its job
        self.job = None
        self._taught: dict[tuple, tuple] = {}   # (stroke indices, label) -> (their ink, sample key)
        self.act_handwriting = make_action(host, "My handwriting: nothing learnt yet", lambda: None,
                                           tip="Symbols you corrected, or copied unchanged, teach MathInk "
                                               "your handwriting; the profile stays on this computer")
        self.act_handwriting.setEnabled(False)
        self.act_forget = make_action(host, "Forget my handwriting…", self.forget,
                                      tip="Forget every symbol learnt from your corrections and copies")
        self.act_export_handwriting = make_action(host, "Export my handwriting…", self.export,
                                                  tip="Save the profile to a file (for another computer "
                                                      "or account)")
        self.act_import_handwriting = make_action(host, "Import my handwriting…", self.import_,
                                                  tip="Add the symbols of an exported profile to this one")

    @property
    def actions(self):
        return (self.act_handwriting, self.act_forget, self.act_export_handwriting, self.act_import_handwriting)

    def set_shown(self, recognition, job):
        self.recognition, self.job = recognition, job

    def confirm_symbols(self):
        """An expression copied or exported as it was read: its symbols are the user's own.
        Not after a hand edit of the LaTeX (the symbols may be what the user fixed there)."""
        rec = self.recognition
        if (rec is None or self.panel.edited or not is_current(self.job, self.canvas.version)
                or self.job.kind != "ink"):
            return
        self.service.learn(self.canvas.point_arrays(), [(s.strokes, s.label, s.label) for s in rec.symbols])

    def teach(self, indices, label: str, read: str):
        """A correction teaches the personal model (this ink is `label`, and `read` may be
        `label` in this hand); it is remembered so that an undo of it (or another reading of
        the same strokes) takes the sample back."""
        points = self.canvas.point_arrays()
        ids = tuple(sorted(indices))
        self.service.learn(points, [(list(ids), label, read)])
        self._taught[(ids, label)] = ([points[i] for i in ids], ink_key(points, ids, label))

    def unteach_taken_back(self):
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

    def on_count(self, n: int):
        self.act_handwriting.setText(f"My handwriting: {n} symbol{'s' if n != 1 else ''} learnt"
                                     if n else "My handwriting: nothing learnt yet")
        self.act_forget.setEnabled(n > 0)
        self.act_export_handwriting.setEnabled(n > 0)

    def forget(self):
        if self.dialogs.confirm_forget(self.host, self.service.handwriting_samples):
            self.service.forget_handwriting()
            self.say("Your handwriting is forgotten", 5000)
            self.profileChanged.emit()

    def export(self):
        path = self.dialogs.save_path(self.host, "Export my handwriting",
                                      str(Path(self.last_dir) / HANDWRITING_NAME), PROFILE_FILTER)
        if path:
            self.service.export_handwriting(path if Path(path).suffix else path + ".npz")
            self.say(f"Handwriting exported to {path}", 5000)

    def import_(self):
        path = self.dialogs.open_profile_path(self.host, self.last_dir)
        if path:
            self.service.import_handwriting(path)
            self.profileChanged.emit()
