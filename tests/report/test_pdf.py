"""PDF reports (issue 17): Typst from the same page as the HTML, same headings, Khmer and
Thai shaped with the packaged Noto fonts (no missing glyphs), figures with alt text."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf
import pytest

from stigma_analysis.report import _pdf
from stigma_analysis.report._pdf import build_pdf, typst_string
from tests.report._rendered import programme_files, read_html

__all__ = ["programme_files"]  # the session fixture, imported for pytest

KHMER = range(0x1780, 0x1800)


def _outline(items: list[Any]) -> list[str]:
    titles: list[str] = []
    for item in items:
        titles.extend(_outline(item) if isinstance(item, list) else [item.title])
    return titles


def _fonts(reader: pypdf.PdfReader) -> set[str]:
    found = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            found.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return found


def _alts(node: Any) -> list[str]:
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, list):
        return [a for child in node for a in _alts(child)]
    if isinstance(node, dict):
        own = [str(node["/Alt"])] if "/Alt" in node else []
        return own + (_alts(node["/K"]) if "/K" in node else [])
    return []


@pytest.fixture(scope="module")
def reader(programme_files: dict[str, Path]) -> pypdf.PdfReader:
    return pypdf.PdfReader(str(programme_files["pdf"]))


def test_pdf_has_the_html_section_headings(
    programme_files: dict[str, Path], reader: pypdf.PdfReader
) -> None:
    html = read_html(programme_files["html"])
    assert len(html.headings) >= 5
    assert _outline(reader.outline) == html.headings  # bookmarks, one per section
    text = "\n".join(page.extract_text() for page in reader.pages)
    for heading in html.headings:
        assert heading in text
    assert "Table 1:" in text
    assert len(reader.pages) >= 3


def test_pdf_khmer_uses_the_khmer_font_with_no_missing_glyph(reader: pypdf.PdfReader) -> None:
    fonts = _fonts(reader)
    assert "NotoSansKhmer-Regular" in fonts
    text = "".join(page.extract_text() for page in reader.pages)
    assert any(ord(ch) in KHMER for ch in text)
    assert "\x00" not in text  # a glyph no font had shows as .notdef, extracted as NUL


def test_figures_carry_their_alt_text(
    programme_files: dict[str, Path], reader: pypdf.PdfReader
) -> None:
    html = read_html(programme_files["html"])
    assert _alts(reader.trailer["/Root"]["/StructTreeRoot"]) == html.alts
    assert all(html.alts)


def test_khmer_and_thai_without_warnings_and_with_fonts_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = "<main><h2>Sites</h2><p>ភ្នំពេញ សៀមរាប and ภาษาไทย</p></main>"
    warnings: list[str] = []
    pdf = pypdf.PdfReader(io.BytesIO(build_pdf(page, warnings=warnings)))
    assert warnings == []
    assert {"NotoSansKhmer-Regular", "NotoSansThai-Regular"} <= _fonts(pdf)
    text = pdf.pages[0].extract_text()
    assert "ภาษาไทย" in text
    assert "\x00" not in text
    # Without the packaged fonts Typst says so and draws .notdef boxes: what the test guards.
    monkeypatch.setattr(_pdf, "font_dirs", list)
    warnings.clear()
    pdf = pypdf.PdfReader(io.BytesIO(build_pdf(page, warnings=warnings)))
    assert any("unknown font family" in w for w in warnings)
    assert "\x00" in pdf.pages[0].extract_text()


def test_markup_is_never_read_as_typst_code() -> None:
    assert typst_string('a "b" \\ #c') == '"a \\"b\\" \\\\ #c"'
    page = "<main><p>#set page(width: 1cm) $x$ *y* _z_ @ref &lt;5 [c]</p></main>"
    text = pypdf.PdfReader(io.BytesIO(build_pdf(page))).pages[0].extract_text()
    assert "#set page(width: 1cm) $x$ *y* _z_ @ref <5 [c]" in text


def test_all_formats_come_from_one_execution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stigma_analysis.report import _execute, render

    calls: list[str] = []
    real = _execute.execute_document

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append("run")
        return real(*args, **kwargs)

    monkeypatch.setattr(_execute, "execute_document", counting)
    smoke = Path(__file__).parent / "fixtures" / "smoke.qmd"
    written = render(
        smoke,
        output_dir=tmp_path,
        formats=("html", "docx", "pdf"),
        engine="builtin",
        progress=False,
    )
    assert calls == ["run"]
    assert [p.name for p in written] == ["smoke.html", "smoke.docx", "smoke.pdf"]
    assert written[2].read_bytes().startswith(b"%PDF")


def test_cli_format_option(capsys: pytest.CaptureFixture[str]) -> None:
    from stigma_analysis.cli import main
    from tests.conftest import EXAMPLE_STUDY

    assert main(["report", str(EXAMPLE_STUDY), "--format", "html,rtf"]) == 2
    assert "--format must be html, docx or pdf; got rtf" in capsys.readouterr().err
