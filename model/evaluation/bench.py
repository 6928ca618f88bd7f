"""Latency benchmark:  python -m model bench [--json] [--runs N] [--file INKML]

A real dev/ expression is placed on a 500×1000 canvas the way a user would
write it, then each stage is timed with its caches cleared (rasterize, network
over the inked region, detection with its candidate classification and
suppression, layout) and end to end, median and p95 over --runs runs.  The
same network run the naive way (every 45×45 window at the same stride cropped
and classified on its own, one call per window) is timed in the same run:
`naive_over_fcn` is the ratio; `naive_batched_over_fcn` is the same with all
crops stacked into batched calls (the repeated arithmetic alone).  `incremental_ms` is the end-to-end cost after one new stroke, with the
caches holding the ink before it (what the app pays while the user writes).
`writing_ms` is the same cost for every stroke while the whole expression is written again
stroke by stroke (its last stroke is one of many: a stroke that moves a line's quantized zoom
reads the line afresh, and a single last stroke does or does not, by chance).
On ink of several lines, `last_line_ms` is that cost for each stroke of the last line written
under the others, and `last_line_alone_ms` for the same strokes written alone, at the same
size, in the same run: what the other lines add (`last_line_over_alone`, p50 over p50).
`--stack N` writes the file's expression N times, one line under another 1.4 writing
scales apart, and times, interleaved with the stack's last stroke, the same stroke ending its last
line written alone, at the same size and place (`one_line_incremental_ms`,
`stack_incremental_over_one`).
Peak memory is the process's peak resident set size.

`--busy N` measures everything twice, back to back: quiet, then with N processes beside it
that each keep one core busy (a user's laptop is never quiet); the bench starts them, bounds
their life and ends them itself.  `--threads` defaults to the app's thread policy
(model.recognition.threads).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

CANVAS_W, CANVAS_H = 1000, 500
# `--stack`: writing scales between one copy's bottom and the next one's top, the middle of the
# gaps that the stacked evaluation draws (stacked.LINE_GAP).
STACK_GAP = 1.4
DEFAULT_FILE = "CROHME2014_test/18_em_17.inkml"


def place_on_canvas(strokes: list[np.ndarray], symbol_px: float = 45.0) -> list[np.ndarray]:
    """Scale and centre ink so its writing scale is `symbol_px` canvas pixels, inside 1000×500."""
    from ..recognition.raster import writing_scale
    pts = np.vstack(strokes)
    lo, hi = pts.min(0), pts.max(0)
    k = symbol_px / writing_scale(strokes)
    k = min(k, 0.9 * CANVAS_W / max(hi[0] - lo[0], 1e-9), 0.8 * CANVAS_H / max(hi[1] - lo[1], 1e-9))
    off = np.array([CANVAS_W, CANVAS_H]) / 2 - (lo + hi) / 2 * k
    return [s * k + off for s in strokes]


def _stats(ms: list[float]) -> dict:
    a = np.array(ms)
    return {"p50": float(np.median(a)), "p95": float(np.percentile(a, 95)), "mean": float(a.mean())}


def _last_line(rec, strokes, clean, index, reps: int) -> tuple[list[float], list[float]]:
    """Each stroke's cost while the last line is written under the lines above, and while the
    same strokes are written alone; nothing when the ink is one line."""
    from ..recognition import lines, raster
    groups = lines.breaks(clean, raster.writing_scale(clean, clean=True))
    if len(groups) < 2:
        return [], []
    last = sorted(index[i] for i in groups[-1])
    above = [s for i, s in enumerate(strokes) if i not in set(last)]
    stacked, alone = [], []
    for _ in range(reps):
        for before, times in ((above, stacked), ([], alone)):
            rec.clear_caches()
            if before:
                rec.recognize(before)
            for n in range(1, len(last) + 1):
                t = time.perf_counter()
                rec.recognize(before + [strokes[i] for i in last[:n]])
                times.append((time.perf_counter() - t) * 1e3)
    return stacked, alone


def _batch(image: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(image)
    return x[None, None] if x.ndim == 2 else x[None]


def naive_windows(net, image: np.ndarray, window: int, stride: int, batch: int = 1) -> np.ndarray:
    """Every window cropped and classified on its own, same stride; `batch` > 1 stacks
    crops into one call, which removes the per-call cost but not the repeated work."""
    x = torch.from_numpy(image)
    x = x[None] if x.ndim == 2 else x          # (C, H, W): ink, or ink and direction planes
    c = x.shape[0]
    h = (x.shape[1] - window) // stride + 1
    w = (x.shape[2] - window) // stride + 1
    crops = (x.unfold(1, window, stride).unfold(2, window, stride)   # (C, h, w, win, win)
             .permute(1, 2, 0, 3, 4).reshape(h * w, c, window, window))
    out = []
    with torch.inference_mode():
        for i in range(0, len(crops), batch):
            out.append(torch.softmax(net(crops[i:i + batch].contiguous()).flatten(1), 1))
    return torch.cat(out).T.reshape(-1, h, w).numpy()


def _learn_profile(rec, directory: Path, skip: Path, files: int = 30) -> list[float]:
    """A personal model of every true symbol of `files` InkML files of `directory` (as a
    user's corrections and copies would fill it); the time each expression's learning took.
    Every candidate is re-read (personal.ONLY_CORRECTED off, as if every class had been
    corrected): the bench times the worst case."""
    from ..recognition import personal
    from ..io.crohme import inkml_files, labelled_symbols
    from ..io.ink import read_inkml
    from ..recognition.personal import PersonalModel
    personal.ONLY_CORRECTED = False
    rec.personal = PersonalModel()
    ms = []
    for f in [f for f in inkml_files(directory) if f.resolve() != skip.resolve()][:files]:
        ink = read_inkml(f)
        syms = labelled_symbols(ink, rec.classes)
        if not syms:
            continue
        t = time.perf_counter()
        feats = rec.symbol_features(ink.strokes(), [s.stroke_ids for s in syms])
        for s, v in zip(syms, feats):
            rec.personal.add(s.label, v, f"{f}:{s.stroke_ids}".encode())
        ms.append((time.perf_counter() - t) * 1e3)
    return ms


def run(path: Path, runs: int = 60, model=None, threads: int | None = None,
        use_context: bool = True, personal: Path | None = None, stack: int = 1) -> dict:
    from ..io.ink import read_inkml
    from ..recognition import raster
    from ..recognition.layout import assemble
    from ..recognition.recognize import Recognizer, prepare_strokes
    from .stacked import stack as stack_ink
    rec = Recognizer(model, threads=threads, use_context=use_context)
    learn_ms = _learn_profile(rec, personal, path) if personal else []
    line = read_inkml(path).strokes()
    strokes = place_on_canvas(stack_ink([line] * stack, [STACK_GAP] * (stack - 1))[0] if stack > 1 else line)
    last_line = strokes[-len(line):]  # the last copy alone, at the size and place it has in the stack
    clean, index = prepare_strokes(strokes)
    frame = rec.frame(clean)
    for _ in range(3):  # warm-up: first TorchScript calls optimise the graph
        rec.clear_caches()
        rec.recognize(strokes)
    t_stage = {k: [] for k in ("rasterize", "network", "detect", "layout", "e2e")}
    for _ in range(runs):
        rec.clear_caches()
        t = time.perf_counter()
        img = raster.rasterize(clean, frame, directions=rec.directions)
        t_stage["rasterize"].append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        with torch.inference_mode():
            torch.softmax(rec.net(_batch(img))[0], 0)
        t_stage["network"].append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        syms = rec.detect(clean, index, frame)
        t_stage["detect"].append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        assemble(syms)
        t_stage["layout"].append((time.perf_counter() - t) * 1e3)
        rec.clear_caches()
        t = time.perf_counter()
        result = rec.recognize(strokes)
        t_stage["e2e"].append((time.perf_counter() - t) * 1e3)

    inc, inc_one = [], []
    for _ in range(runs):
        for ink, times in ((strokes, inc), (last_line, inc_one)) if stack > 1 else ((strokes, inc),):
            rec.clear_caches()
            rec.recognize(ink[:-1])
            t = time.perf_counter()
            rec.recognize(ink)
            times.append((time.perf_counter() - t) * 1e3)

    writing = []
    for _ in range(max(1, runs // 10)):
        rec.clear_caches()
        for n in range(1, len(strokes) + 1):
            t = time.perf_counter()
            rec.recognize(strokes[:n])
            writing.append((time.perf_counter() - t) * 1e3)

    stacked, alone = _last_line(rec, strokes, clean, index, max(1, runs // 10))

    naive, naive_batched, fcn = [], [], []
    for _ in range(max(3, runs // 20)):
        t = time.perf_counter()
        slow = naive_windows(rec.net, img, rec.window, rec.stride, batch=1)
        naive.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        naive_windows(rec.net, img, rec.window, rec.stride, batch=512)
        naive_batched.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        with torch.inference_mode():
            fast = torch.softmax(rec.net(_batch(img))[0], 0).numpy()
        fcn.append((time.perf_counter() - t) * 1e3)
    max_diff = float(np.abs(slow - fast).max())

    stats = {k: _stats(v) for k, v in t_stage.items()}
    out = {
        "file": str(path), "runs": runs, "threads": torch.get_num_threads(),
        "context_decoder": rec.context is not None,
        "canvas": [CANVAS_H, CANVAS_W], "network_input": list(img.shape), "strokes": len(strokes),
        "symbols": len(result.symbols), "latex": result.latex,
        "stages_ms": stats,
        "e2e_ms_p50": stats["e2e"]["p50"], "e2e_ms_p95": stats["e2e"]["p95"],
        "incremental_ms_p50": _stats(inc)["p50"], "incremental_ms_p95": _stats(inc)["p95"],
        "writing_ms_p50": _stats(writing)["p50"], "writing_ms_p95": _stats(writing)["p95"],
        "naive_ms_p50": float(np.median(naive)), "fcn_ms_p50": float(np.median(fcn)),
        "naive_over_fcn": float(np.median(naive) / np.median(fcn)),
        "naive_batched_ms_p50": float(np.median(naive_batched)),
        "naive_batched_over_fcn": float(np.median(naive_batched) / np.median(fcn)),
        "windows": int(slow.shape[1] * slow.shape[2]),
        "naive_vs_fcn_max_abs_diff": max_diff,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if inc_one:
        out["stack"] = stack
        out["one_line_incremental_ms_p50"] = _stats(inc_one)["p50"]
        out["stack_incremental_over_one"] = out["incremental_ms_p50"] / out["one_line_incremental_ms_p50"]
    if stacked:
        out["last_line_ms_p50"], out["last_line_ms_p95"] = _stats(stacked)["p50"], _stats(stacked)["p95"]
        out["last_line_alone_ms_p50"], out["last_line_alone_ms_p95"] = _stats(alone)["p50"], _stats(alone)["p95"]
        out["last_line_over_alone"] = out["last_line_ms_p50"] / out["last_line_alone_ms_p50"]
    if personal:
        out["personal_samples"] = len(rec.personal)
        out["personal_learn_ms_p50"] = _stats(learn_ms)["p50"]
        out["personal_learn_ms_max"] = float(max(learn_ms))
    return out


BUSY_LOOP = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


@contextlib.contextmanager
def busy_processes(n: int, seconds: float = 1800.0):
    """`n` processes that each spin one core; they end after `seconds` even if we do not."""
    procs = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP.format(seconds=seconds)])
             for _ in range(n)]
    try:
        time.sleep(0.5 if n else 0)   # let the scheduler see them before the first timing
        yield procs
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()


def _print(m: dict, title: str) -> None:
    print(f"{title}: {m['file']}: {m['strokes']} strokes -> {m['symbols']} symbols: {m['latex']}")
    print(f"network input {m['network_input'][-2]}x{m['network_input'][-1]} px, {m['threads']} threads, {m['runs']} runs")
    for k, v in m["stages_ms"].items():
        print(f"  {k:>10}: p50 {v['p50']:7.2f} ms   p95 {v['p95']:7.2f} ms")
    print(f"  incremental (one new stroke): p50 {m['incremental_ms_p50']:.2f} ms  p95 {m['incremental_ms_p95']:.2f} ms")
    print(f"  each stroke while writing it all: p50 {m['writing_ms_p50']:.2f} ms  p95 {m['writing_ms_p95']:.2f} ms")
    if "stack" in m:
        print(f"  its last line alone, the same last stroke: p50 {m['one_line_incremental_ms_p50']:.2f} ms: "
              f"x{m['stack_incremental_over_one']:.2f} for {m['stack']} lines")
    if "last_line_ms_p50" in m:
        print(f"  each stroke of the last line under the others: p50 {m['last_line_ms_p50']:.2f} ms, "
              f"the same strokes alone {m['last_line_alone_ms_p50']:.2f} ms: x{m['last_line_over_alone']:.2f}")
    print(f"  {m['windows']} windows one by one {m['naive_ms_p50']:.1f} ms vs convolutional "
          f"{m['fcn_ms_p50']:.2f} ms: x{m['naive_over_fcn']:.1f} (max |diff| {m['naive_vs_fcn_max_abs_diff']:.1e}); "
          f"batched crops {m['naive_batched_ms_p50']:.1f} ms: x{m['naive_batched_over_fcn']:.1f}")
    print(f"  peak RSS {m['peak_rss_mb']:.0f} MB")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true")
    p.add_argument("--runs", type=int, default=60)
    p.add_argument("--threads", type=int, default=None,
                   help="intra-op threads (default: the app's policy, half the cores, 1 to 4)")
    p.add_argument("--busy", type=int, default=0, metavar="N",
                   help="measure again with N busy processes beside the bench (each spins one core)")
    p.add_argument("--model", type=Path, default=None)
    p.add_argument("--file", type=Path, default=None, help="InkML file (default: a dev/ expression)")
    p.add_argument("--personal", type=Path, default=None, metavar="DIR",
                   help="with a personal model of the true symbols of 30 InkML files of DIR (a user's "
                        "corrections and copies); also times each expression's learning")
    p.add_argument("--no-context", action="store_true",
                   help="detection alone, without the context decoder (its cost is the difference)")
    p.add_argument("--stack", type=int, default=1, metavar="N",
                   help="the expression written N times, one line under another; also times its "
                        "last line alone, the same last stroke, in the same run")
    a = p.parse_args(argv)
    if a.stack < 1:
        p.error("--stack must be at least 1")
    path = a.file
    if path is None:
        from ..io.crohme import DEFAULT_DATA
        path = DEFAULT_DATA / "dev" / DEFAULT_FILE
    if not path.is_file():
        print(f"error: {path} not found (pass --file)", file=sys.stderr)
        return 2
    m = run(path, a.runs, a.model, a.threads, use_context=not a.no_context, personal=a.personal,
              stack=a.stack)
    _print(m, "quiet")
    if a.busy > 0:
        with busy_processes(a.busy):
            loaded = run(path, a.runs, a.model, a.threads, use_context=not a.no_context, personal=a.personal,
              stack=a.stack)
        _print(loaded, f"with {a.busy} busy process{'es' if a.busy > 1 else ''} beside")
        m = dict(m, busy_processes=a.busy, under_load=loaded)
    if a.json:
        print(json.dumps(m))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
