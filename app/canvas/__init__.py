"""The canvas: the ink, pointer and tablet input, label tags, overlays, gestures and undo commands."""
