"""`python -m model writer-evidence`: the shipped recognizer's evidence on the symbol network's
held-out writers of train/, with each file's pen path, for fitting the writer model
(model/recognition/writer_pairs.py).

Neither the symbol network nor the model of the pen's path trained on these writers
(model/io/splits.py), so what they say here is what they say on a new user's ink. Each
file gives decoder_data.Evidence (candidates, probabilities alone and in context, boxes,
truth) and its strokes in the frame of that evidence (for the path model). Shards of SHARD
files are written under ~/.cache/mathink/writer/evidence/, named by the network's digest and
their files; a stopped run resumes at the first shard that is missing.

    python -m model writer-evidence [--data DIR] [--cache DIR] [--limit N] [--generated]

With --generated: the expressions model/training/writer_generate.py makes of the same files
(their look-alikes swapped at the writer's own sizes), read by the same recognizer.
"""
from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
from pathlib import Path

from tqdm import tqdm

from ..io.splits import held_out_train_files
from . import writer_generate

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path.home() / ".cache" / "mathink" / "writer"
SHARD = 100


def shard_path(cache: Path, digest: str, files: list[Path], generated: bool = False) -> Path:
    h = hashlib.blake2b("\n".join(map(str, files)).encode(), digest_size=6)
    if generated:
        h.update(Path(writer_generate.__file__).read_bytes())
    return cache / ("generated" if generated else "evidence") / f"{digest[:12]}_{h.hexdigest()}.pkl"


def _generated(rec, f: Path):
    """The evidence of the expression writer_generate makes of file `f` (its own seed), or None."""
    import numpy as np
    from ..evaluation.path_symbols import usable_truth
    from .decoder_data import collect_strokes
    got = usable_truth(f, rec.classes)
    if got is None or not got[1]:
        return None
    seed = int.from_bytes(hashlib.blake2b(str(f.name).encode(), digest_size=4).digest(), "big")
    made = writer_generate.swapped(got[1], got[2], rec.classes, np.random.default_rng(seed))
    if made is None:
        return None
    clean, truth = made
    e = collect_strokes(rec, clean, truth, str(f) + "#generated")
    frame = rec.frame(clean)
    return {"evidence": vars(e), "paths": [frame.to_pixels(s).astype("float32") for s in clean]}


def record(rec, files: list[Path], cache: Path = CACHE, progress: bool = True,
           generated: bool = False) -> list[dict]:
    """Every file's {"evidence": vars(Evidence), "paths": strokes in its frame}, shard by shard,
    read back from the cache where a shard exists. `generated`: writer_generate's expression of
    each file instead (files without a look-alike to swap give none)."""
    from ..io.ink import read_inkml
    from ..recognition.decode import file_digest
    from ..recognition.recognize import prepare_strokes
    from .decoder_data import collect
    digest = file_digest(rec.path)
    out = []
    shards = [files[i:i + SHARD] for i in range(0, len(files), SHARD)]
    for part in tqdm(shards, desc="evidence shards", file=sys.stderr, disable=not progress):
        path = shard_path(cache, digest, part, generated)
        if path.is_file():
            with open(path, "rb") as fh:
                out.extend(pickle.load(fh))
            continue
        got = []
        for f in tqdm(part, desc="files", file=sys.stderr, leave=False, disable=not progress):
            if generated:
                row = _generated(rec, f)
                if row is not None:
                    got.append(row)
                rec.clear_caches()
                continue
            e = collect(rec, f)
            if e is not None:
                clean, _ = prepare_strokes(read_inkml(f).strokes())
                frame = rec.frame(clean)
                paths = ([frame.to_pixels(s).astype("float32") for s in clean]
                         if len(clean) == len(e.boxes) else None)
                got.append({"evidence": vars(e), "paths": paths})
            rec.clear_caches()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(got, fh)
        tmp.replace(path)
        out.extend(got)
    return out


def load(rec, data: Path, cache: Path = CACHE, limit: int | None = None, progress: bool = True,
         generated: bool = False):
    """(Evidence records, their paths) of the held-out writers, or of the expressions generated
    from theirs; recorded where missing."""
    from .decoder_data import Evidence
    rows = record(rec, held_out_train_files(data, limit), cache, progress, generated)
    return [Evidence(**r["evidence"]) for r in rows], [r["paths"] for r in rows]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m model writer-evidence", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "crohme")
    p.add_argument("--cache", type=Path, default=CACHE)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--generated", action="store_true",
                   help="the expressions writer_generate.py makes of theirs (look-alikes swapped at "
                        "the writer's own sizes), not the files as written")
    a = p.parse_args(argv)
    from ..recognition.recognize import Recognizer
    rec = Recognizer()
    records, _ = load(rec, a.data, a.cache, a.limit, generated=a.generated)
    what = "generated" if a.generated else "held-out"
    print(f"{len(records)} {what} expressions recorded under {a.cache}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
