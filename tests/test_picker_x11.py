"""The picker and Insert as an editor and a user meet them: a real X server (Xvfb), a window
manager (openbox), the mouse and keys of xdotool, the app in a process of its own.

- `python main.py --pick`: a dev expression written on its canvas, Enter: stdout is exactly
  the recognizer's LaTeX for the ink the canvas holds (and one newline), exit 0; Esc: exit 1
  and nothing on stdout; `--initial FILE --format json --inline`: that ink's reading, in `$…$`.
- Insert: a plain text window has the focus, MathInk is started and raised, a formula
  written, Ctrl+Enter: the text window holds the LaTeX.

Skipped, saying why, where Xvfb, xdotool or openbox are missing; `.ci/run` installs them and
runs this file by name with MATHINK_X11_TESTS=required, where a missing tool fails instead.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from model.io.ink import InkError, read_inkml
from tests.gui_latency import TraceReader, start_x, write_expression
from tests.shared_data import DEV

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "resources" / "sample.inkml"
START_TIMEOUT_S = 120.0     # the model loads on a shared, busy machine
ANSWER_TIMEOUT_S = 60.0
REQUIRED = os.environ.get("MATHINK_X11_TESTS") == "required"

# A plain text window for Insert: whatever is typed into it is written to the file it names.
TEXT_WINDOW = r"""
import sys
from PySide6.QtWidgets import QApplication, QTextEdit
app = QApplication(sys.argv[:1])
edit = QTextEdit()
edit.setWindowTitle("insert-target")
def keep():
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        f.write(edit.toPlainText())
edit.textChanged.connect(keep)
edit.resize(600, 200)
edit.show()
sys.exit(app.exec())
"""


def needs(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        message = f"{', '.join(missing)} not installed (apt-get install xvfb xdotool openbox)"
        if REQUIRED:
            pytest.fail(message + "; MATHINK_X11_TESTS=required")
        pytest.skip(message)


@pytest.fixture
def x_session(tmp_path):
    """An X server with openbox; the environment for processes on it."""
    needs("Xvfb", "xdotool", "openbox")
    xvfb, pipe, display = start_x()
    env = dict(os.environ, DISPLAY=display, MATHINK_DATA_DIR=str(tmp_path / "data"))
    env.pop("QT_QPA_PLATFORM", None)
    wm = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)     # openbox takes the screen
    procs: list[subprocess.Popen] = []
    yield env, procs
    for p in procs + [wm]:
        if p.poll() is None:
            p.kill()
        p.wait()
    xvfb.terminate()
    xvfb.wait()
    os.close(pipe)


def xdo(env, *args, timeout=30) -> str:
    return subprocess.run(["xdotool", *map(str, args)], env=env, check=True, capture_output=True, text=True,
                          timeout=timeout).stdout.strip()


def dev_expression(skip: int = 0) -> tuple[str, list[np.ndarray]]:
    """A CROHME dev expression of 6 to 14 strokes (the sample ink where the data is absent)."""
    if DEV.is_dir():
        found = 0
        for f in sorted(DEV.rglob("*.inkml")):
            try:
                strokes = read_inkml(f).strokes()
            except InkError:
                continue
            if 6 <= len(strokes) <= 14:
                if found == skip:
                    return f.name, strokes
                found += 1
    return SAMPLE.name, read_inkml(SAMPLE).strokes()


def start_app(env, procs, trace: Path, *args, stdout=subprocess.DEVNULL):
    env = dict(env, MATHINK_TRACE=str(trace))
    app = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *args], env=env, cwd=ROOT,
                           stdout=stdout, stderr=subprocess.PIPE)
    procs.append(app)
    reader = TraceReader(trace)
    if reader.wait_for(lambda e: e["event"] == "window", START_TIMEOUT_S, app) is None:
        raise AssertionError(f"no window; the app said: {app.stderr.read().decode()[-2000:] if app.poll() is not None else ''}")
    time.sleep(0.6)     # the window manager places and frames it
    window = [e for e in reader.poll() if e["event"] == "window"][-1]
    return app, reader, window


def recognizers_latex(strokes) -> str:
    """What the recognizer reads in this ink, called as the app's worker calls it."""
    from model.recognition.recognize import Recognizer
    return Recognizer(threads=1).recognize([np.asarray(s, np.float64) for s in strokes], heatmap=True).latex


def stored_strokes(reader: TraceReader, sent) -> list[list]:
    ups = [e for e in reader.poll() if e["event"] == "pen_up"]
    got = [u["xy"] for u in ups]
    # Every stroke sent is on the canvas, each where it was sent: the ink the recognizer is
    # asked about is the expression written, with its points as the canvas kept them (whether
    # every point is kept is tests/gui_latency.py's measure; on a loaded machine a few go, in
    # the main window as in the picker).
    assert len(got) == len(sent), ([len(g) for g in got], [n for n, _ in sent])
    for g, (_, pts) in zip(got, sent):
        assert np.allclose(g[0], pts[0]) and np.allclose(g[-1], pts[-1]), (g, pts)
    return got


