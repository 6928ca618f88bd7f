"""`python -m model train-layout-tree`: train the model of whole readings, and choose how it weighs in.

1. Reads the truth trees of train/ (+ train-extra/). It trains on them, except two
   writer-disjoint slices of train/, the same ones the formula model leaves out: the
   relation model's held-out writers (a tenth: the epoch and the settings are chosen on
   them) and the network's held-out writers (the joint choice of symbols and structure is
   tuned on those).
2. Trains the network of layout/tree_model.py: for each symbol, its parent and relation
   among all the (parent, relation) pairs of its expression, or the root. A checkpoint is
   written every epoch (cache/layout_tree_train.pt), and a stopped run resumes from it.
   The epoch with the lowest loss on the held-out writers is kept.
3. Lays out the held-out files on their true symbols, with each setting of a grid (how many
   close readings, the formula model's weight, the penalty per changed choice, this model's
   weight), and keeps the setting that reads the most of them right. On a tie it keeps the
   fewest readings, then the lowest weight on this model; with or without this model's own best
   tree among the readings (layout/proposals.py: the parser's reading of the maximum spanning
   tree over this model's scores), without on a tie; and with it, with or without its
   next-best trees (NEXT_BEST: the trees one symbol's place away from its best, within proposals.NEXT_GAP;
   proposals.next_best_edges), without on a tie. Then the temperature at which the
   readings' scores say how sure each placement is (formula_lm.agreed_confidence): the one
   whose marks (the placements the app shows as unsure, under MARKED_BELOW) best match the
   wrong placements (F1).
4. Writes resources/models/layout_tree.pt (TorchScript) and layout_tree.json: classes,
   features, training data, the settings chosen, the held-out figures, and the command.
   dev/ is not read.

`--augment K` also trains on K copies of each training expression laid out as another hand
might have (rewritten_symbols: turned, slanted, stretched, each symbol moved a little). Tried
with K = 2: the held-out writers' choice 0.9509 -> 0.9529, but dev's layout on true symbols
0.9168 -> 0.9107, so the shipped model is trained without it.

`--ensemble A.pt,B.pt,...` trains nothing: it averages the probabilities of networks already
trained (the same model from several seeds, `--seed`; tree_model.ensemble) into one network of
the same inputs and outputs, and runs steps 3 and 4 on it.
"""
from __future__ import annotations

import itertools
import json
import sys
import time
import zlib
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..evaluation.layout_eval import truth_symbols
from ..evaluation.structure import same_structure
from ..io.crohme import inkml_files, normalize_label, writer_of as crohme_writer
from ..recognition.layout import formula_lm, tree_model
from ..recognition.layout.parse import choice_readings, readings, spanning_reading
from ..recognition.layout.proposals import NEXT_GAP
from ..recognition.notation.canonical import from_layout, from_mathml
from ..io.splits import is_held_out
from .train import ROOT
from .train_relations import arg_parser, truth_trees

ALTERNATIVES = [(2, 0.1), (4, 0.05), (4, 0.02), (8, 0.02)]  # (max_flips, min_share)
LM_WEIGHTS = [0.0, 0.2, 0.45]
PENALTIES = [0.0, 0.5, 1.0]
TREE_WEIGHTS = [0.0, 0.25, 0.5, 1.0, 2.0]
SPANNING = [False, True]  # with or without the model's own best tree among the readings
NEXT_BEST = [0, 3]  # how many of the model's next-best trees are read too (with its best tree)
TEMPERATURES = [1.0, 2.0, 4.0, 8.0, 12.0, 16.0]
MARKED_BELOW = 0.75  # the app's mark of an unsure placement (app/overlays.py: UNSURE)


def samples(tree, symbols):
    """The network's inputs and targets of one expression; None for fewer than two symbols
    (nothing to place) or more than the model is asked about."""
    if not 2 <= len(symbols) <= tree_model.MAX_SYMBOLS:
        return None
    return (*tree_model.encode(symbols), tree_model.targets(tree, len(symbols)))


