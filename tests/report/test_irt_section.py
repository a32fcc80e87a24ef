"""The research report's item response theory and DIF subsection (issue 16, item 4).

A study with two language versions (300 respondents each) and three planted DIF items (two
uniform, one non-uniform), plus a third version with 3 respondents (below ``min_cell``):

- the section's computations flag exactly the planted items; without ``design.language`` only
  the graded response models are fitted; a small version is left out without its name or size;
- the item information shares equal the closed form of the 2PL (a hand calculation);
- the rendered report (HTML, Word and PDF from one execution) names exactly the planted items,
  shows both figures with their text alternative in all three formats, and never the small
  version; the same study without ``design.language`` says what DIF by language needs.

The two renders take about 30-60 s each on the shared machine.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import docx
import numpy as np
import pandas as pd
import pypdf
import pytest

import stigma_analysis as sa
from stigma_analysis.irt import irt
from stigma_analysis.report import render, tables
from stigma_analysis.report._irt_section import _item_table
from tests.report._rendered import HtmlReport, read_html
from tests.report.irt_studies import DIF_ITEMS, language_study
from tests.report.test_documents import (
    RESEARCH,
    _check_no_small_counts,
    _parse,
    _without_images,
)
from tests.report.test_documents import _Report as Page
from tests.report.test_pdf import _alts

NAME = "ATTITUDE-10"


def _load(path: Path) -> sa.Study:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the test instrument is provisional
        return sa.load_study(path)


@pytest.fixture(scope="module")
def language(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return language_study(tmp_path_factory.mktemp("language") / "study")


@pytest.fixture(scope="module")
def section(language: Path) -> tables.IRTSection:
    return tables.irt_section(_load(language))


# ----------------------------------------------------------------------------- computations
def test_exactly_the_planted_items_function_differently(section: tables.IRTSection) -> None:
    assert section.tested
    assert section.versions == ["Khmer", "Thai"]
    assert section.flagged == [(NAME, item) for item in DIF_ITEMS]
    flagged = section.dif[section.dif["flagged"]]
    # every flagged item was confirmed by the likelihood-ratio test with the others as anchors
    assert (flagged["lr_p"] < 0.01).all()
    assert section.dif.loc[~section.dif["flagged"], "lr_p"].isna().all()
    assert (flagged["r2_change"] >= tables.JODOIN_GIERL[0]).all()
    assert set(flagged["jodoin_gierl"]) <= {"moderate", "large"}
    assert int(section.summary["dif_items"].iloc[0]) == 3
    assert tables.flagged_text(section) == f"{NAME} items 2, 5 and 8"


def test_small_version_is_left_out_unnamed_and_without_its_size(
    section: tables.IRTSection, language: Path
) -> None:
    notes = " ".join(section.notes)
    assert "Lao" not in notes
    assert "1 language version with fewer than 100 complete answers left out" in notes
    assert not re.search(r"\b3\b", notes)
    counts = tables.version_counts(section, _load(language))
    assert list(counts.index) == ["Khmer", "Thai", "other versions or none recorded", "Total"]
    shown = _load(language).disclosure_policy().disclose(counts, totals="columns")
    cells = shown[NAME].astype(str).tolist()
    assert cells[2] == "<5"
    assert "[c]" in cells  # with the total shown, one version is hidden so <5 cannot be undone


def test_a_version_between_min_cell_and_the_dif_minimum_is_named(tmp_path: Path) -> None:
    study = _load(language_study(tmp_path / "s", n_small=40))
    section = tables.irt_section(study)
    assert any("(Lao)" in n for n in section.notes)
    assert section.versions == ["Khmer", "Thai"]


def test_without_a_declared_language_only_the_grm_is_fitted(tmp_path: Path) -> None:
    study = _load(language_study(tmp_path / "s", language=False))
    section = tables.irt_section(study)
    assert section.language is None
    assert not section.tested
    assert section.dif.empty
    assert section.flagged == []
    assert list(section.summary["instrument"]) == [NAME]
    assert section.summary["dif_items"].isna().all()
    assert tables.plot_dif_curves(section) is None
    fig = tables.plot_test_information(section)
    assert fig is not None
    (ax,) = [a for a in fig.axes if a.get_visible()]
    assert len(ax.get_lines()) == 1


def test_too_few_complete_cases_is_a_note_not_a_fit(tmp_path: Path) -> None:
    study = _load(language_study(tmp_path / "s", n_per_version=40, n_small=0))
    section = tables.irt_section(study)
    assert section.summary.empty
    assert section.notes == [
        f"{NAME}: not fitted: fewer than {tables.IRT_MIN_N} respondents answered every item at "
        "wave 1"
    ]


def test_figures_have_one_line_per_version(section: tables.IRTSection) -> None:
    info = tables.plot_test_information(section)
    assert info is not None
    (ax,) = [a for a in info.axes if a.get_visible()]
    assert [line.get_label() for line in ax.get_lines()] == ["Khmer", "Thai"]
    curves = tables.plot_dif_curves(section)
    assert curves is not None
    shown = [a for a in curves.axes if a.get_visible()]
    assert [a.get_title(loc="left") for a in shown] == [f"{NAME} item {i}" for i in DIF_ITEMS]
    for a in shown:
        assert [line.get_label() for line in a.get_lines()] == ["Khmer", "Thai"]


def test_dif_bands() -> None:
    assert tables.dif_band(0.0349) == "negligible"
    assert tables.dif_band(0.035) == "moderate"
    assert tables.dif_band(0.0699) == "moderate"
    assert tables.dif_band(0.07) == "large"
    assert tables.dif_band(0.2, tables.ZUMBO_THOMAS) == "moderate"
    assert tables.dif_band(0.26, tables.ZUMBO_THOMAS) == "large"
    assert tables.dif_band(float("nan")) == "negligible"


def test_information_share_matches_the_2pl_closed_form() -> None:
    """Hand calculation: a 2PL item's information ``a² P (1 - P)`` integrates over [-4, 4] to
    ``a [P(4a + d) - P(-4a + d)]``; the shares use the trapezoid rule on 161 points (tolerance
    1e-3 percent points: the rule's error, of order h² = 0.0025 times the curvature)."""
    rng = np.random.default_rng(3)
    theta = rng.normal(size=2000)
    a_true, d_true = np.array([0.8, 1.5, 2.2]), np.array([0.5, 0.0, -1.0])
    p = 1 / (1 + np.exp(-(theta[:, None] * a_true + d_true)))
    data = pd.DataFrame((rng.random(p.shape) < p).astype(float), columns=["x", "y", "z"])
    fit = irt(data, se=False)
    a, d = fit.a, fit.d[:, 0]

    def logistic(z: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-z))

    area = a * (logistic(4 * a + d) - logistic(-4 * a + d))
    expected = 100 * area / area.sum()
    got = _item_table(fit)["info_share"].to_numpy()
    np.testing.assert_allclose(got, expected, atol=1e-3)


