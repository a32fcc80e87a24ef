"""The two analysis documents (analysis/*.qmd) rendered end to end with the built-in engine.

Issue 6's must-shows: both reports render from a study file to self-contained HTML with every
section, embedded figures and the stamp; the numbers shown equal the API's at the printed
precision; no respondent id and no count below ``min_cell`` reaches the file; a second render
gives the same bytes; a different study gives that study's numbers. Issue 7's first must-show:
a study with planted personal columns and a 3-person site is refused until the columns are
dropped, and then renders without them and without small counts (also through totals).

The HTML is parsed with the standard library's ``html.parser``. The example renders once per
module (about 35 s on one core); the repeat render, the second study and the planted study
render again and are marked ``slow``.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import warnings
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stigma_analysis as sa
from stigma_analysis.errors import RenderError
from stigma_analysis.report import render, tables
from tests.conftest import EXAMPLE_STUDY, ROOT

RESEARCH = ROOT / "analysis" / "reintegration.qmd"
PROGRAMME = ROOT / "analysis" / "programme-evaluation.qmd"
DOCUMENTS = (RESEARCH, PROGRAMME)

RESEARCH_SECTIONS = (
    "sec-sample",
    "sec-missing",
    "sec-reliability",
    "sec-items",
    "sec-structure",
    "sec-scores",
    "sec-correlations",
    "sec-models",
    "sec-trajectories",
    "sec-mediation",
    "sec-sensitivity",
    "sec-appendix",
    "sec-instruments",
    "sec-reproducibility",
)
PROGRAMME_SECTIONS = (
    "sec-summary",
    "sec-change",
    "sec-reliable-change",
    "sec-thresholds",
    "sec-arm-wave",
    "sec-attrition",
    "sec-about",
)
# Columns whose whole numbers are not respondent counts (labels, item numbers, degrees of freedom).
NOT_COUNTS = {"wave", "visit", "items", "item", "factors", "df", "Δdf", "instrument", "scale"}
HIDDEN = re.compile(r"^(<\d+|n<\d+|\[c\])$")
DATA_URI = re.compile(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=\s]+")


# ----------------------------------------------------------------------------- parsing
class _Report(HTMLParser):
    """Headings, tables (with the id of their figure), images and text of a rendered report."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.heading_ids: list[str] = []
        self.images: list[str] = []
        self.tables: dict[str, dict[str, list[list[str]]]] = {}
        self.text: list[str] = []
        self.links: list[str] = []
        self._figure_id: str | None = None
        self._table: dict[str, list[list[str]]] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_head = False
        self._skip = 0
        self._n_tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in {"style", "script"}:
            self._skip += 1
        if tag in {"h1", "h2", "h3", "h4"} and a.get("id"):
            self.heading_ids.append(str(a["id"]))
        if tag == "figure":
            self._figure_id = a.get("id")
        if tag == "img":
            self.images.append(str(a.get("src")))
        if tag in {"link", "script", "a"}:
            self.links.append(str(a.get("href") or a.get("src") or ""))
        if tag == "table":
            self._n_tables += 1
            self._table = {"header": [], "rows": []}
            key = self._figure_id or f"table-{self._n_tables}"
            self.tables[key] = self._table
        if tag == "thead":
            self._in_head = True
        if tag == "tr" and self._table is not None:
            self._row = []
        if tag in {"td", "th"} and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in {"style", "script"}:
            self._skip -= 1
        if tag == "figure":
            self._figure_id = None
        if tag in {"td", "th"} and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None and self._table is not None:
            if self._in_head:
                self._table["header"] = self._row
            else:
                self._table["rows"].append(self._row)
            self._row = None
        if tag == "thead":
            self._in_head = False
        if tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)

    def frame(self, key: str) -> pd.DataFrame:
        t = self.tables[key]
        return pd.DataFrame(t["rows"], columns=t["header"])


def _parse(path: Path) -> _Report:
    page = _Report()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _render_both(study: Path, out: Path) -> dict[str, Path]:
    written = {}
    for doc in DOCUMENTS:
        (path,) = render(doc, study, output_dir=out, engine="builtin", progress=False)
        written[doc.stem] = path
    return written


def _load(study: Path) -> sa.Study:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # provisional-instrument notices: the reports state them
        loaded = sa.load_study(study)
        _ = sa.score(loaded)
    return loaded


