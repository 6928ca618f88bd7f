"""The main window, which makes the parts and connects their signals; its tools, settings and keys."""