# ----------------------------------------------------------------------------- the rendered report
@pytest.fixture(scope="module")
def rendered(language: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    written = render(
        RESEARCH,
        language,
        output_dir=tmp_path_factory.mktemp("language-report"),
        formats=("html", "docx", "pdf"),
        engine="builtin",
        progress=False,
    )
    return {p.suffix.lstrip("."): p for p in written}


def _section_text(page: Page) -> str:
    text = page.all_text
    start = text.rindex("Item response theory and differential item functioning")  # not the TOC
    return text[start : text.index("Score distributions and cut-offs", start)]


def test_report_names_exactly_the_planted_items(rendered: dict[str, Path]) -> None:
    page = _parse(rendered["html"])
    assert "sec-irt" in page.heading_ids
    ids = page.heading_ids
    assert ids.index("sec-irt") + 1 == ids.index("sec-scores")
    text = _section_text(page)
    named = re.search(
        r"Items that function differently across the language versions:\s*(.*?)\(", text
    )
    assert named is not None, text[:2000]
    assert named.group(1).strip() == f"{NAME} items 2, 5 and 8"
    dif = page.frame("tbl-dif")
    yes = dif[dif["functions differently"] == "yes"]
    assert list(yes["item"]) == list(DIF_ITEMS)
    assert set(yes["size (Jodoin & Gierl)"]) <= {"moderate", "large"}
    assert "Jodoin & Gierl" in text
    assert "Zumbo & Thomas" in text
    assert "Khmer and Thai" in text


def test_report_never_shows_the_small_version(rendered: dict[str, Path]) -> None:
    page = _parse(rendered["html"])
    assert "Lao" not in _without_images(rendered["html"])
    _check_no_small_counts(page, 5)
    versions = page.frame("tbl-irt-versions")
    other = versions[versions.iloc[:, 0] == "other versions or none recorded"]
    assert other.iloc[0, 1] == "<5"


def _irt_alts(html: HtmlReport) -> list[str]:
    return [a for a in html.alts if "theta" in a]


def test_figures_with_alt_text_in_html_word_and_pdf(rendered: dict[str, Path]) -> None:
    html = read_html(rendered["html"])
    alts = _irt_alts(html)
    assert len(alts) == 2
    assert alts[0].startswith("Line charts, one panel per instrument, of test information")
    assert alts[1].startswith("Line charts, one panel per item that functions differently")
    source = rendered["html"].read_text(encoding="utf-8")
    for fig in ("fig-irt-information", "fig-irt-dif"):
        assert re.search(rf'<figure class="figure" id="{fig}">\s*<img src="data:image', source), fig
    document = docx.Document(str(rendered["docx"]))
    descriptions = [s._inline.docPr.get("descr") for s in document.inline_shapes]
    assert [d for d in descriptions if "theta" in d] == alts
    pdf = pypdf.PdfReader(str(rendered["pdf"]))
    in_pdf = _alts(pdf.trailer["/Root"]["/StructTreeRoot"])
    assert [a for a in in_pdf if "theta" in a] == alts


@pytest.fixture(scope="module")
def rendered_without_language(tmp_path_factory: pytest.TempPathFactory) -> Page:
    folder = tmp_path_factory.mktemp("no-language")
    study = language_study(folder / "study", language=False)
    (path,) = render(RESEARCH, study, output_dir=folder / "out", engine="builtin", progress=False)
    return _parse(path)


def test_report_without_language_says_what_dif_needs(rendered_without_language: Page) -> None:
    page = rendered_without_language
    text = _section_text(page)
    assert "design.language" in text
    assert "functions differently" not in text
    assert "tbl-dif" not in page.tables
    assert "tbl-irt" in page.tables
    assert "tbl-irt-items" in page.tables
    assert "tbl-irt-versions" not in page.tables
