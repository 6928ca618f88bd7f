import numpy as np
import pytest

from model.io.ink import InkError, Ink, SymbolGroup, Trace, parse_inkml, read_inkml, to_inkml, write_inkml

from .shared_data import dev_files, requires_dev

SMALL = """<ink xmlns="http://www.w3.org/2003/InkML">
<traceFormat><channel name="X" type="decimal"/><channel name="Y" type="decimal"/></traceFormat>
<annotation type="truth">$x^2$</annotation>
<annotation type="writer">w1</annotation>
<trace id="0">10 20, 11.5 21.25, 12 22</trace>
<trace id="1">30 5, 31 6</trace>
<trace id="2">32 5</trace>
<traceGroup xml:id="g"><annotation type="truth">Segmentation</annotation>
 <traceGroup><annotation type="truth">x</annotation><traceView traceDataRef="0"/><traceView traceDataRef="1"/></traceGroup>
 <traceGroup><annotation type="truth">2</annotation><traceView traceDataRef="2"/></traceGroup>
</traceGroup>
</ink>"""


def test_reads_traces_symbols_and_truth():
    ink = parse_inkml(SMALL, "small.inkml")
    assert [t.id for t in ink.traces] == ["0", "1", "2"]
    np.testing.assert_array_equal(ink.traces[0].points, [[10, 20], [11.5, 21.25], [12, 22]])
    assert [(s.label, s.trace_ids) for s in ink.symbols] == [("x", ["0", "1"]), ("2", ["2"])]
    assert ink.symbol_stroke_indices() == [("x", [0, 1]), ("2", [2])]
    assert ink.truth_latex == "$x^2$"
    assert ink.annotations["writer"] == "w1"


def test_round_trip_keeps_every_point(tmp_path):
    rng = np.random.default_rng(0)
    ink = Ink(traces=[Trace(str(i), rng.normal(size=(50, 3)) * 1000) for i in range(5)],
              symbols=[SymbolGroup("x", ["0", "1"]), SymbolGroup("\\sqrt", ["2", "3", "4"])],
              truth_latex="x<y & z", channels=["X", "Y", "T"])
    path = tmp_path / "out.inkml"
    write_inkml(ink, path)
    back = read_inkml(path)
    assert len(back.traces) == 5
    for a, b in zip(ink.traces, back.traces):
        np.testing.assert_array_equal(a.points, b.points)  # exact: floats written with repr
    assert [(s.label, s.trace_ids) for s in back.symbols] == [("x", ["0", "1"]), ("\\sqrt", ["2", "3", "4"])]
    assert back.truth_latex == "x<y & z"
    assert back.channels == ["X", "Y", "T"]


@requires_dev
def test_round_trip_of_real_file(tmp_path):
    src = read_inkml(dev_files(1)[0])
    path = tmp_path / "copy.inkml"
    write_inkml(src, path)
    back = read_inkml(path)
    assert len(back.traces) == len(src.traces)
    for a, b in zip(src.traces, back.traces):
        np.testing.assert_array_equal(a.points, b.points)
    assert back.symbol_stroke_indices() == src.symbol_stroke_indices()
    assert back.truth_mathml is not None


@pytest.mark.parametrize("text, problem", [
    ("<ink><trace>1 2, 3", "not well-formed"),
    ("<notink/>", "expected <ink>"),
    ('<ink xmlns="http://www.w3.org/2003/InkML"><trace id="0">1 2, x</trace></ink>', "fewer than two"),
    ('<ink xmlns="http://www.w3.org/2003/InkML"><trace id="0"></trace></ink>', "empty trace"),
    ('<ink xmlns="http://www.w3.org/2003/InkML"><trace id="0">1 2</trace><trace id="0">1 2</trace></ink>',
     "duplicate trace id"),
    ('<ink xmlns="http://www.w3.org/2003/InkML"><trace id="0">1 2</trace><traceGroup><annotation '
     'type="truth">x</annotation><traceView traceDataRef="9"/></traceGroup></ink>', "unknown trace"),
    ('<!DOCTYPE ink [<!ENTITY a "aaaa">]><ink>&a;</ink>', "unsafe XML"),
])
def test_malformed_inkml_names_file_and_problem(text, problem):
    with pytest.raises(InkError) as e:
        parse_inkml(text, "broken.inkml")
    assert "broken.inkml" in str(e.value) and problem in str(e.value)


def test_missing_file_is_an_ink_error(tmp_path):
    with pytest.raises(InkError, match="cannot read"):
        read_inkml(tmp_path / "nope.inkml")


def test_to_inkml_escapes_labels():
    ink = Ink(traces=[Trace("a", np.array([[0.0, 0.0]]))], symbols=[SymbolGroup("\\lt", ["a"])],
              truth_latex="a<b")
    assert parse_inkml(to_inkml(ink)).truth_latex == "a<b"
