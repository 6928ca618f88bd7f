"""Reading the CROHME corpus: where it lies, which files it holds, and each file's true symbols.

Training and evaluation both read the truth this way, so they agree on which files a folder
holds (and in what order) and on how a label is spelled.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .ink import Ink

_WRITER = re.compile(rb'<annotation\s+type="writer"\s*>([^<]*)</annotation>')
_NUMBERED = re.compile(r"[-_]\d+$")
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "crohme"  # holds train/, train-extra/, dev/

# Spellings found in CROHME files for the same symbol.
_ALIASES = {
    "<": "\\lt", ">": "\\gt", "\\lbrace": "\\{", "\\rbrace": "\\}", "{": "\\{", "}": "\\}",
    "\\to": "\\rightarrow", "\\le": "\\leq", "\\ge": "\\geq", "\\ne": "\\neq", "\\cdots": "\\ldots",
    "\\dots": "\\ldots", "'": "\\prime", "\\vert": "|", "\\mid": "|", "\\infin": "\\infty",
}


def normalize_label(label: str) -> str:
    label = label.strip()
    return _ALIASES.get(label, label)


def inkml_files(directories, limit: int | None = None, sample: int | None = None,
                seed: int = 0) -> list[Path]:
    """The *.inkml files under one directory or a list of them: each directory's sorted, in
    the order given (a file listed twice counts once); then the first `limit` of them, or a
    random `sample` of them drawn with `seed` and sorted."""
    if isinstance(directories, (str, Path)):
        directories = [directories]
    files = list(dict.fromkeys(f for d in directories for f in sorted(Path(d).rglob("*.inkml"))))
    if sample is not None and sample < len(files):
        files = sorted(random.Random(seed).sample(sorted(files), sample))
    return files[:limit]


@dataclass
class SymbolInstance:
    label: str
    strokes: list[np.ndarray]
    stroke_ids: list[int]


def labelled_symbols(ink: Ink, classes) -> list[SymbolInstance]:
    """The true symbols of a file with normalised labels, skipping labels not in `classes`."""
    classes = set(classes)
    out = []
    for label, ids in ink.symbol_stroke_indices():
        label = normalize_label(label)
        if label in classes:
            out.append(SymbolInstance(label, [ink.traces[i].xy for i in ids], ids))
    return out


def writer_of(path: Path) -> str:
    """'source/writer' of an InkML file (read from its header, not parsed whole): its
    `<annotation type="writer">` (per source folder, since two corpora may both have a
    "User001"), else the file name without its trailing number (MathBrush's "2009210-947-12"
    is session "2009210-947", one person's expressions)."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(16384)
    m = _WRITER.search(head)
    who = m.group(1).decode("utf-8", "replace").strip() if m else ""
    return f"{path.parent.name}/{who or _NUMBERED.sub('', path.stem)}"
