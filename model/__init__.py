"""MathInk's recognizer, laid out in the order the data flows:

    io/           files in and out: InkML ink, images, atomic writes
    recognition/  strokes or pixels -> symbols -> 2-D layout -> text and LaTeX
    training/     CROHME InkML -> training windows -> network -> the shipped model
    evaluation/   recognizer and ground truth -> the figures, tuning and benchmark

`python -m model COMMAND` runs the developer commands (`__main__.py` lists them; the
code lives in the sub-packages); `cli.py` is `python main.py recognize`.
Imports run one way, io <- recognition <- training and evaluation (training may use the
scorer, evaluation never uses training), with no loops: tests/test_imports.py.
Nothing here imports Qt; `app/` and `main.py` are users of this package.
"""
