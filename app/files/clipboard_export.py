"""Clipboard and export: the formula copied as LaTeX or MathML (with the format names Word
and LibreOffice read), and saved as .tex, .mml, PNG or SVG."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QToolButton

from model.io.atomic import atomic_write_text
from model.recognition.notation.mathml import MIME_TYPE as MATHML_MIME
from model.recognition.notation.mathml import latex_to_mathml, mml_document, to_mathml

from ..actions import make_action
from ..part import Part
from ..results.preview import PreviewError
from .exports import export

# Word on Windows reads MathML from the clipboard format of this name; Qt spells it so.
WINDOWS_MATHML = 'application/x-qt-windows-mime;value="MathML Presentation"'
EXPORT_FILTERS = {".tex": "LaTeX (*.tex)", ".mml": "MathML (*.mml)", ".png": "PNG image (*.png)",
                  ".svg": "SVG image (*.svg)"}


class ClipboardExport(Part):
    formulaTaken = Signal()     # the formula was copied or exported (it may teach the profile)

    def __init__(self, host, panel, dialogs):
        super().__init__(host)
        self.panel, self.dialogs = panel, dialogs
        self.recognition = None            # what Results shows
        self.document_path: Path | None = None   # the file open (Files), which names exports
        self.act_copy = make_action(host, "Copy LaTeX", self.copy_latex, QKeySequence.StandardKey.Copy,
                                    tip="Copy the LaTeX to the clipboard (Ctrl+C)")
        self.act_copy_mathml = make_action(host, "Copy MathML", self.copy_mathml, "Ctrl+Shift+C",
                                           tip="Copy the formula as MathML, for LibreOffice and Word "
                                               "(Ctrl+Shift+C)")
        self.act_export_tex = make_action(host, "Export .tex…", lambda: self.export_dialog(".tex"))
        self.act_export_mml = make_action(host, "Export .mml…", lambda: self.export_dialog(".mml"))
        self.act_export_png = make_action(host, "Export PNG…", lambda: self.export_dialog(".png"))
        self.act_export_svg = make_action(host, "Export SVG…", lambda: self.export_dialog(".svg"))

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

    def set_shown(self, recognition, job):
        self.recognition = recognition

    def set_document(self, path: Path):
        self.document_path = path

    def current_mathml(self) -> str | None:
        """MathML for what the LaTeX field shows: the recognizer's, or that of a hand edit."""
        panel = self.panel
        if panel.edited:
            try:
                return latex_to_mathml(panel.latex) or None
            except ValueError as exc:
                self.report("No MathML for this LaTeX",
                            f"The edited LaTeX uses something MathInk cannot turn into MathML.\n\n{exc}")
                return None
        rec = self.recognition
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
        self.say("MathML copied", 3000)
        self.formulaTaken.emit()

    def copy_latex(self):
        latex = self.panel.latex
        if latex:
            QGuiApplication.clipboard().setText(latex)
            self.say("LaTeX copied", 3000)
            self.formulaTaken.emit()

    def export_dialog(self, suffix: str):
        if not self.panel.latex:
            self.say("Nothing to export yet", 4000)
            return
        document = self.document_path
        stem = document.stem if document else "formula"
        path = self.dialogs.save_path(self.host, "Export formula", str(Path(self.last_dir) / (stem + suffix)),
                                      EXPORT_FILTERS[suffix])
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
            self.report("Cannot export", f"mathtext cannot draw this formula, so there is no image.\n"
                        f"Export .tex instead.\n\n{exc}")
            return False
        except (OSError, ValueError) as exc:
            self.report("Cannot export", f"{path}: {exc}")
            return False
        self.folderUsed.emit(str(Path(path).parent))
        self.say(f"Exported {path}", 5000)
        self.formulaTaken.emit()
        return True
