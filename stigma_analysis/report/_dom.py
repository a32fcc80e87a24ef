"""A small element tree of the rendered HTML page, the common source of the Word and PDF files.

The built-in renderer assembles the page once from the executed document; the Word and PDF
builders read this tree of it, so every format shows the same headings, text, figures and
tables, and a table cell has the same text in all of them (suppression markers included).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = [
    "Block",
    "Node",
    "TableData",
    "blocks",
    "content_root",
    "image_bytes",
    "parse_html",
    "table_data",
    "text_of",
]

_VOID = {"img", "br", "hr", "meta", "link", "input", "col", "wbr", "source"}
_SPACE = re.compile(r"\s+")


@dataclass(slots=True)
class Node:
    """An element (``tag``) with its attributes and children; text is a child ``str``."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    def iter(self, tag: str | None = None) -> list[Node]:
        """This node and all descendant elements (of ``tag``), in document order."""
        found: list[Node] = []
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            if tag is None or node.tag == tag:
                found.append(node)
            stack.extend(reversed(node.elements()))
        return found

    def find(self, tag: str) -> Node | None:
        return next(iter(self.iter(tag)), None)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.stack = [self.root]
        self.raw = 0  # inside <style>/<script>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag in ("style", "script"):
            self.raw += 1
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if tag in ("style", "script"):
            self.raw = max(0, self.raw - 1)
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self.raw:
            self.stack[-1].children.append(data)


def parse_html(page: str) -> Node:
    """The element tree of an HTML page (or fragment)."""
    builder = _Builder()
    builder.feed(page)
    builder.close()
    return builder.root


def content_root(root: Node) -> Node:
    """The report's ``<main>`` (the whole page when there is none)."""
    for node in root.iter("main"):
        return node
    return root


def text_of(node: Node | str, *, keep_space: bool = False) -> str:
    """The text content; whitespace collapsed (as a browser shows it) unless ``keep_space``."""
    if isinstance(node, str):
        out = node
    else:
        parts: list[str] = []
        stack: list[Node | str] = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                parts.append(item)
            elif item.tag in ("style", "script"):
                continue
            elif item.tag == "br":
                parts.append("\n" if keep_space else " ")
            else:
                stack.extend(reversed(item.children))
        out = "".join(parts)
    return out if keep_space else _SPACE.sub(" ", out).strip()


@dataclass(slots=True)
class TableData:
    """A table's cells: ``rows[i][j] = (text, is_header, colspan, numeric)``; ``n_head`` is
    the number of header rows (those in ``<thead>``)."""

    rows: list[list[tuple[str, bool, int, bool]]]
    n_head: int
    caption: str | None

    @property
    def n_cols(self) -> int:
        return max((sum(c[2] for c in row) for row in self.rows), default=0)

    def texts(self) -> list[list[str]]:
        """Cell texts row by row (a spanned cell once)."""
        return [[c[0] for c in row] for row in self.rows]


def table_data(table: Node) -> TableData:
    """The cells of an HTML ``<table>``."""
    rows: list[list[tuple[str, bool, int, bool]]] = []
    n_head = 0
    caption = None
    for node in table.iter():
        if node.tag == "caption":
            caption = text_of(node)
        if node.tag != "tr":
            continue
        row = []
        for cell in node.elements():
            if cell.tag not in ("td", "th"):
                continue
            try:
                span = max(1, int(cell.attrs.get("colspan", "1")))
            except ValueError:
                span = 1
            numeric = "num" in cell.classes or "right" in cell.attrs.get("style", "")
            row.append((text_of(cell), cell.tag == "th", span, numeric))
        rows.append(row)
    thead = table.find("thead")
    if thead is not None:
        n_head = len(thead.iter("tr"))
    elif rows and all(c[1] for c in rows[0]):
        n_head = 1
    return TableData(rows=rows, n_head=n_head, caption=caption)


