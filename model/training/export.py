"""Export the best checkpoint:  python -m model export [CHECKPOINT]

Writes resources/models/symbol_fcn.pt (TorchScript) and symbol_fcn.json (class
list, window, stride, input scale, training data and the figures reached).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from ..recognition import raster
from ..recognition.network import STRIDE, WINDOW, SymbolFCN

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "resources" / "models"
MODEL_PATH = MODEL_DIR / "symbol_fcn.pt"
META_PATH = MODEL_DIR / "symbol_fcn.json"


def export(checkpoint: Path, summary: dict | None = None, out_dir: Path = MODEL_DIR) -> Path:
    ck = torch.load(checkpoint, map_location="cpu", weights_only=False)
    in_channels = int(ck.get("in_channels", 1))
    model = SymbolFCN(len(ck["classes"]), tuple(ck["widths"]), in_channels=in_channels)
    model.load_state_dict(ck["state_dict"])
    model.eval()
    scripted = torch.jit.script(model)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / MODEL_PATH.name
    scripted.save(str(model_path))
    n_params = sum(p.numel() for p in model.parameters())
    meta_path = out_dir / META_PATH.name
    old = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    meta = {
        "format": "torchscript",
        "classes": ck["classes"],
        "background": ck["classes"][-1],
        "window": WINDOW,
        "stride": STRIDE,
        "padding": 0,
        "input": {"channels": in_channels,
                  "planes": ["ink"] + ([f"direction {d * 180 // raster.DIRECTIONS}°" for d in range(raster.DIRECTIONS)]
                                       if in_channels > 1 else []),
                  "direction_tangent_span_px": raster.TANGENT_SPAN if in_channels > 1 else None,
                  "ink": 1.0, "paper": 0.0, "dtype": "float32",
                  "target_scale_px": raster.TARGET_SCALE, "stroke_thickness_px": raster.THICKNESS,
                  "scale_estimate": "median larger side of strokes (model.recognition.raster.writing_scale)"},
        "widths": list(ck["widths"]),
        "parameters": n_params,
        "file_bytes": model_path.stat().st_size,
        "dev_isolated_symbols": ck.get("metrics"),
        "trained_on": "CROHME train/ (2013/2014/2016 training sets) + train-extra/ (CROHME 2013 test)"
                      + (f", less a writer-disjoint held-out {len(ck['held_out'])} files of train/ "
                         "(model.io.splits)" if ck.get("held_out") else "")
                      + "; selected on dev/ (CROHME 2014 test). License of the data: CC BY-NC-SA 3.0",
        "exported": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if summary is not None:
        meta["training"] = {k: summary[k] for k in ("train_minutes", "render_seconds", "device", "seed", "epochs",
                                                    "finetune_epochs", "samples_per_epoch", "train_windows", "data",
                                                    "directions", "plane_dropout", "holdout_share",
                                                    "held_out_files", "command") if k in summary}
    elif "training" in old:
        meta["training"] = old["training"]
    if "evaluation" in old and old.get("file_bytes") == meta["file_bytes"] and \
            old.get("dev_isolated_symbols") == meta["dev_isolated_symbols"]:
        meta["evaluation"] = old["evaluation"]  # the same network exported again: its figures hold
    meta_path.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {model_path} ({meta['file_bytes'] / 1e6:.1f} MB, {n_params} parameters) and {meta_path}")
    return model_path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("checkpoint", nargs="?", type=Path, default=ROOT / "cache" / "best.pt")
    a = p.parse_args(argv)
    summary_path = a.checkpoint.parent / "train_summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else None
    export(a.checkpoint, summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
