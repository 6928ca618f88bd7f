"""The error every reader and the recognizer raise for input they refuse."""
from __future__ import annotations


class InputError(ValueError):
    """Input the recognizer refuses (too large, unreadable image); the message says why."""
