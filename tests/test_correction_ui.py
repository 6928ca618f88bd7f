"""Correcting a symbol the way a first-time user finds it: a tap on its label tag with the Pen,
the label's other parts taken along (the dot of an i), and the user's choice shown as a choice."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from app.overlays import tag_text  # noqa: E402
from model.recognition.label_parts import relabelled, strokes_for_label  # noqa: E402
from model.recognition.result import Symbol  # noqa: E402
from tests.test_app import FakeDialogs, data_dir, make_window, sample_strokes, wait_result  # noqa: E402,F401


def test_strokes_for_label_takes_the_dot_of_an_i_and_the_bar_of_an_equals():
    stem, dot, x = (Symbol("1", 0.5, (10, 20, 14, 50), [0]), Symbol(".", 0.9, (10, 8, 14, 12), [1]),
                    Symbol("x", 0.9, (30, 30, 50, 50), [2]))
    assert strokes_for_label([stem, dot, x], 0, "i") == [0, 1]
    assert strokes_for_label([stem, dot, x], 0, "l") == [0]          # one-part labels take nothing
    merged = relabelled([stem, dot, x], 0, "i")
    assert [(s.label, s.strokes) for s in merged] == [("i", [0, 1]), ("x", [2])]
    assert merged[0].box == (10, 8, 14, 50)
    far_dot = Symbol(".", 0.9, (60, 8, 64, 12), [1])                  # over another symbol: not its dot
    assert strokes_for_label([stem, far_dot, x], 0, "i") == [0]
    bars = [Symbol("-", 0.5, (10, 20, 40, 22), [0]), Symbol("-", 0.9, (11, 30, 41, 32), [1])]
    assert strokes_for_label(bars, 1, "=") == [0, 1]


def _tap(canvas, point: QPointF):
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point.toPoint())


def test_a_tap_on_a_tag_with_the_pen_corrects_and_the_choice_shows_as_one(qtbot, make_window):
    dialogs = FakeDialogs()
    win = make_window(None, dialogs)
    assert win.canvas.tool == "pen"
    for s in sample_strokes():
        win.canvas.add_stroke(s)
    rec = wait_result(qtbot, win)
    n_strokes = len(win.canvas.strokes)
    target = next(i for i, s in enumerate(rec.symbols) if len(s.alternatives) > 1)
    sym = rec.symbols[target]
    new_label = next(a for a, _ in sym.alternatives if a != sym.label)
    dialogs.alternative = lambda symbol: new_label
    win.canvas._ensure_overlay()
    tag = win.canvas._tags[target]
    # Hovering the tag says it can be clicked.
    QTest.mouseMove(win.canvas, tag.center().toPoint())
    assert win.canvas._hover == target and win.canvas.cursor().shape() == Qt.CursorShape.PointingHandCursor
    _tap(win.canvas, tag.center())
    assert dialogs.menus == 1 and len(win.canvas.strokes) == n_strokes   # no dot was added
    box = next(b for b, s in zip(win.canvas.boxes, win.recognition.symbols) if s.strokes == sym.strokes)
    assert box.label == new_label and box.chosen and tag_text(box).startswith("✓")
    assert f"{box.score:.2f}" not in tag_text(box)
    # The recognizer's next answer keeps showing it as the user's choice.
    win.canvas.add_stroke(np.array([[900.0, 60], [950, 60]]))
    rec2 = wait_result(qtbot, win)
    box2 = next(b for b, s in zip(win.canvas.boxes, rec2.symbols) if s.strokes == sym.strokes)
    assert box2.chosen and box2.label == new_label
    others = [b for b, s in zip(win.canvas.boxes, rec2.symbols) if s.strokes != sym.strokes]
    assert others and not any(b.chosen for b in others)


def test_a_stroke_that_starts_on_a_tag_is_ink(qtbot, make_window):
    dialogs = FakeDialogs()
    win = make_window(None, dialogs)
    for s in sample_strokes():
        win.canvas.add_stroke(s)
    wait_result(qtbot, win)
    win.canvas._ensure_overlay()
    start = win.canvas._tags[0].center().toPoint()
    n = len(win.canvas.strokes)
    QTest.mousePress(win.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, 15):
        QTest.mouseMove(win.canvas, start + type(start)(3 * k, 2 * k))
    QTest.mouseRelease(win.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       start + type(start)(42, 28))
    assert dialogs.menus == 0 and len(win.canvas.strokes) == n + 1


def test_tool_keys_and_delete_stay_in_a_focused_text_field(qtbot, make_window):
    win = make_window()
    for s in sample_strokes():
        win.canvas.add_stroke(s)
    wait_result(qtbot, win)
    n = len(win.canvas.strokes)
    win.panel.text_field.setFocus()
    qtbot.waitUntil(win.panel.text_field.hasFocus)
    for key in (Qt.Key.Key_Delete, Qt.Key.Key_E, Qt.Key.Key_K, Qt.Key.Key_L):
        QTest.keyClick(win.panel.text_field, key)
    assert len(win.canvas.strokes) == n and win.canvas.tool == "pen"
    # On the canvas the same keys act.
    win.canvas.setFocus()
    qtbot.waitUntil(win.canvas.hasFocus)
    QTest.keyClick(win.canvas, Qt.Key.Key_E)
    assert win.canvas.tool == "eraser"
    QTest.keyClick(win.canvas, Qt.Key.Key_Delete)
    assert len(win.canvas.strokes) == 0
