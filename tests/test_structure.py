"""The canonical structure: MathML normalisation, tokens and error counts."""
from collections import Counter

import pytest

from model.evaluation.structure import is_linear, same_structure, symbol_errors, symbol_tokens, tokens
from model.io.crohme import normalize_label
from model.io.ink import read_inkml
from model.recognition.notation.canonical import Node, from_layout, from_mathml
from model.recognition.result import LayoutNode

from .shared_data import DEV, requires_dev

NS = 'xmlns:ns0="http://www.w3.org/1998/Math/MathML"'


def m(body: str) -> tuple:
    return from_mathml(f"<math>{body}</math>")


def test_nested_mrows_flatten():
    nested = m("<mrow><mi>a</mi><mrow><mo>+</mo><mrow><mi>b</mi></mrow></mrow></mrow>")
    assert nested == m("<mi>a</mi><mo>+</mo><mi>b</mi>")
    assert tokens(nested) == ["a", "+", "b"]


def test_namespaced_mathml_as_in_the_crohme_files():
    text = (f'<ns0:math {NS}><ns0:mrow><ns0:msup><ns0:mi xml:id="x_1">x</ns0:mi>'
            '<ns0:mn xml:id="2_1">2</ns0:mn></ns0:msup></ns0:mrow></ns0:math>')
    assert tokens(from_mathml(text)) == ["x", "^{", "2", "}"]


def test_multi_digit_numbers_split_into_digits():
    assert tokens(m("<mn>12</mn>")) == ["1", "2"]
    assert tokens(m("<mn>3.5</mn>")) == ["3", ".", "5"]
    assert m("<mn>12</mn>") == m("<mn>1</mn><mn>2</mn>")


def test_function_names_are_one_token():
    for name in ("sin", "cos", "tan", "log", "lim"):
        assert tokens(m(f"<mi>{name}</mi><mi>x</mi>")) == ["\\" + name, "x"]
    assert m("<mi>sin</mi>") == m("<mi>\\sin</mi>")
    assert tokens(m("<mi>ab</mi>")) == ["a", "b"]  # not a known name: two letters


@pytest.mark.parametrize("written, label", [
    ("×", "\\times"), ("−", "-"), ("≤", "\\leq"), ("→", "\\rightarrow"), ("…", "\\ldots"),
    ("′", "\\prime"), ("&lt;", "\\lt"), ("&gt;", "\\gt"), ("∑", "\\sum"), ("∫", "\\int"),
    ("π", "\\pi"), ("α", "\\alpha"), ("∞", "\\infty"), ("±", "\\pm"), ("÷", "\\div"),
    ("≠", "\\neq"), ("≥", "\\geq"), ("∈", "\\in"), ("∀", "\\forall"), ("∃", "\\exists"),
    ("Δ", "\\Delta"), ("hellip", "\\ldots"), ("rarr", "\\rightarrow"), ("infin", "\\infty"),
    ("times", "\\times"), ("ge", "\\geq"), ("exist", "\\exists"), ("{", "\\{"),
])
def test_operator_spellings_map_to_class_names(written, label):
    assert tokens(m(f"<mo>{written}</mo>")) == [label]


def test_undeclared_entities_are_read_as_names():
    assert tokens(from_mathml("<math><mi>&alpha;</mi><mo>&lt;</mo><mn>1</mn></math>")) == [
        "\\alpha", "\\lt", "1"]


def test_fraction_root_and_scripts():
    frac = m("<mfrac><mrow><mi>a</mi><mo>+</mo><mi>b</mi></mrow><mi>c</mi></mfrac>")
    assert tokens(frac) == ["\\frac{", "a", "+", "b", "}{", "c", "}"]
    assert tokens(m("<msqrt><mi>x</mi></msqrt>")) == ["\\sqrt{", "x", "}"]
    assert tokens(m("<mroot><mi>b</mi><mi>x</mi></mroot>")) == ["\\sqrt[", "x", "]{", "b", "}"]
    assert tokens(m("<msubsup><mi>x</mi><mi>i</mi><mn>2</mn></msubsup>")) == [
        "x", "_{", "i", "}", "^{", "2", "}"]


def test_scripts_attach_to_the_last_symbol_of_a_grouped_base():
    grouped = m("<msup><mrow><mo>(</mo><mi>a</mi><mo>)</mo></mrow><mn>2</mn></msup>")
    flat = m("<mo>(</mo><mi>a</mi><msup><mo>)</mo><mn>2</mn></msup>")
    assert grouped == flat


