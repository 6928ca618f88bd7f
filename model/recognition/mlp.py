"""The small numpy MLPs the layout uses (relation and region models).

Trained with torch (model/training), evaluated here in numpy so that the layout
needs no torch at run time: (x - mean) / std, then linear layers with ReLU
between them, then softmax. Saved as an .npz of the weights beside a .json of
the metadata (classes, features, training data, figures reached).
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np


class Mlp:
    """Weights `mean`, `std`, `w0`, `b0`, `w1`, `b1`, ... and the metadata."""

    def __init__(self, weights: dict[str, np.ndarray], meta: dict, n_in: int, n_out: int):
        self.mean = weights["mean"].astype(np.float32)
        self.std = weights["std"].astype(np.float32)
        self.layers = []
        k = 0
        while f"w{k}" in weights:
            self.layers.append((weights[f"w{k}"].astype(np.float32),
                                weights[f"b{k}"].astype(np.float32)))
            k += 1
        self.meta = meta
        if (not self.layers or self.mean.shape != (n_in,) or self.layers[0][0].shape[0] != n_in
                or self.layers[-1][0].shape[1] != n_out):
            raise ValueError("model does not match the features of this version")

    def probs(self, x: np.ndarray) -> np.ndarray:
        """(n, n_out) class probabilities for (n, n_in) features."""
        h = (np.atleast_2d(x) - self.mean) / self.std
        w, b = self.layers[0]
        return self.rest(h @ w + b)

    def rest(self, h: np.ndarray) -> np.ndarray:
        """The layers after the first, from the first layer's pre-activation `h`."""
        for w, b in self.layers[1:]:
            h = np.maximum(h, 0.0) @ w + b
        h = h - h.max(axis=1, keepdims=True)
        e = np.exp(h)
        return e / e.sum(axis=1, keepdims=True)


def save(path: Path, weights: dict[str, np.ndarray], meta: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **weights)
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")


def read(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    """The weights and metadata saved at `path`; raises on any unreadable file."""
    path = Path(path)
    with np.load(path, allow_pickle=False) as z:
        weights = {k: z[k] for k in z.files}
    meta_path = path.with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    return weights, meta


def torch_weights(net, mean: np.ndarray, std: np.ndarray) -> dict[str, np.ndarray]:
    """The .npz weights of a torch nn.Sequential of Linear and ReLU layers."""
    from torch import nn
    weights = {"mean": mean.astype(np.float32), "std": std.astype(np.float32)}
    linears = [m for m in net if isinstance(m, nn.Linear)]
    for k, m in enumerate(linears):
        weights[f"w{k}"] = m.weight.detach().numpy().T.copy()
        weights[f"b{k}"] = m.bias.detach().numpy().copy()
    return weights


def load_or_warn(cls, path: Path, what: str, fallback: str):
    """`cls(weights, meta)` of the model saved at `path`; None, with a warning that
    names the `fallback`, when the file is missing or unusable (never raises)."""
    try:
        return cls(*read(path))
    except Exception as e:  # any unreadable file means: fall back, never crash
        warnings.warn(f"{what} {path} not usable ({e}); layout falls back to {fallback}",
                      RuntimeWarning, stacklevel=3)
        return None
