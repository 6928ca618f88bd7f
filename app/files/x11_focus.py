"""Which window had the keyboard focus before MathInk, on X11.

The window manager names the active window in the root window's _NET_ACTIVE_WINDOW
property (EWMH) and changes it at every switch.  This module keeps a connection of its own
to the X server (libX11 through ctypes: Qt exposes no other program's windows, and polling
`xdotool getactivewindow` would miss quick switches and spawn a process every fraction of a
second), is told of every change of that property, and remembers the last active window
that is not one of this process's own (told apart by _NET_WM_PID).  Reading the events
costs nothing between switches: the caller hands `fd` to a socket notifier and calls
`pump()` when it is readable.

No Qt here: the Insert part (insert.py) owns the notifier.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os

PROPERTY_CHANGE_MASK = 1 << 22
PROPERTY_NOTIFY = 28
XA_CARDINAL, XA_WINDOW = 6, 33
ANY_PROPERTY_TYPE = 0


class X11Unavailable(RuntimeError):
    """No X server to talk to (Wayland, a console) or no libX11."""


class _PropertyEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("atom", ctypes.c_ulong),
                ("time", ctypes.c_ulong), ("state", ctypes.c_int)]


class _Event(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("xproperty", _PropertyEvent), ("pad", ctypes.c_long * 24)]


_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


_displays: set[int] = set()         # the connections of this module
_previous_handler = None             # Xlib's handler before ours: for every other connection


@_ERROR_HANDLER
def _ignore_our_x_errors(display, event):
    # A window can vanish between the event naming it and the reading of its properties
    # (BadWindow); Xlib's default handler would end the whole program for that.  Errors on
    # another connection (Qt's own, if it has one) go where they went before.
    if display in _displays or not _previous_handler:
        return 0
    return _previous_handler(display, event)


def _libx11():
    name = ctypes.util.find_library("X11") or "libX11.so.6"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise X11Unavailable(f"libX11 cannot be loaded ({exc})") from None
    vp, ul = ctypes.c_void_p, ctypes.c_ulong
    lib.XOpenDisplay.restype = vp
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XDefaultRootWindow.restype = ul
    lib.XDefaultRootWindow.argtypes = [vp]
    lib.XInternAtom.restype = ul
    lib.XInternAtom.argtypes = [vp, ctypes.c_char_p, ctypes.c_int]
    lib.XSelectInput.argtypes = [vp, ul, ctypes.c_long]
    lib.XConnectionNumber.argtypes = [vp]
    lib.XPending.argtypes = [vp]
    lib.XNextEvent.argtypes = [vp, ctypes.POINTER(_Event)]
    lib.XFlush.argtypes = [vp]
    lib.XFree.argtypes = [vp]
    lib.XCloseDisplay.argtypes = [vp]
    lib.XGetWindowProperty.argtypes = [vp, ul, ul, ctypes.c_long, ctypes.c_long, ctypes.c_int, ul,
                                       ctypes.POINTER(ul), ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ul),
                                       ctypes.POINTER(ul), ctypes.POINTER(ctypes.c_void_p)]
    lib.XSetErrorHandler.restype = _ERROR_HANDLER
    lib.XSetErrorHandler.argtypes = [_ERROR_HANDLER]
    return lib


class ActiveWindows:
    """Follows _NET_ACTIVE_WINDOW; `previous` is the last active window not of this process."""

    def __init__(self, display: str | None = None):
        self._x = x = _libx11()
        self._d = x.XOpenDisplay(display.encode() if display else None)
        if not self._d:
            raise X11Unavailable(f"cannot open the X display {display or os.environ.get('DISPLAY', '(DISPLAY unset)')}")
        global _previous_handler
        _displays.add(self._d)
        if not _displays - {self._d}:     # the first connection installs the handler, once
            previous = x.XSetErrorHandler(_ignore_our_x_errors)
            if ctypes.cast(previous, ctypes.c_void_p).value != ctypes.cast(_ignore_our_x_errors, ctypes.c_void_p).value:
                _previous_handler = previous
        self._root = x.XDefaultRootWindow(self._d)
        self._atoms = {name: x.XInternAtom(self._d, name.encode(), 0)
                       for name in ("_NET_ACTIVE_WINDOW", "_NET_WM_PID", "_NET_WM_NAME", "UTF8_STRING",
                                    "WM_NAME")}
        x.XSelectInput(self._d, self._root, PROPERTY_CHANGE_MASK)
        x.XFlush(self._d)
        self.fd = x.XConnectionNumber(self._d)
        self.previous: int | None = None
        self._note(self.active())

    def _property(self, window: int, atom: str, kind: int, longs: int = 1) -> bytes | None:
        x, ul = self._x, ctypes.c_ulong
        actual, fmt, n, after = ul(), ctypes.c_int(), ul(), ul()
        data = ctypes.c_void_p()
        status = x.XGetWindowProperty(self._d, window, self._atoms[atom], 0, longs, 0, kind,
                                      ctypes.byref(actual), ctypes.byref(fmt), ctypes.byref(n),
                                      ctypes.byref(after), ctypes.byref(data))
        if status != 0 or not data.value:
            return None
        try:
            if fmt.value == 32:      # Xlib hands 32-bit items as C longs
                return bytes((ctypes.c_ulong * n.value).from_address(data.value))
            return ctypes.string_at(data.value, n.value * fmt.value // 8)
        finally:
            x.XFree(data)

    def _cardinal(self, window: int, atom: str, kind: int) -> int | None:
        raw = self._property(window, atom, kind)
        if not raw:
            return None
        return ctypes.c_ulong.from_buffer_copy(raw[:ctypes.sizeof(ctypes.c_ulong)]).value

    def active(self) -> int | None:
        """The window the window manager calls active now (None: none, or no EWMH manager)."""
        return self._cardinal(self._root, "_NET_ACTIVE_WINDOW", XA_WINDOW) or None

    def pid_of(self, window: int) -> int | None:
        return self._cardinal(window, "_NET_WM_PID", XA_CARDINAL)

    def name_of(self, window: int) -> str:
        raw = self._property(window, "_NET_WM_NAME", self._atoms["UTF8_STRING"], 256) \
            or self._property(window, "WM_NAME", ANY_PROPERTY_TYPE, 256) or b""
        return raw.decode("utf-8", "replace")

    def _note(self, window: int | None):
        if window and self.pid_of(window) != os.getpid():
            self.previous = window

    def pump(self) -> None:
        """Read the events that have come; remember each active window that is not ours."""
        x, event = self._x, _Event()
        # Reading the new active window is a round trip, which may queue more events: those
        # raise no socket notifier, so the loop goes on until none is left.
        while x.XPending(self._d):
            changed = False
            while x.XPending(self._d):
                x.XNextEvent(self._d, ctypes.byref(event))
                if event.type == PROPERTY_NOTIFY and event.xproperty.atom == self._atoms["_NET_ACTIVE_WINDOW"]:
                    changed = True
            if changed:
                self._note(self.active())

    def close(self) -> None:
        if self._d:
            self._x.XCloseDisplay(self._d)
            _displays.discard(self._d)
            self._d = None
