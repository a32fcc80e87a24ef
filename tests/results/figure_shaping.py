"""Reference glyph sequences for tests/report/test_figure_shaping.py: Khmer and Thai words
shaped by HarfBuzz with the report fonts.

Run from the repository root (needs the ``uharfbuzz`` package, which the tests do not):

    pip install uharfbuzz
    python tests/results/figure_shaping.py

Produced with uharfbuzz 0.57.0 (HarfBuzz 15.0.0) and the fonts of
fontpkg-noto-sans-khmer 2.4 (Noto Sans Khmer 2.004) and fontpkg-noto-sans-thai 2.2 (Noto Sans
Thai 2.002). Each word is shaped with the font of its script at the default instance of the
variable font, with HarfBuzz's default features and the script, language and direction
guessed from the text (``guess_segment_properties``), which is what a shaping renderer does.
Glyphs are stored by name (the fonts' ``post`` table), so a new font release that renumbers
glyphs leaves the reference valid; "positions" are HarfBuzz's (x_advance, x_offset, y_offset)
in font units, for information.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import uharfbuzz as hb
from fontTools.ttLib import TTFont

from stigma_analysis.report._fonts import KHMER, THAI, font_files, script_family

# Khmer stacked consonants (coeng), pre-base vowels and the coeng-ro that is drawn before its
# base; Thai tone marks stacked above upper vowels and marks below.
WORDS = (
    "ស្ត្រី",  # woman: coeng ta + coeng ro (drawn first) + vowel
    "ក្រុមប្រៀបធៀប",  # comparison group
    "ក្រុមអន្តរាគមន៍",  # intervention group
    "ភ្នំពេញ",  # Phnom Penh
    "សៀមរាប",  # Siem Reap: pre-base vowel
    "ผู้หญิง",  # woman: tone mark over a mark below
    "ที่นี่",  # tone mark stacked on an upper vowel
    "น้ำ",  # tone mark before sara am
    "กลุ่มเปรียบเทียบ",  # comparison group
)
OUT = Path(__file__).with_suffix(".json")


def shape(word: str) -> dict[str, object]:
    family = script_family(word)
    if family not in (KHMER, THAI):
        raise ValueError(f"not a Khmer or Thai word: {word!r}")
    path = font_files()[family]
    names = TTFont(path).getGlyphOrder()
    font = hb.Font(hb.Face(hb.Blob.from_file_path(str(path))))
    buf = hb.Buffer()
    buf.add_str(word)
    buf.guess_segment_properties()
    hb.shape(font, buf, {})
    return {
        "family": family,
        "glyphs": [names[g.codepoint] for g in buf.glyph_infos],
        "positions": [[p.x_advance, p.x_offset, p.y_offset] for p in buf.glyph_positions],
    }


def main() -> None:
    files = font_files()
    reference = {
        "harfbuzz": hb.version_string(),
        "fonts": {
            family: TTFont(files[family])["name"].getDebugName(5) for family in (KHMER, THAI)
        },
        "words": {word: shape(word) for word in WORDS},
    }
    text = json.dumps(reference, ensure_ascii=False, indent=1)
    text = re.sub(r"\[\s*(-?\d+),\s*(-?\d+),\s*(-?\d+)\s*\]", r"[\1, \2, \3]", text)
    OUT.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
