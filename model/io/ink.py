"""Ink: strokes and their annotations, read from and written to InkML.

InkML files come from strangers (CROHME, other tools, the user's disk), so they
are parsed with defusedxml and bounded in size; ink that cannot be read raises
`InkError` naming the file and the problem.  Annotations (the truth segmentation
and MathML) are only a description of the ink: when they are broken the ink is
still returned, the broken parts are dropped and `Ink.problems` says what was
wrong, so a bad label never blocks recognition.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

import numpy as np
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from .atomic import atomic_write_text

INKML_NS = "http://www.w3.org/2003/InkML"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"

# Limits on untrusted input: generous for real handwriting (a CROHME file has
# a few thousand points), small enough that a hostile file cannot exhaust memory.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_TRACES = 20_000
MAX_POINTS = 2_000_000


class InkError(ValueError):
    """Ink that cannot be read or used; the message names the source and the problem."""


@dataclass
class Trace:
    id: str
    points: np.ndarray  # (N, C) float64: x, y, then any extra channels (time, pressure)

    @property
    def xy(self) -> np.ndarray:
        return self.points[:, :2]


@dataclass
class SymbolGroup:
    label: str
    trace_ids: list[str]
    xml_id: str | None = None


@dataclass
class Ink:
    traces: list[Trace] = field(default_factory=list)
    symbols: list[SymbolGroup] = field(default_factory=list)
    truth_latex: str | None = None
    truth_mathml: str | None = None  # the <math> element serialised, as in the file
    annotations: dict[str, str] = field(default_factory=dict)
    channels: list[str] = field(default_factory=lambda: ["X", "Y"])
    source: str = "<memory>"
    problems: list[str] = field(default_factory=list)  # broken annotations, dropped while reading

    @property
    def warning(self) -> str | None:
        """One line naming the file and what was wrong with its annotations, or None."""
        return f"{self.source}: {'; '.join(self.problems)}" if self.problems else None

    def strokes(self) -> list[np.ndarray]:
        """The x, y arrays of every trace, in file order."""
        return [t.xy for t in self.traces]

    def trace_index(self) -> dict[str, int]:
        return {t.id: i for i, t in enumerate(self.traces)}

    def symbol_stroke_indices(self) -> list[tuple[str, list[int]]]:
        index = self.trace_index()
        out = []
        for s in self.symbols:
            ids = [index[t] for t in s.trace_ids if t in index]
            if ids:
                out.append((s.label, sorted(ids)))
        return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _parse_trace_text(text: str, n_channels: int, where: str) -> np.ndarray:
    """Parse the body of a <trace>: points separated by commas, channels by spaces.

    Only explicit values are supported; InkML's difference encodings (' and ")
    are rejected with a clear message rather than silently misread.
    """
    rows = []
    for chunk in text.strip().split(","):
        chunk = chunk.strip()
        if not chunk:
            continue
        if any(c in chunk for c in "'\"!?*"):
            raise InkError(f"{where}: difference-encoded trace values are not supported")
        values = _NUMBER.findall(chunk)
        if len(values) < 2:
            raise InkError(f"{where}: a point has fewer than two coordinates: {chunk[:40]!r}")
        rows.append([float(v) for v in values[:n_channels]] if n_channels >= 2 else
                    [float(v) for v in values])
    if not rows:
        raise InkError(f"{where}: empty trace")
    width = min(len(r) for r in rows)
    pts = np.array([r[:width] for r in rows], dtype=np.float64)
    if not np.isfinite(pts[:, :2]).all():
        raise InkError(f"{where}: a coordinate is not a finite number")
    return pts


def parse_inkml(data: bytes | str, source: str = "<memory>") -> Ink:
    """Parse InkML text; raises InkError with `source` in the message."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise InkError(f"{source}: file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as e:
        raise InkError(f"{source}: refused unsafe XML ({type(e).__name__})") from None
    except SafeET.ParseError as e:
        raise InkError(f"{source}: not well-formed XML ({e})") from None
    if _local(root.tag) != "ink":
        raise InkError(f"{source}: root element is <{_local(root.tag)}>, expected <ink>")

    ink = Ink(source=source)
    for el in root:
        tag = _local(el.tag)
        if tag == "traceFormat":
            names = [c.get("name", "?") for c in el if _local(c.tag) == "channel"]
            if names:
                ink.channels = names
        elif tag == "annotation":
            kind = el.get("type", "")
            text = (el.text or "").strip()
            if kind == "truth":
                ink.truth_latex = text
            elif kind:
                ink.annotations[kind] = text
        elif tag == "annotationXML" and el.get("type", "truth") == "truth":
            math = next((c for c in el.iter() if _local(c.tag) == "math"), None)
            if math is None:
                ink.problems.append("the truth annotationXML holds no <math> element")
            elif len(math) == 0:
                ink.problems.append("the truth MathML is empty")
            else:
                ink.truth_mathml = _tostring(math)

    total_points = 0
    seen: set[str] = set()
    for i, el in enumerate(root.iter(f"{{{INKML_NS}}}trace") if root.tag.startswith("{") else
                           root.iter("trace")):
        if len(ink.traces) >= MAX_TRACES:
            raise InkError(f"{source}: more than {MAX_TRACES} traces")
        tid = el.get("id", str(i))
        if tid in seen:
            raise InkError(f"{source}: duplicate trace id {tid!r}")
        seen.add(tid)
        pts = _parse_trace_text(el.text or "", len(ink.channels), f"{source}: trace {tid}")
        total_points += len(pts)
        if total_points > MAX_POINTS:
            raise InkError(f"{source}: more than {MAX_POINTS} points")
        ink.traces.append(Trace(tid, pts))

    ink.symbols = _read_symbols(root, seen, ink.problems)
    return ink


