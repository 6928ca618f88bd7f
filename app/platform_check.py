"""Before Qt starts on X11: name the system library that its xcb platform plugin lacks.

Without this, a machine missing e.g. libxcb-cursor0 gets Qt's "could not load the Qt platform
plugin xcb" and an abort, which says nothing about what to install.  Loading the plugin with
the system's own loader gives the name of the first missing library.
"""
from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path

# The Debian/Ubuntu package of each library the xcb plugin loads that a minimal system lacks.
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}
_MISSING = re.compile(r"([^\s:/]+\.so[.\d]*): cannot open shared object file")


def wants_xcb(environ=os.environ) -> bool:
    """Whether Qt will try the xcb plugin (Linux, and no other platform asked for)."""
    if not sys.platform.startswith("linux"):
        return False
    platform = environ.get("QT_QPA_PLATFORM", "").strip()
    if platform:
        return platform.split(";")[0].split(":")[0] == "xcb"
    return not environ.get("WAYLAND_DISPLAY")


def xcb_plugin() -> Path | None:
    from PySide6.QtCore import QLibraryInfo
    path = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms" / "libqxcb.so"
    return path if path.exists() else None


def missing_library_message(loader_error: str) -> str:
    """One plain line from the loader's error text."""
    m = _MISSING.search(loader_error)
    if not m:
        return f"MathInk cannot start its X11 display plugin: {loader_error.strip()}"
    lib = m.group(1)
    package = DEBIAN_PACKAGES.get(lib)
    hint = (f"on Debian/Ubuntu: sudo apt-get install {package}" if package
            else "install the package that provides it")
    return f"MathInk cannot start: the system library {lib} is missing ({hint}; see README, 'Running from source')."


def check_xcb(environ=os.environ) -> str | None:
    """None when the xcb plugin loads (or is not going to be used); else the line to print."""
    if not wants_xcb(environ):
        return None
    if not environ.get("DISPLAY", "").strip():
        # Qt would abort (exit 134) blaming xcb-cursor0, which is not the problem.
        return ("MathInk needs a graphical display and there is none (DISPLAY is not set: over SSH, "
                "use ssh -X, or run the command-line recognizer: python main.py recognize FILE).")
    plugin = xcb_plugin()
    if plugin is None:
        return None    # Qt will say so itself; nothing more precise to add
    try:
        ctypes.CDLL(str(plugin), mode=os.RTLD_LAZY | os.RTLD_LOCAL)
    except OSError as exc:
        return missing_library_message(str(exc))
    return None
