"""Training windows rendered from CROHME InkML, cached as uint8 arrays.

Every window is 45×45 (ink, or ink and its direction planes: C×45×45), rendered by
`model.recognition.raster` in the expression's
normalised frame (so at the scale the app will show the network).  Kinds:

- ``iso``: a symbol's strokes alone, centred (the clean rendering and
  augmented copies: stroke width, small affine and elastic distortion);
- ``ctx``: a window of the whole rendered expression centred on a symbol
  (neighbours intrude, as they do on the canvas);
- ``bg``: background: empty or between-symbol windows of the expression,
  windows where a symbol sits off-centre, and the strokes of two neighbouring
  symbols rendered together (what a wrong stroke grouping looks like).
"""
from __future__ import annotations

import os
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..io.crohme import inkml_files, labelled_symbols
from ..io.ink import InkError, read_inkml
from ..recognition.classes import BACKGROUND, default_classes
from ..recognition.network import WINDOW
from ..recognition.raster import RasterError, frame_for, rasterize, symbol_crop

KINDS = ("iso", "aug", "ctx", "bg", "frag")


def _augment(strokes: list[np.ndarray], frame, rng: np.random.Generator) -> list[np.ndarray]:
    """Affine + smooth elastic distortion in the frame's pixel units, about the symbol centre."""
    px = [frame.to_pixels(s) for s in strokes]
    allp = np.vstack(px)
    c = (allp.min(0) + allp.max(0)) / 2
    ang = np.deg2rad(rng.uniform(-10, 10))
    shear = rng.uniform(-0.2, 0.2)
    s = rng.uniform(0.8, 1.2)
    sx, sy = s * rng.uniform(0.88, 1.12), s * rng.uniform(0.88, 1.12)
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    m = rot @ np.array([[1, shear], [0, 1]]) @ np.diag([sx, sy])
    amp = rng.uniform(0, 1.5)
    f = rng.uniform(0.05, 0.15, size=2)
    ph = rng.uniform(0, 2 * np.pi, size=2)
    out = []
    for p in px:
        q = (p - c) @ m.T
        q[:, 0] += amp * np.sin(f[0] * q[:, 1] + ph[0])
        q[:, 1] += amp * np.sin(f[1] * q[:, 0] + ph[1])
        out.append(frame.to_input(q + c))
    return out


