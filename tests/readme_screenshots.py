"""The README's editing screenshots, taken from the real window on Xvfb with real mouse and
keyboard input (xdotool), one step after another:

    Xvfb :71 -screen 0 1400x1000x24 &  DISPLAY=:71 python tests/readme_screenshots.py OUT_DIR

Writes the sample with the mouse, clears it (history), writes it again, lassoes the first
symbol and says what it is (R, search, Enter), lassoes the last one and drags it, scratches
out the first, edits the LaTeX by hand (a good edit, then one that does not render), copies
MathML and prints the clipboard's targets and MathML.  Look at every PNG before using it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.canvas.size import CANVAS_HEIGHT, CANVAS_WIDTH  # noqa: E402
from app.files.documents import load_ink  # noqa: E402
from model.recognition.recognize import Recognizer  # noqa: E402

CANVAS_ON_SCREEN = (13, 53)   # the canvas's top-left with the window at 0,0 (see tests/gui_soak.py)


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots")
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, MATHINK_DATA_DIR=tempfile.mkdtemp())
    env.pop("QT_QPA_PLATFORM", None)

    def xdo(*a):
        subprocess.run(["xdotool", *map(str, a)], env=env, check=True)

    def shot(name):
        subprocess.run(["import", "-window", "root", "-crop", "1360x790+0+0", str(out / name)],
                       env=env, check=True)

    def path(pts):
        xdo("mousemove", int(pts[0][0]), int(pts[0][1]))
        xdo("mousedown", 1)
        for p in pts[1:]:
            xdo("mousemove", int(p[0]), int(p[1]))
            time.sleep(0.005)
        xdo("mouseup", 1)

    ox, oy = CANVAS_ON_SCREEN
    strokes, _ = load_ink(ROOT / "resources" / "sample.inkml", CANVAS_WIDTH, CANVAS_HEIGHT)
    symbols = Recognizer().recognize(strokes, heatmap=False).symbols

    def write():
        for s in strokes:
            p = s[:, :2] + (ox, oy)
            path(p[:: max(1, len(p) // 40)])
        time.sleep(2)

    def lasso(box):
        x1, y1, x2, y2 = box
        t = np.linspace(0, 2 * np.pi, 40)
        cx, cy = (x1 + x2) / 2 + ox, (y1 + y2) / 2 + oy
        rx, ry = (x2 - x1) * 0.65 + 8, (y2 - y1) * 0.65 + 8
        path(np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1))
        time.sleep(1)
        return cx, cy

    app = subprocess.Popen([sys.executable, str(ROOT / "main.py")], env=env)
    try:
        time.sleep(6)
        wid = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "^MathInk"],
                             env=env, capture_output=True, text=True).stdout.split()[0]
        xdo("windowmove", "--sync", wid, 0, 0)
        xdo("windowfocus", "--sync", wid)
        write()
        shot("01_written.png")
        xdo("key", "Delete")                      # clear: the expression goes to the history
        time.sleep(1)
        write()
        xdo("key", "l")                           # lasso tool
        lasso(symbols[0].box)
        xdo("key", "r")                           # "this symbol is …"
        time.sleep(1)
        xdo("type", "--delay", "60", "2")
        time.sleep(0.5)
        shot("02_this_symbol_is.png")
        xdo("key", "Return")
        time.sleep(2)
        shot("03_relabelled.png")
        cx, cy = lasso(symbols[-1].box)
        shot("04_lasso.png")
        path(np.stack([np.linspace(cx, cx + 30, 10), np.linspace(cy, cy - 70, 10)], 1))
        time.sleep(2)
        shot("05_moved.png")
        xdo("key", "p")
        a1, b1, a2, b2 = symbols[1].box
        t = np.linspace(0, 1, 80)
        ph = (t * 6) % 2
        zz = np.stack([a1 - 10 + (a2 - a1 + 20) * np.where(ph < 1, ph, 2 - ph),
                       (b1 + b2) / 2 - 15 + 30 * t], 1) + (ox, oy)
        path(zz)
        time.sleep(2)
        shot("06_scratched.png")
        xdo("key", "ctrl+z")
        time.sleep(1.5)
        xdo("mousemove", 400, 711, "click", "1")  # the LaTeX field
        xdo("key", "End")
        xdo("type", "--delay", "40", "+\\frac{1}{2}")
        time.sleep(1.5)
        shot("07_edited.png")
        xdo("type", "--delay", "40", "^{")
        time.sleep(1.5)
        shot("08_bad_edit.png")
        xdo("key", "BackSpace", "BackSpace")
        time.sleep(1)
        xdo("key", "ctrl+shift+c")
        time.sleep(0.5)
        for target in ("TARGETS", "application/mathml+xml"):
            got = subprocess.run(["xclip", "-o", "-selection", "clipboard", "-t", target], env=env,
                                 capture_output=True, text=True, timeout=10).stdout
            print(f"{target}: {' '.join(got.split())}")
    finally:
        app.terminate()
        app.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
