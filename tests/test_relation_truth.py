"""Relation ground truth from hand-made InkML files (MathML + traceGroup links)."""
import pytest

from model.evaluation.layout_eval import truth_symbols
from model.recognition.notation.canonical import from_layout, from_mathml
from model.io.ink import parse_inkml
from model.training.relation_truth import TruthError, relations, truth_tree

from .shared_data import DEV, requires_dev


def inkml(mathml: str, symbols: list[tuple[str, str]]) -> str:
    """An ink with one short stroke per symbol; symbols are (label, xml id)."""
    traces = "".join(f'<trace id="t{i}">{i} 0, {i} 1</trace>' for i in range(len(symbols)))
    groups = "".join(
        f'<traceGroup><annotation type="truth">{label}</annotation>'
        f'<traceView traceDataRef="t{i}"/><annotationXML href="{xid}"/></traceGroup>'
        for i, (label, xid) in enumerate(symbols))
    return (f'<ink xmlns="http://www.w3.org/2003/InkML">'
            f'<annotationXML type="truth"><math xmlns="http://www.w3.org/1998/Math/MathML">'
            f'{mathml}</math></annotationXML>{traces}'
            f'<traceGroup><annotation type="truth">Segmentation</annotation>{groups}</traceGroup>'
            f'</ink>')


def test_scripts_and_baseline():
    # x^2 + y_i : the ink is written in another order than the MathML
    text = inkml('<mrow><msup><mi xml:id="x_1">x</mi><mn xml:id="2_1">2</mn></msup>'
                 '<mo xml:id="+_1">+</mo><msub><mi xml:id="y_1">y</mi>'
                 '<mi xml:id="i_1">i</mi></msub></mrow>',
                 [("x", "x_1"), ("+", "+_1"), ("2", "2_1"), ("y", "y_1"), ("i", "i_1")])
    ink = parse_inkml(text)
    tree = truth_tree(ink)
    assert sorted(relations(tree)) == sorted([(0, 1, "right"), (0, 2, "sup"), (1, 3, "right"),
                                              (3, 4, "sub")])
    assert from_layout(tree) == from_mathml(ink.truth_mathml)


def test_fraction_root_index_and_prime():
    # \frac{a}{b} \sqrt[3]{c} f'
    text = inkml('<mfrac xml:id="frac_1"><mi xml:id="a_1">a</mi><mi xml:id="b_1">b</mi></mfrac>'
                 '<mroot xml:id="root_1"><mi xml:id="c_1">c</mi><mn xml:id="3_1">3</mn></mroot>'
                 '<msup><mi xml:id="f_1">f</mi><mo xml:id="p_1">\'</mo></msup>',
                 [("a", "a_1"), ("-", "frac_1"), ("b", "b_1"), ("\\sqrt", "root_1"),
                  ("3", "3_1"), ("c", "c_1"), ("f", "f_1"), ("'", "p_1")])
    ink = parse_inkml(text)
    tree = truth_tree(ink)
    assert [n.kind for n in tree] == ["frac", "sqrt", "sym", "sym"]
    assert sorted(relations(tree)) == sorted([
        (1, 0, "above"), (1, 2, "below"), (1, 3, "right"), (3, 5, "inside"), (3, 4, "index"),
        (3, 6, "right"), (6, 7, "right")])  # a lone prime is inline, as structure.py has it
    assert from_layout(tree) == from_mathml(ink.truth_mathml)


def test_limits_of_a_sum_are_scripts():
    text = inkml('<munderover><mo xml:id="s_1">∑</mo><mi xml:id="i_1">i</mi>'
                 '<mi xml:id="n_1">n</mi></munderover><mi xml:id="a_1">a</mi>',
                 [("\\sum", "s_1"), ("i", "i_1"), ("n", "n_1"), ("a", "a_1")])
    tree = truth_tree(parse_inkml(text))
    assert sorted(relations(tree)) == [(0, 1, "sub"), (0, 2, "sup"), (0, 3, "right")]


def test_ink_and_mathml_that_do_not_line_up_are_refused():
    unlinked = inkml('<mi xml:id="x_1">x</mi>', [("x", "x_1"), ("y", "y_9")])
    with pytest.raises(TruthError, match="not in the MathML"):
        truth_tree(parse_inkml(unlinked))
    missing = inkml('<mi xml:id="x_1">x</mi><mi xml:id="z_1">z</mi>', [("x", "x_1")])
    with pytest.raises(TruthError, match="no ink"):
        truth_tree(parse_inkml(missing))


@requires_dev
def test_dev_trees_match_the_mathml():
    files = sorted(DEV.rglob("*.inkml"))[:150]
    same = 0
    for f in files:
        from model.io.ink import read_inkml
        ink = read_inkml(f)
        try:
            tree = truth_tree(ink)
        except TruthError:
            continue
        assert len(truth_symbols(ink)) == 1 + max(n for e in relations(tree) for n in e[:2]) \
            or len(truth_symbols(ink)) == 1
        same += from_layout(tree) == from_mathml(ink.truth_mathml)
    assert same >= 0.97 * len(files)