# ----------------------------------------------------------------------------- checks shared by studies
def _without_images(path: Path) -> str:
    """The HTML with embedded images cut out (base64 could contain any short string by chance)."""
    return DATA_URI.sub("data:", path.read_text(encoding="utf-8"))


def _count_cells(page: _Report) -> list[tuple[str, str, str]]:
    """(table, column, cell) for every cell that shows a respondent count."""
    out = []
    for key, t in page.tables.items():
        header = t["header"]
        for row in t["rows"]:
            for col, cell in zip(header, row, strict=False):
                if col in NOT_COUNTS or key.startswith("stamp") or key == "tbl-instruments":
                    continue
                for part in re.findall(r"^(\d+)$|^(\d+) \((\d+)\)$", cell):
                    out += [(key, col, p) for p in part if p]
    return out


def _check_no_small_counts(page: _Report, min_cell: int) -> None:
    small = [c for c in _count_cells(page) if 0 < int(c[2]) < min_cell]
    assert not small, f"counts below min_cell={min_cell}: {small[:10]}"


def _check_totals_protect(frame: pd.DataFrame, label_columns: list[str]) -> None:
    """With a ``Total`` row (and column), no line of counts has exactly one hidden interior cell."""
    is_total = frame[label_columns].apply(lambda r: "Total" in set(r), axis=1)
    if not is_total.any():
        return
    counts = [c for c in frame.columns if c not in label_columns]
    for col in counts:
        interior = frame.loc[~is_total, col]
        hidden = interior.map(lambda v: bool(HIDDEN.match(v))).sum()
        total_shown = frame.loc[is_total, col].map(lambda v: v.isdigit()).all()
        assert not (hidden == 1 and total_shown), (col, list(frame[col]))
    if "Total" in counts:
        inner = [c for c in counts if c != "Total"]
        for _, row in frame.iterrows():
            hidden = sum(bool(HIDDEN.match(row[c])) for c in inner)
            assert not (hidden == 1 and row["Total"].isdigit()), list(row)


def _sample_blocks(page: _Report) -> list[pd.DataFrame]:
    """The sample table (site x arm per wave), one frame per wave."""
    frame = page.frame("tbl-sample-groups")
    return [block.reset_index(drop=True) for _, block in frame.groupby("wave", sort=False)]


def _check_numbers_match_api(pages: dict[str, _Report], study: sa.Study) -> None:
    """Reliability, model, mediation and pre/post numbers shown equal the API's (as printed)."""
    from stigma_analysis.evaluation import pre_post
    from stigma_analysis.models import mediation
    from stigma_analysis.reliability import reliability_table

    research, programme = pages["reintegration"], pages["programme-evaluation"]
    first = study.waves[0]
    data = study.data[study.data[study.wave] == first]

    # reliability: every scale's alpha and omega at the first wave
    rel = research.frame("tbl-reliability")
    for b in study.instruments:
        api = reliability_table(data, b.instrument, columns=b.columns)
        for r in api.itertuples(index=False):
            if r.n < study.spec.privacy.min_cell:
                continue
            row = rel[
                (rel["instrument"] == tables.short_name(b.instrument))
                & (rel["scale"] == tables.scale_label(r.scale))
            ]
            assert len(row) == 1, (b.name, r.scale)
            assert row["alpha"].iloc[0] == f"{r.alpha:.2f}"
            assert row["n"].iloc[0] == str(r.n)
            if np.isfinite(r.omega_total):
                assert row["omega"].iloc[0] == f"{r.omega_total:.2f}"
            ci = row["95% CI"].iloc[0].replace("\xa0", " ")
            assert ci == f"[{r.alpha_ci_low:.2f}, {r.alpha_ci_high:.2f}]"

    # models: every coefficient's estimate and SE, in the study file's order, each model on
    # its declared waves
    models = {k: m.result for k, m in tables.fit_study_models(study).items()}
    for i, (name, res) in enumerate(models.items()):
        key = "tbl-models" if i == 0 else f"tbl-models-{i + 1}"
        shown = research.frame(key)
        assert name in research.all_text
        for j, c in enumerate(res.coefficients.itertuples(index=False)):
            row = shown.iloc[j]
            if HIDDEN.match(row["estimate"]):
                continue
            assert row["estimate"] == f"{c.estimate:.3f}", (name, c.term)
            assert row["SE"] == f"{c.se:.3f}", (name, c.term)

    # mediation, seeded from the document's default seed
    scores = sa.score(study)
    base = scores[scores[study.wave] == first]
    x = tables.score_column(
        study.instrument("ismi"), tables.primary_scale(study.instrument("ismi").instrument)
    )
    med = mediation(base, x=x, m="rses_total", y="reint_total", n_boot=2000, seed=20240601)
    shown = research.frame("tbl-mediation")
    for k, r in enumerate(med.itertuples(index=False)):
        assert shown["estimate"].iloc[k] == f"{r.estimate:.3f}"
        ci = shown["95% CI"].iloc[k].replace("\xa0", " ")
        assert ci == f"[{r.ci_low:.3f}, {r.ci_high:.3f}]", r.path

    # programme report: the first scale's pre/post change by site and arm
    b = study.instruments[0]
    col = tables.score_column(b, tables.primary_scale(b.instrument))
    pp = pre_post(
        scores,
        score=col,
        id=study.id,
        wave=study.wave,
        pre=first,
        post=study.waves[-1],
        by=["site", "arm"],
    )
    shown = programme.frame("tbl-change")
    min_cell = study.spec.privacy.min_cell
    for k, r in enumerate(pp.itertuples(index=False)):
        row = shown.iloc[k]
        if r.n < min_cell:
            assert HIDDEN.match(row["people"])
            continue
        if HIDDEN.match(row["people"]):  # hidden to protect another cell
            continue
        assert row["people"] == str(r.n)
        assert row["change"] == f"{r.mean_change:.2f}"
        assert row["effect size"] == f"{r.hedges_g_av:.2f}"


