"""The placements the layout was unsure of are shown on the canvas, for the user to check."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
from app.canvas.overlays import UNSURE, UNSURE_COLOR, placement_text  # noqa: E402
from model.recognition.result import Symbol  # noqa: E402
from tests.test_app import FakeDialogs, data_dir, draw, line, make_window, wait_result  # noqa: E402,F401

# d^{-7} as dev's 23_em_50 writes it (see tests/test_relations.py): the minus could be on
# the line or open the superscript; the layout reads it on the line, at about 0.66.
D_MINUS_7 = [Symbol("d", 1.0, (173, 91, 248, 160), [0]), Symbol("7", 1.0, (273, 81, 311, 134), [1]),
             Symbol("-", 1.0, (244, 100, 268, 109), [2])]


class FixedReading:
    """The real recognizer, whose every reading is the layout of D_MINUS_7."""

    def __init__(self, rec):
        self.rec = rec

    def recognize(self, strokes, heatmap=True, placements=None, **kwargs):
        self.seen = placements
        return self.rec.relayout(D_MINUS_7, placements)

    def __getattr__(self, name):
        return getattr(self.rec, name)


def test_an_unsure_placement_is_drawn_with_what_came_second(qtbot, make_window):
    from model.recognition.recognize import Recognizer
    win = make_window(None, FakeDialogs(), factory=lambda path: FixedReading(Recognizer(path, threads=1)))
    draw(win.canvas, line(100, 100, 100, 250))
    rec = wait_result(qtbot, win)
    assert rec.latex == "d-7"
    shown = win.canvas._placements
    assert len(shown) == 1
    minus, d = D_MINUS_7[2].box, D_MINUS_7[0].box
    assert shown[0].rect.left() == minus[0] and shown[0].base.left() == d[0]
    node = next(n for n in rec.tree if n.label == "-")
    assert node.confidence < UNSURE
    assert shown[0].text == placement_text("right", node.confidence, "d", "sup", "d")
    assert shown[0].text.startswith("after d? ") and shown[0].text.endswith("· or superscript of d")
    # It is painted: the dashed line's colour between the d and the minus, and gone with the boxes.
    win.canvas._ensure_overlay()
    img = win.canvas._overlay.toImage()
    dpr = img.devicePixelRatio()
    a, b = shown[0].base.center(), shown[0].rect.center()
    pixels = [img.pixelColor(int((a.x() + t * (b.x() - a.x())) * dpr), int((a.y() + t * (b.y() - a.y())) * dpr))
              for t in np.linspace(0.05, 0.95, 40)]
    assert any(abs(p.red() - UNSURE_COLOR.red()) < 40 and abs(p.green() - UNSURE_COLOR.green()) < 40
               and p.blue() < 80 and p.alpha() > 100 for p in pixels)
    win.canvas.set_overlay_visibility(heatmap=True, boxes=False)
    win.canvas._ensure_overlay()
    assert win.canvas._overlay.toImage().pixelColor(int(b.x() * dpr), int(b.y() * dpr)).alpha() == 0


def test_a_plain_reading_shows_no_placement(qtbot, make_window):
    win = make_window(None, FakeDialogs())
    draw(win.canvas, line(100, 100, 100, 250))
    wait_result(qtbot, win)
    assert win.canvas._placements == []


def test_the_user_places_a_symbol_from_its_menu_and_it_stays_placed(qtbot, make_window):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from model.recognition.recognize import Recognizer
    dialogs = FakeDialogs()
    fixed = []
    win = make_window(None, dialogs,
                      factory=lambda path: fixed.append(FixedReading(Recognizer(path, threads=1))) or fixed[-1])
    for x in (100, 200, 300):  # one stroke per symbol of D_MINUS_7
        draw(win.canvas, line(x, 100, x, 250))
    rec = wait_result(qtbot, win)
    assert rec.latex == "d-7"
    # A press held on the unsure placement's words opens the minus's menu with where it may go
    # (a tap there would be a dot: issue 36).
    from app.canvas.canvas import HOLD_MS
    dialogs.placement = lambda options: next(i for i, o in enumerate(options)
                                             if o.relation == "sup" and o.base == 0)
    win.canvas._ensure_overlay()
    words = win.canvas._placement_tags[0]
    QTest.mousePress(win.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     words.center().toPoint())
    qtbot.waitUntil(lambda: dialogs.menus == 1, timeout=4 * HOLD_MS)
    QTest.mouseRelease(win.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       words.center().toPoint(), HOLD_MS + 50)
    assert dialogs.menus == 1
    offered = dialogs.offered
    assert offered[0].current and offered[0].text == "after d" and offered[0].relation == "right"
    assert any(o.text == "superscript of d" for o in offered)
    assert win.recognition.latex == "d^{-7}"              # at once
    assert all(p.index != 2 for p in win.canvas._placements)  # the user's placement is not in doubt
    # The recognizer's next answer keeps it: the placement travels with the strokes.
    draw(win.canvas, line(400, 100, 400, 250))
    rec2 = wait_result(qtbot, win)
    assert fixed[-1].seen == {(2,): ("sup", (0,))} and rec2.latex == "d^{-7}"
    # Undo the new stroke, then the placement: back to the layout's own reading.
    win.canvas.undo_stack.undo()
    wait_result(qtbot, win)
    win.canvas.undo_stack.undo()
    rec3 = wait_result(qtbot, win)
    assert rec3.latex == "d-7" and not win.canvas.placements


def test_a_placement_in_a_line_of_several_names_no_owner():
    """A line of several (a table's row or cell) is no part of a symbol: "after a", not
    "after a in the body of ?"."""
    from app.canvas.overlays import option_text
    assert option_text("right", "a", ("", "body")) == "after a"
    assert option_text("right", "2", ("x", "sup")) == "after 2 in the superscript of x"
