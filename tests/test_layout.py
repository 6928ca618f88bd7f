"""The layout stage: hand-placed symbols (y grows downward, x-height about 10)."""
import random
import time

import pytest

from model.evaluation.structure import is_linear, same_structure
from model.recognition.notation.canonical import from_layout, from_mathml
from model.recognition.layout import assemble
from model.recognition.result import Expression
from model.recognition.result import Symbol

from .shared_data import CROHME, DEV, requires_dev


def sym(label, x1, y1, x2, y2):
    return Symbol(label, 1.0, (x1, y1, x2, y2))


def structure(symbols):
    return from_layout(assemble(symbols).tree)


X_SQUARED = [sym("x", 0, 10, 10, 20), sym("2", 12, 2, 18, 10)]
A_SUB_I = [sym("a", 0, 10, 10, 20), sym("i", 11, 16, 14, 26)]
X_SUB_SUP = [sym("x", 0, 10, 10, 20), sym("i", 11, 17, 14, 27), sym("2", 11, 3, 17, 11)]
FRACTION = [sym("a", 0, 0, 10, 10), sym("+", 12, 1, 20, 9), sym("b", 22, -4, 30, 10),
            sym("-", 0, 14, 30, 15), sym("c", 10, 19, 20, 29)]
SQRT = [sym("\\sqrt", 0, 0, 42, 22), sym("x", 12, 8, 22, 18), sym("+", 24, 9, 32, 17),
        sym("1", 34, 4, 38, 18)]
SUM = [sym("\\sum", 0, 0, 20, 24), sym("i", 1, 27, 4, 37), sym("=", 6, 30, 12, 34),
       sym("1", 14, 27, 17, 37), sym("n", 6, -12, 14, -4)]
LIM = [sym("\\lim", 0, 0, 30, 14), sym("x", 0, 18, 8, 26), sym("\\rightarrow", 10, 19, 20, 25),
       sym("0", 22, 16, 29, 27)]
LINEAR = [sym("2", 0, 6, 7, 20), sym("x", 9, 10, 19, 20), sym("+", 21, 11, 29, 19),
          sym("1", 31, 6, 34, 20), sym("=", 37, 13, 45, 17), sym("0", 48, 6, 56, 20)]


@pytest.mark.parametrize("symbols, latex, text, mathml", [
    (X_SQUARED, "x^{2}", "x^2", "<math><msup><mi>x</mi><mn>2</mn></msup></math>"),
    (A_SUB_I, "a_{i}", "a_i", "<math><msub><mi>a</mi><mi>i</mi></msub></math>"),
    (X_SUB_SUP, "x_{i}^{2}", "x_i^2",
     "<math><msubsup><mi>x</mi><mi>i</mi><mn>2</mn></msubsup></math>"),
    (FRACTION, "\\frac{a+b}{c}", "(a+b)/c",
     "<math><mfrac><mrow><mi>a</mi><mo>+</mo><mi>b</mi></mrow><mi>c</mi></mfrac></math>"),
    (SQRT, "\\sqrt{x+1}", "sqrt(x+1)",
     "<math><msqrt><mi>x</mi><mo>+</mo><mn>1</mn></msqrt></math>"),
    (SUM, "\\sum_{i=1}^{n}", "∑_(i=1)^n",
     "<math><munderover><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow>"
     "<mi>n</mi></munderover></math>"),
    (LIM, "\\lim_{x\\rightarrow0}", "lim_(x→0)",
     "<math><munder><mo>lim</mo><mrow><mi>x</mi><mo>→</mo><mn>0</mn></mrow></munder></math>"),
    (LINEAR, "2x+1=0", "2x+1=0",
     "<math><mrow><mn>2</mn><mi>x</mi><mo>+</mo><mn>1</mn><mo>=</mo><mn>0</mn></mrow></math>"),
])
def test_hand_built_expressions(symbols, latex, text, mathml):
    expr = assemble(symbols)
    assert expr.latex == latex
    assert expr.text == text
    assert same_structure(from_layout(expr.tree), from_mathml(mathml))