def windows_for_file(path: Path, seed: int, n_aug: int = 2, with_context: bool = True,
                     fragments: bool = True, directions: bool = False):
    """All training windows of one InkML file: (images uint8 [N,45,45] or [N,C,45,45], labels, kinds)."""
    rng = np.random.default_rng(seed)
    classes = default_classes()
    cidx = {c: i for i, c in enumerate(classes)}
    bg = cidx[BACKGROUND]
    try:
        ink = read_inkml(path)
        if ink.problems:   # unlabelled strokes would be taught as background
            return None
        syms = labelled_symbols(ink, classes)
        if not syms:
            return None
        frame = frame_for(ink.strokes())
    except (InkError, RasterError):
        return None
    imgs, labels, kinds = [], [], []

    def add(img, label, kind):
        imgs.append(np.round(img * 255).astype(np.uint8))
        labels.append(label)
        kinds.append(KINDS.index(kind))

    for s in syms:
        try:
            add(symbol_crop(s.strokes, frame, directions=directions), cidx[s.label], "iso")
            for _ in range(n_aug):
                add(symbol_crop(_augment(s.strokes, frame, rng), frame, directions=directions,
                                thickness=int(rng.choice([1, 2, 2, 3]))), cidx[s.label], "aug")
        except RasterError:
            continue
    if not with_context:
        return np.stack(imgs), np.array(labels, np.int16), np.array(kinds, np.int8)

    # Whole-expression windows.
    full = rasterize(ink.strokes(), frame, directions=directions)
    boxes = []
    for s in syms:
        p = np.vstack([frame.to_pixels(q) for q in s.strokes])
        boxes.append((p.min(0), p.max(0)))
    centers = np.array([(lo + hi) / 2 for lo, hi in boxes])
    sizes = np.array([max(hi - lo) for lo, hi in boxes])
    half = WINDOW // 2

    def crop(cx, cy):
        x0, y0 = int(round(cx)) - half, int(round(cy)) - half
        out = np.zeros(full.shape[:-2] + (WINDOW, WINDOW), np.float32)
        H, W = full.shape[-2:]
        xa, ya, xb, yb = max(x0, 0), max(y0, 0), min(x0 + WINDOW, W), min(y0 + WINDOW, H)
        if xa < xb and ya < yb:
            out[..., ya - y0:yb - y0, xa - x0:xb - x0] = full[..., ya:yb, xa:xb]
        return out

    for (cx, cy), s in zip(centers, syms):
        jx, jy = rng.uniform(-3, 3, size=2)
        add(crop(cx + jx, cy + jy), cidx[s.label], "ctx")
    # Off-centre symbols: shifted by more than the stride can explain.
    for (cx, cy), size in zip(centers, sizes):
        if rng.random() < 0.6:
            ang = rng.uniform(0, 2 * np.pi)
            d = max(10.0, 0.5 * size) * rng.uniform(1.0, 1.6)
            tx, ty = cx + d * np.cos(ang), cy + d * np.sin(ang)
            if np.min(np.hypot(centers[:, 0] - tx, centers[:, 1] - ty)) > 8:
                add(crop(tx, ty), bg, "bg")
    # Random places on the page, away from every symbol centre.
    H, W = full.shape[-2:]
    for _ in range(3 + len(syms) // 3):
        tx, ty = rng.uniform(0, W), rng.uniform(0, H)
        if np.min(np.hypot(centers[:, 0] - tx, centers[:, 1] - ty)) > 9:
            add(crop(tx, ty), bg, "bg")
    # Two neighbouring symbols' strokes rendered together: a wrong grouping.
    order = np.argsort([min(s.stroke_ids) for s in syms])
    for a, b in zip(order[:-1], order[1:]):
        if rng.random() < 0.7:
            try:
                add(symbol_crop(syms[a].strokes + syms[b].strokes, frame, directions=directions), bg, "bg")
            except RasterError:
                pass
    # A fragment of a multi-stroke symbol seen in context (one bar of '=', one dot of
    # \ldots, the dot of an 'i'): the window is not centred on a symbol.  Without
    # these, detection happily splits such symbols into valid-looking pieces.
    if fragments:
        for (cx, cy), size, s in zip(centers, sizes, syms):
            if len(s.strokes) < 2:
                continue
            for st in s.strokes:
                p = frame.to_pixels(st)
                fx, fy = (p.min(0) + p.max(0)) / 2
                if np.hypot(fx - cx, fy - cy) > max(3.0, 0.2 * size):
                    add(crop(fx, fy), bg, "frag")
    if not imgs:
        return None
    return np.stack(imgs), np.array(labels, np.int16), np.array(kinds, np.int8)


def _work(args):
    return windows_for_file(*args)


SHARD_FILES = 400   # files per saved piece of a render in progress


def _save_npz(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **data)
    os.replace(tmp, path)


def build_cache(dirs, out: Path, seed: int, n_aug: int = 2, with_context: bool = True,
                workers: int | None = None, desc: str = "render", directions: bool = False,
                exclude: set[Path] | None = None) -> dict:
    """Render every file's windows (in parallel) into one .npz at `out`; reuse it if present.

    Files in `exclude` (a held-out slice) are left out.  The render is saved in pieces of
    SHARD_FILES files as it goes (beside `out`, in OUT.parts/), so a stopped render resumes
    from the last finished piece instead of from nothing: on a slow machine it takes an hour.
    """
    out = Path(out)
    if out.exists():
        with np.load(out) as z:
            return {k: z[k] for k in z.files}
    files = [f for f in inkml_files(dirs) if not exclude or f not in exclude]
    if not files:
        raise FileNotFoundError(f"no .inkml files under {', '.join(map(str, dirs))}")
    jobs = [(f, seed * 100_003 + i, n_aug, with_context, True, directions) for i, f in enumerate(files)]
    shards = out.parent / (out.name + ".parts")
    shards.mkdir(parents=True, exist_ok=True)
    pieces = [(shards / f"{k:04d}.npz", jobs[k * SHARD_FILES:(k + 1) * SHARD_FILES])
              for k in range(-(-len(jobs) // SHARD_FILES))]
    done = sum(len(js) for path, js in pieces if path.exists())
    workers = workers or max(1, (os.cpu_count() or 1))
    with Pool(workers) as pool, tqdm(total=len(jobs), initial=done, desc=desc) as bar:
        for path, js in pieces:
            if path.exists():
                continue
            parts = []
            for r in pool.imap(_work, js, chunksize=16):
                bar.update()
                if r is not None:
                    parts.append(r)
            _save_npz(path, {k: np.concatenate([p[i] for p in parts]) if parts else np.zeros(0)
                             for i, k in enumerate(("x", "y", "kind"))})
    data: dict[str, list] = {"x": [], "y": [], "kind": []}
    for path, _ in pieces:
        with np.load(path) as z:
            if z["x"].size:
                for k in data:
                    data[k].append(z[k])
    data = {k: np.concatenate(v) for k, v in data.items()}
    _save_npz(out, data)
    for path, _ in pieces:
        path.unlink()
    shards.rmdir()
    return data
