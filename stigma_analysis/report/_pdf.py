"""PDF output of the built-in renderer: Typst markup compiled by the ``typst`` package.

The ``typst`` wheel carries the Typst compiler, so the PDF is made offline with no other
program. The markup is generated from the same page as the HTML (see ``_dom``): headings,
text, the tables as Typst tables (APA rules: above and below the header, below the last
row; caption above) and the figures as the PNG outputs with their text alternative
(``image(alt: ...)``, which Typst writes into the tagged PDF). The fonts are the Noto Sans
files of the ``fontpkg-noto-sans*`` packages (``font_paths``), so Khmer and Thai are shaped.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from stigma_analysis.errors import RenderError
from stigma_analysis.report._dom import Block, Run, TableData, blocks, content_root, parse_html
from stigma_analysis.report._fonts import FAMILIES, font_dirs

__all__ = ["build_pdf", "typst_markup", "typst_string", "typst_table"]

_PREAMBLE = """\
#set document(title: {title}, author: (), date: none)
#set page(paper: "a4", margin: (x: 2.2cm, y: 2.4cm), numbering: "1")
#set text(font: {fonts}, size: 10pt, lang: {lang})
#set par(justify: false, leading: 0.6em, spacing: 0.9em)
#set heading(numbering: none)
#show heading: set block(above: 1.4em, below: 0.8em)
#show raw: set text(font: "DejaVu Sans Mono", size: 8pt)
#set table(stroke: none, inset: (x: 4pt, y: 3pt))
#set figure(gap: 0.6em)
"""


def typst_string(text: str) -> str:
    """A Typst string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("\r", "").replace("\t", "\\t")
    return f'"{escaped}"'


def _inline(runs: Sequence[Run]) -> str:
    """Content for a run list: every text a string literal, so nothing is read as markup."""
    parts: list[str] = []
    for text, styles in runs:
        if text == "\n":
            parts.append("#linebreak()")
            continue
        piece = f"#{typst_string(text)}"
        if "code" in styles:
            piece = f"#raw({typst_string(text)})"
        if "b" in styles:
            piece = f"#strong[{piece}]"
        if "i" in styles:
            piece = f"#emph[{piece}]"
        if "sup" in styles:
            piece = f"#super[{piece}]"
        if "sub" in styles:
            piece = f"#sub[{piece}]"
        parts.append(piece)
    return "".join(parts)


def typst_table(data: TableData, *, caption: Sequence[Run] = (), note: Sequence[Run] = ()) -> str:
    """A Typst table in APA style (caption above, note below, horizontal rules only)."""
    n_cols = max(data.n_cols, 1)
    numeric = [False] * n_cols
    body_rows = data.rows[data.n_head :]
    for j in range(n_cols):
        col = [row[j] for row in body_rows if len(row) > j and all(c[2] == 1 for c in row)]
        numeric[j] = bool(col) and all(c[3] for c in col)
    align = ", ".join("right" if num else "left" for num in numeric)

    def cells(row: list[tuple[str, bool, int, bool]], header: bool) -> list[str]:
        out = []
        for text, _, span, _ in row:
            body = f"#{typst_string(text)}" if text else ""
            if any(len(word) > 30 for word in text.split()):
                body = f"#text(size: 7pt)[{body}]"  # a checksum or path: shrink, never break
            if header:
                body = f"#strong[{body}]" if body else ""
            if span > 1:
                out.append(f"table.cell(colspan: {span}, align: center)[{body}]")
            else:
                out.append(f"[{body}]")
        missing = n_cols - sum(c[2] for c in row)
        out.extend(["[]"] * max(missing, 0))
        return out

    lines = [f"table(columns: {n_cols}, align: ({align},),", "  table.hline(stroke: 0.8pt),"]
    head = [c for row in data.rows[: data.n_head] for c in cells(row, True)]
    if head:
        lines.append(f"  table.header({', '.join(head)}),")
        lines.append("  table.hline(stroke: 0.5pt),")
    for row in body_rows:
        lines.append("  " + ", ".join(cells(row, False)) + ",")
    lines.append("  table.hline(stroke: 0.8pt),")
    lines.append(")")
    table = "\n".join(lines)
    parts = ["#block(width: 100%, breakable: true)["]
    if caption:
        parts.append(f"#block(sticky: true, below: 0.6em)[{_inline(caption)}]")
    parts.append(f"#align(left)[#{table}]")
    if note:
        parts.append(f"#block(above: 0.5em)[#text(size: 9pt)[{_inline(note)}]]")
    parts.append("]")
    return "\n".join(parts) + "\n"


