"""Unit tests of ``stigma_analysis.report.tables`` (the tables the reports show), without rendering.

Hand-made inputs with known answers: counts by hand, the people (not rows) behind each model
term, the waves a model uses, how its standard errors treat repeated respondents, the minimum
sample of a factor model, blank answers as missing, and the names and directions taken from
the instrument definitions.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.instruments import Instrument
from stigma_analysis.report import tables as tbl
from stigma_analysis.study import load_study
from tests.report.small_studies import pallant_study, programme_study


def _instrument(**over: object) -> Instrument:
    raw: dict = {
        "id": "phq_like",
        "name": "Depression symptoms (PHQ-9-like)",
        "direction": "lower_is_better",
        "response": {"min": 0, "max": 3},
        "items": [1, 2, 3],
    }
    raw.update(over)
    return Instrument.model_validate(raw)


def _quiet_load(path: Path):
    """The study, scored once (cached) without the provisional-instrument notice."""
    from stigma_analysis import score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(path)
        score(study)
    return study


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory):
    return _quiet_load(programme_study(tmp_path_factory.mktemp("p") / "study"))


@pytest.fixture(scope="module")
def pallant(tmp_path_factory: pytest.TempPathFactory):
    return _quiet_load(pallant_study(tmp_path_factory.mktemp("q") / "study"))


# ----------------------------------------------------------------------------- naming, direction
@pytest.mark.parametrize(
    ("direction", "expected"), [("lower_is_better", False), ("higher_is_better", True)]
)
def test_direction_comes_from_the_definition(direction: str, expected: bool) -> None:
    # a name full of 'positive' words cannot turn a lower-is-better scale around, and vice versa
    ins = _instrument(
        direction=direction,
        name="Better wellbeing symptoms",
        response={"min": 0, "max": 3, "high_means": "better, more symptoms"},
    )
    assert tbl.higher_is_better(ins) is expected


def test_names_come_from_the_definition() -> None:
    ins = _instrument(name="Generalised anxiety (GAD-7 like)")
    assert (
        tbl.plain_name(ins) == "Generalised anxiety"
    )  # no keyword table ("anxiety and depression")
    assert tbl.short_name(ins) == "Generalised anxiety"
    assert tbl.short_name(_instrument(id="gad7")) == "GAD-7"


# ----------------------------------------------------------------------------- small helpers
def test_with_ci_and_format_p() -> None:
    out = tbl.with_ci(pd.Series([0.1, np.nan]), pd.Series([0.25, 1.0]))
    assert list(out) == ["[0.10,\u00a00.25]", ""]
    assert tbl.format_p(0.0004) == "<0.001"
    assert tbl.format_p(0.0456) == "0.046"
    assert tbl.format_p("<5") == ""


def test_numeric_turns_hidden_cells_into_nan_and_keeps_text() -> None:
    shown = pd.DataFrame({"term": ["a", "b"], "n": ["<5", 12], "x": ["[c]", 0.5]}, dtype=object)
    out = tbl.numeric(shown)
    assert out["term"].tolist() == ["a", "b"]
    assert np.isnan(out["n"].iloc[0])
    assert out["n"].iloc[1] == 12
    assert np.isnan(out["x"].iloc[0])
    assert out["x"].iloc[1] == 0.5


def test_without_counts() -> None:
    assert tbl.without_counts("group 2 (n = 3) is small") == "group 2 is small"


def test_change_counts_adds_a_total_per_arm() -> None:
    classified = pd.DataFrame(
        {
            "arm": [1, 1, 1, 2, 2],
            "site": ["a", "b", "b", "a", "a"],
            "category": ["improved", "unchanged", "improved", "deteriorated", "unchanged"],
        }
    )
    out = tbl.change_counts(classified, site="site", arm="arm")
    total = out[(out["arm"] == 1) & (out["site"] == "Total")].iloc[0]
    assert (total["n"], total["improved"], total["unchanged"]) == (3, 2, 1)
    assert total["pct_improved"] == pytest.approx(200 / 3)


def test_sample_table_follows_the_groups(pallant) -> None:
    table = tbl.sample_table(pallant)
    assert list(table.columns[:2]) == ["wave", "sex"]
    assert table["n"].iloc[-1] == 120
    assert table["sex"].iloc[-1] == "Total"


# ----------------------------------------------------------------------------- missing answers
def test_blank_answers_are_missing_answers(pallant) -> None:
    table = tbl.missing_table(pallant)
    row = table.loc[("Depression symptoms", tbl.BLANK)]
    assert row["wave 1: answers"] == 36  # 4 blanks in each of 9 items
    # by hand: people with at least one blank
    cols = list(pallant.instrument("phq").columns.values())
    assert row["wave 1: respondents"] == int(pallant.data[cols].isna().any(axis=1).sum())
    assert ("RSES-10", tbl.BLANK) not in table.index


# ----------------------------------------------------------------------------- factor models
def test_cfa_needs_100_cases_and_5_per_parameter() -> None:
    assert tbl.cfa_parameters(29, 5) == 68  # ISMI-29: 24 loadings + 29 residuals + 5 var + 10 cov
    assert tbl.cfa_min_n(29, 5) == 340
    assert tbl.cfa_min_n(6, 2) == 100


def test_cfa_is_not_fitted_on_a_small_sample(tmp_path: Path) -> None:
    study_file = pallant_study(tmp_path / "s", n=60, blanks=0)
    phq = (study_file.parent / "phq.yaml").read_text(encoding="utf-8")
    phq = phq.replace(
        "  total: all\n", "  total: all\n  mood: [1, 2, 3, 4]\n  body: [5, 6, 7, 8, 9]\n"
    )
    (study_file.parent / "phq.yaml").write_text(phq, encoding="utf-8")
    fit, notes = tbl.cfa_table(_quiet_load(study_file))
    assert fit.empty
    assert notes == [
        "Depression symptoms: not fitted: 60 complete cases, 100 needed (2 factors, "
        "19 free parameters; at least 100 and 5 per parameter)"
    ]


def _invariance(improper: tuple[bool, bool, bool], cfi: tuple[float, float, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "instrument": "ISMI-29",
            "level": ["configural", "metric", "scalar"],
            "cfi": list(cfi),
            "delta_cfi": [np.nan, cfi[1] - cfi[0], cfi[2] - cfi[1]],
            "converged": True,
            "improper": list(improper),
        }
    )


def test_invariance_is_not_said_to_hold_on_an_improper_solution() -> None:
    fine = _invariance((False, False, False), (0.96, 0.958, 0.955))
    assert tbl.invariance_verdicts(fine) == ["ISMI-29: scalar invariance holds by this rule"]
    improper = _invariance((False, False, True), (0.96, 0.958, 0.955))
    (verdict,) = tbl.invariance_verdicts(improper)
    assert "holds" not in verdict
    assert verdict.startswith("ISMI-29: the scalar model has an improper or unconverged solution")
    dropped = _invariance((False, False, False), (0.96, 0.958, 0.94))
    assert tbl.invariance_verdicts(dropped) == [
        "ISMI-29: scalar invariance is not supported (ΔCFI below -0.01)"
    ]


# ----------------------------------------------------------------------------- models
def test_a_model_declared_on_wave_1_uses_only_wave_1(programme) -> None:
    models = tbl.fit_study_models(programme)
    base = models["symptoms_at_baseline"]
    at_1 = programme.data[programme.data["wave"] == 1]
    assert base.waves == [1]
    assert set(base.data["wave"]) == {1}
    assert base.n_rows == base.n_people == int(base.result.summary["n"].iloc[0])
    assert base.n_rows <= len(at_1)
    assert base.n_rows > 0.9 * len(at_1)
    assert base.errors == "one row per respondent"


def test_a_pooled_model_clusters_its_errors_by_respondent(programme) -> None:
    from stigma_analysis.models import fit_model

    pooled = tbl.fit_study_models(programme)["symptoms_pooled"]
    assert pooled.n_rows > pooled.n_people  # people answer at both waves
    summary = pooled.result.summary.iloc[0]
    assert summary["cov_type"] == "cluster"
    assert summary["n_groups"] == pooled.n_people
    assert pooled.options == {"cluster": "pid"}
    assert "clustered by respondent (pid)" in pooled.errors
    # the same model with errors that ignore the repeated respondents differs
    naive = fit_model(pooled.data, "phq_total ~ C(programme) + wave", cov_type="nonrobust")
    se = pooled.result.coefficients.set_index("term")["se"]
    se_naive = naive.coefficients.set_index("term")["se"]
    assert not np.allclose(se.to_numpy(), se_naive.to_numpy(), rtol=0.02)


def test_model_table_counts_people_not_rows() -> None:
    """A 2-person site seen at 3 waves is 2 people: the gate must hide its estimate."""
    from stigma_analysis.models import fit_model

    rng = np.random.default_rng(3)
    ids = np.repeat([f"p{i}" for i in range(40)], 3)
    site = np.repeat(np.r_[np.full(38, "big"), ["tiny", "tiny"]], 3)
    data = pd.DataFrame(
        {"pid": ids, "site": site, "x": rng.normal(size=120), "wave": np.tile([1, 2, 3], 40)}
    )
    data["y"] = data["x"] + rng.normal(size=120)
    res = fit_model(data, "y ~ x + C(site)", cluster="pid")
    table = tbl.model_table(res, data=data, id="pid")
    tiny = table[table["term"] == "site: tiny"].iloc[0]
    assert tiny["n"] == 2  # not 6 rows
    assert table.loc[table["term"] == "x", "n"].iloc[0] == 40
    from stigma_analysis.privacy import DisclosurePolicy

    shown = DisclosurePolicy(min_cell=5).disclose(table, count_columns=["n"], totals="none")
    hidden = shown[shown["term"] == "site: tiny"].iloc[0]
    assert str(hidden["n"]).startswith("<")
    assert not isinstance(hidden["estimate"], float)


def test_an_ordinal_model_over_repeated_respondents_gets_clustered_errors(tmp_path: Path) -> None:
    study_file = programme_study(tmp_path / "s")
    text = study_file.read_text(encoding="utf-8").replace(
        '    formula: "phq_total ~ C(programme) + wave"\n',
        '    formula: "phq_total_band ~ C(programme) + wave"\n    family: ordinal\n',
    )
    study_file.write_text(text, encoding="utf-8")
    phq = study_file.parent / "phq.yaml"  # three ordered bands (alphabetical = severity order)
    phq.write_text(
        phq.read_text(encoding="utf-8").replace(
            "    - {label: moderate, from: 10}\n",
            "    - {label: mild, from: 5}\n    - {label: moderate, from: 10}\n",
        ),
        encoding="utf-8",
    )
    fitted = tbl.fit_study_models(_quiet_load(study_file))["symptoms_pooled"]
    assert fitted.options["cluster"] == "pid"
    assert fitted.errors.startswith("standard errors clustered by respondent")
    assert fitted.n_people < fitted.n_rows


def test_invariance_needs_5_cases_per_parameter_in_each_group() -> None:
    """The example's sites (about 150 people each) are too small for any multi-group CFA."""
    from tests.conftest import EXAMPLE_STUDY

    study = _quiet_load(EXAMPLE_STUDY)
    inv, notes = tbl.invariance_table(study, group="site")
    assert inv.empty
    assert any(
        n.startswith("MSPSS-12: 4 site group(s) with fewer than 195 complete cases (39 free")
        for n in notes
    ), notes
    assert "MSPSS-12: fewer than two site groups large enough; not tested" in notes


