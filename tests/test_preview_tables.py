"""Several lines, matrices and cases in the preview: mathtext alone refuses them."""
from __future__ import annotations

import io

import pytest

from app.results import preview, preview_tables


def _size(png: bytes) -> tuple[int, int]:
    import matplotlib.image as mpimg
    h, w = mpimg.imread(io.BytesIO(png)).shape[:2]
    return w, h


def test_split_finds_one_environment_with_its_rows_cells_and_neighbours():
    got = preview_tables.split(r"A=\begin{pmatrix}a & b \\ c & d\end{pmatrix}+1")
    assert got == ("A=", "pmatrix", [["a", "b"], ["c", "d"]], "+1")
    assert preview_tables.split(r"\begin{aligned}x & =1 \\ \end{aligned}")[2] == [["x", "=1"]]
    # no environment, two of them, or one inside another: not a table this module draws
    assert preview_tables.split("x^{2}") is None
    assert preview_tables.split(r"\begin{cases}a\end{cases}\begin{cases}b\end{cases}") is None
    assert preview_tables.split(r"\begin{aligned}\begin{pmatrix}a\end{pmatrix}\end{aligned}") is None


@pytest.mark.parametrize("latex", [
    r"\begin{aligned}2x+3 & =7 \\ 2x & =4 \\ x & =2\end{aligned}",
    r"\begin{gathered}x^{2}+1 \\ y\end{gathered}",
    r"A=\begin{pmatrix}a & b \\ c & d\end{pmatrix}",
    r"\begin{bmatrix}1 \\ 2\end{bmatrix}+1",
    r"\begin{vmatrix}1 & 2 & 3 \\ 4 & 5 & 6\end{vmatrix}",
    r"f(x)=\begin{cases}x^{2} & x\geq 0 \\ -x & x<0\end{cases}",
])
def test_tables_render_where_mathtext_alone_refuses_them(latex, monkeypatch):
    with monkeypatch.context() as m:   # the preview as it was: mathtext alone
        m.setattr(preview_tables, "split", lambda latex: None)
        with pytest.raises(preview.PreviewError):
            preview.render(latex)
    png = preview.render(latex, dpi=100)
    assert png.startswith(b"\x89PNG")
    svg = preview.render(latex, "svg")
    assert b"<svg" in svg


def test_more_rows_are_taller_and_a_row_is_as_tall_as_one_line():
    one = _size(preview.render("x=1", dpi=100))
    two = _size(preview.render(r"\begin{aligned}x & =1 \\ y & =2\end{aligned}", dpi=100))
    three = _size(preview.render(r"\begin{aligned}x & =1 \\ y & =2 \\ z & =3\end{aligned}", dpi=100))
    assert 1.6 * one[1] < two[1] < three[1] < 4 * one[1]
    assert abs(two[0] - one[0]) < 0.5 * one[0]


def test_a_bad_cell_is_a_preview_error_not_a_crash():
    with pytest.raises(preview.PreviewError):
        preview.render(r"\begin{aligned}x & =\frac{1 \\ y & =2\end{aligned}")