def test_input_order_does_not_matter():
    for symbols in (X_SUB_SUP, FRACTION, SQRT, SUM, LIM):
        shuffled = list(reversed(symbols))
        assert structure(shuffled) == structure(symbols)


def test_tree_points_back_to_the_input_symbols():
    tree = assemble(FRACTION).tree
    assert len(tree) == 1 and tree[0].kind == "frac" and tree[0].symbol == 3
    assert [n.symbol for n in tree[0].rels["num"]] == [0, 1, 2]
    assert [n.symbol for n in tree[0].rels["den"]] == [4]


def test_minus_without_anything_above_and_below_is_a_minus():
    symbols = [sym("a", 0, 10, 10, 20), sym("-", 12, 15, 20, 16), sym("b", 22, 6, 30, 20)]
    assert assemble(symbols).latex == "a-b"
    assert is_linear(structure(symbols))


def test_back_to_the_baseline_after_a_script():
    # x^2 + 1: the + is level with x, not a continuation of the exponent.
    symbols = X_SQUARED + [sym("+", 21, 11, 29, 19), sym("1", 31, 6, 34, 20)]
    assert assemble(symbols).latex == "x^{2}+1"


def test_function_names_keep_their_backslash_and_relations_map():
    symbols = [sym("\\sin", 0, 6, 20, 20), sym("x", 22, 10, 32, 20), sym("\\lt", 34, 11, 42, 19),
               sym("1", 44, 6, 47, 20)]
    expr = assemble(symbols)
    assert expr.latex == "\\sin x<1"
    assert expr.text == "sin x<1"


def test_limits_of_a_sum_compare_equal_to_mathml_scripts():
    pred = structure(SUM)
    assert pred == from_mathml("<math><msubsup><mo>sum</mo><mrow><mi>i</mi><mo>=</mo>"
                               "<mn>1</mn></mrow><mi>n</mi></msubsup></math>")


@pytest.mark.parametrize("symbols", [
    [],
    [sym("x", 0, 0, 10, 10)] * 5,                       # identical boxes
    [sym("-", 5, 5, 5, 5), sym(".", 5, 5, 5, 5)],       # zero-size boxes
    [sym("\\sqrt", 0, 0, 0, 0), sym("\\sum", 0, 0, 0, 0), sym("-", 0, 0, 0, 0)],
    [sym("x", float("nan"), 0, float("inf"), 10), sym("y", 10, 20, 0, 0)],  # odd numbers
    [Symbol("", 0.0, (0, 0, 1, 1))],
])
def test_odd_input_never_raises(symbols):
    expr = assemble(symbols)
    assert isinstance(expr, Expression)
    assert isinstance(expr.text, str) and isinstance(expr.latex, str)
    assert (expr.tree == []) == (not symbols)


def _count(tree):
    return sum(1 + sum(_count(r) for r in n.rels.values()) for n in tree)


def test_every_symbol_appears_exactly_once():
    rng = random.Random(3)
    labels = ["x", "2", "-", "\\sqrt", "\\sum", "\\lim", "(", ")", "y", "g", "=", "."]
    for n in (1, 7, 40, 400):
        symbols = [sym(rng.choice(labels), *(lambda x, y: (x, y, x + rng.uniform(0, 30),
                                                           y + rng.uniform(0, 30)))(
            rng.uniform(0, 200), rng.uniform(0, 100))) for _ in range(n)]
        tree = assemble(symbols).tree
        assert _count(tree) == n
        seen = []

        def walk(row):
            for node in row:
                seen.append(node.symbol)
                for r in node.rels.values():
                    walk(r)
        walk(tree)
        assert sorted(seen) == list(range(n))


def test_a_typical_expression_and_thousands_of_symbols_are_laid_out():
    rng = random.Random(5)
    thirty = [sym(rng.choice(["x", "2", "-", "+", "\\sqrt"]), x, y, x + 8, y + 10)
              for x, y in ((rng.uniform(0, 300), rng.uniform(0, 40)) for _ in range(30))]
    assert assemble(thirty).latex   # its speed is the bench's `layout` stage, not a timed test
    # A complexity guard, not a timing: quadratic work over 3,000 symbols takes minutes.
    many = [sym("x", i * 12.0, 0, i * 12.0 + 10, 10) for i in range(3000)]
    start = time.process_time()
    expr = assemble(many)
    assert time.process_time() - start < 2.0
    assert expr.latex == "x" * 3000


