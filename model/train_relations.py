"""`python -m model.train_relations`: the command only; the code is model/training/train_relations.py."""
if __name__ == "__main__":
    from .training.train_relations import main
    raise SystemExit(main())