def rewritten_symbols(ink, rng: np.random.Generator) -> list:
    """The truth symbols of `ink` as another hand might have laid them out: the whole
    expression turned (up to 3 degrees), slanted (shear up to 0.2) and stretched across (up to
    1.25x), each symbol moved by a few hundredths of the median symbol height and scaled by a
    few per cent about its own centre. The tree stays the truth's; the model learns places
    that survive a writer's tilt and drift, not the training writers' own ones."""
    from ..recognition.result import Symbol
    parts = [(label, idx, np.concatenate([ink.traces[i].xy for i in idx]).astype(np.float64))
             for label, idx in ink.symbol_stroke_indices()]
    if not parts:
        return []
    allp = np.concatenate([p for _, _, p in parts])
    centre = allp.mean(0)
    angle = np.deg2rad(rng.uniform(-3.0, 3.0))
    c, s = np.cos(angle), np.sin(angle)
    shear = rng.uniform(-0.2, 0.2)
    stretch = np.exp(rng.uniform(-0.22, 0.22))
    m = np.array([[c, -s], [s, c]]) @ np.array([[stretch, shear], [0.0, 1.0]])
    heights = [np.ptp(p[:, 1]) for _, _, p in parts]
    h = float(np.median(heights)) or 1.0
    out = []
    for label, idx, pts in parts:
        own = pts.mean(0)
        pts = (pts - own) * np.exp(rng.normal(0.0, 0.05)) + own + rng.normal(0.0, 0.03 * h, 2)
        pts = (pts - centre) @ m.T + centre
        (x1, y1), (x2, y2) = pts.min(0), pts.max(0)
        out.append(Symbol(normalize_label(label), 1.0, (float(x1), float(y1), float(x2), float(y2)),
                          list(idx)))
    return out


def batch(items):
    """Padded tensors of a list of samples; the root's index moves to the padded width."""
    import torch
    n = max(len(c) for c, *_ in items)
    r = len(tree_model.RELATIONS)
    cls = torch.zeros(len(items), n, dtype=torch.long)
    one = torch.zeros(len(items), n, tree_model.N_SYMBOL_FEATURES)
    pair = torch.zeros(len(items), n, n, tree_model.N_PAIR_FEATURES)
    pad = torch.ones(len(items), n, dtype=torch.bool)
    y = torch.full((len(items), n), -100, dtype=torch.long)
    for k, (c, o, p, t) in enumerate(items):
        m = len(c)
        cls[k, :m], one[k, :m], pair[k, :m, :m] = map(torch.from_numpy, (c, o, p))
        pad[k, :m] = False
        t = t.copy()
        t[t == m * r] = n * r
        y[k, :m] = torch.from_numpy(t)
    return cls, one, pair, pad, y


def relabel_table() -> list[list[int]]:
    """For each class index of the model's vocabulary, the indices of the classes of the same
    size class (writer.size_class: x-height letters, digits, capitals, ...), itself among
    them; a class without a size class has only itself. A symbol relabelled within these keeps
    every geometric input (the writer's frame reads the size class, not the label)."""
    from ..recognition import writer
    groups: dict[str, list[int]] = {}
    for i, label in enumerate(tree_model.VOCAB):
        c = writer.size_class(label)
        if c is not None:
            groups.setdefault(c, []).append(i)
    return [groups.get(writer.size_class(label), [i]) for i, label in enumerate(tree_model.VOCAB)]


def relabelled(cls, table: list[list[int]], share: float, rng: np.random.Generator):
    """A copy of a batch's class indices with each symbol, with chance `share`, given another
    class of its size class: the model learns where a symbol sits from its geometry, not from
    which letters usually sit there (R_{rl} is a subscript by its place, however rare rl is)."""
    out = cls.clone()
    flat = out.view(-1)
    pick = np.flatnonzero(rng.random(flat.numel()) < share)
    for k in pick:
        options = table[int(flat[k])]
        flat[k] = options[rng.integers(len(options))]
    return out


