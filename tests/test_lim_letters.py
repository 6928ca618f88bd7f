"""A lim read as letters over limits that hold an arrow is read once more as one symbol
(model/recognition/lim_letters.py)."""
from model.recognition.lim_letters import reread, runs_over
from model.recognition.result import LayoutNode, Recognition, Symbol


def _sym(label, strokes, box, p=1.0):
    return Symbol(label, p, box, list(strokes), [(label, p)])


def _leaf(label, k, **rels):
    return LayoutNode(label, symbol=k, rels=dict(rels))


# \lim_{x\to\infty} f(x) written with the mouse, its "li" read as a b and its m apart
# (strokes 0-1 and 2), the limits x -> inf (3, 4, 5) just under them, then f (6).
B = _sym("b", [0, 1], (339, 229, 386, 270))
M = _sym("m", [2], (391, 249, 435, 264))
X = _sym("x", [3], (343, 278, 379, 293))
ARROW = _sym("\\rightarrow", [4], (384, 281, 402, 290))
INF = _sym("\\infty", [5], (408, 279, 431, 292))
F = _sym("f", [6], (450, 206, 476, 280))
LETTERS = [B, M, X, ARROW, INF, F]
MISREAD = Recognition(LETTERS, "", "", tree=[_leaf("x", 2, sup=[_leaf("b", 0)]), _leaf("\\rightarrow", 3),
                                             _leaf("m", 1, sub=[_leaf("\\infty", 4)]), _leaf("f", 5)])


def _as_lim(group, p=0.97):
    lim = Symbol("\\lim", p, (339, 229, 435, 270), list(group), [("\\lim", p), ("\\sin", 0.03)])
    syms = [lim, X, ARROW, INF, F]
    tree = [_leaf("\\lim", 0, sub=[_leaf("x", 1), _leaf("\\rightarrow", 2), _leaf("\\infty", 3)]), _leaf("f", 4)]
    return Recognition(syms, "", "\\lim_{x\\rightarrow\\infty}f", tree=tree)


def test_runs_over_the_limits_are_letters_within_their_span():
    # b m lie over x -> inf; f beyond the limits' right end is no part of the lim.
    assert [[0, 1]] == runs_over([B, M, F], (343, 431))
    # An equals sign is never a lim's letter.
    eq = _sym("=", [2], (391, 249, 435, 264))
    assert runs_over([B, eq, F], (343, 431)) == []


def test_letters_over_an_arrow_read_as_one_symbol_become_the_lim():
    asked = []

    def read(constraints):
        asked.append(constraints)
        group = next(k for k, v in constraints.items() if v is None)
        return _as_lim(group) if group == (0, 1, 2) else MISREAD
    r = reread(read, MISREAD, None)
    assert r.latex == "\\lim_{x\\rightarrow\\infty}f"
    assert {(0, 1, 2): None} in asked
    # The user's own word on those strokes stays: nothing is re-read over it.
    asked.clear()
    assert reread(read, MISREAD, {(2,): "m"}) is MISREAD
    assert asked == []


def test_a_lim_the_layout_does_not_hang_the_arrow_from_is_not_taken():
    def read(constraints):
        group = next(k for k, v in constraints.items() if v is None)
        r = _as_lim(group)
        r.tree = [_leaf("\\lim", 0), _leaf("x", 1), _leaf("\\rightarrow", 2), _leaf("\\infty", 3), _leaf("f", 4)]
        return r
    assert reread(read, MISREAD, None) is MISREAD


def test_letters_written_after_the_arrow_are_the_limits_own():
    # The same ink written limits first: the b and m come after the arrow, and are not tried.
    late = [_sym(s.label, [k], s.box) for k, s in zip([4, 5, 0, 1, 2, 6], LETTERS)]
    r = Recognition(late, "", "", tree=MISREAD.tree)

    def read(constraints):
        raise AssertionError(f"read again: {constraints}")
    assert reread(read, r, None) is r
