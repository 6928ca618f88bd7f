"""Clipboard and export: the formula copied as LaTeX or MathML (with the format names Word
and LibreOffice read), and saved as .tex, .mml, PNG or SVG."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QObject
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QToolButton

from model.io.atomic import atomic_write_text
from model.recognition.notation.mathml import MIME_TYPE as MATHML_MIME
from model.recognition.notation.mathml import latex_to_mathml, mml_document, to_mathml

from ..actions import make_action
from ..results.preview import PreviewError
from .exports import export

# Word on Windows reads MathML from the clipboard format of this name; Qt spells it so.
WINDOWS_MATHML = 'application/x-qt-windows-mime;value="MathML Presentation"'
EXPORT_FILTERS = {".tex": "LaTeX (*.tex)", ".mml": "MathML (*.mml)", ".png": "PNG image (*.png)",
                  ".svg": "SVG image (*.svg)"}


class ClipboardExport(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.act_copy = make_action(window, "Copy LaTeX", self.copy_latex, QKeySequence.StandardKey.Copy,
                                    tip="Copy the LaTeX to the clipboard (Ctrl+C)")
        self.act_copy_mathml = make_action(window, "Copy MathML", self.copy_mathml, "Ctrl+Shift+C",
                                           tip="Copy the formula as MathML, for LibreOffice and Word "
                                               "(Ctrl+Shift+C)")
        self.act_export_tex = make_action(window, "Export .tex…", lambda: self.export_dialog(".tex"))
        self.act_export_mml = make_action(window, "Export .mml…", lambda: self.export_dialog(".mml"))
        self.act_export_png = make_action(window, "Export PNG…", lambda: self.export_dialog(".png"))
        self.act_export_svg = make_action(window, "Export SVG…", lambda: self.export_dialog(".svg"))

    def export_button(self) -> QToolButton:
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

    def current_mathml(self) -> str | None:
        """MathML for what the LaTeX field shows: the recognizer's, or that of a hand edit."""
        panel = self.w.panel
        if panel.edited:
            try:
                return latex_to_mathml(panel.latex) or None
            except ValueError as exc:
                self.w.report("No MathML for this LaTeX",
                              f"The edited LaTeX uses something MathInk cannot turn into MathML.\n\n{exc}")
                return None
        rec = self.w.results.recognition
        mathml = to_mathml(rec.tree) if rec is not None else ""
        return mathml or None

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
        self.w.statusBar().showMessage("MathML copied", 3000)
        self.w.handwriting.confirm_symbols()

    def copy_latex(self):
        latex = self.w.panel.latex
        if latex:
            QGuiApplication.clipboard().setText(latex)
            self.w.statusBar().showMessage("LaTeX copied", 3000)
            self.w.handwriting.confirm_symbols()

    def export_dialog(self, suffix: str):
        w = self.w
        if not w.panel.latex:
            w.statusBar().showMessage("Nothing to export yet", 4000)
            return
        document = w.files.document_path
        stem = document.stem if document else "formula"
        path = w.dialogs.save_path(w, "Export formula", str(Path(w.settings.last_dir) / (stem + suffix)),
                                   EXPORT_FILTERS[suffix])
        if path:
            self.export_to(path if Path(path).suffix else path + suffix)

    def export_to(self, path) -> bool:
        w = self.w
        try:
            if Path(path).suffix.lower() == ".mml":
                mathml = self.current_mathml()
                if not mathml:
                    return False
                atomic_write_text(path, mml_document(mathml), private=False)
            else:
                # On the preview's thread: matplotlib must never run on two threads at once.
                w.panel.renderer.call(export, w.panel.latex, path)
        except PreviewError as exc:
            w.report("Cannot export", f"mathtext cannot draw this formula, so there is no image.\n"
                     f"Export .tex instead.\n\n{exc}")
            return False
        except (OSError, ValueError) as exc:
            w.report("Cannot export", f"{path}: {exc}")
            return False
        w.settings.last_dir = str(Path(path).parent)
        w.statusBar().showMessage(f"Exported {path}", 5000)
        w.handwriting.confirm_symbols()
        return True
