"""`python -m model.bench`: the command only; the code is model/evaluation/bench.py."""
if __name__ == "__main__":
    from .evaluation.bench import main
    raise SystemExit(main())
