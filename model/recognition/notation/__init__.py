"""Notation: the layout tree written out, and expressions read back into a comparable form.

    latex.py      LaTeX and plain text from the layout tree (result.LayoutNode)
    mathml.py     presentation MathML from the same tree (and from a user's LaTeX edit)
    canonical.py  the canonical structure (Node, Row) read from a layout tree, MathML or
                  LaTeX: what the scorer compares and what a LaTeX edit is read into

The writers stand on result.py alone; none of this imports the parser.
"""
