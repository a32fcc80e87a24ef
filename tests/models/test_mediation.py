"""mediation / moderation: closed-form OLS, pingouin, and the vectorised bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from stigma_analysis.models import (
    MEDIATION_COLUMNS,
    MODERATION_COLUMNS,
    DegenerateResampleWarning,
    mediation,
    moderation,
)


def _data(seed: int = 5, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rejection = rng.normal(size=n)
    age = rng.normal(30, 8, n)
    site = rng.choice(["A", "B", "C"], n)
    stigma = 0.5 * rejection + 0.01 * age + rng.normal(size=n)
    wellbeing = -0.4 * stigma - 0.1 * rejection + 0.3 * (site == "B") + rng.normal(size=n)
    return pd.DataFrame(
        {"rejection": rejection, "stigma": stigma, "wellbeing": wellbeing, "age": age, "site": site}
    )


def _lstsq(Z: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.linalg.lstsq(Z, y, rcond=None)[0]


def test_point_estimates_equal_closed_form_ols() -> None:
    d = _data()
    res = mediation(d, x="rejection", m="stigma", y="wellbeing", covariates=["age"], n_boot=200)
    assert list(res.columns) == list(MEDIATION_COLUMNS)
    assert list(res["path"]) == ["a", "b", "direct", "total", "indirect"]
    one = np.ones(len(d))
    x, m, y, c = (d[k].to_numpy() for k in ("rejection", "stigma", "wellbeing", "age"))
    a = _lstsq(np.column_stack([one, x, c]), m)[1]
    full = _lstsq(np.column_stack([one, x, m, c]), y)
    total = _lstsq(np.column_stack([one, x, c]), y)[1]
    est = res.set_index("path")["estimate"]
    np.testing.assert_allclose(
        est[["a", "b", "direct", "total", "indirect"]],
        [a, full[2], full[1], total, a * full[2]],
        rtol=1e-10,
    )
    # OLS identity: total = direct + indirect
    np.testing.assert_allclose(est["total"], est["direct"] + est["indirect"], rtol=1e-10)


@pytest.mark.parametrize("covar", [None, ["W1"], ["W1", "W2"]])
def test_point_estimates_equal_pingouin(covar: list[str] | None) -> None:
    import pingouin as pg

    d = pg.read_dataset("mediation")
    ours = mediation(d, x="X", m="M", y="Y", covariates=covar or (), n_boot=200)
    theirs = pg.mediation_analysis(d, x="X", m="M", y="Y", covar=covar, n_boot=200, seed=1)
    t = theirs.set_index("path")["coef"]
    o = ours.set_index("path")
    # pingouin's "Y ~ M" row regresses y on m without x, so it is not the b path
    np.testing.assert_allclose(o.loc["a", "estimate"], t["M ~ X"], atol=1e-8)
    np.testing.assert_allclose(o.loc["direct", "estimate"], t["Direct"], atol=1e-8)
    np.testing.assert_allclose(o.loc["total", "estimate"], t["Total"], atol=1e-8)
    np.testing.assert_allclose(o.loc["indirect", "estimate"], t["Indirect"], atol=1e-8)
    se = theirs.set_index("path")["se"]
    np.testing.assert_allclose(o.loc["a", "se"], se["M ~ X"], rtol=1e-8)
    np.testing.assert_allclose(o.loc["direct", "se"], se["Direct"], rtol=1e-8)


def test_bootstrap_equals_loop_over_resamples() -> None:
    """The batched normal equations reproduce resample-by-resample lstsq with the same draws."""
    d = _data(n=80)
    seed, B = 11, 300
    res = mediation(
        d, x="rejection", m="stigma", y="wellbeing", covariates=["age", "site"], n_boot=B, seed=seed
    )
    idx_all = np.random.default_rng(seed).integers(0, len(d), size=(B, len(d)), dtype=np.uint16)
    one = np.ones(len(d))
    x, m, y, c = (d[k].to_numpy() for k in ("rejection", "stigma", "wellbeing", "age"))
    b_, c_ = (d.site == "B").to_numpy(float), (d.site == "C").to_numpy(float)
    Za = np.column_stack([one, x, c, b_, c_])
    Zy = np.column_stack([one, x, m, c, b_, c_])
    boot = []
    for idx in idx_all:
        a = _lstsq(Za[idx], m[idx])[1]
        fy = _lstsq(Zy[idx], y[idx])
        tot = _lstsq(Za[idx], y[idx])[1]
        boot.append([a, fy[2], fy[1], tot, a * fy[2]])
    boot = np.array(boot)
    np.testing.assert_allclose(res["boot_se"], boot.std(axis=0, ddof=1), rtol=1e-8)
    pct = np.quantile(boot, [0.025, 0.975], axis=0)
    np.testing.assert_allclose(res["ci_low_percentile"], pct[0], rtol=1e-8)
    np.testing.assert_allclose(res["ci_high_percentile"], pct[1], rtol=1e-8)
    # BCa from its definition, with the jackknife computed by refitting n times
    est = res["estimate"].to_numpy()
    jack = []
    for i in range(len(d)):
        keep = np.arange(len(d)) != i
        a = _lstsq(Za[keep], m[keep])[1]
        fy = _lstsq(Zy[keep], y[keep])
        tot = _lstsq(Za[keep], y[keep])[1]
        jack.append([a, fy[2], fy[1], tot, a * fy[2]])
    jack = np.array(jack)
    dd = jack.mean(axis=0) - jack
    acc = (dd**3).sum(axis=0) / (6 * ((dd**2).sum(axis=0)) ** 1.5)
    z0 = stats.norm.ppf((boot < est).mean(axis=0))
    for j in range(5):
        lo, hi = (
            stats.norm.cdf(z0[j] + (z0[j] + z) / (1 - acc[j] * (z0[j] + z)))
            for z in stats.norm.ppf([0.025, 0.975])
        )
        np.testing.assert_allclose(res.loc[j, "ci_low_bca"], np.quantile(boot[:, j], lo), rtol=1e-8)
        np.testing.assert_allclose(
            res.loc[j, "ci_high_bca"], np.quantile(boot[:, j], hi), rtol=1e-8
        )
    ind = res.set_index("path").loc["indirect"]
    assert ind["ci_method"] == "bca"
    assert ind["ci_low"] == ind["ci_low_bca"]
    assert ind["se"] == ind["boot_se"]
    p = 2 * min((boot[:, 4] > 0).sum(), (boot[:, 4] < 0).sum()) / B
    assert ind["p"] == min(p, 1.0)


def test_seed_reproducible_and_percentile_option() -> None:
    d = _data()
    a = mediation(d, x="rejection", m="stigma", y="wellbeing", n_boot=500, seed=3)
    b = mediation(d, x="rejection", m="stigma", y="wellbeing", n_boot=500, seed=3)
    pd.testing.assert_frame_equal(a, b)
    c = mediation(d, x="rejection", m="stigma", y="wellbeing", n_boot=500, seed=3, ci="percentile")
    assert c.loc[4, "ci_low"] == c.loc[4, "ci_low_percentile"]
    assert c.loc[4, "ci_method"] == "percentile"


def test_missing_rows_dropped_and_errors() -> None:
    d = _data()
    d.loc[:4, "stigma"] = np.nan
    res = mediation(d, x="rejection", m="stigma", y="wellbeing", n_boot=200)
    assert (res["n"] == len(d) - 5).all()
    with pytest.raises(ValueError, match="not in data"):
        mediation(d, x="nope", m="stigma", y="wellbeing")
    with pytest.raises(ValueError, match="n_boot"):
        mediation(d, x="rejection", m="stigma", y="wellbeing", n_boot=10)
    with pytest.raises(ValueError, match="ci must be"):
        mediation(d, x="rejection", m="stigma", y="wellbeing", ci="normal")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="numeric"):
        mediation(d, x="site", m="stigma", y="wellbeing")


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC3"])
def test_moderation_simple_slopes_match_statsmodels(cov_type: str) -> None:
    import statsmodels.formula.api as smf

    d = _data()
    res = moderation(
        d, x="stigma", w="rejection", y="wellbeing", covariates=["age"], cov_type=cov_type
    )  # type: ignore[arg-type]
    assert list(res.columns) == list(MODERATION_COLUMNS)
    fit = smf.ols("wellbeing ~ stigma + rejection + stigma:rejection + age", d).fit(
        cov_type=cov_type, use_t=True
    )
    coef = res[res["term"] != "simple_slope"]
    np.testing.assert_allclose(coef["estimate"], fit.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(coef["se"], fit.bse.to_numpy(), rtol=1e-10)
    slopes = res[res["term"] == "simple_slope"]
    w = d["rejection"]
    np.testing.assert_allclose(
        slopes["w_value"], [w.mean() - w.std(), w.mean(), w.mean() + w.std()]
    )
    for _, row in slopes.iterrows():
        L = np.array([0, 1, 0, row["w_value"], 0])
        t = fit.t_test(L)
        np.testing.assert_allclose(row["estimate"], float(np.squeeze(t.effect)), rtol=1e-10)
        np.testing.assert_allclose(row["se"], float(np.squeeze(t.sd)), rtol=1e-10)
        np.testing.assert_allclose(row["p"], float(np.squeeze(t.pvalue)), rtol=1e-8)


def test_moderation_custom_values() -> None:
    res = moderation(_data(), x="stigma", w="rejection", y="wellbeing", at=[-1, 0, 2])
    assert list(res.loc[res.term == "simple_slope", "w_value"]) == [-1, 0, 2]


def _rare_covariate_data(seed: int, n: int = 20, k: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    rare = np.zeros(n)
    rare[rng.choice(n, k, replace=False)] = 1.0  # k of n respondents have it
    mv = 0.5 * x + 0.8 * rare + rng.normal(size=n)
    yv = 0.4 * mv + 0.1 * x - 0.5 * rare + rng.normal(size=n)
    return pd.DataFrame({"x": x, "m": mv, "y": yv, "rare": rare})


@pytest.mark.parametrize(("seed", "k"), [(1, 2), (2, 2), (3, 2), (4, 1), (5, 1)])
def test_degenerate_resamples_are_dropped_and_counted(seed: int, k: int) -> None:
    # n = 20, a binary covariate held by k respondents: a resample misses all of them with
    # probability (1 - k/20)^20 (hand calculation: 0.1216 for k = 2, 0.3585 for k = 1), and then
    # the covariate is constant in it. With k = 1 the jackknife also loses that respondent.
    d = _rare_covariate_data(seed, k=k)
    B = 4000
    with pytest.warns(DegenerateResampleWarning, match=r"of 4000 bootstrap resamples"):
        res = mediation(d, x="x", m="m", y="y", covariates=["rare"], n_boot=B, seed=seed)
    used, dropped = int(res["n_boot_used"].iloc[0]), int(res["n_boot_dropped"].iloc[0])
    assert used + dropped == B
    p = (1 - k / 20) ** 20
    assert abs(dropped - B * p) < 5 * np.sqrt(B * p * (1 - p))  # binomial count, 5 SDs
    assert (res["n_boot_dropped"] == dropped).all()
    for col in ("boot_se", "ci_low_percentile", "ci_high_percentile", "ci_low_bca", "ci_high_bca"):
        assert np.isfinite(res[col]).all(), col
    # the kept resamples are exactly those in which the covariate varies: same statistics as a
    # resample-by-resample loop over the same draws
    idx = np.random.default_rng(seed).integers(0, len(d), size=(B, len(d)), dtype=np.uint16)
    keep = d["rare"].to_numpy()[idx].std(axis=1) > 0
    assert keep.sum() == used
    one = np.ones(len(d))
    x, mv, rare = d["x"].to_numpy(), d["m"].to_numpy(), d["rare"].to_numpy()
    Za = np.column_stack([one, x, rare])
    a_boot = np.array([_lstsq(Za[i], mv[i])[1] for i in idx[keep]])
    np.testing.assert_allclose(res.loc[0, "boot_se"], a_boot.std(ddof=1), rtol=1e-8)


def test_no_warning_and_zero_dropped_when_every_resample_is_fine() -> None:
    res = mediation(_data(n=100), x="rejection", m="stigma", y="wellbeing", n_boot=300)
    assert (res["n_boot_dropped"] == 0).all()
    assert (res["n_boot_used"] == 300).all()


def test_constant_covariate_in_the_data_is_an_error() -> None:
    d = _rare_covariate_data(1).assign(rare=1.0)
    with pytest.raises(ValueError, match="collinear"):
        mediation(d, x="x", m="m", y="y", covariates=["rare"], n_boot=200)


def test_degenerate_resamples_agree_with_boot_in_r() -> None:
    # R: boot() over the same 20 rows, NA statistics (aliased lm coefficients) dropped
    # (tests/results/mediation_degenerate.R). Different random draws: Monte Carlo agreement.
    import json

    from tests.conftest import RESULTS

    with open(RESULTS / "mediation_degenerate.json", encoding="utf-8") as fh:
        ref = json.load(fh)
    d = pd.read_csv(RESULTS / "mediation_degenerate_data.csv")
    B = ref["n_boot"]
    with pytest.warns(DegenerateResampleWarning):
        res = mediation(d, x="x", m="m", y="y", covariates=["rare"], n_boot=B, seed=11)
    r = res.set_index("path")
    np.testing.assert_allclose(
        r.loc[["a", "b", "indirect"], "estimate"], ref["estimate"], rtol=1e-8
    )
    # dropped counts: two binomial(20000, 0.1216) draws, SD 46 each; 5 SDs of the difference
    p = ref["expected_fraction_dropped"]
    sd_diff = np.sqrt(2 * B * p * (1 - p))
    assert abs(int(r["n_boot_dropped"].iloc[0]) - ref["n_dropped"]) < 5 * sd_diff
    # bootstrap SDs within 4% (seen up to 1.4% over seeds) and percentile limits within 0.05
    # (seen 0.015) of R's
    np.testing.assert_allclose(r.loc[["a", "b", "indirect"], "boot_se"], ref["boot_sd"], rtol=0.04)
    np.testing.assert_allclose(
        r.loc["indirect", ["ci_low_percentile", "ci_high_percentile"]].to_numpy(float),
        ref["percentile_indirect"],
        atol=0.05,
    )
