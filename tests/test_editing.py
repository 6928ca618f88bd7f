"""Editing the result in the window: lasso select, move, delete, regroup, relabel,
scratch-out, hand-edited LaTeX, MathML out, history across restarts."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from model.recognition.notation.canonical import from_latex, from_mathml  # noqa: E402
from model.recognition.notation.mathml import MIME_TYPE, to_mathml  # noqa: E402

from .test_app import (FakeDialogs, data_dir, draw, line, make_window,  # noqa: E402,F401
                       sample_strokes, wait_result)


@pytest.fixture(autouse=True)
def plain_clipboard_afterwards(qapp):
    yield
    # Qt's offscreen platform crashes at interpreter exit while its clipboard holds a QMimeData
    # (reproduced without MathInk; the xcb platform does not): leave plain text there.
    QGuiApplication.clipboard().setText("")


class EditingDialogs(FakeDialogs):
    def __init__(self):
        super().__init__()
        self.class_answer = None
        self.class_offers = []

    def choose_class(self, parent, alternatives, classes, current):
        self.class_offers.append((list(alternatives), list(classes), current))
        return self.class_answer


def lasso(canvas, x1, y1, x2, y2):
    """A freehand loop around the rectangle, drawn with the mouse."""
    t = np.linspace(0, 2 * np.pi, 40)
    cx, cy, rx, ry = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / 2 * 1.45, (y2 - y1) / 2 * 1.45
    draw(canvas, np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1))


def drag(canvas, start, end, n=10):
    draw(canvas, np.stack([np.linspace(start[0], end[0], n), np.linspace(start[1], end[1], n)], 1))


def box_of(rec, strokes):
    return next(s.box for s in rec.symbols if sorted(s.strokes) == sorted(strokes))


def two_bars(win):
    """Two separate strokes far apart: two symbols."""
    win.canvas.add_stroke(line(300, 150, 300, 300))
    win.canvas.add_stroke(line(600, 150, 600, 300))


def test_lasso_select_move_recognition_follows_and_undo(qtbot, make_window):
    win = make_window()
    for s in sample_strokes():
        win.canvas.add_stroke(s)
    rec = wait_result(qtbot, win)
    target = rec.symbols[-1]
    x1, y1, x2, y2 = target.box
    win.set_tool("lasso")
    lasso(win.canvas, x1, y1, x2, y2)
    assert win.canvas.selected_indices() == sorted(target.strokes)
    assert win.act_group.isEnabled() and win.act_relabel.isEnabled()
    before = [win.canvas.strokes[i].points.copy() for i in target.strokes]
    # Drag the selection 40 px right and 30 px down: the strokes move, the recognition follows.
    sel = win.canvas.selection_rect()
    start = (sel.center().x(), sel.center().y())
    drag(win.canvas, start, (start[0] + 40, start[1] + 30))
    for i, old in zip(target.strokes, before):
        assert np.allclose(win.canvas.strokes[i].points[:, :2], old[:, :2] + (40, 30))
    moved = wait_result(qtbot, win)
    nx1, ny1, _, _ = box_of(moved, target.strokes)
    assert (nx1, ny1) == pytest.approx((x1 + 40, y1 + 30), abs=0.5)
    # Undo puts the strokes back and the recognition with them; redo moves them again.
    win.act_undo.trigger()
    for i, old in zip(target.strokes, before):
        assert np.array_equal(win.canvas.strokes[i].points, old)
    assert box_of(wait_result(qtbot, win), target.strokes)[:2] == pytest.approx((x1, y1), abs=0.5)
    win.act_redo.trigger()
    assert np.allclose(win.canvas.strokes[target.strokes[0]].points[:, :2], before[0][:, :2] + (40, 30))


def test_delete_selection_and_undo(qtbot, make_window):
    win = make_window()
    two_bars(win)
    wait_result(qtbot, win)
    win.set_tool("lasso")
    lasso(win.canvas, 590, 150, 610, 300)
    assert win.canvas.selected_indices() == [1]
    kept = win.canvas.strokes[0]
    win.canvas.setFocus()
    QTest.keyClick(win.canvas, Qt.Key.Key_Delete)
    assert win.canvas.strokes == [kept]                     # only the selection went
    rec = wait_result(qtbot, win)
    assert [s.strokes for s in rec.symbols] == [[0]]
    win.act_undo.trigger()
    assert len(win.canvas.strokes) == 2
    # Backspace deletes a selection too, but with nothing selected it leaves the page alone ...
    win.canvas.set_selection([1])
    QTest.keyClick(win.canvas, Qt.Key.Key_Backspace)
    assert win.canvas.strokes == [kept]
    QTest.keyClick(win.canvas, Qt.Key.Key_Backspace)
    assert win.canvas.strokes == [kept]
    win.act_undo.trigger()
    # ... while Delete still clears everything (scripted users rely on it).
    win.canvas.set_selection([])
    QTest.keyClick(win.canvas, Qt.Key.Key_Delete)
    assert win.canvas.strokes == []


def test_regroup_and_relabel_reach_the_recognizer_and_undo(qtbot, make_window):
    dialogs = EditingDialogs()
    win = make_window(None, dialogs)
    two_bars(win)
    rec = wait_result(qtbot, win)
    assert sorted(s.strokes for s in rec.symbols) == [[0], [1]]
    win.set_tool("lasso")
    lasso(win.canvas, 290, 150, 610, 300)
    assert win.canvas.selected_indices() == [0, 1]
    win.act_group.trigger()
    rec = wait_result(qtbot, win)
    assert [s.strokes for s in rec.symbols] == [[0, 1]]      # the detector kept them as one symbol
    assert win.result_job.constraints == {"groups": [[0, 1]], "labels": {}}
    # "This symbol is …": offered the symbol's alternatives and every class.
    dialogs.class_answer = "\\pi"
    win.act_relabel.trigger()
    offered_alternatives, classes, current = dialogs.class_offers[-1]
    assert offered_alternatives == rec.symbols[0].alternatives and current == rec.symbols[0].label
    assert len(classes) == 101
    rec = wait_result(qtbot, win)
    assert [(s.label, s.strokes) for s in rec.symbols] == [("\\pi", [0, 1])]
    assert rec.latex == "\\pi" and win.panel.latex == "\\pi"
    # Undo: the grouping without the label, then the two symbols again.
    win.act_undo.trigger()
    assert [s.strokes for s in wait_result(qtbot, win).symbols] == [[0, 1]]
    win.act_undo.trigger()
    assert sorted(s.strokes for s in wait_result(qtbot, win).symbols) == [[0], [1]]
    # A constraint follows its strokes: moved strokes stay grouped.
    win.act_redo.trigger()
    win.canvas.set_selection([0, 1])
    win.canvas.move_selection(0, 50)
    assert [s.strokes for s in wait_result(qtbot, win).symbols] == [[0, 1]]


def zigzag(x1, x2, y1, y2, n_turns=6, n=120):
    t = np.linspace(0, 1, n)
    phase = (t * n_turns) % 2
    x = x1 + (x2 - x1) * np.where(phase < 1, phase, 2 - phase)
    return np.stack([x, y1 + (y2 - y1) * t], 1)


def test_scratch_out_deletes_exactly_the_crossed_strokes_and_undo(qtbot, make_window):
    win = make_window()
    win.canvas.add_stroke(line(200, 150, 200, 300))
    win.canvas.add_stroke(line(260, 150, 260, 300))
    win.canvas.add_stroke(line(600, 150, 600, 300))
    originals = list(win.canvas.strokes)
    draw(win.canvas, zigzag(170, 290, 200, 240))          # over the first two only
    assert win.canvas.strokes == [originals[2]]           # the gesture itself is not ink
    rec = wait_result(qtbot, win)
    assert [s.strokes for s in rec.symbols] == [[0]]
    win.act_undo.trigger()
    assert win.canvas.strokes == originals
    win.act_redo.trigger()
    assert win.canvas.strokes == [originals[2]]
    win.act_undo.trigger()
    # Switched off in the settings, the same zig-zag is ink; the setting persists.
    win.act_scratch.trigger()
    assert not win.canvas.scratch_enabled
    draw(win.canvas, zigzag(170, 290, 200, 240))
    assert len(win.canvas.strokes) == 4
    from app import settings as app_settings
    assert not app_settings.read_bool(app_settings.settings(), "gestures/scratch_out", True)


def test_a_zigzag_over_nothing_and_ordinary_letters_stay_ink(qtbot, make_window):
    win = make_window()
    draw(win.canvas, zigzag(500, 620, 200, 240))          # crosses no stroke: kept as written
    w = np.stack([np.linspace(100, 200, 40), 200 + 40 * np.abs(np.sin(np.linspace(0, 2 * np.pi, 40)))], 1)
    draw(win.canvas, w)                                   # a "w" over the first stroke's left
    assert len(win.canvas.strokes) == 2


def test_edited_latex_updates_the_preview_and_bad_latex_keeps_the_last(qtbot, make_window):
    win = make_window()
    two_bars(win)
    rec = wait_result(qtbot, win)
    panel = win.panel
    panel.wait_rendered()
    first = panel.preview.pixmap().toImage()
    panel.latex_field.setFocus()
    panel.latex_field.selectAll()
    QTest.keyClicks(panel.latex_field, "\\frac{a}{b}")
    panel.flush_edit()
    assert panel.edited and panel.latex == "\\frac{a}{b}" and panel.preview_error is None
    good = panel.preview.pixmap().toImage()
    assert good != first and good.height() > first.height()   # a fraction is taller than "11"
    assert panel.latex_field.styleSheet() == ""
    # LaTeX that does not render: the field is marked, the preview keeps the fraction.
    QTest.keyClicks(panel.latex_field, "^{")
    panel.flush_edit()
    assert panel.preview_error and panel.latex_field.styleSheet() != ""
    assert panel.preview.pixmap().toImage() == good
    assert "does not render" in panel.note.text()
    QTest.keyClick(panel.latex_field, Qt.Key.Key_Backspace)
    QTest.keyClick(panel.latex_field, Qt.Key.Key_Backspace)
    panel.flush_edit()
    assert panel.latex_field.styleSheet() == "" and panel.latex == "\\frac{a}{b}"
    # Copy takes the edit; MathML follows the edit too.
    win.act_copy.trigger()
    assert QGuiApplication.clipboard().text() == "\\frac{a}{b}"
    win.act_copy_mathml.trigger()
    assert from_mathml(QGuiApplication.clipboard().text()) == from_latex("\\frac{a}{b}")
    # New ink: the field follows the recognition again and the edit is in the history.
    win.canvas.add_stroke(line(800, 150, 800, 300))
    rec2 = wait_result(qtbot, win)
    assert not panel.edited and panel.latex == rec2.latex != rec.latex
    assert win.history.entries[0].latex == "\\frac{a}{b}" and len(win.history.entries[0].strokes) == 2
    assert win.history_list.item(0).text() == "\\frac{a}{b}"


def test_copy_mathml_carries_the_mime_type_and_export_mml(qtbot, make_window, tmp_path):
    win = make_window()
    for s in sample_strokes():
        win.canvas.add_stroke(s)
    rec = wait_result(qtbot, win)
    win.act_copy_mathml.trigger()
    mime = QGuiApplication.clipboard().mimeData()
    assert mime.hasFormat(MIME_TYPE)
    mathml = to_mathml(rec.tree)
    assert bytes(mime.data(MIME_TYPE)).decode() == mathml == mime.text()
    assert from_mathml(mathml) == from_latex(rec.latex)
    out = tmp_path / "formula.mml"
    assert win.export_to(out)
    assert from_mathml(out.read_text(encoding="utf-8")) == from_latex(rec.latex)


def test_history_survives_a_restart_and_brings_the_ink_back(qtbot, make_window, data_dir):
    first = make_window()
    two_bars(first)
    rec = wait_result(qtbot, first)
    drawn = [s.points.copy() for s in first.canvas.strokes]
    first.act_clear.trigger()
    assert first.canvas.strokes == [] and first.history_list.count() == 1
    first.close()
    assert (data_dir / "history.json").is_file()
    second = make_window()
    assert second.history_list.count() == 1
    assert second.history_list.item(0).text() == rec.latex
    item = second.history_list.item(0)
    rect = second.history_list.visualItemRect(item)
    QTest.mouseClick(second.history_list.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())
    back = [s.points[:, :2] for s in second.canvas.strokes]
    assert len(back) == len(drawn) and all(np.allclose(a, b, atol=0.01) for a, b in zip(back, drawn))
    assert wait_result(qtbot, second).latex == rec.latex
    second.act_undo.trigger()
    assert second.canvas.strokes == []


def test_damaged_history_is_reported_not_fatal(qtbot, make_window, data_dir):
    (data_dir / "history.json").write_text("{ not json", encoding="utf-8")
    dialogs = FakeDialogs()
    win = make_window(None, dialogs)
    assert win.history_list.count() == 0
    assert [t for t, _ in dialogs.messages] == ["History could not be read"]
    assert (data_dir / "history.damaged.json").is_file()