def _check_structure(pages: dict[str, _Report], paths: dict[str, Path], study: sa.Study) -> None:
    research, programme = pages["reintegration"], pages["programme-evaluation"]
    assert set(RESEARCH_SECTIONS) <= set(research.heading_ids)
    assert set(PROGRAMME_SECTIONS) <= set(programme.heading_ids)
    for name, page in pages.items():
        assert page.images, name
        assert all(src.startswith("data:image/") for src in page.images), name
        assert not [u for u in page.links if u.startswith(("http://", "https://"))], name
        assert "Traceback" not in page.all_text, name
        assert "Error" not in page.all_text, name
        # the stamp: every study file's SHA-256, and the seed
        text = page.all_text
        for f in study.files:
            assert hashlib.sha256(f.read_bytes()).hexdigest() in text, (name, f.name)
        assert "20240601" in text
        # no respondent id anywhere in the file (embedded images cut out first)
        html = _without_images(paths[name])
        ids = set(study.data[study.id].astype(str))
        leaked = [i for i in ids if i in html]
        assert not leaked, (name, leaked[:5])
        _check_no_small_counts(page, study.spec.privacy.min_cell)
    assert len(research.images) >= 3
    assert len(programme.images) >= 2


# ----------------------------------------------------------------------------- the example study
@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _render_both(EXAMPLE_STUDY, tmp_path_factory.mktemp("example"))


@pytest.fixture(scope="module")
def example_pages(example: dict[str, Path]) -> dict[str, _Report]:
    return {k: _parse(v) for k, v in example.items()}


@pytest.fixture(scope="module")
def example_study() -> sa.Study:
    return _load(EXAMPLE_STUDY)


def test_both_reports_render_with_every_section(
    example: dict[str, Path], example_pages: dict[str, _Report], example_study: sa.Study
) -> None:
    assert sorted(example) == ["programme-evaluation", "reintegration"]
    _check_structure(example_pages, example, example_study)


def test_numbers_equal_the_api(example_pages: dict[str, _Report], example_study: sa.Study) -> None:
    _check_numbers_match_api(example_pages, example_study)


def test_equivalence_section_finds_the_example_comparable(
    example_pages: dict[str, _Report],
) -> None:
    """The example is invariant across languages by construction (truth.yaml)."""
    text = re.sub(r"\s+", " ", example_pages["reintegration"].all_text)
    assert "Across the language versions (Khmer, Thai, Vietnamese) at wave 1" in text
    assert (
        "EDS-9: across language versions, mean comparisons between Khmer and Thai are "
        "defensible (scalar invariance holds); over time, mean comparisons between waves 1 "
        "and 3 are defensible (scalar invariance holds)."
    ) in text
    assert "not defensible" not in text
    table = example_pages["reintegration"].frame("tbl-equivalence")
    assert set(table["holds"]) <= {"yes", ""}


