"""kill -9 in the middle of autosaving never leaves a broken file (atomic replace)."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

from model.io.ink import read_inkml

ROOT = Path(__file__).resolve().parents[1]

WRITER = textwrap.dedent("""
    import sys, numpy as np
    sys.path.insert(0, sys.argv[2])
    from model.io.ink import ink_from_strokes, write_inkml
    rng = np.random.default_rng(0)
    n = 0
    while True:   # ever-growing ink, rewritten as fast as possible, as autosave does
        n += 1
        strokes = [rng.normal(size=(400, 2)) * 100 for _ in range(20 + n)]
        write_inkml(ink_from_strokes(strokes), sys.argv[1])
        print(n, flush=True)
""")


def test_autosave_file_survives_kill_9(tmp_path):
    target = tmp_path / "autosave.inkml"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    rng = np.random.default_rng(1)
    kills = 0
    for _ in range(12):
        p = subprocess.Popen([sys.executable, str(script), str(target), str(ROOT)],
                             stdout=subprocess.PIPE, text=True)
        p.stdout.readline()            # at least one complete write exists
        time.sleep(rng.uniform(0.0, 0.3))  # then die at a random point, usually mid-write
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        p.stdout.close()
        kills += 1
        ink = read_inkml(target)       # must parse: the old or the new version, never half
        assert len(ink.traces) >= 21 and all(len(t.points) == 400 for t in ink.traces)
    assert kills == 12
    # Temporary files of killed writers may remain; they never replace the real file.
    assert all(f.name.startswith(".autosave.inkml.") for f in tmp_path.iterdir()
               if f.name not in {"autosave.inkml", "writer.py"})
