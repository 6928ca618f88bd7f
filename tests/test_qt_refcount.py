"""The Qt binding in use does not drain None's refcount (the 6.12.0 crash; see constraints.txt)."""
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "upstream" / "shiboken_none_refcount.py"


def test_void_overrides_keep_none_alive():
    # A subprocess: on an affected binding the interpreter itself may abort.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok: no references to None lost" in proc.stdout
