"""Files and autosave: ink and images opened, ink saved as InkML, the autosave of this
session and the offer to restore a crashed one, and the last page kept at a normal quit."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import QStyle

from model.io.ink import InkError, ink_from_strokes, read_inkml, write_inkml

from ..actions import make_action
from ..canvas.overlays import IDENTITY, Transform
from ..canvas.size import CANVAS_HEIGHT, CANVAS_WIDTH
from .autosave import Autosaver
from .documents import IMAGE_SUFFIXES, DocumentError, image_transform, load_ink, read_image

RECOGNITION_ANNOTATION = "recognition"   # <annotation type="recognition"> in a saved InkML
LAST_PAGE_NAME = "last-page.inkml"       # in the data folder: the page left at a normal quit


class Files(QObject):
    def __init__(self, window, data_dir: Path):
        super().__init__(window)
        self.w = window
        self.data_dir = data_dir
        self.image: np.ndarray | None = None
        self.image_transform: Transform = IDENTITY
        self.document_path: Path | None = None
        self.autosaver = Autosaver(data_dir, parent=window)
        SP = QStyle.StandardPixmap
        self.act_open = make_action(window, "Open…", self.open_dialog, QKeySequence.StandardKey.Open,
                                    SP.SP_DialogOpenButton,
                                    tip="Open InkML ink or an image of handwriting (Ctrl+O)")
        self.act_save = make_action(window, "Save…", self.save_dialog, QKeySequence.StandardKey.Save,
                                    SP.SP_DialogSaveButton, tip="Save the ink as InkML (Ctrl+S)")

    # ---- open and save -------------------------------------------------------------
    def open_dialog(self):
        path = self.w.dialogs.open_path(self.w, self.w.settings.last_dir)
        if path:
            self.open_path(path)

    def open_path(self, path) -> bool:
        w = self.w
        path = Path(path)
        w.settings.last_dir = str(path.parent)
        w.history_dock.remember()
        try:
            if path.suffix.lower() in IMAGE_SUFFIXES:
                self._open_image(path)
            else:
                strokes, truth = load_ink(path, CANVAS_WIDTH, CANVAS_HEIGHT)
                self.image, self.image_transform = None, IDENTITY
                w.canvas.set_document(strokes)
        except DocumentError as exc:
            w.report("Cannot open file", str(exc))
            return False
        self.document_path = path
        w.setWindowTitle(f"MathInk — {path.name}")
        return True

    def _open_image(self, path: Path):
        img = read_image(path)
        rgb = np.ascontiguousarray(img[:, :, ::-1])
        h, w = rgb.shape[:2]
        qimg = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        t = image_transform(w, h, CANVAS_WIDTH, CANVAS_HEIGHT)
        self.image, self.image_transform = img, t
        self.w.canvas.set_document([], qimg, t.rect((0, 0, w, h)))

    def save_dialog(self):
        suggested = str(self.document_path.with_suffix(".inkml")) if self.document_path else \
            str(Path(self.w.settings.last_dir) / "expression.inkml")
        path = self.w.dialogs.save_path(self.w, "Save ink", suggested, "InkML (*.inkml)")
        if path:
            self.save_path(path)

    def save_path(self, path) -> bool:
        w = self.w
        path = Path(path)
        if path.suffix.lower() != ".inkml":
            path = path.with_suffix(".inkml")
        ink = ink_from_strokes(w.canvas.point_arrays())
        if w.panel.latex:
            # The LaTeX shown (the recognition's, or the user's edit of it) is a reading, not
            # CROHME's "truth": a tool that trains or scores on the file must not take it as such.
            ink.annotations[RECOGNITION_ANNOTATION] = w.panel.latex
        try:
            write_inkml(ink, path)
        except OSError as exc:
            w.report("Cannot save", f"{path}: {exc.strerror or exc}")
            return False
        w.settings.last_dir = str(path.parent)
        w.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    # ---- autosave and the last page --------------------------------------------------
    def offer_restore(self):
        w = self.w
        if not self.autosaver.previous_session_crashed():
            self.autosaver.discard()
            self._reopen_last_page()
            return
        if not w.dialogs.ask_restore(w, str(self.autosaver.path)):
            self.autosaver.discard()
            return
        try:
            strokes = self.autosaver.load()
        except InkError as exc:
            # Keep the broken file for inspection; a fresh autosave replaces it soon anyway.
            w.report("Autosave could not be restored",
                     f"The autosaved ink is damaged and was not restored.\n\n{exc}")
            return
        w.canvas.set_document(strokes)
        w.statusBar().showMessage(f"Restored {len(strokes)} strokes from the autosave", 8000)

    @property
    def last_page_path(self) -> Path:
        return self.data_dir / LAST_PAGE_NAME

    def _reopen_last_page(self):
        """After a normal quit the page the user left comes back (Settings can turn it off)."""
        w = self.w
        if not w.settings.act_reopen.isChecked() or not self.last_page_path.exists():
            return
        try:
            strokes = read_inkml(self.last_page_path).strokes()
        except InkError as exc:
            w.report("The last page could not be reopened",
                     f"The file that keeps it is damaged; the page starts empty.\n\n{exc}")
            return
        if strokes:
            w.canvas.set_document(strokes)
            w.statusBar().showMessage("Your last page is back (Settings → Reopen the last page)", 8000)

    def keep_last_page(self):
        try:
            strokes = self.w.canvas.point_arrays()
            if strokes and self.w.settings.act_reopen.isChecked():
                write_inkml(ink_from_strokes(strokes), self.last_page_path)
            else:
                self.last_page_path.unlink(missing_ok=True)
        except (OSError, InkError, ValueError) as exc:
            print(f"MathInk: the last page was not kept: {exc}", flush=True)
