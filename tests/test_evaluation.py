"""Programme evaluation: pre/post, reliable change, thresholds, arm x wave, attrition.

Outside references live in tests/results/evaluation_*.R (+ .json/.csv they wrote).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from stigma_analysis import evaluation as ev
from stigma_analysis.errors import DataValidationError

from .conftest import EXAMPLE_STUDY, RESULTS

PREPOST = json.loads((RESULTS / "evaluation_prepost.json").read_text())
WILSON = json.loads((RESULTS / "evaluation_wilson.json").read_text())
MIXED = json.loads((RESULTS / "evaluation_mixed.json").read_text())

MOVIE_1 = [9, 7, 8, 9, 8, 9, 9, 10, 9, 9]  # Lakens (2013) Table 1
MOVIE_2 = [9, 6, 7, 8, 7, 9, 8, 8, 8, 7]


def _long(pre, post, **groups):
    n = len(pre)
    ids = np.arange(n)
    base = pd.DataFrame({"pid": ids, "t": 1, "y": np.asarray(pre, float), **groups})
    follow = pd.DataFrame({"pid": ids, "t": 2, "y": np.asarray(post, float), **groups})
    return pd.concat([base, follow], ignore_index=True)


def _panel(n=200, seed=1, effect=-0.2):
    rng = np.random.default_rng(seed)
    ids = np.arange(n)
    site = rng.choice(["north", "south"], n)
    arm = np.where(ids % 2 == 0, "intervention", "comparison")
    age = rng.normal(30, 8, n).round()
    u = rng.normal(0, 0.4, n)
    frames = []
    for w in (1, 2, 3):
        y = 2.4 + u + rng.normal(0, 0.3, n) + (arm == "intervention") * effect * (w - 1)
        keep = rng.random(n) > 0.1 * (w - 1)
        frames.append(
            pd.DataFrame({"rid": ids, "visit": w, "site": site, "arm": arm, "age": age, "s": y})[
                keep
            ]
        )
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- pre/post
def test_pre_post_matches_r_t_test_by_site():
    data = pd.read_csv(RESULTS / "evaluation_prepost_data.csv")
    out = ev.pre_post(data, score="score", id="resp_id", by="site")
    assert list(out.columns) == ["site", *ev.PRE_POST_COLUMNS]
    ref = pd.DataFrame(PREPOST["by_site"])
    assert out["site"].tolist() == ref["site"].tolist()
    assert out["n"].tolist() == ref["n"].tolist()
    cols = ["mean_pre", "mean_post", "sd_pre", "sd_post", "mean_change", "sd_change"]
    cols += ["ci_low", "ci_high", "t", "df", "p"]
    # closed forms (t quantiles and tail areas in both): rtol 1e-10
    np.testing.assert_allclose(out[cols].to_numpy(float), ref[cols].to_numpy(float), rtol=1e-10)


def test_pre_post_lakens_movie_example():
    data = _long(MOVIE_1, MOVIE_2)
    out = ev.pre_post(data, score="y", id="pid", wave="t").iloc[0]
    ref = PREPOST["lakens_movies"]
    for col in ("mean_change", "sd_change", "ci_low", "ci_high", "t", "p"):
        assert out[col] == pytest.approx(ref[col], rel=1e-10)
    # Lakens (2013) reports t(9) = 4.74, d_z = 1.50 and d_av = 1.13 (signs: movie 2 - movie 1)
    assert round(out["t"], 2) == -4.74
    assert round(out["cohen_dz"], 2) == -1.50
    assert round(out["cohen_dav"], 2) == -1.13
    # d_z = t / sqrt(n); d_av = mean / mean of sds; g_av with J = 1 - 3/(4(n1 + n2) - 9)
    assert out["cohen_dz"] == pytest.approx(out["t"] / math.sqrt(10), rel=1e-12)
    sd_av = (np.std(MOVIE_1, ddof=1) + np.std(MOVIE_2, ddof=1)) / 2
    assert out["cohen_dav"] == pytest.approx(-1 / sd_av, rel=1e-12)
    assert out["hedges_g_av"] == pytest.approx(-1 / sd_av * (1 - 3 / 71), rel=1e-12)
    assert round(out["hedges_g_av"], 2) == -1.08


def test_pre_post_hedges_factor_equals_pingouins():
    import pingouin as pg

    d = pg.compute_effsize(MOVIE_2, MOVIE_1, paired=True, eftype="cohen")
    g = pg.compute_effsize(MOVIE_2, MOVIE_1, paired=True, eftype="hedges")
    out = ev.pre_post(_long(MOVIE_1, MOVIE_2), score="y", id="pid", wave="t").iloc[0]
    assert out["hedges_g_av"] / out["cohen_dav"] == pytest.approx(g / d, rel=1e-12)


def test_pre_post_default_post_is_last_wave_and_small_groups_are_nan():
    data = _panel()
    a = ev.pre_post(data, score="s", id="rid", wave="visit")
    b = ev.pre_post(data, score="s", id="rid", wave="visit", post=3)
    pd.testing.assert_frame_equal(a, b)
    one = _long([2.0], [1.5], g=["x"])
    out = ev.pre_post(one, score="y", id="pid", wave="t", by="g").iloc[0]
    assert out["n"] == 1
    assert np.isnan(out["t"])
    assert np.isnan(out["ci_low"])
    assert np.isnan(out["hedges_g_av"])


def test_pre_post_ignores_row_order():
    data = _panel(seed=4)
    a = ev.pre_post(data, score="s", id="rid", wave="visit", by=("site", "arm"))
    shuffled = data.sample(frac=1, random_state=3)
    b = ev.pre_post(shuffled, score="s", id="rid", wave="visit", by=("site", "arm"))
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"score": "nope"}, ValueError, "no column"),
        ({"pre": 7}, ValueError, "pre=7 is not a value"),
        ({"pre": 2, "post": 2}, ValueError, "different waves"),
        ({"ci_level": 95}, ValueError, "ci_level must be"),
        ({"by": [1]}, TypeError, "by must be"),
    ],
)
def test_pre_post_argument_errors(kwargs, error, match):
    args = {"score": "s", "id": "rid", "wave": "visit", **kwargs}
    with pytest.raises(error, match=match):
        ev.pre_post(_panel(n=20), **args)


def test_duplicate_rows_are_a_data_validation_error():
    data = _panel(n=20)
    data = pd.concat([data, data.iloc[[0, 5]]], ignore_index=True)
    with pytest.raises(DataValidationError, match="duplicate") as info:
        ev.pre_post(data, score="s", id="rid", wave="visit")
    cases = info.value.failure_cases
    assert list(cases.columns) == ["file", "row", "column", "value", "reason"]
    assert len(cases) == 4


# --------------------------------------------------------------------------- reliable change
def test_reliable_change_hand_computed_jacobson_truax():
    # sd 0.5, r .84: SEM = 0.5 * sqrt(.16) = 0.2; S_diff = sqrt(2) * 0.2 = 0.28284;
    # change -0.6 -> RCI = -2.1213 (< -1.96); -0.2 -> -0.7071; +0.6 -> +2.1213.
    data = _long([2.8, 2.8, 2.8], [2.2, 2.6, 3.4])
    out = ev.reliable_change(
        data, score="y", id="pid", wave="t", reliability=0.84, sd=0.5, direction="lower_is_better"
    )
    np.testing.assert_allclose(out["sem"], 0.2, rtol=1e-12)
    np.testing.assert_allclose(out["s_diff"], 0.2 * math.sqrt(2), rtol=1e-12)
    np.testing.assert_allclose(
        out["rci"],
        [-0.6 / 0.2828427124746190, -0.2 / 0.2828427124746190, 0.6 / 0.2828427124746190],
        rtol=1e-12,
    )
    np.testing.assert_allclose(out["threshold"], 1.959963984540054 * 0.2828427124746190, rtol=1e-12)
    assert out["category"].tolist() == ["improved", "unchanged", "deteriorated"]
    up = ev.reliable_change(
        data, score="y", id="pid", wave="t", reliability=0.84, sd=0.5, direction="higher_is_better"
    )
    assert up["category"].tolist() == ["deteriorated", "unchanged", "improved"]
    # a stricter level moves the borderline respondents to "unchanged" (2.12 < z_.99 = 2.58)
    strict = ev.reliable_change(
        data,
        score="y",
        id="pid",
        wave="t",
        reliability=0.84,
        sd=0.5,
        direction="lower_is_better",
        ci_level=0.99,
    )
    assert strict["category"].tolist() == ["unchanged"] * 3


def test_reliable_change_default_sd_is_baseline_sd():
    data = _panel(seed=7)
    out = ev.reliable_change(
        data, score="s", id="rid", wave="visit", reliability=0.9, direction="lower_is_better"
    )
    sd = data.loc[data["visit"] == 1, "s"].std(ddof=1)
    np.testing.assert_allclose(out["sd_reference"], sd, rtol=1e-12)
    np.testing.assert_allclose(out["rci"], out["change"] / (math.sqrt(2) * sd * math.sqrt(0.1)))


def _known_changes(seed=11):
    """Per site x arm, a fixed number of improvers (change -1), unchanged (±0.1), worse (+1)."""
    rng = np.random.default_rng(seed)
    plan = {  # (site, arm): (improved, unchanged, deteriorated)
        ("north", "intervention"): (20, 25, 5),
        ("north", "comparison"): (8, 36, 6),
        ("south", "intervention"): (16, 20, 4),
        ("south", "comparison"): (6, 30, 4),
    }
    frames = []
    offset = 0
    for (site, arm), (k_imp, k_same, k_worse) in plan.items():
        change = np.concatenate(
            [np.full(k_imp, -1.0), rng.uniform(-0.1, 0.1, k_same), np.full(k_worse, 1.0)]
        )
        rng.shuffle(change)
        pre = rng.uniform(1.5, 3.0, change.size)
        part = _long(pre, pre + change, site=site, arm=arm)
        part["pid"] += offset
        offset += change.size
        frames.append(part)
    return pd.concat(frames, ignore_index=True), plan


def test_reliable_change_counts_recover_known_truth():
    data, plan = _known_changes()
    classified = ev.reliable_change(
        data,
        score="y",
        id="pid",
        wave="t",
        reliability=0.84,
        sd=0.5,
        direction="lower_is_better",
        by=("site", "arm"),
    )
    counts = ev.reliable_change_counts(classified)
    assert list(counts.columns) == ["site", "arm", *ev.COUNT_COLUMNS]
    assert len(counts) == 4
    for row in counts.itertuples(index=False):
        imp, same, worse = plan[(row.site, row.arm)]
        assert (row.improved, row.unchanged, row.deteriorated, row.n) == (
            imp,
            same,
            worse,
            imp + same + worse,
        )
        assert row.pct_improved == pytest.approx(100 * imp / row.n)
    overall = ev.reliable_change_counts(classified, by=())
    assert overall["n"].item() == 180
    # 40% of the intervention arm improves by construction (36 of 90)
    arm = ev.reliable_change_counts(classified, by="arm").set_index("arm")
    assert arm.loc["intervention", "pct_improved"] == pytest.approx(40.0)


def test_reliable_change_counts_needs_group_columns():
    data, _ = _known_changes()
    classified = ev.reliable_change(
        data, score="y", id="pid", wave="t", reliability=0.84, sd=0.5, direction="lower_is_better"
    )
    with pytest.raises(ValueError, match=r"call reliable_change\(\.\.\., by="):
        ev.reliable_change_counts(classified)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"direction": "down"}, "direction must be one of"),
        ({"reliability": 1.0}, "reliability must be"),
        ({"sd": -1.0}, "sd must be a positive number"),
        ({"ci_level": 1.5}, "ci_level must be"),
    ],
)
def test_reliable_change_argument_errors(kwargs, match):
    args = {"reliability": 0.8, "direction": "lower_is_better", **kwargs}
    with pytest.raises(ValueError, match=match):
        ev.reliable_change(_panel(n=20), score="s", id="rid", wave="visit", **args)


# --------------------------------------------------------------------------- thresholds
def test_wilson_matches_r_prop_test_and_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    cases = pd.DataFrame(WILSON["cases"])
    low, high = ev.wilson_interval(cases["k"], cases["n"])
    # closed form in both: rtol 1e-10
    np.testing.assert_allclose(low, cases["ci_low"], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(high, cases["ci_high"], rtol=1e-10)
    low90, high90 = ev.wilson_interval(cases["k"], cases["n"], ci_level=0.90)
    np.testing.assert_allclose(low90, cases["ci_low_90"], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(high90, cases["ci_high_90"], rtol=1e-10)
    sm_low, sm_high = proportion_confint(cases["k"], cases["n"], method="wilson")
    np.testing.assert_allclose(low, sm_low, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(high, sm_high, rtol=1e-10)


def test_threshold_attainment_counts_and_direction():
    data = pd.DataFrame(
        {
            "wave": [1, 1, 1, 1, 2, 2, 2, 2],
            "arm": ["a", "a", "b", "b", "a", "a", "b", "b"],
            "x": [2.5, 2.4, 3.0, np.nan, 1.0, 2.6, 2.49, 2.5],
        }
    )
    up = ev.threshold_attainment(data, score="x", cutoff=2.5, direction="at_or_above", by="arm")
    assert list(up.columns) == ["arm", "wave", "n", "k", "share", "ci_low", "ci_high"]
    assert up[["n", "k"]].to_numpy().tolist() == [[2, 1], [2, 1], [1, 1], [2, 1]]
    down = ev.threshold_attainment(data, score="x", cutoff=2.5, direction="below")
    assert down[["wave", "n", "k"]].to_numpy().tolist() == [[1, 3, 1], [2, 4, 2]]
    low, high = ev.wilson_interval(1, 3)
    assert (down["ci_low"].iloc[0], down["ci_high"].iloc[0]) == (low, high)


def test_threshold_attainment_matches_r_on_a_case():
    case = WILSON["cases"][4]  # 39 of 100
    x = np.r_[np.full(case["k"], 3.0), np.full(case["n"] - case["k"], 2.0)]
    data = pd.DataFrame({"wave": 1, "x": x})
    out = ev.threshold_attainment(data, score="x", cutoff=2.5, direction="at_or_above").iloc[0]
    assert out["share"] == pytest.approx(0.39)
    assert out["ci_low"] == pytest.approx(case["ci_low"], rel=1e-10)
    assert out["ci_high"] == pytest.approx(case["ci_high"], rel=1e-10)


# --------------------------------------------------------------------------- arm x wave
def test_arm_by_wave_matches_lme4():
    data = pd.read_csv(RESULTS / "evaluation_mixed_data.csv")
    res = ev.arm_by_wave(data, score="score", id="resp_id", reference_arm="comparison")
    assert res.converged
    assert res.warnings == ()
    assert res.n_obs == MIXED["n_obs"]
    assert res.coefficients["term"].tolist() == [
        "intercept",
        "arm[intervention]",
        "wave[2]",
        "wave[3]",
        "arm[intervention]:wave[2]",
        "arm[intervention]:wave[3]",
    ]
    # numerical optimisers on both sides (agreement seen: 1e-7); tolerance 1e-6
    np.testing.assert_allclose(res.coefficients["estimate"], MIXED["estimate"], atol=1e-6)
    np.testing.assert_allclose(res.coefficients["se"], MIXED["se"], atol=1e-6)
    vc = res.variance_components.set_index("component")["estimate"]
    assert vc["respondent_intercept_var"] == pytest.approx(
        MIXED["respondent_intercept_var"], abs=1e-6
    )
    assert vc["residual_var"] == pytest.approx(MIXED["residual_var"], abs=1e-6)
    con = res.contrasts
    assert con["wave"].tolist() == [2, 3]
    np.testing.assert_allclose(con["estimate"], MIXED["estimate"][4:], atol=1e-6)
    np.testing.assert_allclose(
        con["change_arm"], np.add(MIXED["estimate"][2:4], MIXED["estimate"][4:]), atol=1e-6
    )
    z = 1.959963984540054
    np.testing.assert_allclose(con["ci_high"] - con["estimate"], z * con["se"], rtol=1e-12)
    pd.testing.assert_frame_equal(res.to_frame(), res.coefficients)


def test_arm_by_wave_recovers_a_simulated_effect():
    res = ev.arm_by_wave(_panel(n=400, seed=2, effect=-0.2), score="s", id="rid", wave="visit")
    con = res.contrasts.set_index("wave")
    # truth: -0.2 per wave after baseline; intervals should cover it
    for w, truth in ((2, -0.2), (3, -0.4)):
        assert con.loc[w, "ci_low"] < truth < con.loc[w, "ci_high"]


def test_arm_by_wave_captures_convergence_warnings():
    # no between-respondent variance: the REML optimum is on the boundary (variance 0)
    rng = np.random.default_rng(3)
    n = 30
    data = pd.DataFrame(
        {
            "rid": np.repeat(np.arange(n), 3),
            "wave": np.tile([1, 2, 3], n),
            "arm": np.repeat(np.where(np.arange(n) % 2, "intervention", "comparison"), 3),
            "s": rng.normal(size=3 * n),
        }
    )
    res = ev.arm_by_wave(data, score="s", id="rid")  # filterwarnings=error: none may escape
    assert res.warnings
    assert any("boundary" in w or "converge" in w for w in res.warnings)


def test_arm_by_wave_argument_errors():
    data = _panel(n=20)
    with pytest.raises(ValueError, match="reference_arm must be one of"):
        ev.arm_by_wave(data, score="s", id="rid", wave="visit", reference_arm="control")
    with pytest.raises(ValueError, match="baseline_wave must be one of"):
        ev.arm_by_wave(data, score="s", id="rid", wave="visit", baseline_wave=0)


# --------------------------------------------------------------------------- attrition
def test_attrition_retention_and_baseline_comparison():
    from scipy import stats

    data = _panel(n=300, seed=5)
    res = ev.attrition(data, id="rid", wave="visit", compare=("age", "site"), by="arm")
    ret = res.retention
    assert list(ret.columns) == [
        "arm",
        "visit",
        "n_seen",
        "n_baseline",
        "n_present",
        "pct_retained",
    ]
    for (a, w), part in data.groupby(["arm", "visit"]):
        row = ret[(ret["arm"] == a) & (ret["visit"] == w)].iloc[0]
        assert row["n_present"] == len(part)
        assert row["n_baseline"] == (data.loc[data["visit"] == 1, "arm"] == a).sum()
    base = res.baseline
    assert list(base.columns) == ["arm", *ev.BASELINE_COLUMNS]
    # outside check: Welch t and SMD by hand for one arm
    b = data[data["visit"] == 1].set_index("rid")
    done = b.index.isin(data.loc[data["visit"] == 3, "rid"])
    part = b[b["arm"] == "comparison"]
    pdone = done[b["arm"].to_numpy() == "comparison"]
    x, y = part["age"][pdone], part["age"][~pdone]
    row = base[(base["arm"] == "comparison") & (base["variable"] == "age")].iloc[0]
    assert row["p"] == pytest.approx(stats.ttest_ind(x, y, equal_var=False).pvalue, rel=1e-12)
    smd = (x.mean() - y.mean()) / math.sqrt((x.var() + y.var()) / 2)
    assert row["smd"] == pytest.approx(smd, rel=1e-12)
    cat = base[(base["arm"] == "comparison") & (base["variable"] == "site")]
    assert cat["level"].tolist() == ["north", "south"]
    table = pd.crosstab(part["site"], pdone)
    chi = stats.chi2_contingency(table.to_numpy(), correction=False).pvalue
    np.testing.assert_allclose(cat["p"], chi, rtol=1e-12)
    assert cat["completers"].sum() == pytest.approx(1.0)


def test_attrition_detects_dropout_related_to_baseline():
    rng = np.random.default_rng(8)
    n = 400
    stigma = rng.normal(2.4, 0.5, n)
    stays = rng.random(n) < 1 / (1 + np.exp(3 * (stigma - 2.4)))  # high stigma drops out
    data = pd.concat(
        [
            pd.DataFrame({"id": np.arange(n), "wave": 1, "stigma": stigma}),
            pd.DataFrame({"id": np.arange(n)[stays], "wave": 2, "stigma": stigma[stays]}),
        ]
    )
    res = ev.attrition(data, id="id", compare=["stigma"])
    assert res.retention["n_present"].tolist() == [n, int(stays.sum())]
    row = res.baseline.iloc[0]
    assert row["smd"] < -0.5
    assert row["p"] < 1e-6
    assert res.final_wave == 2
    pd.testing.assert_frame_equal(res.to_frame(), res.retention)


def test_attrition_present_column_counts_only_scored_rows():
    data = pd.DataFrame(
        {"id": [1, 1, 2, 2, 3], "wave": [1, 2, 1, 2, 1], "x": [1.0, np.nan, 2.0, 2.5, 3.0]}
    )
    res = ev.attrition(data, id="id", present="x")
    assert res.retention["n_present"].tolist() == [3, 1]
    res = ev.attrition(data, id="id")
    assert res.retention["n_present"].tolist() == [3, 2]


# --------------------------------------------------------------------------- example study
# study.py's loader inserts columns one at a time and pandas warns; not this module's
# warning (reported to the lead), silenced only here until the loader is fixed.
@pytest.mark.filterwarnings("ignore::pandas.errors.PerformanceWarning")
# The example study includes provisional instruments (eds9 ...): scoring warns about them by
# design; this test reads only the ISMI score.
@pytest.mark.filterwarnings("ignore::stigma_analysis.scoring.ProvisionalInstrumentWarning")
def test_example_study_reliable_change_counts_by_site_and_arm(tmp_path):
    from stigma_analysis import load_study, score
    from stigma_analysis.simulate import write_example_study

    path = EXAMPLE_STUDY
    if not path.exists():  # not committed yet: generate it the way surveys/example is made
        write_example_study(tmp_path)
        path = tmp_path / "study.yaml"
    scores = score(load_study(path))
    # reliability .90: the published ISMI alpha (docs/calibration.md row 4)
    classified = ev.reliable_change(
        scores,
        score="ismi_total_excl_sr",
        id="resp_id",
        reliability=0.90,
        direction="lower_is_better",
        by=("site", "arm"),
    )
    counts = ev.reliable_change_counts(classified, by=("site", "arm"))
    assert list(counts.columns) == ["site", "arm", *ev.COUNT_COLUMNS]
    baseline = scores[scores["wave"] == 1]
    assert len(counts) == len(baseline[["site", "arm"]].drop_duplicates()) == 8  # 4 sites x 2 arms
    assert (counts[["improved", "unchanged", "deteriorated"]].sum(axis=1) == counts["n"]).all()
    assert counts["n"].sum() == len(classified) > 0
    assert counts["improved"].sum() > counts["deteriorated"].sum()  # the programme works


def test_attrition_numeric_codes_as_categories():
    data = _panel(n=100, seed=9)
    data["site_code"] = data["site"].map({"north": 1, "south": 2})
    res = ev.attrition(
        data, id="rid", wave="visit", compare=["site_code"], categorical=["site_code"]
    )
    assert res.baseline["statistic"].tolist() == ["proportion", "proportion"]
    assert res.baseline["level"].tolist() == ["1", "2"]
    with pytest.raises(ValueError, match="not in compare"):
        ev.attrition(data, id="rid", wave="visit", compare=["age"], categorical=["site"])


def test_edge_cases_no_pairs_constant_change_and_empty_cells():
    only_baseline = pd.DataFrame({"pid": [1, 2], "t": [1, 1], "y": [2.0, 3.0]}).pipe(
        lambda d: pd.concat([d, pd.DataFrame({"pid": [1, 2], "t": [2, 2], "y": [np.nan] * 2})])
    )
    out = ev.pre_post(only_baseline, score="y", id="pid", wave="t")
    assert out["n"].tolist() == [0]
    assert out.drop(columns="n").isna().all(axis=None)
    constant = ev.pre_post(_long([1.0, 2.0, 3.0], [0.5, 1.5, 2.5]), score="y", id="pid", wave="t")
    assert constant["mean_change"].item() == pytest.approx(-0.5)
    assert constant["sd_change"].item() == pytest.approx(0.0, abs=1e-15)
    data = _panel(n=40)
    data = data[~((data["arm"] == "comparison") & (data["visit"] == 3))]
    with pytest.raises(ValueError, match="empty: comparison/3"):
        ev.arm_by_wave(data, score="s", id="rid", wave="visit")
