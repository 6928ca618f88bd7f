"""Recognition: strokes (or an image) -> symbols -> 2-D structure -> text and LaTeX.

Takes: a list of strokes (point arrays, x and y first, any units) or a grayscale image,
the shipped TorchScript network (resources/models/symbol_fcn.pt + .json), the context
decoder fitted to it (resources/models/decoder.npz + .json) and the relation model
(resources/models/relations.npz + .json).
Gives: a `Recognition` (result.py): symbols with label, score, box, stroke ids
and top-5 alternatives; the heatmap; text and LaTeX.

Read first: `recognize.py` (`Recognizer`: the whole pipeline in one object).
Then each stage, in the order the data flows:

    raster.py         strokes -> the grayscale image the network sees (the one rasterizer)
    network.py        the fully-convolutional symbol network (45×45 window, stride 8)
    heatmap_cache.py  incremental heatmaps: only windows a new stroke touches are rerun
    detect.py         candidate stroke groups, scores, suppression (the first reading)
    decode.py         the context decoder: segmentation and labels re-read with neighbours,
                      geometry and a bigram, resources/models/decoder.npz + .json -> symbols
    context_net.py    the learned context model that re-reads every candidate for the decoder
                      (a bidirectional GRU over them), resources/models/context_net.pt + .json
    layout/           symbols -> 2-D structure (scripts, fractions, roots, limits):
                      units, hand-set rules, the learned relation and region models, the parser
    notation/         the tree written as LaTeX, text and MathML; MathML or LaTeX read back

Beside them: result.py (the plain-data results every stage shares: Symbol, LayoutNode,
Expression, Heatmap, Recognition; it imports nothing of the pipeline), classes.py (the 101
CROHME symbol classes plus background), mlp.py (the numpy MLP the layout's models run on),
label_parts.py (a user's relabelling split into symbols), threads.py (the thread policy).

Imports run downward only: nothing here imports training/ or evaluation/
(tests/test_imports.py).
"""
