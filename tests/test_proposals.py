"""Readings the parser does not propose (layout/proposals.py): the whole-reading model's best
tree, handed to the parser as forced choices."""
import itertools

import numpy as np

from model.recognition.layout import proposals
from model.recognition.layout.parse import _Flips, parse
from model.recognition.layout.tree_model import RELATIONS, edges
from model.recognition.result import Symbol


def _brute_force(score):
    """The best arborescence rooted at 0 by trying every parent array."""
    n = score.shape[0]
    best, arg = -np.inf, None
    for parents in itertools.product(range(n), repeat=n - 1):
        par = [-1, *parents]
        if any(p == v for v, p in enumerate(par)):
            continue
        ok = True
        for v in range(1, n):  # every node reaches the root
            seen, u = set(), v
            while u != 0 and u not in seen:
                seen.add(u)
                u = par[u]
            ok &= u == 0
        if ok:
            total = sum(score[par[v], v] for v in range(1, n))
            if total > best:
                best, arg = total, par
    return best, arg


def test_max_arborescence_is_the_best_tree_even_through_cycles():
    rng = np.random.default_rng(0)
    for n in (2, 3, 4, 5, 6):
        for _ in range(30):
            score = rng.normal(size=(n, n))
            # Make cycles likely: two nodes that prefer each other most.
            if n > 3:
                score[1, 2] = score[2, 1] = 5.0
            parent = proposals.max_arborescence(score)
            assert parent[0] == -1
            got = sum(score[parent[v], v] for v in range(1, n))
            best, _ = _brute_force(score)
            assert np.isclose(got, best)
            assert proposals._cycle(parent) is None


def _logp(n, links, root=0):
    """(N, N*7+1) log-probabilities that favour the given (parent, child, relation) links."""
    r = len(RELATIONS)
    logits = np.full((n, n * r + 1), -6.0)
    logits[root, n * r] = 3.0
    for p, c, rel in links:
        logits[c, p * r + RELATIONS.index(rel)] = 3.0
    return logits - np.log(np.exp(logits).sum(1, keepdims=True))


def test_best_edges_keep_one_root_and_the_best_relation():
    # x, 2 (sub of x), + right of x: both the 2 and the + also like being a root a little.
    lp = _logp(3, [(0, 1, "sub"), (0, 2, "right")])
    got = proposals.best_edges(lp)
    assert got == [(None, 0, "root"), (0, 1, "sub"), (0, 2, "right")]


def test_forced_choices_claim_whole_parts():
    labels = ["-", "a", "+", "b", "c", "=", "d"]  # (a+b)/c = d
    tree_edges = [(None, 0, "root"), (0, 1, "above"), (1, 2, "right"), (2, 3, "right"),
                  (0, 4, "below"), (0, 5, "right"), (5, 6, "right")]
    place, claims = proposals.forced_choices(tree_edges, labels)
    assert claims == {0: {1: "above", 2: "above", 3: "above", 4: "below"}}
    assert place[5] == ("right", 0) and place[6] == ("right", 5)


def _sym(label, box):
    return Symbol(label, 1.0, box, [])


def test_the_parser_reads_a_forced_subscript_and_claim():
    # g a b written level and alike: the parser reads them on one line; forced, g_{ab}.
    symbols = [_sym("g", (0, 0, 10, 14)), _sym("a", (12, 4, 20, 12)), _sym("b", (22, 1, 30, 12))]
    plain = parse(symbols)
    assert [n.label for n in plain] == ["g", "a", "b"]
    policy = _Flips((), {1: ("sub", 0), 2: ("right", 1)})
    forced = parse(symbols, policy=policy)
    assert [n.label for n in forced] == ["g"]
    assert [n.label for n in forced[0].rels["sub"]] == ["a", "b"]
    assert np.isfinite(policy.logp)
    # A bar made to claim nothing is a minus sign; made to claim both sides, a fraction.
    frac = [_sym("1", (10, 0, 16, 14)), _sym("-", (0, 20, 30, 22)), _sym("2", (10, 28, 18, 42))]
    assert parse(frac)[0].kind == "frac"
    minus = parse(frac, policy=_Flips((), None, None, {}))
    assert all(n.kind == "sym" for n in minus)
    assert (1, 0, "above") in edges(parse(frac, policy=_Flips((), None, None,
                                                               {1: {0: "above", 2: "below"}})))


