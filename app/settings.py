"""Where the app keeps its state: the data folder (autosave) and QSettings."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

ORG = "MathInk"
APP = "MathInk"
DATA_DIR_ENV = "MATHINK_DATA_DIR"


def data_dir() -> Path:
    """MATHINK_DATA_DIR wins so tests and portable installs never touch the user's profile."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        path = Path(override)
    else:
        loc = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        path = Path(loc) if loc else Path.home() / ".mathink"
    path.mkdir(parents=True, exist_ok=True)
    return path


def settings() -> QSettings:
    # With an overridden data folder the settings live there too, so a test run
    # cannot read or clobber the real user's window geometry and toggles.
    if os.environ.get(DATA_DIR_ENV):
        return QSettings(str(data_dir() / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings(ORG, APP)


def read_bool(s: QSettings, key: str, default: bool) -> bool:
    # QSettings returns strings ("true"/"false") from INI files, real bools from the registry.
    value = s.value(key, default)
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)
