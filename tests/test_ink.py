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
    ('<!DOCTYPE ink [<!ENTITY a "aaaa">]><ink>&a;</ink>', "unsafe XML"),
])
def test_malformed_inkml_names_file_and_problem(text, problem):
    with pytest.raises(InkError) as e:
        parse_inkml(text, "broken.inkml")
    assert "broken.inkml" in str(e.value) and problem in str(e.value)


_GOOD_INK = '<trace id="0">1 2, 3 4</trace><trace id="1">5 6, 7 8</trace>'
_GOOD_GROUP = '<traceGroup><annotation type="truth">y</annotation><traceView traceDataRef="1"/></traceGroup>'


@pytest.mark.parametrize("annotations, problem", [
    ('<traceGroup><annotation type="truth">x</annotation><traceView traceDataRef="9"/></traceGroup>',
     "symbol 'x' refers to unknown trace '9'"),
    ('<traceGroup><traceView traceDataRef="0"/></traceGroup>', "has no truth label"),
    ('<traceGroup><annotation type="truth">x</annotation><traceView/></traceGroup>',
     "traceView without traceDataRef"),
    ('<annotationXML type="truth"><mrow/></annotationXML>', "holds no <math>"),
    ('<annotationXML type="truth"><math xmlns="http://www.w3.org/1998/Math/MathML"/></annotationXML>',
     "truth MathML is empty"),
])
def test_broken_annotations_keep_the_ink_and_say_what_was_wrong(annotations, problem):
    ink = parse_inkml(f'<ink xmlns="http://www.w3.org/2003/InkML">{_GOOD_INK}'
                      f'{annotations}<traceGroup>{_GOOD_GROUP}</traceGroup></ink>', "notes.inkml")
    assert len(ink.strokes()) == 2                      # all of the ink is there
    assert [(s.label, s.trace_ids) for s in ink.symbols] == [("y", ["1"])]   # the sound symbol stays
    assert len(ink.problems) == 1 and problem in ink.problems[0]
    assert ink.warning.startswith("notes.inkml: ") and "\n" not in ink.warning


def test_sound_file_has_no_problems():
    ink = parse_inkml(SMALL, "small.inkml")
    assert ink.problems == [] and ink.warning is None


@requires_dev
def test_every_dev_file_is_readable_with_sound_annotations():
    files = dev_files()
    bad = [(f.name, ink.warning) for f in files if (ink := read_inkml(f)).problems]
    assert len(files) > 900 and bad == []


def test_missing_file_is_an_ink_error(tmp_path):
    with pytest.raises(InkError, match="cannot read"):
        read_inkml(tmp_path / "nope.inkml")


def test_to_inkml_escapes_labels():
    ink = Ink(traces=[Trace("a", np.array([[0.0, 0.0]]))], symbols=[SymbolGroup("\\lt", ["a"])],
              truth_latex="a<b")
    assert parse_inkml(to_inkml(ink)).truth_latex == "a<b"
