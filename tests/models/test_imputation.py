"""pool (Rubin's rules vs mice::pool.scalar), impute (MICE with PMM) and pooled analyses vs mice."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.models import (
    COMPARISON_COLUMNS,
    POOL_COLUMNS,
    compare_complete_case,
    fit_imputed,
    fit_model,
    impute,
    pool,
)
from tests.conftest import RESULTS

FORMULA = "wellbeing ~ stigma + support + age + C(site)"
MICE_TERMS = {
    "(Intercept)": "Intercept",
    "stigma": "stigma",
    "support": "support",
    "age": "age",
    "siteB": "C(site)[T.B]",
    "siteC": "C(site)[T.C]",
}


@pytest.fixture(scope="module")
def ref() -> dict:
    with open(RESULTS / "mice_pool.json", encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def mice_data() -> pd.DataFrame:
    return pd.read_csv(RESULTS / "mice_pool_data.csv")


def test_pool_matches_mice_pool_scalar(ref: dict) -> None:
    for case in ref["pool_scalar"]:
        n = np.inf if case["n"] == "Inf" else case["n"]
        out = pool(case["Q"], case["U"], n_obs=n, n_params=case["k"])
        assert list(out.columns) == list(POOL_COLUMNS)
        row = out.iloc[0]
        # closed forms: agreement to rounding error (JSON written with 15 significant digits)
        for ours, theirs in (
            ("estimate", "qbar"),
            ("within", "ubar"),
            ("between", "b"),
            ("total", "t"),
            ("df", "df"),
            ("riv", "r"),
            ("fmi", "fmi"),
        ):
            np.testing.assert_allclose(row[ours], case[theirs], rtol=1e-10, err_msg=case["call"])


def test_pool_matches_mice_pool_on_mice_analyses(ref: dict) -> None:
    # mice's own 20 lm fits (mice_pool_fits.R reruns mice_pool.R's imputation and stores each
    # analysis's coefficients and squared SEs); pooled by us, compared with pool()$pooled of
    # that run, stored in mice_pool.json (identical to mice_pool_fits.json's copy)
    with open(RESULTS / "mice_pool_fits.json", encoding="utf-8") as fh:
        fits = json.load(fh)
    Q = np.asarray(fits["per_imputation"]["estimate"], float)
    U = np.asarray(fits["per_imputation"]["variance"], float)
    assert Q.shape == (20, 6)
    n_obs = 600  # dfcom = 594 = n - k in mice (lm's residual df)
    assert fits["pooled"]["dfcom"] == [n_obs - 6] * 6
    out = pool(Q, U, n_obs=n_obs, n_params=6)
    theirs = ref["pooled"]
    assert fits["pooled"]["term"] == theirs["term"]
    # closed forms of the same inputs: agreement to rounding error
    for ours, col in (
        ("estimate", "estimate"),
        ("se", "se"),
        ("df", "df"),
        ("riv", "riv"),
        ("lambda", "lambda"),
        ("fmi", "fmi"),
    ):
        np.testing.assert_allclose(out[ours], theirs[col], rtol=1e-10, err_msg=ours)
    for ours, col in (("within", "ubar"), ("between", "b"), ("total", "t")):
        np.testing.assert_allclose(out[ours], fits["pooled"][col], rtol=1e-10, err_msg=ours)


def test_complete_case_rows_match_lm(mice_data: pd.DataFrame, ref: dict) -> None:
    # the complete-case side of compare_complete_case is R's lm on the complete rows
    out = compare_complete_case(mice_data, FORMULA, m=2, n_iter=1, seed=1, cov_type="nonrobust")
    cc = out[out["method"] == "complete_case"].set_index("term")
    theirs = (
        pd.DataFrame(ref["complete_case"])
        .assign(term=lambda t: t["term"].map(MICE_TERMS))
        .set_index("term")
    )
    assert set(cc.index) == set(theirs.index)
    np.testing.assert_allclose(cc["estimate"], theirs.loc[cc.index, "estimate"], rtol=1e-10)
    np.testing.assert_allclose(cc["se"], theirs.loc[cc.index, "se"], rtol=1e-10)


def test_pool_names_and_shapes() -> None:
    rng = np.random.default_rng(0)
    Q = pd.DataFrame(rng.normal(size=(5, 2)), columns=["a", "b"])
    U = pd.DataFrame(np.full((5, 2), 0.1), columns=["a", "b"])
    out = pool(Q, U, n_obs=100, n_params=2)
    assert list(out["term"]) == ["a", "b"]
    assert (out["m"] == 5).all()
    one = pool(Q["a"], U["a"], n_obs=100, n_params=2)
    pd.testing.assert_frame_equal(one.drop(columns="term"), out.iloc[[0]].drop(columns="term"))
    # no between-imputation variance: lambda floored at 1e-4 inside the df (as mice)
    flat = pool([1.0, 1.0, 1.0], [0.2, 0.2, 0.2], n_obs=50)
    assert flat.loc[0, "between"] == 0
    assert np.isfinite(flat.loc[0, "df"])
    with pytest.raises(ValueError, match="same shape"):
        pool([1, 2, 3], [1, 2], n_obs=10)
    with pytest.raises(ValueError, match="at least 2"):
        pool([1.0], [1.0], n_obs=10)
    with pytest.raises(ValueError, match="positive"):
        pool([1.0, 2.0], [1.0, 1.0], n_obs=2, n_params=3)


def test_impute_keeps_observed_values_and_pmm_support(mice_data: pd.DataFrame) -> None:
    imp = impute(mice_data, m=5, n_iter=5, seed=4)
    assert imp.imputed == ("wellbeing", "stigma", "support", "site")
    for i, done in enumerate(imp.datasets()):
        assert not done.isna().any().any()
        obs = mice_data.notna()
        for col in mice_data.columns:
            pd.testing.assert_series_equal(
                done.loc[obs[col], col], mice_data.loc[obs[col], col], check_dtype=False
            )
        # PMM only ever copies observed values (Likert answers stay on their 1-7 grid)
        for col in ("support", "stigma", "wellbeing"):
            assert set(imp.values[col][i]) <= set(mice_data[col].dropna())
        assert set(imp.values["site"][i]) <= {"A", "B", "C"}
    assert list(imp.chain_means.columns) == ["iteration", "imputation", "column", "mean"]
    assert len(imp.chain_means) == 5 * 5 * 3
    long = imp.to_frame()
    assert len(long) == 5 * len(mice_data)
    assert long["imputation"].between(1, 5).all()
    pd.testing.assert_frame_equal(
        imp.stacked(["stigma", "site"])
        .iloc[len(mice_data) : 2 * len(mice_data)]
        .reset_index(drop=True)
        .astype({"site": object}),
        imp.complete(1)[["stigma", "site"]].astype({"site": object}),
        check_dtype=False,
    )


def test_impute_reproducible_and_seed_dependent(mice_data: pd.DataFrame) -> None:
    a = impute(mice_data, m=3, n_iter=3, seed=9)
    b = impute(mice_data, m=3, n_iter=3, seed=9)
    c = impute(mice_data, m=3, n_iter=3, seed=10)
    for col in a.imputed:
        np.testing.assert_array_equal(a.values[col], b.values[col])
    assert not np.array_equal(a.values["stigma"], c.values["stigma"])


def test_impute_categorical_numeric_codes_and_norm(mice_data: pd.DataFrame) -> None:
    d = mice_data.assign(site=mice_data["site"].map({"A": 1, "B": 2, "C": 3}))
    imp = impute(d, m=3, n_iter=3, seed=1, categorical=["site"], method="norm")
    assert set(np.unique(imp.values["site"])) <= {1.0, 2.0, 3.0}
    # norm draws are continuous, not copies of observed values
    assert not set(imp.values["stigma"].ravel()) <= set(d["stigma"].dropna())


def test_impute_categorical_dtype_roundtrip(mice_data: pd.DataFrame) -> None:
    d = mice_data.assign(site=pd.Categorical(mice_data["site"], categories=["C", "B", "A"]))
    done = impute(d, m=2, n_iter=2, seed=1).complete(0)
    assert isinstance(done["site"].dtype, pd.CategoricalDtype)
    assert list(done["site"].cat.categories) == ["C", "B", "A"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "cart"}, "method must be"),
        ({"m": 0}, "m must be"),
        ({"columns": ["nope"]}, "not in data"),
    ],
)
def test_impute_bad_arguments(mice_data: pd.DataFrame, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        impute(mice_data, **kwargs)


def test_fit_imputed_agrees_with_mice(mice_data: pd.DataFrame, ref: dict) -> None:
    ours = fit_imputed(mice_data, FORMULA, m=20, n_iter=10, seed=1, cov_type="nonrobust")
    ours = ours.set_index("term")
    theirs = pd.DataFrame(ref["pooled"]).assign(term=lambda t: t["term"].map(MICE_TERMS))
    theirs = theirs.set_index("term").loc[ours.index]
    mice_mean = pd.Series(
        ref["mice_seed_mean"], index=[MICE_TERMS[t] for t in ref["pooled"]["term"]]
    )
    mice_sd = pd.Series(ref["mice_seed_sd"], index=mice_mean.index)
    # Monte Carlo agreement: our pooled estimate lies within 4 MC SDs (of mice's own spread
    # over 20 seeds, times sqrt(2) for our own noise) of mice's average over those seeds
    # (factor polyreg differs: see impute's Notes)
    z = (ours["estimate"] - mice_mean[ours.index]) / (np.sqrt(2) * mice_sd[ours.index])
    assert (z.abs() < 4).all(), z
    # pooled SEs are within 10% of mice's (between-imputation variance is itself MC-noisy)
    np.testing.assert_allclose(ours["se"], theirs["se"], rtol=0.10)
    assert ours["fmi"].between(0.02, 0.45).all()


def test_fit_imputed_fast_path_equals_model_by_model(mice_data: pd.DataFrame) -> None:
    imp = impute(mice_data, m=4, n_iter=3, seed=2)
    fast = fit_imputed(mice_data, FORMULA, imputation=imp)  # HC3, batched
    rows = [fit_model(d, FORMULA).coefficients for d in imp.datasets()]
    Q = np.stack([r["estimate"].to_numpy() for r in rows])
    U = np.stack([r["se"].to_numpy() ** 2 for r in rows])
    slow = pool(Q, U, n_obs=len(mice_data), n_params=Q.shape[1])
    np.testing.assert_allclose(fast["estimate"], slow["estimate"], rtol=1e-9)
    np.testing.assert_allclose(fast["se"], slow["se"], rtol=1e-9)
    np.testing.assert_allclose(fast["df"], slow["df"], rtol=1e-9)
    assert list(fast["term"]) == list(rows[0]["term"])


def test_fit_imputed_other_families(mice_data: pd.DataFrame) -> None:
    d = mice_data.assign(
        low=(mice_data["wellbeing"] < 35).astype(float).where(mice_data["wellbeing"].notna())
    )
    out = fit_imputed(
        d, "low ~ stigma + age", m=3, n_iter=3, seed=1, family="binomial", categorical=["low"]
    )
    assert list(out["term"]) == ["Intercept", "stigma", "age"]
    assert out.attrs["warnings"] == ()


def test_compare_complete_case(mice_data: pd.DataFrame) -> None:
    out = compare_complete_case(mice_data, FORMULA, m=5, n_iter=5, seed=1)
    assert list(out.columns) == list(COMPARISON_COLUMNS)
    assert list(out["method"][:2]) == ["complete_case", "multiple_imputation"]
    n_cc = int(mice_data[["wellbeing", "stigma", "support", "age", "site"]].dropna().shape[0])
    assert set(out.loc[out.method == "complete_case", "n"]) == {n_cc}
    assert set(out.loc[out.method == "multiple_imputation", "n"]) == {len(mice_data)}
    assert out.loc[out.method == "complete_case", "fmi"].isna().all()


def test_impute_tiny_data_with_separated_factor() -> None:
    # a factor perfectly predicted by the other columns must not make the Newton steps fail
    t = pd.DataFrame(
        {
            "a": [1, 2, np.nan, 4, 5, 6.0],
            "b": ["x", "y", "x", None, "y", "x"],
            "c": [1, np.nan, 3, 4, 5, 6],
        }
    )
    imp = impute(t, m=3, n_iter=2, seed=1)
    assert set(imp.values["b"].ravel()) <= {"x", "y"}
    assert not imp.complete(2).isna().any().any()


def test_pool_is_invariant_to_the_order_of_imputations() -> None:
    rng = np.random.default_rng(7)
    Q, U = rng.normal(size=(8, 3)), rng.uniform(0.1, 0.2, size=(8, 3))
    order = rng.permutation(8)
    pd.testing.assert_frame_equal(
        pool(Q, U, n_obs=200, n_params=3),
        pool(Q[order], U[order], n_obs=200, n_params=3),
        rtol=1e-12,
    )
