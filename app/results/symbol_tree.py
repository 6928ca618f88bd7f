"""Where a recognized symbol stands: its key that follows the ink, its node in the layout
tree and the row it is on (for the menus' and the overlays' words)."""
from __future__ import annotations


def symbol_key(symbol) -> tuple:
    # Corrections follow the ink (stroke indices), not list positions, which relayout may reorder.
    return (tuple(symbol.strokes), tuple(round(float(v), 1) for v in symbol.box))


def label_of(rec, index) -> str | None:
    return rec.symbols[index].label if index is not None and 0 <= index < len(rec.symbols) else None


def find(tree, index: int):
    """The layout node of symbol `index` and the row it is on as (owner label, relation),
    None on the main line; (None, None) when no node stands for it."""
    pending = [(list(tree), None)]
    while pending:
        row, line = pending.pop()
        for n in row:
            if n.symbol == index:
                return n, line
            for rel, sub in n.rels.items():
                pending.append((list(sub), (n.label, rel)))
    return None, None


def line_of(tree, index) -> tuple[str, str] | None:
    return find(tree, index)[1]
