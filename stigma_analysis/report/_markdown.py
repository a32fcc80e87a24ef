"""Markdown → HTML for the built-in renderer (mistune, which nbconvert already depends on).

Adds the bits of Quarto/pandoc markdown that reports use: heading attributes
(``## Results {#sec-results .unnumbered}``), ids for every heading and a table of contents,
section numbers, cross references (``@fig-x``, ``@tbl-x``, ``@sec-x``), fenced divs
(``::: {.callout-note}`` … ``:::``) and local images embedded as data URIs.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mistune
from mistune.renderers.html import HTMLRenderer

__all__ = ["Heading", "MarkdownRenderer", "parse_attributes", "slugify"]

_ATTR_TAIL = re.compile(r"\s*\{([^{}]*)\}\s*$")
_DIV = re.compile(r"^(?P<colons>:{3,})\s*(?P<attrs>\{[^}]*\}|[\w-]+)?\s*:*\s*$")
_XREF = re.compile(r"(?<![\w@])@((?:fig|tbl|sec)-[\w-]*\w)")
_CALLOUT_TITLES = {
    "note": "Note",
    "tip": "Tip",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
}


def slugify(text: str) -> str:
    """Pandoc-style identifier: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"<[^>]+>", "", html.unescape(text))
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in " _-.")
    text = re.sub(r"\s+", "-", text.strip())
    text = text.lstrip("0123456789.-_")
    return text or "section"


def parse_attributes(text: str) -> tuple[str | None, list[str], dict[str, str]]:
    """Parse a pandoc attribute string ``#id .class key="value"`` (braces optional)."""
    text = text.strip().removeprefix("{").removesuffix("}")
    ident: str | None = None
    classes: list[str] = []
    kv: dict[str, str] = {}
    for m in re.finditer(r'([\w-]+)=(?:"([^"]*)"|\'([^\']*)\'|(\S+))|([#.]?)([^\s#.][^\s]*)', text):
        if m.group(1):
            kv[m.group(1)] = next(g for g in m.group(2, 3, 4) if g is not None)
        elif m.group(5) == "#":
            ident = m.group(6)
        elif m.group(5) == ".":
            classes.append(m.group(6))
        else:
            classes.append(m.group(6))
    return ident, classes, kv


@dataclass(slots=True, kw_only=True)
class Heading:
    """A heading seen while rendering (for the table of contents)."""

    level: int
    ident: str
    html: str
    number: str | None
    listed: bool


@dataclass(slots=True, kw_only=True)
class _State:
    base_dir: Path | None
    number_sections: bool
    min_level: int
    headings: list[Heading] = field(default_factory=list)
    used_ids: set[str] = field(default_factory=set)
    counters: list[int] = field(default_factory=lambda: [0] * 7)

    def unique(self, ident: str) -> str:
        base, k = ident, 0
        while ident in self.used_ids:
            k += 1
            ident = f"{base}-{k}"
        self.used_ids.add(ident)
        return ident


class _Renderer(HTMLRenderer):
    def __init__(self, state: _State) -> None:
        super().__init__(escape=False)
        self.state = state

    def heading(self, text: str, level: int, **attrs: Any) -> str:
        st = self.state
        ident: str | None = None
        classes: list[str] = []
        m = _ATTR_TAIL.search(text)
        if m:
            ident, classes, _ = parse_attributes(m.group(1))
            text = text[: m.start()]
        ident = st.unique(ident or slugify(text))
        number = None
        unnumbered = "unnumbered" in classes or "-" in classes
        if st.number_sections and not unnumbered and level >= st.min_level:
            depth = level - st.min_level + 1
            st.counters[depth] += 1
            for d in range(depth + 1, len(st.counters)):
                st.counters[d] = 0
            number = ".".join(str(max(c, 1)) for c in st.counters[1 : depth + 1])
        st.headings.append(
            Heading(
                level=level, ident=ident, html=text, number=number, listed="unlisted" not in classes
            )
        )
        num = f'<span class="header-section-number">{number}</span> ' if number else ""
        cls = " ".join(["anchored", *classes])
        return f'<h{level} id="{ident}" class="{html.escape(cls)}">{num}{text}</h{level}>\n'

    def image(self, text: str, url: str, title: str | None = None) -> str:
        src = url
        base = self.state.base_dir
        if base is not None and not re.match(r"^[a-z][a-z0-9+.-]*:", url, re.IGNORECASE):
            file = (base / url).resolve()
            if file.is_file():
                mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                b64 = base64.b64encode(file.read_bytes()).decode("ascii")
                src = f"data:{mime};base64,{b64}"
        alt = html.escape(re.sub(r"<[^>]+>", "", text))
        t = f' title="{html.escape(title)}"' if title else ""
        return f'<img src="{html.escape(src)}" alt="{alt}"{t} />'

    def block_code(self, code: str, info: str | None = None) -> str:
        lang = (info or "").strip().split(None, 1)[0] if info and info.strip() else ""
        cls = f' class="language-{html.escape(lang)}"' if lang else ""
        return f'<pre class="code-block"><code{cls}>{html.escape(code)}</code></pre>\n'

    def table(self, text: str) -> str:
        return f'<div class="table-wrap"><table class="md-table">\n{text}</table></div>\n'


