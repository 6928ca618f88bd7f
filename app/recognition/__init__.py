"""The window's side of recognition: the worker thread, the trace, the personal model's wiring."""