def train(fit, held, a, checkpoint: Path):
    """The network trained on `fit`, the epoch with the lowest loss on `held` kept; the
    history of every epoch."""
    import torch
    from torch import nn
    torch.manual_seed(a.seed)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    net = tree_model.network(a.hidden, a.layers, a.dropout)
    opt = torch.optim.AdamW(net.parameters(), 1e-3, weight_decay=a.weight_decay)
    fit = sorted(fit, key=lambda s: len(s[0]))  # batches of alike sizes pad little
    chunks = [fit[i:i + 32] for i in range(0, len(fit), 32)]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 2e-3, total_steps=a.epochs * len(chunks))
    loss_fn = nn.NLLLoss(ignore_index=-100, reduction="sum")
    start, best, history = 0, None, []
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        if state.get("settings") == vars_of(a):
            net.load_state_dict(state["net"])
            opt.load_state_dict(state["opt"])
            sched.load_state_dict(state["sched"])
            start, best, history = state["epoch"], state["best"], state["history"]
            torch.set_rng_state(state["torch_rng"])
            print(f"resuming from {checkpoint} after epoch {start}", file=sys.stderr)
    held_batches = [batch(held[i:i + 64]) for i in range(0, len(held), 64)]
    table = relabel_table() if getattr(a, "relabel", 0.0) else None
    for epoch in tqdm(range(start, a.epochs), desc="train layout tree", file=sys.stderr,
                      initial=start, total=a.epochs):
        # Each epoch's order from the seed and the epoch alone: a resumed run is the same run.
        rng_epoch = np.random.default_rng([a.seed, epoch])
        net.train()
        total = count = 0.0
        for i in rng_epoch.permutation(len(chunks)):
            cls, one, pair, pad, y = batch(chunks[i])
            if table is not None:
                cls = relabelled(cls, table, a.relabel, rng_epoch)
            out = net(cls, one, pair, pad)
            loss = loss_fn(out.reshape(-1, out.shape[-1]), y.reshape(-1))
            n = int((y != -100).sum())
            opt.zero_grad()
            (loss / n).backward()
            opt.step()
            sched.step()
            total, count = total + float(loss.detach()), count + n
        net.eval()
        vloss = vn = right = whole = 0.0
        with torch.no_grad():
            for cls, one, pair, pad, y in held_batches:
                out = net(cls, one, pair, pad)
                vloss += float(loss_fn(out.reshape(-1, out.shape[-1]), y.reshape(-1)))
                mine = y != -100
                hit = out.argmax(-1) == y
                vn += int(mine.sum())
                right += int((hit & mine).sum())
                whole += int((hit | ~mine).all(1).sum())
        row = {"epoch": epoch + 1, "loss": round(total / count, 4), "val_loss": round(vloss / vn, 4),
               "val_edges": round(right / vn, 4), "val_all_edges": round(whole / len(held), 4)}
        history.append(row)
        if best is None or row["val_loss"] < best["val_loss"]:
            best = {**row, "state": {k: v.detach().clone() for k, v in net.state_dict().items()}}
        torch.save({"net": net.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "epoch": epoch + 1, "best": best, "history": history,
                    "torch_rng": torch.get_rng_state(), "settings": vars_of(a)}, checkpoint)
    net.load_state_dict(best["state"])
    return net.eval(), {k: v for k, v in best.items() if k != "state"}, history


def vars_of(a) -> dict:
    """The options that make a checkpoint the same run's (and the features it reads: a
    checkpoint of a network on fewer symbol features is not taken up)."""
    out = {**{k: getattr(a, k) for k in ("hidden", "layers", "dropout", "weight_decay", "epochs",
                                         "seed", "limit")},
           "symbol_features": tree_model.N_SYMBOL_FEATURES}
    if getattr(a, "relabel", 0.0):  # absent when off: the checkpoints from before still resume
        out["relabel"] = a.relabel
    if getattr(a, "augment", 0):
        out["augment"] = a.augment
    return out


