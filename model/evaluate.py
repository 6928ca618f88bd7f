"""`python -m model.evaluate`: the command only; the code is model/evaluation/evaluate.py."""
if __name__ == "__main__":
    from .evaluation.evaluate import main
    raise SystemExit(main())
