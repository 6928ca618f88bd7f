"""`python -m model.train_decoder`: the command only; the code is model/training/train_decoder.py."""
if __name__ == "__main__":
    from .training.train_decoder import main
    raise SystemExit(main())
