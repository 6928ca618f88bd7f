"""Evaluation: the recognizer against CROHME ground truth -> the figures.

Takes: CROHME InkML with its symbol annotations and MathML truth, and a model.
Gives: isolated-symbol top-1/top-5, symbol detection F1 and expression rates
(evaluate.py), the layout measured alone on true symbols (layout_eval.py),
detection's two constants chosen on a grid (tune_detect.py), and latency
(bench.py).

Read first: `evaluate.py` (`python -m model evaluate`), then `structure.py` (over `recognition/notation/canonical.py`): how
two expression structures are compared, the convention every figure depends on.
"""
