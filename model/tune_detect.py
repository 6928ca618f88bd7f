"""`python -m model.tune_detect`: the command only; the code is model/evaluation/tune_detect.py."""
if __name__ == "__main__":
    from .evaluation.tune_detect import main
    raise SystemExit(main())