def test_relation_level_with_a_subscript_ends_it():
    # a_0 = x written with the = as low as the 0: the = still returns to the a's line.
    symbols = [sym("a", 0, 0, 10, 10), sym("0", 12, 6, 19, 16), sym("=", 30, 8, 46, 16),
               sym("x", 50, 1, 62, 12)]
    assert assemble(symbols).latex == "a_{0}=x"


def test_half_size_symbol_barely_lowered_is_a_subscript():
    # q_2 with the 2 half the size of a digit and its foot level with q's baseline.
    symbols = [sym("q", 0, 0, 10, 14), sym("2", 12, 3, 19, 10)]
    assert assemble(symbols).latex == "q_{2}"
    # The same 2 at full size is the next symbol of the row: so the hand-set rules read
    # it; the relation model reads q_{2} (p 0.66: after q a digit is mostly an index
    # in CROHME), one of its known misses (docs/models/region-model.md, "Left, and why the bars are missed").
    assert assemble([sym("q", 0, 0, 10, 14), sym("2", 12, -4, 20, 10)], None).latex == "q2"


def test_digits_of_a_number_do_not_become_scripts():
    # 720 with a drifting, smaller 2 and 0.
    symbols = [sym("7", 0, 0, 10, 16), sym("2", 12, 4, 19, 15), sym("0", 21, 5, 28, 16)]
    assert assemble(symbols).latex == "720"


def test_full_size_bracket_after_a_letter_opens_no_script():
    # g(z) with the bracket starting high, as handwriting does.
    symbols = [sym("g", 0, 4, 10, 18), sym("(", 12, -6, 17, 15), sym("z", 19, 4, 28, 12),
               sym(")", 30, -5, 35, 16)]
    assert assemble(symbols).latex == "g(z)"


def test_mislabelled_and_degenerate_scripts_keep_every_symbol():
    # Labels a recogniser might produce in odd places: operators, brackets and
    # dots as bases and scripts, zero-width boxes; nothing is lost or duplicated.
    rng = random.Random(11)
    labels = ["-", "=", "(", ")", ".", "\\sqrt", "\\lim", "x", "2", "\\prime", "\\rightarrow"]
    for _ in range(200):
        symbols = [sym(rng.choice(labels), x, y, x + rng.choice([0, 2, 8, 30]),
                       y + rng.choice([0, 1, 10, 25]))
                   for x, y in ((rng.uniform(0, 100), rng.uniform(0, 40))
                                for _ in range(rng.randint(1, 12)))]
        assert _count(assemble(symbols).tree) == len(symbols)


@requires_dev
def test_oracle_layout_on_dev_does_not_regress():
    from model.evaluation.layout_eval import oracle_layout_eval
    result = oracle_layout_eval(DEV / "CROHME2014_test")
    assert result["n"] >= 980
    # Measured 0.7838 / 0.934 (thresholds tuned on a train/ subset, not on dev);
    # a drop below these is a regression.
    assert result["exprate"] >= 0.77
    assert result["linear_exprate"] >= 0.92
    assert result["exprate_le1"] >= result["exprate"]
    assert result["exprate_le2"] >= result["exprate_le1"]


@requires_dev
def test_layout_eval_reads_the_held_out_writers_of_train():
    from model.evaluation.layout_eval import oracle_layout_eval
    from model.io.splits import held_out_train_files
    files = held_out_train_files(CROHME, 12)
    assert len(files) == 12 and all("train" in f.parts for f in files)
    result = oracle_layout_eval(CROHME, limit=12, held_out=True)
    assert result["n"] + result["skipped"] == 12
    assert result["exprate"] >= 0.5


def test_eval_file_selection_is_reproducible(tmp_path):
    from model.io.crohme import inkml_files
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        for i in range(5):
            (tmp_path / d / f"{i}.inkml").write_text("")
    both = inkml_files([tmp_path / "a", tmp_path / "b"])
    assert len(both) == 10 and both == sorted(both)
    assert inkml_files(tmp_path / "a", limit=2) == both[:2]
    sample = inkml_files([tmp_path / "a", tmp_path / "b"], sample=4, seed=1)
    assert len(sample) == 4 and set(sample) <= set(both)
    assert sample == inkml_files([tmp_path / "a", tmp_path / "b"], sample=4, seed=1)


