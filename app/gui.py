"""Starting the desktop app."""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from . import settings as app_settings

ROOT = Path(__file__).resolve().parent.parent


def run_gui(model_path=None, open_file=None) -> int:
    QCoreApplication.setOrganizationName(app_settings.ORG)
    QCoreApplication.setApplicationName(app_settings.APP)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from PySide6.QtGui import QIcon
    from .main_window import MainWindow
    icon = ROOT / "resources" / "icons" / "mathink.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    window = MainWindow(model_path)
    window.show()
    if open_file:
        window.open_path(open_file)
    return app.exec()