def image_bytes(src: str) -> tuple[str, bytes] | None:
    """``(mime, bytes)`` of a ``data:`` URI image, or None."""
    m = re.match(r"data:([\w/+.-]+);base64,(.*)$", src, re.DOTALL)
    if m is None:
        return None
    return m.group(1), base64.b64decode("".join(m.group(2).split()))


# -- a flat list of blocks, what the Word and PDF builders write ----------------------------

Run = tuple[str, frozenset[str]]
"""A piece of inline text and its styles (``b``, ``i``, ``code``, ``sup``, ``sub``)."""

_INLINE_STYLE = {
    "strong": "b",
    "b": "b",
    "em": "i",
    "i": "i",
    "code": "code",
    "sup": "sup",
    "sub": "sub",
    "kbd": "code",
}
_BLOCK_TAGS = {
    "p", "div", "ul", "ol", "li", "table", "figure", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "hr", "header", "section", "details", "dl", "dt", "dd", "nav", "main",
}  # fmt: skip


@dataclass(slots=True)
class Block:
    """One block of the document.

    ``kind`` is ``heading`` (``level``), ``para`` (``style``: ``title``, ``subtitle``,
    ``meta``, ``callout``, ``quote`` or None), ``item`` (``level``, ``ordered``), ``code``
    (``text``), ``table`` (``table``, ``caption``), ``figure`` (``image``, ``mime``,
    ``alt``, ``caption``, ``width``) or ``rule``.
    """

    kind: str
    runs: list[Run] = field(default_factory=list)
    level: int = 0
    style: str | None = None
    ordered: bool = False
    text: str = ""
    table: TableData | None = None
    caption: list[Run] = field(default_factory=list)
    image: bytes = b""
    mime: str = ""
    alt: str = ""
    width: int | None = None


def _runs(node: Node | str, styles: frozenset[str] = frozenset()) -> list[Run]:
    if isinstance(node, str):
        text = _SPACE.sub(" ", node)
        return [(text, styles)] if text else []
    if node.tag == "br":
        return [("\n", styles)]
    if node.tag in ("img", "style", "script"):
        return []
    extra = _INLINE_STYLE.get(node.tag)
    if "caption-label" in node.classes:  # "Table 1:" in bold, as APA numbers tables
        extra = "b"
    inner = styles | {extra} if extra else styles
    out: list[Run] = []
    for child in node.children:
        out.extend(_runs(child, inner))
    return out


def _tidy(runs: list[Run]) -> list[Run]:
    """Merge neighbours of one style; trim the ends."""
    merged: list[Run] = []
    for text, st in runs:
        if merged and merged[-1][1] == st:
            merged[-1] = (merged[-1][0] + text, st)
        else:
            merged.append((text, st))
    merged = [(_SPACE.sub(" ", t) if "\n" not in t else t, s) for t, s in merged]
    while merged and not merged[0][0].strip():
        merged.pop(0)
    while merged and not merged[-1][0].strip():
        merged.pop()
    if merged:
        merged[0] = (merged[0][0].lstrip(), merged[0][1])
        merged[-1] = (merged[-1][0].rstrip(), merged[-1][1])
    return merged


def _has_block(node: Node) -> bool:
    return any(c.tag in _BLOCK_TAGS for c in node.elements())


