"""Where the disk and the clipboard are touched: open, save, autosave, documents, exports, copy."""
