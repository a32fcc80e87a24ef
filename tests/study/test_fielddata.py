"""Field data into a study (issue 14): a Kobo export with its form, text answers, text waves
and the cleaning rules of the study file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from stigma_analysis.errors import DataValidationError, SpecError
from stigma_analysis.io import write_survey
from stigma_analysis.scoring import labelled_scores, score
from stigma_analysis.study import load_study
from tests.io import kobo_fixture as fx

METADATA = ["start", "end", "today", "deviceid", "username", "phonenumber", "audit"]
LOCATION = [
    "location",
    *(f"location_{p}" for p in ("latitude", "longitude", "altitude", "precision")),
]


@pytest.fixture(scope="module")
def kobo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.write_exports(tmp_path_factory.mktemp("kobo_study"))["form"].parent


def _study(folder: Path, name: str = "study.yaml", **over: object) -> Path:
    spec: dict[str, object] = {
        "title": "Reintegration follow-up (Kobo)",
        "data": [{"path": "export.xlsx", "form": "form.xlsx"}],
        "id": "resp_id",
        "groups": ["site"],
        "language": "km",
        "instruments": [{"instrument": "mspss12", "columns": "mspss_{item}", "name": "mspss"}],
        "privacy": {"drop": METADATA + LOCATION},
    }
    spec.update(over)
    path = folder / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("export", ["export.xlsx", "export.csv"])
def test_kobo_study_validate_finds_planted_problems_and_scores(kobo: Path, export: str) -> None:
    study = load_study(
        _study(kobo, f"study_{export}.yaml", data=[{"path": export, "form": "form.xlsx"}])
    )
    problems = study.validate()
    skip = problems[problems["kind"] == "skip"]
    assert len(skip) == 1
    assert skip.iloc[0]["column"] == "months_worked"
    assert skip.iloc[0]["file"] == export
    row = int(skip.iloc[0]["row"])
    assert study.data.loc[study.data["_row"] == row, "resp_id"].tolist() == [fx.VIOLATOR]
    form = problems[problems["kind"] == "form"]
    assert form["reason"].tolist() == ["choice 'other' of list 'services' has no Khmer (km) label"]
    assert set(problems["kind"]) == {"skip", "form"}
    # skipped items are "not applicable (skipped)", by wave
    reasons = study.missing_by_reason()
    assert set(reasons["reason"]) == {"not applicable (skipped)"}
    assert study.waves == [1, 2]
    assert study.value_labels("site")[1.0] == "ភ្នំពេញ"

    scores = score(study)  # no manual step
    assert len(scores) == 2 * fx.N_RESPONDENTS
    raw = pd.DataFrame(fx.submissions()[0])
    items = raw[[f"mspss_{i}" for i in range(1, 13)]].apply(pd.to_numeric)
    np.testing.assert_allclose(
        scores["mspss_total"].to_numpy(),
        items.mean(axis=1, skipna=False).to_numpy(),
        equal_nan=True,
    )


def test_scores_keep_form_labels_through_sav(kobo: Path, tmp_path: Path) -> None:
    import pyreadstat

    study = load_study(_study(kobo))
    out = write_survey(labelled_scores(study), tmp_path / "scores.sav")
    _, meta = pyreadstat.read_sav(str(out), user_missing=True)
    labels = meta.variable_value_labels
    assert labels["site"] == {1.0: "ភ្នំពេញ", 2.0: "បាត់ដំបង", 3.0: "សៀមរាប"}
    assert labels["wave"] == {1.0: "មូលដ្ឋាន", 2.0: "បញ្ចប់"}
    assert labels["services_other"] == {
        0.0: "not selected",
        1.0: "selected",
        -99.0: "not applicable (skipped)",
    }
    assert meta.column_names_to_labels["consent"] == "តើអ្នកយល់ព្រមចូលរួមទេ?"


def test_form_metadata_not_dropped_are_personal_data_problems(kobo: Path) -> None:
    study = load_study(_study(kobo, "study_pii.yaml", privacy={"drop": ["audit"]}))
    pii = study.validate()
    flagged = set(pii.loc[pii["kind"] == "pii", "column"])
    assert {"deviceid", "username", "start", "location", "location_latitude"} <= flagged
    assert "audit" not in flagged
    assert "resp_id" not in flagged


def test_missing_form_file_names_the_key(kobo: Path) -> None:
    path = _study(kobo, "study_noform.yaml", data=[{"path": "export.xlsx", "form": "nope.xlsx"}])
    with pytest.raises(
        SpecError, match=r"data\[0\]\.form: the form file 'nope.xlsx' does not exist"
    ):
        load_study(path)


# ------------------------------------------------------------------ text answers and waves

ANCHORS = {1: "Strongly disagree", 2: "Disagree", 3: "Agree", 4: "Strongly agree"}


def _text_csv(folder: Path) -> Path:
    rng = np.random.default_rng(3)
    rows = []
    for wave in ("Baseline", "ENDLINE"):
        for r in range(30):
            row = {"rid": f"P{r:03d}", "round": wave, "site": int(rng.integers(1, 3)), "consent": 1}
            for i in range(1, 30):
                row[f"ismi_{i}"] = ANCHORS[int(rng.integers(1, 5))]
            rows.append(row)
    frame = pd.DataFrame(rows)
    frame.loc[3, "ismi_2"] = "  strongly AGREE "
    frame.loc[4, "ismi_5"] = "Agreee"  # unmatched: a validate problem showing the text
    frame.loc[5, "ismi_6"] = "7"  # out of range
    frame.loc[6, "consent"] = 0
    frame.loc[7, "site"] = 5
    path = folder / "survey.csv"
    frame.to_csv(path, index=False)
    return path


def _text_study(folder: Path, **over: object) -> Path:
    spec: dict[str, object] = {
        "title": "Text answers",
        "data": "survey.csv",
        "id": "rid",
        "wave": "round",
        "waves": {"baseline": 1, "endline": 2},
        "groups": ["site"],
        "instruments": [{"instrument": "ismi29", "columns": "ismi_{item}", "name": "ismi"}],
    }
    spec.update(over)
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def test_text_answers_and_text_waves(tmp_path: Path) -> None:
    _text_csv(tmp_path)
    study = load_study(_text_study(tmp_path))
    assert study.waves == [1, 2]
    assert study.data.loc[3, "ismi_2"] == 4.0
    problems = study.validate()
    text = problems[problems["column"] == "ismi_5"]
    assert text["value"].tolist() == ["Agreee"]
    assert "not a number" in text.iloc[0]["reason"]
    assert problems.loc[problems["column"] == "ismi_6", "value"].tolist() == [7]
    log = study.cleaning
    assert log.loc[log["rule"] == "waves", "n"].tolist() == [60]
    assert (log.loc[log["column"] == "ismi_1", "n"] == 60).all()


def test_text_wave_without_mapping_shows_the_value(tmp_path: Path) -> None:
    _text_csv(tmp_path)
    path = _text_study(tmp_path, waves={"baseline": 1})
    with pytest.raises(
        SpecError,
        match=r"waves: survey.csv row 31: wave 'ENDLINE' is not in the study's waves mapping",
    ):
        load_study(path)
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    del spec["waves"]
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(SpecError, match="'Baseline'"):
        load_study(path)


# ------------------------------------------------------------------ cleaning rules


def test_cleaning_rules_applied_and_recorded(tmp_path: Path) -> None:
    raw = _text_csv(tmp_path)
    before = hashlib.sha256(raw.read_bytes()).hexdigest()
    text = raw.read_text(encoding="utf-8").replace("P010,ENDLINE", "P011,ENDLINE", 1)
    raw.write_text(
        text.replace("ismi_29", "Q29"), encoding="utf-8"
    )  # a duplicate; a renamed column
    before = hashlib.sha256(raw.read_bytes()).hexdigest()
    cleaning = {
        "rename": {"Q29": "ismi_29"},
        "recode": {"site": {5: 2}},
        "exclude": [
            {"id": ["P001"], "reason": "test interview"},
            {"when": "consent != 1", "reason": "no consent"},
        ],
        "invalid": "missing",
        "duplicates": "keep_first",
    }
    study = load_study(_text_study(tmp_path, cleaning=cleaning))
    assert hashlib.sha256(raw.read_bytes()).hexdigest() == before  # raw files never change
    data = study.data
    assert "ismi_29" in data.columns
    assert set(data["site"]) == {1, 2}
    assert "P001" not in set(data["rid"])
    assert not data.duplicated(["round", "rid"]).any()
    assert (data["consent"] == 1).all()
    assert np.isnan(data.loc[(data["_row"] == 6), "ismi_6"]).all()
    log = study.cleaning.set_index("rule")
    assert log.loc["rename", "n"] == 60
    assert log.loc["recode", "n"] == 1
    excl = study.cleaning[study.cleaning["rule"] == "exclude"]
    assert excl["n"].tolist() == [2, 1]  # P001 at both waves; row 7 has consent 0
    assert "no consent" in excl["detail"].iloc[1]
    assert log.loc["duplicates", "n"] == 1
    assert log.loc["invalid", "n"] == 1
    # the set-missing answer is remembered with its code, like any missing cell
    assert study.missing.query("column == 'ismi_6'")["code"].tolist() == [7.0]
    assert study.validate().query("column == 'ismi_6'").empty


def test_duplicates_refuse_lists_them(tmp_path: Path) -> None:
    raw = _text_csv(tmp_path)
    raw.write_text(
        raw.read_text(encoding="utf-8").replace("P010,ENDLINE", "P011,ENDLINE", 1), encoding="utf-8"
    )
    with pytest.raises(DataValidationError, match="refuse") as info:
        load_study(_text_study(tmp_path, cleaning={"duplicates": "refuse"}))
    assert info.value.failure_cases["value"].tolist() == ["P011", "P011"]


@pytest.mark.parametrize(
    ("cleaning", "match"),
    [
        (
            {"exclude": [{"id": ["P001"], "when": "x = 1"}]},
            r"cleaning\.exclude\[0\]: give exactly one",
        ),
        ({"duplicates": "drop"}, r"cleaning\.duplicates"),
        ({"recode": {"nope": {1: 2}}}, r"cleaning\.recode\.nope: 'nope' is not a column"),
        ({"exclude": [{"when": "count(x) > 1"}]}, r"cleaning\.exclude\[0\]\.when: cannot evaluate"),
        ({"exclude": [{"id": ["Z9"]}]}, r"no respondent has the id 'Z9'"),
        ({"dedupe": True}, r"cleaning\.dedupe"),
    ],
)
def test_cleaning_errors_name_the_key(tmp_path: Path, cleaning: dict, match: str) -> None:
    _text_csv(tmp_path)
    with pytest.raises(SpecError, match=match):
        load_study(_text_study(tmp_path, cleaning=cleaning))


def test_data_entries_name_their_wave_in_words(tmp_path: Path) -> None:
    csv = _text_csv(tmp_path)
    frame = pd.read_csv(csv)
    frame[frame["round"] == "Baseline"].drop(columns="round").to_csv(
        tmp_path / "base.csv", index=False
    )
    frame[frame["round"] != "Baseline"].drop(columns="round").to_csv(
        tmp_path / "end.csv", index=False
    )
    data = [{"path": "base.csv", "wave": "Baseline"}, {"path": "end.csv", "wave": "endline"}]
    study = load_study(_text_study(tmp_path, data=data))
    assert study.waves == [1, 2]
    with pytest.raises(
        SpecError, match=r"'Endline ' is not a wave name of the study's 'waves' \(baseline\)"
    ):
        load_study(
            _text_study(
                tmp_path,
                data=[data[0], {"path": "end.csv", "wave": "Endline "}],
                waves={"baseline": 1},
            )
        )


def test_form_metadata_blocks_report_and_score_whatever_its_content(kobo: Path) -> None:
    """A metadata field the form marks as personal counts even if its values look harmless."""
    from stigma_analysis.errors import DisclosureError

    study = load_study(_study(kobo, "study_meta.yaml", privacy={"drop": ["audit"]}))
    kinds = dict(zip(study.pii["column"], study.pii["kind"], strict=True))
    assert {"deviceid", "username"} <= set(kinds)
    with pytest.raises(DisclosureError, match="deviceid"):
        study.disclosure_policy()


def test_cleaning_rules_reach_the_reproducibility_stamp_without_ids(tmp_path: Path) -> None:
    """The report's appendix lists every applied rule; respondent ids and small counts stay out."""
    from stigma_analysis.report import stamp

    raw = _text_csv(tmp_path)
    raw.write_text(raw.read_text(encoding="utf-8").replace("ismi_29", "Q29"), encoding="utf-8")
    cleaning = {
        "rename": {"Q29": "ismi_29"},
        "exclude": [{"id": ["P001"], "reason": "test interview"}],
    }
    study = load_study(_text_study(tmp_path, cleaning=cleaning))
    s = stamp(study)
    rules = {r[0]: r for r in s.cleaning}
    assert {"rename", "exclude"} <= set(rules)  # (text waves and answers are rules too)
    assert rules["rename"][3] == "60"
    assert rules["exclude"][2] == "by id (1 listed in the study file): test interview"
    assert rules["exclude"][3] == "<5"  # 2 rows: a count about few people
    page = s.to_html()
    assert "Cleaning rules of the study file" in page
    assert "P001" not in page  # neither in the rules nor in the printed study file
    assert "[id]" in (s.study_spec or "")


@pytest.mark.slow
def test_kobo_study_renders_both_reports_with_no_manual_step(kobo: Path, tmp_path: Path) -> None:
    """An NGO's Kobo export with its XLSForm goes straight to both reports."""
    import subprocess
    import sys

    study = _study(kobo, "study_report.yaml")
    exe = Path(sys.executable).parent / "stigma-analysis"
    out = subprocess.run(
        [str(exe), "report", str(study), "-o", str(tmp_path / "out"), "--engine", "builtin"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.returncode == 0, out.stderr[-2000:]
    page = (tmp_path / "out" / "programme-evaluation.html").read_text(encoding="utf-8")
    assert "Multidimensional Scale of Perceived Social Support" in page
    assert (tmp_path / "out" / "reintegration.html").exists()