def test_a_repeated_count_is_hidden_on_every_row() -> None:
    from stigma_analysis.privacy import suppress

    # n is the people scored at a wave, repeated on the row of every cut-off band
    raw = pd.DataFrame(
        {
            "band": ["a", "a", "b", "b"],
            "wave": [1, 2, 1, 2],
            "n": [40, 3, 40, 3],
            "k": [6, 1, 12, 2],
        }
    ).assign(share=lambda d: d["k"] / d["n"])
    safe = suppress(raw, min_cell=5, count_columns=["n", "k"], derived={"share": ["k", "n"]})
    shown = safe.loc[safe["wave"] == 1, "n"].tolist()
    assert "[c]" in shown
    assert 40 in shown  # the leak: the hidden n is printed on the next row
    once = tbl.hide_repeated(safe, column="n", by=["wave"], derived=["share"])
    assert once.loc[once["wave"] == 1, "n"].tolist() == ["[c]", "[c]"]
    assert once.loc[once["wave"] == 2, "n"].tolist() == ["<5", "<5"]
    assert (once["share"] == "[c]").all()
    assert once["k"].tolist() == safe["k"].tolist()


def test_a_count_in_two_tables_is_hidden_in_both() -> None:
    # people met at both visits: the change table's n and the reliable-change table's n
    change = pd.DataFrame({"site": ["A", "B"], "n": [40, "[c]"], "mean": [1.0, 2.0]})
    counts = pd.DataFrame(
        {"site": ["A", "B", "Total"], "n": ["[c]", 12, 52], "pct": [10.0, 50.0, 30.0]}
    )
    a, b = tbl.show_once(
        [(change, change["site"], []), (counts, counts["site"], ["pct"])], column="n"
    )
    assert a["n"].tolist() == ["[c]", "[c]"]
    assert a["mean"].tolist() == [1.0, 2.0]
    assert b["n"].tolist() == ["[c]", "[c]", 52]
    assert b["pct"].tolist() == ["[c]", "[c]", 30.0]