def _tostring(el: Element) -> str:
    from xml.etree.ElementTree import tostring
    return tostring(el, encoding="unicode")


def _read_symbols(root: Element, trace_ids: set[str], problems: list[str]) -> list[SymbolGroup]:
    """Symbols are the traceGroups that hold traceViews; the outer wrapper group is not one.

    A broken group is left out and described in `problems`: the other symbols stay
    usable as truth, and the ink itself is untouched.
    """
    symbols = []
    for group in root.iter():
        if _local(group.tag) != "traceGroup":
            continue
        views = [c for c in group if _local(c.tag) == "traceView"]
        if not views:
            continue
        label = None
        xml_id = None
        for c in group:
            t = _local(c.tag)
            if t == "annotation" and c.get("type") == "truth" and label is None:
                label = (c.text or "").strip()
            elif t == "annotationXML":
                xml_id = c.get("href")
        refs = [v.get("traceDataRef") for v in views]
        if None in refs:
            problems.append(f"symbol {label!r} has a traceView without traceDataRef")
            continue
        missing = [r for r in refs if r not in trace_ids]
        if missing:
            problems.append(f"symbol {label!r} refers to unknown trace {missing[0]!r}")
            continue
        if not label:
            problems.append(f"a symbol group (traces {', '.join(refs)}) has no truth label")
            continue
        symbols.append(SymbolGroup(label, refs, xml_id))
    return symbols


def read_inkml(path: str | os.PathLike) -> Ink:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InkError(f"{path}: file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    except OSError as e:
        raise InkError(f"{path}: cannot read ({e.strerror or e})") from None
    return parse_inkml(data, str(path))


def _fmt(v: float) -> str:
    # repr of a float round-trips exactly; integers stay short.
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def _escape(s: str) -> str:
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def to_inkml(ink: Ink) -> str:
    lines = [f'<ink xmlns="{INKML_NS}">', "<traceFormat>"]
    width = min((t.points.shape[1] for t in ink.traces), default=2)
    channels = (ink.channels + [f"C{i}" for i in range(len(ink.channels), width)])[:max(width, 2)]
    for name in channels:
        lines.append(f'<channel name="{_escape(name)}" type="decimal"/>')
    lines.append("</traceFormat>")
    for k, v in ink.annotations.items():
        lines.append(f'<annotation type="{_escape(k)}">{_escape(v)}</annotation>')
    if ink.truth_latex is not None:
        lines.append(f'<annotation type="truth">{_escape(ink.truth_latex)}</annotation>')
    if ink.truth_mathml:
        lines.append('<annotationXML type="truth" encoding="Content-MathML">')
        lines.append(ink.truth_mathml)
        lines.append("</annotationXML>")
    for t in ink.traces:
        pts = ", ".join(" ".join(_fmt(v) for v in row[:len(channels)]) for row in t.points)
        lines.append(f'<trace id="{_escape(t.id)}">{pts}</trace>')
    if ink.symbols:
        lines.append('<traceGroup xml:id="segmentation">')
        lines.append('<annotation type="truth">Segmentation</annotation>')
        for s in ink.symbols:
            lines.append("<traceGroup>")
            lines.append(f'<annotation type="truth">{_escape(s.label)}</annotation>')
            for tid in s.trace_ids:
                lines.append(f'<traceView traceDataRef="{_escape(tid)}"/>')
            if s.xml_id:
                lines.append(f'<annotationXML href="{_escape(s.xml_id)}"/>')
            lines.append("</traceGroup>")
        lines.append("</traceGroup>")
    lines.append("</ink>")
    return "\n".join(lines) + "\n"


def write_inkml(ink: Ink, path: str | os.PathLike) -> None:
    atomic_write_text(path, to_inkml(ink))


def ink_from_strokes(strokes: list[np.ndarray], channels: list[str] | None = None) -> Ink:
    traces = [Trace(str(i), np.asarray(s, dtype=np.float64)) for i, s in enumerate(strokes)]
    width = min((t.points.shape[1] for t in traces), default=2)
    return Ink(traces=traces, channels=channels or ["X", "Y", "P"][:max(width, 2)])
