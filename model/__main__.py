"""The developer commands, one way to run them:  python -m model COMMAND [ARGS...]

`python -m model` alone lists the commands; `python -m model COMMAND --help` explains one.
Each command's module is imported only when it runs, so listing them costs nothing and one
command's dependencies (torch, tqdm) never slow another's start.
"""
from __future__ import annotations

import importlib
import sys

# name -> (module whose main(argv) runs it, what it does)
COMMANDS = {
    "recognize": ("model.cli", "recognize InkML files or images (the same as `main.py recognize`)"),
    "train": ("model.training.train", "the symbol network: render windows, train, export"),
    "train-folds": ("model.training.folds", "the fold networks, one after another (out-of-fold evidence)"),
    "fold-evidence": ("model.training.fold_evidence", "each training file's evidence, from the fold network that never saw it"),
    "fold-paths": ("model.training.fold_paths", "each training file's path evidence, from the fold path model that never saw it"),
    "export": ("model.training.export", "a checkpoint -> resources/models/symbol_fcn.{pt,json}"),
    "train-relations": ("model.training.train_relations", "the layout's relation model"),
    "train-formula-lm": ("model.training.train_formula_lm", "the formula language model that chooses among the layout's readings"),
    "train-row-context": ("model.training.train_row_context", "the counts that settle look-alikes by their place on their line"),
    "train-layout-tree": ("model.training.train_layout_tree", "the model of whole readings that scores each of the layout's readings"),
    "layout-reach": ("model.training.layout_reach", "which truths the layout can reach at all (an oracle parse)"),
    "train-regions": ("model.training.train_regions", "the layout's region model"),
    "train-trajectory": ("model.training.train_trajectory", "the model of the pen's path of a symbol (order, direction, size)"),
    "tune-trajectory": ("model.training.tune_trajectory", "the weight of the pen's path in the decoder, on held-out writers"),
    "decoder-data": ("model.training.decoder_data", "record the recognizer's evidence for the decoder"),
    "writer-evidence": ("model.training.writer_evidence", "the shipped recognizer's evidence and pen paths on the held-out writers (--generated: on their expressions with look-alikes swapped)"),
    "train-writer-pairs": ("model.training.train_writer_pairs", "the look-alike pairs settled by the writer's own sizes, on held-out writers"),
    "train-decoder": ("model.training.train_decoder", "the context decoder"),
    "train-context": ("model.training.train_context", "the learned context model, on out-of-fold evidence"),
    "evaluate": ("model.evaluation.evaluate", "isolated symbols or whole expressions against the truth"),
    "layout-eval": ("model.evaluation.layout_eval", "the layout alone, on the true symbols"),
    "tune-detect": ("model.evaluation.tune_detect", "detection's two constants, on a grid"),
    "office-mathml": ("model.evaluation.office_mathml", "our MathML opened in LibreOffice Math, read back"),
    "bench": ("model.evaluation.bench", "latency of each stage and end to end"),
    "bench-memory": ("model.evaluation.memory_bench", "memory over a session of writing: the resident set as expressions are written"),
    "stacked": ("model.evaluation.stacked", "several lines, matrices and cases built from dev ink, read"),
    "composed": ("model.evaluation.composed", "issue 41's eight expressions composed of a dev writer's glyphs, read"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"  {name:<{width}}  {what}" for name, (_, what) in COMMANDS.items()]
    return ("usage: python -m model COMMAND [ARGS...]\n\ncommands:\n" + "\n".join(lines)
            + "\n\n`python -m model COMMAND --help` for one command's options.")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if argv else 2
    # train_relations as well as train-relations: the spelling of the module it runs.
    name = argv[0].replace("_", "-")
    if name not in COMMANDS:
        print(f"error: no command {argv[0]!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    return module.main(argv[1:]) or 0


if __name__ == "__main__":
    raise SystemExit(main())
