"""The window's timing trace (MATHINK_TRACE), which tests/gui_latency.py reads."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("PySide6")

from tests.test_app import FakeDialogs, data_dir, draw, line, make_window, wait_result  # noqa: E402,F401


def test_trace_has_the_canvas_every_stroke_and_the_result(qtbot, make_window, tmp_path, monkeypatch):
    path = tmp_path / "trace.jsonl"
    monkeypatch.setenv("MATHINK_TRACE", str(path))
    win = make_window()
    pts = line(100, 100, 300, 260, n=80)
    draw(win.canvas, pts)
    wait_result(qtbot, win)
    # A dot on the tag the result put there: the harness sees where tags are and where it landed.
    tag = win.canvas._tags[0]
    draw(win.canvas, [[tag.center().x(), tag.center().y()]])
    wait_result(qtbot, win)
    win.close()
    events = [json.loads(x) for x in path.read_text().splitlines()]
    kinds = [e["event"] for e in events]
    assert "window" in kinds and "pen_down" in kinds
    up = next(e for e in events if e["event"] == "pen_up")
    assert up["points"] == len(win.history.entries[0].strokes[0]) == len(up["xy"])
    assert any(e["event"] == "result" and e["version"] == up["version"] for e in events)
    tags = next(e for e in events if e["event"] == "tags" and e["version"] == up["version"])
    x, y, w, h = tags["rects"][0]
    assert (x, y, w, h) == (round(tag.x(), 1), round(tag.y(), 1), round(tag.width(), 1), round(tag.height(), 1))
    downs = [e for e in events if e["event"] == "pen_down"]
    assert [d["on_tag"] for d in downs] == [False, True]
    assert len([e for e in events if e["event"] == "pen_up"]) == 2   # the dot was stored
    assert all(e["t"] >= events[0]["t"] for e in events)


def test_no_trace_unless_asked(qtbot, make_window, monkeypatch):
    monkeypatch.delenv("MATHINK_TRACE", raising=False)
    assert make_window().trace is None