def test_the_readings_hold_the_models_best_tree_as_the_parser_reads_it():
    from model.recognition.layout import formula_lm, tree_model
    from model.recognition.layout.parse import readings, spanning_reading
    model = tree_model.default_model()
    assert formula_lm.choice_settings(formula_lm.default_model(), model)["spanning_tree"] is True
    # g a b, the a and b a little lower and smaller: the model's own tree, read by the parser,
    # is among the readings (or is one the parser already proposed).
    symbols = [_sym("g", (0, 0, 10, 14)), _sym("a", (12, 8, 18, 14)), _sym("b", (19, 5, 25, 14))]
    own = readings(symbols, max_flips=8, min_share=0.02)
    with_tree = readings(symbols, max_flips=8, min_share=0.02, trees=model)
    place, claims = proposals.spanning_choices(symbols, model)
    best = parse(symbols, policy=_Flips((), place, None, claims))
    assert set(edges(best)) in [set(edges(t)) for t, _, _ in with_tree]
    assert len(with_tree) - len(own) == len(spanning_reading(symbols, model, own))
    assert proposals.spanning_choices(symbols[:1], model) is None  # one symbol: nothing to ask


def test_the_choice_is_tuned_with_and_without_the_models_tree():
    from model.recognition.layout import formula_lm, tree_model
    from model.recognition.notation.canonical import from_layout
    from model.training.train_layout_tree import choose
    symbols = [_sym("x", (0, 0, 10, 10)), _sym("2", (11, -8, 16, 0)), _sym("+", (20, 1, 28, 9)),
               _sym("1", (30, -4, 34, 10))]
    truth = from_layout(parse(symbols))
    choice, figures = choose([(symbols, truth)], formula_lm.default_model(),
                             tree_model.default_model(), [(2, 0.1)])
    assert choice["spanning_tree"] in (True, False) and figures["n"] == 1
    assert choice["next_best"] in (0, 3) and (choice["spanning_tree"] or not choice["next_best"])
    assert figures["best_without_spanning_tree"] <= figures["chosen"]


def _total(lp, tree):
    n = lp.shape[0]
    r = len(RELATIONS)
    return sum(lp[c, n * r] if p is None else lp[c, p * r + RELATIONS.index(rel)]
               for p, c, rel in tree)


def test_next_best_trees_differ_at_one_place_and_come_best_first():
    rng = np.random.default_rng(3)
    for n in (2, 3, 4, 5):
        for _ in range(20):
            logits = rng.normal(size=(n, n * len(RELATIONS) + 1)) * 2
            lp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
            best = proposals.best_edges(lp)
            alts = proposals.next_best_edges(lp, k=4, min_gap=50.0)
            scores = [_total(lp, t) for t in alts]
            assert scores == sorted(scores, reverse=True)
            seen = {tuple(best)}
            for t in alts:
                assert sum(a != b for a, b in zip(t, best)) >= 1 and tuple(t) not in seen
                seen.add(tuple(t))
                parents = {c: p for p, c, _ in t}
                assert sum(p is None for p in parents.values()) == 1  # one root, no cycle
                for c in parents:
                    v, hops = c, 0
                    while parents[v] is not None and hops <= n:
                        v, hops = parents[v], hops + 1
                    assert parents[v] is None
                assert _total(lp, t) <= _total(lp, best) + 1e-9
            # Nothing farther than the gap asked for.
            near = proposals.next_best_edges(lp, k=4, min_gap=0.5)
            assert all(_total(lp, best) - _total(lp, t) <= 0.5 + 1e-9 for t in near)


def test_a_close_subscript_is_the_first_next_best_tree():
    # x then 2, the model a little surer of x_2 than of x 2 on the line: the next-best is x 2.
    lp = _logp(2, [(0, 1, "sub")])
    r = len(RELATIONS)
    lp[1, 0 * r + RELATIONS.index("right")] = lp[1, 0 * r + RELATIONS.index("sub")] - 0.3
    assert proposals.best_edges(lp)[1] == (0, 1, "sub")
    assert proposals.next_best_edges(lp, k=1)[0] == [(None, 0, "root"), (0, 1, "right")]
    assert proposals.next_best_edges(lp, k=0) == []


def test_the_readings_hold_next_best_trees_as_two_changed_choices():
    from model.recognition.layout import tree_model
    from model.recognition.layout.parse import readings
    model = tree_model.default_model()
    symbols = [_sym("g", (0, 0, 10, 14)), _sym("a", (12, 8, 18, 14)), _sym("b", (19, 5, 25, 14))]
    base = readings(symbols, max_flips=8, min_share=0.02, trees=model)
    more = readings(symbols, max_flips=8, min_share=0.02, trees=model, next_best=3, next_gap=50.0)
    assert [set(edges(t)) for t, _, _ in more[:len(base)]] == [set(edges(t)) for t, _, _ in base]
    extra = more[len(base):]
    assert extra and all(n == 2 for _, _, n in extra)
    links = [frozenset(edges(t)) for t, _, _ in extra]
    # None read twice, and none the parser (or the model's best tree) had already read.
    assert len(links) == len(set(links))
    assert not set(links) & {frozenset(edges(t)) for t, _, _ in base}
