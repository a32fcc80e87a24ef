"""The "Who recovered" and "If those we lost had fared differently" sections on the example,
in HTML, Word and PDF (one execution, shared with test_docx.py and test_pdf.py)."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pypdf

from tests.report._rendered import programme_files, read_html
from tests.report.test_pdf import _alts

__all__ = ["programme_files"]  # the session fixture, imported for pytest

CLINICAL_ALT = "For each scale with declared norms, a square grid of score bins"


def _table_with(page, header: str) -> list[list[list[str]]]:  # type: ignore[no-untyped-def]
    return [t for t in page.tables if t and header in t[0]]


def test_sections_follow_the_ones_they_extend(programme_files: dict[str, Path]) -> None:
    page = read_html(programme_files["html"])
    h = page.headings
    assert h.index("Who recovered") == h.index("Who changed more than measurement error") + 1
    assert h.index("If those we lost had fared differently") == (
        h.index("Who we lost touch with") + 1
    )


def test_who_recovered_on_the_example(programme_files: dict[str, Path]) -> None:
    page = read_html(programme_files["html"])
    text = " ".join(page.text)
    tables = _table_with(page, "recovered")
    assert len(tables) == 2  # ISMI and HSCL-25 have (illustrative) norms
    for t in tables:
        assert t[0][:6] == ["group", "people", "recovered", "improved", "unchanged", "worse"]
        assert len(t) == 3  # two arms
        for row in t[1:]:
            for cell in row[2:]:
                assert re.fullmatch(r"\d+\s\(\d+%\)|<5|\[c\]", cell), cell
    assert "criterion c: both norms are declared" in text
    assert "criterion b: only functional norms are declared" in text
    assert text.count("Norms: Illustrative values for the synthetic example study") == 2
    assert "Everyday Discrimination Scale, Multidimensional Scale of Perceived Social" in text
    assert "have no declared population norms" in text
    assert any(a.startswith(CLINICAL_ALT) for a in page.alts)


def test_the_clinical_figure_keeps_its_alt_text_in_word_and_pdf(
    programme_files: dict[str, Path],
) -> None:
    document = docx.Document(str(programme_files["docx"]))
    descriptions = [s._inline.docPr.get("descr") for s in document.inline_shapes]
    assert any(d and d.startswith(CLINICAL_ALT) for d in descriptions)
    reader = pypdf.PdfReader(str(programme_files["pdf"]))
    assert any(
        a.startswith(CLINICAL_ALT) for a in _alts(reader.trailer["/Root"]["/StructTreeRoot"])
    )


def test_dropout_sensitivity_on_the_example(programme_files: dict[str, Path]) -> None:
    page = read_html(programme_files["html"])
    text = " ".join(page.text)
    (weights,) = _table_with(page, "analysis")
    analyses = [r[1] for r in weights[1:]]
    assert analyses.count("unweighted") == analyses.count("retention weights") == 6
    (tipping,) = _table_with(page, "shift (sd)")
    assert tipping[0][:3] == ["scale", "shift (sd)", "shift (points)"]
    assert sum(r[1] == "0.00" for r in tipping[1:]) == 6  # the MAR row of each instrument
    assert "Each row combines 5 imputations." in text
    # ISMI: clear at delta = 0, gone at 0.4 sd worse (tests/report/test_evaluation_tables.py)
    assert re.search(
        r"intervention group's lost participants would have to have scored about "
        r"\d\.\d\d points \(0\.\d\d standard deviations\) worse at the last visit than similar "
        r"people who stayed before the difference would no longer be clear",
        text,
    )
