"""Report fonts (issue 17): the packaged Noto fonts are found, figures draw Khmer and Thai
glyphs, and the HTML embeds a small subset that still covers every character used."""

from __future__ import annotations

import base64
import io
import re

import matplotlib as mpl
import pytest
from fontTools.ttLib import TTFont

from stigma_analysis.report._fonts import (
    FAMILIES,
    font_files,
    html_font_faces,
    script_family,
    use_report_fonts,
)
from stigma_analysis.report._formats import with_font_faces

KHMER_TEXT = "ភ្នំពេញ សៀមរាប បាត់ដំបង"
THAI_TEXT = "ภาษาไทย"


def test_the_three_fonts_are_installed_as_files() -> None:
    files = font_files()
    assert sorted(files) == sorted(FAMILIES)
    for family, path in files.items():
        assert path.is_file()
        assert path.suffix == ".ttf"
        names = {n.toUnicode() for n in TTFont(path)["name"].names if n.nameID == 1}
        assert family in names


def test_script_family() -> None:
    assert script_family("Phnom Penh / ភ្នំពេញ") == "Noto Sans Khmer"
    assert script_family(THAI_TEXT) == "Noto Sans Thai"
    assert script_family("Phnom Penh") is None


def test_figures_draw_khmer_and_thai_glyphs() -> None:
    import matplotlib.pyplot as plt

    with mpl.rc_context():
        mpl.rcParams["font.family"] = ["DejaVu Sans"]
        fig, ax = plt.subplots()
        ax.set_title(KHMER_TEXT)
        # without the fallback matplotlib warns of missing glyphs (filterwarnings=error)
        with pytest.raises(UserWarning, match="missing from font"):
            fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)
        assert use_report_fonts()[:3] == list(FAMILIES)
        fig, ax = plt.subplots()
        ax.set_title(f"{KHMER_TEXT} {THAI_TEXT}")
        ax.set_xlabel("visit")
        fig.savefig(io.BytesIO(), format="png")  # no warning: every glyph found
        plt.close(fig)


def _embedded(css: str) -> dict[str, TTFont]:
    found = re.findall(r'font-family: "([^"]+)"; src: url\("data:font/ttf;base64,([^"]+)"', css)
    return {family: TTFont(io.BytesIO(base64.b64decode(data))) for family, data in found}


def test_html_embeds_small_subsets_covering_the_text() -> None:
    css = html_font_faces(f"<p>{KHMER_TEXT}</p><p>{THAI_TEXT}</p>")
    fonts = _embedded(css)
    assert sorted(fonts) == ["Noto Sans Khmer", "Noto Sans Thai"]
    assert len(css) < 60_000  # the whole variable fonts would be ~780 kB as base64
    khmer = fonts["Noto Sans Khmer"]
    assert {ord(c) for c in KHMER_TEXT if c != " "} <= set(khmer.getBestCmap())
    assert "fvar" not in khmer  # a static regular instance
    assert "GSUB" in khmer  # shaping kept (Khmer subscripts, vowel forms)
    assert {ord(c) for c in THAI_TEXT} <= set(fonts["Noto Sans Thai"].getBestCmap())
    assert html_font_faces("<p>Latin only</p>") == ""


def test_page_gets_the_faces_in_its_stylesheet() -> None:
    page = "<html><head><style>\nbody {}\n</style></head><body><p>ភ្នំពេញ</p></body></html>"
    out = with_font_faces(page)
    assert out.count("@font-face") == 1
    assert out.index("@font-face") < out.index("</style>")
    latin = "<html><head><style></style></head><body><p>x</p></body></html>"
    assert with_font_faces(latin) == latin


def test_embedded_subsets_do_not_depend_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-rendering gives the same bytes: no save time is stamped into the subset font."""
    import fontTools.ttLib.tables._h_e_a_d as head

    from stigma_analysis.report._fonts import html_font_faces

    text = "ភ្នំពេញ / សៀមរាប"
    monkeypatch.setattr(head, "timestampNow", lambda: 3_000_000_000)
    first = html_font_faces(text)
    monkeypatch.setattr(head, "timestampNow", lambda: 3_100_000_000)
    assert html_font_faces(text) == first
