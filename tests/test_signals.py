"""SIGTERM (logout) closes the app as the Quit action does: ink saved, no crash to restore."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model.io.ink import read_inkml

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "resources" / "sample.inkml"


def _wait_for(predicate, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signal_closes_cleanly_and_keeps_the_ink(tmp_path, sig):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MATHINK_DATA_DIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), str(SAMPLE)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert _wait_for(lambda: any(tmp_path.glob("session-*.lock")), 60), "the app never started"
        time.sleep(1.0)   # let the opened document reach the window
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, out
    assert not any(tmp_path.glob("session*.lock")), "a clean exit must not look like a crash"
    saved = read_inkml(next(tmp_path.glob("autosave-*.inkml")))
    assert len(saved.traces) == len(read_inkml(SAMPLE).traces)
