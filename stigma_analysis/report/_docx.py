"""Word (``.docx``) output of the built-in renderer, with python-docx.

Built from the same page as the HTML (see ``_dom``): headings stay headings (Word's heading
styles, so Word's navigation pane and table of contents see them), every table is a real,
editable Word table in APA style (caption above, no vertical rules, rules only above and
below the header and below the last row), figures are the PNG outputs with their text
alternative as the picture's description.

Fonts: runs name Noto Sans for Latin text and Noto Sans Khmer/Thai as the complex-script
font, so Word shapes Khmer and Thai with them where those fonts are installed (Word does
not embed fonts it reads from the file; install the ``.ttf`` files from the
``fontpkg-noto-sans*`` packages, or let Word substitute Khmer UI/Leelawadee).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from typing import Any

from stigma_analysis.report._dom import Block, Run, TableData, blocks, content_root, parse_html
from stigma_analysis.report._fonts import KHMER, LATIN, script_family

__all__ = ["build_docx", "docx_table", "set_picture_description"]

_TEXT_WIDTH_IN = 6.3  # A4 with 2.5 cm margins less a little
_RULE = {"val": "single", "sz": "8", "space": "0", "color": "000000"}
_THIN = {"val": "single", "sz": "4", "space": "0", "color": "000000"}


def _set_fonts(run: Any, text: str, *, mono: bool = False) -> None:
    from docx.oxml.ns import qn

    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    latin = "Consolas" if mono else LATIN
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), script_family(text) or KHMER)


def _add_runs(paragraph: Any, runs: Sequence[Run], *, bold: bool = False) -> None:
    for text, styles in runs:
        run = paragraph.add_run(text)
        run.bold = bold or "b" in styles or None
        run.italic = "i" in styles or None
        if "sup" in styles:
            run.font.superscript = True
        if "sub" in styles:
            run.font.subscript = True
        _set_fonts(run, text, mono="code" in styles)


def _borders(element: Any, tag: str, sides: dict[str, dict[str, str] | None]) -> None:
    """Set ``w:tblBorders``/``w:tcBorders`` sides; None removes the rule (``nil``)."""
    from docx.oxml.ns import qn

    box = element.find(qn(tag))
    if box is None:
        box = element.makeelement(qn(tag), {})
        element.append(box)
    for side, spec in sides.items():
        edge = box.find(qn(f"w:{side}"))
        if edge is None:
            edge = box.makeelement(qn(f"w:{side}"), {})
            box.append(edge)
        for key, value in (spec or {"val": "nil"}).items():
            edge.set(qn(f"w:{key}"), value)


def docx_table(
    document: Any,
    data: TableData,
    *,
    caption: Sequence[Run] = (),
    note: Sequence[Run] = (),
) -> Any:
    """Append an APA-style Word table (caption above, note below) to a python-docx document.

    The cell texts are ``data``'s texts exactly; numeric columns are right-aligned.
    """
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    if caption:
        cap = document.add_paragraph(style="Caption")
        cap.paragraph_format.keep_with_next = True
        _add_runs(cap, caption)
    n_cols = max(data.n_cols, 1)
    table = document.add_table(rows=len(data.rows), cols=n_cols)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl_pr = table._tbl.tblPr
    _borders(
        tbl_pr,
        "w:tblBorders",
        {"top": _RULE, "left": None, "bottom": _RULE, "right": None},
    )
    _borders(tbl_pr, "w:tblBorders", {"insideH": None, "insideV": None})
    for i, row in enumerate(data.rows):
        j = 0
        # row.cells is linear in the row; table.cell() is linear in the table: use it only
        # in rows that merge cells (the list goes stale after a merge)
        plain = table.rows[i].cells if all(c[2] == 1 for c in row) else None
        for text, is_header, span, numeric in row:
            if j >= n_cols:
                break
            cell = plain[j] if plain is not None else table.cell(i, j)
            if span > 1:
                cell = cell.merge(table.cell(i, min(j + span, n_cols) - 1))
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            _add_runs(paragraph, [(text, frozenset())], bold=is_header and i < data.n_head)
            if numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            elif i < data.n_head and span > 1:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if i == data.n_head - 1:
                _borders(cell._tc.get_or_add_tcPr(), "w:tcBorders", {"bottom": _THIN})
            j += span
        if i < data.n_head:
            tr_pr = table.rows[i]._tr.get_or_add_trPr()
            tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {}))  # repeat on each page
    if note:
        paragraph = document.add_paragraph()
        _add_runs(paragraph, note)
    else:
        document.add_paragraph()
    return table


def set_picture_description(inline_shape: Any, text: str) -> None:
    """The picture's text alternative (Word's "Alt Text", ``wp:docPr/@descr``)."""
    doc_pr = inline_shape._inline.docPr
    doc_pr.set("descr", text)
    doc_pr.set("title", text[:255])


def _figure(document: Any, block: Block) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Inches

    width_in = _TEXT_WIDTH_IN
    if block.width:
        width_in = min(_TEXT_WIDTH_IN, block.width / 96)
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.keep_with_next = bool(block.caption)
    shape = paragraph.add_run().add_picture(io.BytesIO(block.image), width=Inches(width_in))
    set_picture_description(shape, block.alt)
    if block.caption:
        cap = document.add_paragraph(style="Caption")
        _add_runs(cap, block.caption)


def _style_document(document: Any, lang: str) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(2.5))
    for name in ("Normal", "Title", "Subtitle", "Caption", *(f"Heading {k}" for k in range(1, 7))):
        style = document.styles[name]
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.insert(0, fonts)
        for key in ("w:ascii", "w:hAnsi", "w:eastAsia"):
            fonts.set(qn(key), LATIN)
        fonts.set(qn("w:cs"), KHMER)
        for key in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(key), None)
    document.styles["Normal"].font.size = Pt(10.5)
    caption = document.styles["Caption"]
    caption.font.size = Pt(10)
    caption.font.italic = False
    caption.font.bold = False
    caption.font.color.rgb = RGBColor(0, 0, 0)
    normal = document.styles["Normal"].element.get_or_add_rPr()
    if normal.find(qn("w:lang")) is None:
        normal.append(normal.makeelement(qn("w:lang"), {qn("w:val"): lang, qn("w:bidi"): "km-KH"}))


def build_docx(page: str, *, title: str | None = None, lang: str = "en") -> bytes:
    """The Word document of a rendered HTML page, as bytes.

    Parameters
    ----------
    page : str
        The self-contained HTML page of the built-in renderer.
    title : str, optional
        The document's title property (File > Properties).
    lang : str
        Language tag of the text (``en``, ``km``, ...).
    """
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = docx.Document()
    _style_document(document, lang)
    document.core_properties.title = title or ""
    document.core_properties.author = ""
    document.core_properties.comments = "stigma-analysis report"
    fixed = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)  # no clock in the file
    document.core_properties.created = fixed
    document.core_properties.modified = fixed
    document.core_properties.last_modified_by = ""
    for block in blocks(content_root(parse_html(page))):
        if block.kind == "heading":
            paragraph = document.add_heading(level=min(max(block.level - 1, 1), 9))
            _add_runs(paragraph, block.runs)
        elif block.kind == "para":
            style = {"title": "Title", "subtitle": "Subtitle"}.get(block.style or "")
            paragraph = document.add_paragraph(style=style)
            _add_runs(paragraph, block.runs, bold=block.style == "callout-title")
            if block.style in ("callout", "callout-title", "quote"):
                paragraph.paragraph_format.left_indent = Pt(18)
            if block.style == "callout-title":
                paragraph.paragraph_format.keep_with_next = True
        elif block.kind == "item":
            style = "List Number" if block.ordered else "List Bullet"
            if block.level:
                style += f" {min(block.level + 1, 3)}"
            paragraph = document.add_paragraph(style=style)
            _add_runs(paragraph, block.runs)
        elif block.kind == "code":
            paragraph = document.add_paragraph()
            for k, line in enumerate(block.text.split("\n")):
                if k:
                    paragraph.add_run().add_break()
                run = paragraph.add_run(line)
                run.font.size = Pt(8.5)
                _set_fonts(run, line, mono=True)
        elif block.kind == "table" and block.table is not None:
            docx_table(document, block.table, caption=block.caption)
        elif block.kind == "figure":
            _figure(document, block)
        elif block.kind == "rule":
            document.add_paragraph().alignment = WD_ALIGN_PARAGRAPH.CENTER
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
