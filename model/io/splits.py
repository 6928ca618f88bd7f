"""Writer-disjoint slices of the training data.

Settings tuned on the data a network trained on are tuned on its overconfidence. A slice of
train/ whose *writers* the network never saw is held out instead: the decoder, the context model
and the detection constants are fitted there, and dev stays the check. A file's writer is its
`<annotation type="writer">` (per source folder, since two corpora may both have a "User001"),
else the file name without its trailing number (MathBrush's "2009210-947-12" is session
"2009210-947", one person's expressions).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from .crohme import inkml_files, writer_of

HOLDOUT_SHARE = 0.15


def is_held_out(writer: str, share: float = HOLDOUT_SHARE) -> bool:
    """Whether a writer belongs to the held-out slice: a fixed hash, so the slice never depends
    on which files are present or in what order they are listed."""
    h = int.from_bytes(hashlib.blake2b(writer.encode("utf-8"), digest_size=8).digest(), "big")
    return (h % 10_000) < share * 10_000


def held_out_files(files, share: float = HOLDOUT_SHARE) -> list[Path]:
    return [Path(f) for f in files if share > 0 and is_held_out(writer_of(f), share)]


def fold_of(writer: str, folds: int) -> int:
    """Which of `folds` writer-disjoint folds a writer falls in. Salted apart from
    is_held_out, so every fold holds some of the held-out slice's writers and some of the rest."""
    h = int.from_bytes(hashlib.blake2b(b"fold:" + writer.encode("utf-8"), digest_size=8).digest(), "big")
    return h % folds


def fold_files(files, folds: int, fold: int) -> list[Path]:
    """The files of one fold: the ones its fold network never trains on."""
    return [Path(f) for f in files if fold_of(writer_of(f), folds) == fold]


def held_out_train_files(data: Path, limit: int | None = None) -> list[Path]:
    """The network's held-out writers' files of train/ (train-extra/ it saw whole), sorted."""
    return sorted(held_out_files(inkml_files([data / "train"])))[:limit]
