"""Khmer and Thai text in report figures is shaped (issue 17): stacked consonants, pre-base
vowels and stacked marks, as HarfBuzz and Typst draw them, not the characters side by side.

Report figures are drawn by matplotlib in the report's kernel with the fonts of
``use_report_fonts`` and embedded as the same PNG in the HTML, Word and PDF outputs.
matplotlib 3.11 lays text out with libraqm/HarfBuzz (inside its wheels); 3.10 and earlier
drew one glyph per character. Three checks, each failing on matplotlib 3.10:

* the glyphs and their positions in a figure's tick labels equal HarfBuzz's shaping of the
  same words with the same fonts (``tests/results/figure_shaping.json``, made by
  ``tests/results/figure_shaping.py`` with uharfbuzz, which the tests do not need);
* the PNG of the tick labels looks like Typst's rendering of the same words (Typst shapes
  with its own engine; it draws the PDF's text): same ink width and height within 5% and
  overlapping ink (intersection over union of at least 0.7; plain matplotlib scores 0.2 on
  Khmer and its Thai tone marks sit 20% lower);
* a small document rendered to HTML, Word and PDF embeds the same figure pixels in all three,
  and they pass the comparison with Typst.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from stigma_analysis.report._fonts import font_dirs, font_files, use_report_fonts
from stigma_analysis.report._pdf import typst_string
from tests.conftest import ROOT

REFERENCE = json.loads(
    (ROOT / "tests" / "results" / "figure_shaping.json").read_text(encoding="utf-8")
)
WORDS: list[str] = list(REFERENCE["words"])
SIZE = 24  # points
DPI = 150
POSITION_TOLERANCE = 2  # font units (of 1000 per em): matplotlib rounds to 1/64 pixel


@pytest.fixture
def report_fonts() -> Iterator[None]:
    with mpl.rc_context():
        use_report_fonts()
        yield


def _tick_figure() -> Any:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 0.9 * len(WORDS)), dpi=DPI)
    ax.set_yticks(range(len(WORDS)), WORDS, fontsize=SIZE)
    ax.set_xticks([])
    fig.tight_layout()
    return fig


def _svg_labels(svg: str) -> dict[str, list[tuple[str, int, float, float]]]:
    """``{label: [(font, glyph id, x, y), ...]}`` from matplotlib's SVG (text as paths).

    Each text is a ``<g id="text_N">`` group opening with the text as a comment; its glyphs
    are ``<use>`` of paths named ``{PostScript name}-{glyph id in hex}``, moved by
    ``translate(x y)`` in hundredths of an em.
    """
    out: dict[str, list[tuple[str, int, float, float]]] = {}
    for chunk in svg.split('<g id="text_')[1:]:
        label = re.search(r"<!-- (.*?) -->", chunk)
        if label is None:
            continue
        glyphs = []
        for m in re.finditer(
            r'<use xlink:href="#([A-Za-z-]+)-([0-9a-f]+)"(?: transform="translate\(([-\d.e]+)'
            r'(?: ([-\d.e]+))?\)")?',
            chunk,
        ):
            x, y = float(m.group(3) or 0), float(m.group(4) or 0)
            glyphs.append((m.group(1), int(m.group(2), 16), x, y))
        out[label.group(1)] = glyphs
    return out


def test_tick_labels_are_the_glyphs_harfbuzz_shapes(report_fonts: None) -> None:
    import matplotlib.pyplot as plt

    fonts = {}
    for path in font_files().values():
        font = TTFont(path)
        fonts[font["name"].getDebugName(6)] = font
    fig = _tick_figure()
    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "path"}):
        fig.savefig(buf, format="svg")
    plt.close(fig)
    labels = _svg_labels(buf.getvalue())
    for word, ref in REFERENCE["words"].items():
        drawn = labels[word]
        used = {name for name, *_ in drawn}
        assert len(used) == 1, (word, used)  # one font: the script's
        font = fonts[used.pop()]
        assert font["name"].getDebugName(1) == ref["family"], word
        order = font.getGlyphOrder()
        names = [order[gid] if gid < len(order) else f"#{gid}" for _, gid, _, _ in drawn]
        assert names == ref["glyphs"], word
        # pen position plus offset of each glyph, in font units
        upm = font["head"].unitsPerEm
        pen, expected = 0, []
        for advance, dx, dy in ref["positions"]:
            expected.append((pen + dx, dy))
            pen += advance
        got = [(x * upm / 100, y * upm / 100) for *_, x, y in drawn]
        assert np.allclose(got, expected, atol=POSITION_TOLERANCE), (word, got, expected)


def _ink(grey: np.ndarray) -> np.ndarray:
    """The dark pixels of an image, cropped to their bounding box."""
    mask = grey < 128
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _typst_ink(word: str, tmp_path: Path, *, ppi: float = DPI) -> np.ndarray:
    import typst

    source = tmp_path / "word.typ"
    source.write_text(
        "#set page(width: auto, height: auto, margin: 12pt)\n"
        '#set text(top-edge: "bounds", bottom-edge: "bounds", '
        f'font: ("Noto Sans", "Noto Sans Khmer", "Noto Sans Thai"), size: {SIZE}pt)\n'
        f"#{typst_string(word)}\n",
        encoding="utf-8",
    )
    png = typst.compile(
        str(source), format="png", ppi=float(ppi), font_paths=font_dirs(), ignore_system_fonts=True
    )
    assert isinstance(png, bytes)
    return _ink(np.asarray(Image.open(io.BytesIO(png)).convert("L")))


@pytest.fixture(scope="module")
def drawn_labels() -> dict[str, np.ndarray]:
    """The ink of each tick label in the figure's PNG (Agg, as the report kernel draws)."""
    import matplotlib.pyplot as plt

    with mpl.rc_context():
        use_report_fonts()
        fig = _tick_figure()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI)
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        boxes = [t.get_window_extent(renderer) for t in fig.axes[0].get_yticklabels()]
        plt.close(fig)
    image = np.asarray(Image.open(buf).convert("L"))
    height = image.shape[0]
    out = {}
    for word, box in zip(WORDS, boxes, strict=True):
        top, bottom = height - int(box.y1) - 4, height - int(box.y0) + 3
        out[word] = _ink(image[max(top, 0) : bottom, max(int(box.x0) - 3, 0) : int(box.x1) + 4])
    return out


