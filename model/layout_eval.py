"""`python -m model.layout_eval`: the command only; the code is model/evaluation/layout_eval.py."""
if __name__ == "__main__":
    from .evaluation.layout_eval import main
    main()
