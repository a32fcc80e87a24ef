"""Fonts for reports: Noto Sans (Latin), Noto Sans Khmer and Noto Sans Thai, from PyPI.

The fonts come from the ``fontpkg-noto-sans*`` packages (plain ``.ttf`` files inside the
wheels), so every format renders Khmer and Thai without system fonts and offline:

* PDF: the font folders are passed to Typst (``font_paths``); Typst shapes the text.
* figures: :func:`use_report_fonts` registers the files with matplotlib and sets the
  family list ``Noto Sans, Noto Sans Khmer, Noto Sans Thai, DejaVu Sans``, so a Khmer label
  falls back to the Khmer font instead of drawing boxes. matplotlib (3.11 or later, which the
  package requires) shapes each run with libraqm and HarfBuzz, bundled in its wheels: stacked
  consonants, pre-base vowels and stacked Thai marks come out as in the PDF's text.
* Word: the document names the families (Latin and complex-script fonts per run); Word
  draws them only where they are installed (the ``.ttf`` files can be installed from the
  folders :func:`font_files` returns).
* HTML: :func:`html_font_faces` embeds subsets (only the characters used) as data URIs.
"""

from __future__ import annotations

import base64
import importlib
import io
from functools import cache
from pathlib import Path

__all__ = [
    "FAMILIES",
    "KHMER",
    "LATIN",
    "THAI",
    "font_files",
    "html_font_faces",
    "script_family",
    "use_report_fonts",
]

LATIN = "Noto Sans"
KHMER = "Noto Sans Khmer"
THAI = "Noto Sans Thai"
FAMILIES = (LATIN, KHMER, THAI)
_PACKAGES = {
    LATIN: "fontpkg_noto_sans",
    KHMER: "fontpkg_noto_sans_khmer",
    THAI: "fontpkg_noto_sans_thai",
}
_RANGES = {KHMER: ((0x1780, 0x17FF), (0x19E0, 0x19FF)), THAI: ((0x0E00, 0x0E7F),)}


@cache
def font_files() -> dict[str, Path]:
    """``{family: upright .ttf}`` for the report fonts that are installed.

    A missing ``fontpkg-noto-sans*`` package is left out (the formats then fall back to
    whatever the system has); the package's dependencies install all three.
    """
    found: dict[str, Path] = {}
    for family, module in _PACKAGES.items():
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        root = Path(getattr(mod, "ROOT", Path(mod.__file__ or ".").parent)) / "files"
        files = sorted(p for p in root.glob("*.ttf") if "Italic" not in p.name)
        if files:
            found[family] = files[0]
    return found


def font_dirs() -> list[str]:
    """The folders holding the report fonts (for Typst's ``font_paths``)."""
    return sorted({str(p.parent) for p in font_files().values()})


def script_family(text: str) -> str | None:
    """The complex-script family the text needs (Khmer or Thai), or None for Latin text."""
    for ch in text:
        code = ord(ch)
        for family, ranges in _RANGES.items():
            if any(lo <= code <= hi for lo, hi in ranges):
                return family
    return None


def use_report_fonts() -> list[str]:
    """Register the report fonts with matplotlib and make them the sans-serif family list.

    Returns the family list set as ``rcParams["font.family"]``; matplotlib falls back along
    it, so Khmer and Thai labels draw their glyphs, shaped (matplotlib 3.11 or later lays text
    out with HarfBuzz). The report kernel calls this before any cell runs, so every report
    figure is drawn with these fonts and embedded as the same PNG in HTML, Word and PDF.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    families = []
    for family, path in font_files().items():
        font_manager.fontManager.addfont(str(path))
        families.append(family)
    families.append("DejaVu Sans")
    mpl.rcParams["font.family"] = families
    return families


def _subset(path: Path, text: str) -> bytes:
    """The regular instance of a (variable) font, reduced to the glyphs ``text`` needs.

    The subsetter keeps every glyph the shaping rules (GSUB) can reach from those
    characters, so Khmer subscripts and vowel forms survive.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = TTFont(io.BytesIO(path.read_bytes()), recalcTimestamp=False)
    if "fvar" in font:
        axes = {a.axisTag: a.defaultValue for a in font["fvar"].axes}
        axes["wght"] = 400.0 if "wght" in axes else axes.get("wght", 400.0)
        font = instancer.instantiateVariableFont(font, axes)
    options = subset.Options()
    options.layout_features = ["*"]  # keep the shaping features (Khmer/Thai need them)
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    sub.populate(text=text)
    sub.subset(font)
    # the same report gives the same bytes: keep the font's own modification time (fontTools
    # would stamp the current time into the 'head' table on saving)
    font.recalcTimestamp = False
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def html_font_faces(text: str) -> str:
    """``@font-face`` rules embedding the Khmer/Thai fonts, subset to the characters of
    ``text`` (empty when the text has no Khmer or Thai).

    The whole variable fonts would add about 0.8 MB of base64 to every page; the regular
    instance reduced to the characters a report uses is a few kilobytes.
    """
    files = font_files()
    rules: list[str] = []
    for family, ranges in _RANGES.items():
        used = {ch for ch in text if any(lo <= ord(ch) <= hi for lo, hi in ranges)}
        if not used or family not in files:
            continue
        data = base64.b64encode(_subset(files[family], "".join(sorted(used)) + " ")).decode()
        rules.append(
            f'@font-face {{ font-family: "{family}"; '
            f'src: url("data:font/ttf;base64,{data}") format("truetype"); }}'
        )
    if rules:
        families = ", ".join(f'"{f}"' for f in _RANGES)
        rules.append(f"body {{ font-family: var(--sans), {families}; }}")
    return "\n".join(rules)
