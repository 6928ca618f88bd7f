"""`python -m model.export`: the command only; the code is model/training/export.py."""
if __name__ == "__main__":
    from .training.export import main
    raise SystemExit(main())
