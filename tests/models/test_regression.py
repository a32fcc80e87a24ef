"""fit_model / fit_models: outside references (lme4, MASS) and behaviour of each family."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.models import (
    COEFFICIENT_COLUMNS,
    SUMMARY_COLUMNS,
    VARIANCE_COMPONENT_COLUMNS,
    fit_model,
    fit_models,
)
from tests.conftest import EXAMPLE_STUDY, RESULTS

DATA = RESULTS.parent / "data"


def _ref(name: str) -> dict:
    with open(RESULTS / name, encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def sleepstudy() -> pd.DataFrame:
    return pd.read_csv(DATA / "sleepstudy.csv")


@pytest.fixture(scope="module")
def housing() -> pd.DataFrame:
    h = pd.read_csv(DATA / "housing.csv")
    levels = {
        "Sat": ["Low", "Medium", "High"],
        "Infl": ["Low", "Medium", "High"],
        "Type": ["Tower", "Apartment", "Atrium", "Terrace"],
        "Cont": ["Low", "High"],
    }
    for col, lv in levels.items():
        h[col] = pd.Categorical(h[col], categories=lv, ordered=col == "Sat")
    return h


def _survey(seed: int = 1, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    site = rng.choice(["A", "B", "C"], n)
    stigma = rng.normal(2.35, 0.55, n)
    age = rng.normal(30, 8, n)
    support = 4.5 - 0.6 * stigma + 0.3 * (site == "B") + rng.normal(0, 1, n)
    lin = -2 + 0.8 * stigma
    return pd.DataFrame(
        {
            "support": support,
            "stigma": stigma,
            "age": age,
            "site": site,
            "depressed": (rng.uniform(size=n) < 1 / (1 + np.exp(-lin))).astype(int),
        }
    )


def test_mixed_matches_lme4_sleepstudy(sleepstudy: pd.DataFrame) -> None:
    ref = _ref("lme4_sleepstudy.json")
    res = fit_model(
        sleepstudy, "Reaction ~ Days", family="mixed", cluster="Subject", re_formula="~Days"
    )
    c = res.coefficients
    # REML optimisers differ (lme4 bobyqa vs statsmodels BFGS): agreement to ~1e-6 observed
    np.testing.assert_allclose(c["estimate"], ref["fixed"]["estimate"], rtol=1e-4)
    np.testing.assert_allclose(c["se"], ref["fixed"]["se"], rtol=1e-4)
    vc = res.variance_components
    assert list(vc.columns) == list(VARIANCE_COMPONENT_COLUMNS)
    sd = vc.set_index(["group", "term", "term2"])["sd_cor"]
    np.testing.assert_allclose(sd[("Subject", "(Intercept)", "")], ref["sd_intercept"], rtol=1e-3)
    np.testing.assert_allclose(sd[("Subject", "Days", "")], ref["sd_days"], rtol=1e-3)
    np.testing.assert_allclose(
        sd[("Subject", "(Intercept)", "Days")], ref["cor_intercept_days"], atol=1e-3
    )
    np.testing.assert_allclose(sd[("Residual", "", "")], ref["sd_residual"], rtol=1e-3)
    s = res.summary.iloc[0]
    np.testing.assert_allclose(s["loglik"], ref["loglik_reml"], rtol=1e-6)
    assert s["n"] == ref["n"]
    assert s["n_groups"] == ref["n_groups"]
    assert s["converged"]
    assert res.warnings == ()


@pytest.mark.parametrize(
    ("model", "re_formula"), [("random_slope", "~Days"), ("random_intercept", None)]
)
def test_mixed_matches_lme4_unbalanced_sleepstudy(model: str, re_formula: str | None) -> None:
    # 20% of sleepstudy's rows dropped (missing waves, as with attrition): groups of 5 to 10 rows
    d = pd.read_csv(DATA / "sleepstudy_unbalanced.csv")
    ref = _ref("lme4_unbalanced.json")[model]
    res = fit_model(d, "Reaction ~ Days", family="mixed", cluster="Subject", re_formula=re_formula)
    c = res.coefficients
    assert list(c["term"]) == ["Intercept", "Days"]
    # numerical REML optimisers on both sides (lme4 bobyqa vs statsmodels BFGS): agreement seen
    # 2e-8 (estimates) and 3e-5 (SEs, random intercept; 1e-6 random slope), hence 1e-4
    np.testing.assert_allclose(c["estimate"], ref["fixed"]["estimate"], rtol=1e-4)
    np.testing.assert_allclose(c["se"], ref["fixed"]["se"], rtol=1e-4)
    if model == "random_slope":
        # the reason for computing lme4's vcov(): statsmodels' own SEs are 3e-4 off here
        bse = np.asarray(res.fitted.bse_fe, float)
        assert np.max(np.abs(bse / np.asarray(ref["fixed"]["se"]) - 1)) > 1e-4
    vc = res.variance_components.set_index(["group", "term", "term2"])
    r = ref["var_components"]
    for grp, v1, v2, variance, sd_cor in zip(
        r["grp"], r["var1"], r["var2"], r["vcov"], r["sdcor"], strict=True
    ):
        row = vc.loc[(grp if grp == "Residual" else "Subject", v1, v2)]
        np.testing.assert_allclose(row["variance"], variance, rtol=1e-3)
        if v2:  # a correlation: absolute tolerance
            np.testing.assert_allclose(row["sd_cor"], sd_cor, atol=1e-3)
        else:
            np.testing.assert_allclose(row["sd_cor"], sd_cor, rtol=1e-3)
    assert len(vc) == len(r["grp"])
    s = res.summary.iloc[0]
    np.testing.assert_allclose(s["loglik"], ref["loglik_reml"], rtol=1e-6)
    assert s["n"] == ref["n"] == 144
    assert s["n_groups"] == ref["n_groups"]
    assert s["converged"]
    assert res.warnings == ()


def test_ordinal_matches_mass_polr_housing(housing: pd.DataFrame) -> None:
    ref = _ref("mass_housing.json")
    res = fit_model(housing, "Sat ~ Infl + Type + Cont", family="ordinal", weights="Freq")
    c = res.coefficients
    coef = c[c["kind"] == "coefficient"]
    thr = c[c["kind"] == "threshold"]
    # polr stops BFGS at reltol 1.5e-8: its estimates are good to ~1e-6, hence 1e-4
    np.testing.assert_allclose(coef["estimate"], ref["coef"]["estimate"], atol=1e-4)
    np.testing.assert_allclose(thr["estimate"], ref["zeta"]["estimate"], atol=1e-4)
    assert list(thr["term"]) == ref["zeta"]["term"]
    # SEs from numerical Hessians on both sides (optimHess vs statsmodels numdiff)
    np.testing.assert_allclose(coef["se"], ref["coef"]["se"], rtol=1e-3)
    np.testing.assert_allclose(thr["se"], ref["zeta"]["se"], rtol=1e-3)
    np.testing.assert_allclose(coef["odds_ratio"], np.exp(coef["estimate"]), rtol=1e-12)
    assert thr["odds_ratio"].isna().all()
    s = res.summary.iloc[0]
    np.testing.assert_allclose(s["loglik"], ref["loglik"], rtol=1e-7)
    np.testing.assert_allclose(s["aic"], ref["aic"], rtol=1e-7)
    assert s["n"] == ref["n"]


@pytest.mark.parametrize(
    ("case", "family", "formula", "weights"),
    [
        ("lm", "gaussian", "support ~ stigma + age + C(site)", None),
        ("lm_weighted", "gaussian", "support ~ stigma + age + C(site)", "w"),
        ("glm", "binomial", "depressed ~ stigma + age", None),
        # frequency weights: R's BIC on the expanded data (n = sum of weights)
        ("glm_expanded", "binomial", "depressed ~ stigma + age", "w"),
        ("polr_housing", "ordinal", "Sat ~ Infl + Type + Cont", "Freq"),
    ],
)
def test_information_criteria_match_r(
    housing: pd.DataFrame, case: str, family: str, formula: str, weights: str | None
) -> None:
    ref = _ref("stats_lm_ic.json")[case]
    d = housing if family == "ordinal" else pd.read_csv(RESULTS / "stats_lm_ic_data.csv")
    res = fit_model(d, formula, family=family, weights=weights)  # type: ignore[arg-type]
    s = res.summary.iloc[0]
    # closed forms at the MLE: agreement seen ~1e-13 (ordinal: ~1e-14 relative)
    np.testing.assert_allclose(s["loglik"], ref["loglik"], rtol=1e-9)
    np.testing.assert_allclose(s["aic"], ref["aic"], rtol=1e-9)
    np.testing.assert_allclose(s["bic"], ref["bic"], rtol=1e-9)
    assert s["n"] == ref["nobs"]


R_COUNT_TERMS = {
    "(Intercept)": "Intercept",
    "stigma": "stigma",
    "age": "age",
    "siteB": "site[T.B]",
    "siteC": "site[T.C]",
}


@pytest.mark.parametrize(
    ("case", "family", "weights"),
    [
        ("poisson", "poisson", None),
        ("poisson_weighted", "poisson", "w"),
        ("negbin", "negative_binomial", None),
        ("negbin_weighted", "negative_binomial", "w"),
    ],
)
def test_count_models_match_glm_and_glm_nb(case: str, family: str, weights: str | None) -> None:
    ref = _ref("glm_counts.json")[case]
    d = pd.read_csv(RESULTS / "glm_counts_data.csv")
    res = fit_model(d, "events ~ stigma + age + site", family=family, weights=weights)  # type: ignore[arg-type]
    c = res.coefficients.set_index("term").loc[[R_COUNT_TERMS[t] for t in ref["term"]]]
    # R stops IRLS at a relative deviance change of 1e-8 (glm) and glm.nb's alternation at
    # 1e-8 too; we iterate to 1e-11 or tighter. Seen: estimates 1e-8, SEs 4e-6 (Poisson: R's
    # SEs use the weights of the last-but-one IRLS step) and 1e-8 (negative binomial)
    np.testing.assert_allclose(c["estimate"], ref["estimate"], rtol=1e-6)
    np.testing.assert_allclose(c["se"], ref["se"], rtol=2e-5)
    np.testing.assert_allclose(c["odds_ratio"], np.exp(c["estimate"]), rtol=1e-12)
    s = res.summary.iloc[0]
    np.testing.assert_allclose(s["loglik"], ref["loglik"], rtol=1e-9)
    np.testing.assert_allclose(s["aic"], ref["aic"], rtol=1e-9)
    if weights is None:  # with weights R's BIC counts rows, ours the sum of the weights
        np.testing.assert_allclose(s["bic"], ref["bic"], rtol=1e-9)
        assert s["n"] == ref["nobs"]
    assert s["converged"]
    assert res.warnings == ()
    if family == "negative_binomial":
        vc = res.variance_components.iloc[0]
        assert (vc["group"], vc["term"]) == ("Dispersion", "theta")
        np.testing.assert_allclose(vc["sd_cor"], ref["theta"], rtol=1e-6)
        np.testing.assert_allclose(np.sqrt(vc["variance"]), ref["se_theta"], rtol=1e-5)
    else:
        assert res.variance_components.empty


def test_negative_binomial_without_overdispersion_is_poisson() -> None:
    # underdispersed counts: theta's likelihood increases without bound (glm.nb warns that
    # the iteration limit was reached); we stop at the bound, say so, and equal Poisson
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"x": rng.normal(size=300), "y": np.minimum(rng.poisson(1.0, 300), 2)})
    nb = fit_model(d, "y ~ x", family="negative_binomial")
    po = fit_model(d, "y ~ x", family="poisson")
    assert any("no overdispersion" in w for w in nb.warnings)
    np.testing.assert_allclose(nb.coefficients["estimate"], po.coefficients["estimate"], atol=1e-8)
    np.testing.assert_allclose(nb.coefficients["se"], po.coefficients["se"], rtol=1e-6)


@pytest.mark.parametrize(("case", "n_agq"), [("laplace", 1), ("agq10", 10)])
def test_binomial_mixed_matches_glmer(case: str, n_agq: int) -> None:
    ref = _ref("lme4_glmer_panel.json")[case]
    d = pd.read_csv(RESULTS / "lme4_glmer_panel_data.csv")
    res = fit_model(
        d,
        "distress ~ stigma + wave + female",
        family="binomial_mixed",
        cluster="id",
        n_agq=n_agq,
    )
    c = res.coefficients
    assert list(c["term"]) == ["Intercept", "stigma", "wave", "female"]
    # lme4 stops bobyqa / Nelder-Mead at ~1e-5 in the parameters (our optimum's log-likelihood
    # is 1.5e-5 higher with Laplace) and both SEs come from finite-difference Hessians: seen
    # 3e-5 (estimates), 5e-5 (SEs), 1e-5 (sd), hence 3e-4
    np.testing.assert_allclose(c["estimate"], ref["estimate"], rtol=3e-4)
    np.testing.assert_allclose(c["se"], ref["se"], rtol=3e-4)
    np.testing.assert_allclose(c["odds_ratio"], np.exp(c["estimate"]), rtol=1e-12)
    vc = res.variance_components.iloc[0]
    assert (vc["group"], vc["term"]) == ("id", "(Intercept)")
    np.testing.assert_allclose(vc["sd_cor"], ref["sd_intercept"], rtol=3e-4)
    s = res.summary.iloc[0]
    np.testing.assert_allclose(s["loglik"], ref["loglik"], atol=1e-4)
    np.testing.assert_allclose(s["aic"], ref["aic"], atol=2e-4)
    np.testing.assert_allclose(s["bic"], ref["bic"], atol=2e-4)
    assert s["n"] == ref["n"]
    assert s["n_groups"] == ref["n_groups"]
    assert s["converged"]
    assert res.warnings == ()


def test_binomial_mixed_arguments() -> None:
    d = pd.read_csv(RESULTS / "lme4_glmer_panel_data.csv")
    with pytest.raises(ValueError, match="needs cluster="):
        fit_model(d, "distress ~ stigma", family="binomial_mixed")
    with pytest.raises(ValueError, match="0/1"):
        fit_model(d, "stigma ~ wave", family="binomial_mixed", cluster="id")
    with pytest.raises(ValueError, match="n_agq"):
        fit_model(d, "distress ~ stigma", family="binomial_mixed", cluster="id", n_agq=0)


@pytest.mark.parametrize(
    ("family", "formula"),
    [
        ("gaussian", "support ~ stigma + wave"),
        ("binomial", "distress ~ stigma + wave"),
        ("poisson", "events ~ stigma + wave"),
        ("negative_binomial", "events ~ stigma + wave"),
        ("ordinal", "agree ~ stigma + wave"),
    ],
)
def test_cluster_robust_matches_sandwich_vcovcl(family: str, formula: str) -> None:
    # 100 respondents x 3 waves; cluster = respondent, as sandwich::vcovCL(fit, cluster = ~id)
    ref = _ref("stats_lm_cluster_robust.json")[family]
    d = pd.read_csv(RESULTS / "stats_lm_cluster_robust_data.csv")
    res = fit_model(d, formula, family=family, cluster="id")  # type: ignore[arg-type]
    c = res.coefficients
    # lm: closed form (seen 4e-15); glm / glm.nb: R's IRLS stops at 1e-8 (seen 2e-6); polr:
    # numerical Hessians and scores on both sides (seen 7e-6)
    k = len(ref["estimate"])  # polr's coef() leaves out the cut-points
    # polr stops BFGS at reltol 1.5e-8: its estimates are good to ~1e-5
    atol = 1e-4 if family == "ordinal" else 0.0
    np.testing.assert_allclose(c["estimate"].to_numpy()[:k], ref["estimate"], rtol=1e-5, atol=atol)
    np.testing.assert_allclose(c["se"], ref["se_all"], rtol=2e-5)
    s = res.summary.iloc[0]
    assert s["cov_type"] == "cluster"
    assert s["n_groups"] == 100
    # the respondent effect in the simulated data makes clustered SEs differ from model-based
    plain = fit_model(d, formula, family=family, cov_type="nonrobust")  # type: ignore[arg-type]
    assert not np.allclose(c["se"], plain.coefficients["se"], rtol=1e-2)


def test_ordinal_numeric_outcome_equals_categorical(housing: pd.DataFrame) -> None:
    h = housing.copy()
    h["sat_num"] = h["Sat"].cat.codes + 1
    a = fit_model(housing, "Sat ~ Infl + Cont", family="ordinal", weights="Freq").coefficients
    b = fit_model(h, "sat_num ~ Infl + Cont", family="ordinal", weights="Freq").coefficients
    np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-6)
    assert list(b["term"][-2:]) == ["1|2", "2|3"]


def test_gaussian_hc3_and_std_estimate() -> None:
    import statsmodels.formula.api as smf

    d = _survey()
    res = fit_model(d, "support ~ stigma + age + C(site)", family="gaussian")
    sm = smf.ols("support ~ stigma + age + C(site)", d).fit(cov_type="HC3", use_t=True)
    c = res.coefficients.set_index("term")
    np.testing.assert_allclose(c["estimate"], sm.params[c.index], rtol=1e-10)
    np.testing.assert_allclose(c["se"], sm.bse[c.index], rtol=1e-10)
    # HC3 by the formula: (X'X)^-1 X' diag(e_i^2 / (1 - h_i)^2) X (X'X)^-1
    X, e = sm.model.exog, sm.resid.to_numpy()
    G = np.linalg.inv(X.T @ X)
    h = np.einsum("ij,jk,ik->i", X, G, X)
    V = G @ (X.T * (e / (1 - h)) ** 2) @ X @ G
    assert list(c.index) == list(sm.params.index)
    np.testing.assert_allclose(c["se"].to_numpy(), np.sqrt(np.diag(V)), rtol=1e-10)
    # std_estimate = b * sd(x) / sd(y): the slope after z-scoring x and y
    z = d.assign(
        support=(d.support - d.support.mean()) / d.support.std(),
        stigma=(d.stigma - d.stigma.mean()) / d.stigma.std(),
        age=(d.age - d.age.mean()) / d.age.std(),
    )
    zs = smf.ols("support ~ stigma + age + C(site)", z).fit()
    np.testing.assert_allclose(c.loc["stigma", "std_estimate"], zs.params["stigma"], rtol=1e-10)
    assert np.isnan(c.loc["Intercept", "std_estimate"])
    assert np.isnan(c.loc["C(site)[T.B]", "std_estimate"])
    assert c["odds_ratio"].isna().all()
    s = res.summary.iloc[0]
    assert s["cov_type"] == "HC3"
    assert s["r2_kind"] == "r_squared"
    np.testing.assert_allclose(s["r2"], sm.rsquared, rtol=1e-12)


def test_gaussian_cluster_robust(sleepstudy: pd.DataFrame) -> None:
    import statsmodels.formula.api as smf

    res = fit_model(sleepstudy, "Reaction ~ Days", cluster="Subject")
    codes = pd.factorize(sleepstudy["Subject"])[0]
    sm = smf.ols("Reaction ~ Days", sleepstudy).fit(
        cov_type="cluster", cov_kwds={"groups": codes}, use_t=True
    )
    np.testing.assert_allclose(res.coefficients["se"], sm.bse, rtol=1e-10)
    np.testing.assert_allclose(res.coefficients["ci_low"], sm.conf_int()[0], rtol=1e-10)
    assert res.summary.iloc[0]["n_groups"] == 18
    assert res.summary.iloc[0]["cov_type"] == "cluster"


def test_binomial_odds_ratios() -> None:
    import statsmodels.formula.api as smf

    d = _survey(2)
    res = fit_model(d, "depressed ~ stigma + age", family="binomial")
    sm = smf.logit("depressed ~ stigma + age", d).fit(disp=0)
    c = res.coefficients
    np.testing.assert_allclose(c["estimate"], sm.params, rtol=1e-6)
    np.testing.assert_allclose(c["se"], sm.bse, rtol=1e-5)
    np.testing.assert_allclose(c["odds_ratio"], np.exp(sm.params), rtol=1e-6)
    np.testing.assert_allclose(c["odds_ratio_ci_low"], np.exp(sm.conf_int()[0]), rtol=1e-5)
    assert c["std_estimate"].isna().all()
    np.testing.assert_allclose(res.summary.iloc[0]["r2"], sm.prsquared, rtol=1e-6)


@pytest.fixture(scope="module")
def gee_panel() -> pd.DataFrame:
    return pd.read_csv(RESULTS / "geepack_panel_data.csv")


GEE_CASES = [
    ("gaps", "gaussian_ar1"),
    ("gaps", "gaussian_exchangeable"),
    ("gaps", "gaussian_independence"),
    ("gaps", "binomial_ar1"),
    ("gaps", "binomial_exchangeable"),
    ("full", "gaussian_ar1"),
    ("full", "gaussian_exchangeable"),
    ("full", "gaussian_independence"),
]


@pytest.mark.parametrize(("panel", "case"), GEE_CASES)
def test_gee_matches_geepack(gee_panel: pd.DataFrame, panel: str, case: str) -> None:
    # "gaps": 30% of the rows after wave 1 dropped, so respondents are seen at e.g. waves 1, 3, 4
    ref = _ref("geepack_panel.json")[panel][case]
    d = gee_panel[gee_panel["kept"]] if panel == "gaps" else gee_panel
    fam, corstr = case.split("_")
    formula = (
        "wellbeing ~ stigma + wave + female" if fam == "gaussian" else "distress ~ stigma + wave"
    )
    res = fit_model(
        d.sample(frac=1, random_state=1),  # row order must not matter
        formula,
        family="gee",
        cluster="id",
        time="wave",
        gee_cov=corstr,  # type: ignore[arg-type]
        gee_family=fam,  # type: ignore[arg-type]
    )
    c = res.coefficients
    assert list(c.columns) == list(COEFFICIENT_COLUMNS)
    # both sides solve the same estimating equations to 1e-10 (geepack with epsilon = 1e-10):
    # agreement seen ~1e-12
    np.testing.assert_allclose(c["estimate"], ref["estimate"], rtol=1e-8)
    np.testing.assert_allclose(c["se"], ref["se"], rtol=1e-8)
    vc = res.variance_components.set_index("group")
    if corstr == "independence":
        assert np.isnan(vc.loc["Correlation", "sd_cor"])
    else:
        np.testing.assert_allclose(vc.loc["Correlation", "sd_cor"], ref["alpha"], rtol=1e-8)
    assert vc.loc["Correlation", "term"] == corstr
    np.testing.assert_allclose(vc.loc["Scale", "variance"], ref["scale"], rtol=1e-8)
    s = res.summary.iloc[0]
    assert s["n"] == ref["n"]
    assert s["n_groups"] == ref["n_groups"] == 80
    assert s["cov_type"] == "robust"
    assert s["converged"]
    assert res.warnings == ()
    naive = fit_model(
        d,
        formula,
        family="gee",
        cluster="id",
        time="wave",
        gee_cov=corstr,  # type: ignore[arg-type]
        gee_family=fam,  # type: ignore[arg-type]
        cov_type="naive",
    )
    np.testing.assert_allclose(naive.coefficients["se"], ref["se_naive"], rtol=1e-8)
    assert naive.summary.iloc[0]["cov_type"] == "naive"


def test_gee_ar1_uses_the_wave_distance(gee_panel: pd.DataFrame) -> None:
    # renumbering the waves 1..n_i within respondent (what "consecutive rows are lag 1" does)
    # must change the AR(1) fit on a panel with gaps, and leave exchangeable unchanged
    d = gee_panel[gee_panel["kept"]].copy()
    d["visit"] = d.groupby("id").cumcount() + 1
    assert (d["visit"] != d["wave"]).any()
    kw = {"family": "gee", "cluster": "id"}
    f = "wellbeing ~ stigma + wave + female"
    a = fit_model(d, f, time="wave", gee_cov="ar1", **kw)  # type: ignore[arg-type]
    b = fit_model(d, f, time="visit", gee_cov="ar1", **kw)  # type: ignore[arg-type]
    assert abs(a.variance_components["sd_cor"][0] - b.variance_components["sd_cor"][0]) > 0.01
    e1 = fit_model(d, f, time="wave", gee_cov="exchangeable", **kw)  # type: ignore[arg-type]
    e2 = fit_model(d, f, time="visit", gee_cov="exchangeable", **kw)  # type: ignore[arg-type]
    np.testing.assert_allclose(e1.coefficients["estimate"], e2.coefficients["estimate"], rtol=1e-10)


def test_gee_collinear_predictors_are_an_error(gee_panel: pd.DataFrame) -> None:
    d = gee_panel.assign(stigma2=2 * gee_panel["stigma"])
    with pytest.raises(ValueError, match="collinear"):
        fit_model(d, "wellbeing ~ stigma + stigma2", family="gee", cluster="id")


def test_gee_default_epsilon_of_geepack_is_close(gee_panel: pd.DataFrame) -> None:
    # geepack's default control (epsilon = 1e-4) stops short of the root: within 1e-5 of ours
    ref = _ref("geepack_panel.json")["default_epsilon"]["gaussian_ar1"]
    d = gee_panel[gee_panel["kept"]]
    res = fit_model(
        d,
        "wellbeing ~ stigma + wave + female",
        family="gee",
        cluster="id",
        time="wave",
        gee_cov="ar1",
    )
    np.testing.assert_allclose(res.coefficients["estimate"], ref["estimate"], rtol=1e-5)


@pytest.mark.parametrize(
    ("change", "match"),
    [("fraction", "whole wave numbers"), ("duplicate", "repeats a wave")],
)
def test_gee_ar1_bad_time(gee_panel: pd.DataFrame, change: str, match: str) -> None:
    d = gee_panel.copy()
    if change == "fraction":
        d["wave"] = d["wave"] + 0.5 * (d["id"] == 3)
    else:
        d.loc[1, "wave"] = 1
    with pytest.raises(ValueError, match=match):
        fit_model(d, "wellbeing ~ stigma", family="gee", cluster="id", time="wave", gee_cov="ar1")


def test_gee_binomial_odds_ratios(sleepstudy: pd.DataFrame) -> None:
    d = sleepstudy.assign(slow=(sleepstudy["Reaction"] > 300).astype(int))
    res = fit_model(d, "slow ~ Days", family="gee", cluster="Subject", gee_family="binomial")
    c = res.coefficients
    np.testing.assert_allclose(c["odds_ratio"], np.exp(c["estimate"]), rtol=1e-12)
    assert c["std_estimate"].isna().all()


def test_schema_is_fixed_across_families(sleepstudy: pd.DataFrame, housing: pd.DataFrame) -> None:
    d = _survey()
    results = [
        fit_model(d, "support ~ stigma", family="gaussian"),
        fit_model(d, "depressed ~ stigma", family="binomial"),
        fit_model(housing, "Sat ~ Infl", family="ordinal", weights="Freq"),
        fit_model(sleepstudy, "Reaction ~ Days", family="mixed", cluster="Subject"),
        fit_model(sleepstudy, "Reaction ~ Days", family="gee", cluster="Subject"),
        fit_model(d.assign(k=d["depressed"] * 2), "k ~ stigma", family="poisson"),
        fit_model(d.assign(k=d["depressed"] * 2), "k ~ stigma", family="negative_binomial"),
    ]
    for r in results:
        assert list(r.coefficients.columns) == list(COEFFICIENT_COLUMNS)
        assert list(r.summary.columns) == list(SUMMARY_COLUMNS)
        assert list(r.variance_components.columns) == list(VARIANCE_COMPONENT_COLUMNS)
        assert list(r.to_frame().columns[:2]) == ["family", "formula"]


def test_singular_mixed_fit_is_reported_not_warned() -> None:
    # no between-subject variation at all: the random-intercept variance is 0 (singular fit)
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"id": np.repeat(np.arange(30), 3), "wave": np.tile([1, 2, 3], 30)})
    d["y"] = 0.5 * d["wave"] + rng.normal(size=len(d))
    res = fit_model(d, "y ~ wave", family="mixed", cluster="id")
    assert any("singular" in w or "zero" in w for w in res.warnings)
    assert res.summary.iloc[0]["n_warnings"] == len(res.warnings)


def test_listwise_deletion_counts_rows() -> None:
    d = _survey()
    d.loc[:9, "stigma"] = np.nan
    d.loc[5:14, "age"] = np.nan
    d.loc[100, "site"] = np.nan  # a column the formula does not use: ignored
    res = fit_model(d, "support ~ stigma + age", family="gaussian")
    assert res.summary.iloc[0]["n"] == len(d) - 15


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"family": "tobit"}, "family must be one of"),
        ({"family": "poisson"}, "count outcome"),
        ({"family": "mixed"}, "needs cluster="),
        ({"family": "gee", "cluster": "site", "gee_cov": "ar1"}, "needs time="),
        ({"family": "gee", "cluster": "site", "gee_cov": "toeplitz"}, "gee_cov must be one of"),
        ({"re_formula": "~age"}, "only applies to family='mixed'"),
        ({"weights": "nope"}, "not in data"),
        ({"cov_type": "cluster"}, "needs cluster="),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fit_model(_survey(), "support ~ stigma", **kwargs)


def test_bad_data_type() -> None:
    with pytest.raises(TypeError, match="pandas DataFrame"):
        fit_model({"a": [1]}, "a ~ b")  # type: ignore[arg-type]


def test_fit_models_duck_typed_study(sleepstudy: pd.DataFrame) -> None:
    d = sleepstudy.rename(columns={"Subject": "resp_id", "Days": "wave"})
    models = [
        SimpleNamespace(
            name="ols", formula="Reaction ~ wave", family="gaussian", groups=None, re_formula=None
        ),
        {
            "name": "lmm",
            "formula": "Reaction ~ wave",
            "family": "mixed",
            "groups": "resp_id",
            "re_formula": "~wave",
        },
        SimpleNamespace(
            name="gee",
            formula="Reaction ~ wave",
            family="gee",
            groups="resp_id",  # the older spelling in a study file still works
            re_formula=None,
            cluster=None,
        ),
        {
            "name": "gee_ar1",
            "formula": "Reaction ~ wave",
            "family": "gee",
            "groups": "resp_id",
            "gee_cov": "ar1",
            "time": "wave",
        },
    ]
    study = SimpleNamespace(spec=SimpleNamespace(models=models), scores=d)
    out = fit_models(study)
    assert list(out) == ["ols", "lmm", "gee", "gee_ar1"]
    assert out["gee_ar1"].variance_components["term"].iloc[0] == "ar1"
    assert out["lmm"].family == "mixed"
    assert len(out["lmm"].variance_components) == 4
    with pytest.raises(TypeError, match=r"spec\.models"):
        fit_models(object())


def test_every_model_of_the_example_study_fits() -> None:
    if not EXAMPLE_STUDY.is_file():
        pytest.skip("example study not present")
    import warnings

    from stigma_analysis.scoring import score
    from stigma_analysis.study import load_study

    study = load_study(EXAMPLE_STUDY)
    with warnings.catch_warnings():
        # the example uses provisional instruments; scoring says so with a warning (not ours)
        warnings.simplefilter("ignore")
        score(study)  # computes and caches the scores
    out = fit_models(study)
    assert list(out) == [m.name for m in study.spec.models]
    for res in out.values():
        assert bool(res.summary["converged"].iloc[0])
        assert res.coefficients["se"].notna().all()


def test_perfect_separation_is_reported_not_warned() -> None:
    # warnings raised while statsmodels tabulates lazily (llf, ...) must not escape either
    x = np.random.default_rng(1).normal(size=100)
    d = pd.DataFrame({"x": x, "y": (x > 0).astype(int)})
    res = fit_model(d, "y ~ x", family="binomial")
    assert any("separation" in w for w in res.warnings)
    assert res.summary["n_warnings"].iloc[0] == len(res.warnings)


@pytest.mark.parametrize("family", ["gaussian", "binomial", "mixed"])
def test_row_order_does_not_matter(sleepstudy: pd.DataFrame, family: str) -> None:
    d = sleepstudy.assign(slow=(sleepstudy["Reaction"] > 300).astype(int))
    formula = "slow ~ Days" if family == "binomial" else "Reaction ~ Days"
    kw = {"cluster": "Subject"} if family == "mixed" else {}
    perm = d.sample(frac=1, random_state=3).reset_index(drop=True)
    a = fit_model(d, formula, family=family, **kw).coefficients  # type: ignore[arg-type]
    b = fit_model(perm, formula, family=family, **kw).coefficients  # type: ignore[arg-type]
    np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-6)
    np.testing.assert_allclose(a["se"], b["se"], rtol=1e-5)
