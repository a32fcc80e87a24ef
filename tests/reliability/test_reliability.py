"""Tests for stigma_analysis.reliability.

Reference values come from R psych 2.2.9 on its `bfi` data: tests/results/psych_reliability.R
wrote tests/results/psych_reliability.json, tests/results/psych_scores.csv and tests/data/bfi.csv.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from stigma_analysis.instruments.model import Instrument
from stigma_analysis.reliability import (
    AlphaResult,
    alpha,
    item_statistics,
    omega,
    reliability_table,
    reliable_change_index,
    reliable_change_threshold,
    standard_error_of_measurement,
)
from stigma_analysis.reliability import _core as core
from stigma_analysis.reliability._api import _reverse

HERE = Path(__file__).resolve().parents[1]
REF = json.loads((HERE / "results" / "psych_reliability.json").read_text())
SCALES = list(REF["scales"])
# Closed forms on the same covariance matrix: agreement to rounding error.
RTOL = 1e-10


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(HERE / "data" / "bfi.csv")


def _reversed_block(bfi: pd.DataFrame, scale: str) -> pd.DataFrame:
    ref = REF["scales"][scale]
    x = bfi[ref["items"]].astype(float)
    for item in ref["reverse"]:
        x[item] = 7 - x[item]  # bfi answers are 1..6
    return x


def _bfi_instrument(total: bool = False, **extra: Any) -> Instrument:
    items = [i for s in SCALES for i in REF["scales"][s]["items"]]
    rev = [i for s in SCALES for i in REF["scales"][s]["reverse"]]
    scales: dict[str, Any] = {s: REF["scales"][s]["items"] for s in SCALES}
    if total:
        scales["total"] = "all"
    return Instrument(
        id="bfi",
        name="Big Five Inventory (psych::bfi)",
        direction="lower_is_better",
        response={"min": 1, "max": 6},
        items=items,
        reverse=rev,
        scales=scales,
        **extra,
    )


# ----------------------------------------------------------------- psych::alpha on bfi
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("via", ["keys", "reversed"])
def test_alpha_matches_psych(bfi: pd.DataFrame, scale: str, via: str) -> None:
    ref = REF["scales"][scale]
    if via == "keys":  # psych::alpha(x, keys = rev): reversal by the block's min + max
        res = alpha(bfi, items=ref["items"], keys=ref["reverse"])
    else:
        res = alpha(_reversed_block(bfi, scale))
    tot = ref["total"]
    got = [res.alpha, res.alpha_std, res.lambda6, res.average_r, res.signal_noise]
    want = [tot["raw_alpha"], tot["std_alpha"], tot["g6_smc"], tot["average_r"], tot["s_n"]]
    np.testing.assert_allclose(got, want, rtol=RTOL)
    np.testing.assert_allclose(
        [res.ase, res.score_mean, res.score_sd, res.median_r],
        [tot["ase"], tot["mean"], tot["sd"], tot["median_r"]],
        rtol=RTOL,
    )
    # alpha equals scoreItems(keys, bfi, impute = "none")$alpha
    assert res.alpha == pytest.approx(ref["score_items_alpha"], rel=RTOL)
    assert res.n == REF["meta"]["n_rows"]
    assert "pairwise" in res.estimator
    assert res.reversed_items == (tuple(ref["reverse"]) if via == "keys" else ())

    st_ = res.item_stats
    ist, drop = ref["item_stats"], ref["alpha_drop"]
    np.testing.assert_array_equal(st_["n"], ist["n"])
    for ours, theirs in [
        ("raw_r", "raw_r"),
        ("std_r", "std_r"),
        ("r_cor", "r_cor"),
        ("r_drop", "r_drop"),
        ("mean", "mean"),
        ("sd", "sd"),
    ]:
        np.testing.assert_allclose(st_[ours], ist[theirs], rtol=RTOL, err_msg=ours)
    for ours, theirs in [
        ("alpha_if_dropped", "raw_alpha"),
        ("alpha_std_if_dropped", "std_alpha"),
        ("lambda6_if_dropped", "g6_smc"),
        ("average_r_if_dropped", "average_r"),
        ("alpha_se_if_dropped", "alpha_se"),
    ]:
        np.testing.assert_allclose(st_[ours], drop[theirs], rtol=RTOL, err_msg=ours)


@pytest.mark.parametrize("scale", SCALES)
def test_feldt_and_duhachek_match_psych(bfi: pd.DataFrame, scale: str) -> None:
    ref = REF["scales"][scale]
    feldt = alpha(_reversed_block(bfi, scale), ci="feldt")
    np.testing.assert_allclose(
        [feldt.ci_low, feldt.ci_high], [ref["feldt"]["lower"], ref["feldt"]["upper"]], rtol=RTOL
    )
    duh = alpha(_reversed_block(bfi, scale), ci="duhachek")
    assert duh.ase == pytest.approx(ref["total"]["ase"], rel=RTOL)
    z = 1.959963984540054
    np.testing.assert_allclose(
        [duh.ci_low, duh.ci_high], [duh.alpha - z * duh.ase, duh.alpha + z * duh.ase], rtol=RTOL
    )
    # psych prints alpha -/+ 1.96 * ase (z rounded); the exact z moves the bounds by
    # 3.6e-5 * ase < 1e-6, hence the looser tolerance here.
    np.testing.assert_allclose(
        [duh.ci_low, duh.ci_high],
        [ref["duhachek"]["lower"], ref["duhachek"]["upper"]],
        atol=1e-6,
    )


@pytest.mark.parametrize("scale", SCALES)
def test_listwise_matches_psych_complete_obs(bfi: pd.DataFrame, scale: str) -> None:
    ref = REF["scales"][scale]["listwise"]
    res = alpha(_reversed_block(bfi, scale), missing="listwise")
    np.testing.assert_allclose(
        [res.alpha, res.alpha_std, res.lambda6, res.average_r],
        [ref["raw_alpha"], ref["std_alpha"], ref["g6_smc"], ref["average_r"]],
        rtol=RTOL,
    )
    np.testing.assert_allclose(res.item_stats["r_drop"], ref["r_drop"], rtol=RTOL)
    np.testing.assert_allclose(res.item_stats["alpha_if_dropped"], ref["alpha_drop"], rtol=RTOL)
    assert res.missing_policy == "listwise"
    assert res.n == int(_reversed_block(bfi, scale).notna().all(axis=1).sum())


def test_scale_scores_match_score_items(bfi: pd.DataFrame) -> None:
    """Mean of the answered items after (min + max) - x equals scoreItems(impute = "none")."""
    want = pd.read_csv(HERE / "results" / "psych_scores.csv")
    for scale in SCALES:
        x = _reversed_block(bfi, scale).to_numpy()
        # write.csv keeps 15 significant digits
        np.testing.assert_allclose(np.nanmean(x, axis=1), want[scale], rtol=1e-13)


def test_package_scores_match_score_items(bfi: pd.DataFrame) -> None:
    """stigma_analysis.scoring.score with every answered item counted equals scoreItems."""
    scoring = pytest.importorskip("stigma_analysis.scoring")
    inst = _bfi_instrument(min_answered=1, status="validated")
    got = scoring.score(bfi, inst)
    want = pd.read_csv(HERE / "results" / "psych_scores.csv")
    for scale in SCALES:
        np.testing.assert_allclose(got[f"bfi_{scale}"], want[scale], rtol=1e-13)


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("method", ["ml", "minres"])
def test_omega_total_matches_psych_fa(bfi: pd.DataFrame, scale: str, method: str) -> None:
    ref = REF["scales"][scale]
    fa = ref["fa_ml" if method == "ml" else "fa_minres"]
    res = omega(bfi, items=ref["items"], keys=ref["reverse"], response_range=(1, 6), method=method)  # type: ignore[arg-type]
    assert res.converged
    assert res.method == method
    assert "omega total" in res.estimator
    # psych's optim() stops at its default tolerance (factr = 1e7); ours runs to convergence,
    # so loadings agree to ~5e-6 and omega to ~3e-7.
    np.testing.assert_allclose(res.loadings["loading"], fa["loadings"], atol=2e-5)
    assert res.omega_total == pytest.approx(fa["omega"], abs=1e-5)
    assert res.omega_total_observed == pytest.approx(fa["omega_observed"], abs=1e-5)
    if method == "ml":  # psych::omega(nfactors = 1, fm = "ml")$omega.tot
        assert res.omega_total_observed == pytest.approx(ref["omega_tot_psych_ml"], abs=1e-5)
    assert res.omega_hierarchical is None


@pytest.mark.filterwarnings(
    "ignore::stigma_analysis.reliability.KeyingWarning"
)  # a bfi total: N items run against it
def test_omega_hierarchical_matches_lavaan_bifactor(bfi: pd.DataFrame) -> None:
    ref = REF["bifactor"]
    groups = {s: REF["scales"][s]["items"] for s in SCALES}
    keys = [i for s in SCALES for i in REF["scales"][s]["reverse"]]
    res = omega(bfi, items=ref["items"], keys=keys, response_range=(1, 6), subscales=groups)
    assert res.converged
    assert "bifactor" in res.estimator
    # lavaan stops at its default relative tolerance (1e-10 on the fit function): loadings
    # agree to ~1e-5, the omegas to ~2e-6
    np.testing.assert_allclose(res.loadings["general_loading"], ref["general"], atol=1e-4)
    np.testing.assert_allclose(res.loadings["group_loading"], ref["group"], atol=1e-4)
    np.testing.assert_allclose(res.loadings["bifactor_uniqueness"], ref["uniquenesses"], atol=1e-4)
    assert res.omega_hierarchical == pytest.approx(ref["omega_h_model"], abs=1e-5)
    assert res.omega_total_bifactor == pytest.approx(ref["omega_total_model"], abs=1e-5)
    assert res.omega_hierarchical_observed == pytest.approx(ref["omega_h_observed"], abs=1e-5)
    # psych::omegaFromSem uses lavaan's unstandardised loadings, sqrt((n-1)/n) times ours
    n = REF["meta"]["n_rows"]
    assert res.omega_hierarchical_observed * (n - 1) / n == pytest.approx(
        ref["omega_from_sem"], abs=1e-5
    )
    assert res.loadings["group"].tolist() == [s for s in SCALES for _ in range(5)]


@pytest.mark.filterwarnings(
    "ignore::stigma_analysis.reliability.KeyingWarning"
)  # a bfi total: N items run against it
def test_reliability_gives_omega_h_for_a_total_over_subscales(bfi: pd.DataFrame) -> None:
    tab = reliability_table(bfi, _bfi_instrument(total=True)).set_index("scale")
    assert tab.loc["total", "omega_hierarchical"] == pytest.approx(
        REF["bifactor"]["omega_h_model"], abs=1e-5
    )
    assert tab.loc["total", "n_items"] == 25
    assert tab.loc[SCALES, "omega_hierarchical"].isna().all()


@pytest.mark.parametrize(
    ("groups", "match"),
    [
        ({"a": ["V1", "V2", "V3", "V4", "V5", "V6"]}, "at least 2 subscales"),
        ({"a": ["V1", "V2", "V3"], "b": ["V3", "V4", "V5", "V6"]}, "more than one"),
        ({"a": ["V1", "V2", "V3"], "b": ["V4", "V5"]}, "not in any"),
        ({"a": ["V1", "V2", "V3"], "b": ["V4", "V5", "V9"]}, "not among the items"),
    ],
)
def test_omega_group_errors(groups: dict[str, list[str]], match: str) -> None:
    X = np.random.default_rng(0).normal(size=(50, 6))
    with pytest.raises(ValueError, match=match):
        omega(X, subscales=groups)


# ----------------------------------------------------------------- instruments
def test_reliability_table_for_instrument(bfi: pd.DataFrame) -> None:
    inst = _bfi_instrument()
    tab = reliability_table(bfi, inst)
    assert list(tab.columns) == [
        "instrument",
        "scale",
        "n",
        "n_items",
        "alpha",
        "alpha_ci_low",
        "alpha_ci_high",
        "alpha_std",
        "lambda6",
        "average_r",
        "median_r",
        "omega_total",
        "omega_hierarchical",
        "ci_method",
        "ci_level",
        "missing_policy",
        "estimator",
        "omega_estimator",
    ]
    assert list(tab["scale"]) == SCALES
    for _, row in tab.iterrows():
        ref = REF["scales"][row["scale"]]
        assert row["alpha"] == pytest.approx(ref["total"]["raw_alpha"], rel=RTOL)
        assert row["alpha_ci_low"] == pytest.approx(ref["feldt"]["lower"], rel=RTOL)
        assert row["lambda6"] == pytest.approx(ref["total"]["g6_smc"], rel=RTOL)
        assert row["omega_total"] == pytest.approx(ref["fa_ml"]["omega"], abs=1e-5)
        assert row["n_items"] == 5
    assert (tab["instrument"] == "bfi").all()

    renamed = bfi.rename(columns={c: f"bfi_{c}" for c in bfi.columns})
    again = reliability_table(renamed, inst, columns="bfi_{item}")
    pd.testing.assert_frame_equal(tab, again)


def test_item_statistics_for_instrument(bfi: pd.DataFrame) -> None:
    inst = _bfi_instrument()
    tab = item_statistics(bfi, inst)
    assert list(tab.columns[:4]) == ["instrument", "scale", "item", "reversed"]
    assert len(tab) == 25
    agree = item_statistics(bfi, inst, scale="agree")
    np.testing.assert_allclose(
        agree["r_drop"], REF["scales"]["agree"]["item_stats"]["r_drop"], rtol=RTOL
    )
    assert agree["reversed"].tolist() == [True, False, False, False, False]


@pytest.mark.filterwarnings("ignore::stigma_analysis.reliability.KeyingWarning")  # random answers
def test_reliability_short_scales() -> None:
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.integers(1, 5, size=(50, 3)).astype(float), columns=["a", "b", "c"])
    inst = Instrument(
        id="short",
        name="Short",
        direction="lower_is_better",
        response={"min": 1, "max": 4},
        items=["a", "b", "c"],
        scales={"one": ["a"], "two": ["a", "b"], "total": "all"},
    )
    tab = reliability_table(df, inst)
    assert np.isnan(tab.loc[0, "alpha"])
    assert tab.loc[0, "estimator"] == "not estimable: alpha needs at least 2 items"
    assert tab.loc[1, "omega_estimator"].startswith("not estimable: omega needs at least 3")
    assert np.isfinite(tab.loc[1, "alpha"])
    assert np.isnan(tab.loc[1, "omega_total"])
    assert np.isfinite(tab.loc[2, "omega_total"])


# ----------------------------------------------------------------- bootstrap
def test_bootstrap_seeded_and_sensible(bfi: pd.DataFrame) -> None:
    x = _reversed_block(bfi, "agree")
    a = alpha(x, ci="bootstrap", n_boot=300, seed=7)
    b = alpha(x, ci="bootstrap", n_boot=300, seed=7)
    c = alpha(x, ci="bootstrap", n_boot=300, seed=8)
    assert a.bootstrap is not None
    assert b.bootstrap is not None
    assert c.bootstrap is not None
    np.testing.assert_array_equal(a.bootstrap, b.bootstrap)
    assert not np.array_equal(a.bootstrap, c.bootstrap)
    assert (a.n_boot, a.seed) == (300, 7)
    bca = alpha(x, ci="bca", n_boot=300, seed=7)
    np.testing.assert_array_equal(a.bootstrap, bca.bootstrap)
    for res in (a, bca):
        assert res.ci_low < res.alpha < res.ci_high
        assert res.ci_high - res.ci_low < 0.1
        assert "resamples" in res.estimator


@pytest.mark.parametrize("missing", [False, True])
@pytest.mark.parametrize("integer", [False, True])  # float32-exact path for integer answers
@pytest.mark.parametrize("n", [40, 300])  # 300: complete respondents get the compact product
def test_bootstrap_products_equal_explicit_resamples(missing: bool, integer: bool, n: int) -> None:
    rng = np.random.default_rng(3)
    X = rng.integers(1, 5, size=(n, 4)).astype(float) + rng.integers(0, 3, size=(n, 1))
    if not integer:
        X += rng.normal(size=(n, 1))
    if missing:
        X[rng.random(X.shape) < 0.1] = np.nan
    design = core._design(X)
    assert (design.dtype == np.float32) == integer
    assert any(b.compact for b in design.blocks) == (n == 300)
    boot = core.bootstrap_alpha(X, n_boot=6, seed=11)
    idx = core.draw_indices(np.random.default_rng(11), 6, n)  # the same draws, one block
    want = [core.alpha_stats(core.pairwise_cov(X[i])[0]).raw for i in idx]
    np.testing.assert_allclose(boot, want, rtol=1e-10)

    jack = core.jackknife_alpha(X, chunk_rows=7)
    keep = ~np.eye(n, dtype=bool)
    want_j = [core.alpha_stats(core.pairwise_cov(X[keep[i]])[0]).raw for i in range(0, n, 9)]
    np.testing.assert_allclose(jack[::9], want_j, rtol=1e-10)


@pytest.mark.parametrize("rate", [0.0, 0.05, 0.3])
@pytest.mark.parametrize("shift", [0.0, 1000.0])  # far from 0: the sums are computed shifted
def test_pairwise_moments_equal_pandas(rate: float, shift: float) -> None:
    rng = np.random.default_rng(5)
    X = rng.integers(1, 6, size=(500, 5)) + rng.normal(size=(500, 1)) + shift
    X[rng.random(X.shape) < rate] = np.nan
    X = X[~np.isnan(X).all(axis=1)]  # as alpha() does: every row has an answer
    df = pd.DataFrame(X)
    P = core.prepare(X)
    C, N, Sxx = core.moments(P)
    np.testing.assert_allclose(C, df.cov().to_numpy(), rtol=1e-9)
    np.testing.assert_array_equal(N, df.notna().astype(float).T @ df.notna().astype(float))
    score, raw_r = core.score_and_item_r(P, Sxx)
    np.testing.assert_allclose(score, df.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(raw_r, df.corrwith(pd.Series(score)), rtol=1e-9)
    np.testing.assert_allclose(P.mu, df.mean(), rtol=1e-12)


@pytest.mark.parametrize("policy", ["pairwise", "listwise"])
@pytest.mark.parametrize("rate", [0.0, 0.1])
@pytest.mark.parametrize("shift", [0.0, 1000.0])
def test_blocked_scan_equals_whole_data_moments(policy: str, rate: float, shift: float) -> None:
    rng = np.random.default_rng(6)
    X = rng.integers(1, 6, size=(400, 4)) + rng.normal(size=(400, 1)) + shift
    X[rng.random(X.shape) < rate] = np.nan
    X[3] = np.nan  # a row without answers: never counted
    kept = ~np.isnan(X).all(axis=1) if policy == "pairwise" else ~np.isnan(X).any(axis=1)
    df = pd.DataFrame(X[kept])
    P = core.prepare(X[kept])
    C, N, Sxx = core.moments(P)
    score, raw_r = core.score_and_item_r(P, Sxx)
    for chunk in (7, 64, 10_000):  # blocks: one row more or less must not matter
        sc = core.scan(X, policy, chunk_rows=chunk)
        assert sc.n == kept.sum()
        np.testing.assert_allclose(sc.C, C, rtol=1e-10)
        np.testing.assert_array_equal(sc.N, N)
        np.testing.assert_allclose(sc.mu, df.mean(), rtol=1e-12)
        np.testing.assert_allclose(sc.raw_r, raw_r, rtol=1e-9)
        assert sc.score_mean == pytest.approx(score.mean(), rel=1e-12)
        assert sc.score_sd == pytest.approx(score.std(ddof=1), rel=1e-9)


# ----------------------------------------------------------------- properties
likert = arrays(
    np.float64,
    st.tuples(st.integers(5, 40), st.integers(2, 6)),
    elements=st.integers(1, 5).map(float),
)


def _has_variance(X: np.ndarray) -> bool:
    return bool(np.all(X.std(axis=0) > 0) and X.sum(axis=1).std() > 0)


@pytest.mark.filterwarnings(
    "ignore::stigma_analysis.reliability.SingularCorrelationWarning"  # perfectly related items
)
@pytest.mark.filterwarnings("ignore::stigma_analysis.reliability.KeyingWarning")  # random answers
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(X=likert)
def test_alpha_from_covariance_equals_alpha_from_raw_data(X: np.ndarray) -> None:
    if not _has_variance(X):
        return
    k = X.shape[1]
    raw = k / (k - 1) * (1 - X.var(axis=0, ddof=1).sum() / X.sum(axis=1).var(ddof=1))
    assert alpha(X).alpha == pytest.approx(raw, rel=1e-9, abs=1e-9)
    assert core.alpha_stats(np.cov(X, rowvar=False)).raw == pytest.approx(raw, rel=1e-9, abs=1e-9)


likert_tall = arrays(
    np.float64,
    st.tuples(st.integers(20, 60), st.integers(3, 6)),
    elements=st.integers(1, 5).map(float),
)


@pytest.mark.filterwarnings("ignore::stigma_analysis.reliability.KeyingWarning")  # random answers
@settings(max_examples=40, deadline=None)
@given(X=likert_tall, seed=st.integers(0, 2**32 - 1))
def test_row_order_changes_nothing(X: np.ndarray, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = X.copy()
    X[rng.random(X.shape) < 0.1] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        C = core.pairwise_cov(X)[0]
    if not np.all(np.isfinite(C)) or np.any(np.diag(C) <= 0):
        return
    # only well-conditioned covariance matrices: with a (near-)singular one the smc's are
    # decided by rounding, which the order of the sums changes
    if np.linalg.eigvalsh(core.cov2cor(C))[0] < 1e-3:
        return
    Xp = X[rng.permutation(X.shape[0])]
    a = alpha(X)
    b = alpha(Xp)
    np.testing.assert_allclose(
        [a.alpha, a.alpha_std, a.lambda6, a.ci_low],
        [b.alpha, b.alpha_std, b.lambda6, b.ci_low],
        rtol=1e-9,
        atol=1e-12,
    )
    pd.testing.assert_frame_equal(a.item_stats, b.item_stats, rtol=1e-9, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(X=likert, data=st.data())
def test_reversing_twice_is_identity(X: np.ndarray, data: st.DataObject) -> None:
    names = tuple(f"V{i + 1}" for i in range(X.shape[1]))
    keys = data.draw(st.lists(st.sampled_from(names), unique=True))
    once, _, _ = _reverse(X, names, keys, (1.0, 5.0))
    twice, _, _ = _reverse(once, names, keys, (1.0, 5.0))
    np.testing.assert_array_equal(twice, X)
    assert np.all((once >= 1) & (once <= 5))


# ----------------------------------------------------------------- results and errors
def test_result_frames(bfi: pd.DataFrame) -> None:
    res = alpha(_reversed_block(bfi, "openness"))
    assert isinstance(res, AlphaResult)
    frame = res.to_frame()
    assert frame.shape[0] == 1
    assert {"alpha", "ci_low", "ci_high", "missing_policy", "estimator"} <= set(frame.columns)
    with pytest.raises(AttributeError):
        res.alpha = 0.0  # type: ignore[misc]
    om = omega(_reversed_block(bfi, "openness")).to_frame()
    assert om.shape[0] == 1
    assert np.isnan(om.loc[0, "omega_hierarchical"])


def test_two_items_have_no_alpha_if_dropped() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=200)
    X = np.column_stack([z + rng.normal(size=200), z + rng.normal(size=200)])
    res = alpha(X)
    assert np.isfinite(res.alpha)
    assert res.item_stats["alpha_if_dropped"].isna().all()


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"missing": "casewise"}, ValueError, "missing must be one of"),
        ({"ci": "wald"}, ValueError, "ci must be one of"),
        ({"ci_level": 95}, ValueError, "ci_level must be"),
        ({"n_boot": 1}, ValueError, "n_boot must be"),
        ({"keys": ["Z9"]}, ValueError, "keys names items"),
        ({"items": ["A1"]}, ValueError, "at least 2 items"),
        ({"items": ["A1", "nope"]}, ValueError, "not found"),
        ({"response_range": (6, 1), "keys": ["A1"]}, ValueError, "response_range"),
    ],
)
def test_alpha_argument_errors(kwargs: dict[str, Any], exc: type[Exception], match: str) -> None:
    df = pd.DataFrame({"A1": [1.0, 2, 3, 4], "A2": [2.0, 2, 3, 5], "A3": [1.0, 3, 3, 4]})
    with pytest.raises(exc, match=match):
        alpha(df, **kwargs)


@pytest.mark.filterwarnings("ignore::stigma_analysis.reliability.KeyingWarning")  # random answers
def test_reliability_reports_a_constant_item_per_scale() -> None:
    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.integers(1, 5, size=(60, 6)).astype(float), columns=list("abcdef"))
    df["f"] = 2.0
    inst = Instrument(
        id="two",
        name="Two scales",
        direction="lower_is_better",
        response={"min": 1, "max": 4},
        items=list("abcdef"),
        scales={"first": ["a", "b", "c"], "second": ["d", "e", "f"]},
    )
    tab = reliability_table(df, inst)
    assert np.isfinite(tab.loc[0, "alpha"])
    assert np.isnan(tab.loc[1, "alpha"])
    assert "without variance" in tab.loc[1, "estimator"]
    assert tab.loc[1, "omega_estimator"].startswith("not estimable")


def test_alpha_data_errors() -> None:
    with pytest.raises(ValueError, match="without variance"):
        alpha(pd.DataFrame({"a": [1.0, 2, 3], "b": [2.0, 2, 2]}))
    with pytest.raises(TypeError, match="numeric"):
        alpha(pd.DataFrame({"a": [1.0, 2, 3], "b": ["x", "y", "z"]}))
    with pytest.raises(ValueError, match="omega needs at least 3 items"):
        omega(np.ones((5, 2)))
    with pytest.raises(ValueError, match="method must be one of"):
        omega(np.ones((5, 3)), method="pa")  # type: ignore[arg-type]


# ----------------------------------------------------------------- SEM and reliable change
def test_sem_closed_form() -> None:
    # rtol=1e-12: closed form
    assert standard_error_of_measurement(10.0, 0.84) == pytest.approx(4.0, rel=1e-12)
    out = standard_error_of_measurement(np.array([1.0, 2.0]), np.array([0.75, 0.0]))
    np.testing.assert_allclose(out, [0.5, 2.0], rtol=1e-12)


def test_rci_jacobson_truax() -> None:
    # sd = 7.5, r = 0.88: SEM = 7.5*sqrt(.12), S_diff = sqrt(2)*SEM
    s_diff = math.sqrt(2) * 7.5 * math.sqrt(0.12)
    rci = reliable_change_index([20.0, 30.0, np.nan], [10.0, 30.0, 1.0], sd=7.5, reliability=0.88)
    np.testing.assert_allclose(rci[:2], [-10.0 / s_diff, 0.0], rtol=1e-12)
    assert np.isnan(rci[2])
    thr = reliable_change_threshold(7.5, 0.88)
    assert thr == pytest.approx(1.959963984540054 * s_diff, rel=1e-12)
    assert reliable_change_threshold(7.5, 0.88, ci_level=0.9) < thr
    with pytest.warns(DeprecationWarning, match="use ci_level="):
        assert reliable_change_threshold(7.5, 0.88, level=0.9) < thr


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sd": 1.0, "reliability": 1.5}, "reliability must lie in"),
        ({"sd": -1.0, "reliability": 0.5}, "sd must be non-negative"),
    ],
)
def test_sem_rejects_bad_values(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        standard_error_of_measurement(**kwargs)


def test_rci_shape_and_level_errors() -> None:
    with pytest.raises(ValueError, match="same shape"):
        reliable_change_index([1.0, 2.0], [1.0], sd=1.0, reliability=0.8)
    with pytest.raises(ValueError, match="undefined"):
        reliable_change_index([1.0], [2.0], sd=1.0, reliability=1.0)
    with pytest.raises(ValueError, match="level must be in"):
        reliable_change_threshold(1.0, 0.8, ci_level=1.5)
