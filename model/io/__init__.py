"""Input and output: files on disk <-> ink and pixels.

Takes: InkML files (untrusted: defusedxml, size limits), images (PNG, JPG),
and ink or bytes to save.
Gives: `Ink` (strokes with their symbol annotations and MathML truth), grayscale
uint8 pixel arrays, and files written atomically (old or new, never half).

Read first: `ink.py` (the `Ink` data the rest of the pipeline consumes), then
`image_io.py` and `atomic.py`.
"""
