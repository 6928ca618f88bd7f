"""Does a real office suite read our MathML as we meant it?

    python -m model office-mathml ../shared/data/crohme/dev --json [--limit N] [--keep DIR]
    python -m model office-mathml --tables     # several lines, matrices and cases

Every expression is recognized, its MathML written as the app exports a `.mml` file, and
LibreOffice Math (headless, `soffice --convert-to odf`) opens them all in one run. Its own
MathML (content.xml of the .odf it writes) is read back into the canonical structure
(notation.canonical) and compared with ours: the same tree means LibreOffice shows what we
meant. Reported: the share read back the same, per structure kind (fractions, roots, scripts,
limits, Greek letters), and the failures with both readings.

Needs `soffice` (Debian: libreoffice-math); `find_soffice` says when it is absent.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..recognition.classes import GREEK

KINDS = ("fraction", "root", "script", "limits", "greek")
BATCH = 200  # files per soffice run: one start-up for many, yet a crash loses little


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def kinds_of(row) -> set[str]:
    """The structure kinds an expression (canonical Row) contains."""
    out: set[str] = set()
    for n in row:
        if n.label == "\\frac":
            out.add("fraction")
        elif n.label == "\\sqrt" and n.rels:
            out.add("root")
        if n.label in GREEK:
            out.add("greek")
        for rel, sub in n.rels:
            if rel in ("sub", "sup") and n.label in ("\\sum", "\\int", "\\lim"):
                out.add("limits")
            elif rel in ("sub", "sup", "above", "below"):
                out.add("script")
            out |= kinds_of(sub)
    return out


def office_readings(mathml: dict[str, str], soffice: str, work: Path) -> dict[str, str | None]:
    """name -> the MathML LibreOffice wrote after opening our `.mml` (None: it wrote nothing)."""
    from ..recognition.notation.mathml import mml_document
    src, out = work / "mml", work / "odf"
    src.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    for name, m in mathml.items():
        (src / f"{name}.mml").write_text(mml_document(m), encoding="utf-8")
    names = sorted(mathml)
    # A profile of its own: a user's running LibreOffice (or a stale lock) must not take the job.
    profile = (work / "profile").resolve().as_uri()
    for i in range(0, len(names), BATCH):
        files = [str(src / f"{n}.mml") for n in names[i:i + BATCH]]
        subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                        "--convert-to", "odf", "--outdir", str(out), *files],
                       capture_output=True, text=True, timeout=600, check=False,
                       env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"})
    readings: dict[str, str | None] = {}
    for n in names:
        odf = out / f"{n}.odf"
        try:
            with zipfile.ZipFile(odf) as z:
                readings[n] = z.read("content.xml").decode("utf-8")
        except (OSError, KeyError, zipfile.BadZipFile):
            readings[n] = None
    return readings


def round_trip(files, soffice: str, keep: Path | None = None) -> dict:
    from tqdm import tqdm

    from ..io.ink import InkError, read_inkml
    from ..recognition.notation.canonical import from_mathml
    from ..recognition.notation.latex import to_latex
    from ..recognition.notation.mathml import to_mathml
    from ..recognition.raster import RasterError
    from ..recognition.recognize import InputError, Recognizer
    from .structure import tokens

    rec = Recognizer()
    ours: dict[str, str] = {}
    latex: dict[str, str] = {}
    skipped = 0
    for i, f in enumerate(tqdm(files, desc="recognize", file=sys.stderr)):
        try:
            r = rec.recognize(read_inkml(f).strokes(), heatmap=False)
        except (InkError, InputError, RasterError):
            skipped += 1
            continue
        m = to_mathml(r.tree)
        if m:
            name = f"{i:05d}_{Path(f).stem}"
            ours[name], latex[name] = m, to_latex(r.tree)
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="office-mathml-"))
    try:
        theirs = office_readings(ours, soffice, work)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    counts = {k: [0, 0] for k in ("all",) + KINDS}
    failures = []
    for name, m in ours.items():
        want = from_mathml(m)
        got = from_mathml(theirs[name]) if theirs[name] else None
        same = got == want
        for k in ("all", *kinds_of(want)):
            counts[k][0] += same
            counts[k][1] += 1
        if not same:
            failures.append({"file": name.split("_", 1)[1], "latex": latex[name],
                             "ours": " ".join(tokens(want)),
                             "office": " ".join(tokens(got)) if got is not None else None})
    return {"n": counts["all"][1], "same": counts["all"][0],
            "rate": counts["all"][0] / max(counts["all"][1], 1), "skipped": skipped,
            "by_kind": {k: {"n": n, "same": s, "rate": s / n if n else None}
                        for k, (s, n) in counts.items() if k != "all"},
            "failures": failures}


# Several lines, matrices and cases (issue 35), in the LaTeX the recognizer writes; their
# MathML is written from the layout tree they read into, as the app writes it.
TABLE_SAMPLES = {
    "two_lines": r"\begin{aligned}x+1 & =2 \\ x & =1\end{aligned}",
    "continued": r"\begin{aligned}(x+1)^{2} & =x^{2}+2x+1 \\  & =0\end{aligned}",
    "three_lines": r"\begin{gathered}x+1 \\ y^{2} \\ \frac{a}{b}\end{gathered}",
    "pmatrix": r"A=\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix}",
    "bmatrix": r"\begin{bmatrix}a & -b & c \\ 1 & 2 & x^{2}\end{bmatrix}",
    "vmatrix": r"\begin{vmatrix}a & b \\ c & d\end{vmatrix}=ad-bc",
    "vector": r"\begin{pmatrix}x \\ y \\ z\end{pmatrix}",
    "cases2": r"f=\begin{cases}1 & x>0 \\ 0 & x\leq0\end{cases}",
    "cases3": r"g=\begin{cases}x & x>0 \\ 0 & x=0 \\ -x & x<0\end{cases}",
    "matrix_in_lines": r"\begin{aligned}A & =\begin{pmatrix}1 & 0 \\ 0 & 1\end{pmatrix} \\  & =I\end{aligned}",
}


def tables_round_trip(soffice: str, work: Path, samples: dict[str, str] | None = None) -> dict:
    """Each sample's MathML opened by LibreOffice: {name: {"latex", "same", "office"}}."""
    from ..recognition.notation.canonical import from_mathml
    from ..recognition.notation.mathml import latex_to_mathml
    from .structure import tokens
    samples = TABLE_SAMPLES if samples is None else samples
    ours = {k: latex_to_mathml(v) for k, v in samples.items()}
    theirs = office_readings(ours, soffice, work)
    out = {}
    for k, m in ours.items():
        got = from_mathml(theirs[k]) if theirs[k] else None
        out[k] = {"latex": samples[k], "same": got == from_mathml(m),
                  "office": " ".join(tokens(got)) if got is not None else None}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model office-mathml", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir", type=Path, nargs="?", help="a folder of InkML files (every one beneath it)")
    p.add_argument("--tables", action="store_true",
                   help="several lines, matrices and cases (TABLE_SAMPLES) instead of a folder")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=None, help="the first N files only")
    p.add_argument("--keep", type=Path, default=None, help="keep the .mml and .odf files here")
    a = p.parse_args(argv)
    soffice = find_soffice()
    if soffice is None:
        print("error: soffice not found (Debian: sudo apt-get install libreoffice-math)", file=sys.stderr)
        return 2
    if a.tables:
        with tempfile.TemporaryDirectory(prefix="office-tables-") as work:
            res = tables_round_trip(soffice, Path(work))
        same = sum(v["same"] for v in res.values())
        print(json.dumps(res, ensure_ascii=False) if a.json else
              f"LibreOffice read back the same structure: {same}/{len(res)}\n" + "\n".join(
                  f"  {k}: {v['latex']}" + ("" if v["same"] else f"\n      office: {v['office']}")
                  for k, v in res.items()))
        return 0
    if a.dir is None:
        p.error("a folder of InkML files, or --tables")
    from ..io.crohme import inkml_files
    files = inkml_files(a.dir)[:a.limit]
    if not files:
        print(f"error: no InkML files under {a.dir}", file=sys.stderr)
        return 2
    res = round_trip(files, soffice, a.keep)
    if a.json:
        print(json.dumps(res, ensure_ascii=False))
    else:
        print(f"LibreOffice read back the same structure: {res['same']}/{res['n']} ({res['rate']:.3f})")
        for k, v in res["by_kind"].items():
            print(f"  {k:<9} {v['same']}/{v['n']}")
        for f in res["failures"][:40]:
            print(f"  {f['file']}: {f['latex']}\n      ours:   {f['ours']}\n      office: {f['office']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
