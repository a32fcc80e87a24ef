"""Any study gets a correct report: the two documents rendered on studies unlike the example.

- a one-wave study without arms, grouped by sex, with a user-defined lower-is-better scale in
  Kobo-named columns (``phq/phq_1``) and blank answers (Pallant-like);
- a two-wave study whose arm column is called ``programme`` (declared as ``design.arm``) and
  whose symptom scale falls in the programme arm.

Each renders once per module with the built-in engine (about 15-25 s per document).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from stigma_analysis.report import render
from tests.report.small_studies import pallant_study, programme_study
from tests.report.test_documents import (
    DOCUMENTS,
    HIDDEN,
    PROGRAMME,
    _check_no_small_counts,
    _parse,
    _Report,
)


@pytest.fixture(scope="module")
def pallant(tmp_path_factory: pytest.TempPathFactory) -> dict[str, _Report]:
    folder = tmp_path_factory.mktemp("pallant")
    study = pallant_study(folder / "study")
    pages = {}
    for doc in DOCUMENTS:
        (path,) = render(doc, study, output_dir=folder / "out", engine="builtin", progress=False)
        pages[doc.stem] = _parse(path)
    return pages


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> _Report:
    folder = tmp_path_factory.mktemp("programme")
    study = programme_study(folder / "study")
    (path,) = render(PROGRAMME, study, output_dir=folder / "out", engine="builtin", progress=False)
    return _parse(path)


def _tables(page: _Report, prefix: str) -> list[pd.DataFrame]:
    return [
        pd.DataFrame(t["rows"], columns=t["header"])
        for k, t in page.tables.items()
        if k == prefix or k.startswith(prefix + "-")
    ]


# ----------------------------------------------------------------------------- direction, design
def test_lower_is_better_user_instrument_reads_improved(programme: _Report) -> None:
    """Symptoms fall in the programme arm: the tables say 'improved', not 'worse'."""
    (table,) = _tables(programme, "tbl-reliable-change")
    total = table[(table["group"].str.lower() == "programme") & (table["district"] == "Total")]
    assert len(total) == 1
    improved, worse = total["improved"].iloc[0], total["worse"].iloc[0]
    assert improved.isdigit(), improved
    assert int(improved) >= 20, (improved, worse)
    assert HIDDEN.match(worse) or int(worse) < int(improved) // 4
    text = programme.all_text
    assert "Depression symptoms (lower is better)" in text
    assert re.search(r"in the programme group it went down \(better\)", text)
    # the threshold text calls being above a symptom threshold a concern
    assert "a concern for Depression symptoms" in text


def test_a_programme_arm_column_declared_as_design_arm_is_compared(programme: _Report) -> None:
    text = programme.all_text
    assert "no programme and comparison" not in text
    (aw,) = _tables(programme, "tbl-arm-wave")
    assert "comparison" in aw.columns
    assert "programme" in aw.columns
    assert "difference" in aw.columns
    assert "The programme group improved more than the comparison group" in text


def test_change_figures_and_thresholds_name_the_people_they_include(programme: _Report) -> None:
    text = programme.all_text
    assert "Average scores at the first and the last visit of the people met at both visits" in text
    assert "The people met at both visit 1 and visit 2" in text
    (cut,) = _tables(programme, "tbl-thresholds")
    assert list(cut.columns[-2:]) == ["visit 1", "visit 2"]


def test_no_small_counts_in_the_programme_report(programme: _Report) -> None:
    _check_no_small_counts(programme, 5)


# ----------------------------------------------------------------------------- one wave, no arms
def test_one_wave_study_renders_both_reports_without_wrong_text(
    pallant: dict[str, _Report],
) -> None:
    for name, page in pallant.items():
        text = page.all_text
        assert "Wellbeing survey of students (test study)" in text, name
        assert "Traceback" not in text, name
        assert "Error" not in text, name
        for wrong in (
            "by site",
            "site and arm",
            "visit 1)",
            "the last visit",
            "no a ",
            "Self-stigma",
        ):
            assert wrong not in text, (name, wrong)
        _check_no_small_counts(page, 5)
    research = pallant["reintegration"].all_text
    assert "Stigma and reintegration after trafficking" not in research
    assert "Respondents per wave by the study's grouping columns" in research
    assert "Rows: sex." in research
    assert "(one wave)" in research
    assert "this study has no self-stigma or reintegration instrument" in research
    ngo = pallant["programme-evaluation"].all_text
    assert "only visit so far" in ngo
    assert "names no programme and comparison arms" in ngo


def test_blank_answers_are_counted_as_missing(pallant: dict[str, _Report]) -> None:
    page = pallant["reintegration"]
    assert "No item answer" not in page.all_text
    missing = page.frame("tbl-missing")
    row = missing[missing["reason"] == "blank (no answer)"]
    assert list(row["instrument"]) == ["Depression symptoms"]
    assert row["wave 1"].iloc[0] == "36 (32)"  # 9 items x 4 blanks, in 32 people


def test_one_wave_model_counts_people(pallant: dict[str, _Report]) -> None:
    text = pallant["reintegration"].all_text
    assert "esteem_by_sex (gaussian; wave 1)" in text
    assert "117 people; one row per respondent" in text
    models = pallant["reintegration"].frame("tbl-models")
    assert models.columns[1] == "people"


def test_user_instrument_is_named_by_its_definition(pallant: dict[str, _Report]) -> None:
    text = pallant["reintegration"].all_text
    assert "phq like" not in text
    assert (
        "Depression symptoms"
        in pallant["reintegration"].frame("tbl-reliability")["instrument"].tolist()
    )


def test_kobo_column_names_reach_the_factor_model(tmp_path: Path) -> None:
    """Items named ``group/question`` are fitted (the model syntax takes identifiers only)."""
    import numpy as np

    from stigma_analysis.report import tables
    from stigma_analysis.study import load_study

    study_file = pallant_study(tmp_path / "s", n=400, blanks=0)
    text = study_file.read_text(encoding="utf-8")
    # a two-subscale version of the symptom scale, so that there is a factor model to fit
    phq = (study_file.parent / "phq.yaml").read_text(encoding="utf-8")
    phq = phq.replace(
        "  total: all\n", "  total: all\n  mood: [1, 2, 3, 4]\n  body: [5, 6, 7, 8, 9]\n"
    )
    (study_file.parent / "phq.yaml").write_text(phq, encoding="utf-8")
    study_file.write_text(text, encoding="utf-8")
    study = load_study(study_file)
    fit, notes = tables.cfa_table(study)
    assert list(fit["instrument"]) == ["Depression symptoms"], notes
    assert np.isfinite(fit["cfi"].iloc[0])


def test_the_study_seed_is_the_report_seed(pallant: dict[str, _Report]) -> None:
    """``seed: 4242`` in the study file: the reports (text, bootstrap, stamp) use it."""
    for name, page in pallant.items():
        assert "20240601" not in page.all_text, name
        assert "4242" in page.all_text, name  # the stamp
    research = pallant["reintegration"].all_text
    assert "Seed: 4242" in research
    assert "seed 4242" in research  # the multiple imputation


def test_equivalence_section_fits_a_one_wave_study_without_languages(
    pallant: dict[str, _Report],
) -> None:
    text = re.sub(r"\s+", " ", pallant["reintegration"].all_text)
    assert "Measurement equivalence across language versions and waves" in text
    assert "The study file declares no language versions (design.language)" in text
    assert "The study has one wave, so equivalence over time is not tested." in text
    assert "across language versions," not in text  # no verdict on versions it does not have


# ----------------------------------------------------------------------------- who recovered, drop-out
def test_who_recovered_without_norms_names_the_instrument(programme: _Report) -> None:
    text = programme.all_text
    assert "sec-clinical" in programme.heading_ids
    assert "Depression symptoms has no declared population norms" in text
    assert "instruments[i].norms" in text
    assert not _tables(programme, "tbl-clinical")


def test_dropout_sensitivity_on_a_programme_column(programme: _Report) -> None:
    text = programme.all_text
    assert "sec-dropout" in programme.heading_ids
    assert "Depression symptoms (lower is better): With the lost participants assumed" in text
    assert "the programme group did better than the comparison group" in text
    (weights,) = _tables(programme, "tbl-dropout")
    assert list(weights["analysis"]) == ["unweighted", "retention weights"]


def test_one_wave_no_arm_study_says_why_the_new_sections_are_empty(
    pallant: dict[str, _Report],
) -> None:
    ngo = pallant["programme-evaluation"]
    assert "sec-clinical" in ngo.heading_ids
    assert "nobody's recovery can be judged yet" in ngo.all_text
    assert "no difference" not in ngo.all_text
    assert "names no programme and comparison arms, so there is no group difference" in ngo.all_text
