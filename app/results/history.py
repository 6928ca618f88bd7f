"""The history of expressions (ink and LaTeX), kept in the data folder across restarts.

One JSON file, rewritten atomically (model.io.atomic) on each change, so a crash
leaves the old list or the new one, never half.  A damaged file is set aside and
reported, and the history starts empty.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.io.atomic import atomic_write_text

HISTORY_NAME = "history.json"
MAX_ENTRIES = 50


@dataclass
class Entry:
    latex: str
    strokes: list[np.ndarray]
    when: float

    def to_json(self) -> dict:
        return {"latex": self.latex, "when": round(self.when, 1),
                "strokes": [np.round(s[:, :2], 2).tolist() for s in self.strokes]}

    @classmethod
    def from_json(cls, d: dict) -> "Entry":
        strokes = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in d["strokes"]]
        return cls(str(d.get("latex", "")), [s for s in strokes if len(s)], float(d.get("when", 0)))


class History:
    def __init__(self, directory, limit: int = MAX_ENTRIES):
        self.path = Path(directory) / HISTORY_NAME
        self.limit = limit
        self.entries: list[Entry] = []   # newest first
        self.error: str | None = None    # why the stored history could not be read, if it could not

    def load(self) -> list[Entry]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries = [Entry.from_json(d) for d in raw["entries"]][: self.limit]
        except FileNotFoundError:
            self.entries = []
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self.entries = []
            self.error = f"{self.path}: {exc}"
            try:   # kept for inspection; the next save starts a fresh file
                self.path.replace(self.path.with_suffix(".damaged.json"))
            except OSError:
                pass
        return self.entries

    def add(self, strokes: list[np.ndarray], latex: str) -> bool:
        """Put an expression first; False (nothing changed) when there is no ink or it is the
        newest entry already.  The same expression further down moves up instead of being
        stored twice (a page brought back from the history and cleared again)."""
        strokes = [np.asarray(s, dtype=np.float64)[:, :2] for s in strokes if len(s)]
        if not strokes:
            return False
        same = [i for i, e in enumerate(self.entries) if e.latex == latex and _same_ink(e.strokes, strokes)]
        if same == [0]:
            return False
        for i in reversed(same):
            del self.entries[i]
        self.entries.insert(0, Entry(latex, strokes, time.time()))
        del self.entries[self.limit:]
        return True

    def save(self) -> None:
        """Raises OSError when the file cannot be written."""
        atomic_write_text(self.path, json.dumps({"version": 1, "entries": [e.to_json() for e in self.entries]}))


def _same_ink(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and np.allclose(x, y, atol=0.01) for x, y in zip(a, b))
