"""scan_pii: free text hidden among filler, and interview timestamps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.privacy import scan_pii

NOTES = [
    "Sokha said her uncle Dara Chan took her to the border in March",
    "Met with caseworker Maly Keo about returning to the village school",
    "Lives with her aunt Srey Pov in the house near the market again",
    "Was brought back by the police officer Vannak Sim last year",
    "Her brother Piseth Lim still works at the factory in Thailand now",
    "Talked about the debt owed to the broker Rithy Heng for the trip",
]


def _kinds(frame: pd.DataFrame) -> dict[str, set[str]]:
    found = scan_pii(frame)
    return {c: set(found.loc[found["column"] == c, "kind"]) for c in frame.columns}


@pytest.mark.parametrize("filler", ["", " ", "        ", "none", "N/A", "-", "n/a", "."])
def test_free_text_padded_with_filler_is_flagged(filler: str) -> None:
    values = NOTES + [filler] * 94  # six answers among 100 respondents, as SPSS stores them
    frame = pd.DataFrame({"notes": values, "q1": np.tile([1, 2, 3, 4], 25)})
    assert _kinds(frame)["notes"] == {"free_text"}
    assert _kinds(frame)["q1"] == set()


def test_filler_mixtures_and_names_among_blanks() -> None:
    fillers = ["", " ", "none", "-", "n/a", "NONE"] * 15
    frame = pd.DataFrame(
        {
            "notes": NOTES + fillers + ["", "", "", "", ""][: 100 - len(NOTES) - len(fillers)],
            "contact_person": ["Dara Chan", "Maly Keo", "Srey Pov", "Vannak Sim"] + [" "] * 96,
        }
    )
    kinds = _kinds(frame)
    assert kinds["notes"] == {"free_text"}
    assert kinds["contact_person"] == {"name"}


def test_an_all_filler_column_is_not_flagged() -> None:
    frame = pd.DataFrame({"comment": ["", " ", "none", "-"] * 25})
    assert _kinds(frame)["comment"] == set()


def test_answer_options_with_blanks_stay_unflagged() -> None:
    options = ["Strongly agree", "Agree", "Disagree", "Strongly disagree"]
    frame = pd.DataFrame({"view": options * 5 + [""] * 80})
    assert _kinds(frame)["view"] == set()


@pytest.mark.parametrize(
    "column",
    [
        "start",
        "end",
        "today",
        "_submission_time",
        "submission_time",
        "SubmissionDate",
        "interview_start_time",
        "timestamp",
    ],
)
def test_interview_timestamp_names_are_flagged(column: str) -> None:
    frame = pd.DataFrame({column: np.arange(10)})
    assert _kinds(frame)[column] == {"timestamp"}


def test_timestamp_content_is_flagged() -> None:
    rng = np.random.default_rng(3)
    times = pd.Timestamp("2024-03-01 08:00") + pd.to_timedelta(rng.integers(0, 10**6, 40), "s")
    frame = pd.DataFrame(
        {
            "t_dtype": times,
            "t_iso": times.strftime("%Y-%m-%dT%H:%M:%S.000+07:00"),
            "t_text": times.strftime("%d/%m/%Y %H:%M"),
            "day_dtype": times.normalize(),
            "day_text": times.strftime("%Y-%m-%d"),
        }
    )
    kinds = _kinds(frame)
    assert kinds["t_dtype"] == {"timestamp"}
    assert kinds["t_iso"] == {"timestamp"}
    assert kinds["t_text"] == {"timestamp"}
    assert kinds["day_dtype"] == {"exact_date"}
    assert kinds["day_text"] == {"exact_date"}


def test_everyday_names_are_not_timestamps() -> None:
    frame = pd.DataFrame({c: [1, 2, 3] for c in ["weekend", "attend", "started_work", "wave"]})
    assert all(v == set() for v in _kinds(frame).values())
