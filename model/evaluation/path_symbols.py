"""The true symbols of CROHME files with their pen paths, and how the picture, the path and
their blend read them in isolation: shared by `python -m model train-trajectory` (which trains
on them and chooses the isolated blend) and `python -m model evaluate symbols` (the dev figure).
"""
from __future__ import annotations

import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..io.crohme import inkml_files, normalize_label, writer_of


def usable_truth(path: Path, classes: list[str]):
    """(the ink, its usable strokes, its true symbols) of a file whose annotations are whole, or
    None: each true symbol as (class index, or -1 for a label outside `classes`; the sorted
    indices of its strokes among the usable ones), those without usable ink left out. The
    strokes are numbered as the recognizer numbers them (prepare_strokes)."""
    from ..io.ink import InkError, read_inkml
    from ..recognition.ink_input import prepare_strokes
    try:
        ink = read_inkml(path)
    except InkError:
        return None
    if ink.problems:
        return None
    clean, index = prepare_strokes(ink.strokes())
    at = {orig: i for i, orig in enumerate(index)}
    cidx = {c: i for i, c in enumerate(classes)}
    truth = []
    for label, ids in ink.symbol_stroke_indices():
        strokes = tuple(sorted(at[i] for i in ids if i in at))
        if strokes:
            truth.append((cidx.get(normalize_label(label), -1), strokes))
    return ink, clean, truth


def file_symbols(path: Path, classes: list[str]):
    """[(class index, strokes in writing order)], the writing scale, the writer; None when the
    file cannot be read."""
    from ..recognition.decode import reference_height
    got = usable_truth(path, classes)
    if got is None:
        return None
    _, clean, truth = got
    boxes = [[*pts.min(0), *pts.max(0)] for pts in (np.vstack([clean[i] for i in s]) for _, s in truth)]
    out = [(c, [clean[i].astype(np.float32) for i in s]) for c, s in truth if c >= 0]
    if not out:
        return None
    return out, reference_height(np.array(boxes, np.float64)), writer_of(path)


def _read(args):
    path, classes = args
    return str(path), file_symbols(path, classes)


def collect(dirs, classes, limit=None) -> dict:
    files = inkml_files(dirs, limit=limit)
    labels, strokes, scales, writers, sources = [], [], [], [], []
    with Pool(2) as pool:
        for path, got in tqdm(pool.imap(_read, [(f, classes) for f in files], chunksize=16),
                              total=len(files), desc="read symbols", file=sys.stderr):
            if got is None:
                continue
            syms, scale, writer = got
            for c, s in syms:
                labels.append(c)
                strokes.append(s)
                scales.append(scale)
                writers.append(writer)
                sources.append(path)
    return {"labels": np.array(labels), "strokes": strokes, "scales": np.array(scales),
            "writers": writers, "sources": sources, "files": len(files)}


def path_log_probs(net, seq, glob, labels, batch=2048) -> tuple[float, float, np.ndarray]:
    import torch
    net.eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(seq), batch):
            out.append(net(torch.from_numpy(seq[i:i + batch].astype(np.float32)),
                           torch.from_numpy(glob[i:i + batch])).numpy())
    lp = np.concatenate(out) if out else np.zeros((0, 1))
    return float((lp.argmax(1) == labels).mean()), float(-lp[np.arange(len(labels)), labels].mean()), lp


def fcn_isolated(data: dict, rows: np.ndarray, model_path=None) -> np.ndarray:
    """(len(rows), C) the symbol network's class log-probabilities of those samples, each
    rendered alone at its expression's scale (raster.symbol_crop, as `evaluate symbols` does)."""
    import torch
    from ..io.ink import read_inkml
    from ..recognition.raster import frame_for, symbol_crop
    from ..recognition.recognize import Recognizer
    rec = Recognizer(model_path)
    frames, crops = {}, []
    for i in tqdm(rows, desc="network, isolated", file=sys.stderr):
        src = data["sources"][i]
        if src not in frames:
            frames[src] = frame_for(read_inkml(src).strokes())
        crops.append(symbol_crop(data["strokes"][i], frames[src], directions=rec.directions))
    out = []
    with torch.inference_mode():
        for i in range(0, len(crops), 512):
            xb = torch.from_numpy(np.stack(crops[i:i + 512]))
            logits = rec.net(xb.unsqueeze(1) if xb.ndim == 3 else xb).flatten(1)[:, :rec.n_symbols]
            out.append(torch.log_softmax(logits, 1).numpy())
    return np.concatenate(out) if out else np.zeros((0, rec.n_symbols))


def blend_top1(fcn: np.ndarray, path: np.ndarray, y: np.ndarray, weight: float) -> float:
    return float(((fcn + weight * path).argmax(1) == y).mean())
