"""Files and autosave: ink and images opened, ink saved as InkML, the autosave of this
session and the offer to restore a crashed one, and the last page kept at a normal quit."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import QStyle

from model.io.ink import InkError, ink_from_strokes, read_inkml, write_inkml

from ..actions import make_action
from ..canvas.overlays import IDENTITY, Transform
from ..canvas.size import CANVAS_HEIGHT, CANVAS_WIDTH
from ..part import Part
from .autosave import Autosaver
from .documents import IMAGE_SUFFIXES, DocumentError, image_transform, load_ink, read_image

RECOGNITION_ANNOTATION = "recognition"   # <annotation type="recognition"> in a saved InkML
LAST_PAGE_NAME = "last-page.inkml"       # in the data folder: the page left at a normal quit


class Files(Part):
    pageLeaving = Signal()               # the page is about to be replaced: history keeps it
    imageChanged = Signal(object, object)   # the image open (None for ink), where it lies
    documentOpened = Signal(object)      # the file now open (a Path)

    def __init__(self, host, canvas, panel, dialogs, data_dir: Path):
        super().__init__(host)
        self.canvas, self.panel, self.dialogs = canvas, panel, dialogs
        self.data_dir = data_dir
        self.image: np.ndarray | None = None
        self.image_transform: Transform = IDENTITY
        self.document_path: Path | None = None
        self.autosaver = Autosaver(data_dir, parent=host)
        self.autosaver.failed.connect(lambda message: self.say(message, 8000))
        self.act_reopen = make_action(host, "Reopen the last page at start", checkable=True,
                                      tip="After a normal quit, the next start shows the page you left")
        SP = QStyle.StandardPixmap
        self.act_open = make_action(host, "Open…", self.open_dialog, QKeySequence.StandardKey.Open,
                                    SP.SP_DialogOpenButton,
                                    tip="Open InkML ink or an image of handwriting (Ctrl+O)")
        self.act_save = make_action(host, "Save…", self.save_dialog, QKeySequence.StandardKey.Save,
                                    SP.SP_DialogSaveButton, tip="Save the ink as InkML (Ctrl+S)")

    def _set_image(self, image, transform: Transform):
        self.image, self.image_transform = image, transform
        self.imageChanged.emit(image, transform)

    def on_ink_changed(self):
        self.autosaver.schedule(self.canvas.point_arrays())

    # ---- open and save -------------------------------------------------------------
    def open_dialog(self):
        path = self.dialogs.open_path(self.host, self.last_dir)
        if path:
            self.open_path(path)

    def open_path(self, path) -> bool:
        path = Path(path)
        self.folderUsed.emit(str(path.parent))
        self.pageLeaving.emit()
        try:
            if path.suffix.lower() in IMAGE_SUFFIXES:
                self._open_image(path)
            else:
                strokes, truth = load_ink(path, CANVAS_WIDTH, CANVAS_HEIGHT)
                self._set_image(None, IDENTITY)
                self.canvas.set_document(strokes)
        except DocumentError as exc:
            self.report("Cannot open file", str(exc))
            return False
        self.document_path = path
        self.documentOpened.emit(path)
        return True

    def _open_image(self, path: Path):
        img = read_image(path)
        rgb = np.ascontiguousarray(img[:, :, ::-1])
        h, w = rgb.shape[:2]
        qimg = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        t = image_transform(w, h, CANVAS_WIDTH, CANVAS_HEIGHT)
        self._set_image(img, t)
        self.canvas.set_document([], qimg, t.rect((0, 0, w, h)))

    def save_dialog(self):
        suggested = str(self.document_path.with_suffix(".inkml")) if self.document_path else \
            str(Path(self.last_dir) / "expression.inkml")
        path = self.dialogs.save_path(self.host, "Save ink", suggested, "InkML (*.inkml)")
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
            self.report("Cannot save", f"{path}: {exc.strerror or exc}")
            return False
        self.folderUsed.emit(str(path.parent))
        self.say(f"Saved {path}", 5000)
        return True

    # ---- autosave and the last page --------------------------------------------------
    def offer_restore(self):
        if not self.autosaver.previous_session_crashed():
            self.autosaver.discard()
            self._reopen_last_page()
            return
        if not self.dialogs.ask_restore(self.host, str(self.autosaver.path)):
            self.autosaver.discard()
            return
        try:
            strokes = self.autosaver.load()
        except InkError as exc:
            # Keep the broken file for inspection; a fresh autosave replaces it soon anyway.
            self.report("Autosave could not be restored",
                        f"The autosaved ink is damaged and was not restored.\n\n{exc}")
            return
        self.canvas.set_document(strokes)
        self.say(f"Restored {len(strokes)} strokes from the autosave", 8000)

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
            self.report("The last page could not be reopened",
                        f"The file that keeps it is damaged; the page starts empty.\n\n{exc}")
            return
        if strokes:
            self.canvas.set_document(strokes)
            self.say("Your last page is back (Settings → Reopen the last page)", 8000)

    def keep_last_page(self):
        try:
            strokes = self.canvas.point_arrays()
            if strokes and self.act_reopen.isChecked():
                write_inkml(ink_from_strokes(strokes), self.last_page_path)
            else:
                self.last_page_path.unlink(missing_ok=True)
        except (OSError, InkError, ValueError) as exc:
            print(f"MathInk: the last page was not kept: {exc}", flush=True)
