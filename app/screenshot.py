"""Capture the README screenshot: open an ink file, wait for the result, save the window.

    xvfb-run -s "-screen 0 1400x1000x24" python -m app.screenshot INK.inkml OUT.png [--model PATH]

Uses a throw-away data folder so no autosave prompt or saved settings interfere.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ink")
    ap.add_argument("out")
    ap.add_argument("--model")
    ap.add_argument("--heat-class", help="show this class's heatmap instead of the best class")
    args = ap.parse_args(argv)
    os.environ["MATHINK_DATA_DIR"] = tempfile.mkdtemp(prefix="mathink-shot-")

    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon

    from .gui import ROOT, make_application
    from .window.main_window import MainWindow
    app = make_application()
    app.setWindowIcon(QIcon(str(ROOT / "resources" / "icons" / "mathink.svg")))
    win = MainWindow(args.model)
    win.show()
    if not win.open_path(args.ink):
        return 1
    status = {"rc": 1}

    def settled():
        job = win.result_job
        return job is not None and not job.live and job.version == win.canvas.version and not win.service.busy

    def poll():
        if win.service.state == "unavailable":
            print(win.service.error_message, file=sys.stderr)
            app.quit()
        elif settled():
            if args.heat_class:
                win.heat_class.setCurrentIndex(max(0, win.heat_class.findData(args.heat_class)))
            QTimer.singleShot(300, shoot)
        else:
            QTimer.singleShot(100, poll)

    def shoot():
        win.panel.wait_rendered()
        win.grab().save(args.out)
        print(f"{args.out}: {win.recognition.latex}")
        status["rc"] = 0
        win.close()
        app.quit()

    QTimer.singleShot(200, poll)
    app.exec()
    return status["rc"]


if __name__ == "__main__":
    sys.exit(main())
