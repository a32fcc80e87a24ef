"""Word reports (issue 17): real, editable APA tables with the HTML's exact cell texts,
figures with their text alternative, headings and the reproducibility appendix."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from stigma_analysis.report._docx import build_docx
from tests.report._rendered import (
    RESEARCH,
    HtmlReport,
    programme_files,
    read_html,
    render_all,
)

__all__ = ["programme_files"]  # the session fixture, imported for pytest


def _cells(table: docx.table.Table) -> list[list[str]]:
    """Cell texts row by row, a merged (spanned) cell once."""
    rows = []
    for row in table.rows:
        texts: list[str] = []
        seen: list[object] = []
        for cell in row.cells:
            if any(cell._tc is s for s in seen):
                continue
            seen.append(cell._tc)
            texts.append(cell.text)
        rows.append(texts)
    return rows


def _check_tables(html: HtmlReport, document: docx.document.Document) -> None:
    assert len(html.tables) > 0
    assert len(document.tables) == len(html.tables)
    for k, (expected, table) in enumerate(zip(html.tables, document.tables, strict=True)):
        assert _cells(table) == expected, f"table {k + 1}"


def test_every_html_table_is_a_word_table_with_the_same_cells(
    programme_files: dict[str, Path],
) -> None:
    html = read_html(programme_files["html"])
    document = docx.Document(str(programme_files["docx"]))
    _check_tables(html, document)


@pytest.mark.slow
def test_research_report_tables_equal_too(tmp_path: Path) -> None:
    files = render_all(RESEARCH, tmp_path)
    _check_tables(read_html(files["html"]), docx.Document(str(files["docx"])))


def test_headings_figures_and_appendix_are_kept(programme_files: dict[str, Path]) -> None:
    html = read_html(programme_files["html"])
    document = docx.Document(str(programme_files["docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == html.headings
    assert "About this report" in headings  # the reproducibility appendix
    descriptions = [s._inline.docPr.get("descr") for s in document.inline_shapes]
    assert len(descriptions) == len(html.alts) >= 2
    assert descriptions == html.alts
    assert all(descriptions)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "SHA-256" in "".join(c.text for t in document.tables for c in t.rows[0].cells)
    assert "Seed" in text


def test_tables_are_apa_style(programme_files: dict[str, Path]) -> None:
    document = docx.Document(str(programme_files["docx"]))
    body = document.element.body
    for table in document.tables:
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        sides = {child.tag.split("}")[1]: child.get(qn("w:val")) for child in borders}
        assert sides["left"] == sides["right"] == sides["insideV"] == sides["insideH"] == "nil"
        assert sides["top"] == sides["bottom"] == "single"
        assert table._tbl.find(f".//{qn('w:tcBorders')}/{qn('w:left')}") is None
    # the numbered tables have their caption right above them
    captions = [
        el.getprevious()
        for el in body.iter(qn("w:tbl"))
        if el.getprevious() is not None
        and el.getprevious().find(f"{qn('w:pPr')}/{qn('w:pStyle')}") is not None
    ]
    caption_texts = ["".join(t.text or "" for t in c.iter(qn("w:t"))) for c in captions]
    assert any(t.startswith("Table 1:") for t in caption_texts)


def test_suppression_markers_and_khmer_reach_the_cells_unchanged() -> None:
    page = (
        "<main><table class='sa-table'><caption>Counts</caption><thead><tr>"
        "<th>site</th><th class='num'>n</th></tr></thead><tbody>"
        "<tr><td>ភ្នំពេញ</td><td class='num'>&lt;5</td></tr>"
        "<tr><td>Poipet</td><td class='num'>[c]</td></tr>"
        "<tr><td>ไทย</td><td class='num'>12</td></tr></tbody></table></main>"
    )
    document = docx.Document(__import__("io").BytesIO(build_docx(page)))
    assert _cells(document.tables[0]) == [
        ["site", "n"],
        ["ភ្នំពេញ", "<5"],
        ["Poipet", "[c]"],
        ["ไทย", "12"],
    ]
    run = document.tables[0].rows[1].cells[0].paragraphs[0].runs[0]
    fonts = run._element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:cs")) == "Noto Sans Khmer"
    assert fonts.get(qn("w:ascii")) == "Noto Sans"
    thai = document.tables[0].rows[3].cells[0].paragraphs[0].runs[0]
    assert thai._element.rPr.find(qn("w:rFonts")).get(qn("w:cs")) == "Noto Sans Thai"
    assert document.tables[0].rows[1].cells[1].paragraphs[0].alignment == 2  # right


def test_spanned_header_cells_are_merged_word_cells() -> None:
    page = (
        "<main><table><thead><tr><th colspan='2'>scale</th><th>fit</th></tr>"
        "<tr><th>name</th><th>items</th><th>cfi</th></tr></thead>"
        "<tbody><tr><td>ISMI</td><td class='num'>29</td><td class='num'>0.95</td></tr>"
        "</tbody></table></main>"
    )
    document = docx.Document(__import__("io").BytesIO(build_docx(page)))
    assert _cells(document.tables[0]) == [
        ["scale", "fit"],
        ["name", "items", "cfi"],
        ["ISMI", "29", "0.95"],
    ]