def choose(held_files, lm, model, alternatives=ALTERNATIVES, prefer: dict | None = None
           ) -> tuple[dict, dict]:
    """The choice's settings that read most of the held-out files right, and the figures;
    `alternatives`: the (max_flips, min_share) tried; `prefer`: the settings in place, kept
    where they read as many right as the best (a tie does not move them)."""
    rows = {}
    shipped = formula_lm.choice_settings(lm)
    lm_own = (shipped["max_flips"], shipped["min_share"])
    # The formula model's own number of readings is read too (not chosen from unless asked):
    # its figure alone, without this model, is the one this model's choice is compared with.
    for flips, share in list(alternatives) + ([lm_own] if lm_own not in alternatives else []):
        out = []
        for symbols, truth in tqdm(held_files, desc=f"readings ({flips}, {share})", file=sys.stderr):
            rs = readings(symbols, max_flips=flips, min_share=share)
            own = len(rs)
            # Chosen with or without, below; the next-best trees are counted as 2 changed choices.
            rs += spanning_reading(symbols, model, rs, next_best=max(NEXT_BEST), next_gap=NEXT_GAP)
            tl = model.logprobs(symbols, [t for t, _, _ in rs]) or [0.0] * len(rs)
            nexts = np.cumsum([k >= own and n == 2 for k, (_, _, n) in enumerate(rs)])
            out.append([(lp, lm.logprob(t) if lm is not None else 0.0, n, tlp,
                         same_structure(from_layout(t), truth), k >= own,
                         int(nexts[k]) if k >= own and n == 2 else 0)
                        for k, ((t, lp, n), tlp) in enumerate(zip(rs, tl))])
        rows[(flips, share)] = out
    grid = []
    for (flips, share), w, pen, tw, span, nb in itertools.product(
            alternatives, LM_WEIGHTS, PENALTIES, TREE_WEIGHTS, SPANNING, NEXT_BEST):
        if nb and not span:
            continue
        right = sum(max((x for x in r if (span or not x[5]) and x[6] <= nb),
                        key=lambda x: x[0] + w * x[1] - pen * x[2] + tw * x[3])[4]
                    for r in rows[(flips, share)])
        grid.append({"max_flips": flips, "min_share": share, "weight": w, "flip_penalty": pen,
                     "tree_weight": tw, "spanning_tree": span, "next_best": nb, "right": right})
    keys = ("max_flips", "min_share", "weight", "flip_penalty", "tree_weight", "spanning_tree",
            "next_best")
    in_place = (lambda g: all(g[k] == prefer.get(k) for k in keys)) if prefer else (lambda g: False)
    best = max(grid, key=lambda g: (g["right"], in_place(g), -g["spanning_tree"], -g["next_best"],
                                    -g["max_flips"], g["min_share"], -g["tree_weight"],
                                    -g["flip_penalty"]))
    n = len(held_files)
    before = sum(max((x for x in r if not x[5]), key=lambda x: x[0] + shipped["weight"] * x[1]
                     - shipped["flip_penalty"] * x[2])[4] for r in rows[lm_own])
    figures = {"n": n, "parser_alone": round(sum(r[0][4] for r in rows[alternatives[0]]) / n, 4),
               "formula_model_alone": round(before / n, 4),
               "chosen": round(best["right"] / n, 4),
               "any_reading_right": {f"{k[0]},{k[1]}": round(sum(
                   any(x[4] for x in r if not x[6]) for r in v) / n, 4) for k, v in rows.items()},
               "any_reading_right_with_next_best": {f"{k[0]},{k[1]}": round(sum(
                   any(x[4] for x in r) for r in v) / n, 4) for k, v in rows.items()},
               "best_without_next_best": round(max(
                   g["right"] for g in grid if not g["next_best"]) / n, 4),
               "any_reading_right_without_spanning_tree": {
                   f"{k[0]},{k[1]}": round(sum(any(x[4] for x in r if not x[5]) for r in v) / n, 4)
                   for k, v in rows.items()},
               "best_without_spanning_tree": round(max(
                   g["right"] for g in grid if not g["spanning_tree"]) / n, 4),
               "best_by_alternatives": {f"{k[0]},{k[1]}": round(max(
                   g["right"] for g in grid if (g["max_flips"], g["min_share"]) == k) / n, 4)
                   for k in alternatives}}
    choice = {k: best[k] for k in ("max_flips", "min_share", "weight", "flip_penalty",
                                   "tree_weight", "spanning_tree", "next_best")}
    choice["next_gap"] = NEXT_GAP
    return choice, figures


