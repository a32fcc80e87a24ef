"""Parse a Quarto ``.qmd`` document: YAML front matter, markdown blocks and ``{python}`` cells.

Only the subset of Quarto that the built-in renderer honours is parsed: the front matter (a
YAML mapping between ``---`` lines at the top), executable ```` ```{python} ```` cells with
their ``#|`` option lines (YAML), raw ```` ```{=html} ```` blocks, and everything else as
markdown (other fenced code blocks stay markdown, so a ```` ```python ```` block is shown,
not run).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stigma_analysis.errors import RenderError

__all__ = ["CodeCell", "Markdown", "QmdDocument", "RawBlock", "parse_qmd"]

_FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>.*?)\s*$")
_EXEC_INFO = re.compile(r"^\{\s*(?P<engine>[A-Za-z0-9_-]+)(?P<rest>[^}]*)\}$")
_RAW_INFO = re.compile(r"^\{\s*=(?P<format>[A-Za-z0-9_-]+)\s*\}$")
_OPTION = re.compile(r"^#\|\s?(?P<text>.*)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Markdown:
    """A run of markdown text between cells."""

    text: str
    line: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RawBlock:
    """A raw block (```` ```{=html} ````): passed through verbatim for its format."""

    format: str
    text: str
    line: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeCell:
    """An executable ```` ```{python} ```` cell.

    Attributes
    ----------
    source : str
        The code, without the ``#|`` option lines.
    options : dict
        The cell's ``#|`` options (parsed as YAML), e.g. ``{"label": "fig-x", "echo": True}``.
    line : int
        1-based line of the opening fence in the document.
    index : int
        0-based position among the document's code cells.
    """

    source: str
    options: dict[str, Any] = field(default_factory=dict)
    line: int
    index: int

    @property
    def label(self) -> str | None:
        """The ``label`` option, or None."""
        label = self.options.get("label")
        return str(label) if label is not None else None

    @property
    def tags(self) -> tuple[str, ...]:
        """The ``tags`` option as a tuple of strings."""
        tags = self.options.get("tags") or ()
        if isinstance(tags, str):
            tags = [t.strip() for t in tags.split(",")]
        return tuple(str(t) for t in tags)

    def describe(self) -> str:
        """The label, or ``"cell N (line L)"`` for an unlabelled cell."""
        return self.label or f"cell {self.index + 1} (line {self.line})"


Block = Markdown | RawBlock | CodeCell


@dataclass(frozen=True, slots=True, kw_only=True)
class QmdDocument:
    """A parsed ``.qmd`` document."""

    path: Path | None
    front_matter: dict[str, Any]
    blocks: tuple[Block, ...]

    @property
    def cells(self) -> tuple[CodeCell, ...]:
        """The executable cells, in document order."""
        return tuple(b for b in self.blocks if isinstance(b, CodeCell))

    @property
    def params(self) -> dict[str, Any]:
        """The front matter's ``params`` mapping (defaults of the document's parameters)."""
        params = self.front_matter.get("params") or {}
        return dict(params)


def _yaml_load(text: str, where: Path | str, what: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RenderError(where, None, f"invalid YAML in {what}: {exc}") from None


def parse_qmd(source: str | Path, *, text: str | None = None) -> QmdDocument:
    """Parse a ``.qmd`` file (or ``text`` when given; ``source`` then only names it).

    Raises
    ------
    RenderError
        On invalid YAML in the front matter or a cell's options, an unclosed cell, or a
        cell in an engine other than Python.
    """
    path = Path(source)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RenderError(path, None, f"cannot read the document: {exc.strerror}") from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    front: dict[str, Any] = {}
    start = 0
    if lines and lines[0].strip() == "---":
        for j in range(1, len(lines)):
            if lines[j].strip() in {"---", "..."}:
                loaded = _yaml_load("\n".join(lines[1:j]), path, "the front matter")
                if loaded is not None and not isinstance(loaded, dict):
                    raise RenderError(path, None, "the front matter must be a YAML mapping")
                front = loaded or {}
                if "params" in front and not isinstance(front["params"] or {}, dict):
                    raise RenderError(path, None, "front matter `params` must be a mapping")
                start = j + 1
                break
        else:
            raise RenderError(path, None, "the front matter (`---` at line 1) is never closed")

    blocks: list[Block] = []
    md: list[str] = []
    md_line = start + 1
    n_cells = 0
    i = start

    def flush(next_line: int) -> None:
        nonlocal md, md_line
        chunk = "\n".join(md)
        if chunk.strip():
            blocks.append(Markdown(text=chunk.strip("\n"), line=md_line))
        md = []
        md_line = next_line

    while i < len(lines):
        line = lines[i]
        m = _FENCE_OPEN.match(line)
        if not m:
            md.append(line)
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info")
        close = re.compile(rf"^{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = next((k for k in range(i + 1, len(lines)) if close.match(lines[k])), None)
        exec_m, raw_m = _EXEC_INFO.match(info), _RAW_INFO.match(info)
        if exec_m is None and raw_m is None:
            # An ordinary fenced block: markdown, copied through (closed or not).
            stop = len(lines) if end is None else end + 1
            md.extend(lines[i:stop])
            i = stop
            continue
        if end is None:
            raise RenderError(path, None, f"the code block opened at line {i + 1} is never closed")
        body = lines[i + 1 : end]
        flush(end + 2)
        if raw_m is not None:
            blocks.append(RawBlock(format=raw_m.group("format"), text="\n".join(body), line=i + 1))
        elif exec_m is not None:
            engine = exec_m.group("engine").lower()
            if engine not in {"python", "python3"}:
                raise RenderError(
                    path,
                    None,
                    f"line {i + 1}: {{{engine}}} cells are not supported by the built-in "
                    "renderer (only {python}); install Quarto to render this document",
                )
            option_lines: list[str] = []
            k = 0
            while k < len(body) and (om := _OPTION.match(body[k])):
                option_lines.append(om.group("text"))
                k += 1
            label_hint = f"cell {n_cells + 1} (line {i + 1})"
            options = _yaml_load("\n".join(option_lines), path, f"the options of {label_hint}")
            if options is None:
                options = {}
            if not isinstance(options, dict):
                raise RenderError(path, label_hint, "`#|` options must be `key: value` lines")
            # Inline options in the header (```{python echo=false}) are a knitr-ism; accept
            # the simplest `key=value` form so such documents do not silently change meaning.
            for key, value in re.findall(
                r"([A-Za-z][\w.-]*)\s*=\s*([^,\s]+)", exec_m.group("rest")
            ):
                value = {"TRUE": "true", "FALSE": "false"}.get(value, value)
                options.setdefault(key.replace(".", "-"), _yaml_load(value, path, label_hint))
            blocks.append(
                CodeCell(
                    source="\n".join(body[k:]).strip("\n"),
                    options={str(key): v for key, v in options.items()},
                    line=i + 1,
                    index=n_cells,
                )
            )
            n_cells += 1
        i = end + 1
    flush(len(lines))
    return QmdDocument(path=path, front_matter=front, blocks=tuple(blocks))
