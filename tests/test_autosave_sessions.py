"""Autosave with several instances: each running instance writes its own file, a crashed
(kill -9) instance's ink is offered to exactly one later instance, and a running instance's
ink is never offered to, or overwritten by, another."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from model.io.ink import InkError, ink_from_strokes, read_inkml, write_inkml  # noqa: E402

from .test_app import (SAMPLE, WAIT_MS, FakeDialogs, data_dir, draw, line, make_window,  # noqa: F401,E402
                       wait_result)

ROOT = Path(__file__).resolve().parents[1]
N_SAMPLE = len(read_inkml(SAMPLE).traces)


def _autosaves(directory: Path) -> dict[Path, int]:
    """Readable autosaves and their stroke counts (one being written right now may be skipped)."""
    out = {}
    for f in directory.glob("autosave-*.inkml"):
        try:
            out[f] = len(read_inkml(f).traces)
        except InkError:
            pass
    return out


def _start_instance(data: Path) -> subprocess.Popen:
    """Another MathInk process on the same data folder, with the sample open (its ink autosaved)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MATHINK_DATA_DIR=str(data))
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), str(SAMPLE)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and N_SAMPLE not in _autosaves(data).values():
        assert proc.poll() is None, proc.communicate()[0]
        time.sleep(0.2)
    assert N_SAMPLE in _autosaves(data).values(), "the other instance never autosaved its ink"
    return proc


def _kill(proc: subprocess.Popen):
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)


@pytest.mark.slow
def test_crashed_instance_is_restored_by_the_next(qtbot, make_window, data_dir):
    other = _start_instance(data_dir)
    _kill(other)                                       # a crash: no clean-up at all
    dialogs = FakeDialogs(restore=True)
    win = make_window(None, dialogs)
    assert dialogs.restore_asked == 1
    assert len(win.canvas.strokes) == N_SAMPLE
    assert wait_result(qtbot, win).symbols
    # It carries on in the crashed session's file: nothing is left over to offer again.
    assert list(_autosaves(data_dir).values()) == [N_SAMPLE]
    again = FakeDialogs(restore=True)
    make_window(None, again)
    assert again.restore_asked == 0


@pytest.mark.slow
def test_two_running_instances_keep_their_own_autosave(qtbot, make_window, data_dir):
    other = _start_instance(data_dir)
    try:
        [other_file] = _autosaves(data_dir)
        dialogs = FakeDialogs(restore=True)
        win = make_window(None, dialogs)
        assert dialogs.restore_asked == 0              # the other one is alive: not a crash
        assert win.canvas.strokes == []
        draw(win.canvas, line(100, 100, 150, 250))
        qtbot.waitUntil(lambda: win.autosaver.writes >= 1, timeout=WAIT_MS)
        win.autosaver.flush()
        assert win.autosaver.path != other_file
        assert _autosaves(data_dir) == {other_file: N_SAMPLE, win.autosaver.path: 1}
        # Now the other instance crashes: the next start gets its ink, not this window's.
        _kill(other)
        later = FakeDialogs(restore=True)
        third = make_window(None, later)
        assert later.restore_asked == 1 and len(third.canvas.strokes) == N_SAMPLE
        assert _autosaves(data_dir)[win.autosaver.path] == 1
    finally:
        _kill(other)


def test_two_crashed_sessions_go_to_two_instances(qtbot, make_window, data_dir):
    # Two sessions that crashed (lock files nobody holds) with different ink.
    for session, n in (("1-a", 2), ("2-b", 3)):
        strokes = [np.array([[10.0 * i, 0.0], [10.0 * i + 5, 40.0]]) for i in range(n)]
        write_inkml(ink_from_strokes(strokes), data_dir / f"autosave-{session}.inkml")
        (data_dir / f"session-{session}.lock").write_text("0\n")
    first, second = FakeDialogs(restore=True), FakeDialogs(restore=True)
    a = make_window(None, first)
    b = make_window(None, second)
    assert first.restore_asked == second.restore_asked == 1
    assert sorted([len(a.canvas.strokes), len(b.canvas.strokes)]) == [2, 3]
    assert a.autosaver.path != b.autosaver.path


def test_finished_session_is_not_offered_and_its_file_is_removed(qtbot, make_window, data_dir):
    # A clean exit removed its lock; its autosave is left for the record until the next start.
    write_inkml(ink_from_strokes([np.array([[0.0, 0.0], [5.0, 40.0]])]), data_dir / "autosave-9-z.inkml")
    dialogs = FakeDialogs(restore=True)
    make_window(None, dialogs)
    assert dialogs.restore_asked == 0
    assert not (data_dir / "autosave-9-z.inkml").exists()
