"""MathInk: write math by hand, get LaTeX back.

    python main.py                  the desktop app
    python main.py --selftest       headless check: load the model, recognize the sample, print LaTeX
    python main.py --model PATH     use another model file
    python main.py recognize ...    the command-line recognizer (see `python main.py recognize -h`)
    python main.py --pick ...       the picker editors call: the formula on stdout (`mathink pick -h`)
"""
from __future__ import annotations

import argparse
import sys


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="main.py", description="Write math by hand, get LaTeX back.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Use `main.py recognize -h` for the command-line recognizer.\n\n"
               "environment:\n"
               "  MATHINK_DATA_DIR      folder for history, autosave, the last page and settings\n"
               "                        (default: the platform's app-data folder)\n"
               "  MATHINK_THREADS       CPU threads of the network (default: half the cores, 1 to 4)\n"
               "  MATHINK_HANG_SECONDS  a recognition running longer is abandoned (default 10)\n"
               "  MATHINK_TRACE         write a timing trace of the window to this file (JSON lines)")
    parser.add_argument("--selftest", action="store_true",
                        help="load the model, recognize resources/sample.inkml, print the LaTeX (no display needed)")
    parser.add_argument("--model", metavar="PATH", help="model file to use instead of the shipped one")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="open FILE, wait for its recognition, save the window as PNG and exit "
                             "(documentation and packaging checks)")
    parser.add_argument("--pick", action="store_true",
                        help="the picker: write a formula, Enter prints it on stdout (exit 0), Esc exits 1; "
                             "`main.py --pick -h` for its options (also `mathink pick`)")
    parser.add_argument("file", nargs="?", help="InkML or image file to open")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "recognize":
        # Lazy: the GUI must not depend on the CLI module (or its imports).
        try:
            from model.cli import main as cli_main
        except ImportError as exc:
            print(f"main.py recognize: the command-line recognizer is unavailable ({exc})", file=sys.stderr)
            return 2
        return cli_main(argv[1:]) or 0
    if argv and argv[0] == "pick" or "--pick" in argv:
        from app.picker.run import main as pick
        return pick([a for a in (argv[1:] if argv[0] == "pick" else argv) if a != "--pick"])
    args = _parse(argv)
    if args.selftest:
        from app.selftest import run
        return run(args.model)
    from app.platform_check import check_xcb
    problem = check_xcb()
    if problem:   # instead of Qt's "could not load the Qt platform plugin" and an abort
        print(problem, file=sys.stderr)
        return 1
    if args.screenshot:
        if not args.file:
            print("main.py: --screenshot needs a FILE to open", file=sys.stderr)
            return 2
        from app.screenshot import main as screenshot
        return screenshot([args.file, args.screenshot] + (["--model", args.model] if args.model else []))
    from app.gui import run_gui
    return run_gui(args.model, args.file)


if __name__ == "__main__":
    sys.exit(main())
