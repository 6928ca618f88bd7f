"""Rows and cells in the layout tree: several lines, matrices and cases.

A table is one `LayoutNode` of kind "table" whose label is its LaTeX environment; it holds
its rows under "rows", each row (kind "row") its cells under "cells", each cell (kind
"cell") its expression under "body". So every walk of the tree through `rels` (the app's
placements, `result.uncertain_placements`) reaches the symbols of every cell.

    aligned   lines joined with & before the first relation of each line
    gathered  lines joined, each centred on its own
    pmatrix, bmatrix, vmatrix   a grid inside ( ), [ ] or | |
    cases     rows after a left brace, & between value and condition
"""
from __future__ import annotations

from ..result import LayoutNode

LINES = ("aligned", "gathered")
MATRICES = {"pmatrix": ("(", ")"), "bmatrix": ("[", "]"), "vmatrix": ("|", "|")}
CASES = "cases"
ENVIRONMENTS = (*LINES, *MATRICES, CASES)
# The class names of the delimiters each environment draws (for the canonical form).
FENCES = {**MATRICES, CASES: ("\\{", None)}
RELATIONS = {"=", "\\neq", "\\leq", "\\geq", "\\lt", "\\gt", "\\in", "\\rightarrow"}


def table(env: str, rows: list[list[list[LayoutNode]]]) -> LayoutNode:
    """A table node: `rows` of cells, each cell a row of layout nodes."""
    if env not in ENVIRONMENTS:
        raise ValueError(f"no table environment {env!r}")
    return LayoutNode(env, "table", {"rows": [
        LayoutNode("", "row", {"cells": [LayoutNode("", "cell", {"body": list(c)}) for c in row]})
        for row in rows]})


def cells(node: LayoutNode) -> list[list[list[LayoutNode]]]:
    """A table node's rows of cells (each cell a row of layout nodes)."""
    return [[c.rels.get("body", []) for c in r.rels.get("cells", [])] for r in node.rels.get("rows", [])]


def is_table(node) -> bool:
    return getattr(node, "kind", "sym") == "table"


def symbols_under(row) -> list[int]:
    """The symbol indices of every node in a row, nested rows and cells included, in order."""
    out, pending = [], list(reversed(list(row)))
    while pending:
        n = pending.pop()
        if n.symbol is not None:
            out.append(n.symbol)
        for v in reversed(list(n.rels.values())):
            pending.extend(reversed(v))
    return sorted(out)
