"""`mathink pick` (`python main.py --pick`): the picker as a command an editor runs.

    mathink pick [--format latex|mathml|text|json] [--inline] [--initial FILE.inkml] [--model PATH]

Enter or Done prints the formula and one newline on stdout and exits 0; Esc, closing the
window, Ctrl+C or SIGTERM print nothing and exit 1; a bad option, no display or an --initial
file that cannot be read exits 2 with one line on stderr.  Nothing else ever reaches stdout: the
answer is written on a copy of the original stdout, and file descriptor 1 itself is pointed
at stderr for the whole run, so that no warning, progress line or Qt message of any library,
Python or C, can slip in between the editor and the formula.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .output import FORMATS

EXIT_DONE, EXIT_CANCELLED, EXIT_USAGE = 0, 1, 2


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="mathink pick",
        description="Write a formula by hand; Enter prints it on stdout (exit 0), Esc prints "
                    "nothing (exit 1). For editors: see docs/editors.md.")
    p.add_argument("--format", choices=FORMATS, default="latex",
                   help="what to print (default latex; json: latex, text, mathml, symbols, tables)")
    p.add_argument("--inline", action="store_true",
                   help="LaTeX between $…$, MathML with display=\"inline\"")
    p.add_argument("--initial", metavar="FILE.inkml", help="start from this ink instead of an empty canvas")
    p.add_argument("--model", metavar="PATH", help="model file to use instead of the shipped one")
    return p.parse_args(argv)


def keep_stdout_for_the_answer():
    """A private copy of stdout for the answer; fd 1 becomes stderr from here on."""
    sys.stdout.flush()
    answer_fd = os.dup(1)
    os.dup2(2, 1)
    return os.fdopen(answer_fd, "w", encoding="utf-8", newline="\n")


def _leave(code: int, out, text: str | None = None):
    """Write the answer, then end the process at once.  The editor waits for the exit: the
    model may still be loading, a preview rendering; nothing of the picker needs saving, so
    no thread is waited for."""
    if text is not None:
        out.write(text + "\n")
    out.flush()
    out.close()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str]) -> int:
    args = parse(argv)
    out = keep_stdout_for_the_answer()
    from ..platform_check import check_xcb
    problem = check_xcb()
    if problem:
        print(problem, file=sys.stderr)
        _leave(EXIT_USAGE, out)
    strokes = None
    if args.initial:
        from ..canvas.size import CANVAS_HEIGHT, CANVAS_WIDTH
        from ..files.documents import DocumentError, load_ink
        try:
            strokes, _ = load_ink(args.initial, CANVAS_WIDTH, CANVAS_HEIGHT)
        except (DocumentError, OSError) as exc:
            print(f"mathink pick: cannot start from {args.initial}: {exc}", file=sys.stderr)
            _leave(EXIT_USAGE, out)

    from PySide6.QtGui import QIcon

    from .. import settings as app_settings
    from ..gui import ROOT, close_on_signals, make_application
    from ..recognition.handwriting_profile import HANDWRITING_NAME
    from ..recognition.worker import preload_recognizer
    from .output import formatted
    from .window import PickerWindow
    app = make_application()
    preload_recognizer()     # as the main window does: torch's import never stalls a stroke
    icon = Path(ROOT) / "resources" / "icons" / "mathink.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    window = PickerWindow(args.model, profile_path=app_settings.data_dir() / HANDWRITING_NAME,
                          fmt=args.format)
    notifier = close_on_signals(window)  # noqa: F841 - Ctrl+C and SIGTERM are Esc
    if strokes:
        window.start_from(strokes)
    outcome: list[int] = []
    window.finished.connect(lambda code: (outcome.append(code), app.exit(0)))
    window.show_at_pointer()
    app.exec()
    code = outcome[0] if outcome else EXIT_CANCELLED
    if code == EXIT_DONE and window.answer is not None:
        _leave(EXIT_DONE, out, formatted(window.answer, args.format, args.inline))
    _leave(EXIT_CANCELLED, out)
    return EXIT_CANCELLED   # not reached