class MarkdownRenderer:
    """Renders the markdown of one document, keeping heading ids unique across blocks.

    Parameters
    ----------
    base_dir : Path or None
        Where local images are looked up (the document's folder).
    number_sections : bool
        Prefix headings with section numbers.
    min_level : int
        The highest heading level used by the document (numbered as ``1``).
    xrefs : dict
        Cross-reference targets: ``{"fig-x": "Figure 1", ...}``.
    """

    def __init__(
        self,
        *,
        base_dir: Path | None,
        number_sections: bool = False,
        min_level: int = 1,
        xrefs: dict[str, str] | None = None,
    ) -> None:
        self.state = _State(base_dir=base_dir, number_sections=number_sections, min_level=min_level)
        self.xrefs = dict(xrefs or {})
        self._md = mistune.create_markdown(
            renderer=_Renderer(self.state),
            plugins=["table", "strikethrough", "footnotes", "url", "def_list", "task_lists"],
        )
        self._divs: list[str] = []
        self._callout_default_title = ""

    @property
    def headings(self) -> list[Heading]:
        return self.state.headings

    def reserve_id(self, ident: str) -> str:
        """Claim an id (a cell label) so that headings do not reuse it."""
        return self.state.unique(ident)

    def _xref(self, m: re.Match[str]) -> str:
        label = m.group(1)
        target = self.xrefs.get(label)
        if target is None:
            return f"?{label}"
        return f'<a href="#{label}" class="quarto-xref">{html.escape(target)}</a>'

    def inline(self, text: str) -> str:
        """Render a one-line piece of markdown without the surrounding ``<p>``."""
        out = str(self._md(_XREF.sub(self._xref, text))).strip()
        if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
            out = out[3:-4]
        return out

    def render(self, text: str) -> str:
        """Render a markdown block; fenced divs may open here and close in a later block."""
        out: list[str] = []
        chunk: list[str] = []
        fence: str | None = None

        def flush() -> None:
            if chunk:
                out.append(str(self._md(_XREF.sub(self._xref, "\n".join(chunk)))))
                chunk.clear()

        lines = text.split("\n")
        pending_title = False  # a callout's first heading becomes its title (as in Quarto)
        for line in lines:
            stripped = line.strip()
            if pending_title and stripped:
                pending_title = False
                if (h := re.match(r"^#{1,6}\s+(.*?)\s*#*$", stripped)) is not None:
                    out.append(f'<div class="callout-title">{self.inline(h.group(1))}</div>')
                    out.append('<div class="callout-body">\n')
                    continue
                out.append(self._callout_default_title)
            elif pending_title:
                continue
            if fence is None and (m := re.match(r"^(`{3,}|~{3,})", stripped)):
                fence = m.group(1)
            elif fence is not None and re.match(
                rf"^{re.escape(fence[0])}{{{len(fence)},}}\s*$", stripped
            ):
                fence = None
            elif fence is None and (m := _DIV.match(stripped)):
                flush()
                if m.group("attrs"):
                    out.append(self._open_div(m.group("attrs")))
                    pending_title = self._callout_default_title != ""
                elif self._divs:
                    out.append(self._divs.pop())
                continue
            chunk.append(line)
        flush()
        if pending_title:
            out.append(self._callout_default_title)
        self._callout_default_title = ""
        return "".join(out)

    def close_all(self) -> str:
        """Close fenced divs left open at the end of the document."""
        closing = "".join(reversed(self._divs))
        self._divs.clear()
        return closing

    def _open_div(self, attrs: str) -> str:
        ident, classes, kv = parse_attributes(attrs)
        self._callout_default_title = ""
        id_attr = f' id="{html.escape(self.reserve_id(ident))}"' if ident else ""
        callout = next((c for c in classes if c.startswith("callout-")), None)
        if callout is not None:
            kind = callout.removeprefix("callout-")
            self._divs.append("</div></div>\n")
            body = '<div class="callout-body">\n'
            if "title" in kv:
                head = f'<div class="callout-title">{self.inline(kv["title"])}</div>{body}'
            else:
                # The title is the callout's first heading if it has one (see render()).
                default = html.escape(_CALLOUT_TITLES.get(kind, kind.title()))
                self._callout_default_title = f'<div class="callout-title">{default}</div>{body}'
                head = ""
            return f'<div{id_attr} class="callout callout-{html.escape(kind)}">' + head
        self._divs.append("</div>\n")
        cls = f' class="{html.escape(" ".join(classes))}"' if classes else ""
        return f"<div{id_attr}{cls}>\n"


def heading_levels(text: str) -> list[int]:
    """Levels of the ATX headings of a markdown text (outside fenced code)."""
    levels: list[int] = []
    fence: str | None = None
    for line in text.split("\n"):
        s = line.strip()
        if fence is None and (m := re.match(r"^(`{3,}|~{3,})", s)):
            fence = m.group(1)
        elif fence is not None and s.startswith(fence):
            fence = None
        elif fence is None and (m := re.match(r"^(#{1,6})\s", line)):
            levels.append(len(m.group(1)))
    return levels


def section_titles(text: str) -> dict[str, str]:
    """``{"sec-x": "Heading text"}`` for headings carrying an explicit ``{#sec-x}`` id."""
    found: dict[str, str] = {}
    for m in re.finditer(r"^#{1,6}\s+(.*?)\s*\{([^}]*)\}\s*$", text, re.MULTILINE):
        ident, _, _ = parse_attributes(m.group(2))
        if ident and ident.startswith("sec-"):
            found[ident] = m.group(1)
    return found
