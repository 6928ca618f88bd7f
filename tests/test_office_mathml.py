"""Our MathML opened in a real office suite: LibreOffice Math must read back what we meant.

At least 20 recognized dev expressions of every structure kind (fractions, roots, scripts,
limits, Greek letters) are exported as `.mml` the way the app does and opened by LibreOffice
headless; its own MathML is compared with ours in the canonical form. The whole of dev is
`python -m model office-mathml ../shared/data/crohme/dev` (see docs/mathml.md).
"""
import pytest

from model.evaluation.office_mathml import KINDS, find_soffice, kinds_of, round_trip
from model.io.ink import read_inkml
from model.recognition.notation.canonical import from_latex, from_mathml
from model.recognition.notation.mathml import latex_to_mathml

from .shared_data import dev_files, requires_dev

SOFFICE = find_soffice()
requires_office = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: Debian's libreoffice-math; "
                            ".ci/run installs it")
PER_KIND = 20


def _files_covering_every_kind() -> list:
    """Dev files, in order, until the truth holds PER_KIND of every kind (the recognition of a
    file usually has the truth's kinds; the test counts what was recognized)."""
    need = dict.fromkeys(KINDS, PER_KIND * 2)
    out = []
    for f in dev_files():
        kinds = kinds_of(from_mathml(read_inkml(f).truth_mathml or ""))
        if any(need[k] > 0 for k in kinds):
            out.append(f)
            for k in kinds:
                need[k] -= 1
        if all(v <= 0 for v in need.values()):
            break
    return out


@requires_office
@requires_dev
def test_libreoffice_reads_back_the_structure_of_recognized_expressions():
    res = round_trip(_files_covering_every_kind(), SOFFICE)
    for kind, v in res["by_kind"].items():
        assert v["n"] >= PER_KIND, (kind, v)
    assert res["rate"] >= 0.97, res["failures"][:5]
    # Every kind on its own, so that a rare kind cannot hide among the common ones.
    assert all(v["rate"] >= 0.9 for v in res["by_kind"].values()), res["by_kind"]


@requires_office
def test_libreoffice_reads_the_forms_it_used_to_lose(tmp_path):
    from model.evaluation.office_mathml import office_readings
    cases = {  # each lost a symbol or moved a part before the writer learnt LibreOffice's reading
        "lim": r"\lim_{n\rightarrow\infty}f", "lone_bracket": r"C_{xx}=Cxy(y^{x}",
        "times_then_equals": r"2\times=0", "fraction_then_plus": r"\frac{1}{p}+\frac{1}{q}=1",
        "bracket_power": r"(a-b)^{2}=a^{2}-2ab+b^{2}", "script_operator": r"2^{-}S",
        "fraction_power": r"\frac{3}{2}^{2}+1", "fraction_in_script": r"x^{\frac{1}{4}}+8",
        "bars": r"|x|^{2}+1", "root_power": r"\sqrt{x}^{a}", "operator_before_bracket": r"(1+z+)",
    }
    mathml = {k: latex_to_mathml(v) for k, v in cases.items()}
    back = office_readings(mathml, SOFFICE, tmp_path)
    wrong = {k: cases[k] for k in cases if back[k] is None or from_mathml(back[k]) != from_latex(cases[k])}
    assert not wrong, wrong


def test_kinds_are_read_from_the_structure():
    assert kinds_of(from_latex(r"\frac{\alpha}{2}+\sqrt{x_{1}}")) == {"fraction", "greek", "root", "script"}
    assert kinds_of(from_latex(r"\sum_{i=1}^{n}i")) == {"limits"}
    assert kinds_of(from_latex("x+1")) == set()


@requires_office
def test_libreoffice_reads_back_several_lines_matrices_and_cases(tmp_path):
    from model.evaluation.office_mathml import TABLE_SAMPLES, tables_round_trip
    res = tables_round_trip(SOFFICE, tmp_path)
    assert set(res) == set(TABLE_SAMPLES)
    wrong = {k: v for k, v in res.items() if not v["same"]}
    assert not wrong, wrong
