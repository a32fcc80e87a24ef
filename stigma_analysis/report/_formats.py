"""Write the built-in renderer's page as HTML, Word and/or PDF (one execution, many formats)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["BUILTIN_FORMATS", "write_formats"]

BUILTIN_FORMATS = ("html", "docx", "pdf")


def _plain(text: Any) -> str:
    return re.sub(r"<[^>]+>", "", str(text or "")).strip()


def with_font_faces(page: str) -> str:
    """The page with the Khmer/Thai fonts it uses embedded (subsets) in its stylesheet."""
    from stigma_analysis.report._fonts import html_font_faces

    body = page[page.find("<body") :] if "<body" in page else page
    faces = html_font_faces(body)
    if not faces or "</style>" not in page:
        return page
    return page.replace("</style>", f"{faces}\n</style>", 1)


def write_formats(
    page: str,
    formats: Sequence[str],
    *,
    out_dir: Path,
    stem: str,
    meta: Mapping[str, Any],
    write: Callable[[Path, bytes], Path],
) -> list[Path]:
    """Write ``page`` (the built-in renderer's HTML) in each of ``formats``.

    Word and PDF are built from the page itself, so all formats show the same text, tables
    and figures. ``write(path, data)`` writes one file atomically.
    """
    title = _plain(meta.get("title")) or stem
    lang = str(meta.get("lang", "en"))
    written: list[Path] = []
    for fmt in formats:
        if fmt == "html":
            data = with_font_faces(page).encode("utf-8")
        elif fmt == "docx":
            from stigma_analysis.report._docx import build_docx

            data = build_docx(page, title=title, lang=lang)
        elif fmt == "pdf":
            from stigma_analysis.report._pdf import build_pdf

            data = build_pdf(page, title=title, lang=lang)
        else:  # pragma: no cover - render() validates the formats
            raise ValueError(f"the built-in engine writes {list(BUILTIN_FORMATS)}; got {fmt!r}")
        written.append(write(out_dir / f"{stem}.{fmt}", data))
    return written