def test_provisional_instruments_are_stated(example_pages: dict[str, _Report]) -> None:
    text = example_pages["reintegration"].all_text
    assert "HSCL-25 is provisional:" in text
    assert "EDS-9 is provisional:" in text
    assert "ISMI-29 is provisional" not in text  # validated
    assert "provisional" in example_pages["programme-evaluation"].all_text


def test_plain_language_summary_comes_first(example_pages: dict[str, _Report]) -> None:
    page = example_pages["programme-evaluation"]
    assert page.heading_ids[page.heading_ids.index("sec-summary") + 1] == "sec-change"
    text = page.all_text
    start = text.index("In short")
    summary = text[start : text.index("What changed", start)]
    assert "Internalized Stigma of Mental Illness scale (ISMI-29; lower is better)" in summary
    assert "went down (better)" in summary
    assert "p =" not in summary
    assert "CI" not in summary.replace("confidence interval", "")


def test_sample_table_totals_protect_hidden_cells(
    example_pages: dict[str, _Report], example_study: sa.Study
) -> None:
    blocks = _sample_blocks(example_pages["reintegration"])
    assert [b["Total"].iloc[-1] for b in blocks] == [
        str(n) for n in sa.attrition(example_study).retention["n_seen"]
    ]
    for block in blocks:
        assert block["site"].iloc[-1] == "Total"
        _check_totals_protect(block, ["wave", "site"])


@pytest.mark.slow
def test_two_renders_are_byte_identical(example: dict[str, Path], tmp_path: Path) -> None:
    again = _render_both(EXAMPLE_STUDY, tmp_path)
    for name, path in example.items():
        assert again[name].read_bytes() == path.read_bytes(), name


# ----------------------------------------------------------------------------- another study
@pytest.mark.slow
def test_a_different_study_gets_its_own_numbers(
    tmp_path: Path, example_pages: dict[str, _Report]
) -> None:
    sa.write_example_study(tmp_path / "other", seed=7, n=150)
    study_file = tmp_path / "other" / "study.yaml"
    paths = _render_both(study_file, tmp_path / "out")
    pages = {k: _parse(v) for k, v in paths.items()}
    study = _load(study_file)
    _check_structure(pages, paths, study)
    _check_numbers_match_api(pages, study)
    mine = pages["reintegration"].frame("tbl-reliability")["alpha"].tolist()
    theirs = example_pages["reintegration"].frame("tbl-reliability")["alpha"].tolist()
    assert mine != theirs
    assert "150" in pages["reintegration"].frame("tbl-attrition")["n"].tolist()


# ----------------------------------------------------------------------------- planted personal data
NAMES = ("Sokha Chan", "Dara Meas", "Bopha Keo", "Vanna Sok", "Srey Lim")
PHONES = ("+855 12 345 678", "+855 97 111 2222", "+855 88 765 4321", "+855 10 222 333")


def _planted_study(folder: Path) -> Path:
    """The example study with ``name`` and ``phone`` columns and a 3-person fifth site."""
    import pyreadstat

    src = EXAMPLE_STUDY.parent
    folder.mkdir(parents=True)
    for extra in ("reintegration_index.yaml",):
        shutil.copy(src / extra, folder / extra)
    for w in (1, 2, 3):
        df, meta = pyreadstat.read_sav(src / f"wave{w}.sav", user_missing=True)
        newcomers = df[df["site"] == 1].head(3).copy()
        newcomers["resp_id"] = [f"Z90{k}" for k in range(3)]
        newcomers["site"] = 5.0
        df = pd.concat([df, newcomers], ignore_index=True)
        df["name"] = [NAMES[k % len(NAMES)] + f" {k}" for k in range(len(df))]
        df["phone"] = [PHONES[k % len(PHONES)][:-2] + f"{k % 97:02d}" for k in range(len(df))]
        labels = dict(meta.variable_value_labels)
        labels["site"] = {**labels["site"], 5.0: "Kampot / កំពត"}
        pyreadstat.write_sav(
            df,
            folder / f"wave{w}.sav",
            column_labels={
                **dict(zip(meta.column_names, meta.column_labels, strict=True)),
                "name": "Full name",
                "phone": "Phone number",
            },
            variable_value_labels=labels,
            missing_ranges=meta.missing_ranges,
            variable_measure=meta.variable_measure,
        )
    text = (src / "study.yaml").read_text(encoding="utf-8")
    (folder / "study.yaml").write_text(text, encoding="utf-8")
    return folder / "study.yaml"


