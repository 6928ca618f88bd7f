"""Command line:  python main.py recognize PATH... [--format text|latex|mathml|json] [--model FILE]

PATH is an .inkml file, an image (.png, .jpg: dark ink on light paper) or a
directory (every .inkml beneath it).  One result per file; with --format json,
one JSON object per line.  A file that cannot be read gets one line on stderr
naming it, the others go on, and the exit status is 1 if any file failed.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}


def expand(paths: list[str]) -> list[Path]:
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.rglob("*.inkml")))
        else:
            out.append(p)
    return out


def recognize_file(rec, path: Path):
    from .io.image_io import load_image
    from .io.ink import read_inkml
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return rec.recognize_image(load_image(path), heatmap=False)
    ink = read_inkml(path)
    if ink.warning:
        # Broken annotations never block recognition: the ink is what is recognized.
        print(f"warning: {ink.warning}", file=sys.stderr, flush=True)
    return rec.recognize(ink.strokes(), heatmap=False)


def result_json(r) -> dict:
    """One recognition as the JSON the CLI prints (MathML written from the same tree as LaTeX).
    `tables`: the lines, matrices and cases it holds, each row's cells with their symbols."""
    from .recognition.notation.mathml import to_mathml
    from .recognition.notation.latex import tables_json
    return {"text": r.text, "latex": r.latex, "mathml": to_mathml(r.tree), "ms": round(r.ms, 2),
            "symbols": [s.to_json() for s in r.symbols], "tables": tables_json(r.tree)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="main.py recognize", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=("text", "latex", "mathml", "json"), default="latex")
    p.add_argument("--model", type=Path, default=None, help="TorchScript model (default: the shipped one)")
    a = p.parse_args(argv)

    from .io.ink import InkError
    from .recognition.notation.mathml import to_mathml
    from .recognition.raster import RasterError
    from .recognition.recognize import InputError, ModelError, Recognizer
    try:
        rec = Recognizer(a.model)
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    failed = 0
    for path in expand(a.paths):
        t = time.perf_counter()
        try:
            if not path.exists():
                raise InputError("no such file")
            r = recognize_file(rec, path)
        except (InkError, InputError, RasterError) as e:
            msg = str(e)
            if str(path) not in msg:
                msg = f"{path}: {msg}"
            print(f"error: {msg}", file=sys.stderr, flush=True)
            failed += 1
            continue
        ms = (time.perf_counter() - t) * 1e3
        if a.format == "json":
            print(json.dumps({"file": str(path), **result_json(r), "ms": round(ms, 2)}, ensure_ascii=False))
        elif a.format == "mathml":
            print(f"{path}\t{to_mathml(r.tree)}")
        elif a.format == "text":
            print(f"{path}\t{r.text}")
        else:
            print(f"{path}\t{r.latex}")
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
