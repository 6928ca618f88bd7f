"""The picker (`mathink pick`) and Insert without a display: what is printed in each format,
when Enter accepts and what it waits for, Esc, and Insert's one-line fallback.  The real
window, keys and stdout are tests/test_picker_x11.py's."""
from __future__ import annotations

import json
import threading

import numpy as np
import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from app.files.insert import why_insert_cannot  # noqa: E402
from app.picker.output import Answer, formatted  # noqa: E402
from app.picker.window import PickerWindow, answer_of_edit  # noqa: E402
from model.recognition.result import Recognition  # noqa: E402

WAIT_MS = 20_000


class Reader:
    """A recognizer that reads every ink as 'x^{n}' (n: its strokes), when `gate` lets it."""

    def __init__(self):
        self.gate = threading.Event()
        self.gate.set()
        self.calls = 0

    def recognize(self, strokes, heatmap=False, **_):
        self.gate.wait(30)
        self.calls += 1
        n = len(strokes)
        return Recognition(symbols=[], text=f"x^{n}", latex=f"x^{{{n}}}")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MATHINK_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def picker(qtbot, data_dir):
    made = []

    def make(fmt="latex"):
        reader = Reader()
        win = PickerWindow(recognizer_factory=lambda path: reader, fmt=fmt)
        qtbot.addWidget(win)
        win.show_at_pointer()
        qtbot.waitExposed(win)
        qtbot.waitUntil(lambda: win.service.state == "ready", timeout=WAIT_MS)
        made.append(win)
        return win, reader

    yield make
    for win in made:
        win.shutdown()


def stroke(canvas, x0, y0, n=12):
    pts = [QPoint(x0 + 4 * i, y0 + 3 * i) for i in range(n)]
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
    for p in pts[1:]:
        QTest.mouseMove(canvas, p)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])


def outcome(win):
    codes = []
    win.finished.connect(codes.append)
    return codes


# ---- what is printed -------------------------------------------------------------------

ANSWER = Answer("\\frac{a}{b}", "a/b", '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">'
                "<mfrac><mi>a</mi><mi>b</mi></mfrac></math>", details={"symbols": [], "tables": []})


def test_each_format_prints_its_form_of_the_formula():
    assert formatted(ANSWER, "latex") == "\\frac{a}{b}"
    assert formatted(ANSWER, "text") == "a/b"
    assert formatted(ANSWER, "mathml") == ANSWER.mathml
    data = json.loads(formatted(ANSWER, "json"))
    assert data == {"latex": "\\frac{a}{b}", "text": "a/b", "mathml": ANSWER.mathml, "edited": False,
                    "symbols": [], "tables": []}
    with pytest.raises(ValueError):
        formatted(ANSWER, "html")


def test_inline_wraps_the_latex_in_dollars_and_makes_the_mathml_inline():
    assert formatted(ANSWER, "latex", inline=True) == "$\\frac{a}{b}$"
    assert 'display="inline"' in formatted(ANSWER, "mathml", inline=True)
    assert 'display="block"' not in formatted(ANSWER, "mathml", inline=True)
    assert formatted(ANSWER, "text", inline=True) == "a/b"
    assert json.loads(formatted(ANSWER, "json", inline=True))["latex"] == "$\\frac{a}{b}$"


def test_an_edit_is_read_back_when_it_can_be_and_kept_as_it_is_when_not():
    good = answer_of_edit("x^{2}+1")
    assert good.edited and good.text == "x^2+1" and "<msup>" in good.mathml
    odd = answer_of_edit("\\unknowncommand{")
    assert odd.latex == odd.text == "\\unknowncommand{" and odd.mathml == ""


# ---- the window ---------------------------------------------------------------------

def test_enter_accepts_the_reading_of_all_the_ink(qtbot, picker):
    win, reader = picker()
    codes = outcome(win)
    stroke(win.canvas, 100, 100)
    stroke(win.canvas, 300, 100)
    qtbot.waitUntil(lambda: win.panel.latex == "x^{2}", timeout=WAIT_MS)
    QTest.keyClick(win, Qt.Key.Key_Return)
    assert codes == [0]
    assert formatted(win.answer, "latex") == "x^{2}"
    assert not win.isVisible()


def test_enter_before_the_last_stroke_is_read_waits_for_that_reading(qtbot, picker):
    win, reader = picker()
    codes = outcome(win)
    stroke(win.canvas, 100, 100)
    qtbot.waitUntil(lambda: win.panel.latex == "x^{1}", timeout=WAIT_MS)
    reader.gate.clear()                  # the second stroke's reading is held back
    stroke(win.canvas, 300, 100)
    QTest.keyClick(win.canvas, Qt.Key.Key_Enter)
    assert codes == [] and "Reading" in win.status.text()
    reader.gate.set()
    qtbot.waitUntil(lambda: codes == [0], timeout=WAIT_MS)
    assert win.answer.latex == "x^{2}"   # never the reading of one stroke of two


