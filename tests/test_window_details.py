"""The smaller things a user meets in the window (issue 21): the Text follows an edited LaTeX,
the History keeps no duplicates, saved ink marks the reading as a recognition, exports follow
the umask, a radical with nothing under it still previews, the window fits a small screen."""
from __future__ import annotations

import os

import pytest

pytest.importorskip("PySide6")
from PySide6.QtTest import QTest  # noqa: E402

from app.results.history import History  # noqa: E402
from app.results.preview import render  # noqa: E402
from model.io.ink import read_inkml  # noqa: E402
from tests.test_app import FakeDialogs, data_dir, draw, line, make_window, sample_strokes, wait_result  # noqa: E402,F401


def test_the_text_field_follows_an_edited_latex(qtbot, make_window):
    win = make_window()
    for s in sample_strokes():
        win.canvas.add_stroke(s)
    wait_result(qtbot, win)
    panel = win.panel
    panel.latex_field.setFocus()
    panel.latex_field.selectAll()
    QTest.keyClicks(panel.latex_field, "\\frac{a}{b}")
    assert panel.text_field.text() == "(a)/(b)" or "/" in panel.text_field.text()
    before = panel.text_field.text()
    QTest.keyClicks(panel.latex_field, "^{")          # unreadable half-typed LaTeX: Text stays
    assert panel.text_field.text() == before


def test_history_keeps_no_duplicates(tmp_path):
    h = History(tmp_path)
    a, b = [line(0, 0, 10, 10)], [line(0, 0, 20, 5)]
    assert h.add(a, "x") and h.add(b, "y")
    assert h.add(a, "x")                       # the same page again moves up, not in twice
    assert [e.latex for e in h.entries] == ["x", "y"]
    assert not h.add(a, "x")


def test_saved_ink_marks_the_reading_as_a_recognition(qtbot, make_window, tmp_path):
    win = make_window()
    for s in sample_strokes():
        win.canvas.add_stroke(s)
    rec = wait_result(qtbot, win)
    out = tmp_path / "mine.inkml"
    assert win.save_path(out)
    ink = read_inkml(out)
    assert ink.truth_latex is None and ink.annotations["recognition"] == rec.latex
    assert 'type="truth"' not in out.read_text()


def test_exports_follow_the_umask(qtbot, make_window, tmp_path):
    win = make_window()
    win.panel.set_result("x+1", "x+1")
    old = os.umask(0o027)
    try:
        for suffix in (".tex", ".png"):
            assert win.export_to(tmp_path / f"f{suffix}")
    finally:
        os.umask(old)
    assert (tmp_path / "f.tex").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "f.png").stat().st_mode & 0o777 == 0o640


def test_an_empty_radical_previews():
    assert render("\\sqrt{}").startswith(b"\x89PNG") and render("x+\\sqrt{ }").startswith(b"\x89PNG")


def test_the_window_fits_a_1366x768_laptop_and_a_long_result_does_not_widen_it(qtbot, make_window):
    win = make_window()
    hint = win.minimumSizeHint()
    # The window manager's frame (title bar ~30 px, borders) and a panel must fit around it.
    assert hint.width() <= 1366 - 16 and hint.height() <= 768 - 60, hint
    width = win.width()
    long_latex = "+".join(f"x_{{{i}}}^{{{i}}}" for i in range(120))
    win.panel.set_result(long_latex.replace("_", "").replace("^", ""), long_latex)
    win.panel.wait_rendered()
    qtbot.wait(50)
    assert win.minimumSizeHint().width() <= 1366 - 16 and win.width() == width
