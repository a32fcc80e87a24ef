"""Design-based means, proportions and regression against R survey on apiclus1 / apistrat.

Reference: tests/results/survey_api.R (+ .json); data: tests/data/api_clus1.csv, api_strat.csv.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stigma_analysis import evaluation as ev
from tests.conftest import RESULTS, ROOT

REF = json.loads((RESULTS / "survey_api.json").read_text())
DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="module")
def dclus1():
    data = pd.read_csv(DATA / "api_clus1.csv", dtype={"cds": str})
    return ev.survey_design(data, weights="pw", psu="dnum", fpc="fpc")


@pytest.fixture(scope="module")
def dstrat():
    data = pd.read_csv(DATA / "api_strat.csv", dtype={"cds": str})
    return ev.survey_design(data, weights="pw", strata="stype", fpc="fpc")


def _check_mean(out, ref):
    # closed forms (weighted sums, one square root): 1e-10
    np.testing.assert_allclose(out["estimate"], np.atleast_1d(ref["estimate"]), rtol=1e-10)
    np.testing.assert_allclose(out["se"], np.atleast_1d(ref["se"]), rtol=1e-10)


def _check_glm(out, ref):
    assert out["term"].tolist() == [t.replace("(Intercept)", "Intercept") for t in ref["term"]]
    # R's glm stops IRLS at 1e-8 relative deviance change; gaussian is exact: 1e-8
    np.testing.assert_allclose(out["estimate"], ref["estimate"], rtol=1e-8)
    np.testing.assert_allclose(out["se"], ref["se"], rtol=1e-8)
    assert out["df"].iloc[0] == ref["df"]
    np.testing.assert_allclose(out["p"], ref["p"], rtol=1e-6)


def test_cluster_design_means_and_proportion(dclus1):
    _check_mean(ev.survey_mean(dclus1, ["api00", "enroll"]), REF["clus1"]["mean"])
    prop = ev.survey_proportion(dclus1, "sch_wide")
    assert prop["level"].tolist() == [0, 1]
    _check_mean(prop.iloc[[1]], REF["clus1"]["proportion"])
    assert prop["estimate"].sum() == pytest.approx(1.0)


def test_cluster_design_regressions(dclus1):
    _check_glm(ev.survey_glm(dclus1, "api00 ~ ell + meals + mobility"), REF["clus1"]["glm"])
    _check_glm(
        ev.survey_glm(dclus1, "sch_wide ~ ell + meals", family="binomial"), REF["clus1"]["logit"]
    )


def test_domain_estimation_is_not_row_filtering(dclus1):
    high = dclus1.subset("stype == 'H'")
    _check_mean(ev.survey_mean(high, "api00"), REF["clus1"]["domain_mean"])
    elementary = dclus1.subset(dclus1.data["stype"] == "E")
    _check_glm(ev.survey_glm(elementary, "api00 ~ ell + meals"), REF["clus1"]["domain_glm"])
    # filtering rows first gives R's (wrong for a domain) filtered-design SE, not the domain SE
    rows = dclus1.data.loc[dclus1.data["stype"] == "H"]
    filtered = ev.survey_design(rows, weights="pw", psu="dnum", fpc="fpc")
    _check_mean(ev.survey_mean(filtered, "api00"), REF["clus1"]["filtered_mean"])
    assert REF["clus1"]["filtered_mean"]["se"] != pytest.approx(REF["clus1"]["domain_mean"]["se"])


def test_stratified_design(dstrat):
    _check_mean(ev.survey_mean(dstrat, ["api00", "enroll"]), REF["strat"]["mean"])
    _check_glm(ev.survey_glm(dstrat, "api00 ~ ell + meals + mobility"), REF["strat"]["glm"])
    _check_mean(
        ev.survey_mean(dstrat.subset("sch_wide == 1"), "api00"), REF["strat"]["domain_mean"]
    )
    _check_mean(ev.survey_proportion(dstrat, "sch_wide").iloc[[1]], REF["strat"]["proportion"])


def test_design_errors():
    data = pd.DataFrame({"w": [1.0, 1.0, 1.0], "s": ["a", "a", "b"], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="stratum 'b' has a single PSU"):
        ev.survey_design(data, weights="w", strata="s")
    with pytest.raises(ValueError, match="must be positive"):
        ev.survey_design(data.assign(w=[1.0, 0.0, 1.0]), weights="w")
    design = ev.survey_design(data, weights="w")
    with pytest.raises(ValueError, match="one value per row"):
        design.subset([True])
    with pytest.raises(ValueError, match="no rows in the domain"):
        ev.survey_mean(design.subset("y > 10"), "y")