def marks(held_files, lm, model, choice: dict) -> tuple[float, list[dict]]:
    """The confidence temperature whose marks best find the wrong placements of the
    held-out files (F1 of marked against wrong), and the figures of each one tried."""
    # The readings and the choice do not depend on the temperature, only the confidences
    # that `choose` writes into the chosen tree: each file is parsed once, for every one.
    files = []
    for symbols, _, truth_tree in held_files:
        rs = choice_readings(symbols, choice, model)
        files.append((symbols, rs, {ch: (p, r) for p, ch, r in tree_model.edges(truth_tree)}))
    rows = []
    for t in TEMPERATURES:
        c = {**choice, "confidence_temperature": t}
        placed = wrong = marked = marked_wrong = 0
        for symbols, rs, truth in files:
            tree = formula_lm.choose(rs, lm, c, symbols, model)
            mine = {ch: (p, r) for p, ch, r in tree_model.edges(tree)}
            pending = [list(tree)]
            while pending:
                for node in pending.pop():
                    pending.extend(list(v) for v in node.rels.values())
                    if node.placement is None:
                        continue
                    bad = mine.get(node.symbol) != truth.get(node.symbol)
                    placed, wrong = placed + 1, wrong + bad
                    if node.confidence < MARKED_BELOW:
                        marked, marked_wrong = marked + 1, marked_wrong + bad
        f1 = 2 * marked_wrong / max(marked + wrong, 1)
        rows.append({"temperature": t, "placements": placed, "wrong": wrong, "marked": marked,
                     "marked_wrong": marked_wrong, "f1": round(f1, 4)})
    best = max(rows, key=lambda r: (r["f1"], -r["temperature"]))
    return best["temperature"], rows


def choose_again(a, argv) -> int:
    """Step 3's choice of weights, again, on the network already at `a.out`: the number of
    readings and the confidence temperature stay as its metadata says (the grid over them
    costs four times as long), the weights and whether to read the model's own best tree are
    chosen again; the rest of the metadata (training, history) is kept."""
    t0 = time.time()
    model = tree_model.load(a.out)
    if model is None:
        return 2
    held_files = held_out_files(a)
    if not held_files:
        print("error: no held-out writers", file=sys.stderr)
        return 2
    lm = formula_lm.default_model()
    before = dict(model.meta.get("choice", {}))
    kept = (before.get("max_flips", 8), before.get("min_share", 0.02))
    choice, figures = choose([(s, t) for s, t, _ in held_files], lm, model, [kept],
                             prefer={"next_best": 0, **before})
    choice["confidence_temperature"] = before.get("confidence_temperature", 1.0)
    meta = dict(model.meta)
    meta.update({"choice": choice, "held_out_layout": figures, "choice_before": before,
                 "held_out_layout_before": _trained_figures(meta),
                 "choice_command": "python -m model train-layout-tree " + " ".join(argv or sys.argv[1:]),
                 "choice_seconds": round(time.time() - t0, 1)})
    from ..io.atomic import atomic_write_text
    atomic_write_text(a.out.with_suffix(".json"), json.dumps(meta, indent=1) + "\n", private=False)
    print(f"held-out files {figures['n']}: layout exprate {figures['chosen']} ({choice}); "
          f"wrote {a.out.with_suffix('.json')}")
    return 0


def _trained_figures(meta: dict) -> dict | None:
    """The held-out figures the training wrote (with its marks), through any choice made again."""
    before = meta.get("held_out_layout_before")
    return before if before and "marks" in before else meta.get("held_out_layout")