@pytest.mark.parametrize("word", WORDS)
def test_tick_labels_in_the_png_look_like_typst_text(
    word: str, drawn_labels: dict[str, np.ndarray], tmp_path: Path
) -> None:
    _assert_same_text(drawn_labels[word], _typst_ink(word, tmp_path))


def _assert_same_text(drawn: np.ndarray, typeset: np.ndarray) -> None:
    """Same ink width and height (within 5%) and overlapping ink (IoU at least 0.7)."""
    ratio = np.array(drawn.shape) / np.array(typeset.shape)
    assert np.all(np.abs(ratio - 1) <= 0.05), (drawn.shape, typeset.shape)
    h, w = typeset.shape
    resized = Image.fromarray(drawn.astype(np.uint8) * 255).resize((w, h), Image.BILINEAR)
    scaled = np.asarray(resized) > 127
    iou = (scaled & typeset).sum() / (scaled | typeset).sum()
    assert iou >= 0.7, round(float(iou), 3)


REPORT_WORDS = ("ក្រុមប្រៀបធៀប", "ที่นี่")  # each fails the comparison on matplotlib 3.10
REPORT_DPI = 96  # the document's fig-dpi; "retina" PNGs are drawn at twice that
_DOCUMENT = """\
---
title: "Khmer and Thai in figures"
execute:
  echo: false
---

```{{python}}
#| label: fig-words
#| fig-cap: "Words"
import matplotlib.pyplot as plt

for word in {words!r}:
    fig, ax = plt.subplots(figsize=(4, 1))  # (IPython shows no figure without axes)
    ax.set_axis_off()
    ax.text(0.5, 0.5, word, fontsize={size}, ha="center", va="center")
    plt.show()
```
"""


@pytest.fixture(scope="module")
def report_images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[np.ndarray]]:
    """The figures of a rendered report as RGB pixels, per format, in document order."""
    import base64
    import zipfile

    import docx
    import pypdf

    from stigma_analysis.report import render

    folder = tmp_path_factory.mktemp("shaping")
    source = folder / "words.qmd"
    source.write_text(_DOCUMENT.format(words=REPORT_WORDS, size=SIZE), encoding="utf-8")
    files = {
        p.suffix: p
        for p in render(
            source, output_dir=folder / "out", formats=("html", "docx", "pdf"), engine="builtin"
        )
    }

    def pixels(data: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))

    page = files[".html"].read_text(encoding="utf-8")
    assert re.search(r'<img src="(?!data:)', page) is None  # self-contained
    html = [base64.b64decode(b) for b in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]
    document = docx.Document(str(files[".docx"]))
    word = [
        document.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
        for shape in document.inline_shapes
    ]
    with zipfile.ZipFile(files[".docx"]) as z:
        assert sum(n.startswith("word/media/") for n in z.namelist()) == len(word)
    reader = pypdf.PdfReader(files[".pdf"])
    pdf = [np.asarray(img.image.convert("RGB")) for p in reader.pages for img in p.images]
    assert word == html  # Word embeds the very PNGs of the HTML page
    return {"html": [pixels(b) for b in html], "pdf": pdf}


def test_report_figures_are_the_same_shaped_images_in_every_format(
    report_images: dict[str, list[np.ndarray]], tmp_path: Path
) -> None:
    html, pdf = report_images["html"], report_images["pdf"]
    assert len(html) == len(pdf) == len(REPORT_WORDS)
    for a, b in zip(html, pdf, strict=True):
        assert np.array_equal(a, b)  # Typst embeds the PNG's pixels unchanged
    for word, image in zip(REPORT_WORDS, html, strict=True):
        drawn = _ink(np.asarray(Image.fromarray(image).convert("L")))
        typeset = _typst_ink(word, tmp_path, ppi=2 * REPORT_DPI)
        _assert_same_text(drawn, typeset)
