"""Training windows: the render is cached, and a stopped render resumes from its saved pieces."""
import shutil
from pathlib import Path

import numpy as np

from model.training import dataset

SAMPLE = Path(__file__).resolve().parents[1] / "resources" / "sample.inkml"


def _copies(tmp_path, n):
    d = tmp_path / "ink"
    d.mkdir()
    for i in range(n):
        shutil.copy(SAMPLE, d / f"s{i}.inkml")
    return d


def test_render_resumes_from_saved_pieces(tmp_path, monkeypatch):
    monkeypatch.setattr(dataset, "SHARD_FILES", 1)
    ink = _copies(tmp_path, 3)
    full = dataset.build_cache([ink], tmp_path / "a.npz", seed=1, workers=1, directions=True)
    assert full["x"].ndim == 4 and full["x"].shape[1] == 5 and len(full["x"]) == len(full["y"])
    assert not (tmp_path / "a.npz.parts").exists()   # pieces are removed once joined

    # A render stopped after its first piece: that piece is reused, not drawn again.
    parts = tmp_path / "b.npz.parts"
    parts.mkdir()
    n0 = int((dataset.build_cache([ink], tmp_path / "one.npz", seed=1, workers=1, directions=True,
                                  exclude={ink / "s1.inkml", ink / "s2.inkml"})["y"] >= 0).sum())
    marker = {"x": np.full((2,) + full["x"].shape[1:], 7, np.uint8), "y": np.array([3, 3], np.int16),
              "kind": np.array([0, 0], np.int8)}
    np.savez(parts / "0000.npz", **marker)
    resumed = dataset.build_cache([ink], tmp_path / "b.npz", seed=1, workers=1, directions=True)
    assert len(resumed["x"]) == len(full["x"]) - n0 + 2
    assert (resumed["x"][:2] == 7).all()
    np.testing.assert_array_equal(resumed["x"][2:], full["x"][n0:])


def test_a_finished_render_is_read_back(tmp_path):
    ink = _copies(tmp_path, 1)
    a = dataset.build_cache([ink], tmp_path / "c.npz", seed=1, workers=1)
    (ink / "s0.inkml").unlink()   # the cache alone answers now
    b = dataset.build_cache([ink], tmp_path / "c.npz", seed=1, workers=1)
    np.testing.assert_array_equal(a["x"], b["x"])
    assert a["x"].ndim == 3
