"""Rendering .qmd documents with the built-in engine (and with Quarto where it is installed).

The HTML is checked with the standard library's parser: structure, not pixels.
"""

from __future__ import annotations

import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from stigma_analysis.errors import RenderError
from stigma_analysis.report import _execute as execute_module
from stigma_analysis.report import render

FIXTURES = Path(__file__).parent / "fixtures"
SMOKE = FIXTURES / "smoke.qmd"
FAILING = FIXTURES / "failing.qmd"


class _Page(HTMLParser):
    """Collects what the tests look at: headings, TOC links, images, captions, text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[tuple[str, str | None, str]] = []
        self.toc_links: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.captions: list[str] = []
        self.tables = 0
        self.ids: list[str] = []
        self.text: list[str] = []
        self.code_text: list[str] = []
        self._heading: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag not in {"img", "br", "meta", "hr", "input"}:
            self.stack.append((tag, a))
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag in {"h1", "h2", "h3", "h4"}:
            self._heading = []
        if tag == "figcaption":
            self._caption = []
        if tag == "table":
            self.tables += 1
        if tag == "img":
            self.images.append(a)
        if tag == "a" and any(t == "nav" for t, _ in self.stack):
            self.toc_links.append(str(a.get("href")))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"h1", "h2", "h3", "h4"} and self._heading is not None:
            ident = next((a.get("id") for t, a in reversed(self.stack) if t == tag), None)
            self.headings.append((tag, ident, "".join(self._heading).strip()))
            self._heading = None
        if tag == "figcaption" and self._caption is not None:
            self.captions.append("".join(self._caption).strip())
            self._caption = None
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        if any(t == "style" for t, _ in self.stack):
            return
        self.text.append(data)
        if any(t == "pre" and "sourceCode" in str(a.get("class")) for t, a in self.stack):
            self.code_text.append(data)
        if self._heading is not None:
            self._heading.append(data)
        if self._caption is not None:
            self._caption.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def study_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("study")
    path = folder / "study.yaml"
    path.write_text("name: smoke\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, study_file: Path) -> Path:
    out = tmp_path_factory.mktemp("out")
    (path,) = render(SMOKE, study_file, output_dir=out / "nested", engine="builtin", progress=False)
    return path


@pytest.fixture(scope="module")
def page(rendered: Path) -> _Page:
    return _parse(rendered)


def test_output_file(rendered: Path) -> None:
    assert rendered.name == "smoke.html"
    assert rendered.parent.name == "nested"  # the output dir was created
    assert [p.name for p in rendered.parent.iterdir()] == ["smoke.html"]  # no temp files left
    assert rendered.stat().st_mode & 0o044  # readable by others, like any shared report


def test_title_block(page: _Page) -> None:
    assert ("h1", None, "Smoke report") in page.headings
    text = page.all_text
    for expected in ("A tiny document for the renderer's tests", "Test Author", "2024-06-01"):
        assert expected in text


def test_headings_and_toc(page: _Page) -> None:
    ids = {text: ident for tag, ident, text in page.headings if tag in {"h2", "h3"}}
    assert ids == {
        "Contents": "toc-title",
        "Setup": "sec-setup",
        "Results": "sec-results",
        "A table": "a-table",
        "A figure": "a-figure",
        "Options": "options",
        "Reproducibility": "reproducibility",
    }
    assert page.toc_links == [
        "#sec-setup",
        "#sec-results",
        "#a-table",
        "#a-figure",
        "#options",
        "#reproducibility",
    ]
    assert len(page.ids) == len(set(page.ids)), "ids must be unique"


def test_figure_embedded_with_caption(page: _Page) -> None:
    (img,) = page.images
    assert str(img["src"]).startswith("data:image/png;base64,")
    assert len(str(img["src"])) > 1000
    assert img["alt"] == "Demo figure"
    assert "Figure 1: Demo figure" in page.captions
    assert "fig-demo" in page.ids
    assert "http" not in str(img["src"])


def test_table_with_caption(page: _Page, rendered: Path) -> None:
    assert "Table 1: Demo table of means" in page.captions
    assert "tbl-demo" in page.ids
    html = rendered.read_text(encoding="utf-8")
    assert "<strong>means</strong>" in html  # markdown in captions
    assert '<td class="num">10</td>' in html
    assert page.tables >= 3  # the demo table, the Styler table and the stamp's file table
    assert "Table 2: A pandas Styler table" in page.captions
    # Styler's random table ids are renamed in document order (byte-identical renders)
    assert 'id="T_t0001"' in html


def test_cross_references_and_inline_code(page: _Page) -> None:
    text = page.all_text
    assert "See Figure 1 and Table 1." in text
    assert "The seed is 1 and the data are described in Results." in text


def test_params_injected(page: _Page) -> None:
    assert "study parameter: study.yaml absolute=True seed=1" in page.all_text


def test_cell_options(page: _Page, rendered: Path) -> None:
    html = rendered.read_text(encoding="utf-8")
    text = page.all_text
    assert "ECHO-HIDDEN-MARKER" not in html  # echo: false (project default) hides code
    assert "ECHO-SHOWN-MARKER" in "".join(page.code_text)  # echo: true shows it
    assert "echo-shown-marker" in text  # ... and its output
    assert "WARNING-HIDDEN-MARKER" not in html  # warning: false
    assert "after the warning" in text
    assert "INCLUDE-HIDDEN-MARKER" not in html  # include: false
    assert "EVAL-FALSE-MARKER" in "".join(page.code_text)  # eval: false, echoed, not run
    assert "OUTPUT-HIDDEN-MARKER" not in html  # output: false
    assert "Some <strong>ASIS-BOLD</strong> text." in html  # output: asis
    assert "TOLERATED-ERROR-MARKER" in text  # error: true shows the error and goes on
    assert 'class="callout callout-note"' in html


def test_self_contained_and_quiet(rendered: Path) -> None:
    html = rendered.read_text(encoding="utf-8")
    for external in ("<script src", "<link ", "@import", "url(http", "fonts.googleapis"):
        assert external not in html
    assert "\x1b[" not in html


def test_stamp_present(page: _Page, rendered: Path, study_file: Path) -> None:
    import hashlib

    html = rendered.read_text(encoding="utf-8")
    assert "repro-stamp" in html
    assert hashlib.sha256(study_file.read_bytes()).hexdigest() in html
    assert str(study_file.parent) not in html  # no absolute paths
    assert "Seed" in page.all_text


def test_two_renders_byte_identical(rendered: Path, study_file: Path, tmp_path: Path) -> None:
    (again,) = render(SMOKE, study_file, output_dir=tmp_path, engine="builtin", progress=False)
    assert again.read_bytes() == rendered.read_bytes()


def test_failing_cell_names_label_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(
        RenderError, match=r"cell 'boom'.*ValueError: kaboom from the failing cell"
    ) as info:
        render(FAILING, output_dir=out, engine="builtin", progress=False)
    assert info.value.cell == "boom"
    assert "kaboom" in info.value.cause
    assert "(the cell starts at line 12)" in info.value.cause
    assert not out.exists() or not any(out.iterdir())


def test_params_override_defaults_and_progress_callback(tmp_path: Path, study_file: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    (path,) = render(
        SMOKE,
        study_file,
        output_dir=tmp_path,
        params={"seed": 7},
        engine="builtin",
        progress=lambda done, total, label, seconds: seen.append((done, total, label)),
    )
    assert "seed=7" in path.read_text(encoding="utf-8")
    assert seen[-1][0] == seen[-1][1] == len(seen)
    assert "tbl-demo" in [label for _, _, label in seen]


def test_kernel_is_this_interpreter_without_kernelspec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    name = "stigma-no-such-kernel"
    with pytest.raises(NoSuchKernel):
        KernelSpecManager().get_kernel_spec(name)
    km = execute_module._current_python_km_class()(kernel_name=name)
    assert km.kernel_spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]
    # A render with a kernel name that no kernelspec provides still runs.
    monkeypatch.setattr(execute_module, "KERNEL_NAME", name)
    doc = tmp_path / "tiny.qmd"
    doc.write_text("```{python}\nimport sys\nprint(sys.executable)\n```\n", encoding="utf-8")
    (path,) = render(doc, output_dir=tmp_path / "out", engine="builtin", progress=False)
    assert sys.executable in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"engine": "knitr"}, ValueError, "engine must be"),
        ({"formats": ("html", "rtf")}, ValueError, "formats must be among"),
        ({"formats": ()}, ValueError, "at least one format"),
        ({"params": [("seed", 1)]}, TypeError, "params must be a mapping"),
        ({"params": {"not valid": 1}}, ValueError, "identifiers"),
        (
            {"engine": "builtin", "formats": ("odt",)},
            ValueError,
            r'need Quarto.*pip install "\.\[quarto\]"',
        ),
        ({"progress": "yes"}, TypeError, "progress must be"),
    ],
)
def test_argument_errors(
    kwargs: dict[str, object], error: type[Exception], match: str, tmp_path: Path
) -> None:
    with pytest.raises(error, match=match):
        render(SMOKE, output_dir=tmp_path, **kwargs)  # type: ignore[arg-type]


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="no such document"):
        render(tmp_path / "missing.qmd", output_dir=tmp_path)
    with pytest.raises(RenderError, match="study file not found"):
        render(SMOKE, tmp_path / "missing.yaml", output_dir=tmp_path)


@pytest.mark.skipif(shutil.which("quarto") is not None, reason="Quarto is installed here")
def test_non_html_without_quarto_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r'need Quarto.*pip install "\.\[quarto\]"'):
        render(SMOKE, output_dir=tmp_path, formats=("odt",))


@pytest.mark.skipif(shutil.which("quarto") is None, reason="Quarto is not installed")
def test_quarto_engine(tmp_path: Path, study_file: Path) -> None:
    (path,) = render(SMOKE, study_file, output_dir=tmp_path, engine="quarto", progress=False)
    html = path.read_text(encoding="utf-8")
    assert path.name == "smoke.html"
    assert "study parameter: study.yaml absolute=True" in html
    assert "data:image/png;base64," in html


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_headless_browser_screenshot(rendered: Path, tmp_path: Path) -> None:
    # The report must open in a real browser; the screenshot is kept in tmp_path to look at.
    import subprocess

    from PIL import Image

    shot = tmp_path / "smoke.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1400,1600",
            f"--screenshot={shot}",
            rendered.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with Image.open(shot) as img:
        assert img.size == (1400, 1600)
        gray = img.convert("L")
        lo, hi = gray.getextrema()
        assert hi - lo > 100  # text and figures drawn, not a blank page
        # the sidebar (TOC) and the main column both have ink
        assert gray.crop((0, 0, 400, 400)).getextrema()[0] < 128
        assert gray.crop((400, 0, 1400, 400)).getextrema()[0] < 128


def test_an_untitled_document_takes_the_study_title(tmp_path: Path) -> None:
    study_file = tmp_path / "study.yaml"
    study_file.write_text("title: Household survey of Poipet\n", encoding="utf-8")
    doc = tmp_path / "untitled.qmd"
    doc.write_text(
        '---\nsubtitle: "Research report"\nparams:\n  study: null\n---\n\n'
        "```{python}\n#| label: parameters\n#| tags: [parameters]\nstudy = None\n```\n\nText.\n",
        encoding="utf-8",
    )
    (path,) = render(doc, study_file, output_dir=tmp_path / "out", engine="builtin", progress=False)
    html = path.read_text(encoding="utf-8")
    assert '<h1 class="title">Household survey of Poipet</h1>' in html
