"""Correcting a symbol the way a first-time user finds it: a press held on its label tag with the
Pen (a tap there is a dot: issue 36), the label's other parts taken along (the dot of an i), and
the user's choice shown as a choice."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

import app.canvas.canvas as canvas_mod  # noqa: E402

from app.canvas.overlays import tag_text  # noqa: E402
from model.recognition.label_parts import relabelled, strokes_for_label  # noqa: E402
from model.recognition.result import Symbol  # noqa: E402
from tests.shared_data import DEV, requires_dev  # noqa: E402
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


def _written(qtbot, win):
    for s in sample_strokes():
        win.canvas.add_stroke(s)
    rec = wait_result(qtbot, win)
    win.canvas._ensure_overlay()
    return rec


def test_a_tap_on_a_tag_with_the_pen_is_a_dot(qtbot, make_window):
    # Issue 36: the dot of an i lands on the tag of its own stem; it must be ink, not a menu.
    dialogs = FakeDialogs()
    win = make_window(None, dialogs)
    assert win.canvas.tool == "pen"
    _written(qtbot, win)
    n = len(win.canvas.strokes)
    tag = win.canvas._tags[0]
    QTest.mouseMove(win.canvas, tag.center().toPoint())
    assert win.canvas._hover == 0       # the tag still says it has a menu
    _tap(win.canvas, tag.center())
    assert dialogs.menus == 0 and len(win.canvas.strokes) == n + 1
    dot = win.canvas.strokes[-1].points
    assert len(dot) == 1 and tuple(dot[0, :2]) == (tag.center().toPoint().x(), tag.center().toPoint().y())
    # Nothing waits to turn the dot into a menu later.
    qtbot.wait(canvas_mod.HOLD_MS + 200)
    assert dialogs.menus == 0 and len(win.canvas.strokes) == n + 1
    wait_result(qtbot, win)   # and it is read with the rest
    assert any(n in s.strokes for s in win.recognition.symbols)


def test_a_press_held_on_a_tag_opens_its_menu_in_one_gesture(qtbot, make_window):
    dialogs = FakeDialogs()
    win = make_window(None, dialogs)
    rec = _written(qtbot, win)
    n_strokes = len(win.canvas.strokes)
    target = next(i for i, s in enumerate(rec.symbols) if len(s.alternatives) > 1)
    sym = rec.symbols[target]
    new_label = next(a for a, _ in sym.alternatives if a != sym.label)
    dialogs.alternative = lambda symbol: new_label
    tag = win.canvas._tags[target]
    QTest.mousePress(win.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, tag.center().toPoint())
    assert dialogs.menus == 0                               # a press alone may still be a dot
    qtbot.waitUntil(lambda: dialogs.menus == 1, timeout=canvas_mod.HOLD_MS * 4)   # held: the menu
    QTest.mouseRelease(win.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       tag.center().toPoint(), canvas_mod.HOLD_MS + 50)
    assert len(win.canvas.strokes) == n_strokes              # the held press was no dot
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


def test_a_pen_down_while_the_menu_is_open_closes_it_and_is_ink(qtbot, make_window):
    """The real menu (a popup that grabs the pointer): the stroke that closes it is kept whole."""
    from PySide6.QtWidgets import QApplication

    from app.dialogs import Dialogs
    win = make_window(None, Dialogs())
    _written(qtbot, win)
    n = len(win.canvas.strokes)
    box = win.canvas.boxes[0].rect
    start = QPoint(int(win.canvas.width() * 0.8), int(win.canvas.height() * 0.8))
    path = [start + QPoint(4 * k, 3 * k) for k in range(12)]
    seen = {}

    def write_while_open():
        seen["menu"] = QApplication.activePopupWidget() is not None
        # Through the window, as the window system sends them: the popup gets them first.
        handle = win.windowHandle()
        at = [win.canvas.mapTo(win, q) for q in path]
        QTest.mousePress(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at[0])
        seen["closed"] = QApplication.activePopupWidget() is None
        for q in at[1:]:
            QTest.mouseMove(handle, q)
        QTest.mouseRelease(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at[-1])

    QTimer.singleShot(300, write_while_open)
    QTest.mouseClick(win.canvas, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier,
                     box.center().toPoint())   # returns when the menu has closed
    qtbot.waitUntil(lambda: "closed" in seen, timeout=5000)
    assert seen == {"menu": True, "closed": True}
    assert len(win.canvas.strokes) == n + 1
    got = win.canvas.strokes[-1].points[:, :2]
    assert [tuple(p) for p in got] == [(q.x(), q.y()) for q in path]
    # The next stroke goes where strokes go, with no menu in between.
    QTest.mousePress(win.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(0, 40))
    QTest.mouseMove(win.canvas, start + QPoint(20, 40))
    QTest.mouseRelease(win.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(20, 40))
    assert len(win.canvas.strokes) == n + 2 and not win.canvas.drawing


@pytest.mark.parametrize("item", ["header", "separator"])
def test_a_stroke_begun_on_the_menus_header_or_a_separator_is_ink(qtbot, make_window, item):
    """Issue 41: the menu covers the place where the next stroke begins. A press on what
    chooses nothing in it (its header, a disabled item, a separator) closes it and is ink."""
    from PySide6.QtWidgets import QApplication, QMenu

    from app.dialogs import Dialogs
    win = make_window(None, Dialogs())
    _written(qtbot, win)
    n = len(win.canvas.strokes)
    seen = {}

    def write_from_the_menu():
        menu = QApplication.activePopupWidget()
        seen["menu"] = isinstance(menu, QMenu)
        action = menu.actions()[0 if item == "header" else 1]
        seen["chooses nothing"] = not action.isEnabled() or action.isSeparator()
        at = menu.actionGeometry(action).center()
        start = win.canvas.mapFromGlobal(menu.mapToGlobal(at))
        seen["over the canvas"] = win.canvas.rect().contains(start)
        seen["path"] = path = [start + QPoint(4 * k, 3 * k) for k in range(12)]
        # The press goes to the menu's window (a popup takes every press), the rest of the
        # stroke to the window under the pointer.
        QTest.mousePress(menu.windowHandle(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
        seen["closed"] = QApplication.activePopupWidget() is None
        handle = win.windowHandle()
        for q in path[1:]:
            QTest.mouseMove(handle, win.canvas.mapTo(win, q))
        QTest.mouseRelease(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           win.canvas.mapTo(win, path[-1]))
        if QApplication.activePopupWidget() is not None:
            QApplication.activePopupWidget().close()   # so that the test ends and tells

    QTimer.singleShot(300, write_from_the_menu)
    QTest.mouseClick(win.canvas, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier,
                     win.canvas.boxes[0].rect.center().toPoint())   # returns when the menu has closed
    qtbot.waitUntil(lambda: "closed" in seen, timeout=5000)
    path = seen.pop("path")
    assert seen == {"menu": True, "chooses nothing": True, "over the canvas": True, "closed": True}
    assert len(win.canvas.strokes) == n + 1 and not win.canvas.drawing
    assert [tuple(p) for p in win.canvas.strokes[-1].points[:, :2]] == [(q.x(), q.y()) for q in path]


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


def test_a_stroke_through_the_menu_whose_release_was_never_seen_ends_at_the_next_press(qtbot, make_window):
    """The pointer may be let go outside every window of the app: the next press ends that
    stroke and starts its own, so the canvas never waits for a release that will not come."""
    from PySide6.QtWidgets import QApplication

    from app.dialogs import Dialogs
    win = make_window(None, Dialogs())
    _written(qtbot, win)
    n = len(win.canvas.strokes)
    start = QPoint(int(win.canvas.width() * 0.8), int(win.canvas.height() * 0.8))
    first = [start + QPoint(4 * k, 0) for k in range(6)]
    second = [start + QPoint(0, 40) + QPoint(4 * k, 0) for k in range(6)]
    done = {}

    def write_while_open():
        handle = win.windowHandle()
        at = [win.canvas.mapTo(win, q) for q in first]
        QTest.mousePress(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at[0])
        for q in at[1:]:
            QTest.mouseMove(handle, q)
        done["closed"] = QApplication.activePopupWidget() is None   # no release: it was lost

    QTimer.singleShot(300, write_while_open)
    QTest.mouseClick(win.canvas, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier,
                     win.canvas.boxes[0].rect.center().toPoint())
    qtbot.waitUntil(lambda: "closed" in done, timeout=5000)
    assert done["closed"] and win.canvas.drawing
    at = [win.canvas.mapTo(win, q) for q in second]
    QTest.mousePress(win.windowHandle(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at[0])
    for q in at[1:]:
        QTest.mouseMove(win.windowHandle(), q)
    QTest.mouseRelease(win.windowHandle(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at[-1])
    assert len(win.canvas.strokes) == n + 2 and not win.canvas.drawing
    assert [tuple(p) for p in win.canvas.strokes[-2].points[:, :2]] == [(q.x(), q.y()) for q in first]
    assert [tuple(p) for p in win.canvas.strokes[-1].points[:, :2]] == [(q.x(), q.y()) for q in second]


@requires_dev
def test_a_matrixs_bracket_is_corrected_from_its_tag(qtbot, make_window):
    """Issue 41: a grid's delimiters have tags like any symbol; choosing `|` for the right
    bracket of a bmatrix makes the page a vmatrix, and the choice stays shown as the user's."""
    from model.evaluation import composed
    from model.evaluation.bench import place_on_canvas
    dialogs = FakeDialogs()
    win = make_window(None, dialogs)
    e = next(e for e in composed.compose(composed.writers(DEV), 0) if e["name"] == "bmatrix")
    for s in place_on_canvas(e["strokes"], 60.0):
        win.canvas.add_stroke(s)
    rec = wait_result(qtbot, win)
    assert rec.latex.startswith("\\begin{bmatrix}"), rec.latex
    win.canvas._ensure_overlay()
    target = next(i for i, s in enumerate(rec.symbols) if s.label == "]")
    dialogs.alternative = lambda symbol: "|"
    tag = win.canvas._tags[target]
    QTest.mousePress(win.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, tag.center().toPoint())
    qtbot.waitUntil(lambda: dialogs.menus == 1, timeout=canvas_mod.HOLD_MS * 4)
    QTest.mouseRelease(win.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       tag.center().toPoint(), canvas_mod.HOLD_MS + 50)
    qtbot.waitUntil(lambda: win.recognition.latex.startswith("\\begin{vmatrix}"), timeout=20000)
    box = next(b for b, s in zip(win.canvas.boxes, win.recognition.symbols) if s.strokes == rec.symbols[target].strokes)
    assert box.label == "|" and box.chosen
