"""MathInk's recognizer, laid out in the order the data flows:

    io/           files in and out: InkML ink, images, atomic writes
    recognition/  strokes or pixels -> symbols -> 2-D layout -> text and LaTeX
    training/     CROHME InkML -> training windows -> network -> the shipped model
    evaluation/   recognizer and ground truth -> the figures, tuning and benchmark

`cli.py` is `python main.py recognize`; the modules at this level named after a
command (`train`, `export`, `evaluate`, `bench`, `layout_eval`, `tune_detect`)
only start `python -m model.<command>`: the code lives in the sub-packages.
Nothing here imports Qt; `app/` and `main.py` are users of this package.
"""
