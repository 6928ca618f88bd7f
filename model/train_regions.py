"""`python -m model.train_regions`: the command only; the code is model/training/train_regions.py."""
if __name__ == "__main__":
    from .training.train_regions import main
    raise SystemExit(main())
