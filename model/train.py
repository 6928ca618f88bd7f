"""`python -m model.train`: the command only; the code is model/training/train.py."""
if __name__ == "__main__":
    from .training.train import main
    raise SystemExit(main())