def typst_markup(page: str, images: Path, *, title: str = "", lang: str = "en") -> str:
    """The Typst source of a rendered HTML page; figures are written to ``images``."""
    fonts = "(" + ", ".join(typst_string(f) for f in FAMILIES) + ")"
    out = [_PREAMBLE.format(title=typst_string(title), fonts=fonts, lang=typst_string(lang))]
    n_fig = 0
    block: Block
    for block in blocks(content_root(parse_html(page))):
        if block.kind == "heading":
            level = max(block.level - 1, 1)
            out.append(f"#heading(level: {level})[{_inline(block.runs)}]\n")
        elif block.kind == "para":
            body = _inline(block.runs)
            if block.style == "title":
                out.append(f'#align(center)[#text(size: 18pt, weight: "bold")[{body}]]\n')
            elif block.style == "subtitle":
                out.append(f"#align(center)[#text(size: 13pt)[{body}]]\n")
            elif block.style == "callout-title":
                out.append(f"#block(sticky: true, inset: (left: 10pt))[#strong[{body}]]\n")
            elif block.style in ("callout", "quote"):
                out.append(
                    f"#block(inset: (left: 10pt), stroke: (left: 2pt + luma(160)))[{body}]\n"
                )
            else:
                out.append(f"#par[{body}]\n")
        elif block.kind == "item":
            fn = "enum" if block.ordered else "list"
            item = f"#{fn}[{_inline(block.runs)}]"
            if block.level:
                item = f"#pad(left: {12 * block.level}pt)[{item}]"
            out.append(item + "\n")
        elif block.kind == "code":
            out.append(
                f"#block(fill: luma(245), inset: 6pt, width: 100%)[#raw({typst_string(block.text)}, block: true)]\n"
            )
        elif block.kind == "table" and block.table is not None:
            out.append(typst_table(block.table, caption=block.caption))
        elif block.kind == "figure":
            n_fig += 1
            name = f"figure-{n_fig}.{'png' if block.mime == 'image/png' else 'jpg'}"
            (images / name).write_bytes(block.image)
            width = "100%"
            if block.width:
                width = f"{min(100, round(100 * block.width / 640))}%"
            img = f"image({typst_string(name)}, width: {width}, alt: {typst_string(block.alt)})"
            cap = f", caption: [{_inline(block.caption)}]" if block.caption else ""
            out.append(f"#figure({img}{cap}, numbering: none, supplement: none)\n")
        elif block.kind == "rule":
            out.append("#line(length: 100%, stroke: 0.5pt)\n")
    return "\n".join(out)


def build_pdf(
    page: str, *, title: str = "", lang: str = "en", warnings: list[str] | None = None
) -> bytes:
    """The PDF of a rendered HTML page, as bytes (Typst, fonts from ``fontpkg-noto-sans*``).

    Parameters
    ----------
    page : str
        The self-contained HTML page of the built-in renderer.
    title, lang : str
        The document's title (PDF metadata) and language.
    warnings : list, optional
        Receives Typst's warnings (e.g. an unknown font family), one string each.

    Raises
    ------
    RenderError
        When Typst fails on the generated markup.
    """
    import typst

    with tempfile.TemporaryDirectory(prefix="sa-typst-") as tmp:
        root = Path(tmp)
        source = typst_markup(page, root, title=title, lang=lang)
        main = root / "main.typ"
        main.write_text(source, encoding="utf-8")
        try:
            pdf, found = typst.compile_with_warnings(
                str(main), root=str(root), font_paths=font_dirs(), ignore_system_fonts=True
            )
        except typst.TypstError as exc:
            raise RenderError(Path(title or "report"), "PDF", f"typst failed: {exc}") from None
    if warnings is not None:
        warnings.extend(str(getattr(w, "message", w)) for w in found)
    if not isinstance(pdf, bytes):
        raise RenderError(Path(title or "report"), "PDF", "typst returned no PDF")
    return pdf
