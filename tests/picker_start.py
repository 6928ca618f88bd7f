"""How long the picker takes to start, beside the main window: from the command to a window
that takes ink, over fresh starts, in a real X window (Xvfb + openbox).

    python tests/picker_start.py [--runs 5]

Each run starts a fresh process with an empty data folder; the picker and the main window
take turns, so that a busy moment of the machine falls on both.  Two figures per start:
  visible_s  the command -> its window mapped on the screen (xdotool sees it, polled every 20 ms)
  ink_s      the command -> a short stroke, sent with xdotool as soon as the window is visible
             at the window's centre (on the canvas in both windows), stored by the canvas
             (the app's trace stamps the pen-up; one monotonic clock for both sides)
The model goes on loading after that in both, as in the app.  Prints one JSON line with the
median, min and max of each figure for each window.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.gui_latency import TraceReader, start_x  # noqa: E402

TIMEOUT_S = 120.0
POLL_S = 0.02
COMMANDS = {"picker": ["--pick"], "main_window": []}


def xdo(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(["xdotool", *map(str, args)], env=env, capture_output=True, text=True, timeout=30)


def one_start(env: dict, args: list[str]) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="mathink-start-"))
    trace = tmp / "trace.jsonl"
    run_env = dict(env, MATHINK_DATA_DIR=str(tmp / "data"), MATHINK_TRACE=str(trace))
    t0 = time.monotonic()
    app = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *args], env=run_env, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        window = None
        while time.monotonic() - t0 < TIMEOUT_S and app.poll() is None:
            found = xdo(env, "search", "--onlyvisible", "--pid", app.pid).stdout.split()
            if found:
                window = found[0]
                break
            time.sleep(POLL_S)
        visible = time.monotonic() - t0
        if window is None:
            raise RuntimeError(f"no window for {args}")
        geometry = dict(line.split("=") for line in
                        xdo(env, "getwindowgeometry", "--shell", window).stdout.split())
        cx = int(geometry["X"]) + int(geometry["WIDTH"]) // 2
        cy = int(geometry["Y"]) + int(geometry["HEIGHT"]) // 2
        xdo(env, "mousemove", cx, cy, "mousedown", "1", "mousemove", cx + 10, cy + 4,
            "mousemove", cx + 20, cy + 8, "mouseup", "1")
        reader = TraceReader(trace)
        up = reader.wait_for(lambda e: e["event"] == "pen_up", TIMEOUT_S, app)
        if up is None:
            raise RuntimeError(f"the stroke was not stored for {args}")
        return {"visible_s": round(visible, 3), "ink_s": round(up["t"] - t0, 3)}
    finally:
        app.kill()
        app.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def summary(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 3), "min": min(values), "max": max(values)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="fresh starts of each window")
    args = ap.parse_args(argv)
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            print(f"picker_start: {tool} is not installed (apt-get install xvfb xdotool openbox)", file=sys.stderr)
            return 2
    xvfb, pipe, display = start_x()
    env = dict(os.environ, DISPLAY=display)
    env.pop("QT_QPA_PLATFORM", None)
    wm = (subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
          if shutil.which("openbox") else None)
    time.sleep(1.0)
    starts: dict[str, list[dict]] = {name: [] for name in COMMANDS}
    try:
        for _ in range(args.runs):
            for name, command in COMMANDS.items():
                starts[name].append(one_start(env, command))
    finally:
        if wm is not None:
            wm.kill()
            wm.wait()
        xvfb.terminate()
        xvfb.wait()
        os.close(pipe)
    report = {"runs": args.runs, "window_manager": wm is not None}
    for name, rows in starts.items():
        report[name] = {key: summary([r[key] for r in rows]) for key in ("visible_s", "ink_s")}
        report[name]["each"] = rows
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