def _with_drop(study_file: Path) -> None:
    text = study_file.read_text(encoding="utf-8")
    text = text.replace("privacy:\n", "privacy:\n  drop: [name, phone]\n", 1)
    study_file.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _planted_study(tmp_path_factory.mktemp("planted") / "study")


@pytest.mark.parametrize(
    "document",
    [PROGRAMME, pytest.param(RESEARCH, marks=pytest.mark.slow)],  # same setup cell: one is enough
    ids=lambda d: d.stem,
)
def test_personal_columns_stop_the_render(planted: Path, document: Path, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"DisclosureError.*name.*phone"):
        render(document, planted, output_dir=tmp_path, engine="builtin", progress=False)
    assert not list(tmp_path.glob("*.html"))


@pytest.mark.slow
def test_planted_study_renders_without_them_once_dropped(planted: Path, tmp_path: Path) -> None:
    study_file = tmp_path / "study" / "study.yaml"
    shutil.copytree(planted.parent, study_file.parent)
    _with_drop(study_file)
    paths = _render_both(study_file, tmp_path / "out")
    pages = {k: _parse(v) for k, v in paths.items()}
    study = _load(study_file)
    min_cell = study.spec.privacy.min_cell
    for name, path in paths.items():
        html = _without_images(path)
        assert not [n for n in NAMES if n in html], name
        assert not [p for p in PHONES if p[:-2] in html], name
        leaked = [i for i in ("Z900", "Z901", "Z902", "S0001") if i in html]
        assert not leaked, (name, leaked)
        _check_no_small_counts(pages[name], min_cell)
    # the 3-person site is withheld from the whole report (no row, no total counts them),
    # and one sentence says so without naming it
    for name, path in paths.items():
        text = _without_images(path)
        assert "Kampot" not in text, name
        assert "1 site group with fewer than" in text, name
    for block in _sample_blocks(pages["reintegration"]):
        assert not block["site"].str.startswith("Kampot").any()
        _check_totals_protect(block, ["wave", "site"])
    for key, t in pages["programme-evaluation"].tables.items():
        if key.startswith(("tbl-reliable-change", "table-")):
            frame = pd.DataFrame(t["rows"], columns=t["header"])
            if "site" in frame.columns and "group" in frame.columns:
                for _, block in frame.groupby("group", sort=False):
                    _check_totals_protect(block.reset_index(drop=True), ["group", "site"])


def test_programme_report_gives_effect_size_intervals_change_by_site_and_a_power_note(
    example_pages: dict[str, _Report], example_study: sa.Study
) -> None:
    page = example_pages["programme-evaluation"]
    change = page.frame("tbl-change")
    assert "effect size 95% CI" in change.columns
    assert change["effect size 95% CI"].str.match(r"^\[-?\d+\.\d\d,\s-?\d+\.\d\d\]$").all()
    assert "fig-change-sites" in page.all_text or "Each row is a site" in page.all_text
    text = page.all_text
    assert "Could we have seen an effect?" in text
    # the power note's effect equals the evaluation API's minimum detectable effect
    from stigma_analysis.evaluation import minimum_detectable_effect

    first, last = example_study.waves[0], example_study.waves[-1]
    scores = sa.score(example_study)
    seen = scores.groupby("resp_id")["wave"].agg(set)
    both_ids = seen[seen.map(lambda w: {first, last} <= w)].index
    base = scores[scores["resp_id"].isin(both_ids)].drop_duplicates("resp_id")
    n_arm = int(base["arm"].value_counts().min())
    k = int(base.groupby("arm")["site"].nunique().min())
    mde = minimum_detectable_effect(n_per_arm=n_arm, clusters_per_arm=k, icc=0.05)
    assert f"about {mde.effect_size:.2f} standard deviations" in text
