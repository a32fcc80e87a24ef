"""Parsing .qmd documents: front matter, params, cells and their `#|` options."""

from __future__ import annotations

from pathlib import Path

import pytest

from stigma_analysis.errors import RenderError
from stigma_analysis.report._markdown import MarkdownRenderer, parse_attributes, slugify
from stigma_analysis.report._qmd import CodeCell, Markdown, RawBlock, parse_qmd
from stigma_analysis.report._render import merge_options

FIXTURES = Path(__file__).parent / "fixtures"


def test_parse_smoke_fixture() -> None:
    doc = parse_qmd(FIXTURES / "smoke.qmd")
    assert doc.front_matter["title"] == "Smoke report"
    assert doc.params == {"study": None, "seed": 1}
    labels = [c.label for c in doc.cells]
    assert labels[:5] == ["parameters", "setup", "tbl-demo", "tbl-styled", "fig-demo"]
    assert doc.cells[0].tags == ("parameters",)
    tbl = doc.cells[2]
    assert tbl.options["tbl-cap"] == "Demo table of **means**"
    assert not tbl.source.startswith("#|")
    shown = next(c for c in doc.cells if c.label == "shown-code")
    assert shown.options["echo"] is True
    assert [c.index for c in doc.cells] == list(range(len(doc.cells)))


def test_blocks_in_order_and_plain_fences_stay_markdown() -> None:
    text = """---
title: t
---
Intro.

```python
not_executed = 1
```

```{python}
#| label: a
#| fig-cap: [one, two]
x = 1
```

```{=html}
<div id="raw"></div>
```

````{python}
#| echo: true
print("```")
````
"""
    doc = parse_qmd("t.qmd", text=text)
    kinds = [type(b) for b in doc.blocks]
    assert kinds == [Markdown, CodeCell, RawBlock, CodeCell]
    first = doc.blocks[0]
    assert isinstance(first, Markdown)
    assert "not_executed" in first.text
    a = doc.cells[0]
    assert a.label == "a"
    assert a.options["fig-cap"] == ["one", "two"]
    assert a.source == "x = 1"
    assert a.line == 10
    assert doc.cells[1].source == 'print("```")'
    assert doc.cells[1].describe() == "cell 2 (line 20)"


def test_header_options_knitr_style() -> None:
    doc = parse_qmd("t.qmd", text="```{python echo=FALSE, label=x}\n1\n```\n")
    assert doc.cells[0].options == {"echo": False, "label": "x"}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("---\ntitle: [unclosed\n---\n", "invalid YAML in the front matter"),
        ("---\ntitle: t\n", "never closed"),
        ("---\n- a list\n---\n", "must be a YAML mapping"),
        ("```{python}\nx = 1\n", "never closed"),
        ("```{r}\nx <- 1\n```\n", r"\{r\} cells are not supported"),
        ("```{python}\n#| label: [bad\nx = 1\n```\n", "invalid YAML in the options of cell 1"),
        ("```{python}\n#| just text\nx = 1\n```\n", "must be `key: value` lines"),
    ],
)
def test_parse_errors(text: str, match: str) -> None:
    with pytest.raises(RenderError, match=match):
        parse_qmd("bad.qmd", text=text)


def test_missing_document() -> None:
    with pytest.raises(RenderError, match="cannot read the document"):
        parse_qmd(FIXTURES / "no-such.qmd")


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Results", "results"),
        ("1. Sample & attrition!", "sample-attrition"),
        ("Été 2024", "été-2024"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_parse_attributes() -> None:
    assert parse_attributes('{#sec-a .unnumbered .x title="A title"}') == (
        "sec-a",
        ["unnumbered", "x"],
        {"title": "A title"},
    )


def test_markdown_headings_divs_and_crossrefs() -> None:
    md = MarkdownRenderer(
        base_dir=None, number_sections=True, min_level=2, xrefs={"fig-a": "Figure 1"}
    )
    out = md.render("## Intro {#sec-intro}\n\nSee @fig-a.\n\n::: {.callout-tip}\nTip text\n:::\n")
    out += md.render("## Intro\n\n### Sub {.unnumbered}\n\n## Intro")
    assert (
        '<h2 id="sec-intro" class="anchored"><span class="header-section-number">1</span> Intro</h2>'
        in out
    )
    assert '<a href="#fig-a" class="quarto-xref">Figure 1</a>' in out
    assert 'class="callout callout-tip"' in out
    assert [(h.ident, h.number) for h in md.headings] == [
        ("sec-intro", "1"),
        ("intro", "2"),
        ("sub", None),
        ("intro-1", "3"),
    ]


def test_merge_options_document_over_project() -> None:
    project = {
        "project": {"output-dir": "_output"},
        "execute": {"echo": False, "warning": False},
        "format": {"html": {"toc": True, "toc-depth": 2}},
    }
    front = {"title": "T", "execute": {"echo": True}, "format": {"html": {"toc-depth": 3}}}
    meta, execute = merge_options(front, project)
    assert execute == {"echo": True, "warning": False}
    assert meta == {"toc": True, "toc-depth": 3, "title": "T"}


def test_callout_title_from_first_heading_or_attribute() -> None:
    md = MarkdownRenderer(base_dir=None)
    out = md.render("::: {.callout-warning}\n## Read first\nBody\n:::\n")
    out += md.render('::: {.callout-tip title="Given"}\nBody\n:::\n')
    out += md.render("::: {.callout-note}\nBody\n:::\n\n::: {.aside}\nx\n:::\n")
    assert '<div class="callout-title">Read first</div>' in out
    assert '<div class="callout-title">Given</div>' in out
    assert '<div class="callout-title">Note</div>' in out
    assert out.count('class="callout-title"') == 3
    assert '<div class="aside">' in out
    assert md.headings == []  # a callout's title is not a section


@pytest.mark.parametrize("name", ["reintegration.qmd", "programme-evaluation.qmd"])
def test_analysis_documents_are_parameterised_and_end_with_the_stamp(name: str) -> None:
    path = Path(__file__).resolve().parents[2] / "analysis" / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    doc = parse_qmd(path)
    assert set(doc.params) >= {"study", "seed"}
    assert any("parameters" in c.tags for c in doc.cells)  # Quarto's way to take -P values
    assert "stamp(" in doc.cells[-1].source  # every report ends with its reproducibility stamp
