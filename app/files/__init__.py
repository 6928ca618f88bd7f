"""Where the disk and the clipboard are touched: open, save, autosave, documents, exports, copy;
and Insert, the LaTeX typed into another window (insert.py, x11_focus.py)."""
