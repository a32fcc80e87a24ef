"""KoboToolbox / ODK exports read with their XLSForm (issue 14)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.errors import SpecError
from stigma_analysis.io import FormTranslationWarning, read_kobo, read_survey, write_survey
from stigma_analysis.io._kobo import SKIPPED_CODE, SKIPPED_REASON, personal_columns
from stigma_analysis.io._xlsform import evaluate_relevant, read_form
from tests.io import kobo_fixture as fx


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return fx.write_exports(tmp_path_factory.mktemp("kobo"))


@pytest.fixture(scope="module")
def xlsx(exports: dict[str, Path]):
    with pytest.warns(FormTranslationWarning, match="'other' of list 'services' has no Khmer"):
        return read_kobo(exports["xlsx"], exports["form"])


@pytest.fixture(scope="module")
def csv(exports: dict[str, Path]):
    with pytest.warns(FormTranslationWarning):
        return read_kobo(exports["csv"], exports["form"], language="km")


def test_form_languages_and_gaps(exports: dict[str, Path]) -> None:
    form = read_form(exports["form"])
    assert form.languages == ("English (en)", "Khmer (km)")
    assert form.language("km") == form.language("Khmer") == "Khmer (km)"
    assert form.language(None) == "English (en)"  # the settings' default_language
    assert form.translation_gaps == ["choice 'other' of list 'services' has no Khmer (km) label"]
    assert form.questions["mspss_3"].relevant == ("${consent} = 'yes'",)
    assert form.questions["member_age"].repeat == "household"
    with pytest.raises(SpecError, match="no language 'fr'"):
        form.language("fr")


def test_select_one_codes_and_value_labels(xlsx) -> None:
    data, cb = xlsx.survey.data, xlsx.survey.codebook
    assert len(data) == 2 * fx.N_RESPONDENTS
    assert cb.variables["mspss_1"].value_labels[1.0] == "Very strongly disagree"
    assert cb.variables["mspss_1"].measure == "ordinal"
    # choice names that are not numbers are coded 1, 2, ... in the choices sheet order
    assert cb.variables["wave"].value_labels == {1.0: "Baseline", 2.0: "Endline"}
    assert set(data["wave"]) == {1.0, 2.0}
    assert cb.variables["site"].value_labels[3.0] == "Siem Reap"
    assert cb.variables["mspss_1"].label == "Support item 1"
    raw = pd.DataFrame(fx.submissions()[0])
    expected = pd.to_numeric(raw["mspss_5"]).to_numpy(dtype=float)
    got = data["mspss_5"].to_numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(got[~np.isnan(got)], expected[~np.isnan(expected)])


def test_labels_in_khmer_and_csv_with_labels_gives_the_same_table(xlsx, csv) -> None:
    """The ;-CSV stores answers as labels in mixed case with stray blanks: same codes."""
    assert csv.language == "Khmer (km)"
    assert csv.survey.codebook.variables["site"].value_labels[1.0] == "ភ្នំពេញ"
    # untranslated: falls back to the other language's label
    assert csv.survey.codebook.variables["services_other"].label.endswith(":: Other")
    pd.testing.assert_frame_equal(xlsx.survey.data, csv.survey.data)
    assert xlsx.survey.codebook.missing_cells.keys() == csv.survey.codebook.missing_cells.keys()


def test_select_multiple_one_column_per_option(xlsx) -> None:
    data, cb = xlsx.survey.data, xlsx.survey.codebook
    cols = [f"services_{name}" for name, _, _ in fx.SERVICES]
    assert all(c in data.columns for c in cols)
    assert "services" not in data.columns
    assert cb.variables["services_legal"].label == "Which services did you receive? :: Legal aid"
    raw = pd.DataFrame(fx.submissions()[0])
    picked = raw["services"].fillna("").str.split().map(lambda w: "legal" in w)
    answered = raw["services"].notna().to_numpy()
    np.testing.assert_array_equal(
        data["services_legal"].to_numpy()[answered], picked[answered].astype(float)
    )
    assert data.loc[~answered, cols].isna().all().all()


def test_repeat_group_is_a_long_table_linked_to_the_parent(xlsx, csv) -> None:
    hh = xlsx.repeats["household"].data
    _, household = fx.submissions()
    assert len(hh) == len(household)
    assert set(hh["_parent_index"]) <= set(xlsx.survey.data["_index"])
    assert xlsx.repeats["household"].codebook.variables["member_age"].label == "Age of member"
    pd.testing.assert_frame_equal(hh, csv.repeats["household"].data)


def test_skip_logic_marks_skipped_cells_and_reports_violations(xlsx) -> None:
    data, cb = xlsx.survey.data, xlsx.survey.codebook
    raw = pd.DataFrame(fx.submissions()[0])
    no_consent = (raw["consent"] == "no").to_numpy()
    assert no_consent.any()
    skipped = cb.missing_codes_of("mspss_1")
    assert set(skipped.index) == set(np.flatnonzero(no_consent))
    assert set(skipped) == {SKIPPED_CODE}
    assert cb.missing_reason("mspss_1", SKIPPED_CODE) == SKIPPED_REASON
    # a question that was relevant but not answered is plain missing, not "skipped"
    months = cb.missing_codes_of("months_worked")
    worked_no = (raw["worked"] == "no").to_numpy()
    assert set(months.index) == set(np.flatnonzero(worked_no | raw["worked"].isna().to_numpy())) - {
        int(np.flatnonzero((raw["resp_id"] == fx.VIOLATOR).to_numpy())[0])
    }
    skip = xlsx.problems[xlsx.problems["kind"] == "skip"]
    assert len(skip) == 1
    row = skip.iloc[0]
    assert row["column"] == "months_worked"
    assert row["value"] == "6"
    assert data.loc[int(row["row"]) - 1, "resp_id"] == fx.VIOLATOR
    assert "${worked} = 'yes'" in row["reason"]


def test_metadata_are_personal(xlsx) -> None:
    for col in (
        "start",
        "end",
        "today",
        "deviceid",
        "username",
        "phonenumber",
        "audit",
        "location",
        "location_latitude",
    ):
        assert col in xlsx.personal, col
    assert set(xlsx.personal) == set(personal_columns(xlsx.survey.codebook))
    assert "resp_id" not in xlsx.personal
    assert xlsx.survey.data["start"].dtype.kind == "M"


def test_read_survey_with_form_and_sav_round_trip(exports: dict[str, Path], tmp_path: Path) -> None:
    import pyreadstat

    with pytest.warns(FormTranslationWarning):
        survey = read_survey(exports["xlsx"], form=exports["form"], language="Khmer")
    # SPSS names cannot start with "_": the export's own bookkeeping columns stay out
    keep = [c for c in survey.data.columns if not c.startswith("_")]
    write_survey(read_survey_subset(survey, keep), tmp_path / "out.sav")
    _, meta = pyreadstat.read_sav(str(tmp_path / "out.sav"), user_missing=True)
    assert meta.variable_value_labels["site"] == {1.0: "ភ្នំពេញ", 2.0: "បាត់ដំបង", 3.0: "សៀមរាប"}
    assert meta.variable_value_labels["mspss_2"][-99.0] == SKIPPED_REASON
    assert (
        meta.column_names_to_labels["services_medical"] == "តើអ្នកទទួលបានសេវាអ្វីខ្លះ? :: ការថែទាំសុខភាព"
    )
    back = read_survey(tmp_path / "out.sav")
    assert back.codebook.missing_counts("mspss_2") == survey.codebook.missing_counts("mspss_2")


def read_survey_subset(survey, keep):
    from dataclasses import replace

    from stigma_analysis.io import Survey

    cb = survey.codebook
    return Survey(
        data=survey.data[keep],
        codebook=replace(
            cb,
            variables={c: cb.variables[c] for c in keep},
            missing_cells={c: m for c, m in cb.missing_cells.items() if c in keep},
        ),
    )


def test_unmatched_select_one_text_is_a_problem(exports: dict[str, Path], tmp_path: Path) -> None:
    text = exports["csv"].read_text(encoding="utf-8").replace(";Battambang;", ";Batambang;", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    with pytest.warns(FormTranslationWarning):
        out = read_kobo(bad, exports["form"])
    value = out.problems[out.problems["kind"] == "value"]
    assert list(value["value"]) == ["Batambang"]
    assert "not a choice of site" in value.iloc[0]["reason"]


def test_relevant_evaluator_subset() -> None:
    t = pd.DataFrame(
        {"a": ["yes", "no", None, "yes"], "n": ["3", "20", None, "17"], "m": ["x y", "", None, "y"]}
    )
    assert evaluate_relevant("${a} = 'yes'", t).tolist() == [True, False, False, True]
    assert evaluate_relevant("${a} != 'yes'", t).tolist() == [False, True, True, False]
    assert evaluate_relevant("${n} > 17", t).tolist() == [False, True, False, False]
    assert evaluate_relevant("${n} >= 17 and ${a}='yes'", t).tolist() == [False, False, False, True]
    assert evaluate_relevant("${n} < 5 or selected(${m}, 'y')", t).tolist() == [
        True,
        False,
        False,
        True,
    ]
    assert evaluate_relevant("not(${a} = 'yes')", t).tolist() == [False, True, True, False]
    assert evaluate_relevant("n > 17", t, bare_names=True).tolist() == [False, True, False, False]
    for expr in ("count-selected(${m}) > 1", "${a} = 'yes' + 1", "${zz} = 'x'"):
        with pytest.raises(ValueError):  # noqa: PT011 - the message varies by cause
            evaluate_relevant(expr, t)


def test_unsupported_relevant_is_refused_naming_the_question(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    s = wb.active
    s.title = "survey"
    s.append(["type", "name", "label", "relevant"])
    s.append(["integer", "kids", "Children", ""])
    s.append(["integer", "eldest", "Eldest child age", "count-selected(${kids}) > 0"])
    wb.save(tmp_path / "f.xlsx")
    (tmp_path / "d.csv").write_text("kids;eldest\n1;5\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"survey\.eldest\.relevant.*Supported"):
        read_kobo(tmp_path / "d.csv", tmp_path / "f.xlsx")


def test_read_survey_form_with_columns_and_no_codebook(exports: dict[str, Path]) -> None:
    with pytest.warns(FormTranslationWarning):
        s = read_survey(exports["csv"], form=exports["form"], columns=["resp_id", "mspss_1"])
    assert list(s.data.columns) == ["resp_id", "mspss_1"]
    assert list(s.codebook.variables) == ["resp_id", "mspss_1"]
    assert s.codebook.missing_counts("mspss_1") == {-99: 11}
    with pytest.raises(ValueError, match="codebook= and form= cannot be combined"):
        read_survey(exports["csv"], form=exports["form"], codebook=exports["form"])


def test_repeat_skip_logic_may_refer_to_the_parent(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    s = wb.active
    s.title = "survey"
    s.append(["type", "name", "label", "relevant"])
    s.append(["select_one yn", "consent", "Consent", ""])
    s.append(["begin_repeat", "kids", "Children", ""])
    s.append(["integer", "kid_age", "Age", ""])
    s.append(["select_one yn", "school", "In school?", "${kid_age} < 18 and ${consent} = 'yes'"])
    s.append(["end_repeat", "", "", ""])
    c = wb.create_sheet("choices")
    c.append(["list_name", "name", "label"])
    c.append(["yn", "yes", "Yes"])
    c.append(["yn", "no", "No"])
    wb.save(tmp_path / "f.xlsx")
    (tmp_path / "d.csv").write_text("consent;_index\nyes;1\nno;2\n", encoding="utf-8")
    (tmp_path / "d-kids.csv").write_text(
        "kid_age;school;_index;_parent_index\n10;yes;1;1\n20;;2;1\n9;no;3;2\n8;;4;2\n",
        encoding="utf-8",
    )
    out = read_kobo(tmp_path / "d.csv", tmp_path / "f.xlsx")
    kids = out.repeats["kids"]
    assert kids.data["school"].tolist()[0] == 1.0
    assert kids.codebook.missing_codes_of("school").index.tolist() == [1, 3]  # skipped, 0-based
    skip = out.problems[out.problems["kind"] == "skip"]
    assert skip[["file", "row", "value"]].values.tolist() == [["d.csv [kids]", 3, "no"]]