def blocks(root: Node) -> list[Block]:
    """The document's blocks in reading order (table of contents left out)."""
    out: list[Block] = []

    def inline_group(nodes: list[Node | str], style: str | None) -> None:
        runs = _tidy([r for n in nodes for r in _runs(n)])
        if runs:
            out.append(Block("para", runs=runs, style=style))

    def walk(node: Node, style: str | None = None, list_level: int = 0) -> None:
        pending: list[Node | str] = []
        for child in node.children:
            if isinstance(child, str) or child.tag not in _BLOCK_TAGS:
                if isinstance(child, Node) and child.tag == "img":
                    inline_group(pending, style)
                    pending = []
                    figure(child, None)
                else:
                    pending.append(child)
                continue
            inline_group(pending, style)
            pending = []
            visit(child, style, list_level)
        inline_group(pending, style)

    def figure(img: Node, caption: Node | None) -> None:
        got = image_bytes(img.attrs.get("src", ""))
        if got is None or got[0] not in ("image/png", "image/jpeg"):
            alt = img.attrs.get("alt", "")
            if alt:
                out.append(Block("para", runs=[(f"[Figure: {alt}]", frozenset({"i"}))]))
            return
        width = img.attrs.get("width")
        alt = img.attrs.get("alt", "") or (text_of(caption) if caption is not None else "")
        out.append(
            Block(
                "figure",
                image=got[1],
                mime=got[0],
                alt=alt,
                caption=_tidy(_runs(caption)) if caption is not None else [],
                width=int(width) if width and width.isdigit() else None,
            )
        )

    def visit(node: Node, style: str | None, list_level: int) -> None:  # noqa: PLR0911
        tag, cls = node.tag, node.classes
        if tag == "nav" or node.attrs.get("id") == "TOC":
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            level = int(tag[1])
            if "title" in cls:
                out.append(Block("para", runs=_tidy(_runs(node)), style="title"))
            else:
                out.append(Block("heading", runs=_tidy(_runs(node)), level=level))
            return
        if tag == "p":
            sub = "subtitle" if "subtitle" in cls else style
            if _has_block(node):
                walk(node, sub, list_level)
            else:
                inline_group(list(node.children), sub)
            return
        if tag in ("ul", "ol"):
            for li in node.elements():
                if li.tag != "li":
                    continue
                inline_kids = [
                    c for c in li.children if isinstance(c, str) or c.tag not in ("ul", "ol")
                ]
                runs: list[Run] = []
                for c in inline_kids:
                    if isinstance(c, Node) and c.tag == "p":
                        runs.extend(_runs(c))
                        runs.append((" ", frozenset()))
                    else:
                        runs.extend(_runs(c))
                out.append(Block("item", runs=_tidy(runs), level=list_level, ordered=tag == "ol"))
                for c in li.elements():
                    if c.tag in ("ul", "ol"):
                        visit(c, style, list_level + 1)
            return
        if tag == "pre":
            out.append(Block("code", text=text_of(node, keep_space=True).strip("\n")))
            return
        if tag == "table":
            data = table_data(node)
            cap: list[Run] = [(data.caption, frozenset())] if data.caption else []
            out.append(Block("table", table=data, caption=cap))
            return
        if tag == "figure":
            cap_node = node.find("figcaption")
            tables = node.iter("table")
            if tables:
                data = table_data(tables[0])
                cap = _tidy(_runs(cap_node)) if cap_node is not None else []
                if not cap and data.caption:
                    cap = [(data.caption, frozenset())]
                out.append(Block("table", table=data, caption=cap))
                for extra in tables[1:]:
                    out.append(Block("table", table=table_data(extra)))
                return
            imgs = node.iter("img")
            for k, img in enumerate(imgs):
                figure(img, cap_node if k == len(imgs) - 1 else None)
            return
        if tag == "hr":
            out.append(Block("rule"))
            return
        if tag == "details":
            return  # folded code
        if tag == "blockquote":
            walk(node, "quote", list_level)
            return
        if "callout-title" in cls:
            out.append(Block("para", runs=_tidy(_runs(node)), style="callout-title"))
            return
        if "title-meta" in cls:
            for row in node.elements():
                inline_group([row], "meta")
            return
        if "abstract-title" in cls:
            out.append(Block("para", runs=_tidy(_runs(node)), style="callout-title"))
            return
        if "callout" in cls or "abstract" in cls:
            walk(node, "callout", list_level)
            return
        walk(node, style, list_level)

    walk(root)
    return out
