"""One validity rule for answers: validate, score and reliability reject the same answers.

Reference: tests/results/psych_validity.R (psych 2.2.9 on bfi with an undeclared 99 and a
2.5 planted) -> psych_validity.json. Tolerance 1e-10 (closed forms on the same matrix).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from stigma_analysis.cli import main
from stigma_analysis.errors import DataValidationError
from stigma_analysis.instruments.model import Instrument
from stigma_analysis.reliability import alpha, item_statistics, reliability_table
from stigma_analysis.scoring import score
from stigma_analysis.study import load_study

RESULTS = Path(__file__).resolve().parents[1] / "results"
REF = json.loads((RESULTS / "psych_validity.json").read_text())
AGREE = ["A1", "A2", "A3", "A4", "A5"]


def _agree() -> Instrument:
    return Instrument.from_dict(
        {
            "id": "bfi_agree",
            "name": "bfi agreeableness",
            "status": "validated",
            "direction": "lower_is_better",
            "response": {"min": 1, "max": 6},
            "items": AGREE,
            "reverse": ["A1"],
            "scales": {"agree": "all"},
        }
    )


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    df = pd.read_csv(RESULTS.parent / "data" / "bfi.csv")[AGREE].astype(float)
    for p in REF["planted"]:
        df.loc[p["row"] - 1, p["item"]] = p["value"]
    return df


def test_rule_rejects_out_of_range_and_fractions_of_whole_codes() -> None:
    ins = _agree()
    v = [1, 6, 0, 7, 99, 2.5, 3.0000001, np.nan, np.inf, -np.inf, 3.0]
    want = [False, False, True, True, True, True, True, False, True, True, False]
    assert ins.invalid_answers(v).tolist() == want
    assert ins.invalid_answers(np.array([[2.5, 2.0]])).shape == (1, 2)
    # codes that are not whole numbers: fractions inside the range are answers
    vas = Instrument.from_dict(
        {
            "id": "vas",
            "name": "v",
            "direction": "lower_is_better",
            "response": {"min": 0, "max": 1.5},
            "items": [1, 2],
        }
    )
    assert vas.invalid_answers([0.25, 1.5, 1.6]).tolist() == [False, False, True]


def test_reliability_refuses_the_answers_that_score_refuses(planted: pd.DataFrame) -> None:
    ins = _agree()
    with pytest.raises(DataValidationError, match="bfi_agree") as info:
        score(planted, ins, columns="{item}")
    scored = info.value.failure_cases
    for call in (
        lambda: reliability_table(planted, ins),
        lambda: item_statistics(planted, ins),
    ):
        with pytest.raises(DataValidationError, match="on_invalid='missing'") as info:
            call()
        cases = info.value.failure_cases
        assert cases[["row", "column"]].values.tolist() == [[4, "A2"], [9, "A3"]]
        assert cases["value"].tolist() == [99, 2.5]
        assert cases[["row", "column"]].values.tolist() == scored[["row", "column"]].values.tolist()


def test_invalid_answers_as_missing_match_psych(planted: pd.DataFrame) -> None:
    ins = _agree()
    want = REF["missing"]
    with pytest.warns(UserWarning, match="2 invalid answers to bfi_agree were treated as missing"):
        tab = reliability_table(planted, ins, on_invalid="missing")
    row = tab.iloc[0]
    np.testing.assert_allclose(row["alpha"], want["raw_alpha"], rtol=1e-10)
    np.testing.assert_allclose(row["alpha_std"], want["std_alpha"], rtol=1e-10)
    np.testing.assert_allclose(row["lambda6"], want["g6_smc"], rtol=1e-10)
    assert abs(row["alpha"] - REF["with_99"]["raw_alpha"]) > 0.05  # what the 99 did
    with pytest.warns(UserWarning, match="treated as missing"):
        st = item_statistics(planted, ins, on_invalid="missing")
    np.testing.assert_allclose(st["r_drop"], want["r_drop"], rtol=1e-10)
    assert st["n"].tolist() == want["n"]
    with pytest.warns(UserWarning, match="2 invalid answers"):
        sc = score(planted, ins, columns="{item}", on_invalid="missing")
    assert np.isnan(sc.loc[[4, 9], "bfi_agree_agree"]).sum() == 0  # 4 of 5 answered: scored


def test_on_invalid_is_checked(planted: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="on_invalid must be one of"):
        reliability_table(planted, _agree(), on_invalid="drop")  # type: ignore[arg-type]


def _study(folder: Path, lone1: list[float]) -> Path:
    rng = np.random.default_rng(7)
    n = len(lone1)
    trait = rng.normal(size=n)
    cols = {
        f"lone{j}": np.clip(np.round(2 + trait + rng.normal(scale=0.6, size=n)), 1, 3)
        for j in (2, 3)
    }
    df = pd.DataFrame({"rid": [f"R{i}" for i in range(n)], "lone1": lone1, **cols})
    df.to_csv(folder / "wave1.csv", index=False)
    spec = {
        "title": "t",
        "data": [{"path": "wave1.csv", "wave": 1}],
        "id": "rid",
        "missing_codes": [97],
        "instruments": [{"instrument": "ucla3", "columns": "lone{item}", "name": "ucla"}],
    }
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


@pytest.mark.filterwarnings("ignore::stigma_analysis.reliability.KeyingWarning")  # made-up data
@pytest.mark.parametrize("bad", [99.0, 2.5, 3.0000001])
def test_study_reliability_and_cli_refuse_invalid_answers(
    tmp_path: Path, bad: float, capsys: pytest.CaptureFixture[str]
) -> None:
    lone1 = [1.0, 2.0, 3.0, 2.0, 1.0, 3.0, 2.0, 2.0, 1.0, 3.0] * 4
    lone1[6] = bad
    path = _study(tmp_path, lone1)
    study = load_study(path)
    problems = study.validate()
    flagged = problems[problems["kind"] == "value"]
    assert flagged[["row", "column"]].values.tolist() == [[7, "lone1"]]  # file row, from 1
    assert flagged["value"].iloc[0] == bad
    with pytest.raises(DataValidationError, match="on_invalid='missing'") as info:
        reliability_table(study)
    assert info.value.failure_cases["row"].tolist() == [7]
    with pytest.raises(DataValidationError, match="cannot score"):
        score(study)
    with pytest.warns(UserWarning, match="1 invalid answers were treated as missing"):
        scored = score(study, on_invalid="missing")
    assert scored["ucla_total"].isna().tolist() == [i == 6 for i in range(len(lone1))]
    with pytest.warns(UserWarning, match="1 invalid answers were treated as missing"):
        tab = reliability_table(study, on_invalid="missing")
    clean = pd.read_csv(tmp_path / "wave1.csv")
    clean.loc[6, "lone1"] = np.nan
    want = alpha(clean[["lone1", "lone2", "lone3"]])
    np.testing.assert_allclose(tab["alpha"].iloc[0], want.alpha, rtol=1e-12)
    capsys.readouterr()
    code = main(["reliability", str(path)])
    err = capsys.readouterr().err
    assert code != 0
    assert "lone1" in err


def test_bands_and_threshold_attainment_agree_on_a_float_tie() -> None:
    """A prorated sum of exactly 30 (15 / 11 * 22, by hand) computes as 29.999999999999996:
    its band starts at 30, so threshold_attainment must count it as at or above 30."""
    from stigma_analysis.evaluation import threshold_attainment
    from stigma_analysis.scoring import CUTOFF_TOLERANCE, reaches_cutoff

    ins = Instrument.from_dict(
        {
            "id": "tie22",
            "name": "22 items",
            "status": "validated",
            "direction": "lower_is_better",
            "response": {"min": 1, "max": 4},
            "items": list(range(1, 23)),
            "scoring": "sum",
            "min_answered": 0.5,
            "cutoffs": {"total": [{"label": "low", "from": 22}, {"label": "high", "from": 30}]},
        }
    )
    answers = np.full((3, 22), np.nan)
    answers[0, :11] = [2] * 4 + [1] * 7  # 15 over 11 answered -> 30 (float: just below)
    answers[1, :11] = [2] * 3 + [1] * 8  # 14 -> 28
    answers[2, :] = [2] * 8 + [1] * 14  # 30 with all answered: also mean x 22, also below
    df = pd.DataFrame(answers, columns=[f"q{i}" for i in range(1, 23)])
    sc = score(df, ins, columns="q{item}")
    assert sc["tie22_total"].iloc[0] < 30  # the float tie this test is about
    assert sc["tie22_total_band"].tolist() == ["high", "low", "high"]
    long = sc.assign(wave=1)
    up = threshold_attainment(long, score="tie22_total", cutoff=30, direction="at_or_above")
    down = threshold_attainment(long, score="tie22_total", cutoff=30, direction="below")
    assert up["k"].tolist() == [2]
    assert down["k"].tolist() == [1]
    assert reaches_cutoff([30 - CUTOFF_TOLERANCE / 2, np.nan], 30).tolist() == [True, False]
    assert not reaches_cutoff([30 - 2 * CUTOFF_TOLERANCE], 30)[0]
