"""The personal model in the app: a correction teaches the next expression, Forget unlearns it,
the profile outlives the window and a damaged one is set aside (model side: test_personal.py)."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
from app.canvas.overlays import tag_text  # noqa: E402
from tests.test_app import WAIT_MS, FakeDialogs, data_dir, make_window, sample_strokes, wait_result  # noqa: E402,F401


def _write(win, strokes, dx=0.0):
    for s in strokes:
        s = np.array(s, dtype=float)
        s[:, 0] += dx
        win.canvas.add_stroke(s)


def _x_of(rec):
    return next(i for i, s in enumerate(rec.symbols) if s.label == "x")


def test_a_correction_teaches_the_next_expression_and_forget_unlearns_it(qtbot, make_window, data_dir):
    dialogs = FakeDialogs()
    dialogs.confirm_forget = lambda parent, n: True
    win = make_window(None, dialogs)
    strokes = sample_strokes()                       # 2x+3=7 in our own hand
    _write(win, strokes)
    rec = wait_result(qtbot, win)
    k = _x_of(rec)
    # This user's x is what the network reads as its second choice: they say so once.
    label = next(a for a, _ in rec.symbols[k].alternatives if a != "x")
    win.correct_symbol(k, label)
    qtbot.waitUntil(lambda: win.service.handwriting_samples == 1, timeout=WAIT_MS)
    assert "1 symbol learnt" in win.act_handwriting.text() and win.act_forget.isEnabled()
    assert (data_dir / "handwriting.npz").is_file()
    # The next expression, the same hand further right: the same kind of symbol reads right.
    win.clear_canvas()
    _write(win, strokes, dx=60)
    rec2 = wait_result(qtbot, win)
    sym = next(s for s in rec2.symbols if sorted(s.strokes) == sorted(rec.symbols[k].strokes))
    assert sym.label == label and sym.personal
    box = win.canvas.boxes[rec2.symbols.index(sym)]
    assert tag_text(box).endswith("· yours") and not box.chosen
    # Forget: the base reading is back.
    win.forget_handwriting()
    qtbot.waitUntil(lambda: win.service.handwriting_samples == 0, timeout=WAIT_MS)
    rec3 = wait_result(qtbot, win)
    assert rec3.symbols[_x_of(rec3)].strokes == sym.strokes and not win.act_forget.isEnabled()


def test_the_profile_survives_a_restart_and_a_damaged_one_is_set_aside(qtbot, make_window, data_dir):
    win = make_window()
    strokes = sample_strokes()
    _write(win, strokes)
    rec = wait_result(qtbot, win)
    k = _x_of(rec)
    label = next(a for a, _ in rec.symbols[k].alternatives if a != "x")
    win.correct_symbol(k, label)
    wait_result(qtbot, win)                            # the recognizer's answer with the correction
    win.copy_latex()                                   # a quiet confirmation of every symbol
    qtbot.waitUntil(lambda: win.service.handwriting_samples == len(rec.symbols), timeout=WAIT_MS)
    win.close()

    again = make_window()
    qtbot.waitUntil(lambda: again.service.handwriting_samples == len(rec.symbols), timeout=WAIT_MS)
    _write(again, strokes, dx=40)
    rec2 = wait_result(qtbot, again)
    assert any(s.label == label and s.personal for s in rec2.symbols)
    again.close()

    (data_dir / "handwriting.npz").write_bytes(b"PK\x03\x04 not a profile")
    dialogs = FakeDialogs()
    third = make_window(None, dialogs)
    qtbot.waitUntil(lambda: bool(dialogs.messages), timeout=WAIT_MS)
    title, text = dialogs.messages[-1]
    assert title == "Your handwriting profile" and "set aside" in text
    assert list(data_dir.glob("handwriting.damaged-*.npz")) and third.service.handwriting_samples == 0
    _write(third, strokes)
    assert wait_result(qtbot, third).symbols[k].label == "x"
