"""Training: CROHME InkML -> training windows -> the network -> the shipped model.

Takes: CROHME InkML (train/ and dev/ under ../shared/data/crohme by default),
rendered by recognition.raster exactly as the recognizer renders ink.
Gives: checkpoints in cache/, then resources/models/symbol_fcn.pt (TorchScript)
and symbol_fcn.json (classes, geometry, data, settings, figures reached).

Read first: `train.py` (`python -m model train`: the one command), then
`dataset.py` (which windows the network learns from) and `export.py`.

The layout's relation model: `relation_truth.py` (the expression tree over the
ink's symbols, from the MathML and the traceGroup links; the related pairs),
then `train_relations.py` (`python -m model train-relations`: pairs, training,
resources/models/relations.npz + .json).

The context decoder: `model/io/splits.py` (the writer-disjoint held-out slice the network never
trains on), `decoder_data.py` (what the recognizer sees on each held-out expression), then
`train_decoder.py` (`python -m model train-decoder`: language model, geometry, re-reader,
whole-symbol model, weights; resources/models/decoder.npz + .json).

The learned context model: `folds.py` (`python -m model train-folds`: one network per
writer-disjoint fold, trained without it), `fold_evidence.py` (`python -m model
fold-evidence`: every training file read by the network that never saw it), then
`train_context.py` (`python -m model train-context`: the GRU over the candidates and the
search weights tuned beside it; resources/models/context_net.pt + .json).
"""
