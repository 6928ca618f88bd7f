import json
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from model.__main__ import COMMANDS

from .shared_data import dev_files, requires_dev

ROOT = Path(__file__).resolve().parents[1]


def _run(*args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "recognize", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_malformed_file_gives_one_line_and_nonzero_exit(tmp_path):
    bad = tmp_path / "broken.inkml"
    bad.write_text("<ink><trace>1 2, 3")
    r = _run(bad)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "broken.inkml" in lines[0] and "not well-formed" in lines[0]


def test_broken_annotations_warn_once_and_the_ink_is_recognized(tmp_path):
    # The truth of this file points at a trace that is not there; its ink is the sample's, intact.
    text = (ROOT / "resources" / "sample.inkml").read_text()
    broken = tmp_path / "bad_truth.inkml"
    broken.write_text(text.replace("</ink>", '<traceGroup><annotation type="truth">x</annotation>'
                                             '<traceView traceDataRef="404"/></traceGroup></ink>'))
    r = _run(broken, ROOT / "resources" / "sample.inkml", "--format", "latex")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ") and "bad_truth.inkml" in lines[0] \
        and "unknown trace '404'" in lines[0]
    out = dict(line.split("\t") for line in r.stdout.strip().splitlines())
    assert out[str(broken)] == out[str(ROOT / "resources" / "sample.inkml")] != ""


def test_corrupt_image_and_missing_file(tmp_path):
    img = tmp_path / "scan.png"
    img.write_bytes(b"\x89PNG not really")
    r = _run(img, tmp_path / "absent.inkml", "--format", "json")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2 and "scan.png" in lines[0] and "absent.inkml" in lines[1]
    assert r.stdout == ""


@requires_dev
def test_json_output_for_inkml_and_image(tmp_path):
    from model.io.ink import read_inkml
    from model.recognition.raster import frame_for, rasterize
    src = dev_files(1)[0]
    ink = read_inkml(src)
    frame = frame_for(ink.strokes(), scale=None)
    page = (255 - rasterize(ink.strokes(), frame, thickness=3) * 255).astype(np.uint8)
    png = tmp_path / "page.png"
    cv2.imwrite(str(png), cv2.resize(page, None, fx=2, fy=2))
    bad = tmp_path / "bad.inkml"
    bad.write_text("<ink/>x")
    r = _run(src, png, bad, "--format", "json")
    assert r.returncode == 1 and "bad.inkml" in r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [Path(row["file"]).name for row in rows] == [src.name, "page.png"]
    for row in rows:
        assert set(row) >= {"file", "text", "latex", "ms", "symbols"}
        assert row["symbols"], row
        for s in row["symbols"]:
            assert set(s) == {"label", "score", "box", "strokes", "alternatives"}
            x1, y1, x2, y2 = s["box"]
            assert x1 <= x2 and y1 <= y2
            assert 1 <= len(s["alternatives"]) <= 5 and s["alternatives"][0][0] == s["label"]
    # InkML strokes are indices of the file's traces, each claimed by exactly one symbol.
    claimed = sorted(i for s in rows[0]["symbols"] for i in s["strokes"])
    assert claimed == list(range(len(ink.traces)))


def test_image_bomb_is_refused_before_decoding(tmp_path):
    import zlib, struct
    from model.io.image_io import load_image
    from model.recognition.recognize import InputError
    import pytest

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    # A 60000×60000 grayscale PNG header with a tiny (invalid) body.
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")
    path = tmp_path / "bomb.png"
    path.write_bytes(png)
    with pytest.raises(InputError, match="too large") as e:
        load_image(path)
    assert "bomb.png" in str(e.value)


def _documented_commands() -> set[str]:
    # The README keeps the user's guide; the developer commands are on the pages under docs/.
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    text = "\n".join(page.read_text(encoding="utf-8") for page in pages)
    return set(re.findall(r"python -m model ([a-z][a-z-]*)", text))


def test_every_documented_command_exists_and_every_command_is_documented():
    assert _documented_commands() - {"COMMAND"} <= set(COMMANDS)
    assert set(COMMANDS) - {"recognize"} <= _documented_commands()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_documented_commands_start(command, capsys):
    """`python -m model COMMAND --help` as the README writes it: the command reaches its parser."""
    from model.__main__ import main
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    assert capsys.readouterr().out.startswith("usage:")


def test_python_dash_m_model_runs_the_dispatcher():
    out = subprocess.run([sys.executable, "-m", "model"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 2 and "usage: python -m model COMMAND" in out.stdout


def test_model_without_a_command_lists_them_and_an_unknown_one_is_refused(capsys):
    from model.__main__ import main
    assert main([]) == 2
    assert "train-relations" in capsys.readouterr().out
    assert main(["no-such"]) == 2
    assert "no command 'no-such'" in capsys.readouterr().err


def test_train_folds_plans_the_unfinished_folds_and_resumes_a_stopped_one(tmp_path):
    from model.training.folds import fold_cache, plan
    done, stopped = fold_cache(tmp_path, 4, 0), fold_cache(tmp_path, 4, 2)
    done.mkdir()
    (done / "train_summary.json").write_text("{}")
    stopped.mkdir()
    (stopped / "last.pt").write_bytes(b"")
    runs = plan(4, tmp_path, 6, 1, ["--seed", "2"])
    assert [r[r.index("--fold") + 1] for r in runs] == ["1", "2", "3"]
    assert "--resume" in runs[1] and "--resume" not in runs[0]
    assert runs[0][-2:] == ["--seed", "2"] and str(fold_cache(tmp_path, 4, 1)) in runs[0]