def test_escape_and_closing_give_no_formula(qtbot, picker):
    win, _ = picker()
    codes = outcome(win)
    stroke(win.canvas, 100, 100)
    QTest.keyClick(win, Qt.Key.Key_Escape)
    assert codes == [1] and win.answer is None
    win2, _ = picker()
    codes2 = outcome(win2)
    win2.close()
    assert codes2 == [1] and win2.answer is None


def test_enter_on_an_empty_canvas_asks_for_a_formula(qtbot, picker):
    win, _ = picker()
    codes = outcome(win)
    QTest.keyClick(win, Qt.Key.Key_Return)
    assert codes == [] and win.isVisible()
    assert "Write a formula first" in win.status.text()


def test_a_hand_edit_of_the_latex_is_what_enter_accepts(qtbot, picker):
    win, _ = picker()
    codes = outcome(win)
    stroke(win.canvas, 100, 100)
    qtbot.waitUntil(lambda: win.panel.latex == "x^{1}", timeout=WAIT_MS)
    field = win.panel.latex_field
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, "y_{1}")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert codes == [0]
    assert win.answer.edited and formatted(win.answer, "latex") == "y_{1}"


def test_an_edit_that_has_no_mathml_is_refused_when_mathml_is_asked(qtbot, picker):
    win, _ = picker(fmt="mathml")
    codes = outcome(win)
    stroke(win.canvas, 100, 100)
    qtbot.waitUntil(lambda: win.panel.latex == "x^{1}", timeout=WAIT_MS)
    win.panel.latex_field.setFocus()
    win.panel.latex_field.selectAll()
    QTest.keyClicks(win.panel.latex_field, "\\unknowncommand{")
    QTest.keyClick(win.panel.latex_field, Qt.Key.Key_Return)
    assert codes == [] and "MathML" in win.status.text()


def test_the_window_opens_on_the_pointer_inside_the_screen(qtbot, picker):
    win, _ = picker()
    area = QGuiApplication.primaryScreen().availableGeometry()
    frame = win.frameGeometry()
    assert area.contains(frame.topLeft())
    assert np.all(np.array([frame.width(), frame.height()]) > [1000, 500])   # the whole canvas


# ---- Insert's fallback -----------------------------------------------------------------

def test_insert_says_why_it_cannot_type_in_one_line():
    assert "Wayland" in why_insert_cannot("wayland")
    assert "Wayland" in why_insert_cannot("offscreen", {"WAYLAND_DISPLAY": "wayland-0"})
    assert "xdotool" in why_insert_cannot("xcb", {}, which=lambda name: None)
    assert why_insert_cannot("xcb", {}, which=lambda name: "/usr/bin/" + name) is None
    for platform in ("wayland", "offscreen"):
        assert "\n" not in why_insert_cannot(platform, {})


def test_insert_without_x11_copies_and_says_so(qtbot, data_dir):
    from app.window.main_window import MainWindow
    from tests.test_app import FakeDialogs
    reader = Reader()
    win = MainWindow(dialogs=FakeDialogs(), recognizer_factory=lambda path: reader)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.service.state == "ready", timeout=WAIT_MS)
    try:
        stroke(win.canvas, 100, 100)
        qtbot.waitUntil(lambda: win.panel.latex == "x^{1}", timeout=WAIT_MS)
        QGuiApplication.clipboard().setText("before")
        QTest.keyClick(win.canvas, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        message = win.statusBar().currentMessage()
        assert "copied instead" in message and "\n" not in message
        assert "X11 only" in message      # offscreen: the reason is named
        assert QGuiApplication.clipboard().text() == "x^{1}"
    finally:
        win.close()


def test_only_the_answer_reaches_stdout_whatever_else_prints():
    # Python's print, a library's warning and a C library writing on fd 1 all land on stderr.
    import subprocess
    import sys
    from pathlib import Path
    code = ("import os, sys, warnings\n"
            "from app.picker.run import keep_stdout_for_the_answer\n"
            "out = keep_stdout_for_the_answer()\n"
            "print('progress 50%')\n"
            "warnings.warn('a library warns')\n"
            "os.write(1, b'qt: a message from C\\n')\n"
            "out.write('x^{2}\\n'); out.close()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout == "x^{2}\n"
    assert "progress 50%" in done.stderr and "a library warns" in done.stderr and "from C" in done.stderr