def held_out_files(a) -> list:
    """(symbols, truth, truth tree) of the relation model's held-out writers: where the
    settings are chosen."""
    out = []
    for f, ink, tree, validation in truth_trees(sorted(inkml_files(a.data))[:a.limit], "truth"):
        truth = from_mathml(ink.truth_mathml or "") if validation and not ink.problems else None
        if truth:
            out.append((truth_symbols(ink), truth, tree))
    return out


def build_ensemble(a, argv) -> int:
    """`--ensemble`: the members' mean (tree_model.ensemble) with its settings chosen anew on
    the held-out writers, as a trained network's are; each member must read the same inputs."""
    import warnings

    import torch
    t0 = time.time()
    nets, metas = [], []
    for path in a.ensemble:
        model = tree_model.load(path)  # None, with a warning, for another version's classes too
        if model is None:
            print(f"error: {path} is not a usable layout tree model (the warning above says why)",
                  file=sys.stderr)
            return 2
        nets.append(model.net)
        metas.append(model.meta)
    if len({json.dumps(m.get("features"), sort_keys=True) for m in metas}) != 1:
        print("error: the members read different features", file=sys.stderr)
        return 2
    held_files = held_out_files(a)
    if not held_files:
        print("error: no held-out writers", file=sys.stderr)
        return 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted = torch.jit.script(tree_model.ensemble(nets))
    first = metas[0]
    meta = {k: first[k] for k in ("format", "vocab", "relations", "features", "hidden", "layers",
                                  "dropout", "weight_decay", "epochs", "training_data",
                                  "n_expressions") if k in first}
    meta.update({
        "ensemble": [{"seed": m.get("seed"), "best_epoch": m.get("best_epoch"),
                      "held_out_layout_alone": (m.get("held_out_layout") or {}).get("chosen")}
                     for m in metas],
        "seed": [m.get("seed") for m in metas],
        "parameters": int(sum(p.numel() for p in scripted.parameters())),
    })
    return finish(a, argv, scripted, meta, held_files, t0)


def _alternatives(text: str) -> list[tuple[int, float]]:
    """'8,0.02;2,0.1' -> [(8, 0.02), (2, 0.1)]."""
    out = []
    for part in text.split(";"):
        flips, share = part.split(",")
        out.append((int(flips), float(share)))
    return out


