"""`python main.py --selftest`: the GUI's recognition path without a display.

It loads the sample ink the way the Open command does (fitted to the canvas)
and recognizes it through the same RecognitionService and worker thread.
"""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer

from .canvas.size import CANVAS_HEIGHT, CANVAS_WIDTH
from .files.documents import DocumentError, load_ink
from .recognition.worker import Job, RecognitionService

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "resources" / "sample.inkml"
TIMEOUT_MS = 120_000


def missing_layout_models() -> list[str]:
    """The learned layout models that did not load (the layout then uses its rules, or
    chooses among its readings without the model of whole readings)."""
    from model.recognition.layout import regions, relations, tree_model
    return [name for name, mod in (("relation", relations), ("region", regions),
                                   ("whole-reading", tree_model))
            if mod.default_model() is None]


def path_model_loads() -> bool:
    """Whether the shipped model of the pen's path loads (without it the symbols are read from
    their pictures alone, a warning says so, and the bundle would ship weaker readings)."""
    import warnings
    from model.recognition import trajectory
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return trajectory.load() is not None


def run(model_path=None, sample=SAMPLE, out=sys.stdout, err=sys.stderr) -> int:
    try:
        strokes, truth = load_ink(sample, CANVAS_WIDTH, CANVAS_HEIGHT)
    except DocumentError as exc:
        print(f"selftest: cannot load the sample ink: {exc}", file=err)
        return 2
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    service = RecognitionService(model_path)
    outcome: dict = {}

    def done(key, value):
        outcome.setdefault(key, value)
        app.exit(0)

    service.unavailable.connect(lambda msg: done("unavailable", msg))
    service.error.connect(lambda msg: done("error", msg))
    service.result.connect(lambda job, rec: done("result", rec))
    service.request(Job("ink", strokes, 0))
    QTimer.singleShot(TIMEOUT_MS, lambda: done("timeout", f"no result within {TIMEOUT_MS // 1000} s"))
    app.exec()
    service.shutdown()

    if "result" in outcome:
        rec = outcome["result"]
        print(f"sample:   {sample.name} ({len(strokes)} strokes)", file=out)
        if truth:
            print(f"truth:    {truth}", file=out)
        print(f"text:     {rec.text}", file=out)
        print(f"symbols:  {len(rec.symbols)} in {rec.ms:.0f} ms", file=out)
        print(f"latex:    {rec.latex}", file=out)
        if not rec.symbols:
            print("selftest: the model recognized nothing in the sample", file=err)
            return 1
        missing = missing_layout_models()
        if missing:
            print(f"selftest: the layout's learned {', '.join(missing)} "
                  "model did not load", file=err)
            return 1
        if not path_model_loads():
            print("selftest: the model of the pen's path did not load", file=err)
            return 1
        return 0
    if "unavailable" in outcome:
        print(f"selftest: cannot load the model: {outcome['unavailable']}", file=err)
        return 3
    key = next(iter(outcome), "error")
    print(f"selftest: recognition failed: {outcome.get(key, 'unknown error')}", file=err)
    return 1