def test_pick_prints_the_recognizers_latex_on_enter(x_session, tmp_path):
    env, procs = x_session
    name, strokes = dev_expression()
    xdo(env, "mousemove", 400, 300)
    app, reader, window = start_app(env, procs, tmp_path / "trace.jsonl", "--pick", stdout=subprocess.PIPE)
    # It has the keyboard focus, and opened where the pointer is.
    active = xdo(env, "getactivewindow")
    assert int(xdo(env, "getwindowpid", active)) == app.pid
    geometry = dict(line.split("=") for line in xdo(env, "getwindowgeometry", "--shell", active).splitlines())
    x, y, w, h = (int(geometry[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
    assert x <= 400 < x + w and y <= 300 < y + h, geometry
    written = write_expression(strokes, window["canvas"], env)
    xdo(env, "key", "Return")         # at once: Enter waits for the reading of the last stroke
    out, err = app.communicate(timeout=ANSWER_TIMEOUT_S)
    assert app.returncode == 0, err.decode()[-2000:]
    expected = recognizers_latex(stored_strokes(reader, written["sent"]))
    assert expected, f"{name}: the recognizer read nothing"
    assert out.decode("utf-8") == expected + "\n", (name, out, expected)


def test_pick_escape_exits_1_with_nothing_on_stdout(x_session, tmp_path):
    env, procs = x_session
    _, strokes = dev_expression()
    app, reader, window = start_app(env, procs, tmp_path / "trace.jsonl", "--pick", "--format", "json",
                                    stdout=subprocess.PIPE)
    write_expression(strokes[:3], window["canvas"], env)
    xdo(env, "key", "Escape")
    out, err = app.communicate(timeout=ANSWER_TIMEOUT_S)
    assert app.returncode == 1, err.decode()[-2000:]
    assert out == b""


def test_insert_types_the_latex_into_the_window_that_had_the_focus(x_session, tmp_path):
    env, procs = x_session
    name, strokes = dev_expression(skip=1)
    typed = tmp_path / "typed.txt"
    # MathInk runs first; the user then works in the text window, and comes back to MathInk:
    # what it remembers is the switch it was told of, not the window it was started from.
    app, reader, window = start_app(env, procs, tmp_path / "trace.jsonl")
    mathink = xdo(env, "search", "--onlyvisible", "--pid", app.pid).split()[0]
    target = subprocess.Popen([sys.executable, "-c", TEXT_WINDOW, str(typed)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(target)
    target_window = xdo(env, "search", "--sync", "--onlyvisible", "--name", "^insert-target$", timeout=60)
    xdo(env, "windowactivate", "--sync", target_window)
    time.sleep(0.5)                                          # the user is in the text window
    xdo(env, "windowactivate", "--sync", mathink)           # MathInk raised, the focus in it
    time.sleep(0.6)
    window = [e for e in reader.poll() if e["event"] == "window"][-1]
    written = write_expression(strokes, window["canvas"], env)
    last = [e for e in reader.poll() if e["event"] == "pen_up"][-1]["version"]
    result = reader.wait_for(lambda e: e["event"] == "result" and e["version"] == last, ANSWER_TIMEOUT_S, app)
    assert result is not None and result["latex"], name
    assert len([e for e in reader.poll() if e["event"] == "pen_up"]) == len(written["sent"])
    xdo(env, "key", "ctrl+Return")
    end = time.monotonic() + ANSWER_TIMEOUT_S
    while time.monotonic() < end and not (typed.exists() and typed.read_text(encoding="utf-8") == result["latex"]):
        time.sleep(0.1)
    assert typed.exists(), "nothing was typed into the text window"
    assert typed.read_text(encoding="utf-8") == result["latex"], name
    # The focus went back to the text window, where the user was.
    assert xdo(env, "getactivewindow") == target_window


def test_pick_from_initial_ink_as_inline_json(x_session, tmp_path):
    from app.canvas.size import CANVAS_HEIGHT, CANVAS_WIDTH
    from app.files.documents import load_ink
    env, procs = x_session
    app, _, _ = start_app(env, procs, tmp_path / "trace.jsonl", "--pick", "--initial", str(SAMPLE),
                          "--format", "json", "--inline", stdout=subprocess.PIPE)
    xdo(env, "key", "Return")
    out, err = app.communicate(timeout=ANSWER_TIMEOUT_S)
    assert app.returncode == 0, err.decode()[-2000:]
    answer = json.loads(out.decode("utf-8"))
    strokes, _ = load_ink(SAMPLE, CANVAS_WIDTH, CANVAS_HEIGHT)   # fitted as Open and --initial fit it
    assert answer["latex"] == f"${recognizers_latex(strokes)}$"
    assert answer["mathml"].startswith("<math") and 'display="inline"' in answer["mathml"]
    assert answer["edited"] is False and len(answer["symbols"]) > 0
