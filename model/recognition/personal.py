"""The user's own handwriting: symbols they confirmed or corrected, and what those say.

A person's `z` may look like the network's 2, their `x` like its ×. Every symbol the user
relabelled, regrouped or picked from the alternatives, and the symbols of an expression they
copied or exported unchanged, is kept as a sample: its label and the network's penultimate
features of its ink (`Recognizer.symbol_features`, the 256 numbers the classifier reads).
A correction also records the pair it fixed (read as 2, was z). At recognition, a candidate
whose best class is one of a corrected pair gets that pair's probabilities blended with the
labels of its nearest samples (cosine similarity of those features), as a Dirichlet posterior
whose prior is the network's reading:

    q(c) = (sum_i w_i [label_i = c] + PRIOR * p(c)) / (sum_i w_i + PRIOR),   c in the pair,
    w_i = exp((s_i - 1) / TEMPERATURE) for the K nearest samples with similarity s_i > THRESHOLD

first on the evidence the decoder reads (decode.py), then on the label it chose. Other classes
are left alone: visually identical classes that only context tells apart (1 | l, 0 o) are not
swayed by which of them the user happens to write more often, and a user who never corrects
anything is read exactly as before (the pairs are empty). Samples far from every candidate
weigh nothing, conflicting ones cancel, and each class keeps only its MAX_PER_CLASS newest
samples, so newer corrections win over older ones and nothing is flipped for good.

The constants were chosen on 25 writers of train/ (`python -m model evaluate adaptation
../shared/data/crohme/train --writers 25`; docs/models/personal-model.md has the table), dev only checked.

The profile is plain arrays (`to_arrays`, `from_arrays`) in one .npz file (`save`, `load`):
the app keeps it in its data folder and never sends it anywhere.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..io.atomic import atomic_write_bytes

K = 5
THRESHOLD = 0.8
TEMPERATURE = 0.05
PRIOR = 1.0
ONLY_CORRECTED = True     # decide only between a reading and what the user corrected it to
ADJUST_EVIDENCE = True    # also blend the evidence the decoder reads (segmentation and context)
MAX_PER_CLASS = 40
MAX_SAMPLES = 4000
FORMAT = 1
MAX_FILE_BYTES = 32 * 1024 * 1024  # MAX_SAMPLES of float16 features are ~2 MB: more is not a profile


class ProfileError(ValueError):
    """A profile that cannot be read (damaged, another format or another network)."""


@dataclass
class Sample:
    label: str
    features: np.ndarray   # (D,) float32, unit length
    key: bytes             # the ink's identity: the same strokes and label are kept once


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float32).ravel()
    n = float(np.linalg.norm(v))
    return v / n if n > 0 and np.isfinite(n) else np.zeros_like(v)


class PersonalModel:
    def __init__(self, network: str = "", samples: list[Sample] | None = None,
                 confusions: dict[str, set[str]] | None = None):
        self.network = network   # the network the features come from (its file digest)
        self.samples: list[Sample] = []
        # Counts every change of what the model says: readings kept across strokes (a line's,
        # multiline.py) are keyed by it, so a correction re-reads them.
        self.version = 0
        # The readings the user corrected, both ways: a read 2 that was their z makes {2, z} a
        # pair whose members the samples may decide between; other classes are left alone.
        self.confusions: dict[str, set[str]] = {k: set(v) for k, v in (confusions or {}).items()}
        for s in samples or []:
            self.add(s.label, s.features, s.key)

    def corrected(self, read: str, label: str) -> None:
        """The user said the symbol read as `read` is `label`."""
        if read and label and read != label:
            self.version += 1
            self.confusions.setdefault(read, set()).add(label)
            self.confusions.setdefault(label, set()).add(read)

    def __len__(self) -> int:
        return len(self.samples)

    def add(self, label: str, features: np.ndarray, key: bytes) -> None:
        """Learn one symbol; the same ink (key) given again replaces its earlier sample."""
        f = _unit(features)
        if not f.any():
            return
        self.version += 1
        self.samples = [s for s in self.samples if s.key != key]
        self.samples.append(Sample(label, f, key))
        same = [i for i, s in enumerate(self.samples) if s.label == label]
        drop = set(same[:-MAX_PER_CLASS])
        if len(self.samples) - len(drop) > MAX_SAMPLES:
            drop |= set(range(len(self.samples) - len(drop) - MAX_SAMPLES))
        if drop:
            self.samples = [s for i, s in enumerate(self.samples) if i not in drop]
        self._matrix = None

    def remove(self, key: bytes) -> bool:
        """Unlearn one sample (a correction the user took back); whether there was one."""
        kept = [s for s in self.samples if s.key != key]
        removed = len(kept) != len(self.samples)
        self.version += removed
        self.samples = kept
        self._matrix = None
        return removed

    def forget(self) -> None:
        self.samples = []
        self.confusions = {}
        self._matrix = None
        self.version += 1

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.samples:
            out[s.label] = out.get(s.label, 0) + 1
        return out

    def _arrays(self):
        if getattr(self, "_matrix", None) is None:
            self._matrix = (np.stack([s.features for s in self.samples]) if self.samples
                            else np.zeros((0, 0), np.float32), [s.label for s in self.samples])
        return self._matrix

    def involved(self, best: np.ndarray, classes: list[str]) -> np.ndarray:
        """(N,) which candidates, by the index of their best class, the samples may re-read:
        those read as one of a corrected pair (all of them without ONLY_CORRECTED). The
        recognizer computes features only for these."""
        if not self.samples:
            return np.zeros(len(best), bool)
        if not ONLY_CORRECTED:
            return np.ones(len(best), bool)
        return np.array([classes[int(i)] in self.confusions for i in best], bool)

    def adjust(self, probs: np.ndarray, features: np.ndarray, classes: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each candidate's probabilities (N, C+1, background last) blended with its nearest
        samples' labels; and which candidates' best class the samples changed (N,) bool.
        The background's share stays as the network gave it."""
        probs = np.asarray(probs, np.float64)
        changed = np.zeros(len(probs), bool)
        matrix, labels = self._arrays()
        if not len(labels) or not len(probs):
            return probs, changed
        cidx = {c: i for i, c in enumerate(classes[:-1])}
        lab = np.array([cidx.get(x, -1) for x in labels])
        f = np.asarray(features, np.float32)
        f = f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)
        sim = f @ matrix.T                                    # (N, S)
        k = min(K, sim.shape[1])
        near = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        out = probs.copy()
        names = classes[:-1]
        for n in range(len(probs)):
            sym = probs[n, :-1]
            best = names[int(sym.argmax())]
            if ONLY_CORRECTED and best not in self.confusions:
                continue
            s, lb = sim[n, near[n]], lab[near[n]]
            keep = (s > THRESHOLD) & (lb >= 0)
            if not keep.any():
                continue
            votes = np.zeros(len(names))
            np.add.at(votes, lb[keep], np.exp((s[keep] - 1.0) / TEMPERATURE))
            group = np.ones(len(names), bool)
            if ONLY_CORRECTED:
                group = np.array([c == best or c in self.confusions[best] for c in names])
            votes[~group] = 0.0
            mass = sym[group].sum()
            if mass <= 0 or votes.sum() <= 0:
                continue
            new = sym.copy()
            new[group] = (votes[group] + PRIOR * sym[group] / mass) / (votes.sum() + PRIOR) * mass
            out[n, :-1] = new
            changed[n] = int(new.argmax()) != int(sym.argmax())
        return out, changed

    # -- storage: plain arrays ----------------------------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        d = self.samples[0].features.shape[0] if self.samples else 0
        return {"format": np.array(FORMAT), "network": np.array(self.network),
                "labels": np.array([s.label for s in self.samples], dtype=str),
                "features": (np.stack([s.features for s in self.samples]) if self.samples
                             else np.zeros((0, d), np.float32)).astype(np.float16),
                "keys": np.array([s.key.hex() for s in self.samples], dtype=str),
                "confusions": np.array([f"{a}\t{b}" for a, bs in sorted(self.confusions.items())
                                        for b in sorted(bs)], dtype=str)}

    @classmethod
    def from_arrays(cls, arrays, network: str = "") -> "PersonalModel":
        """The profile in `arrays` (an npz); ProfileError if it is damaged or for another network."""
        try:
            if int(arrays["format"]) != FORMAT:
                raise ProfileError(f"profile format {int(arrays['format'])}, expected {FORMAT}")
            stored = str(arrays["network"])
            labels, feats, keys = arrays["labels"], np.asarray(arrays["features"], np.float32), arrays["keys"]
            if feats.ndim != 2 or len(labels) != len(feats) or len(keys) != len(feats):
                raise ProfileError("the profile's arrays do not match")
            if not np.isfinite(feats).all():
                raise ProfileError("the profile holds non-finite numbers")
            samples = [Sample(str(lb), f, bytes.fromhex(str(k))) for lb, f, k in zip(labels, feats, keys)]
            confusions: dict[str, set[str]] = {}
            for pair in arrays["confusions"] if "confusions" in arrays else []:
                a, b = str(pair).split("\t")
                confusions.setdefault(a, set()).add(b)
        except ProfileError:
            raise
        except Exception as e:  # noqa: BLE001 - any unreadable content is a damaged profile
            raise ProfileError(f"the profile cannot be read ({type(e).__name__}: {e})") from None
        if network and stored and stored != network:
            raise ProfileError("the profile was learnt with another network")
        return cls(network or stored, samples, confusions)


def save(model: PersonalModel, path: str | Path) -> None:
    """The profile written atomically: the old file or the new one, never half of either."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **model.to_arrays())
    atomic_write_bytes(path, buf.getvalue())


def load(path: str | Path, network: str = "") -> PersonalModel:
    """The profile in `path`; ProfileError when it is damaged, too large or another network's."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ProfileError(f"{path.name} is {size // (1024 * 1024)} MB, more than a profile can be")
        with np.load(path, allow_pickle=False) as arrays:
            return PersonalModel.from_arrays(arrays, network)
    except ProfileError:
        raise
    except Exception as e:  # noqa: BLE001 - a torn or foreign file is a damaged profile
        raise ProfileError(f"{path.name} cannot be read ({type(e).__name__}: {e})") from None
