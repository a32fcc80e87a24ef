"""The programme-evaluation example rendered once (per test session) as HTML, Word and PDF.

Shared by test_docx.py and test_pdf.py; the HTML is read here with the standard library's
parser, independently of the renderer's own reading of it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from stigma_analysis.report import render
from tests.conftest import EXAMPLE_STUDY, ROOT

PROGRAMME = ROOT / "analysis" / "programme-evaluation.qmd"
RESEARCH = ROOT / "analysis" / "reintegration.qmd"
_SPACE = re.compile(r"\s+")


class HtmlReport(HTMLParser):
    """Tables (cell texts by row), h2 headings and images (alt) of a rendered page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.headings: list[str] = []
        self.alts: list[str] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self._heading: list[str] | None = None
        self._in_main = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "main":
            self._in_main = True
        if tag in ("style", "script", "nav"):
            self._skip += 1
        if not self._in_main or self._skip:
            return
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "h2":
            self._heading = []
        elif tag == "img":
            self.alts.append(a.get("alt") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "nav"):
            self._skip -= 1
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(_SPACE.sub(" ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "h2" and self._heading is not None:
            self.headings.append(_SPACE.sub(" ", "".join(self._heading)).strip())
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._skip or not self._in_main:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._heading is not None:
            self._heading.append(data)


def read_html(path: Path) -> HtmlReport:
    page = HtmlReport()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def render_all(document: Path, folder: Path) -> dict[str, Path]:
    written = render(
        document,
        EXAMPLE_STUDY,
        output_dir=folder,
        formats=("html", "docx", "pdf"),
        engine="builtin",
        progress=False,
    )
    return {p.suffix.lstrip("."): p for p in written}


@pytest.fixture(scope="session")
def programme_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The programme-evaluation example in all three formats, from one execution."""
    return render_all(PROGRAMME, tmp_path_factory.mktemp("programme-formats"))
