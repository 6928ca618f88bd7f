"""Path evidence from fold path models (model/training/fold_paths.py) and the fold option of
train-trajectory: what the context model learns to read the pen's path from (issue 40)."""
from __future__ import annotations

import pickle
import shutil

import numpy as np
import pytest

from model.recognition import trajectory
from model.training import decoder_data, fold_evidence, fold_paths, train_trajectory

from .shared_data import DEV, requires_dev
from .test_fold_evidence import _fold_network


@requires_dev
def test_each_record_gets_its_candidates_path_log_probs_in_its_own_frame(tmp_path, capsys):
    d0 = _fold_network(tmp_path, 2, 0)
    data = DEV / "CROHME2014_test"
    assert fold_evidence.main(["--cache", str(tmp_path), "--folds", "2", "--data", str(data), "--limit", "5"]) == 0
    # fold 0's path model: the shipped one stands in (the test is the alignment, not the model)
    shutil.copy(trajectory.DEFAULT_PATH, d0 / "trajectory.pt")
    shutil.copy(trajectory.DEFAULT_PATH.with_suffix(".json"), d0 / "trajectory.json")
    capsys.readouterr()
    assert fold_paths.main(["--cache", str(tmp_path), "--folds", "2"]) == 0
    err = capsys.readouterr().err
    assert "fold 1 paths: needs" in err                     # no evidence, no path model: named, skipped
    got = pickle.loads((d0 / "paths.pkl").read_bytes())
    records = decoder_data.load(d0 / "evidence.pkl")["records"]
    assert set(got) == {r.source for r in records}
    right = total = 0
    for r in records:
        lp = got[r.source].astype(np.float64)
        assert lp.shape == (len(r.cand_strokes), r.probs.shape[1] - 1)
        assert np.isfinite(lp).all()
        np.testing.assert_allclose(np.exp(lp).sum(1), 1.0, atol=0.02)
        at = {tuple(s): k for k, s in enumerate(r.cand_strokes)}
        for cls, strokes in r.truth:
            if cls >= 0 and tuple(strokes) in at:
                total += 1
                right += int(lp[at[tuple(strokes)]].argmax() == cls)
    # Strokes in another frame or order would read as noise; in the right one most true symbols
    # read right from their path alone (about 0.92 on dev).
    assert total >= 20 and right / total > 0.7
    # Attached to the records as the context model's training reads them.
    assert fold_paths.attach(records, d0 / "paths.pkl") == len(records)
    assert all(r.path_lp is not None for r in records)
    stamp = (d0 / "paths.pkl").stat().st_mtime_ns
    assert fold_paths.main(["--cache", str(tmp_path), "--folds", "2"]) == 0
    assert (d0 / "paths.pkl").stat().st_mtime_ns == stamp      # done: not read again


@pytest.mark.parametrize("spec", ["4/4", "x/4", "1", "-1/4"])
def test_a_bad_fold_is_refused_with_a_message(spec, tmp_path):
    with pytest.raises(SystemExit, match="--fold wants K/N"):
        train_trajectory.main([f"--fold={spec}", "--cache", str(tmp_path), "--data", str(tmp_path)])
