"""Drop-out sensitivity: retention weights (vs R glm) and the delta-adjusted MI tipping point.

Reference: tests/results/survey_retention_weights.R (+ .json, _data.csv).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stigma_analysis import evaluation as ev
from stigma_analysis._checks import DEFAULT_SEED
from stigma_analysis.models import impute, pool
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "survey_retention_weights.json").read_text())
DATA = pd.read_csv(RESULTS / "survey_retention_weights_data.csv")


def test_retention_weights_match_r_glm():
    out = ev.retention_weights(
        DATA, id="rid", score="score", covariates=["age", "score", "arm", "site"]
    )
    assert out["rid"].tolist() == list(range(1, 151))
    assert out["retained"].astype(int).tolist() == REF["retained"]
    # Newton-Raphson to 1e-12 vs glm epsilon 1e-14: 1e-9
    np.testing.assert_allclose(out["p_retained"], REF["p_retained"], rtol=1e-9)
    np.testing.assert_allclose(out["weight"], REF["weight"], rtol=1e-9)
    stab = ev.retention_weights(
        DATA, id="rid", score="score", covariates=["age", "score", "arm", "site"], stabilize=True
    )
    np.testing.assert_allclose(stab["weight"], REF["stabilized_weight"], rtol=1e-9)


def test_retention_weights_errors():
    with pytest.raises(ValueError, match="covariates must name at least one"):
        ev.retention_weights(DATA, id="rid", covariates=[])
    everyone = DATA.loc[DATA["wave"] == 1]
    both = pd.concat([everyone, everyone.assign(wave=2)])
    with pytest.raises(ValueError, match="need both retained and lost"):
        ev.retention_weights(both, id="rid", covariates=["age"])


@pytest.fixture(scope="module")
def tipping():
    return ev.tipping_point(
        DATA, score="score", id="rid", covariates=["age"], deltas=[-0.4, 0, 0.2, 0.4, 0.8], m=10
    )


def test_delta_zero_is_the_mar_analysis(tipping):
    base = DATA.loc[DATA["wave"] == 1, ["rid", "arm", "age", "score"]]
    follow = DATA.loc[DATA["wave"] == 2, ["rid", "score"]].rename(columns={"score": "_post"})
    wide = base.merge(follow, on="rid", how="left")
    model = pd.DataFrame(
        {
            "_treat": (wide["arm"] == "intervention").astype(float),
            "_pre": wide["score"],
            "_c0": wide["age"],
            "_post": wide["_post"],
        }
    )
    imp = impute(model, m=10, seed=DEFAULT_SEED, method="pmm")
    est, var = [], []
    for d in imp.datasets():
        X = np.column_stack([np.ones(len(d)), d[["_treat", "_pre", "_c0"]].to_numpy(float)])
        y = d["_post"].to_numpy(float)
        beta, rss = np.linalg.lstsq(X, y, rcond=None)[:2]
        cov = rss[0] / (len(y) - 4) * np.linalg.inv(X.T @ X)
        est.append(beta[1])
        var.append(cov[1, 1])
    ref = pool(est, var, n_obs=len(model), n_params=4).iloc[0]
    row = tipping.table.loc[tipping.table["delta"] == 0].iloc[0]
    assert row["estimate"] == pytest.approx(ref["estimate"], rel=1e-10)
    assert row["se"] == pytest.approx(ref["se"], rel=1e-10)
    assert tipping.mar_estimate == row["estimate"]
    assert tipping.n_imputed == 150 - sum(REF["retained"])


def test_estimates_move_monotonically_and_linearly_with_delta(tipping):
    t = tipping.table
    assert list(t.columns) == list(ev.TIPPING_COLUMNS)
    assert t["estimate"].is_monotonic_increasing
    # OLS is linear in y: the slope is [(X'X)^-1 X' s]_arm, s = shifted drop-outs
    base = DATA.loc[DATA["wave"] == 1].reset_index(drop=True)
    kept = set(DATA.loc[DATA["wave"] == 2, "rid"])
    treat = (base["arm"] == "intervention").to_numpy(float)
    s = ((~base["rid"].isin(kept)).to_numpy() & (treat == 1)).astype(float)
    X = np.column_stack([np.ones(len(base)), treat, base["score"], base["age"]])
    slope = np.linalg.solve(X.T @ X, X.T @ s)[1]
    np.testing.assert_allclose(np.diff(t["estimate"]) / np.diff(t["delta"]), slope, rtol=1e-9)


def test_tipping_delta_is_where_the_interval_first_covers_zero(tipping):
    t = tipping.table
    covers = (t["ci_low"] <= 0) & (t["ci_high"] >= 0)
    assert not covers[t["delta"] == 0].any()  # a programme effect under MAR (simulated -0.3)
    assert tipping.tipping_delta == 0.8  # -0.117 [-0.274, 0.040] at delta 0.8
    assert not covers[t["delta"] == 0.4].any()
    assert covers[t["delta"] == 0.8].all()


def test_tipping_point_errors():
    with pytest.raises(ValueError, match="deltas must include 0"):
        ev.tipping_point(DATA, score="score", id="rid", deltas=[0.1], m=2)
    with pytest.raises(ValueError, match="shift must be one of"):
        ev.tipping_point(DATA, score="score", id="rid", deltas=[0], shift="all", m=2)
