"""Soak test of the real window: the app on an X server (Xvfb) is written into with real mouse
events (xdotool), one CROHME expression after another, and must stay alive with bounded memory.

    python tests/gui_soak.py [--data DIR] [--n 50]

Needs Xvfb, xdotool and xclip (Debian: xvfb xdotool xclip, plus Qt's xcb libraries
libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0); `.ci/run` installs them.
Per expression: Delete (clear), the strokes as mouse drags, a pause for recognition, Ctrl+C,
then the clipboard is read back. Prints one JSON line with the RSS after 5 and after N
expressions and exits non-zero if the app died, stopped answering, or its memory kept growing.
The offscreen test suite cannot see this class of failure: the crash of issue 16 (a refcount
bug in the Qt binding) needed real paint events over minutes.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.io.ink import InkError, read_inkml  # noqa: E402

SCREEN = "1400x1000x24"
# Where strokes land, in window coordinates: inside the 1000x500 canvas under the toolbar.
DRAW_BOX = (60, 110, 960, 490)
MAX_POINTS = 30               # per stroke: enough for a round stroke, few enough for minutes per 50
MOVE_PAUSE_S = 0.004
RECOGNITION_PAUSE_S = 0.8
ANSWER_TIMEOUT_S = 15.0       # a loaded machine recognizes late; late is an answer, silence is not
WINDOW_TIMEOUT_S = 90.0
RSS_GROWTH_LIMIT_MB = 150      # between expression 5 and N; a leak of one canvas per expression exceeds it
MIN_ANSWERED = 0.8             # share of expressions whose Ctrl+C put LaTeX on the clipboard


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def xdo(*args, env) -> str:
    return subprocess.run(["xdotool", *map(str, args)], env=env, check=True, capture_output=True,
                          text=True, timeout=30).stdout


def find_window(app, env) -> str:
    end = time.monotonic() + WINDOW_TIMEOUT_S
    while time.monotonic() < end and app.poll() is None:
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^MathInk"], env=env,
                               capture_output=True, text=True, timeout=30).stdout.split()
        if found:
            return found[0]
        time.sleep(0.5)
    raise RuntimeError("the MathInk window never appeared")


def copied_latex(wid, env) -> bool:
    """Ctrl+C until the clipboard holds LaTeX (the app answered) or ANSWER_TIMEOUT_S passes."""
    end = time.monotonic() + ANSWER_TIMEOUT_S
    while True:
        subprocess.run(["xclip", "-selection", "clipboard"], input=b"", env=env, timeout=10)
        xdo("windowfocus", "--sync", wid, "key", "ctrl+c", env=env)
        time.sleep(0.2)
        clip = subprocess.run(["xclip", "-o", "-selection", "clipboard"], env=env, capture_output=True,
                              text=True, timeout=10).stdout
        if clip.strip():
            return True
        if time.monotonic() > end:
            return False
        time.sleep(0.5)


def drags(strokes: list[np.ndarray], wid: str) -> list[list[str]]:
    """Each stroke as one xdotool command line (press, moves, release), scaled into DRAW_BOX."""
    pts = np.vstack(strokes)
    lo, hi = pts.min(0), pts.max(0)
    x0, y0, x1, y1 = DRAW_BOX
    k = min((x1 - x0) / max(hi[0] - lo[0], 1e-9), (y1 - y0) / max(hi[1] - lo[1], 1e-9))
    out = []
    for s in strokes:
        p = np.round((s[:, :2] - lo) * k + (x0, y0)).astype(int)
        keep = np.ones(len(p), bool)
        keep[1:] = np.any(p[1:] != p[:-1], axis=1)
        p = p[keep]
        p = p[:: -(-len(p) // MAX_POINTS)]
        cmd = ["mousemove", "--window", wid, p[0][0], p[0][1], "mousedown", "1"]
        for q in p[1:]:
            # A pause per move, as a hand gives: X and Qt merge motion events that arrive together.
            cmd += ["sleep", MOVE_PAUSE_S, "mousemove", "--window", wid, q[0], q[1]]
        cmd += ["mouseup", "1"]
        out.append([str(c) for c in cmd])
    return out


def expressions(data: Path, n: int):
    files = sorted(data.rglob("*.inkml")) if data.is_dir() else [data]
    got = 0
    for f in files:
        try:
            strokes = read_inkml(f).strokes()
        except InkError:
            continue
        if strokes:
            yield f, strokes
            got += 1
            if got == n:
                return


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "crohme" / "dev")
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--screenshot", type=Path,
                    help="save the screen after the last expression (PNG; needs ImageMagick's import)")
    args = ap.parse_args(argv)
    if not args.data.exists():
        args.data = ROOT / "resources" / "sample.inkml"   # no CROHME here: the same sample, again and again
    for tool in ("Xvfb", "xdotool", "xclip"):
        if shutil.which(tool) is None:
            print(f"gui_soak: {tool} is not installed (apt-get install xvfb xdotool xclip)", file=sys.stderr)
            return 2
    items = list(expressions(args.data, args.n))
    while len(items) < args.n:
        items += items[: args.n - len(items)]

    tmp = Path(tempfile.mkdtemp(prefix="mathink-soak-"))
    r, w = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", SCREEN, "-nolisten", "tcp"],
                            pass_fds=(w,), stderr=subprocess.DEVNULL)
    os.close(w)
    # Xvfb writes the number, then a newline, in separate writes: read up to the newline and keep
    # the pipe open, or its second write meets a closed pipe and SIGPIPE ends the X server.
    number = b""
    while not number.endswith(b"\n"):
        chunk = os.read(r, 16)
        if not chunk:
            break
        number += chunk
    display = ":" + number.decode().strip()
    env = dict(os.environ, DISPLAY=display, MATHINK_DATA_DIR=str(tmp))
    env.pop("QT_QPA_PLATFORM", None)
    log = open(tmp / "app.log", "w")
    app = subprocess.Popen([sys.executable, "-X", "faulthandler", str(ROOT / "main.py")], env=env, cwd=ROOT,
                           stdout=log, stderr=subprocess.STDOUT)
    report = {"expressions": 0, "answered": 0}
    ok = False
    try:
        wid = find_window(app, env)
        xdo("windowmove", "--sync", wid, 0, 0, env=env)
        xdo("windowfocus", "--sync", wid, env=env)   # no window manager on Xvfb: focus, not activate
        time.sleep(2.0)   # the model loads on the worker thread
        start = time.monotonic()
        for i, (f, strokes) in enumerate(items, 1):
            if app.poll() is not None:
                break
            xdo("windowfocus", "--sync", wid, "key", "Delete", env=env)
            for cmd in drags(strokes, wid):
                xdo(*cmd, env=env)
            time.sleep(RECOGNITION_PAUSE_S)
            report["expressions"] = i
            report["answered"] += copied_latex(wid, env)
            if i == 5:
                report["rss_mb_after_5"] = round(rss_mb(app.pid), 1)
        report["seconds"] = round(time.monotonic() - start, 1)
        alive = app.poll() is None
        report["alive"] = alive
        if alive:
            report[f"rss_mb_after_{report['expressions']}"] = round(rss_mb(app.pid), 1)
            if args.screenshot:
                subprocess.run(["import", "-window", "root", str(args.screenshot)], env=env, timeout=30)
        growth = (report.get(f"rss_mb_after_{args.n}", 0) - report.get("rss_mb_after_5", 0))
        report["rss_growth_mb"] = round(growth, 1)
        ok = (alive and report["expressions"] == args.n and growth <= RSS_GROWTH_LIMIT_MB
              and report["answered"] >= MIN_ANSWERED * args.n)
    finally:
        if app.poll() is None:
            app.terminate()    # SIGTERM: the app closes as on Quit
            try:
                app.wait(30)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
        report["exit_code"] = app.returncode
        xvfb.terminate()
        xvfb.wait()
        os.close(r)
        log.close()
    print(json.dumps(report))
    if not ok:
        print(f"gui_soak: FAILED; the app's output follows ({tmp / 'app.log'})", file=sys.stderr)
        print((tmp / "app.log").read_text()[-4000:], file=sys.stderr)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
