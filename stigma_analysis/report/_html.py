"""Assemble one self-contained HTML page from a parsed document and its executed cells.

Everything is embedded (CSS, figures as base64 data URIs); nothing depends on the clock or
on random ids, so the same inputs give the same bytes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

from stigma_analysis.report._execute import INLINE_MIME, Execution, strip_ansi
from stigma_analysis.report._markdown import (
    Heading,
    MarkdownRenderer,
    heading_levels,
    section_titles,
)
from stigma_analysis.report._qmd import CodeCell, Markdown, QmdDocument, RawBlock

__all__ = ["build_html"]

_PANDAS_STYLE = re.compile(r"<style scoped>.*?</style>\s*", re.DOTALL)
_STYLER_UUID = re.compile(r"\bT_([0-9a-f]{5})(?=[_ \"'#.{])")
_INLINE = re.compile(r"`\{python\}\s+([^`]+?)\s*`")


def _css() -> str:
    return resources.files("stigma_analysis.report").joinpath("report.css").read_text("utf-8")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return str(value)


class _Page:
    def __init__(
        self,
        doc: QmdDocument,
        execution: Execution,
        meta: Mapping[str, Any],
        execute: Mapping[str, Any],
    ):
        self.doc = doc
        self.execution = execution
        self.meta = meta
        self.execute = execute
        self.styler_ids: dict[str, str] = {}
        self.has_code = False
        self.xrefs = self._number_crossrefs()
        all_md = "\n".join(b.text for b in doc.blocks if isinstance(b, Markdown))
        levels = heading_levels(all_md)
        for ident, text in section_titles(all_md).items():
            self.xrefs.setdefault(ident, text)
        self.md = MarkdownRenderer(
            base_dir=doc.path.parent if doc.path is not None else None,
            number_sections=bool(meta.get("number-sections", False)),
            min_level=min(levels) if levels else 1,
            xrefs=self.xrefs,
        )

    def _number_crossrefs(self) -> dict[str, str]:
        """``{"fig-x": "Figure 1", ...}``: numbered in order, counting only cells that show one."""
        refs: dict[str, str] = {}
        counts = {"fig": 0, "tbl": 0}
        for cell in self.doc.cells:
            label = cell.label or ""
            kind = label.split("-", 1)[0]
            executed = self.execution.cells.get(cell.index)
            mimes = {m for o in (executed.outputs if executed else []) for m in o.get("data", {})}
            shown = (
                any(m.startswith("image/") for m in mimes)
                if kind == "fig"
                else bool(mimes & {"text/html", "text/markdown"})
            )
            if kind in counts and label not in refs and shown:
                counts[kind] += 1
                refs[label] = f"{'Figure' if kind == 'fig' else 'Table'} {counts[kind]}"
        return refs

    # -- code cells -------------------------------------------------------------------------
    def cell(self, cell: CodeCell, outputs: list[dict[str, Any]]) -> str:
        opts = {**self.execute, **cell.options}
        if opts.get("include", True) is False:
            return ""
        parts: list[str] = []
        echo = opts.get("echo", False)
        if echo is not False and cell.source.strip():
            parts.append(
                self._code(cell, fenced=echo == "fenced", fold=opts.get("code-fold", False))
            )
        show = opts.get("output", True)
        if show is not False:
            parts.extend(self._outputs(cell, outputs, opts, asis=show == "asis"))
        if not parts:
            return ""
        label = cell.label
        ident = ""
        if label and not label.startswith(("fig-", "tbl-")):
            ident = f' id="{html.escape(self.md.reserve_id(label))}"'
        if show == "asis":
            return "".join(parts)
        return f'<div class="cell"{ident}>\n' + "".join(parts) + "</div>\n"

    def _code(self, cell: CodeCell, *, fenced: bool, fold: Any) -> str:
        self.has_code = True
        source = cell.source
        if fenced:
            opts = "".join(f"#| {k}: {v}\n" for k, v in cell.options.items())
            source = f"```{{python}}\n{opts}{source}\n```"
        try:
            from pygments import highlight
            from pygments.formatters import HtmlFormatter
            from pygments.lexers import PythonLexer

            body = highlight(source, PythonLexer(), HtmlFormatter(nowrap=True))
        except ImportError:  # pragma: no cover - pygments comes with nbconvert
            body = html.escape(source)
        block = (
            f'<pre class="sourceCode"><code class="language-python">{body.rstrip()}</code></pre>\n'
        )
        if fold:
            summary = html.escape(str(self.meta.get("code-summary", "Code")))
            return f'<details class="code-fold"><summary>{summary}</summary>\n{block}</details>\n'
        return block

    def _outputs(
        self, cell: CodeCell, outputs: list[dict[str, Any]], opts: Mapping[str, Any], *, asis: bool
    ) -> list[str]:
        label = cell.label or ""
        fig_caps = _as_list(opts.get("fig-cap"))
        fig_alts = _as_list(opts.get("fig-alt"))
        tbl_caps = _as_list(opts.get("tbl-cap"))
        n_fig = n_tbl = 0
        parts: list[str] = []
        streams: list[tuple[str, str]] = []

        def flush_streams() -> None:
            for name, text in streams:
                if asis and name == "stdout":
                    parts.append(self.md.render(text))
                else:
                    parts.append(
                        f'<pre class="cell-output cell-output-{name}">{html.escape(text.rstrip())}</pre>\n'
                    )
            streams.clear()

        for out in outputs:
            kind = out.get("output_type")
            if kind == "stream":
                name = out.get("name", "stdout")
                if name == "stderr" and opts.get("warning", True) is False:
                    continue
                text = strip_ansi(_text(out.get("text", "")))
                if streams and streams[-1][0] == name:
                    streams[-1] = (name, streams[-1][1] + text)
                else:
                    streams.append((name, text))
                continue
            flush_streams()
            if kind == "error":
                tb = strip_ansi("\n".join(out.get("traceback", [])))
                parts.append(
                    f'<pre class="cell-output cell-output-error">{html.escape(tb)}</pre>\n'
                )
                continue
            data: dict[str, Any] = out.get("data", {})
            meta: dict[str, Any] = out.get("metadata", {})
            if INLINE_MIME in data:
                continue
            image = next(
                (m for m in ("image/svg+xml", "image/png", "image/jpeg") if m in data), None
            )
            if "text/html" in data and image is None:
                body = self._clean_html(_text(data["text/html"]))
                cap = tbl_caps[n_tbl] if n_tbl < len(tbl_caps) else None
                ident = None
                if label.startswith("tbl-"):
                    ident = label if n_tbl == 0 else f"{label}-{n_tbl + 1}"
                n_tbl += 1
                parts.append(self._table(body, cap, ident, label if n_tbl == 1 else None))
            elif image is not None:
                cap = fig_caps[n_fig] if n_fig < len(fig_caps) else None
                alt = fig_alts[n_fig] if n_fig < len(fig_alts) else (cap or "")
                ident = None
                if label.startswith("fig-"):
                    ident = label if n_fig == 0 else f"{label}-{n_fig + 1}"
                n_fig += 1
                parts.append(
                    self._figure(
                        image,
                        payload=data[image],
                        meta=meta.get(image, {}),
                        cap=cap,
                        alt=str(alt),
                        ident=ident,
                        ref_label=label if n_fig == 1 else None,
                    )
                )
            elif "text/markdown" in data:
                parts.append(self.md.render(_text(data["text/markdown"])))
            elif "text/plain" in data:
                text = strip_ansi(_text(data["text/plain"]))
                if asis:
                    parts.append(self.md.render(text))
                else:
                    parts.append(
                        f'<pre class="cell-output cell-output-display">{html.escape(text)}</pre>\n'
                    )
        flush_streams()
        return parts

    def _caption(self, text: str | None, ref_label: str | None) -> str:
        prefix = self.xrefs.get(ref_label or "")
        body = self.md.inline(str(text)) if text else ""
        if prefix and body:
            return f'<span class="caption-label">{prefix}:</span> {body}'
        if prefix:
            return f'<span class="caption-label">{prefix}</span>'
        return body

    def _table(self, body: str, cap: Any, ident: str | None, ref_label: str | None) -> str:
        if not (cap or ident):
            return f'<div class="cell-output-display">\n{body}\n</div>\n'
        id_attr = f' id="{html.escape(self.md.reserve_id(ident))}"' if ident else ""
        caption = self._caption(cap, ref_label) if (cap or ref_label) else ""
        cap_html = f'<figcaption class="table-caption">{caption}</figcaption>\n' if caption else ""
        return (
            f'<figure class="table-figure"{id_attr}>\n{cap_html}'
            f'<div class="table-wrap">\n{body}\n</div>\n</figure>\n'
        )

    def _figure(
        self,
        mime: str,
        *,
        payload: Any,
        meta: Mapping[str, Any],
        cap: Any,
        alt: str,
        ident: str | None,
        ref_label: str | None,
    ) -> str:
        import base64

        if mime == "image/svg+xml":
            src = "data:image/svg+xml;base64," + base64.b64encode(_text(payload).encode()).decode()
        else:
            src = f"data:{mime};base64," + "".join(_text(payload).split())
        size = "".join(
            f' {k}="{int(meta[k])}"'
            for k in ("width", "height")
            if isinstance(meta.get(k), int | float)
        )
        id_attr = f' id="{html.escape(self.md.reserve_id(ident))}"' if ident else ""
        caption = self._caption(cap, ref_label) if (cap or ref_label) else ""
        cap_html = f"<figcaption>{caption}</figcaption>\n" if caption else ""
        img = f'<img src="{src}" alt="{html.escape(re.sub(r"<[^>]+>", "", alt))}"{size} />'
        return f'<figure class="figure"{id_attr}>\n{img}\n{cap_html}</figure>\n'

    def _clean_html(self, body: str) -> str:
        body = _PANDAS_STYLE.sub("", body)
        # pandas writes border="1", which browsers draw as a grid; the stylesheet rules tables.
        body = body.replace('<table border="1" class="dataframe', '<table class="dataframe')

        def rename(m: re.Match[str]) -> str:
            key = m.group(1)
            if key not in self.styler_ids:
                self.styler_ids[key] = f"t{len(self.styler_ids) + 1:04d}"
            return f"T_{self.styler_ids[key]}"

        return _STYLER_UUID.sub(rename, body)

    # -- markdown ---------------------------------------------------------------------------
    def markdown(self, block: Markdown, inline_values: list[str] | None) -> str:
        text = block.text
        if inline_values is not None:
            values = iter(inline_values)
            text = _INLINE.sub(lambda m: html.escape(next(values, m.group(0))), text)
        return self.md.render(text)

    # -- page -------------------------------------------------------------------------------
    def header(self) -> str:
        meta = self.meta
        rows: list[str] = []
        if meta.get("title"):
            rows.append(f'<h1 class="title">{self.md.inline(str(meta["title"]))}</h1>')
        if meta.get("subtitle"):
            rows.append(f'<p class="subtitle">{self.md.inline(str(meta["subtitle"]))}</p>')
        authors = []
        for a in _as_list(meta.get("author")):
            name = a.get("name") if isinstance(a, dict) else a
            if isinstance(name, dict):  # Quarto's {given, family} form
                name = " ".join(str(name.get(k, "")) for k in ("given", "family")).strip()
            if name:
                authors.append(html.escape(str(name)))
        meta_rows = []
        if authors:
            meta_rows.append(
                f'<div><span class="meta-key">Author{"s" if len(authors) > 1 else ""}</span> {", ".join(authors)}</div>'
            )
        if meta.get("date"):
            meta_rows.append(
                f'<div><span class="meta-key">Date</span> {html.escape(str(meta["date"]))}</div>'
            )
        if meta_rows:
            rows.append('<div class="title-meta">' + "".join(meta_rows) + "</div>")
        if meta.get("abstract"):
            rows.append(
                '<div class="abstract"><div class="abstract-title">Abstract</div>'
                + self.md.render(str(meta["abstract"]))
                + "</div>"
            )
        if not rows:
            return ""
        return '<header id="title-block-header">\n' + "\n".join(rows) + "\n</header>\n"

    def toc(self, headings: list[Heading]) -> str:
        depth = int(self.meta.get("toc-depth", 3))
        entries = [h for h in headings if h.listed and h.level <= depth]
        if not entries:
            return ""
        out: list[str] = []
        stack: list[int] = []  # levels of the open <ul> elements
        for h in entries:
            if not stack or h.level > stack[-1]:
                out.append("<ul>")
                stack.append(h.level)
            else:
                out.append("</li>")
                while len(stack) > 1 and h.level < stack[-1]:
                    out.append("</ul></li>")
                    stack.pop()
            num = f'<span class="toc-section-number">{h.number}</span> ' if h.number else ""
            text = re.sub(r"<a\b[^>]*>|</a>", "", h.html)
            out.append(f'<li><a href="#{h.ident}">{num}{text}</a>')
        out.append("</li>")
        while stack:
            stack.pop()
            out.append("</ul>")
            if stack:
                out.append("</li>")
        title = html.escape(str(self.meta.get("toc-title", "Contents")))
        return (
            f'<nav id="TOC" role="doc-toc">\n<h2 id="toc-title">{title}</h2>\n'
            + "".join(out)
            + "\n</nav>\n"
        )


def build_html(
    doc: QmdDocument,
    execution: Execution,
    *,
    meta: Mapping[str, Any],
    execute: Mapping[str, Any],
    generator: str,
) -> str:
    """The complete page for ``doc`` as a string.

    Parameters
    ----------
    doc : QmdDocument
        The parsed document.
    execution : Execution
        Outputs of its cells and the values of its inline expressions.
    meta : mapping
        Merged document options (project ``_quarto.yml``, front matter, ``format: html:``):
        ``title``, ``subtitle``, ``author``, ``date``, ``abstract``, ``toc``, ``toc-depth``,
        ``toc-title``, ``number-sections``, ``lang``, ``code-summary``.
    execute : mapping
        Execution defaults (``echo``, ``warning``, ``output``, ``include``, ...), overridden
        per cell by ``#|`` options.
    generator : str
        Content of the ``generator`` meta tag.
    """
    page = _Page(doc, execution, meta, execute)
    header = page.header()
    body: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Markdown):
            body.append(page.markdown(block, execution.inline.get(block.line)))
        elif isinstance(block, RawBlock):
            if block.format == "html":
                body.append(block.text + "\n")
        elif isinstance(block, CodeCell):
            executed = execution.cells.get(block.index)
            body.append(page.cell(block, executed.outputs if executed else []))
    body.append(page.md.close_all())
    toc = page.toc(page.md.headings) if meta.get("toc", False) else ""
    css = _css()
    if page.has_code:
        from pygments.formatters import HtmlFormatter

        css += "\n" + HtmlFormatter(style="friendly").get_style_defs(".sourceCode")
    lang = html.escape(str(meta.get("lang", "en")))
    title = re.sub(r"<[^>]+>", "", str(meta.get("pagetitle", meta.get("title", "")))) or (
        doc.path.stem if doc.path is not None else "report"
    )
    layout = "with-toc" if toc else "no-toc"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f'<meta name="generator" content="{html.escape(generator)}" />\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{css}</style>\n</head>\n"
        f'<body class="{layout}">\n{toc}<main id="content">\n{header}'
        + "".join(body)
        + "</main>\n</body>\n</html>\n"
    )
