"""Out-of-fold evidence (model/training/fold_evidence.py): each fold's files read by its own network."""
from __future__ import annotations

import json
import pickle

from model.training import fold_evidence
from model.io.splits import fold_of
from model.io.crohme import writer_of

from .shared_data import DEV, requires_dev


def _fold_network(cache, folds, k):
    """A small untrained network as `python -m model train-folds` leaves one: best.pt and
    train_summary.json under cache/foldKofN."""
    import torch
    from model.recognition.classes import default_classes
    from model.recognition.network import SymbolFCN
    from model.recognition.raster import DIRECTIONS
    d = cache / f"fold{k}of{folds}"
    d.mkdir(parents=True)
    torch.manual_seed(k)
    classes = default_classes()
    net = SymbolFCN(len(classes), (8, 12, 16), in_channels=1 + DIRECTIONS).eval()
    torch.save({"state_dict": net.state_dict(), "widths": (8, 12, 16), "classes": classes,
                "in_channels": 1 + DIRECTIONS}, d / "best.pt")
    (d / "train_summary.json").write_text(json.dumps({"best_top1": 0.0}))
    return d


@requires_dev
def test_each_fold_reads_only_its_own_files_and_a_rerun_skips_what_is_done(tmp_path, capsys):
    data = DEV / "CROHME2014_test"
    d0 = _fold_network(tmp_path, 2, 0)                     # fold 1's network has not finished
    args = ["--cache", str(tmp_path), "--folds", "2", "--data", str(data), "--limit", "6"]
    assert fold_evidence.main(args) == 0
    assert "1 of 2 folds recorded" in capsys.readouterr().out
    saved = pickle.loads((d0 / "evidence.pkl").read_bytes())
    assert saved["model"].endswith("fold0of2/model/symbol_fcn.pt") and len(saved["records"]) == 6
    for r in saved["records"]:
        from pathlib import Path
        assert fold_of(writer_of(Path(r["source"])), 2) == 0  # never a file its network saw
        assert r["probs"].shape == r["ctx"].shape and len(r["cand_strokes"]) == len(r["probs"])
    stamp = (d0 / "evidence.pkl").stat().st_mtime_ns
    assert fold_evidence.main(args) == 0                   # done: nothing read again
    assert (d0 / "evidence.pkl").stat().st_mtime_ns == stamp
    assert not (tmp_path / "fold1of2" / "evidence.pkl").exists()


def test_no_data_is_an_error_with_a_message(tmp_path, capsys):
    assert fold_evidence.main(["--cache", str(tmp_path), "--data", str(tmp_path / "none")]) == 2
    assert "no InkML files" in capsys.readouterr().err


def test_calibration_counts_only_true_candidates_and_measures_confidence():
    import numpy as np
    # two classes + background; candidate (0,) is a true symbol of class 1, read 0.8 / 0.2;
    # candidate (1,) is a true class-0 symbol read confidently right; (0, 1) is no symbol.
    probs = np.array([[0.2, 0.8, 0.0], [0.9, 0.1, 0.0], [0.5, 0.5, 0.0]])
    rec = {"truth": [(1, (0,)), (0, (1,))], "cand_strokes": [(0,), (1,), (0, 1)],
           "probs": probs, "ctx": probs[:, ::-1].copy()}
    f = fold_evidence.calibration([rec], bins=10)
    alone = f["alone"]
    assert alone["n"] == 2 and alone["top1"] == 1.0
    assert alone["mean_confidence"] == round((0.8 + 0.9) / 2, 4)
    assert alone["log_loss"] == round(float(-(np.log(0.8) + np.log(0.9)) / 2), 4)
    assert abs(alone["ece"] - ((1 - 0.8) * 0.5 + (1 - 0.9) * 0.5)) < 1e-3
    # in context the background column comes first here: it is dropped, the rest renormalised
    assert f["in_context"]["n"] == 2