def test_an_equals_sign_level_with_a_fraction_bar_is_not_its_numerator():
    """\\frac{a}{b} = c, the '=' written just past the bar's end and a little high."""
    numerator = [sym(c, 12 * i, 0, 12 * i + 10, 10) for i, c in enumerate("acemnors")]
    symbols = numerator + [sym("-", 0, 14, 96, 15), sym("b", 40, 19, 50, 29),
                           sym("=", 98, 9, 106, 16), sym("c", 110, 10, 120, 20)]
    assert assemble(symbols).latex == "\\frac{acemnors}{b}=c"


def test_a_denominator_written_past_a_short_bar_stays_whole():
    """\\frac{1}{x+2}: the bar was drawn over "x+" only; the 2 still belongs below it."""
    symbols = [sym("1", 8, 0, 12, 12), sym("-", 0, 15, 20, 16), sym("x", 0, 20, 10, 30),
               sym("+", 11, 21, 19, 29), sym("2", 21, 18, 28, 30)]
    assert assemble(symbols).latex == "\\frac{1}{x+2}"


def test_a_superscripts_own_subscript_after_the_bases_subscript():
    """p_1^{e_1} with the e written over the p's 1 and read before it: the e's line stays open
    beside the p's subscript, so the last 1 can still be the e's."""
    symbols = [sym("p", 0, 6, 10, 22), sym("e", 11, -2, 17, 4), sym("1", 13, 14, 15, 22),
               sym("1", 18, 2, 20, 7)]
    assert assemble(symbols).latex == "p_{1}^{e_{1}}"
    # Once the line moves on, nothing goes back to the p's scripts.
    more = symbols + [sym("+", 24, 8, 32, 16), sym("q", 34, 6, 44, 22), sym("2", 46, 0, 50, 6)]
    assert assemble(more).latex == "p_{1}^{e_{1}}+q^{2}"
    assert assemble([sym("p", 0, 6, 10, 22), sym("2", 11, -2, 17, 5), sym("1", 13, 14, 16, 22),
                     sym("x", 20, 6, 30, 16)]).latex == "p_{1}^{2}x"


@requires_dev
def test_prime_factors_with_indexed_exponents_read_from_their_truth_symbols():
    # 18_em_22: p_1^{\gamma_1}p_2^{\gamma_2}\cdots p_n^{\gamma_n}, each γ read before the p's index.
    from model.evaluation.layout_eval import truth_symbols
    from model.io.ink import read_inkml
    ink = read_inkml(DEV / "CROHME2014_test" / "18_em_22.inkml")
    got = structure(truth_symbols(ink))
    assert same_structure(got, from_mathml(ink.truth_mathml))


def test_a_script_ended_past_the_next_symbol_is_still_the_scripts():
    """(az^{-1}) with the exponent's 1 written right of the closing bracket's middle, and
    x^{n-2}+y with the 2 right of the +'s: the line the last symbol closed stays open for the
    next one."""
    bracket = [sym("(", -14, -2, -10, 24), sym("a", -8, 10, 0, 20), sym("z", 1, 10, 10, 20),
               sym("-", 11, 4, 16, 5)]
    assert assemble(bracket + [sym(")", 15, -2, 19, 24), sym("1", 18, 0, 20, 8)]).latex \
        == "(az^{-1})"
    assert assemble(bracket + [sym("1", 17, 0, 19, 8), sym(")", 21, -2, 25, 24),
                               sym("2", 26, -6, 30, 2)]).latex == "(az^{-1})^{2}"
    assert assemble([sym("x", 0, 10, 10, 20), sym("n", 11, 2, 16, 7), sym("-", 17, 4, 21, 5),
                     sym("+", 20, 11, 28, 19), sym("2", 22, 0, 27, 7),
                     sym("y", 31, 10, 40, 24)]).latex == "x^{n-2}+y"