def test_limits_under_sum_and_lim_equal_scripts():
    under = m("<munderover><mo>∑</mo><mi>i</mi><mi>n</mi></munderover>")
    scripts = m("<msubsup><mo>\\sum</mo><mi>i</mi><mi>n</mi></msubsup>")
    assert under == scripts
    assert m("<munder><mo>lim</mo><mi>x</mi></munder>") == m("<msub><mi>lim</mi><mi>x</mi></msub>")
    # Elsewhere over/under is its own relation.
    assert m("<mover><mi>x</mi><mo>-</mo></mover>") != m("<msup><mi>x</mi><mo>-</mo></msup>")


def test_a_lone_prime_superscript_is_inline():
    assert m("<msup><mi>f</mi><mo>prime</mo></msup>") == m("<mi>f</mi><mo>′</mo>")


def test_symbol_tokens_count_bars_and_radicals():
    expr = m("<mfrac><msqrt><mi>x</mi></msqrt><msup><mi>y</mi><mn>2</mn></msup></mfrac>")
    assert symbol_tokens(expr) == ["\\frac{", "\\sqrt{", "x", "y", "2"]


def test_symbol_errors():
    x2 = m("<msup><mi>x</mi><mn>2</mn></msup><mo>+</mo><mn>1</mn>")
    assert symbol_errors(x2, x2) == 0
    assert symbol_errors(m("<msup><mi>x</mi><mn>3</mn></msup><mo>+</mo><mn>1</mn>"), x2) == 1
    assert symbol_errors(m("<msup><mi>x</mi><mn>2</mn></msup><mo>+</mo>"), x2) == 1
    # A script read on the baseline: its two brackets are missing.
    assert symbol_errors(m("<mi>x</mi><mn>2</mn><mo>+</mo><mn>1</mn>"), x2) == 2
    assert symbol_errors((), x2) == len(tokens(x2))
    grouped = m("<mrow><msup><mi>x</mi><mn>2</mn></msup></mrow><mo>+</mo><mn>1</mn>")
    assert same_structure(x2, grouped)
    assert not same_structure(m("<mi>x</mi><mn>2</mn><mo>+</mo><mn>1</mn>"), x2)


def test_mfrdb_lim_spelled_im_is_repaired():
    broken = m('<munder><mo xml:id="\\lim_1">im</mo><mi>x</mi></munder>')
    assert broken == m("<munder><mo>lim</mo><mi>x</mi></munder>")
    assert tokens(broken) == ["\\lim", "_{", "x", "}"]
    # Without that id, "im" stays two letters.
    assert tokens(m("<mi>im</mi>")) == ["i", "m"]


def test_is_linear():
    assert is_linear(m("<mn>2</mn><mi>x</mi><mo>+</mo><mn>1</mn>"))
    for body in ("<msup><mi>x</mi><mn>2</mn></msup>", "<msub><mi>a</mi><mi>i</mi></msub>",
                 "<mfrac><mn>1</mn><mn>2</mn></mfrac>", "<msqrt><mn>2</mn></msqrt>",
                 "<munder><mo>lim</mo><mi>x</mi></munder>", "<mover><mi>x</mi><mo>-</mo></mover>"):
        assert not is_linear(m("<mi>a</mi>" + body)), body


def test_unusable_mathml_gives_an_empty_structure():
    assert from_mathml("") == ()
    assert from_mathml("<math><mi>x</mi>") == ()
    assert from_mathml('<!DOCTYPE x [<!ENTITY a "b">]><math/>') == ()


def test_from_layout_matches_mathml():
    tree = [LayoutNode("\\lim", rels={"below": [LayoutNode("x"), LayoutNode("\\rightarrow"),
                                                 LayoutNode("0")]}),
            LayoutNode("-", "frac", {"num": [LayoutNode("1")], "den": [LayoutNode("x")]}),
            LayoutNode("f", rels={"sup": [LayoutNode("\\prime")]}),
            LayoutNode("<")]
    truth = m("<munder><mi>lim</mi><mrow><mi>x</mi><mo>rarr</mo><mn>0</mn></mrow></munder>"
              "<mfrac><mn>1</mn><mi>x</mi></mfrac><mi>f</mi><mo>′</mo><mo>&lt;</mo>")
    assert from_layout(tree) == truth
    assert isinstance(from_layout(tree)[0], Node)


@requires_dev
def test_mathml_symbols_match_the_segmentation_on_dev():
    files = sorted((DEV / "CROHME2014_test").glob("*.inkml"))
    mismatches = 0
    for f in files:
        ink = read_inkml(f)
        if not ink.truth_mathml:
            continue
        bar = {"\\frac{": "-", "\\sqrt{": "\\sqrt", "\\sqrt[": "\\sqrt"}
        from_math = Counter(bar.get(t, t) for t in symbol_tokens(from_mathml(ink.truth_mathml)))
        segmented = Counter(normalize_label(label) for label, _ in ink.symbol_stroke_indices())
        mismatches += from_math != segmented
    # 6 when written, each a stray or mislabelled stroke in the file itself.
    assert len(files) >= 980 and mismatches <= 8
