"""The window as a user meets it: ink kept, pen-up -> result latency and UI stalls, measured in a
real X window (Xvfb, a window manager when one is installed) with a busy process beside the app.

    python tests/gui_latency.py [--data DIR] [--sessions 2] [--n 6] [--busy 1] [--strict]

Each session starts the app afresh (empty data folder) and writes its first expression as soon
as the window is up, then the others.  Strokes are CROHME expressions placed on the canvas at
a hand's size and sent with xdotool the way a mouse sends them: a point every SPACING_PX
pixels, one every POINT_INTERVAL_S, a pause between strokes.  The expressions are the ones
small marks make hard (issue 36): by turns one with an i, limits under a sum, a j, \\ldots, a
division sign, a decimal point (`expressions`), written in the writer's own order, where a
dot is a tap (one point) and, when the result before it has put a label tag within reach, a
tap on that tag (where the i's own tag sits), as a person's dot lands.  In the second
expression of each session, halfway, the pen is held on a tag until the symbol's menu opens,
and writing goes on: the stroke that closes the menu must be kept like any other.  The app
writes a trace (MATHINK_TRACE, app/recognition/trace.py): the points each stroke kept, the ink version
each final result answers, the label tags it shows, and each stall of its UI thread.  Prints
one JSON line:
  strokes_sent / _stored    strokes sent, and those the app stored (matched by where they start)
  dots_on_tags              dots sent onto a label tag (each one must be a stored dot);
                            pen_downs_on_tags: strokes and dots the app saw begin on a tag
  menus                     menus opened by a held press; strokes_after_menu_stored: the next
                            stroke of each, stored
  points_kept_min / _mean   the share of the points sent that the stroke kept (worst, mean)
  latency_ms_p50 / _p95     pen-up -> the result for exactly that ink, over strokes answered
  last_stroke_latency_ms_*  the same for each expression's last stroke (what the user waits for)
  longest_stall_ms          the longest UI-thread stall while writing
and the same for the first expression of every session (`first_*`).
Exits 1 if the app died, a stroke sent was not stored, a held press opened no menu, or any
stroke kept less than MIN_KEPT of its points (a lost stroke or point is a bug, on any
machine); with --strict also if the latency or stall bars of issue 21 are missed (timings
depend on the machine: CI reports them, a person judges them).
GUI_LATENCY_APP names another entry script to measure instead of main.py (an experiment: an app
whose UI thread is made to stall, to show that points survive a stall).
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

from model.evaluation.bench import busy_processes, place_on_canvas  # noqa: E402
from model.io.crohme import normalize_label  # noqa: E402
from model.io.ink import InkError, read_inkml  # noqa: E402

SCREEN = "1366x768x24"            # the small laptop the window must fit
SPACING_PX = 2.5                  # what a mouse sends while a hand writes
POINT_INTERVAL_S = 0.008          # 125 Hz, a common mouse report rate
STROKE_PAUSE_S = 0.15             # pen up -> next pen down of a quick writer
SYMBOL_PX = 60.0                  # writing scale on the canvas: a mouse writes big
ANSWER_TIMEOUT_S = 20.0
DOT_PX = 0.15 * SYMBOL_PX         # a stroke this small on the canvas is a dot: sent as one tap
TAG_REACH_PX = 24.0               # a dot this close to a tag is put on it (where the tag sits)
HOLD_S = 0.9                      # a press held this long on a tag opens its menu (app: 0.5 s)
# What each expression in turn must have (see `expressions`): small marks and small scripts.
KINDS = ("i", "sum_limits", "j", "\\ldots", "\\div", ".")
WINDOW_TIMEOUT_S = 90.0
MIN_KEPT = 0.99
BARS = {"latency_ms_p95": 150.0, "longest_stall_ms": 50.0}


def start_x() -> tuple[subprocess.Popen, int, str]:
    r, w = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", SCREEN, "-nolisten", "tcp"],
                            pass_fds=(w,), stderr=subprocess.DEVNULL)
    os.close(w)
    number = b""
    while not number.endswith(b"\n"):   # keep the pipe open: Xvfb writes twice (gui_soak.py)
        chunk = os.read(r, 16)
        if not chunk:
            break
        number += chunk
    return xvfb, r, ":" + number.decode().strip()


def resample(points: np.ndarray, spacing: float) -> np.ndarray:
    """Points every `spacing` px along the stroke, as integer screen pixels, repeats dropped."""
    p = points[:, :2]
    if len(p) > 1:
        seg = np.hypot(*np.diff(p, axis=0).T)
        at = np.concatenate([[0], np.cumsum(seg)])
        s = np.arange(0, at[-1], spacing) if at[-1] > 0 else np.zeros(1)
        s = np.append(s, at[-1])
        p = np.stack([np.interp(s, at, p[:, 0]), np.interp(s, at, p[:, 1])], 1)
    q = np.round(p).astype(int)
    keep = np.ones(len(q), bool)
    keep[1:] = np.any(q[1:] != q[:-1], axis=1)
    return q[keep]


def kinds_of(ink) -> set[str]:
    """Which of KINDS an expression has, from its truth."""
    labels = {normalize_label(label) for label, _ in ink.symbol_stroke_indices()}
    out = {k for k in KINDS if k in labels}
    if "\\sum" in labels and "munder" in (ink.truth_mathml or ""):
        out.add("sum_limits")
    return out


def expressions(data: Path, n: int) -> list[tuple[Path, list[np.ndarray]]]:
    """`n` expressions of at most 25 strokes, taking KINDS in turn, each the first file not yet
    taken that has it, those with small scripts first; other files when no kind is left (the
    sample ink without the data)."""
    files = sorted(data.rglob("*.inkml")) if data.is_dir() else [data]
    by_kind: dict[str, list] = {k: [] for k in KINDS}
    plain = []
    for f in files:
        try:
            ink = read_inkml(f)
            strokes = ink.strokes()
        except InkError:
            continue
        if not strokes or len(strokes) > 25:
            continue
        kinds = kinds_of(ink)
        scripts = any(t in (ink.truth_mathml or "") for t in ("msup", "msub", "munder"))
        for k in kinds:
            by_kind[k].append((not scripts, f, strokes))
        if not kinds:
            plain.append((f, strokes))
    for k in by_kind:
        by_kind[k] = [(f, s) for _, f, s in sorted(by_kind[k], key=lambda t: t[0])]
    out, taken, turn = [], set(), 0
    while len(out) < n and any(by_kind.values()):
        queue = by_kind[KINDS[turn % len(KINDS)]]
        turn += 1
        while queue and queue[0][0] in taken:
            queue.pop(0)
        if queue:
            f, strokes = queue.pop(0)
            taken.add(f)
            out.append((f, strokes))
    out += plain[: n - len(out)]
    while out and len(out) < n:
        out += out[: n - len(out)]
    return out


class TraceReader:
    def __init__(self, path: Path):
        self.path, self.events, self._pos = path, [], 0

    def poll(self) -> list[dict]:
        if not self.path.exists():
            return self.events
        with open(self.path, encoding="utf-8") as f:
            f.seek(self._pos)
            chunk = f.read()
        end = chunk.rfind("\n") + 1            # a half-written last line waits for the next poll
        self._pos += len(chunk[:end].encode("utf-8"))
        self.events += [json.loads(line) for line in chunk[:end].splitlines() if line.strip()]
        return self.events

    def wait_for(self, pred, timeout: float, app) -> dict | None:
        end = time.monotonic() + timeout
        while time.monotonic() < end and app.poll() is None:
            for e in self.poll():
                if pred(e):
                    return e
            time.sleep(0.05)
        return None


def on_tag(point, rects) -> bool:
    x, y = point
    return any(rx <= x <= rx + rw and ry <= y <= ry + rh for rx, ry, rw, rh in rects)


def onto_tag(point, rects, reach: float = TAG_REACH_PX):
    """The point moved into the nearest tag within `reach` (2 px inside its edge), or None."""
    best = None
    for rx, ry, rw, rh in rects:
        q = (min(max(point[0], rx + 2), rx + rw - 2), min(max(point[1], ry + 2), ry + rh - 2))
        d = float(np.hypot(q[0] - point[0], q[1] - point[1]))
        if d <= reach and (best is None or d < best[0]):
            best = (d, q)
    return None if best is None else (int(np.floor(best[1][0])), int(np.floor(best[1][1])))


def current_tags(trace, app, timeout: float = 2.0) -> list:
    """The label tags of the result for the ink as it is now (after the last pen-up)."""
    ups = [e for e in trace.poll() if e["event"] == "pen_up"]
    if not ups:
        return []
    version = ups[-1]["version"]
    e = trace.wait_for(lambda e: e["event"] == "tags" and e["version"] == version, timeout, app)
    return e["rects"] if e else []


def hold_on_tag(trace, env, x0, y0, app) -> bool:
    """Hold the pen on a label tag until the app opens that symbol's menu; True if it did."""
    rects = current_tags(trace, app, ANSWER_TIMEOUT_S)
    if not rects:
        return False
    rx, ry, rw, rh = rects[len(rects) // 2]
    x, y = int(rx + rw / 2) + x0, int(ry + rh / 2) + y0
    start = len(trace.poll())
    subprocess.run([str(c) for c in ["xdotool", "mousemove", x, y, "mousedown", "1", "sleep", HOLD_S,
                                     "mouseup", "1"]], env=env, check=True, timeout=30)
    menu = trace.wait_for(lambda e: e["event"] == "menu", 3.0, app) is not None
    time.sleep(0.3)      # a person sees the menu, then writes on
    trace.events[start:] = [e for e in trace.events[start:] if e["event"] != "pen_down"]
    return menu


def write_expression(strokes, canvas, env, trace=None, app=None, menu_after: int | None = None) -> dict:
    """Send the strokes; returns per stroke (points sent, their canvas positions; repeats
    dropped as the canvas drops them), the dots moved onto a tag, and the menus a held press
    opened, after stroke `menu_after`."""
    x0, y0, cw, ch = canvas
    placed = place_on_canvas(strokes, SYMBOL_PX)
    sent, dots_on_tags, menus = [], 0, 0
    for k, s in enumerate(placed):
        if menu_after is not None and k == menu_after and trace is not None:
            menus += hold_on_tag(trace, env, x0, y0, app)
        q = resample(s, SPACING_PX)
        q = np.clip(q, 1, [cw - 2, ch - 2])
        if np.ptp(q, axis=0).max() <= DOT_PX:      # a dot: a tap, one point
            q = np.round(q.mean(0, keepdims=True)).astype(int)
            if trace is not None:
                # The result of the ink before it has put a tag here or not: a tap near one
                # lands on it, as a person's dot lands on the tag of its own stem.
                moved = onto_tag(q[0], current_tags(trace, app))
                if moved is not None:
                    q = np.array([moved])
                    dots_on_tags += 1
        q = q + (x0, y0)
        keep = np.ones(len(q), bool)
        keep[1:] = np.any(q[1:] != q[:-1], axis=1)
        q = q[keep]
        cmd = ["xdotool", "mousemove", q[0][0], q[0][1], "mousedown", "1"]
        for x, y in q[1:]:
            cmd += ["sleep", POINT_INTERVAL_S, "mousemove", x, y]
        cmd += ["mouseup", "1"]
        subprocess.run([str(c) for c in cmd], env=env, check=True, timeout=120)
        sent.append((len(q), (q - (x0, y0)).tolist()))
        time.sleep(STROKE_PAUSE_S)
    return {"sent": sent, "dots_on_tags": dots_on_tags, "menus": menus, "menu_after": menu_after}


def _pct(values, q):
    return round(float(np.percentile(values, q)), 1) if values else None


def summarize(rows: list[dict]) -> dict:
    kept = [k for r in rows for k in r["kept"]]
    after_menu = [r["kept"][r["menu_after"]] > 0 for r in rows if r.get("menus")]
    lat = [v for r in rows for v in r["latencies_ms"]]
    last = [r["last_latency_ms"] for r in rows if r["last_latency_ms"] is not None]
    stalls = [r["longest_stall_ms"] for r in rows]
    return {"expressions": len(rows), "strokes_sent": len(kept),
            "strokes_stored": sum(k > 0 for k in kept),
            "dots_on_tags": sum(r.get("dots_on_tags", 0) for r in rows),
            "pen_downs_on_tags": sum(r.get("downs_on_tags", 0) for r in rows),
            "menus": sum(r.get("menus", 0) for r in rows),
            "strokes_after_menu_stored": sum(after_menu),
            "points_kept_min": round(min(kept), 4) if kept else None,
            "points_kept_mean": round(float(np.mean(kept)), 4) if kept else None,
            "latency_ms_p50": _pct(lat, 50), "latency_ms_p95": _pct(lat, 95),
            "answered_strokes": len(lat),
            "last_stroke_latency_ms_p50": _pct(last, 50), "last_stroke_latency_ms_p95": _pct(last, 95),
            "longest_stall_ms": max(stalls) if stalls else None}


def match_strokes(sent: list[tuple], ups: list[dict]) -> list[dict | None]:
    """For each stroke sent, the pen-up that stored it (None: lost), in order: a stored stroke
    starts where its stroke was sent (the trace rounds to 0.1 px)."""
    out, j = [], 0
    for n, pts in sent:
        k = next((k for k in range(j, len(ups))
                  if np.hypot(*np.subtract(ups[k]["xy"][0], pts[0])) <= 1.0), None)
        out.append(None if k is None else ups[k])
        if k is not None:
            j = k + 1
    return out


def measure_expression(trace: TraceReader, start: int, sent: list[tuple], app) -> dict:
    """The trace events from index `start` on, for one expression just written."""
    events = trace.poll()
    ups = [e for e in events[start:] if e["event"] == "pen_up"]
    last_version = ups[-1]["version"] if ups else None
    trace.wait_for(lambda e: e["event"] == "result" and e["version"] == last_version,
                   ANSWER_TIMEOUT_S, app)
    events = trace.poll()[start:]
    ups = [e for e in events if e["event"] == "pen_up"]
    results = {}
    for e in events:
        if e["event"] == "result":
            results.setdefault(e["version"], e)
    latencies = [(results[u["version"]]["t"] - u["t"]) * 1e3 for u in ups if u["version"] in results]
    last = results.get(last_version)
    downs = [e["t"] for e in events if e["event"] == "pen_down"]
    t0 = downs[0] if downs else 0.0
    t1 = last["t"] if last else (events[-1]["t"] if events else 0.0)
    stalls = [e["ms"] for e in events if e["event"] == "stall" and t0 <= e["t"] <= t1]
    # A stroke that never arrived kept nothing; matching by place, so one lost stroke does not
    # pass the next stroke's points off as its own.
    kept = [0.0 if u is None else min(1.0, u["points"] / s[0]) for u, s in zip(match_strokes(sent, ups), sent)]
    stall_at = [(round(e["t"] - t0, 3), e["ms"]) for e in events if e["event"] == "stall" and t0 <= e["t"] <= t1]
    return {"sent": sent, "got": [u["xy"] for u in ups], "kept": kept, "stalls": stall_at,
            "downs_on_tags": sum(bool(e.get("on_tag")) for e in events if e["event"] == "pen_down"),
            "pen_ups": [round(u["t"] - t0, 3) for u in ups], "latencies_ms": [round(v, 1) for v in latencies],
            "last_latency_ms": round((last["t"] - ups[-1]["t"]) * 1e3, 1) if last and ups else None,
            "longest_stall_ms": max(stalls, default=0.0), "latex": last["latex"] if last else None}


def run_session(items, env0: dict, log_path: Path, after=None) -> tuple[list[dict], bool]:
    """Write `items` in one fresh app; `after(env, row)`, when given, is called once each
    expression's result is in (while the window still shows it: a screenshot)."""
    tmp = Path(tempfile.mkdtemp(prefix="mathink-latency-"))
    trace_path = tmp / "trace.jsonl"
    xvfb, pipe, display = start_x()
    env = dict(env0, DISPLAY=display, MATHINK_DATA_DIR=str(tmp), MATHINK_TRACE=str(trace_path))
    env.pop("QT_QPA_PLATFORM", None)
    wm = (subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
          if shutil.which("openbox") else None)
    log = open(log_path, "a")
    app = subprocess.Popen([sys.executable, "-X", "faulthandler", os.environ.get("GUI_LATENCY_APP", str(ROOT / "main.py"))], env=env,
                           cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    rows, alive = [], False
    try:
        trace = TraceReader(trace_path)
        window = trace.wait_for(lambda e: e["event"] == "window" and e["canvas"][1] > 0,
                                WINDOW_TIMEOUT_S, app)
        if window is None:
            raise RuntimeError("the MathInk window never appeared")
        time.sleep(0.6)          # the window manager places the window; the user moves to the canvas
        window = [e for e in trace.poll() if e["event"] == "window"][-1]
        for i, (f, strokes) in enumerate(items):
            if app.poll() is not None:
                break
            if i:
                subprocess.run(["xdotool", "key", "Delete"], env=env, check=True, timeout=30)
                time.sleep(0.3)
            start = len(trace.poll())
            menu_after = len(strokes) // 2 if i == 1 and len(strokes) >= 2 else None
            written = write_expression(strokes, window["canvas"], env, trace, app, menu_after)
            row = measure_expression(trace, start, written["sent"], app)
            row.update(file=f.name, dots_on_tags=written["dots_on_tags"], menus=written["menus"],
                       menu_after=written["menu_after"])
            rows.append(row)
            if after is not None:
                after(env, row)
        alive = app.poll() is None
    finally:
        if app.poll() is None:
            app.terminate()
            try:
                app.wait(30)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
        if wm is not None:
            wm.kill()
            wm.wait()
        xvfb.terminate()
        xvfb.wait()
        os.close(pipe)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return rows, alive


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "crohme" / "dev")
    ap.add_argument("--sessions", type=int, default=2, help="fresh starts of the app")
    ap.add_argument("--n", type=int, default=6, help="expressions per session")
    ap.add_argument("--busy", type=int, default=1, help="busy processes beside the app (each spins a core)")
    ap.add_argument("--strict", action="store_true", help="also fail when issue 21's timing bars are missed")
    ap.add_argument("--rows", type=Path, help="write every expression's figures here (JSON lines)")
    args = ap.parse_args(argv)
    if not args.data.exists():
        args.data = ROOT / "resources" / "sample.inkml"
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            print(f"gui_latency: {tool} is not installed (apt-get install xvfb xdotool)", file=sys.stderr)
            return 2
    items = expressions(args.data, args.sessions * args.n)
    log_path = Path(tempfile.mkdtemp(prefix="mathink-latency-log-")) / "app.log"
    rows, firsts, died = [], [], False
    for k in range(args.sessions):
        with busy_processes(args.busy, seconds=900):
            session, alive = run_session(items[k * args.n:(k + 1) * args.n], dict(os.environ), log_path)
        rows += session
        firsts += session[:1]
        died |= not alive
    report = {"busy": args.busy, "screen": SCREEN, "sessions": args.sessions, "alive": not died,
              **summarize(rows), **{f"first_{k}": v for k, v in summarize(firsts).items()}}
    if args.rows:
        args.rows.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(json.dumps(report))
    failed = []
    if died:
        failed.append("the app died")
    if report["strokes_stored"] < report["strokes_sent"]:
        lost = [(r["file"], k) for r in rows for k, v in enumerate(r["kept"]) if v == 0]
        failed.append(f"{report['strokes_sent'] - report['strokes_stored']} of {report['strokes_sent']} "
                      f"strokes sent were not stored (file, stroke): {lost[:10]}")
    if report["menus"] < sum(1 for r in rows if r.get("menu_after") is not None):
        failed.append("a press held on a label tag did not open its menu")
    if report["points_kept_min"] is None or report["points_kept_min"] < MIN_KEPT:
        failed.append(f"a stroke kept {report['points_kept_min']} of its points (< {MIN_KEPT})")
    if args.strict:
        failed += [f"{k} {report[k]} > {bar}" for k, bar in BARS.items()
                   if report[k] is None or report[k] > bar]
    if failed:
        print("gui_latency: FAILED: " + "; ".join(failed) + f" (app output: {log_path})", file=sys.stderr)
        print(log_path.read_text()[-3000:] if log_path.exists() else "", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