def main(argv=None) -> int:
    ap = arg_parser("python -m model train-layout-tree", __doc__, tree_model.DEFAULT_PATH, 96, 25)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--dropout", type=float, default=0.25)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--cache", type=Path, default=ROOT / "cache")
    ap.add_argument("--relabel", type=float, default=0.0,
                    help="in training, give each symbol with this chance another class of its "
                         "size class (relabelled; 0: off)")
    ap.add_argument("--augment", type=int, default=0,
                    help="also train on this many copies of each expression laid out as another "
                         "hand might have (turned, slanted, stretched, each symbol moved a little: "
                         "rewritten_symbols)")
    ap.add_argument("--choose-only", action="store_true",
                    help="keep the network at --out; choose the settings (step 3) again and "
                         "rewrite only its metadata (after a change to the parser or its models)")
    ap.add_argument("--alternatives", type=_alternatives, default=ALTERNATIVES,
                    help="the (max_flips,min_share) of close readings tried in step 3, e.g. "
                         "'8,0.02' or '2,0.1;8,0.02' (default: all of ALTERNATIVES)")
    ap.add_argument("--ensemble", type=lambda t: [Path(p) for p in t.split(",")], default=None,
                    metavar="A.pt,B.pt,...",
                    help="train nothing: average these trained networks (the same model from "
                         "several seeds, each with its .json) into one, choose its settings "
                         "(step 3) and write it to --out")
    a = ap.parse_args(argv)
    if a.choose_only:
        return choose_again(a, argv)
    if a.ensemble:
        return build_ensemble(a, argv)
    t0 = time.time()
    fit, held, held_files, skipped = [], [], [], []
    for f, ink, tree, validation in truth_trees(sorted(inkml_files(a.data))[:a.limit], "truth",
                                                skipped):
        symbols = truth_symbols(ink)
        if validation:
            s = samples(tree, symbols)
            if s is not None:
                held.append(s)
            truth = from_mathml(ink.truth_mathml or "")
            if truth and not ink.problems:
                held_files.append((symbols, truth, tree))
        elif not is_held_out(crohme_writer(f)):
            s = samples(tree, symbols)
            if s is not None:
                fit.append(s)
                # Seeded by the file's name: the same copies on every run and resume.
                rng = np.random.default_rng([a.seed, zlib.crc32(f.name.encode())])
                fit += [samples(tree, rewritten_symbols(ink, rng)) for _ in range(a.augment)]
    if not fit or not held or not held_files:
        print("error: no truth to train on, or no held-out writers", file=sys.stderr)
        return 2
    import torch
    a.cache.mkdir(parents=True, exist_ok=True)
    net, best, history = train(fit, held, a, a.cache / "layout_tree_train.pt")
    import warnings
    with warnings.catch_warnings():
        # TorchScript is the shipped format; its deprecation notice is not the user's concern.
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted = torch.jit.script(net)
    meta = {
        "format": "TorchScript: (classes, symbol features, pair features, padding) -> (B, N, N*7+1) "
                  "log-probabilities of each symbol's (parent, relation), the root last",
        "vocab": list(tree_model.VOCAB), "relations": list(tree_model.RELATIONS),
        "features": {"symbol": tree_model.N_SYMBOL_FEATURES, "pair": tree_model.N_PAIR_FEATURES,
                     "source": "model/recognition/layout/tree_model.py: encode"},
        "hidden": a.hidden, "layers": a.layers, "dropout": a.dropout, "relabel": a.relabel,
        "augment": a.augment,
        "weight_decay": a.weight_decay, "epochs": a.epochs, "seed": a.seed,
        "parameters": int(sum(p.numel() for p in net.parameters())),
        "training_data": ("CROHME train/ + train-extra/ (CC BY-NC-SA 3.0), truth trees on true "
                          "symbols; the relation model's held-out writers (a tenth of train/) "
                          "choose the epoch and the settings, the network's held-out writers "
                          "are left out for the joint choice's tuning"),
        "n_expressions": {"train": len(fit) // (1 + a.augment), "held_out": len(held),
                          "skipped_no_truth": len(skipped),
                          **({"augmented_copies": len(fit) - len(fit) // (1 + a.augment)}
                             if a.augment else {})},
        "best_epoch": best, "history": history,
    }
    return finish(a, argv, scripted, meta, held_files, t0)


def finish(a, argv, scripted, meta: dict, held_files, t0: float) -> int:
    """Steps 3 and 4 for a network: the settings chosen on the held-out files, the network and
    its metadata written to `a.out`."""
    model = tree_model.TreeModel(scripted, meta)
    lm = formula_lm.default_model()
    choice, figures = choose([(s, t) for s, t, _ in held_files], lm, model, a.alternatives)
    choice["confidence_temperature"], figures["marks"] = marks(held_files, lm, model, choice)
    meta.update({"choice": choice, "held_out_layout": figures,
                 "command": "python -m model train-layout-tree " + " ".join(argv or sys.argv[1:]),
                 "seconds": round(time.time() - t0, 1)})
    a.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = a.out.with_suffix(".tmp")
    scripted.save(str(tmp))
    tmp.replace(a.out)
    from ..io.atomic import atomic_write_text
    atomic_write_text(a.out.with_suffix(".json"), json.dumps(meta, indent=1) + "\n", private=False)
    print(f"held-out files {figures['n']}: layout exprate parser alone {figures['parser_alone']}, "
          f"with the formula model {figures['formula_model_alone']}, with this model "
          f"{figures['chosen']} ({choice}); wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
