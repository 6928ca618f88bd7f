"""Memory over a session of writing:  python -m model bench-memory [--n N] [--json]

The first N expressions of a directory are written stroke by stroke, as the app's worker
reads them (every stroke read with the ink before it, one recognizer for the whole
session), and the process's resident set is taken after the 5th expression and after every
5 more. `growth_mb` is the resident set after the Nth less after the 5th: what a long
session adds once the first expressions have warmed everything up. A bounded cache shows as
growth that levels off; a leak grows with N.

`--kernel-cache K` sets the number of convolution kernels oneDNN keeps (the recognizer's
default is threads.KERNEL_CACHE; oneDNN's own is 1,024), to measure one against the other.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from tqdm import tqdm

from ..recognition.threads import KERNEL_CACHE_VARIABLE

WARM_EXPRESSIONS = 5


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def run(files: list[Path], threads: int | None = 1) -> dict:
    from ..io.ink import InkError, read_inkml
    from ..recognition.recognize import Recognizer
    rec = Recognizer(threads=threads)
    taken: dict[int, float] = {}
    strokes_read = 0
    for n, path in enumerate(tqdm(files, desc="write", unit="expr"), 1):
        try:
            strokes = read_inkml(path).strokes()
        except InkError as e:
            print(f"skipped {path}: {e}", file=sys.stderr)
            continue
        for k in range(1, len(strokes) + 1):
            rec.recognize(strokes[:k])
        strokes_read += len(strokes)
        if n >= WARM_EXPRESSIONS and n % 5 == 0 or n == len(files):
            taken[n] = round(rss_mb(), 1)
    # The first taken is after the 5th expression, or after the next 5 where that file was skipped.
    first, last = (taken[min(taken)], taken[max(taken)]) if taken else (0.0, 0.0)
    return {"expressions": len(files), "strokes": strokes_read,
            "kernel_cache": os.environ.get(KERNEL_CACHE_VARIABLE),
            "rss_mb": taken, "growth_mb": round(last - first, 1)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model bench-memory", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("directory", type=Path, nargs="?", default=None,
                   help="InkML files (default: dev/ of the shared data)")
    p.add_argument("--n", type=int, default=60, help="expressions to write (default 60)")
    p.add_argument("--kernel-cache", type=int, default=None, metavar="K")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    directory = a.directory
    if directory is None:
        from ..io.crohme import DEFAULT_DATA
        directory = DEFAULT_DATA / "dev"
    files = sorted(directory.rglob("*.inkml"))[:a.n]
    if len(files) <= WARM_EXPRESSIONS:
        print(f"error: {directory} holds {len(files)} InkML files; more than {WARM_EXPRESSIONS} are needed",
              file=sys.stderr)
        return 2
    if a.kernel_cache is not None:
        os.environ[KERNEL_CACHE_VARIABLE] = str(a.kernel_cache)
    m = run(files, a.threads)
    if a.json:
        print(json.dumps(m))
    else:
        print(f"{m['expressions']} expressions, {m['strokes']} strokes, kernel cache {m['kernel_cache']}")
        for n, mb in m["rss_mb"].items():
            print(f"  after {n:>4}: {mb:7.1f} MB")
        print(f"  growth after the first {WARM_EXPRESSIONS}: {m['growth_mb']:+.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
