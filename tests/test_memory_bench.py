"""The memory benchmark writes what it says, and the recognizer bounds oneDNN's kernel cache
(how much memory that saves is the benchmark's figure, not a test's)."""
import os

import numpy as np

from model.evaluation import memory_bench
from model.io.ink import ink_from_strokes, write_inkml
from model.recognition import threads


def test_the_kernel_cache_is_bounded_unless_the_environment_says_otherwise(monkeypatch):
    monkeypatch.delenv(threads.KERNEL_CACHE_VARIABLE, raising=False)
    threads.apply(1)
    assert os.environ[threads.KERNEL_CACHE_VARIABLE] == str(threads.KERNEL_CACHE)
    monkeypatch.setenv(threads.KERNEL_CACHE_VARIABLE, "7")
    threads.apply(1)
    assert os.environ[threads.KERNEL_CACHE_VARIABLE] == "7"


def _expression(path, n_strokes: int, shift: float):
    t = np.linspace(0, 1, 30)
    strokes = [np.stack([100 + shift + 60 * i + 30 * t, 200 + 40 * np.sin(3 * t + i)], 1)
               for i in range(n_strokes)]
    write_inkml(ink_from_strokes(strokes), path)


def test_each_expression_is_written_stroke_by_stroke_and_the_resident_set_taken(tmp_path, capsys):
    for i in range(7):
        _expression(tmp_path / f"e{i}.inkml", 1 + i % 3, 10.0 * i)
    (tmp_path / "broken.inkml").write_text("<ink><trace>1 2, x y</trace>")
    assert memory_bench.main([str(tmp_path), "--n", "8", "--json"]) == 0
    import json
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["expressions"] == 8
    assert out["strokes"] == sum(1 + i % 3 for i in range(7))
    assert set(out["rss_mb"]) == {"5", "8"} and all(mb > 0 for mb in out["rss_mb"].values())
    assert out["growth_mb"] == round(out["rss_mb"]["8"] - out["rss_mb"]["5"], 1)


def test_too_few_files_is_a_clear_error(tmp_path, capsys):
    _expression(tmp_path / "one.inkml", 2, 0.0)
    assert memory_bench.main([str(tmp_path)]) == 2
    assert "more than 5 are needed" in capsys.readouterr().err
