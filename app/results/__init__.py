"""The results: the panel, the previews, corrections of a symbol, and the history."""
