"""Issue 41's eight expressions written with the mouse in the real window, each right after a
fresh start, with a busy process beside: what each comes back as, and a screenshot of each.

    python tests/window_expressions.py [--data DIR] [--seed S] [--shots DIR] [--busy 1]

The ink is model/evaluation/composed.py's (one dev writer's own glyphs, placed as a person
writes them); it is sent as gui_latency.py sends a mouse's (a point every 2.5 px at 125 Hz, a
tap for a dot) into Xvfb at 1366x768 with openbox. Each expression gets a new app with an empty
data folder. The screenshot is the whole screen once the result for the last stroke is in
(`--shots`, PNG, taken with Qt through the same X display). Prints one JSON line: per
expression its truth, what the window answered, whether every stroke and point was stored;
`right`, `n`. Exits 1 if the app died or a stroke was lost (a misread is a figure, not a crash).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import gui_latency  # noqa: E402
from model.evaluation import bench, composed  # noqa: E402

GRAB = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication([])
ok = app.primaryScreen().grabWindow(0).save(sys.argv[1], "PNG")
sys.exit(0 if ok else 1)
"""


def screenshot(env: dict, path: Path) -> bool:
    env = dict(env, QT_QPA_PLATFORM="xcb")
    return subprocess.run([sys.executable, "-c", GRAB, str(path)], env=env, timeout=60,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "crohme" / "dev")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--busy", type=int, default=1)
    ap.add_argument("--shots", type=Path, help="keep a screenshot of each result here")
    ap.add_argument("--only", nargs="*", help="these expressions only (names as in composed.py)")
    args = ap.parse_args(argv)
    if not args.data.exists():   # a clone with no data beside it: nothing to compose from
        print(f"window_expressions: skipped, no dev data at {args.data}", file=sys.stderr)
        return 0
    items = [e for e in composed.compose(composed.writers(args.data), args.seed)
             if not args.only or e["name"] in args.only]
    log_path = Path(tempfile.mkdtemp(prefix="mathink-expr-log-")) / "app.log"
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    rows, died, lost = [], False, 0
    for e in items:
        if not e["strokes"]:
            rows.append({"name": e["name"], "truth": e["truth"], "read": None, "right": False,
                         "why": "no dev writer has every symbol"})
            continue
        shot = args.shots / f"{e['name']}.png" if args.shots else None
        took = []

        def after(env, row, shot=shot):
            took.append(shot is not None and screenshot(env, shot))
        with bench.busy_processes(args.busy, seconds=600):
            session, alive = gui_latency.run_session([(Path(e["name"]), e["strokes"])],
                                                     dict(os.environ), log_path, after)
        died |= not alive
        row = session[0] if session else {"kept": [], "latex": None}
        kept = row["kept"]
        lost += sum(k == 0 for k in kept)
        read = row.get("latex")
        rows.append({"name": e["name"], "writer": e["writer"], "truth": e["truth"], "read": read,
                     "right": bool(read is not None and composed.same(read, e["truth"])),
                     "strokes": len(kept), "stored": sum(k > 0 for k in kept),
                     "points_kept_min": round(min(kept), 4) if kept else None,
                     "screenshot": str(shot) if took and took[0] else None})
    report = {"busy": args.busy, "screen": gui_latency.SCREEN, "seed": args.seed, "alive": not died,
              "right": sum(r["right"] for r in rows), "n": len(rows), "rows": rows}
    print(json.dumps(report))
    if died or lost:
        print(f"window_expressions: FAILED: {'the app died; ' if died else ''}{lost} strokes lost "
              f"(app output: {log_path})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
